package examples_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
	"github.com/authkit-go/authkit/stores/redis/redistest"
)

// mpCookiePassword is the cookie password of both processes: the test
// knows it, to open and reseal their cookies.
const mpCookiePassword = "multiprocess-test-cookie-password-0123456789"

// mpBurst is the number of concurrent requests of one burst.
const mpBurst = 200

// Two OS processes of the Gin example share one Redis and one WorkOS
// (emulator), as two instances of an app behind a load balancer do:
//
//   - a burst of requests with one expired cookie, spread over both, makes
//     exactly one refresh call, and every response carries the same new
//     session;
//   - Redis stopping while that refresh is in flight costs no 500 and
//     clears no cookie;
//   - a sign-out on one process is refused on both within a second.
//
// The processes are built once, without -race (the test process runs the
// emulator and Redis is a real redis-server), and reused by every subtest.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the Gin example twice")
	}
	srv := redistest.Start(t)
	bin := buildGin(t)
	emu := authkittest.NewServer(t, authkittest.WithAutoApprove(authkittest.AdminEmail))
	emuURL, err := url.Parse(emu.URL())
	require.NoError(t, err)

	portA := freeLoopbackPort(t)
	env := []string{
		"WORKOS_CLIENT_ID=" + emu.ClientID(),
		"WORKOS_API_KEY=" + emu.APIKey(),
		"WORKOS_API_HOSTNAME=127.0.0.1",
		"WORKOS_API_PORT=" + emuURL.Port(),
		"WORKOS_API_HTTPS=false",
		"WORKOS_REDIRECT_URI=http://127.0.0.1:" + strconv.Itoa(portA) + "/callback",
		"WORKOS_COOKIE_PASSWORD=" + mpCookiePassword,
		"AUTHKIT_REDIS_URL=" + srv.URL(),
	}
	start := time.Now()
	var a, b *mpApp
	var wg sync.WaitGroup
	wg.Go(func() { a = startApp(t, bin, portA, env) })
	wg.Go(func() { b = startApp(t, bin, freeLoopbackPort(t), env) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow() // startApp reported why
	}
	t.Logf("two processes ready in %v", time.Since(start).Round(time.Millisecond))

	// Warm both processes up (JWKS fetched, a Redis connection in each
	// pool) with one refresh each, so that the burst measures sharing,
	// not cold starts.
	cookie := signIn(t, a)
	cookie = refreshOn(t, a, expire(t, emu, cookie))
	refreshOn(t, b, expire(t, emu, cookie))

	t.Run("one refresh for a burst on two processes", func(t *testing.T) {
		old := expire(t, emu, signIn(t, a))
		before := emu.Count(authkittest.EndpointRefresh)
		res := burst(t, []*mpApp{a, b}, old, nil)
		require.Equal(t, before+1, emu.Count(authkittest.EndpointRefresh), "refresh calls that reached WorkOS")

		var sealed string
		for i, r := range res {
			require.NoError(t, r.err, "request %d", i)
			require.Equal(t, http.StatusOK, r.status, "request %d", i)
			c := r.session
			require.NotNil(t, c, "request %d set no session cookie", i)
			require.Positive(t, c.MaxAge, "request %d", i)
			if sealed == "" {
				sealed = c.Value
			}
			require.Equal(t, sealed, c.Value, "request %d got another session than request 0", i)
		}
		// The one new session: a new refresh token for the same session.
		oldSession, newSession := unseal(t, old), unseal(t, sealed)
		require.NotEqual(t, oldSession["refreshToken"], newSession["refreshToken"])
		require.Equal(t, sid(t, old), sid(t, sealed))
	})

	t.Run("Redis stops during a refresh", func(t *testing.T) {
		old := expire(t, emu, signIn(t, a))
		before := emu.Count(authkittest.EndpointRefresh)
		// Hold the first refresh at WorkOS, and stop Redis once it is
		// there: the process holding the refresh cannot record its outcome,
		// and the other one's waiters lose Redis under them.
		emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: 300 * time.Millisecond})
		stopped := make(chan struct{})
		res := burst(t, []*mpApp{a, b}, old, func() {
			require.Eventually(t, func() bool { return emu.Count(authkittest.EndpointRefresh) > before },
				10*time.Second, 2*time.Millisecond, "the refresh never reached WorkOS")
			srv.Stop()
			close(stopped)
		})
		<-stopped
		var ok, unauthorized int
		for i, r := range res {
			require.NoError(t, r.err, "request %d", i)
			switch r.status {
			case http.StatusOK:
				ok++
			case http.StatusUnauthorized:
				unauthorized++
			default:
				t.Fatalf("request %d: status %d", i, r.status)
			}
			if c := r.session; c != nil {
				require.True(t, c.MaxAge > 0 && c.Value != "", "request %d cleared the session cookie", i)
			}
		}
		t.Logf("with Redis stopped mid-refresh: %d signed in, %d signed out for the request (cookie kept), %d refresh calls",
			ok, unauthorized, emu.Count(authkittest.EndpointRefresh)-before)
	})

	t.Run("a sign-out is refused on both processes", func(t *testing.T) {
		srv.Restart() // the previous subtest stopped it (a no-op stop otherwise)
		// Both subscriptions are back (they reconnect with backoff), so a
		// revocation reaches B at once.
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		defer rdb.Close()
		require.Eventually(t, func() bool {
			n, err := rdb.PubSubNumSub(context.Background(), "authkit:revoke").Result()
			return err == nil && n["authkit:revoke"] == 2
		}, 10*time.Second, 10*time.Millisecond, "both processes subscribed again")

		stale := expire(t, emu, signIn(t, a))
		current := refreshOn(t, b, stale)
		require.Equal(t, http.StatusOK, get(t, a, current).StatusCode)

		signOut(t, a, current)
		signedOut := time.Now()
		for _, app := range []*mpApp{a, b} {
			for _, c := range []string{current, stale} {
				var cleared atomic.Bool
				require.Eventually(t, func() bool {
					resp, err := apiMe(app, c)
					if err != nil || resp.StatusCode != http.StatusUnauthorized {
						return false
					}
					sc := sessionCookie(resp)
					cleared.Store(sc != nil && sc.MaxAge < 0)
					return true
				}, time.Second, 10*time.Millisecond, "%s still serves a signed-out session", app.name)
				require.True(t, cleared.Load(), "%s refused the session without clearing the cookie", app.name)
			}
		}
		t.Logf("signed out on A, refused on A and B after %v", time.Since(signedOut).Round(time.Millisecond))
	})
}

