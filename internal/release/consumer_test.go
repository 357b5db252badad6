package release_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit-go/authkit/internal/release"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
)

// TestConsumer installs authkit-go the way a user does, from outside the
// repository: it serves the working tree's released modules from a
// file:// module proxy at a fresh candidate version (go.mod requirements and
// authkit.Version rewritten as scripts/release.sh rewrites them), runs the
// README's install lines in a new module with GOWORK=off, builds, vets and
// tests a program per README setup snippet, and runs the installed
// `authkit version`.
//
// It needs the network for modules missing from the module cache and for
// checksums, and takes about a minute: make test runs it through make
// consumer (AUTHKIT_CONSUMER_TEST=1); a plain go test skips it.
func TestConsumer(t *testing.T) {
	if os.Getenv("AUTHKIT_CONSUMER_TEST") == "" {
		t.Skip("run make consumer (or AUTHKIT_CONSUMER_TEST=1) to install the modules as a user would")
	}
	start := time.Now()
	root := repoRoot(t)
	snippets := readmeSnippets(t, filepath.Join(root, "README.md"))

	base, err := release.ReadVersion(root)
	require.NoError(t, err)
	// A version never used before: the module cache keeps what it extracted
	// per version forever, so reusing one would test a stale tree.
	candidate := fmt.Sprintf("%s-consumertest.%d", base, time.Now().UnixNano())
	proxy := t.TempDir()
	mods, err := release.WriteProxy(root, proxy, candidate, time.Now())
	require.NoError(t, err)
	t.Logf("module proxy of the working tree at %s: %d modules (%s)", candidate, len(mods), since(start))

	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	goenv := func(name string) string {
		out, err := exec.Command(goBin, "env", name).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	upstream := goenv("GOPROXY")
	modcache := goenv("GOMODCACHE")
	t.Cleanup(func() { forgetCandidate(t, modcache, mods, candidate) })

	consumer := t.TempDir() // outside the repository: no go.work above it
	bin := t.TempDir()
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOBIN", "GOTOOLCHAIN", "AUTHKIT_CONSUMER_TEST":
			continue
		}
		if strings.HasPrefix(k, "WORKOS_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"GOWORK=off",
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+upstream,
		// GONOSUMDB, not GOPRIVATE: GOPRIVATE would also skip the proxies.
		"GONOSUMDB="+release.RootPath,
		// -modcacherw lets the cleanup remove the candidate from the module cache.
		"GOFLAGS=-mod=mod -modcacherw",
		"GOBIN="+bin,
		"GOTOOLCHAIN=local",
	)
	run := func(dir string, args ...string) string {
		t.Helper()
		t0 := time.Now()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, out)
		t.Logf("go %s (%s)", strings.Join(args, " "), since(t0))
		return string(out)
	}

	run(consumer, "mod", "init", "example.com/consumer")

	// The README's install lines, as written.
	var gotten []string
	for line := range strings.Lines(snippets["install"]) {
		line, _, _ = strings.Cut(line, "#")
		args := strings.Fields(line)
		if len(args) == 0 {
			continue
		}
		require.True(t, len(args) == 3 && args[0] == "go" && (args[1] == "get" || args[1] == "install"), "README install line %q: want go get|install PATH@VERSION", line)
		run(consumer, args[1:]...)
		if args[1] == "get" {
			p, _, _ := strings.Cut(args[2], "@")
			gotten = append(gotten, p)
		}
	}
	for _, m := range mods {
		if m.Dir != "core" {
			require.Contains(t, gotten, m.Path, "the README's install section has no go get line for %s", m.Path)
		}
	}
	// Every authkit-go module resolved to the candidate, none to a sibling
	// directory or another version.
	listed := run(consumer, "list", "-m", "-f", "{{.Path}} {{.Version}} {{if .Replace}}replaced{{end}}", "all")
	for _, m := range mods {
		require.Contains(t, listed, m.Path+" "+candidate+" \n", "go list -m all:\n%s", listed)
	}

	// authkit version, from go install ...@latest above.
	out, err := exec.Command(filepath.Join(bin, "authkit"), "version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.True(t, strings.HasPrefix(string(out), "authkit-go "+strings.TrimPrefix(candidate, "v")+" ("), "authkit version: %s", out)
	t.Logf("authkit version: %s", strings.TrimSpace(string(out)))

	// One package per README snippet.
	for name := range snippets {
		require.True(t, name == "install" || programs[name].main != "", "README.md snippet %q: no program in consumer_test.go wraps it", name)
	}
	for name, p := range programs {
		body := snippets[name]
		require.NotEmpty(t, body, "README.md has no <!-- consumer-test: %s --> snippet", name)
		var imports, code []string
		for line := range strings.Lines(body) {
			if rest, ok := strings.CutPrefix(line, "import "); ok {
				imports = append(imports, "\t"+strings.TrimSpace(rest))
			} else {
				code = append(code, "\t"+line)
			}
		}
		src := strings.NewReplacer(
			"IMPORTS", strings.Join(imports, "\n"),
			"SNIPPET", strings.TrimRight(strings.Join(code, ""), "\n"),
		).Replace(p.main)
		dir := filepath.Join(consumer, name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
		if p.test != "" {
			prelude := strings.Replace(testPrelude, "TESTIMPORTS", p.testImports, 1)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "main_test.go"), []byte(prelude+p.test), 0o644))
		}
	}
	run(consumer, "vet", "./...")
	run(consumer, "test", "-race", "-count=1", "./...")
	t.Logf("consumer test done in %s", since(start))
}

