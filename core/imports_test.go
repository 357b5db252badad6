package authkit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoFramework keeps the core framework-agnostic: no package of
// the core module (tests included) may depend on a web framework.
func TestCoreImportsNoFramework(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/gin-gonic", "github.com/labstack", "github.com/gofiber", "github.com/valyala/fasthttp"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("core depends on web framework package %s; keep framework code in adapters/", p)
			}
		}
	}
}

// TestRootImportsNoEmulator keeps the emulator out of production binaries:
// the root package (what every app imports) must not depend on the emulator
// (package authkittest, imported by package dev) nor on what it brings:
// testing and html/template.
func TestRootImportsNoEmulator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "github.com/authkit-go/authkit/core" {
		t.Fatalf("go list listed %q, not the root package's dependencies", deps)
	}
	for _, p := range deps {
		switch p {
		case "testing", "html/template", "github.com/authkit-go/authkit/core/authkittest":
			t.Errorf("the root package depends on %s; keep the emulator and test helpers out of it (package dev, authkittest)", p)
		}
	}
}
