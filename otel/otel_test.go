package authkitotel_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/observe"
	authkitotel "github.com/authkit-go/authkit/otel"
)

const (
	password = "otel-test-cookie-password-0123456789"
	app      = "http://app.test"
)

// clock is a settable clock shared by the emulator and the client.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

type harness struct {
	t      *testing.T
	clk    *clock
	emu    *authkittest.Emulator
	kit    *authkit.Client
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tracer trace.Tracer
	// secrets must appear in no attribute, span name or event.
	secrets []string
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, clk: &clock{}, reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	h.emu = authkittest.NewServer(t, authkittest.WithClock(h.clk.Now), authkittest.WithAutoApprove(authkittest.AdminEmail))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	h.tracer = tp.Tracer("app")
	obs, err := authkitotel.New(authkitotel.WithMeterProvider(mp), authkitotel.WithTracerProvider(tp))
	require.NoError(t, err)
	h.kit, err = authkit.New(authkit.Config{
		ClientID: h.emu.ClientID(), APIKey: h.emu.APIKey(), APIBaseURL: h.emu.URL(),
		RedirectURI: app + "/callback", CookiePassword: password,
		Clock: h.clk.Now, RefreshWait: time.Minute,
		Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler),
		// A cache of its own, so that its first fetch is this test's.
		JWKSCache: jwks.New(jwks.WithObserver(obs)),
		Observer:  obs,
	})
	require.NoError(t, err)
	h.secrets = []string{password, h.emu.APIKey(), authkittest.AdminEmail, authkittest.AdminUserID, authkittest.AcmeOrgID}
	return h
}

func (h *harness) keep(secret string) string {
	require.NotEmpty(h.t, secret)
	h.secrets = append(h.secrets, secret)
	return secret
}

// request runs f in a request span, as an HTTP server middleware would.
func (h *harness) request(name string, f func(ctx context.Context)) {
	ctx, span := h.tracer.Start(context.Background(), name)
	f(ctx)
	span.End()
}

