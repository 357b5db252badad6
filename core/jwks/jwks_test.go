package jwks_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/jwks"
)

// RSA key generation is slow; do it once per test binary.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	ks := make([]*rsa.PrivateKey, 3)
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

type jwkSpec struct {
	key *rsa.PrivateKey
	kid string
	use string
}

func jwksJSON(t testing.TB, specs ...jwkSpec) []byte {
	t.Helper()
	set := jwk.NewSet()
	for _, s := range specs {
		k, err := jwk.FromRaw(&s.key.PublicKey)
		require.NoError(t, err)
		if s.kid != "" {
			require.NoError(t, k.Set(jwk.KeyIDKey, s.kid))
		}
		if s.use != "" {
			require.NoError(t, k.Set(jwk.KeyUsageKey, s.use))
		}
		require.NoError(t, set.AddKey(k))
	}
	b, err := json.Marshal(set)
	require.NoError(t, err)
	return b
}

// server is a loopback JWKS endpoint that counts requests and can misbehave.
type server struct {
	*httptest.Server
	hits    atomic.Int64
	mode    atomic.Value // string: "ok", "500", "garbage", "hang"
	body    atomic.Value // []byte
	header  atomic.Value // http.Header added to every response
	arrived chan struct{}
	release chan struct{}
}

func newServer(t testing.TB, body []byte) *server {
	t.Helper()
	s := &server{arrived: make(chan struct{}, 100), release: make(chan struct{})}
	s.mode.Store("ok")
	s.body.Store(body)
	s.header.Store(http.Header{})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		select {
		case s.arrived <- struct{}{}:
		default: // nobody is counting arrivals this far
		}
		for k, vs := range s.header.Load().(http.Header) {
			w.Header()[k] = vs
		}
		switch s.mode.Load().(string) {
		case "500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "garbage":
			_, _ = w.Write([]byte("<html>not json</html>"))
		case "hang":
			select {
			case <-r.Context().Done():
			case <-s.release:
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.body.Load().([]byte))
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.body.Load().([]byte))
		}
	}))
	t.Cleanup(func() {
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func hammer(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	var next atomic.Int64
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	close(start)
	wg.Wait()
}

func TestFirstUseFetchesOnce(t *testing.T) {
	k := testKeys()[0]
	srv := newServer(t, jwksJSON(t, jwkSpec{key: k, kid: "k1"}))
	c := jwks.New()
	var fails atomic.Int64
	hammer(1000, 50, func(int) {
		key, err := c.Key(context.Background(), srv.URL, "k1")
		if err != nil || key.KeyID() != "k1" {
			fails.Add(1)
		}
		_ = c.Stats(srv.URL) // concurrent reads are race-free
	})
	assert.Zero(t, fails.Load())
	assert.EqualValues(t, 1, srv.hits.Load())
	st := c.Stats(srv.URL)
	assert.EqualValues(t, 1, st.Fetches)
	assert.EqualValues(t, 0, st.Failures)
	assert.Equal(t, 1, st.Keys)
	assert.NoError(t, st.LastError)
	assert.False(t, st.LastSuccess.IsZero())
}

func TestTwoURLsTwoFetches(t *testing.T) {
	ks := testKeys()
	var hitsA, hitsB atomic.Int64
	a, b := jwksJSON(t, jwkSpec{key: ks[0], kid: "a"}), jwksJSON(t, jwkSpec{key: ks[1], kid: "b"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/a") {
			hitsA.Add(1)
			_, _ = w.Write(a)
		} else {
			hitsB.Add(1)
			_, _ = w.Write(b)
		}
	}))
	defer srv.Close()
	c := jwks.New()
	var fails atomic.Int64
	hammer(1000, 50, func(i int) {
		url, kid := srv.URL+"/sso/jwks/a", "a"
		if i%2 == 1 {
			url, kid = srv.URL+"/sso/jwks/b", "b"
		}
		if _, err := c.Key(context.Background(), url, kid); err != nil {
			fails.Add(1)
		}
	})
	assert.Zero(t, fails.Load())
	assert.EqualValues(t, 1, hitsA.Load())
	assert.EqualValues(t, 1, hitsB.Load())
	// Keys are not shared across URLs.
	_, err := c.Key(context.Background(), srv.URL+"/sso/jwks/a", "b")
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
}

