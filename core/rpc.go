package authkit

import (
	"context"
	"net/http"
	"net/url"
)

// MethodPolicy says which RPC methods are public and which need roles or
// permissions. The gRPC and Connect adapters keep one per interceptor and
// let Client.AuthorizeCall decide each call with it. The zero value
// requires a valid token for every method and nothing more.
type MethodPolicy struct {
	public []string
	reqs   []methodRequirement
}

type methodRequirement struct {
	pattern string
	reqs    []Requirement
}

// AddPublic serves the methods matching patterns without a token (a valid
// token still yields its Auth; an invalid one is still refused). Patterns
// are full method names ("/pkg.Service/Method") or end in "*".
func (p *MethodPolicy) AddPublic(patterns ...string) { p.public = append(p.public, patterns...) }

// AddRequirements makes the methods matching pattern (as for AddPublic)
// also require reqs. Every matching pattern applies.
func (p *MethodPolicy) AddRequirements(pattern string, reqs ...Requirement) {
	p.reqs = append(p.reqs, methodRequirement{pattern, reqs})
}

// AuthorizeCall decides an RPC to method (a full method name) that carries
// the given authorization values (the Authorization header or metadata):
// the bearer token is verified as Load verifies it, then, unless the
// method is public, the policy's requirements are checked as Require
// checks them. A Decision that is not Done carries the caller's Auth (nil
// on a public method called without a token); a Done one is a refusal:
// Status 401 (d.Err says whether the token was missing or invalid) or 403.
func (c *Client) AuthorizeCall(ctx context.Context, p *MethodPolicy, method string, authorization []string, remoteAddr string) Decision {
	r := &Request{Method: http.MethodPost, URL: &url.URL{Path: method}, Header: http.Header{}, RemoteAddr: remoteAddr}
	if len(authorization) > 0 {
		r.Header["Authorization"] = authorization
	}
	d := c.Load(ctx, r)
	if d.Done() || PathMatches(method, p.public...) {
		return d
	}
	var reqs []Requirement
	for _, q := range p.reqs {
		if PathMatches(method, q.pattern) {
			reqs = append(reqs, q.reqs...)
		}
	}
	return c.Require(ctx, r, d.Auth, reqs...)
}