// The Gin example, built once per test binary.
var (
	ginBuild struct {
		once sync.Once
		dir  string
		bin  string
		err  error
	}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if ginBuild.dir != "" {
		_ = os.RemoveAll(ginBuild.dir)
	}
	os.Exit(code)
}

// buildGin builds the Gin example (without -race: it is the app under
// test, not the test) and returns the binary's path.
func buildGin(t *testing.T) string {
	t.Helper()
	ginBuild.once.Do(func() {
		start := time.Now()
		ginBuild.dir, ginBuild.err = os.MkdirTemp("", "authkit-multiprocess-")
		if ginBuild.err != nil {
			return
		}
		ginBuild.bin = filepath.Join(ginBuild.dir, "gin")
		out, err := exec.Command("go", "build", "-o", ginBuild.bin, "./gin").CombinedOutput()
		if err != nil {
			ginBuild.err = fmt.Errorf("go build ./gin: %w\n%s", err, out)
		}
		t.Logf("built the Gin example in %v", time.Since(start).Round(time.Millisecond))
	})
	require.NoError(t, ginBuild.err)
	return ginBuild.bin
}

// mpApp is one running process of the example.
type mpApp struct {
	name   string
	base   string // http://127.0.0.1:port
	cmd    *exec.Cmd
	exited chan struct{}
	out    *conformance.SyncBuffer
}

// startApp runs bin on 127.0.0.1:port with env (and nothing of the
// caller's WORKOS_* or AUTHKIT_* variables), waits until it answers, and
// stops it when the test ends. It returns nil after reporting a failure.
func startApp(t *testing.T, bin string, port int, env []string) *mpApp {
	app := &mpApp{
		name:   "process on port " + strconv.Itoa(port),
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		exited: make(chan struct{}),
		out:    &conformance.SyncBuffer{},
	}
	app.cmd = exec.Command(bin, "--addr", "127.0.0.1:"+strconv.Itoa(port))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WORKOS_") && !strings.HasPrefix(kv, "AUTHKIT_") && !strings.HasPrefix(kv, "PORT=") {
			app.cmd.Env = append(app.cmd.Env, kv)
		}
	}
	app.cmd.Env = append(app.cmd.Env, env...)
	app.cmd.Stdout, app.cmd.Stderr = app.out, app.out
	if err := app.cmd.Start(); err != nil {
		t.Errorf("starting the example: %v", err)
		return nil
	}
	go func() {
		_ = app.cmd.Wait()
		close(app.exited)
	}()
	t.Cleanup(func() {
		_ = app.cmd.Process.Signal(os.Interrupt)
		select {
		case <-app.exited:
		case <-time.After(5 * time.Second):
			_ = app.cmd.Process.Kill()
			<-app.exited
			t.Errorf("%s did not stop within 5s of SIGINT", app.name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", app.name, app.out.String())
		}
	})

	// Ready when a request without a session gets its 401 (the listener
	// opens before the app is built, so a refused connection means "not
	// yet" and an accepted one waits for the app).
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequest(http.MethodGet, app.base+"/api/me", nil)
		req.Header.Set("Accept", "application/json")
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return app
			}
		}
		select {
		case <-app.exited:
			t.Errorf("%s exited before it was ready: %s\n%s", app.name, app.cmd.ProcessState, app.out.String())
			return nil
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Errorf("%s not ready within 30s:\n%s", app.name, app.out.String())
			return nil
		}
	}
}

