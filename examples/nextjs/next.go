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

// build is a production build of the Next.js app, in a dist dir of its own
// named after the app's sources. While a server runs from it, the process
// holds a shared lock on it, so that another process of this checkout (the
// demo next to the test, two test runs) never deletes or rebuilds it.
type build struct {
	dir     string   // the app
	node    string   // Node.js >= nodeMin
	distDir string   // relative to dir: .next/authkit-<source hash>
	lock    *os.File // shared flock on .next/authkit-<source hash>.lock
}

// Release drops the build's lock: a later prepare may then delete it.
func (b *build) Release() {
	if b != nil && b.lock != nil {
		_ = b.lock.Close() // closing the only descriptor releases the flock
		b.lock = nil
	}
}

// The locks of prepare, under dir/.next: prepareLock serialises npm ci and
// next build between processes of one checkout (two concurrent next builds
// into one dir corrupt each other); each build's own lock is held shared by
// the servers running from it.
const (
	prepareLock = "authkit-prepare.lock"
	buildPrefix = "authkit-"
)

// prepare installs the pinned packages (npm ci) when node_modules does not
// match package-lock.json, and builds the app (next build) into
// .next/authkit-<hash of its sources> unless that build exists. It deletes
// the builds of other sources that no server uses. Release the build when
// no server runs from it any more.
func prepare(ctx context.Context, dir string, out io.Writer) (*build, error) {
	node, err := findNode(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoTool, err)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return nil, err
	}
	dot := filepath.Join(dir, ".next")
	if err := os.MkdirAll(dot, 0o755); err != nil {
		return nil, err
	}
	held, err := flock(filepath.Join(dot, prepareLock), syscall.LOCK_EX, out, "npm ci or next build in another process of this checkout")
	if err != nil {
		return nil, err
	}
	defer held.Close()

	installed, _ := os.ReadFile(filepath.Join(dir, "node_modules", ".authkit-lock"))
	if sum := hashBytes(lock); string(installed) != sum {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return nil, fmt.Errorf("%w: npm not found on PATH (needed to install the Next.js app's packages)", errNoTool)
		}
		start := time.Now()
		if err := runCmd(ctx, dir, out, nodeEnv(node), npm, "ci", "--no-audit", "--no-fund"); err != nil {
			return nil, fmt.Errorf("npm ci in %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "node_modules", ".authkit-lock"), []byte(sum), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "npm ci: %v\n", time.Since(start).Round(time.Millisecond))
	}
	src, err := sourceHash(dir)
	if err != nil {
		return nil, err
	}
	name := buildPrefix + src[:16]
	b := &build{dir: dir, node: node, distDir: filepath.ToSlash(filepath.Join(".next", name))}
	marker := filepath.Join(dir, b.distDir, "authkit-source")
	if built, _ := os.ReadFile(marker); string(built) != src {
		// No server runs from an unfinished build: servers start after
		// the marker is written, and builds run under prepareLock.
		start := time.Now()
		if err := runCmd(ctx, dir, out, nodeEnv(node, distDirVar+"="+b.distDir), node, "node_modules/next/dist/bin/next", "build"); err != nil {
			return nil, fmt.Errorf("next build in %s: %w", dir, err)
		}
		if err := os.WriteFile(marker, []byte(src), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "next build: %v\n", time.Since(start).Round(time.Millisecond))
	}
	if b.lock, err = flock(filepath.Join(dot, name+".lock"), syscall.LOCK_SH, out, ""); err != nil {
		return nil, err
	}
	pruneBuilds(dot, name)
	return b, nil
}

// distDirVar names the dist dir for next build and next start (read by
// web/next.config.mjs; default .next).
const distDirVar = "AUTHKIT_NEXT_DIST_DIR"

// pruneBuilds deletes the builds under dot other than keep that no server
// holds. It runs under prepareLock: no other process opens a build's lock
// meanwhile, so deleting the lock file races with nobody.
func pruneBuilds(dot, keep string) {
	locks, _ := filepath.Glob(filepath.Join(dot, buildPrefix+"*.lock"))
	for _, l := range locks {
		name := strings.TrimSuffix(filepath.Base(l), ".lock")
		if name == keep || name+".lock" == prepareLock {
			continue
		}
		f, err := os.Open(l)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = os.RemoveAll(filepath.Join(dot, name))
			_ = os.Remove(l)
		}
		_ = f.Close()
	}
}

// flock opens path (creating it) and locks it (how: LOCK_SH or LOCK_EX),
// waiting for other processes' locks; when it has to wait and waitingFor is
// not empty, it says so on out.
func flock(path string, how int, out io.Writer, waitingFor string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, how|syscall.LOCK_NB); err == nil {
		return f, nil
	}
	if waitingFor != "" {
		fmt.Fprintf(out, "waiting for %s (%s)\n", waitingFor, path)
	}
	for {
		err = syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
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

// startFrontEnd starts "next start" on build b, on the port of appURL, with
// frontEnv added to the environment (API_URL names the Go API); it returns
// once the app answers. b must stay held (not Released) while it runs.
func startFrontEnd(ctx context.Context, b *build, appURL string, frontEnv []string, out io.Writer) (*frontEnd, error) {
	u, err := url.Parse(appURL)
	if err != nil || u.Port() == "" {
		return nil, fmt.Errorf("app URL %q: want http://host:port", appURL)
	}
	cmd := exec.Command(b.node, "node_modules/next/dist/bin/next", "start", "--port", u.Port(), "--hostname", listenHost(u.Hostname()))
	cmd.Dir, cmd.Stdout, cmd.Stderr = b.dir, out, out
	cmd.Env = nodeEnv(b.node, append(frontEnv, distDirVar+"="+b.distDir)...)
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
