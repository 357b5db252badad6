package authkit

import (
	"context"
	"errors"
	"time"

	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/token"
	"github.com/authkit-go/authkit/core/workos"
)

// This file reports the client's events to Config.Observer (package
// observe); the calls sit where each thing is decided.

// emit reports e to the configured Observer, if any.
func (c *Client) emit(ctx context.Context, e observe.Event) {
	if c.cfg.Observer != nil {
		c.cfg.Observer.Observe(ctx, e)
	}
}

// observeVerify reports a request's token verification.
func (c *Client) observeVerify(ctx context.Context, source string, err error) {
	result := observe.ResultOK
	var te *token.Error
	switch {
	case err == nil:
	case errors.Is(err, errRevoked):
		result = "revoked"
	case errors.As(err, &te):
		result = string(te.Code)
	default:
		result = "error"
	}
	c.emit(ctx, observe.Verify{Source: source, Result: result})
}

// observeAPIKey reports an API key's validation.
func (c *Client) observeAPIKey(ctx context.Context, err error) {
	result := observe.ResultOK
	switch {
	case errors.Is(err, ErrUpstream):
		result = "upstream_error"
	case err != nil:
		result = "invalid"
	}
	c.emit(ctx, observe.Verify{Source: observe.SourceAPIKey, Result: result})
}

// signedOut reports a cleared session cookie.
func (c *Client) signedOut(ctx context.Context, cause string) {
	c.emit(ctx, observe.SignOut{Cause: cause})
}

// endedCause is the sign-out cause of an errSessionEnded error.
func endedCause(err error) string {
	if errors.Is(err, errRevoked) {
		return observe.SignOutRevoked
	}
	return observe.SignOutEnded
}

// observeSignIn reports a callback's outcome (err nil: signed in with
// method).
func (c *Client) observeSignIn(ctx context.Context, err error, method string) {
	e := observe.SignIn{Outcome: observe.SignInOK, Method: method}
	switch {
	case err == nil:
	case errors.Is(err, ErrAuthorizationDenied):
		e.Outcome = observe.SignInDenied
	case errors.Is(err, ErrMissingCallbackParams), errors.Is(err, ErrMissingVerifier), errors.Is(err, ErrStateMismatch), errors.Is(err, ErrInvalidState):
		e.Outcome = observe.SignInInvalidCallback
	case errors.Is(err, ErrSignInRejected):
		e.Outcome = observe.SignInRejected
	case errors.Is(err, ErrUpstream):
		e.Outcome = observe.SignInUpstreamError
	default:
		e.Outcome = observe.SignInRefused
	}
	c.emit(ctx, e)
}

// observeRefresh reports a refresh's outcome, in the context of the request
// that started it.
func (c *Client) observeRefresh(q refreshRequest, outcome string, d time.Duration) {
	ctx := q.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	c.emit(ctx, observe.Refresh{Outcome: outcome, Switch: q.org != "", Duration: d})
}

// settledOutcome names what a remembered outcome o (or another instance's)
// gave a request without a WorkOS call: err is settled's.
func settledOutcome(o *outcome, err error) string {
	switch {
	case err == nil:
		return observe.RefreshDeduplicated
	case errors.Is(err, errSessionEnded):
		return observe.RefreshEnded
	case o.Kind == kindBackoff:
		return observe.RefreshBackoff
	}
	return observe.RefreshRefused
}

// call spends the refresh token at WorkOS (see callWorkOS) and reports
// the outcome with the time it took.
func (c *Client) call(q refreshRequest, prev *outcome) (*outcome, *refreshResult, error) {
	start := time.Now()
	o, res, err := c.callWorkOS(q, prev)
	outcome := observe.RefreshRefused
	switch {
	case err == nil:
		outcome = observe.RefreshRefreshed
	case errors.Is(err, errBreakerOpen):
		c.observeRefresh(q, observe.RefreshBreakerOpen, 0)
		return o, res, err
	case workos.IsTransient(err) || o != nil && o.Code == codeUnusable:
		outcome = observe.RefreshUpstreamError
	case o != nil && o.Kind == kindEnded:
		outcome = observe.RefreshEnded
	}
	c.observeRefresh(q, outcome, time.Since(start))
	return o, res, err
}
