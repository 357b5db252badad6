package authkit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/token"
	"github.com/authkit-go/authkit/core/workos"
)

// How long the outcome of spending a refresh token is remembered.
const (
	// refreshGrace is how long a new session is handed to requests that
	// still carry the spent refresh token (the browser may not have stored
	// the new cookie yet, or several tabs raced).
	refreshGrace = 60 * time.Second
	// spentMemory is how long a spent or refused refresh token is known as
	// such, so that a stale cookie does not reach WorkOS again.
	spentMemory = 10 * time.Minute
	// backoffMin and backoffMax bound the exponential backoff of one
	// session after transient refresh failures (Retry-After wins, capped by
	// retryAfterMax).
	backoffMin    = time.Second
	backoffMax    = 5 * time.Minute
	retryAfterMax = time.Hour
	// maxRecentEntries bounds the outcomes remembered in process.
	maxRecentEntries = 10000
	// maxStoreRounds bounds how often a refresh goes back to Store.Begin
	// after a holder disappeared without an outcome.
	maxStoreRounds = 3
)

// Errors of a refresh that decide what Load does with the cookie.
var (
	// errSessionEnded: WorkOS confirmed the session is over, or this
	// application (process or store) spent the refresh token itself and the
	// grace period of its result has passed. The cookie is cleared.
	errSessionEnded = errors.New("the session has ended")
	// errRefreshPending: a proactive refresh did not finish within
	// Config.RefreshWait; it goes on in the background.
	errRefreshPending = errors.New("refresh still in progress")
	// errBreakerOpen: the breaker held the call back.
	errBreakerOpen = errors.New("WorkOS is failing; calls are paused (circuit open)")
)

// codeUnusable is the refused outcome's code when WorkOS spent the token
// but its answer could not be used.
const codeUnusable = "unusable_response"

// Outcome kinds.
const (
	kindRefreshed = "refreshed" // Sealed is the new session
	kindBackoff   = "backoff"   // transient failure: no call before RetryAt
	kindRefused   = "refused"   // WorkOS refused the token; the session may live on elsewhere
	kindEnded     = "ended"     // the session is over
)

// outcome is what spending one refresh token led to: remembered in process
// and shared through the Store. Its only secret, the new session, is sealed
// with the cookie password.
type outcome struct {
	Kind string `json:"k"`
	// Sealed is the new session cookie (refreshed).
	Sealed string `json:"s,omitempty"`
	// UseUntil ends the grace period of a refreshed outcome (unix ms).
	UseUntil int64 `json:"u,omitempty"`
	// RetryAt is the end of a backoff (unix ms).
	RetryAt int64 `json:"r,omitempty"`
	// Failures counts consecutive transient failures.
	Failures int `json:"f,omitempty"`
	// Code is WorkOS's error code for refused outcomes (not secret).
	Code string `json:"c,omitempty"`

	res *refreshResult // decoded Sealed, in process only
}

// refreshResult is a new session, shared by every request that waited for
// it; each gets its own Auth from auth().
type refreshResult struct {
	sealed  string
	session *session
	claims  *token.Claims
}

func (r *refreshResult) auth() *Auth { return authFromSession(r.session, r.claims) }

// tokenKey names a refresh token in memory and in the Store: never the
// token itself.
func tokenKey(refreshToken string) string {
	h := sha256.Sum256([]byte("authkit refresh\x00" + refreshToken))
	return hex.EncodeToString(h[:])
}

// refreshRequest is what one caller wants from a refresh.
type refreshRequest struct {
	session *session
	// org is the organization to end up in ("" keeps the session's).
	org string
	// wait bounds how long this caller waits (0: until ctx ends).
	wait time.Duration
	// ip and ua describe the end user to WorkOS.
	ip, ua string
	// ctx is the requesting context's values (not its cancellation): the
	// refresh's events and WorkOS calls are reported in it.
	ctx context.Context
}

// refresh returns the session that succeeds s. Each refresh token is spent
// at most once: concurrent callers in this process share one flight, other
// instances wait for it through the Store, and callers arriving later with
// the same (now spent) token get the remembered outcome. When org differs
// from the organization the shared refresh ended in, the new session is
// refreshed once more into org (an organization switch that met a plain
// refresh), again through the same single-call rules.
func (c *Client) refresh(ctx context.Context, q refreshRequest) (*refreshResult, error) {
	res, err := c.refreshOnce(ctx, q)
	if err != nil || q.org == "" || sessionOrg(res) == q.org {
		return res, err
	}
	next := q
	next.session = res.session
	return c.refreshOnce(ctx, next)
}

