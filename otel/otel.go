// Package authkitotel reports what authkit-go does as OpenTelemetry metrics
// and spans: JWKS fetches, token verifications by result, refreshes by
// outcome, sign-ins, sign-outs by cause, session-store failures, and the
// latency of every WorkOS call, each WorkOS call and JWKS fetch in its own
// span.
//
// It implements the core's observe.Observer; the core itself has no
// OpenTelemetry dependency. Give the Observer to the client and to the
// process-wide key cache:
//
//	obs, err := authkitotel.New()                       // the global providers, or WithMeterProvider / WithTracerProvider
//	jwks.Shared().SetObserver(obs)                      // JWKS fetches (the cache is process-wide)
//	kit, err := authkit.New(authkit.Config{Observer: obs})
//
// No attribute carries a token, code, cookie, password or email, nor a user,
// session or organization ID: the events do not hold them.
package authkitotel

import (
	"context"
	"errors"
	"net/url"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/observe"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/authkit-go/authkit/otel"

// Metric names.
const (
	MetricJWKSFetches       = "authkit.jwks.fetches"
	MetricJWKSFetchDuration = "authkit.jwks.fetch.duration"
	MetricVerifications     = "authkit.token.verifications"
	MetricRefreshes         = "authkit.session.refreshes"
	MetricSignIns           = "authkit.sign_ins"
	MetricSignOuts          = "authkit.sign_outs"
	MetricStoreErrors       = "authkit.store.errors"
	MetricWorkOSDuration    = "authkit.workos.call.duration"
)

// Attribute keys.
const (
	AttrSource    = attribute.Key("authkit.source")    // verification: cookie, bearer
	AttrResult    = attribute.Key("authkit.result")    // verification: ok or a token error code
	AttrOutcome   = attribute.Key("authkit.outcome")   // refresh, sign-in, JWKS fetch
	AttrSwitch    = attribute.Key("authkit.switch")    // refresh: an organization switch
	AttrMethod    = attribute.Key("authkit.method")    // sign-in: WorkOS's authentication method
	AttrCause     = attribute.Key("authkit.cause")     // sign-out
	AttrOperation = attribute.Key("authkit.operation") // WorkOS call ("authenticate:refresh_token"), store call ("begin")
	AttrReason    = attribute.Key("authkit.reason")    // JWKS fetch: first, retry, unknown_kid, max_age, pending
	AttrKeys      = attribute.Key("authkit.jwks.keys") // JWKS fetch span: keys fetched
	AttrServer    = attribute.Key("server.address")    // JWKS fetch: the key set's host
	AttrStatus    = attribute.Key("http.response.status_code")
	AttrErrorType = attribute.Key("error.type") // WorkOS call: an API error code or a class (timeout, transport, ...)
)

// durationBuckets are the OpenTelemetry HTTP client duration buckets, in
// seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Option configures New.
type Option func(*config)

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records metrics with mp (default: otel.GetMeterProvider()).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithTracerProvider records spans with tp (default: otel.GetTracerProvider()).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// Observer records authkit-go's events as OpenTelemetry metrics and spans.
// It implements observe.Observer and is safe for concurrent use.
type Observer struct {
	tracer trace.Tracer

	jwksFetches   metric.Int64Counter
	jwksDuration  metric.Float64Histogram
	verifications metric.Int64Counter
	refreshes     metric.Int64Counter
	signIns       metric.Int64Counter
	signOuts      metric.Int64Counter
	storeErrors   metric.Int64Counter
	workosLatency metric.Float64Histogram
}

var _ observe.Observer = (*Observer)(nil)

// New returns an Observer recording with the given (or the global)
// providers.
func New(opts ...Option) (*Observer, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	m := cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(authkit.Version))
	o := &Observer{tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(authkit.Version))}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(durationBuckets...))
		errs = append(errs, err)
		return h
	}
	o.jwksFetches = counter(MetricJWKSFetches, "{fetch}", "JWKS fetches by reason and outcome.")
	o.jwksDuration = histogram(MetricJWKSFetchDuration, "Duration of JWKS fetches.")
	o.verifications = counter(MetricVerifications, "{verification}", "Access-token verifications of requests by source and result.")
	o.refreshes = counter(MetricRefreshes, "{refresh}", "Session refreshes by outcome (deduplicated: served without a WorkOS call of their own).")
	o.signIns = counter(MetricSignIns, "{sign_in}", "Completed sign-in callbacks by outcome and authentication method.")
	o.signOuts = counter(MetricSignOuts, "{sign_out}", "Session cookies cleared, by cause.")
	o.storeErrors = counter(MetricStoreErrors, "{error}", "Failed session-store calls by operation.")
	o.workosLatency = histogram(MetricWorkOSDuration, "Duration of WorkOS API calls.")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return o, nil
}

