package authkit

import "net/http"

// Transport is an http.RoundTripper that forwards the caller's access token:
// a request whose context carries an Auth (FromContext, as every adapter
// sets it) and no Authorization header of its own goes out with
// Authorization: Bearer <Auth.AccessToken>. Other requests are sent as they
// are. It is what a handler uses to call another of your services on the
// user's behalf (a REST API, or a Connect service, which is plain HTTP):
//
//	api := &http.Client{Transport: &authkit.Transport{}}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", "https://api.internal/orders", nil)
//	resp, err := api.Do(req) // carries the signed-in user's token
//
// Give it only to clients of services that should receive the user's
// token, never to a client that also calls third parties. A redirect to
// another host does not get the token (like net/http's own rule for an
// Authorization header).
type Transport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper. It does not modify req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	a := FromContext(req.Context())
	if a == nil || a.AccessToken == "" || req.Header.Get("Authorization") != "" || offHost(req) {
		return base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+a.AccessToken)
	return base.RoundTrip(req)
}

// offHost reports whether req follows a redirect to a host other than the
// first request's.
func offHost(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first != req && first.URL.Host != req.URL.Host
}
