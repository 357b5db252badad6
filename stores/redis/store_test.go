package authkitredis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"
	"github.com/authkit-go/authkit/core/storetest"
	authkitredis "github.com/authkit-go/authkit/stores/redis"
	"github.com/authkit-go/authkit/stores/redis/redistest"
)

// The contract tests check behaviour, not latency: they lift the 50 ms
// default timeouts, which a machine loaded by parallel -race tests can
// exceed. The outage tests keep the defaults.
const patient = "?dial_timeout=1s&read_timeout=1s&write_timeout=1s"

func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T) authkit.Store {
		return newStore(t, srv.URL()+patient, prefix(t))
	})
}

func TestContractShared(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunShared(t, func(t *testing.T) (authkit.Store, authkit.Store) {
		p := prefix(t)
		return newStore(t, srv.URL()+patient, p), newStore(t, srv.URL()+patient, p)
	})
}

// TestRoundTrips checks the documented cost of one refresh: the winner
// sends Begin and Finish, the waiter Begin and one GET when woken.
func TestRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	p := prefix(t)
	// A poll interval no check reaches: the waiter must be woken by the
	// done message.
	a := newStore(t, srv.URL(), p, authkitredis.WithPollInterval(time.Minute))
	b := newStore(t, srv.URL(), p, authkitredis.WithPollInterval(time.Minute))
	waitSubscribed(t, rdb, p+"done", 2)
	require.NoError(t, rdb.ConfigResetStat(ctx(t)).Err())

	_, acquired, err := a.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)
	_, acquired, err = b.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.False(t, acquired)
	done := make(chan []byte)
	go func() {
		out, found, err := b.Wait(context.Background(), "k")
		if err != nil || !found {
			out = nil
		}
		done <- out
	}()
	require.NoError(t, a.Finish(ctx(t), "k", []byte("outcome"), time.Minute))
	select {
	case out := <-done:
		require.Equal(t, []byte("outcome"), out)
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was not woken by the done message")
	}

	stats, err := rdb.Info(ctx(t), "commandstats").Result()
	require.NoError(t, err)
	require.Equal(t, "3", commandCalls(stats, "set"), "two Begins and one Finish")
	require.Equal(t, "1", commandCalls(stats, "get"), "the waiter's one GET")
	require.Equal(t, "1", commandCalls(stats, "publish"), "Finish's PUBLISH")
}

// TestLayout checks what is stored: the key under the prefix, a pending
// marker that no outcome can equal, and the revoked set.
func TestLayout(t *testing.T) {
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	s := newStore(t, srv.URL(), "app1:")

	_, acquired, err := s.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)
	held, err := rdb.Get(ctx(t), "app1:r:k").Result()
	require.NoError(t, err)
	pttl, err := rdb.PTTL(ctx(t), "app1:r:k").Result()
	require.NoError(t, err)
	require.Greater(t, pttl, 50*time.Second)

	// An outcome equal to the marker is still an outcome.
	require.NoError(t, s.Finish(ctx(t), "k", []byte(held), time.Minute))
	out, acquired, err := s.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.False(t, acquired)
	require.Equal(t, []byte(held), out)

	require.NoError(t, s.Revoke(ctx(t), "session", time.Minute))
	score, err := rdb.ZScore(ctx(t), "app1:revoked", "session").Result()
	require.NoError(t, err)
	require.InDelta(t, time.Now().Add(time.Minute).UnixMilli(), score, 5000)

	// A value this package did not write is an error, not an outcome.
	require.NoError(t, rdb.Set(ctx(t), "app1:r:foreign", "x", time.Minute).Err())
	_, _, err = s.Begin(ctx(t), "foreign", time.Minute)
	require.Error(t, err)

	// Another prefix is another application.
	other := newStore(t, srv.URL(), "app2:")
	_, acquired, err = other.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)
	require.False(t, other.Revoked("session"))
}

