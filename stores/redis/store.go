// Package authkitredis is an authkit.Store on Redis (7.0 or later), for an
// application that runs more than one instance: the instances share the
// refresh of each session (one of them calls WorkOS, the others reuse its
// outcome) and the sessions that were signed out.
//
//	store, err := authkitredis.NewFromURL("redis://127.0.0.1:6379/0")
//	if err != nil { ... }
//	defer store.Close()
//	kit, err := authkit.New(authkit.Config{Store: store})
//
// # Keys and channels
//
// With the default prefix "authkit:":
//
//   - authkit:r:<key> holds the refresh of one refresh token: a one-byte
//     pending marker while an instance holds it, then the outcome (with a
//     one-byte prefix of its own, so no outcome reads as the marker), each
//     with its ttl;
//   - authkit:revoked is a sorted set of signed-out session IDs scored by
//     the end of their revocation (Unix milliseconds);
//   - authkit:done and authkit:revoke are the Pub/Sub channels that announce
//     a recorded outcome (payload: its key) and a revocation.
//
// # Round trips
//
// The instance that wins a refresh pays two round trips: Begin (SET NX GET
// PX) and Finish (SET PX and PUBLISH in one pipeline). An instance that
// waits for it pays two as well: Begin, and one GET when the done message
// wakes it. Each Store keeps one Pub/Sub connection, opened by New, for
// every waiter and every revocation; Wait also polls with GET every 200 ms,
// which catches a missed message, a holder that crashed (its hold expires)
// or a flushed database. Revoked answers from an in-memory copy of the
// revoked set, with no I/O: the copy is updated by this Store's Revoke at
// once, by other instances' Revoke through Pub/Sub, and is reloaded (merged,
// never replaced) every time the subscription is (re)established.
//
// # Failures
//
// Every call is bounded by its context; with NewFromURL's defaults a
// Redis that is down answers with an error at once and a slow one within
// the caller's deadline. The authkit Client then falls back to in-process
// behaviour for that call: a Redis outage never signs a user out. Revoked
// keeps answering from memory. The background subscription retries with
// backoff and logs one warning per outage.
package authkitredis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	authkit "github.com/authkit-go/authkit/core"
)

const (
	// pending is the value of a held refresh; an outcome is stored as
	// outcomeTag followed by its bytes, so the two never collide.
	pending    = "p"
	outcomeTag = 'o'

	// DefaultPrefix is the namespace of every key and channel.
	DefaultPrefix = "authkit:"

	defaultPoll = 200 * time.Millisecond
	// reloadTimeout bounds the reload of the revoked set after a
	// (re)subscription.
	reloadTimeout = 2 * time.Second
	// idlePing is how long the subscription may be silent before it is
	// checked with a PING (a peer that vanished without closing the
	// connection).
	idlePing = 10 * time.Second
	// pruneEvery is how often expired revocations and stale wait
	// registrations are dropped.
	pruneEvery = time.Minute

	// NewFromURL's defaults when the URL does not set them.
	defaultDialTimeout  = 50 * time.Millisecond
	defaultReadTimeout  = 50 * time.Millisecond
	defaultWriteTimeout = 50 * time.Millisecond
)

// Store is an authkit.Store on Redis. Create it with New or NewFromURL and
// stop it with Close. It is safe for concurrent use.
type Store struct {
	client    redis.UniversalClient
	ownClient bool
	log       *slog.Logger
	poll      time.Duration

	refreshPrefix string // prefix + "r:"
	revokedKey    string
	doneChannel   string
	revokeChannel string

	pubsub *redis.PubSub
	stop   context.CancelFunc
	loop   chan struct{} // closed when the subscription loop has returned
	close  sync.Once

	mu        sync.Mutex
	signals   map[string]*signal   // refresh key -> its waiters' wake-up
	revoked   map[string]time.Time // session ID -> end of its revocation
	lastPrune time.Time
}

var _ authkit.Store = (*Store)(nil)

// signal wakes the waiters of one refresh key when its done message
// arrives: ch is closed and the signal is dropped from Store.signals.
type signal struct {
	ch    chan struct{}
	refs  int       // Begin and Wait calls using it now
	until time.Time // a Begin that found the key held keeps it until then
}

// Option configures a Store.
type Option func(*options)

type options struct {
	prefix string
	log    *slog.Logger
	poll   time.Duration
}

