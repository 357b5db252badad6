package authkit

import "errors"

// AdapterConfig holds the options every adapter offers, so that adapters
// share one implementation of them. C is the framework's per-request value
// (*gin.Context, echo.Context, *fiber.Ctx, *http.Request). Adapters expose
// these as their own Option type; applications do not use it directly.
type AdapterConfig[C any] struct {
	skip           func(C) bool
	errorHandler   func(C, *Decision) error
	publicPaths    []string
	requirements   []Requirement
	onRefresh      func(C, *Auth)
	onRefreshError func(C, error)
}

// AdapterOption configures an adapter's Middleware or RequireAuth.
type AdapterOption[C any] func(*AdapterConfig[C])

// NewAdapterConfig applies opts.
func NewAdapterConfig[C any](opts []AdapterOption[C]) *AdapterConfig[C] {
	a := &AdapterConfig[C]{}
	for _, o := range opts {
		if o != nil {
			o(a)
		}
	}
	return a
}

// WithSkipper skips the middleware (and RequireAuth) for requests where
// skip returns true: no session is loaded and nothing is written.
func WithSkipper[C any](skip func(C) bool) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.skip = skip }
}

// WithErrorHandler replaces the default response of refused requests
// (401, 403, invalid bearer token, ...): h is called with the decision,
// whose cookies and headers are already on the response, and must write the
// response itself. Redirects to sign-in are not errors and are not passed.
// The error h returns is returned by the adapter's middleware, for
// frameworks whose handlers return errors (Echo, Fiber).
func WithErrorHandler[C any](h func(C, *Decision) error) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.errorHandler = h }
}

// WithPublicPaths lets RequireAuth through for paths matching patterns
// (exact, or a prefix ending in "*": "/public/*"), for when RequireAuth
// guards a whole router.
func WithPublicPaths[C any](patterns ...string) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.publicPaths = append(a.publicPaths, patterns...) }
}

// WithRequirements makes RequireAuth also require roles or permissions
// (authkit.RequireRole, authkit.RequirePermission); a session missing one
// gets 403.
func WithRequirements[C any](reqs ...Requirement) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.requirements = append(a.requirements, reqs...) }
}

// WithOnRefresh calls f on each request whose session was refreshed (f sees
// the new Auth). Config.OnRefresh, by contrast, runs once per refresh.
func WithOnRefresh[C any](f func(C, *Auth)) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.onRefresh = f }
}

// WithOnRefreshError calls f on each request whose session refresh failed.
func WithOnRefreshError[C any](f func(C, error)) AdapterOption[C] {
	return func(a *AdapterConfig[C]) { a.onRefreshError = f }
}

// Skip reports whether the request is skipped.
func (a *AdapterConfig[C]) Skip(c C) bool { return a.skip != nil && a.skip(c) }

// Public reports whether path is one of the public paths.
func (a *AdapterConfig[C]) Public(path string) bool { return PathMatches(path, a.publicPaths...) }

// Requirements returns the RequireAuth requirements.
func (a *AdapterConfig[C]) Requirements() []Requirement { return a.requirements }

// Loaded runs the refresh hooks for a Load decision.
func (a *AdapterConfig[C]) Loaded(c C, d *Decision) {
	switch {
	case d.Refreshed && a.onRefresh != nil:
		a.onRefresh(c, d.Auth)
	case errors.Is(d.Err, ErrRefreshFailed) && a.onRefreshError != nil:
		a.onRefreshError(c, d.Err)
	}
}

// CustomError reports whether d is an error response (not a redirect) that
// the custom error handler should write instead of the default one.
func (a *AdapterConfig[C]) CustomError(d *Decision) bool {
	return a.errorHandler != nil && d.Done() && d.Err != nil && d.Location() == ""
}

// HandleError calls the custom error handler and returns its error; the
// adapter has already written the decision's headers (cookies included).
func (a *AdapterConfig[C]) HandleError(c C, d *Decision) error { return a.errorHandler(c, d) }