func since(t0 time.Time) string { return time.Since(t0).Round(100 * time.Millisecond).String() }

var marker = regexp.MustCompile(`^<!-- consumer-test: ([a-z0-9]+) -->$`)

// readmeSnippets returns the code blocks that follow a
// "<!-- consumer-test: NAME -->" line, by NAME.
func readmeSnippets(t *testing.T, file string) map[string]string {
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	name, inBlock := "", false
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case inBlock && strings.HasPrefix(line, "```"):
			out[name] = b.String()
			name, inBlock = "", false
		case inBlock:
			b.WriteString(line + "\n")
		case name != "":
			require.True(t, strings.HasPrefix(line, "```"), "README.md: <!-- consumer-test: %s --> must be followed by a code block", name)
			inBlock = true
			b.Reset()
		default:
			if strings.HasPrefix(line, "<!-- consumer-test") {
				require.Regexp(t, marker, line, "README.md: a consumer-test marker reads <!-- consumer-test: NAME -->")
			}
			if m := marker.FindStringSubmatch(line); m != nil {
				require.NotContains(t, out, m[1], "README.md: two consumer-test snippets named %s", m[1])
				name = m[1]
			}
		}
	}
	require.NoError(t, sc.Err())
	require.False(t, inBlock, "README.md: unterminated consumer-test snippet %s", name)
	return out
}

// forgetCandidate removes the candidate version from the shared module
// cache, so that test runs do not accumulate there.
func forgetCandidate(t *testing.T, modcache string, mods []release.Module, candidate string) {
	for _, m := range mods {
		esc, err := module.EscapePath(m.Path)
		require.NoError(t, err)
		require.NoError(t, os.RemoveAll(filepath.Join(modcache, filepath.FromSlash(esc)+"@"+candidate)))
		dl := filepath.Join(modcache, "cache", "download", filepath.FromSlash(esc), "@v")
		files, err := filepath.Glob(filepath.Join(dl, candidate+".*"))
		require.NoError(t, err)
		for _, f := range files {
			require.NoError(t, os.Remove(f))
		}
		list := filepath.Join(dl, "list")
		data, err := os.ReadFile(list)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		lines := slices.DeleteFunc(strings.SplitAfter(string(data), "\n"), func(l string) bool { return strings.TrimSpace(l) == candidate })
		require.NoError(t, os.WriteFile(list, []byte(strings.Join(lines, "")), 0o644))
	}
}