func sessionOrg(res *refreshResult) string {
	if res.claims != nil && res.claims.OrganizationID != "" {
		return res.claims.OrganizationID
	}
	return res.session.OrganizationID
}

func (c *Client) refreshOnce(ctx context.Context, q refreshRequest) (*refreshResult, error) {
	key := tokenKey(q.session.RefreshToken)
	q.ctx = context.WithoutCancel(ctx)
	if o, ok := c.recent.Get(key, c.cfg.Clock()); ok {
		if res, err, final := c.settled(o); final {
			c.observeRefresh(q, settledOutcome(o, err), 0)
			if err != nil {
				return nil, err
			}
			return c.latest(res, q.org), nil
		}
	}
	q.ip, q.ua = strings.Clone(q.ip), strings.Clone(q.ua) // the flight may outlive the request
	// led: this request's flight spends the token (and reports the outcome).
	led := false
	ch := c.flights.DoChan(key, func() (any, error) { led = true; return c.spend(key, q) })
	var timeout <-chan time.Time
	if q.wait > 0 {
		t := time.NewTimer(q.wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case v := <-ch:
		if !led {
			c.observeRefresh(q, observe.RefreshDeduplicated, 0)
		}
		if v.Err != nil {
			return nil, v.Err
		}
		return c.latest(v.Val.(*refreshResult), q.org), nil
	case <-timeout:
		return nil, errRefreshPending
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w: %w", ErrRefreshFailed, ErrUpstream, ctx.Err())
	}
}

// latest follows remembered refreshes from res: a plain refresh whose
// result was itself refreshed (into another organization, say) yields that
// newer session, so that stale requests converge on the newest cookie.
func (c *Client) latest(res *refreshResult, org string) *refreshResult {
	now := c.cfg.Clock()
	for range 4 {
		o, ok := c.recent.Get(tokenKey(res.session.RefreshToken), now)
		if !ok || o.Kind != kindRefreshed || o.res == nil || now.UnixMilli() > o.UseUntil {
			return res
		}
		if org != "" && sessionOrg(o.res) != org && sessionOrg(res) == org {
			return res
		}
		res = o.res
	}
	return res
}

// settled interprets a remembered outcome: final is false when it no
// longer stops a new call (a backoff that has run out).
func (c *Client) settled(o *outcome) (res *refreshResult, err error, final bool) {
	now := c.cfg.Clock().UnixMilli()
	switch o.Kind {
	case kindRefreshed:
		if o.res != nil && now <= o.UseUntil {
			return o.res, nil, true
		}
		return nil, fmt.Errorf("%w: %w: the refresh token was already spent by this application", ErrRefreshFailed, errSessionEnded), true
	case kindBackoff:
		if now < o.RetryAt && o.Code != "" {
			return nil, fmt.Errorf("%w: WorkOS refused the refresh (%s); retrying in %s", ErrRefreshFailed, o.Code, time.Duration(o.RetryAt-now)*time.Millisecond), true
		}
		if now < o.RetryAt {
			return nil, fmt.Errorf("%w: %w: backing off after %d failed attempt(s) for %s", ErrRefreshFailed, ErrUpstream, o.Failures, time.Duration(o.RetryAt-now)*time.Millisecond), true
		}
		return nil, nil, false
	case kindEnded:
		return nil, fmt.Errorf("%w: %w", ErrRefreshFailed, errSessionEnded), true
	default: // refused
		return nil, fmt.Errorf("%w: WorkOS refused the refresh token (%s); the session may have been refreshed elsewhere", ErrRefreshFailed, o.Code), true
	}
}

// remember records o locally (decoding its session once) for ttl.
func (c *Client) remember(key string, o *outcome, ttl time.Duration) {
	now := c.cfg.Clock()
	c.recent.Put(key, o, now.Add(ttl), now)
}

// decodeOutcome reads an outcome from the Store; a refreshed one must open
// with the cookie password and hold a complete session.
func (c *Client) decodeOutcome(b []byte) (*outcome, error) {
	var o outcome
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("authkit: undecodable refresh outcome in the store: %w", err)
	}
	if o.Kind == kindRefreshed {
		s, err := c.openSession(o.Sealed)
		if err != nil {
			return nil, fmt.Errorf("authkit: refresh outcome in the store does not open: %w", err)
		}
		claims, err := token.ParseUnverified(s.AccessToken)
		if err != nil {
			return nil, err
		}
		o.res = &refreshResult{sealed: o.Sealed, session: s, claims: claims}
	}
	return &o, nil
}