// signIn signs the seeded admin in through app (sign-in, the emulator's
// auto-approved authorize, app's callback) and returns the session cookie.
func signIn(t *testing.T, app *mpApp) string {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := client.Get(app.base + "/sign-in")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "sign-in ended at %s", resp.Request.URL.Path)
	u, err := url.Parse(app.base)
	require.NoError(t, err)
	for _, c := range jar.Cookies(u) {
		if c.Name == "wos-session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie after signing in")
	return ""
}

// expire returns sealed with its access token replaced by an expired one
// of the same user, session and organization (the refresh token is kept),
// so that the next request must refresh it.
func expire(t *testing.T, emu *authkittest.Emulator, sealed string) string {
	t.Helper()
	s := unseal(t, sealed)
	claims, err := token.ParseUnverified(s["accessToken"].(string))
	require.NoError(t, err)
	s["accessToken"], err = emu.MintAccessToken(authkittest.TokenParams{
		UserID: claims.Subject, SessionID: claims.SessionID, OrganizationID: claims.OrganizationID, TTL: -time.Minute,
	})
	require.NoError(t, err)
	out, err := seal.SealJSON(s, seal.Single(mpCookiePassword))
	require.NoError(t, err)
	return out
}

func unseal(t *testing.T, sealed string) map[string]any {
	t.Helper()
	var s map[string]any
	require.NoError(t, seal.UnsealJSON(sealed, seal.Single(mpCookiePassword), &s))
	return s
}

// sid is the session ID of a session cookie's access token.
func sid(t *testing.T, sealed string) string {
	t.Helper()
	claims, err := token.ParseUnverified(unseal(t, sealed)["accessToken"].(string))
	require.NoError(t, err)
	return claims.SessionID
}

// refreshOn sends sealed (expired) to app and returns the refreshed cookie.
func refreshOn(t *testing.T, app *mpApp, sealed string) string {
	t.Helper()
	resp := get(t, app, sealed)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s did not refresh the session", app.name)
	c := sessionCookie(resp)
	require.NotNil(t, c, "%s set no session cookie", app.name)
	return c.Value
}

// mpClient carries the bursts: one connection per concurrent request.
var mpClient = &http.Client{
	Timeout: 20 * time.Second,
	Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * mpBurst,
		MaxIdleConnsPerHost: mpBurst,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get requests GET /api/me on app with the session cookie sealed; the
// body is drained and closed.
func get(t *testing.T, app *mpApp, sealed string) *http.Response {
	t.Helper()
	resp, err := apiMe(app, sealed)
	require.NoError(t, err)
	return resp
}

func apiMe(app *mpApp, sealed string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, app.base+"/api/me", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.AddCookie(&http.Cookie{Name: "wos-session", Value: sealed})
	resp, err := mpClient.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, resp.Body.Close()
}

// signOut signs the session out through app, as the account page's form
// does.
func signOut(t *testing.T, app *mpApp, sealed string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, app.base+"/sign-out", nil)
	require.NoError(t, err)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(&http.Cookie{Name: "wos-session", Value: sealed})
	resp, err := mpClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	c := sessionCookie(resp)
	require.True(t, c != nil && c.MaxAge < 0, "sign-out did not clear the cookie")
}

// sessionCookie is resp's wos-session Set-Cookie, if any.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "wos-session" {
			return c
		}
	}
	return nil
}

type mpResult struct {
	status  int
	session *http.Cookie
	err     error
}

// burst sends mpBurst concurrent GET /api/me with the cookie sealed,
// alternating between apps, and returns their results in order. during,
// when not nil, runs while the requests are in flight.
func burst(t *testing.T, apps []*mpApp, sealed string, during func()) []mpResult {
	t.Helper()
	res := make([]mpResult, mpBurst)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(mpBurst)
	gate := make(chan struct{})
	for i := range res {
		wg.Go(func() {
			ready.Done()
			<-gate
			resp, err := apiMe(apps[i%len(apps)], sealed)
			if err != nil {
				res[i].err = err
				return
			}
			res[i] = mpResult{status: resp.StatusCode, session: sessionCookie(resp)}
		})
	}
	ready.Wait()
	close(gate) // all at once
	if during != nil {
		during()
	}
	wg.Wait()
	return res
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
