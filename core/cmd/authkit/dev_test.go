package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"
)

func TestDevServesAndShutsDown(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"organizations":[{"id":"org_dev","name":"Dev Org"}],
	  "users":[{"email":"dev@example.com","first_name":"Dee","memberships":[{"organization_id":"org_dev","role":"admin"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr conformance.SyncBuffer
	readyc := make(chan *authkittest.Emulator, 1)
	done := make(chan int, 1)
	go func() {
		done <- runDevContext(ctx, []string{"--addr", "127.0.0.1:0", "--seed", seed, "--client-id", "client_dev", "--token-ttl", "2m"},
			&stdout, &stderr, func(e *authkittest.Emulator) { readyc <- e })
	}()
	var emu *authkittest.Emulator
	select {
	case emu = <-readyc:
	case code := <-done:
		t.Fatalf("exited early with %d: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not start")
	}
	out := stdout.String()
	port := strings.TrimPrefix(emu.URL(), "http://127.0.0.1:")
	for _, want := range []string{
		"listening on " + emu.URL(), "export WORKOS_API_HOSTNAME=127.0.0.1", "export WORKOS_API_HTTPS=false",
		"export WORKOS_API_PORT=" + port, "export WORKOS_CLIENT_ID=client_dev", "export WORKOS_API_KEY=" + authkittest.DefaultAPIKey,
		"dev@example.com", "Dev Org",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if port == "" || port == "0" {
		t.Fatalf("actual port not printed: %s", emu.URL())
	}
	get := func(path string) string {
		resp, err := http.Get(emu.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if !strings.Contains(get("/health"), `"ok"`) {
		t.Error("health")
	}
	page := get("/user_management/authorize?client_id=client_dev&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback")
	if !strings.Contains(page, `data-email="dev@example.com"`) || !strings.Contains(page, "<button") {
		t.Errorf("sign-in page lacks the seeded user button:\n%s", page)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dev did not shut down")
	}
	if _, err := http.Get(emu.URL() + "/health"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestDevUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--token-ttl", "0s"}, {"--bogus"}} {
		var out, errb bytes.Buffer
		if code := runDevContext(context.Background(), args, &out, &errb, nil); code != exitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	var out, errb bytes.Buffer
	if code := runDevContext(context.Background(), []string{"--addr", "127.0.0.1:0", "--seed", "/nonexistent/seed.json"}, &out, &errb, nil); code != exitFailure {
		t.Errorf("missing seed: exit %d", code)
	}
	if code := run([]string{"help", "dev"}, nil, &out, &errb); code != exitOK || !strings.Contains(errb.String(), "--token-ttl") && !strings.Contains(errb.String(), "token-ttl") {
		t.Errorf("help dev: %d %s", code, errb.String())
	}
}

// exportedEnv parses the banner's `export NAME=VALUE` lines (values bare or
// single-quoted, as a shell would read them) into a getenv.
func exportedEnv(t *testing.T, banner string) func(string) string {
	t.Helper()
	env := map[string]string{}
	for _, line := range strings.Split(banner, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		name, value, ok := strings.Cut(rest, "=")
		require.True(t, ok, "export line without '=': %q", line)
		if strings.HasPrefix(value, "'") {
			require.True(t, strings.HasSuffix(value, "'"), "unterminated quote: %q", line)
			value = strings.ReplaceAll(value[1:len(value)-1], `'\''`, "'")
		}
		require.NotContains(t, env, name, "exported twice")
		env[name] = value
	}
	return func(k string) string { return env[k] }
}

// startDev runs `authkit dev` with args until the test ends and returns the
// emulator and the banner.
func startDev(t *testing.T, args ...string) (*authkittest.Emulator, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr conformance.SyncBuffer
	readyc := make(chan *authkittest.Emulator, 1)
	done := make(chan int, 1)
	go func() {
		done <- runDevContext(ctx, args, &stdout, &stderr, func(e *authkittest.Emulator) { readyc <- e })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			require.Equal(t, exitOK, code, stderr.String())
		case <-time.After(10 * time.Second):
			t.Error("dev did not shut down")
		}
	})
	select {
	case emu := <-readyc:
		return emu, stdout.String()
	case code := <-done:
		t.Fatalf("exited early with %d: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not start")
	}
	return nil, ""
}

// TestDevBannerIsAConfig follows the banner exactly: its export lines alone
// make a valid authkit configuration whose sign-in reaches the emulator and
// comes back to the redirect URI.
func TestDevBannerIsAConfig(t *testing.T) {
	emu, banner := startDev(t, "--addr", "127.0.0.1:0", "--auto-approve", authkittest.AdminEmail)
	getenv := exportedEnv(t, banner)
	for _, name := range []string{"WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI", "WORKOS_COOKIE_PASSWORD"} {
		require.NotEmpty(t, getenv(name), "banner lacks export %s:\n%s", name, banner)
	}
	require.Equal(t, devDefaultRedirectURI, getenv("WORKOS_REDIRECT_URI"))
	require.GreaterOrEqual(t, len(getenv("WORKOS_COOKIE_PASSWORD")), 32)
	require.Contains(t, banner, "DEV ONLY", "the generated cookie password is marked dev-only")

	kit, err := authkit.New(authkit.Config{Getenv: getenv})
	require.NoError(t, err, "the banner's exports should be a complete config:\n%s", banner)
	require.Equal(t, "/callback", kit.CallbackPath())

	d := kit.SignIn(context.Background(), authkit.FromHTTPRequest(httptest.NewRequest(http.MethodGet, "/sign-in", nil)), authkit.SignInOptions{})
	require.True(t, strings.HasPrefix(d.Location(), emu.URL()+"/user_management/authorize?"), "sign-in goes to the emulator: %s", d.Location())
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(d.Location())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.True(t, strings.HasPrefix(resp.Header.Get("Location"), devDefaultRedirectURI+"?"), "the emulator returns to the redirect URI")

	// Every run has its own password.
	_, again := startDev(t, "--addr", "127.0.0.1:0")
	require.NotEqual(t, getenv("WORKOS_COOKIE_PASSWORD"), exportedEnv(t, again)("WORKOS_COOKIE_PASSWORD"))
}

func TestDevRedirectURIFlag(t *testing.T) {
	const app = "http://127.0.0.1:3000/auth/callback?x='y'"
	_, banner := startDev(t, "--addr", "127.0.0.1:0", "--redirect-uri", app)
	require.Equal(t, app, exportedEnv(t, banner)("WORKOS_REDIRECT_URI"))

	for _, bad := range []string{"/callback", "localhost:8080/callback", "ftp://x/cb"} {
		var out, errb bytes.Buffer
		code := runDevContext(context.Background(), []string{"--addr", "127.0.0.1:0", "--redirect-uri", bad}, &out, &errb, nil)
		require.Equal(t, exitUsage, code, bad)
		require.Contains(t, errb.String(), "--redirect-uri")
	}
}
