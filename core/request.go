package authkit

import (
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Request is what an adapter reads from the framework's request: nothing
// framework-specific. The core may use its values after the call returns
// (a shared refresh outlives the request that started it), so an adapter
// whose framework reuses buffers (fasthttp) must pass copies it owns.
type Request struct {
	Method string
	// URL holds at least the path and query of the request.
	URL *url.URL
	// Header carries the request headers; the core reads those
	// Client.RequestHeaders lists: Cookie (every Cookie line, every
	// same-name cookie), Accept, Authorization, User-Agent, Sec-Fetch-Site,
	// Origin and X-Requested-With, and any other a custom
	// Config.IsAPIRequest reads.
	Header http.Header
	// RemoteAddr is the client address, passed to WorkOS for its logs.
	RemoteAddr string
}

// coreHeaders are the request headers the core reads.
var coreHeaders = []string{"Cookie", "Authorization", "Accept", "User-Agent", "Sec-Fetch-Site", "Origin", "X-Requested-With"}

// RequestHeaders returns the names (canonical form) of the request headers
// the core reads, or nil when it may read any: Config.IsAPIRequest is the
// application's own. An adapter that must copy the headers it hands over
// (Fiber, whose buffers are reused) copies only these. The slice is shared:
// do not modify it.
func (c *Client) RequestHeaders() []string {
	if c.cfg.ownIsAPIRequest {
		return nil
	}
	return coreHeaders
}

// WantHeader reports whether an adapter copying request headers should
// copy the header called key, given names from Client.RequestHeaders, and
// under which canonical name: with nil names, every header.
func WantHeader(names []string, key []byte) (string, bool) {
	if names == nil {
		return http.CanonicalHeaderKey(string(key)), true
	}
	for _, n := range names {
		if asciiEqualFold(n, key) {
			return n, true
		}
	}
	return "", false
}

// asciiEqualFold is strings.EqualFold for ASCII header names, without
// converting key to a string.
func asciiEqualFold(s string, key []byte) bool {
	if len(s) != len(key) {
		return false
	}
	for i := range len(s) {
		a, b := s[i], key[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// FromHTTPRequest reads a Request from a net/http request (also what Gin and
// Echo hold). It does not read the body.
func FromHTTPRequest(r *http.Request) *Request {
	return &Request{Method: r.Method, URL: r.URL, Header: r.Header, RemoteAddr: r.RemoteAddr}
}

// cookies yields the request's cookies as name, value pairs, in the order
// the browser sent them (longer paths first, then older cookies), same-name
// ones included.
func (r *Request) cookies() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, line := range r.Header.Values("Cookie") {
			for part := range strings.SplitSeq(line, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				if ok && !yield(k, strings.Trim(v, `"`)) {
					return
				}
			}
		}
	}
}

// cookie returns the value of the first cookie called name.
func (r *Request) cookie(name string) (string, bool) {
	for k, v := range r.cookies() {
		if k == name {
			return v, true
		}
	}
	return "", false
}

// cookiesWithPrefix returns the request's cookies whose names start with
// prefix, by name.
func (r *Request) cookiesWithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range r.cookies() {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

func (r *Request) query(name string) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.Query().Get(name)
}

// DefaultIsAPIRequest answers true for requests that want JSON rather than
// a page: Accept lists application/json before (or without) text/html, the
// request is an XMLHttpRequest, or it carries an Authorization header.
func DefaultIsAPIRequest(r *Request) bool {
	if r.Header.Get("Authorization") != "" || strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return true
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	j := strings.Index(accept, "application/json")
	if j < 0 {
		return false
	}
	h := strings.Index(accept, "text/html")
	return h < 0 || j < h
}

// Decision is the core's answer to a request: what the adapter writes.
type Decision struct {
	// Auth is the request's identity, or nil when signed out.
	Auth *Auth
	// Header holds headers to add to the response, Set-Cookie included
	// (Cookies lists the same cookies, for inspection).
	Header http.Header
	// Cookies are the cookies being set or cleared (MaxAge < 0).
	Cookies []*http.Cookie
	// Status is 0 to go on to the next handler; otherwise the adapter
	// answers with Status, Header and Body (a redirect carries Location).
	Status int
	// Body is the response body when Status is set, of ContentType.
	Body        []byte
	ContentType string
	// Err says why the request was refused or signed out, for logs and
	// custom error handlers; nil on success. Its text holds no secrets.
	Err error
	// Refreshed reports that Load refreshed the session for this request.
	Refreshed bool
}

// Location is the redirect target of a 3xx decision.
func (d *Decision) Location() string { return d.Header.Get("Location") }

// Done reports whether the adapter should answer now instead of calling the
// next handler.
func (d *Decision) Done() bool { return d.Status != 0 }

func (d *Decision) header() http.Header {
	if d.Header == nil {
		d.Header = http.Header{}
	}
	return d.Header
}

func (d *Decision) setCookie(c *http.Cookie) {
	d.Cookies = append(d.Cookies, c)
	h := d.header()
	h.Add("Set-Cookie", c.String())
	h.Set("Cache-Control", "no-store")
	if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Cookie") {
		h.Add("Vary", "Cookie")
	}
}

func (d *Decision) redirect(status int, location string) {
	d.Status = status
	d.header().Set("Location", location)
}

func (d *Decision) respond(status int, contentType, body string) {
	d.Status = status
	d.ContentType = contentType
	d.Body = []byte(body)
}

// WriteHeaders adds the decision's headers (cookies included) to w.
func (d *Decision) WriteHeaders(h http.Header) {
	for k, vs := range d.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
}

// Write answers a net/http response with the decision: headers, and when
// Done, the status and body. Adapters over net/http (Gin, Echo, chi) use it.
func (d *Decision) Write(w http.ResponseWriter) {
	d.WriteHeaders(w.Header())
	if !d.Done() {
		return
	}
	if d.ContentType != "" {
		w.Header().Set("Content-Type", d.ContentType)
	}
	w.WriteHeader(d.Status)
	if len(d.Body) > 0 {
		_, _ = w.Write(d.Body)
	}
}