// TestRedisDown checks that with the server stopped every call fails
// within its deadline, Revoked answers from memory, the background loop
// logs one warning, and that the Store works again after a restart,
// keeping the revocations it knew.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	logs := &conformance.SyncBuffer{}
	p := prefix(t)
	s := newStore(t, srv.URL(), p, authkitredis.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	rdb := rawClient(t, srv.URL())
	waitSubscribed(t, rdb, p+"revoke", 1)
	require.NoError(t, s.Revoke(ctx(t), "before", time.Minute))
	_, acquired, err := s.Begin(ctx(t), "held", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)

	srv.Stop()
	const deadline = 50 * time.Millisecond
	const slack = 250 * time.Millisecond
	bounded := func(name string, call func(ctx context.Context) error) {
		t.Helper()
		c, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		err := call(c)
		require.Error(t, err, name)
		require.Less(t, time.Since(start), deadline+slack, name)
	}
	for range 3 {
		bounded("Begin", func(c context.Context) error { _, _, err := s.Begin(c, "k", time.Minute); return err })
		bounded("Finish", func(c context.Context) error { return s.Finish(c, "k", []byte("x"), time.Minute) })
		bounded("Wait", func(c context.Context) error { _, _, err := s.Wait(c, "held"); return err })
		bounded("Revoke", func(c context.Context) error { return s.Revoke(c, "during", time.Minute) })
	}
	require.True(t, s.Revoked("before"), "Revoked answers from memory while Redis is down")
	require.True(t, s.Revoked("during"), "a failed Revoke still counts in this instance")
	require.False(t, s.Revoked("other"))

	// Let the background loop fail a few times: it warns once.
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "level=WARN") }, 5*time.Second, 10*time.Millisecond)

	srv.Restart() // empty: no persistence
	require.Eventually(t, func() bool {
		_, acquired, err := s.Begin(ctx(t), "after", time.Minute)
		return err == nil && acquired
	}, 5*time.Second, 20*time.Millisecond, "the Store works again after a restart")
	require.True(t, s.Revoked("before"), "a flushed Redis does not drop revocations this instance knew")
	require.True(t, s.Revoked("during"))

	// Revocations by other instances arrive again.
	rdb2 := rawClient(t, srv.URL())
	waitSubscribed(t, rdb2, p+"revoke", 1)
	other := newStore(t, srv.URL(), p)
	require.NoError(t, other.Revoke(ctx(t), "after-restart", time.Minute))
	require.Eventually(t, func() bool { return s.Revoked("after-restart") }, 3*time.Second, 10*time.Millisecond)

	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "subscription restored") }, 5*time.Second, 10*time.Millisecond)
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), "one warning per outage:\n%s", out)
	for _, secret := range []string{"before", "during", "held", "after-restart"} {
		require.NotContains(t, out, secret, "no session ID or key in the logs")
	}
}

// TestMissedRevocationsReloaded cuts one Store off Redis (through a proxy)
// while another revokes a session, and checks that the first learns it
// when its subscription is restored.
func TestMissedRevocationsReloaded(t *testing.T) {
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	px := startProxy(t, srv.Addr())
	p := prefix(t)
	a := newStore(t, "redis://"+px.addr()+"/0", p)
	b := newStore(t, srv.URL(), p)
	waitSubscribed(t, rdb, p+"revoke", 2)
	require.NoError(t, a.Revoke(ctx(t), "local", time.Minute))
	require.Eventually(t, func() bool { return b.Revoked("local") }, 3*time.Second, 10*time.Millisecond)

	px.cut()
	waitSubscribed(t, rdb, p+"revoke", 1)
	// The revoked set loses "local" (as after a flush), and gets "missed"
	// while a cannot hear of it.
	require.NoError(t, rdb.Del(ctx(t), p+"revoked").Err())
	require.NoError(t, b.Revoke(ctx(t), "missed", time.Minute))
	require.False(t, a.Revoked("missed"), "a is cut off")

	px.restore()
	require.Eventually(t, func() bool { return a.Revoked("missed") }, 5*time.Second, 10*time.Millisecond,
		"the revoked set is reloaded on resubscription")
	require.True(t, a.Revoked("local"), "reloading merges: it never drops a known revocation")
}