// WithPrefix sets the namespace of the Store's keys and channels (default
// "authkit:"). Applications sharing one Redis need different prefixes;
// the instances of one application need the same.
func WithPrefix(prefix string) Option { return func(o *options) { o.prefix = prefix } }

// WithLogger sets the logger of the background subscription (default
// slog.Default()). It logs one warning per outage and never a key, a
// session ID or an outcome.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithPollInterval sets how often Wait looks for an outcome (or the end of
// a hold) in case a message is missed (default 200 ms).
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// New returns a Store on client and opens its subscription in the
// background; Redis need not be up yet. Close does not close client.
//
// Every call is bounded by its context only if the client honours context
// deadlines: set ContextTimeoutEnabled, or short ReadTimeout and
// WriteTimeout, on the client's options (NewFromURL does both).
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("authkitredis: nil client")
	}
	o := options{prefix: DefaultPrefix, poll: defaultPoll}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.poll <= 0 {
		return nil, errors.New("authkitredis: the poll interval must be positive")
	}
	s := &Store{
		client:        client,
		log:           o.log,
		poll:          o.poll,
		refreshPrefix: o.prefix + "r:",
		revokedKey:    o.prefix + "revoked",
		doneChannel:   o.prefix + "done",
		revokeChannel: o.prefix + "revoke",
		loop:          make(chan struct{}),
		signals:       map[string]*signal{},
		revoked:       map[string]time.Time{},
		lastPrune:     time.Now(),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	// No channel yet, so nothing is dialled here: the loop subscribes, and
	// its Receive connects, reconnects, and gets the confirmations.
	s.pubsub = client.Subscribe(ctx)
	go s.subscription(ctx)
	return s, nil
}

// NewFromURL returns a Store on a new client for rawURL
// (redis://[user:password@]host:port/db, or rediss:// for TLS; the query
// parameters of redis.ParseURL apply). Unless the URL sets them, dial,
// read and write timeouts are 50 ms, context deadlines are honoured, and
// commands are not retried (a retried SET NX GET could find its own hold,
// and the caller's fallback is the retry). Close closes the client.
func NewFromURL(rawURL string, opts ...Option) (*Store, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		// The URL may hold a password: do not repeat it.
		return nil, errors.New("authkitredis: invalid Redis URL")
	}
	q := url.Values{}
	if u, err := url.Parse(rawURL); err == nil {
		q = u.Query()
	}
	if !q.Has("dial_timeout") {
		ro.DialTimeout = defaultDialTimeout
		ro.DialerRetries = 1
	}
	if !q.Has("read_timeout") {
		ro.ReadTimeout = defaultReadTimeout
	}
	if !q.Has("write_timeout") {
		ro.WriteTimeout = defaultWriteTimeout
	}
	if !q.Has("max_retries") {
		ro.MaxRetries = -1
	}
	ro.ContextTimeoutEnabled = true
	client := redis.NewClient(ro)
	s, err := New(client, opts...)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	s.ownClient = true
	return s, nil
}

// Close stops the background subscription, and closes the client if
// NewFromURL created it. Waits in progress end with an error or at their
// next poll.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		s.stop()
		err = s.pubsub.Close()
		<-s.loop
		s.mu.Lock()
		for key, sig := range s.signals {
			close(sig.ch)
			delete(s.signals, key)
		}
		s.mu.Unlock()
		if s.ownClient {
			if cerr := s.client.Close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

// Begin implements authkit.Store with one SET NX GET PX.
func (s *Store) Begin(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	// Register for the done message before asking, so that one published
	// between this Begin and the caller's Wait is not missed.
	sig, _ := s.attach(key)
	v, err := s.client.Do(ctx, "SET", s.refreshPrefix+key, pending, "NX", "GET", "PX", millis(ttl)).Text()
	held := err == nil && v == pending
	s.detach(key, sig, held, ttl)
	switch {
	case errors.Is(err, redis.Nil):
		return nil, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("authkitredis: begin: %w", err)
	case held:
		return nil, false, nil
	}
	out, err := decodeOutcome(v)
	if err != nil {
		return nil, false, err
	}
	return out, false, nil
}

// Finish implements authkit.Store with SET PX and PUBLISH in one pipeline.
func (s *Store) Finish(ctx context.Context, key string, outcome []byte, ttl time.Duration) error {
	value := make([]byte, 0, 1+len(outcome))
	value = append(value, outcomeTag)
	value = append(value, outcome...)
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.refreshPrefix+key, value, time.Duration(millis(ttl))*time.Millisecond)
		p.Publish(ctx, s.doneChannel, key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("authkitredis: finish: %w", err)
	}
	return nil
}