func TestRotation(t *testing.T) {
	ks := testKeys()
	srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}))
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now))
	ctx := context.Background()

	_, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)

	// Overlap: new key published alongside the old one.
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}, jwkSpec{key: ks[1], kid: "new"}))
	k, err := c.Key(ctx, srv.URL, "new")
	require.NoError(t, err)
	assert.Equal(t, "new", k.KeyID())
	assert.EqualValues(t, 2, srv.hits.Load(), "new kid found after exactly one refetch")
	_, err = c.Key(ctx, srv.URL, "old")
	require.NoError(t, err, "old key still served while published")

	// Old key removed: the next successful fetch replaces the set.
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[1], kid: "new"}, jwkSpec{key: ks[2], kid: "newer"}))
	clk.Advance(jwks.DefaultMinRefetchInterval)
	_, err = c.Key(ctx, srv.URL, "newer")
	require.NoError(t, err)
	assert.EqualValues(t, 3, srv.hits.Load())
	_, err = c.Key(ctx, srv.URL, "old")
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "old kid gone after the set was replaced")
	assert.EqualValues(t, 3, srv.hits.Load(), "within the refetch interval: no fetch")
	assert.Equal(t, 2, c.Stats(srv.URL).Keys)
}

func TestOutageAfterWarmupKeepsKeys(t *testing.T) {
	for _, mode := range []string{"500", "garbage", "hang"} {
		t.Run(mode, func(t *testing.T) {
			srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
			clk := newClock()
			c := jwks.New(jwks.WithClock(clk.Now), jwks.WithTimeout(200*time.Millisecond))
			ctx := context.Background()
			_, err := c.Key(ctx, srv.URL, "k1")
			require.NoError(t, err)

			srv.mode.Store(mode)
			// An unknown kid forces a refetch, which fails.
			_, err = c.Key(ctx, srv.URL, "other")
			assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
			assert.EqualValues(t, 2, srv.hits.Load())

			k, err := c.Key(ctx, srv.URL, "k1")
			require.NoError(t, err, "cached keys survive a failed fetch")
			assert.Equal(t, "k1", k.KeyID())
			st := c.Stats(srv.URL)
			assert.EqualValues(t, 2, st.Fetches)
			assert.EqualValues(t, 1, st.Failures)
			assert.Error(t, st.LastError)
			assert.Equal(t, 1, st.Keys)
		})
	}
}

func TestOutageAtStartThenRecovery(t *testing.T) {
	srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
	srv.mode.Store("500")
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithRetryBackoff(time.Second, 4*time.Second))
	ctx := context.Background()

	_, err := c.Key(ctx, srv.URL, "k1")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.Contains(t, err.Error(), "500")
	assert.EqualValues(t, 1, srv.hits.Load())

	// Within the backoff: fail fast, no fetch.
	clk.Advance(500 * time.Millisecond)
	_, err = c.Key(ctx, srv.URL, "k1")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.EqualValues(t, 1, srv.hits.Load())

	// Past the backoff: one retry, still failing; backoff doubles to 2s.
	clk.Advance(600 * time.Millisecond)
	_, err = c.Key(ctx, srv.URL, "k1")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.EqualValues(t, 2, srv.hits.Load())
	clk.Advance(1500 * time.Millisecond)
	_, err = c.Key(ctx, srv.URL, "k1")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.EqualValues(t, 2, srv.hits.Load(), "second backoff is 2s")

	// Server recovers; the next call after the backoff fetches and succeeds.
	srv.mode.Store("ok")
	clk.Advance(time.Second)
	k, err := c.Key(ctx, srv.URL, "k1")
	require.NoError(t, err)
	assert.Equal(t, "k1", k.KeyID())
	assert.EqualValues(t, 3, srv.hits.Load())
	st := c.Stats(srv.URL)
	assert.EqualValues(t, 3, st.Fetches)
	assert.EqualValues(t, 2, st.Failures)
	assert.NoError(t, st.LastError)
}

func TestBackoffCapped(t *testing.T) {
	srv := newServer(t, nil)
	srv.mode.Store("500")
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithRetryBackoff(time.Second, 4*time.Second))
	for i := range 6 {
		_, err := c.Key(context.Background(), srv.URL, "k")
		require.ErrorIs(t, err, jwks.ErrUnavailable)
		require.EqualValues(t, i+1, srv.hits.Load())
		clk.Advance(4 * time.Second) // max backoff always suffices
	}
}

func TestUnknownKidStorm(t *testing.T) {
	srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now))
	ctx := context.Background()
	_, err := c.Key(ctx, srv.URL, "k1")
	require.NoError(t, err)

	storm := func() {
		var wrong atomic.Int64
		hammer(1000, 50, func(int) {
			n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
			_, err := c.Key(ctx, srv.URL, fmt.Sprintf("rand-%d", n))
			if !errors.Is(err, jwks.ErrKeyNotFound) {
				wrong.Add(1)
			}
		})
		assert.Zero(t, wrong.Load())
	}
	storm()
	assert.LessOrEqual(t, srv.hits.Load(), int64(2), "at most one extra fetch per interval")
	storm()
	assert.LessOrEqual(t, srv.hits.Load(), int64(2), "still within the interval")

	clk.Advance(jwks.DefaultMinRefetchInterval)
	storm()
	assert.LessOrEqual(t, srv.hits.Load(), int64(3), "one more after the interval")
	assert.GreaterOrEqual(t, srv.hits.Load(), int64(3), "the interval passing permits a refetch")

	_, err = c.Key(ctx, srv.URL, "k1")
	assert.NoError(t, err)
}