// TestFlushDuringHold: a FLUSHALL drops a hold; its waiters learn it at
// their next poll.
func TestFlushDuringHold(t *testing.T) {
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	p := prefix(t)
	a := newStore(t, srv.URL(), p)
	b := newStore(t, srv.URL(), p)
	_, acquired, err := a.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)
	_, acquired, err = b.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.False(t, acquired)

	type result struct {
		found bool
		err   error
	}
	done := make(chan result, 1)
	go func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, found, err := b.Wait(c, "k")
		done <- result{found, err}
	}()
	require.NoError(t, rdb.FlushAll(ctx(t)).Err())
	r := <-done
	require.NoError(t, r.err)
	require.False(t, r.found, "a flushed hold is released")
	_, acquired, err = b.Begin(ctx(t), "k", time.Minute)
	require.NoError(t, err)
	require.True(t, acquired)
}

// TestSlowRedis: a server that does not answer (CLIENT PAUSE) costs each
// call no more than its deadline.
func TestSlowRedis(t *testing.T) {
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	s := newStore(t, srv.URL(), prefix(t))
	_, _, err := s.Begin(ctx(t), "warm", time.Minute) // a pooled connection
	require.NoError(t, err)
	require.NoError(t, rdb.Do(ctx(t), "CLIENT", "PAUSE", 500, "ALL").Err())
	t.Cleanup(func() { _ = rdb.Do(context.Background(), "CLIENT", "UNPAUSE").Err() })

	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = s.Begin(c, "k", time.Minute)
	require.Error(t, err)
	require.Less(t, time.Since(start), 300*time.Millisecond)
}

func TestNew(t *testing.T) {
	_, err := authkitredis.New(nil)
	require.Error(t, err)
	_, err = authkitredis.NewFromURL("redis://user:hunter2@127.0.0.1:notaport/0")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")

	// A Store on an unreachable Redis is created at once and closes.
	s, err := authkitredis.NewFromURL("redis://127.0.0.1:1/0")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	// New does not close a client it was given.
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	s, err = authkitredis.New(rdb)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, rdb.Ping(ctx(t)).Err())
}

// newStore returns a Store on url closed when the test ends.
func newStore(t testing.TB, url, prefix string, opts ...authkitredis.Option) *authkitredis.Store {
	t.Helper()
	s, err := authkitredis.NewFromURL(url, append([]authkitredis.Option{authkitredis.WithPrefix(prefix)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// prefix returns a namespace of its own for one test.
func prefix(t testing.TB) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "t" + hex.EncodeToString(b) + ":"
}

func rawClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(url)
	require.NoError(t, err)
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return c
}

// waitSubscribed waits until channel has n subscribers.
func waitSubscribed(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		m, err := rdb.PubSubNumSub(ctx(t), channel).Result()
		return err == nil && m[channel] == n
	}, 5*time.Second, 10*time.Millisecond, "%d subscribers on %s", n, channel)
}

// commandCalls returns the calls count of cmd in INFO commandstats.
func commandCalls(stats, cmd string) string {
	for line := range strings.SplitSeq(stats, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":calls="); ok {
			calls, _, _ := strings.Cut(rest, ",")
			return calls
		}
	}
	return "0"
}

// proxy forwards TCP connections to a Redis server until cut: then it
// closes every connection and refuses new ones until restored.
type proxy struct {
	l      net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		p.cut()
	})
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) serve(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		_ = c.Close()
		return
	}
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		_ = c.Close()
		_ = u.Close()
		return
	}
	p.conns[c], p.conns[u] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
	_, _ = io.Copy(c, u)
	_ = c.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