// Start starts a client span for a WorkOS call and an internal one for a
// JWKS fetch; Observe ends it.
func (o *Observer) Start(ctx context.Context, e observe.Event) context.Context {
	switch e := e.(type) {
	case observe.WorkOSCall:
		ctx, _ = o.tracer.Start(ctx, "WorkOS "+e.Op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(AttrOperation.String(e.Op)))
		ctx = context.WithValue(ctx, spanKey{}, true)
	case observe.JWKSFetch:
		ctx, _ = o.tracer.Start(ctx, "JWKS fetch", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(AttrServer.String(host(e.URL)), AttrReason.String(e.Reason)))
		ctx = context.WithValue(ctx, spanKey{}, true)
	}
	return ctx
}

// spanKey marks a context whose span Start started (and Observe ends).
type spanKey struct{}

// Observe records e: a metric, and for the events of a request an event on
// its span (when it is recording).
func (o *Observer) Observe(ctx context.Context, e observe.Event) {
	switch e := e.(type) {
	case observe.Verify:
		attrs := []attribute.KeyValue{AttrSource.String(e.Source), AttrResult.String(e.Result)}
		o.verifications.Add(ctx, 1, metric.WithAttributes(attrs...))
		spanEvent(ctx, "authkit.verify", attrs)
	case observe.Refresh:
		attrs := []attribute.KeyValue{AttrOutcome.String(e.Outcome), AttrSwitch.Bool(e.Switch)}
		o.refreshes.Add(ctx, 1, metric.WithAttributes(attrs...))
		spanEvent(ctx, "authkit.refresh", attrs)
	case observe.SignIn:
		attrs := []attribute.KeyValue{AttrOutcome.String(e.Outcome), AttrMethod.String(e.Method)}
		o.signIns.Add(ctx, 1, metric.WithAttributes(attrs...))
		spanEvent(ctx, "authkit.sign_in", attrs)
	case observe.SignOut:
		attrs := []attribute.KeyValue{AttrCause.String(e.Cause)}
		o.signOuts.Add(ctx, 1, metric.WithAttributes(attrs...))
		spanEvent(ctx, "authkit.sign_out", attrs)
	case observe.StoreError:
		o.storeErrors.Add(ctx, 1, metric.WithAttributes(AttrOperation.String(e.Op)))
	case observe.WorkOSCall:
		attrs := []attribute.KeyValue{AttrOperation.String(e.Op)}
		if e.Status != 0 {
			attrs = append(attrs, AttrStatus.Int(e.Status))
		}
		if e.Error != "" {
			attrs = append(attrs, AttrErrorType.String(e.Error))
		}
		o.workosLatency.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(attrs...))
		o.endSpan(ctx, attrs, e.Error)
	case observe.JWKSFetch:
		attrs := []attribute.KeyValue{AttrServer.String(host(e.URL)), AttrReason.String(e.Reason), AttrOutcome.String(e.Outcome)}
		o.jwksFetches.Add(ctx, 1, metric.WithAttributes(attrs...))
		o.jwksDuration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(attrs...))
		errType := ""
		if e.Outcome != observe.ResultOK {
			errType = e.Outcome
		}
		o.endSpan(ctx, append(attrs, AttrKeys.Int(e.Keys)), errType)
	}
}

// endSpan ends the span Start began in ctx.
func (o *Observer) endSpan(ctx context.Context, attrs []attribute.KeyValue, errType string) {
	if ctx.Value(spanKey{}) == nil {
		return // Start was not ours (or not called): the span is someone else's
	}
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attrs...)
	if errType != "" {
		span.SetStatus(codes.Error, errType)
	}
	span.End()
}

// spanEvent adds an event to the request's span, if it records.
func spanEvent(ctx context.Context, name string, attrs []attribute.KeyValue) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(name, trace.WithAttributes(attrs...))
	}
}

// host is the host of a key set URL, a low-cardinality label (the path
// names the client ID).
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "unknown"
	}
	return u.Host
}