// A program wraps a README snippet: main is a package main source in which
// IMPORTS becomes the snippet's import lines and SNIPPET its other lines;
// test, when set, is its main_test.go after testPrelude, which imports
// testImports too.
type program struct{ main, test, testImports string }

var programs = map[string]program{
	"gin": {main: `package main

import (
	"log"
	"net/http"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/gin-gonic/gin"
IMPORTS
)

// newApp is the README's Gin setup.
func newApp() http.Handler {
SNIPPET
	return r
}

func main() { log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp())) }
`, test: `
func TestSetup(t *testing.T) {
	emu := authkittest.NewServer(t)
	u, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WORKOS_CLIENT_ID", emu.ClientID())
	t.Setenv("WORKOS_API_KEY", emu.APIKey())
	t.Setenv("WORKOS_REDIRECT_URI", "http://localhost:8080/callback")
	t.Setenv("WORKOS_COOKIE_PASSWORD", "a-test-cookie-password-of-32-chars!")
	t.Setenv("WORKOS_API_HOSTNAME", u.Hostname())
	t.Setenv("WORKOS_API_HTTPS", "false")
	t.Setenv("WORKOS_API_PORT", u.Port())
	checkApp(t, emu, newApp().ServeHTTP)
}
`},
	"echo": {main: `package main

import (
	"log"
	"net/http"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/labstack/echo/v4"
IMPORTS
)

// newApp is the README's Echo setup.
func newApp(kit *authkit.Client) http.Handler {
	handler := func(c echo.Context) error { return c.JSON(http.StatusOK, authkitecho.Auth(c).User) }
SNIPPET
	return e
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(kit)))
}
`, test: `
func TestSetup(t *testing.T) {
	emu, kit := newKit(t)
	checkApp(t, emu, newApp(kit).ServeHTTP)
}
`},
	"fiber": {main: `package main

import (
	"log"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/gofiber/fiber/v2"
IMPORTS
)

// newApp is the README's Fiber setup.
func newApp(kit *authkit.Client) *fiber.App {
	handler := func(c *fiber.Ctx) error { return c.JSON(authkitfiber.Auth(c).User) }
SNIPPET
	return app
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(newApp(kit).Listen("127.0.0.1:8080"))
}
`, test: `
func TestSetup(t *testing.T) {
	emu, kit := newKit(t)
	app := newApp(kit)
	checkApp(t, emu, func(w http.ResponseWriter, r *http.Request) {
		resp, err := app.Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
	})
}
`},
	"fiberv3": {main: `package main

import (
	"log"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/gofiber/fiber/v3"
IMPORTS
)

// newApp is the README's Fiber v3 setup.
func newApp(kit *authkit.Client) *fiber.App {
	handler := func(c fiber.Ctx) error { return c.JSON(authkitfiberv3.Auth(c).User) }
SNIPPET
	return app
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(newApp(kit).Listen("127.0.0.1:8080"))
}
`, test: `
func TestSetup(t *testing.T) {
	emu, kit := newKit(t)
	app := newApp(kit)
	checkApp(t, emu, func(w http.ResponseWriter, r *http.Request) {
		resp, err := app.Test(r, fiber.TestConfig{}) // no timeout
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
	})
}
`, testImports: "\t\"github.com/gofiber/fiber/v3\""},
	"nethttp": {main: `package main

import (
	"log"
	"net/http"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
	authkit "github.com/authkit-go/authkit/core"
IMPORTS
)

// newApp is the README's net/http setup.
func newApp(kit *authkit.Client) http.Handler {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = authkithttp.Auth(r) })
SNIPPET
	return app
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(kit)))
}
`, test: `
func TestSetup(t *testing.T) {
	emu, kit := newKit(t)
	checkApp(t, emu, newApp(kit).ServeHTTP)
}
`},
	// Built and vetted only: the interceptors' behaviour is the bearer
	// conformance suite's, run in the repository.
	"grpc": {main: `package main

import (
	"log"

	authkit "github.com/authkit-go/authkit/core"
	"google.golang.org/grpc"
IMPORTS
)

// newServer is the README's gRPC setup.
func newServer(kit *authkit.Client) *grpc.Server {
SNIPPET
	return srv
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	_ = newServer(kit)
}
`},
	"connect": {main: `package main

import (
	"log"

	"connectrpc.com/connect"
	authkit "github.com/authkit-go/authkit/core"
IMPORTS
)

// handlerOptions is the README's Connect setup.
func handlerOptions(kit *authkit.Client) connect.HandlerOption {
SNIPPET
	return interceptors
}

func main() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	_ = handlerOptions(kit)
}
`},
	// Built and vetted only: running it needs a Redis server.
	"redis": {main: `package main

import (
	"log"
	"os"

	authkit "github.com/authkit-go/authkit/core"
IMPORTS
)

func main() {
SNIPPET
	_ = kit
}
`},
	"otel": {main: `package main

import (
	"log"

	authkit "github.com/authkit-go/authkit/core"
IMPORTS
)

// observedKit is the README's OpenTelemetry setup.
func observedKit() *authkit.Client {
SNIPPET
	if err != nil {
		log.Fatal(err)
	}
	return kit
}

func main() { _ = observedKit() }
`, test: `
func TestSetup(t *testing.T) {
	emu := authkittest.NewServer(t)
	u, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WORKOS_CLIENT_ID", emu.ClientID())
	t.Setenv("WORKOS_API_KEY", emu.APIKey())
	t.Setenv("WORKOS_REDIRECT_URI", "http://localhost:8080/callback")
	t.Setenv("WORKOS_COOKIE_PASSWORD", "a-test-cookie-password-of-32-chars!")
	t.Setenv("WORKOS_API_HOSTNAME", u.Hostname())
	t.Setenv("WORKOS_API_HTTPS", "false")
	t.Setenv("WORKOS_API_PORT", u.Port())
	kit := observedKit()
	tok, err := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID})
	if err != nil {
		t.Fatal(err)
	}
	r := &authkit.Request{Method: http.MethodGet, URL: &url.URL{Path: "/api"}, Header: http.Header{"Authorization": {"Bearer " + tok}}}
	if d := kit.Load(t.Context(), r); d.Auth == nil {
		t.Fatalf("a valid bearer token with the observer set: %v", d.Err)
	}
	checkApp(t, emu, func(w http.ResponseWriter, r *http.Request) {
		d := kit.Require(r.Context(), &authkit.Request{Method: r.Method, URL: r.URL, Header: r.Header}, nil)
		for k, v := range d.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(d.Status)
	})
}
`},
}

// testPrelude opens every main_test.go: checkApp sends the README app a
// signed-out browser and API request.
const testPrelude = `package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
TESTIMPORTS
)

var _ = authkit.Version

func newKit(t *testing.T) (*authkittest.Emulator, *authkit.Client) {
	emu := authkittest.NewServer(t)
	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI: "http://localhost:8080/callback", CookiePassword: "a-test-cookie-password-of-32-chars!",
	})
	if err != nil {
		t.Fatal(err)
	}
	return emu, kit
}

// checkApp: a signed-out browser asking for /account goes to the
// emulator's sign-in; an API client gets 401.
func checkApp(t *testing.T, emu *authkittest.Emulator, serve http.HandlerFunc) {
	t.Helper()
	rec := httptest.NewRecorder()
	serve(rec, httptest.NewRequest(http.MethodGet, "/account", nil))
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusFound || !strings.HasPrefix(loc, emu.URL()+"/") {
		t.Fatalf("GET /account signed out: %d Location %q, want 302 to %s", rec.Code, loc, emu.URL())
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.Header.Set("Accept", "application/json")
	serve(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("GET /account signed out, Accept: application/json: %d, want 401", rec.Code)
	}
	_ = url.URL{}
}
`
