package main

// The plumbing that runs the Next.js front end next to the Go API, for the
// demo and the end-to-end test: find Node 22, install the pinned npm
// packages, build once, start "next start" and stop it. Nothing here is
// about authkit; in production the two servers are deployed separately with
// the same WORKOS_* variables.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/authkit-go/authkit/core/authkittest"
)

// emulatorEnv is the environment that points authkit-nextjs (through
// @workos-inc/node) at the built-in emulator, as `authkit dev` prints it.
func emulatorEnv(emu *authkittest.Emulator, cookiePassword string, getenv func(string) string) []string {
	u, _ := url.Parse(emu.URL())
	if cookiePassword == "" && getenv != nil {
		cookiePassword = getenv("WORKOS_COOKIE_PASSWORD")
	}
	return []string{
		"WORKOS_API_HOSTNAME=" + u.Hostname(),
		"WORKOS_API_PORT=" + u.Port(),
		"WORKOS_API_HTTPS=false",
		"WORKOS_CLIENT_ID=" + emu.ClientID(),
		"WORKOS_API_KEY=" + emu.APIKey(),
		"WORKOS_COOKIE_PASSWORD=" + cookiePassword,
	}
}

// nodeMin is the oldest Node.js that authkit-nextjs 4 supports.
var nodeMin = [3]int{22, 11, 0}

// findNode returns a node binary of version >= nodeMin: the repository's
// .cache/node22 (scripts/ensure-node22.sh installs it), else node on PATH.
func findNode(dir string) (string, error) {
	var tried []string
	if root, ok := repoRoot(dir); ok {
		p := filepath.Join(root, ".cache", "node22", "bin", "node")
		if nodeOK(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath("node"); err == nil {
		if nodeOK(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("no Node.js >= %d.%d found (tried %s): run scripts/ensure-node22.sh (make deps) to install it into .cache/node22",
		nodeMin[0], nodeMin[1], strings.Join(append(tried, "node on PATH"), ", "))
}

func nodeOK(path string) bool {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return false
	}
	var v [3]int
	for i, f := range strings.SplitN(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".", 3) {
		v[i], _ = strconv.Atoi(f)
	}
	return slices.Compare(v[:], nodeMin[:]) >= 0
}

// repoRoot is the closest parent of dir holding go.work.
func repoRoot(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// nodeEnv is the environment of node and npm: node's directory first on
// PATH (npm's "#!/usr/bin/env node" then runs Node 22), no telemetry.
func nodeEnv(node string, extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		// The build must not inline a redirect URI (NEXT_PUBLIC_* are
		// inlined at build time when set): it is read when the server runs.
		return strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "NEXT_PUBLIC_WORKOS_REDIRECT_URI=")
	})
	env = append(env, "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"), "NEXT_TELEMETRY_DISABLED=1")
	return append(env, extra...)
}

// errNoTool marks a missing Node.js or npm (a test then skips outside CI).
var errNoTool = errors.New("missing tool")

// prepare installs the pinned packages (npm ci) when node_modules does not
// match package-lock.json, and builds the app (next build) when its sources
// changed since the last build. It returns the node binary.
func prepare(ctx context.Context, dir string, out io.Writer) (string, error) {
	node, err := findNode(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoTool, err)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", err
	}
	installed, _ := os.ReadFile(filepath.Join(dir, "node_modules", ".authkit-lock"))
	if sum := hashBytes(lock); string(installed) != sum {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return "", fmt.Errorf("%w: npm not found on PATH (needed to install the Next.js app's packages)", errNoTool)
		}
		start := time.Now()
		if err := runCmd(ctx, dir, out, nodeEnv(node), npm, "ci", "--no-audit", "--no-fund"); err != nil {
			return "", fmt.Errorf("npm ci in %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "node_modules", ".authkit-lock"), []byte(sum), 0o644); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "npm ci: %v\n", time.Since(start).Round(time.Millisecond))
	}
	src, err := sourceHash(dir)
	if err != nil {
		return "", err
	}
	built, _ := os.ReadFile(filepath.Join(dir, ".next", "authkit-source"))
	if string(built) != src {
		start := time.Now()
		if err := runCmd(ctx, dir, out, nodeEnv(node), node, "node_modules/next/dist/bin/next", "build"); err != nil {
			return "", fmt.Errorf("next build in %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".next", "authkit-source"), []byte(src), 0o644); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "next build: %v\n", time.Since(start).Round(time.Millisecond))
	}
	return node, nil
}

func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sourceHash hashes the app's own files (not node_modules nor .next).
func sourceHash(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel == "node_modules" || rel == ".next" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func runCmd(ctx context.Context, dir string, out io.Writer, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, out, out
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}

// frontEnd is a running "next start".
type frontEnd struct {
	cmd  *exec.Cmd
	done chan error
}

// startFrontEnd prepares the Next.js app in dir and starts it on the port
// of appURL, with frontEnv added to the environment and API_URL naming the
// Go API; it returns once the app answers.
func startFrontEnd(ctx context.Context, dir, appURL string, frontEnv []string, out io.Writer) (*frontEnd, error) {
	node, err := prepare(ctx, dir, out)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(appURL)
	if err != nil || u.Port() == "" {
		return nil, fmt.Errorf("app URL %q: want http://host:port", appURL)
	}
	cmd := exec.Command(node, "node_modules/next/dist/bin/next", "start", "--port", u.Port(), "--hostname", listenHost(u.Hostname()))
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	cmd.Env = nodeEnv(node, frontEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Ctrl-C reaches the Go process, which stops next
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting next: %w", err)
	}
	f := &frontEnd{cmd: cmd, done: make(chan error, 1)}
	go func() { f.done <- cmd.Wait() }()
	if err := waitHTTP(ctx, appURL+"/", f.done, 60*time.Second); err != nil {
		f.Stop()
		return nil, err
	}
	fmt.Fprintf(out, "Next.js front end on %s: open this (/api/* goes to the Go API)\n", appURL)
	return f, nil
}

// listenHost is the address next listens on for host.
func listenHost(host string) string {
	if host == "localhost" {
		return "127.0.0.1"
	}
	return host
}

// waitHTTP polls u until it answers, the process ends or the deadline passes.
func waitHTTP(ctx context.Context, u string, done <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		var opErr *net.OpError
		if !errors.As(err, &opErr) || time.Now().After(deadline) {
			return fmt.Errorf("next start did not answer %s within %v: %w", u, limit, err)
		}
		select {
		case err := <-done:
			return fmt.Errorf("next start exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop ends next (SIGTERM to its process group, SIGKILL after 5 s).
func (f *frontEnd) Stop() {
	if f == nil || f.cmd.Process == nil {
		return
	}
	pgid := -f.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-f.done
	}
}
