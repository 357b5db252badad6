package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authkit-go/authkit/core/authkittest"
)

// syncBuffer is a bytes.Buffer safe for the command and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestDevServesAndShutsDown(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"organizations":[{"id":"org_dev","name":"Dev Org"}],
	  "users":[{"email":"dev@example.com","first_name":"Dee","memberships":[{"organization_id":"org_dev","role":"admin"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
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
