// Package nodetest runs the Node side of the live interop tests: one node
// process serving JSON commands, one a line, over stdin/stdout, with the npm
// packages pinned in core/seal/internal/nodeinterop.
//
// Node (>= 20) and npm must be on PATH. When node_modules is missing, Start
// runs "npm ci" (needs the npm registry). Without node or npm, or when the
// install fails, the test is skipped, except with CI=true, where it fails. In
// -short mode the test is skipped.
package nodetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// InteropPackages are the packages interop.mjs imports, as installed under
// node_modules.
var InteropPackages = []string{"iron-session-8", "iron-session-9", "iron-webcrypto", "@workos-inc/node", "@workos/authkit-session"}

// Proc is one running node process. Do may be called from one goroutine at a
// time (commands are answered in order).
type Proc struct {
	mu     sync.Mutex
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *lockedBuffer
	calls  int
}

// lockedBuffer collects node's stderr, written by exec's copying goroutine
// while a failing test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Unavailable skips tb, or fails it under CI=true, because node cannot be used.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := "node interop: " + fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " (CI=true: node and npm are required)")
	}
	tb.Skip(msg + "; install node >= 20 and npm to run this test")
}

// StartInterop starts interop.mjs in dir, the path of
// core/seal/internal/nodeinterop from the test's working directory.
func StartInterop(tb testing.TB, dir string) *Proc {
	tb.Helper()
	return Start(tb, dir, "interop.mjs", InteropPackages)
}

// Start installs packages in dir if needed and starts "node script" there. The
// process is stopped when tb's test ends.
func Start(tb testing.TB, dir, script string, packages []string) *Proc {
	tb.Helper()
	if testing.Short() {
		tb.Skip("node interop: skipped in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		Unavailable(tb, "node not found on PATH")
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	install(tb, dir, packages)

	cmd := exec.Command(node, script)
	cmd.Dir = dir
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		Unavailable(tb, "starting node: %v", err)
	}
	tb.Cleanup(func() {
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 1<<16), 8<<20)
	return &Proc{in: in, out: sc, stderr: stderr}
}

func installed(dir string, packages []string) bool {
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
			return false
		}
	}
	return true
}

// install runs "npm ci" when a package is missing. Test binaries of several
// packages may start node at once on a fresh checkout, so a missing
// node_modules is installed in a private directory and renamed into place:
// the first rename wins and the others find the packages there.
func install(tb testing.TB, dir string, packages []string) {
	tb.Helper()
	if installed(dir, packages) {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		Unavailable(tb, "npm not found on PATH (needed to install %s)", strings.Join(packages, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	nm := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(nm); err == nil {
		// An incomplete install: repair it in place.
		npmCI(tb, ctx, npm, dir)
	} else {
		tmp, err := os.MkdirTemp(dir, ".npm-ci-")
		if err != nil {
			tb.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		for _, f := range []string{"package.json", "package-lock.json"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
		npmCI(tb, ctx, npm, tmp)
		if err := os.Rename(filepath.Join(tmp, "node_modules"), nm); err != nil && !installed(dir, packages) {
			tb.Fatalf("moving node_modules into %s: %v", dir, err)
		}
	}
	if !installed(dir, packages) {
		Unavailable(tb, "npm ci in %s did not install %s", dir, strings.Join(packages, ", "))
	}
	tb.Logf("npm ci in %s: %v", dir, time.Since(start).Round(time.Millisecond))
}

func npmCI(tb testing.TB, ctx context.Context, npm, dir string) {
	tb.Helper()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		Unavailable(tb, "npm ci in %s failed: %v\n%s", dir, err, out)
	}
}

// Do sends cmd as one JSON line and decodes the one-line answer into res. It
// fails tb when node cannot be reached or answers something that is not JSON
// (the answer is not quoted in full: it may hold a sealed session).
func (p *Proc) Do(tb testing.TB, cmd, res any) {
	tb.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		tb.Fatalf("encoding node command: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		tb.Fatalf("writing to node: %v (stderr: %s)", err, p.stderr)
	}
	if !p.out.Scan() {
		tb.Fatalf("node exited: %v (stderr: %s)", p.out.Err(), p.stderr)
	}
	if err := json.Unmarshal(p.out.Bytes(), res); err != nil {
		tb.Fatalf("decoding a %d-byte node result (starting %.40q): %v", len(p.out.Bytes()), p.out.Bytes(), err)
	}
}

// Calls returns how many commands were sent.
func (p *Proc) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}