// ttlOf is how long an outcome is worth keeping. In the Store a backoff
// ends at its retry time, so that exactly one instance then takes the
// refresh again; in process it is kept longer, so that the next failure
// backs off further.
func (c *Client) ttlOf(o *outcome, local bool) time.Duration {
	if o.Kind != kindBackoff {
		return spentMemory
	}
	d := time.Duration(o.RetryAt-c.cfg.Clock().UnixMilli()) * time.Millisecond
	if local {
		d += backoffMax
	}
	return max(d, time.Millisecond)
}

// spend runs once per refresh token at a time in this process: it takes
// the token's refresh in the Store (or waits for the instance that holds
// it), calls WorkOS, and records the outcome.
func (c *Client) spend(key string, q refreshRequest) (any, error) {
	// A flight that just ended may have recorded an outcome.
	prev, _ := c.recent.Get(key, c.cfg.Clock())
	if prev != nil {
		if res, err, final := c.settled(prev); final {
			c.observeRefresh(q, settledOutcome(prev, err), 0)
			return res, err
		}
	}
	// held: this process may call WorkOS; locked: it holds the Store's
	// refresh of the token, and so records the outcome there.
	held, locked := false, false
	for round := 0; round < maxStoreRounds && !held; round++ {
		b, acquired, err := c.store.begin(key, c.holdTTL())
		if err == nil && !acquired && b == nil {
			// Another instance holds the refresh: wait for its outcome.
			var found bool
			b, found, err = c.store.wait(key, c.holdTTL())
			if errors.Is(err, context.DeadlineExceeded) {
				c.observeRefresh(q, observe.RefreshStoreWait, 0)
				return nil, fmt.Errorf("%w: %w: another instance is still refreshing this session", ErrRefreshFailed, ErrUpstream)
			}
			if err == nil && !found {
				continue // the holder went away without an outcome: begin again
			}
		}
		switch {
		case err != nil:
			held = true // the store is down or slow: coordinate in process only
		case acquired:
			held, locked = true, true
		default:
			o, derr := c.decodeOutcome(b)
			if derr != nil {
				c.cfg.Logger.Warn("authkit: ignoring a refresh outcome in the store", "err", derr)
				held = true
				break
			}
			c.remember(key, o, c.ttlOf(o, true))
			if res, err, final := c.settled(o); final {
				c.observeRefresh(q, settledOutcome(o, err), 0)
				return res, err
			}
			// A backoff that has just run out (it leaves the store at
			// that moment): begin again.
			prev = o
		}
	}
	if !held {
		c.observeRefresh(q, observe.RefreshStoreWait, 0)
		return nil, fmt.Errorf("%w: %w: the session store did not settle this refresh", ErrRefreshFailed, ErrUpstream)
	}
	o, res, err := c.call(q, prev)
	if o != nil {
		c.remember(key, o, c.ttlOf(o, true))
	}
	if locked {
		// Also when there is no outcome worth keeping: Finish releases the
		// refresh for the waiting instances.
		if o == nil {
			o = &outcome{Kind: kindBackoff, RetryAt: c.cfg.Clock().UnixMilli()}
		}
		if b, merr := json.Marshal(o); merr == nil {
			c.store.finish(key, b, c.ttlOf(o, false))
		}
	}
	return res, err
}

// holdTTL bounds how long one instance holds a refresh: a WorkOS call
// and the sealing of its result.
func (c *Client) holdTTL() time.Duration { return c.workos.Timeout() + 5*time.Second }