func TestRejectedBodies(t *testing.T) {
	k := testKeys()[0]
	big := `{"keys":[` + strings.Repeat(" ", 2048) + `]}`
	cases := map[string]string{
		"oversized":  big,
		"empty set":  `{"keys":[]}`,
		"non-JSON":   `<html>hello</html>`,
		"no kid":     string(jwksJSON(t, jwkSpec{key: k})),
		"enc only":   string(jwksJSON(t, jwkSpec{key: k, kid: "e", use: "enc"})),
		"truncated":  `{"keys":[{"kty":"RSA"`,
		"empty body": ``,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, []byte(body))
			c := jwks.New(jwks.WithMaxBodySize(1024))
			_, err := c.Key(context.Background(), srv.URL, "e")
			require.ErrorIs(t, err, jwks.ErrUnavailable)
			st := c.Stats(srv.URL)
			assert.EqualValues(t, 1, st.Fetches)
			assert.EqualValues(t, 1, st.Failures)
			assert.Error(t, st.LastError)
			assert.Zero(t, st.Keys)
		})
	}
}

func TestIgnoresUnusableKeys(t *testing.T) {
	ks := testKeys()
	srv := newServer(t, jwksJSON(t,
		jwkSpec{key: ks[0]},                         // no kid
		jwkSpec{key: ks[1], kid: "enc", use: "enc"}, // not for signatures
		jwkSpec{key: ks[2], kid: "sig", use: "sig"},
	))
	c := jwks.New()
	_, err := c.Key(context.Background(), srv.URL, "sig")
	require.NoError(t, err)
	_, err = c.Key(context.Background(), srv.URL, "enc")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	assert.Equal(t, 1, c.Stats(srv.URL).Keys)
}

func TestWaiterHonoursContext(t *testing.T) {
	srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
	srv.mode.Store("hang")
	c := jwks.New()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Key(ctx, srv.URL, "k1")
		errc <- err
	}()
	<-srv.arrived // the shared fetch is in flight
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, jwks.ErrUnavailable)

	// The shared fetch survives the first caller leaving; a new caller joins it.
	done := make(chan error, 1)
	go func() {
		_, err := c.Key(context.Background(), srv.URL, "k1")
		done <- err
	}()
	close(srv.release)
	require.NoError(t, <-done)
	assert.EqualValues(t, 1, srv.hits.Load())
}

func TestStatsUnknownURL(t *testing.T) {
	assert.Equal(t, jwks.Stats{}, jwks.New().Stats("http://127.0.0.1:1/none"))
}

func TestSharedIsSingleton(t *testing.T) {
	assert.Same(t, jwks.Shared(), jwks.Shared())
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := jwks.New()
	_, err := c.Key(context.Background(), url, "k")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	assert.EqualValues(t, 1, c.Stats(url).Failures)
}

// One key this process cannot parse does not take the others down, and a
// private key published by mistake is kept only as its public half.
func TestSetParsedKeyByKey(t *testing.T) {
	ks := testKeys()
	priv, err := jwk.FromRaw(ks[1])
	require.NoError(t, err)
	require.NoError(t, priv.Set(jwk.KeyIDKey, "private"))
	privJSON, err := json.Marshal(priv)
	require.NoError(t, err)
	var good struct {
		Keys []json.RawMessage `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(jwksJSON(t, jwkSpec{key: ks[0], kid: "good"}), &good))
	body := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"broken","n":"!!","e":"AQAB"},{"kty":"future-type","kid":"new"},%s,%s]}`, good.Keys[0], privJSON)
	srv := newServer(t, []byte(body))
	c := jwks.New()

	k, err := c.Key(context.Background(), srv.URL, "good")
	require.NoError(t, err)
	require.Equal(t, "good", k.KeyID())
	k, err = c.Key(context.Background(), srv.URL, "private")
	require.NoError(t, err)
	var raw any
	require.NoError(t, k.Raw(&raw))
	require.IsType(t, &rsa.PublicKey{}, raw, "only the public half is kept")
	_, err = c.Key(context.Background(), srv.URL, "broken")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	require.Equal(t, int64(2), srv.hits.Load(), "the first fetch, and one refetch for the unknown kid")
	require.Equal(t, 2, c.Stats(srv.URL).Keys)
}