// Wait implements authkit.Store: it sleeps until the done message of key
// (or a poll) and then GETs the key once.
func (s *Store) Wait(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	t := time.NewTimer(s.poll)
	defer t.Stop()
	for first := true; ; first = false {
		sig, registered := s.attach(key)
		// Without a registration left by this Store's Begin, a done
		// message may already have passed: look first. After a wake-up or
		// a poll, look again.
		if !first || !registered {
			out, state, err := s.get(ctx, key)
			if err != nil || state != stateHeld {
				s.detach(key, sig, false, 0)
				return out, state == stateOutcome, err
			}
		}
		select {
		case <-sig.ch:
		case <-t.C:
			t.Reset(s.poll)
		case <-ctx.Done():
			s.detach(key, sig, false, 0)
			return nil, false, ctx.Err()
		}
		s.detach(key, sig, false, 0)
	}
}

type state int

const (
	stateNone state = iota
	stateHeld
	stateOutcome
)

// get reads the refresh record of key.
func (s *Store) get(ctx context.Context, key string) ([]byte, state, error) {
	v, err := s.client.Get(ctx, s.refreshPrefix+key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, stateNone, nil
	case err != nil:
		return nil, stateNone, fmt.Errorf("authkitredis: wait: %w", err)
	case v == pending:
		return nil, stateHeld, nil
	}
	out, err := decodeOutcome(v)
	if err != nil {
		return nil, stateNone, err
	}
	return out, stateOutcome, nil
}

// decodeOutcome strips the outcome tag.
func decodeOutcome(v string) ([]byte, error) {
	if len(v) == 0 || v[0] != outcomeTag {
		return nil, errors.New("authkitredis: a refresh record that this package did not write")
	}
	return []byte(v[1:]), nil
}

// Revoke implements authkit.Store: ZADD GT on the revoked set, with a
// PUBLISH, in one pipeline. The local copy is updated first, so Revoked
// answers true in this instance even when Redis is down.
func (s *Store) Revoke(ctx context.Context, sessionID string, ttl time.Duration) error {
	now := time.Now()
	until := now.Add(ttl)
	s.mu.Lock()
	s.mergeRevoked(sessionID, until)
	s.mu.Unlock()
	untilMs := until.UnixMilli()
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddGT(ctx, s.revokedKey, redis.Z{Score: float64(untilMs), Member: sessionID})
		p.ZRemRangeByScore(ctx, s.revokedKey, "-inf", "("+strconv.FormatInt(now.UnixMilli(), 10))
		p.Publish(ctx, s.revokeChannel, strconv.FormatInt(untilMs, 10)+" "+sessionID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("authkitredis: revoke: %w", err)
	}
	return nil
}

// Revoked implements authkit.Store from memory.
func (s *Store) Revoked(sessionID string) bool {
	s.mu.Lock()
	until, ok := s.revoked[sessionID]
	s.mu.Unlock()
	return ok && !time.Now().After(until)
}

// mergeRevoked records a revocation, keeping the later end. s.mu is held.
func (s *Store) mergeRevoked(id string, until time.Time) {
	if until.After(s.revoked[id]) {
		s.revoked[id] = until
	}
	s.prune(time.Now())
}

// attach returns the signal of key, creating it, and counts the caller as
// its user until detach. registered reports whether a Begin of this Store
// that found key held left the signal (so a done message since then has
// been or will be seen on it).
func (s *Store) attach(key string) (sig *signal, registered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	sig, ok := s.signals[key]
	if !ok {
		sig = &signal{ch: make(chan struct{})}
		s.signals[key] = sig
	}
	sig.refs++
	s.prune(now)
	return sig, sig.until.After(now)
}

// detach ends a use of sig. held (from Begin) keeps the signal for ttl, for
// the caller's Wait; otherwise an unused signal is dropped.
func (s *Store) detach(key string, sig *signal, held bool, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sig.refs--
	now := time.Now()
	if held {
		if until := now.Add(ttl); until.After(sig.until) {
			sig.until = until
		}
		return
	}
	if sig.refs == 0 && !sig.until.After(now) && s.signals[key] == sig {
		delete(s.signals, key)
	}
}