// callWorkOS spends the refresh token at WorkOS (unless the breaker is open)
// and turns the answer into an outcome (nil: nothing worth recording).
func (c *Client) callWorkOS(q refreshRequest, prev *outcome) (*outcome, *refreshResult, error) {
	s := q.session
	if !c.breaker.allow(c.cfg.Clock()) {
		return nil, nil, fmt.Errorf("%w: %w: %w", ErrRefreshFailed, ErrUpstream, errBreakerOpen)
	}
	ctx, cancel := context.WithTimeout(cmp.Or(q.ctx, context.Background()), c.workos.Timeout())
	defer cancel()
	org := q.org
	if org == "" {
		org = s.OrganizationID
		if claims, err := token.ParseUnverified(s.AccessToken); err == nil && claims.OrganizationID != "" {
			org = claims.OrganizationID // the token's org_id, expired or not
		}
	}
	resp, err := c.workos.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{
		RefreshToken: s.RefreshToken, OrganizationID: org, IPAddress: q.ip, UserAgent: q.ua,
	})
	now := c.cfg.Clock()
	ev := RefreshEvent{UserID: s.User.ID, OrganizationID: org}
	if err != nil {
		transient := workos.IsTransient(err)
		c.breaker.record(now, transient, err)
		ev.Err, ev.Transient = err, transient
		if c.cfg.OnRefreshError != nil {
			c.cfg.OnRefreshError(ev)
		}
		return c.failure(ctx, s, q.org != "", prev, err, now)
	}
	c.breaker.record(now, false, nil)
	if resp.AuthenticationMethod == "" {
		resp.AuthenticationMethod = s.AuthenticationMethod
	}
	res, err := c.newSession(ctx, resp, s)
	if err != nil {
		// WorkOS spent the token but its answer is unusable: as good as a
		// malformed answer; the token is gone, so refuse it from now on.
		return &outcome{Kind: kindRefused, Code: codeUnusable}, nil, err
	}
	ev.SessionID, ev.OrganizationID = res.claims.SessionID, sessionOrg(res)
	if c.cfg.OnRefresh != nil {
		c.cfg.OnRefresh(ev)
	}
	return &outcome{Kind: kindRefreshed, Sealed: res.sealed, UseUntil: now.Add(refreshGrace).UnixMilli(), res: res}, res, nil
}

// failure classifies a failed refresh call.
func (c *Client) failure(ctx context.Context, s *session, switching bool, prev *outcome, err error, now time.Time) (*outcome, *refreshResult, error) {
	if workos.IsTransient(err) {
		return backoff(prev, err, now), nil, c.upstreamErr(ErrRefreshFailed, err)
	}
	code := workos.ErrorCode(err)
	if code == workos.CodeSSORequired || code == workos.CodeMFAEnrollment {
		// The token was not spent: the caller (an organization switch)
		// sends the user through sign-in for that organization.
		return nil, nil, fmt.Errorf("%w: %w", ErrRefreshFailed, err)
	}
	if !workos.IsInvalidGrant(err) {
		if switching {
			// An organization switch WorkOS refused (not a member, ...):
			// the token was not spent, and the session goes on.
			return nil, nil, fmt.Errorf("%w: %w", ErrRefreshFailed, err)
		}
		// Refused for another reason (a configuration error, say): not
		// proof that the session is over; back off so that requests do
		// not reach WorkOS at request rate.
		o := backoff(prev, err, now)
		o.Code = safeCode(code)
		return o, nil, fmt.Errorf("%w: %w", ErrRefreshFailed, err)
	}
	if c.sessionEnded(ctx, s) {
		return &outcome{Kind: kindEnded}, nil, fmt.Errorf("%w: %w: %w", ErrRefreshFailed, errSessionEnded, err)
	}
	// Not proof that the session is over: another instance, a Node app
	// sharing the cookie, or a concurrent organization switch may have
	// spent the token first.
	return &outcome{Kind: kindRefused, Code: workos.CodeInvalidGrant}, nil, fmt.Errorf("%w: %w", ErrRefreshFailed, err)
}

// backoff is the outcome of a failed attempt after prev.
func backoff(prev *outcome, err error, now time.Time) *outcome {
	failures := 1
	if prev != nil && prev.Kind == kindBackoff {
		failures = prev.Failures + 1
	}
	delay, ok := workos.RetryAfter(err)
	if ok {
		delay = min(delay, retryAfterMax)
	} else {
		delay = backoffDelay(failures)
	}
	return &outcome{Kind: kindBackoff, RetryAt: now.Add(delay).UnixMilli(), Failures: failures}
}

