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