// wake wakes the waiters of key. s.mu is held.
func (s *Store) wake(key string) {
	if sig, ok := s.signals[key]; ok {
		close(sig.ch)
		delete(s.signals, key)
	}
}

// prune drops expired revocations and stale signals, at most every
// pruneEvery. s.mu is held.
func (s *Store) prune(now time.Time) {
	if now.Sub(s.lastPrune) < pruneEvery {
		return
	}
	s.lastPrune = now
	maps.DeleteFunc(s.revoked, func(_ string, until time.Time) bool { return now.After(until) })
	maps.DeleteFunc(s.signals, func(_ string, sig *signal) bool { return sig.refs == 0 && !sig.until.After(now) })
}

// subscription receives the done and revoke messages until Close. After
// every (re)subscription it wakes all waiters (a message may have been
// missed) and reloads the revoked set.
func (s *Store) subscription(ctx context.Context) {
	defer close(s.loop)
	var (
		down       bool          // an outage has been logged
		backoff    time.Duration // after a failed receive
		heard      = time.Now()  // the last message
		reload     bool          // the revoked set is to be reloaded
		lastReload time.Time
	)
	// This only records the channels when Redis is down: Receive
	// subscribes when it connects.
	_ = s.pubsub.Subscribe(ctx, s.doneChannel, s.revokeChannel)
	for {
		msg, err := s.pubsub.ReceiveTimeout(ctx, time.Second)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			heard, backoff = time.Now(), 0
			reload = s.handle(msg) || reload
		case isReadTimeout(err):
			if time.Since(heard) > idlePing {
				heard = time.Now()
				_ = s.pubsub.Ping(ctx) // a dead connection fails here and is replaced
			}
		default:
			if !down {
				down = true
				s.log.Warn("authkitredis: subscription lost; Wait polls and other instances' revocations arrive after the reconnection", "err", err)
			}
			backoff = min(max(2*backoff, 50*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		if reload && time.Since(lastReload) >= time.Second/2 {
			lastReload = time.Now()
			if err := s.reload(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				if !down {
					down = true
					s.log.Warn("authkitredis: reloading the revoked sessions failed; retrying", "err", err)
				}
				continue
			}
			reload = false
			if down {
				down = false
				s.log.Info("authkitredis: subscription restored")
			}
		}
	}
}

// handle handles one message of the subscription and reports whether the
// revoked set is to be reloaded (the revoke channel was (re)subscribed).
func (s *Store) handle(msg any) bool {
	switch m := msg.(type) {
	case *redis.Subscription:
		if m.Kind != "subscribe" {
			return false
		}
		switch m.Channel {
		case s.doneChannel:
			// Messages may have been missed while unsubscribed: every
			// waiter looks again.
			s.mu.Lock()
			for key := range s.signals {
				s.wake(key)
			}
			s.mu.Unlock()
		case s.revokeChannel:
			return true
		}
	case *redis.Message:
		s.message(m)
	}
	return false
}

// message handles one done or revoke message.
func (s *Store) message(m *redis.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.Channel {
	case s.doneChannel:
		s.wake(m.Payload)
	case s.revokeChannel:
		ms, id, ok := strings.Cut(m.Payload, " ")
		if !ok {
			return
		}
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return
		}
		s.mergeRevoked(id, time.UnixMilli(n))
	}
}

// reload merges the live entries of the revoked set into the local copy.
func (s *Store) reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	zs, err := s.client.ZRangeByScoreWithScores(ctx, s.revokedKey, &redis.ZRangeBy{
		Min: strconv.FormatInt(time.Now().UnixMilli(), 10),
		Max: "+inf",
	}).Result()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, z := range zs {
		id, ok := z.Member.(string)
		if !ok {
			continue
		}
		s.mergeRevoked(id, time.UnixMilli(int64(z.Score)))
	}
	return nil
}

// isReadTimeout reports whether err is ReceiveTimeout's read timeout on a
// live connection (not a dial timeout: Redis is unreachable).
func isReadTimeout(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "read" && op.Timeout()
}

// millis returns d in whole milliseconds, at least 1 (PX 0 is an error).
func millis(d time.Duration) int64 {
	return max(d.Milliseconds(), 1)
}
