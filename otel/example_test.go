package authkitotel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/jwks"
	authkitotel "github.com/authkit-go/authkit/otel"
)

// Metrics of a client verifying bearer tokens, read with a ManualReader and
// printed. In production, give WithMeterProvider a provider with an
// exporter (OTLP, Prometheus, stdoutmetric), or set the global one.
func Example() {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := authkitotel.New(authkitotel.WithMeterProvider(provider))
	if err != nil {
		panic(err)
	}
	// The process-wide key cache reports its fetches to obs (here a cache of
	// the example's own: jwks.Shared().SetObserver(obs) in an application).
	cache := jwks.New(jwks.WithObserver(obs))

	emu, err := authkittest.Start() // the WorkOS emulator in place of WorkOS
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI:    "http://localhost:8080/callback",
		CookiePassword: "a-test-cookie-password-of-32-chars!",
		JWKSCache:      cache,
		Observer:       obs,
	})
	if err != nil {
		panic(err)
	}

	good, _ := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID})
	for _, tok := range []string{good, good, "forged"} {
		r := &authkit.Request{Method: http.MethodGet, URL: &url.URL{Path: "/api"}, Header: http.Header{"Authorization": {"Bearer " + tok}}}
		kit.Load(context.Background(), r)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					var attrs []string
					for _, kv := range dp.Attributes.ToSlice() {
						if kv.Key != authkitotel.AttrServer { // the emulator's random port
							attrs = append(attrs, string(kv.Key)+"="+kv.Value.String())
						}
					}
					lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, strings.Join(attrs, ","), dp.Value))
				}
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// authkit.jwks.fetches{authkit.outcome=ok,authkit.reason=first} 1
	// authkit.token.verifications{authkit.result=malformed,authkit.source=bearer} 1
	// authkit.token.verifications{authkit.result=ok,authkit.source=bearer} 2
}