// safeCode keeps an upstream error code only if it looks like one.
func safeCode(code string) string {
	if code == "" || len(code) > 64 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return "refused"
	}
	return code
}

// sessionEnded asks WorkOS whether the session is still active, after it
// refused the session's refresh token. Any doubt answers false.
func (c *Client) sessionEnded(ctx context.Context, s *session) bool {
	claims, err := token.ParseUnverified(s.AccessToken)
	if err != nil || claims.SessionID == "" || claims.Subject != s.User.ID {
		return false
	}
	active, err := c.workos.SessionActive(ctx, s.User.ID, claims.SessionID)
	return err == nil && !active
}

// backoffDelay is the exponential backoff with jitter after n consecutive
// failures: about 1s, 2s, 4s, ... up to backoffMax, each between half and
// the full step.
func backoffDelay(n int) time.Duration {
	d := backoffMin << min(n-1, 20)
	if d > backoffMax || d <= 0 {
		d = backoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// breaker pauses refresh calls when WorkOS as a whole is failing: after
// breakerThreshold consecutive transient failures (or one 429), calls stop
// until a pause has passed; then one probe at a time is let through, and
// its failure doubles the pause (up to breakerMaxPause), its success closes
// the breaker. So an outage costs the process about one call per pause.
type breaker struct {
	mu        sync.Mutex
	failures  int
	openUntil time.Time
	pause     time.Duration
	probing   bool
}

const (
	breakerThreshold = 3
	breakerMinPause  = 500 * time.Millisecond
	breakerMaxPause  = 30 * time.Second
)

func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < breakerThreshold && b.openUntil.IsZero() {
		return true
	}
	if now.Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// record notes a call's result (transient: a failure that opens the
// breaker; err carries Retry-After).
func (b *breaker) record(now time.Time, transient bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !transient {
		b.failures, b.pause, b.openUntil = 0, 0, time.Time{}
		return
	}
	b.failures++
	ra, hasRA := workos.RetryAfter(err)
	if b.failures < breakerThreshold && !hasRA {
		return
	}
	if b.pause == 0 {
		b.pause = breakerMinPause
	} else {
		b.pause = min(2*b.pause, breakerMaxPause)
	}
	until := now.Add(b.pause)
	if hasRA {
		until = now.Add(min(ra, retryAfterMax))
	}
	b.openUntil = until
}

// guardedStore bounds every Store call by Config.StoreTimeout and turns
// failures into in-process behaviour, with one warning per outage.
type guardedStore struct {
	s       Store
	timeout time.Duration
	log     *slog.Logger
	obs     observe.Observer
	down    atomic.Bool
}

func (g *guardedStore) failed(op string, err error) {
	if g.obs != nil {
		g.obs.Observe(context.Background(), observe.StoreError{Op: op})
	}
	if g.down.CompareAndSwap(false, true) {
		g.log.Warn("authkit: session store unavailable; coordinating refreshes in this process only until it is back", "op", op, "err", err)
	}
}

func (g *guardedStore) ok() {
	if g.down.CompareAndSwap(true, false) {
		g.log.Info("authkit: session store available again")
	}
}

func (g *guardedStore) begin(key string, ttl time.Duration) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	b, acquired, err := g.s.Begin(ctx, key, ttl)
	if err != nil {
		g.failed("begin", err)
		return nil, false, err
	}
	g.ok()
	return b, acquired, nil
}

func (g *guardedStore) finish(key string, b []byte, ttl time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	if err := g.s.Finish(ctx, key, b, ttl); err != nil {
		g.failed("finish", err)
		return
	}
	g.ok()
}

// wait waits for another instance's outcome, at most max.
func (g *guardedStore) wait(key string, max time.Duration) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), max)
	defer cancel()
	b, found, err := g.s.Wait(ctx, key)
	if err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			g.failed("wait", err)
		}
		return nil, false, err
	}
	g.ok()
	return b, found, nil
}

func (g *guardedStore) revoke(sessionID string, ttl time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	if err := g.s.Revoke(ctx, sessionID, ttl); err != nil {
		g.failed("revoke", err)
		return
	}
	g.ok()
}