func newRequest(method, target string, cookies ...*http.Cookie) *authkit.Request {
	u, _ := url.Parse(target)
	hd := http.Header{}
	for _, c := range cookies {
		hd.Add("Cookie", c.String())
	}
	return &authkit.Request{Method: method, URL: u, Header: hd, RemoteAddr: "192.0.2.1:1234"}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn runs a whole sign-in at the emulator and returns the session cookie.
func (h *harness) signIn() *http.Cookie {
	t := h.t
	var session *http.Cookie
	h.request("GET /callback", func(ctx context.Context) {
		d := h.kit.SignIn(ctx, newRequest(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		require.Equal(t, http.StatusFound, d.Status)
		verifier := d.Cookies[len(d.Cookies)-1]
		resp, err := noRedirect.Get(d.Location())
		require.NoError(t, err)
		resp.Body.Close()
		cb, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		h.keep(cb.Query().Get("code"))
		h.keep(verifier.Value)
		d = h.kit.Callback(ctx, newRequest(http.MethodGet, cb.RequestURI(), verifier))
		require.NoError(t, d.Err)
		for _, c := range d.Cookies {
			if c.Name == authkit.DefaultCookieName {
				session = c
			}
		}
		h.keep(d.Auth.AccessToken)
		h.keep(d.Auth.SessionID)
	})
	require.NotNil(t, session)
	h.keep(session.Value)
	return session
}

// sums returns the metric's data points as "attr=value,..." -> value.
func (h *harness) collect() metricdata.ResourceMetrics {
	var rm metricdata.ResourceMetrics
	require.NoError(h.t, h.reader.Collect(context.Background(), &rm))
	return rm
}

func find(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

func label(set attribute.Set, skip ...attribute.Key) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		if !slices.Contains(skip, kv.Key) {
			parts = append(parts, string(kv.Key)+"="+kv.Value.String())
		}
	}
	return strings.Join(parts, ",")
}

// counts returns a counter's values by their attributes (server.address left
// out: the emulator's port changes).
func counts(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]int64 {
	m, ok := find(rm, name)
	if !ok {
		return nil
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T", name, m.Data)
	require.True(t, sum.IsMonotonic)
	out := map[string]int64{}
	for _, dp := range sum.DataPoints {
		out[label(dp.Attributes, authkitotel.AttrServer)] += dp.Value
	}
	return out
}

// histogramCounts returns a histogram's counts by attributes.
func histogramCounts(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]uint64 {
	m, ok := find(rm, name)
	require.True(t, ok, name)
	hist, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T", name, m.Data)
	out := map[string]uint64{}
	for _, dp := range hist.DataPoints {
		require.Positive(t, dp.Sum, "durations are recorded")
		out[label(dp.Attributes, authkitotel.AttrServer)] += dp.Count
	}
	return out
}

// requireNoSecrets scans every attribute value (metrics, spans, span
// events) and span name for the secrets the test has seen.
func (h *harness) requireNoSecrets(rm metricdata.ResourceMetrics) {
	t := h.t
	var values []string
	addSet := func(set attribute.Set) {
		for _, kv := range set.ToSlice() {
			values = append(values, string(kv.Key)+"="+kv.Value.String())
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					addSet(dp.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					addSet(dp.Attributes)
				}
			default:
				t.Fatalf("unexpected metric type %T", d)
			}
		}
	}
	for _, s := range h.spans.Ended() {
		values = append(values, s.Name(), s.Status().Description)
		addSet(attribute.NewSet(s.Attributes()...))
		for _, e := range s.Events() {
			values = append(values, e.Name)
			addSet(attribute.NewSet(e.Attributes...))
		}
	}
	require.NotEmpty(t, values)
	for _, v := range values {
		for _, s := range h.secrets {
			require.NotContains(t, v, s, "an attribute carries a secret or an identifier")
		}
		require.NotContains(t, v, "@", "an attribute looks like an email")
	}
}

func TestMetricsAndSpans(t *testing.T) {
	h := newHarness(t)
	session := h.signIn() // sign-in, with the JWKS fetch that verifies its token

	// A refresh: the access token has expired.
	h.clk.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	h.request("GET /account", func(ctx context.Context) {
		d := h.kit.Load(ctx, newRequest(http.MethodGet, "/account", session))
		require.True(t, d.Refreshed, "%v", d.Err)
		h.keep(d.Auth.AccessToken)
		h.keep(d.Cookies[0].Value)
	})
	// A refused token: a bearer token signed by another key set, then one
	// that is not a token at all.
	forged, err := authkittest.NewServer(t).MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID})
	require.NoError(t, err)
	for _, tok := range []string{h.keep(forged), "not-a-token"} {
		h.request("GET /api", func(ctx context.Context) {
			r := newRequest(http.MethodGet, "/api")
			r.Header.Set("Authorization", "Bearer "+tok)
			require.Equal(t, http.StatusUnauthorized, h.kit.Load(ctx, r).Status)
		})
	}
	// A sign-out.
	h.request("POST /sign-out", func(ctx context.Context) {
		r := newRequest(http.MethodPost, "/sign-out", session)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		require.Equal(t, http.StatusSeeOther, h.kit.SignOut(ctx, r).Status)
	})

	rm := h.collect()
	require.Equal(t, map[string]int64{
		"authkit.outcome=ok,authkit.reason=first":       1, // the sign-in's token
		"authkit.outcome=ok,authkit.reason=unknown_kid": 1, // the forged token's kid
	}, counts(t, rm, authkitotel.MetricJWKSFetches))
	require.Equal(t, map[string]uint64{
		"authkit.outcome=ok,authkit.reason=first":       1,
		"authkit.outcome=ok,authkit.reason=unknown_kid": 1,
	}, histogramCounts(t, rm, authkitotel.MetricJWKSFetchDuration))
	require.Equal(t, map[string]int64{
		"authkit.result=expired,authkit.source=cookie":     1,
		"authkit.result=unknown_key,authkit.source=bearer": 1,
		"authkit.result=malformed,authkit.source=bearer":   1,
	}, counts(t, rm, authkitotel.MetricVerifications))
	require.Equal(t, map[string]int64{"authkit.outcome=refreshed,authkit.switch=false": 1}, counts(t, rm, authkitotel.MetricRefreshes))
	require.Equal(t, map[string]int64{"authkit.method=Password,authkit.outcome=ok": 1}, counts(t, rm, authkitotel.MetricSignIns))
	require.Equal(t, map[string]int64{"authkit.cause=user": 1}, counts(t, rm, authkitotel.MetricSignOuts))
	require.Nil(t, counts(t, rm, authkitotel.MetricStoreErrors), "no store error, no data point")
	require.Equal(t, map[string]uint64{
		"authkit.operation=authenticate:authorization_code,http.response.status_code=200": 1,
		"authkit.operation=authenticate:refresh_token,http.response.status_code=200":      1,
		"authkit.operation=revoke_session,http.response.status_code=200":                  1,
	}, histogramCounts(t, rm, authkitotel.MetricWorkOSDuration))

	// Spans: each WorkOS call and JWKS fetch is a child of its request's span.
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range h.spans.Ended() {
		byID[s.SpanContext().SpanID()] = s
	}
	parents := map[string]string{}
	for _, s := range h.spans.Ended() {
		if p, ok := byID[s.Parent().SpanID()]; ok && s.InstrumentationScope().Name == authkitotel.ScopeName {
			parents[s.Name()] += p.Name() + ";"
		}
	}
	require.Equal(t, map[string]string{
		"WorkOS authenticate:authorization_code": "GET /callback;",
		"JWKS fetch":                             "GET /callback;GET /api;",
		"WorkOS authenticate:refresh_token":      "GET /account;",
		"WorkOS revoke_session":                  "POST /sign-out;",
	}, parents)
	var events []string
	for _, s := range h.spans.Ended() {
		if s.InstrumentationScope().Name == authkitotel.ScopeName {
			require.Equal(t, trace.SpanKindClient, s.SpanKind())
			require.Equal(t, codes.Unset, s.Status().Code, s.Name())
			continue
		}
		for _, e := range s.Events() {
			events = append(events, s.Name()+" "+e.Name+" "+label(attribute.NewSet(e.Attributes...)))
		}
	}
	require.Equal(t, []string{
		"GET /callback authkit.sign_in authkit.method=Password,authkit.outcome=ok",
		"GET /account authkit.verify authkit.result=expired,authkit.source=cookie",
		"GET /account authkit.refresh authkit.outcome=refreshed,authkit.switch=false",
		"GET /api authkit.verify authkit.result=unknown_key,authkit.source=bearer",
		"GET /api authkit.verify authkit.result=malformed,authkit.source=bearer",
		"POST /sign-out authkit.sign_out authkit.cause=user",
	}, events)
	h.requireNoSecrets(rm)
}

func TestFailuresAreMarked(t *testing.T) {
	h := newHarness(t)
	session := h.signIn()
	h.clk.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	h.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
	h.request("GET /account", func(ctx context.Context) {
		d := h.kit.Load(ctx, newRequest(http.MethodGet, "/account", session))
		require.ErrorIs(t, d.Err, authkit.ErrUpstream)
	})
	rm := h.collect()
	require.Equal(t, map[string]int64{"authkit.outcome=upstream_error,authkit.switch=false": 1}, counts(t, rm, authkitotel.MetricRefreshes))
	require.Equal(t, map[string]uint64{
		"authkit.operation=authenticate:authorization_code,http.response.status_code=200":                1,
		"authkit.operation=authenticate:refresh_token,error.type=http_503,http.response.status_code=503": 1,
	}, histogramCounts(t, rm, authkitotel.MetricWorkOSDuration))
	var failed []string
	for _, s := range h.spans.Ended() {
		if s.Status().Code == codes.Error {
			failed = append(failed, s.Name()+": "+s.Status().Description)
		}
	}
	require.Equal(t, []string{"WorkOS authenticate:refresh_token: http_503"}, failed)
	h.requireNoSecrets(rm)
}

func TestNewUsesGlobalProviders(t *testing.T) {
	obs, err := authkitotel.New()
	require.NoError(t, err)
	// The global no-op providers: nothing to record, nothing to fail.
	call := observe.WorkOSCall{Op: "list_sessions", Status: http.StatusOK, Duration: time.Millisecond}
	ctx := obs.Start(context.Background(), call)
	obs.Observe(ctx, call)
}
