package seal

import (
	"crypto/rand"
	"io"
	"time"
)

// Option configures Seal and Unseal. Build one with WithTTL, WithClock or
// WithRandom.
type Option struct {
	kind  optionKind
	ttl   time.Duration
	clock func() time.Time
	rand  io.Reader
}

type optionKind uint8

const (
	optTTL optionKind = iota + 1
	optClock
	optRandom
)

// WithTTL makes Seal write an absolute expiry ttl from now. 0 (the default,
// and what AuthKit uses for sessions) means no expiry. Unseal ignores it: the
// expiry is read from the seal itself. A negative ttl makes Seal fail.
func WithTTL(ttl time.Duration) Option { return Option{kind: optTTL, ttl: ttl} }

// WithClock sets the clock used for the expiry written by Seal and checked by
// Unseal. The default is time.Now. A nil clock restores the default.
func WithClock(now func() time.Time) Option { return Option{kind: optClock, clock: now} }

// WithRandom sets the source of the salts and IV used by Seal (read in the
// order encryption salt (32 bytes), IV (16 bytes), HMAC salt (32 bytes)). The
// default is crypto/rand.Reader; use this only for tests. A nil reader
// restores the default.
func WithRandom(r io.Reader) Option { return Option{kind: optRandom, rand: r} }

type config struct {
	ttl   time.Duration
	clock func() time.Time
	rand  io.Reader
}

func newConfig(opts []Option) config {
	c := config{clock: time.Now, rand: rand.Reader}
	for _, o := range opts {
		switch o.kind {
		case optTTL:
			c.ttl = o.ttl
		case optClock:
			if o.clock != nil {
				c.clock = o.clock
			} else {
				c.clock = time.Now
			}
		case optRandom:
			if o.rand != nil {
				c.rand = o.rand
			} else {
				c.rand = rand.Reader
			}
		}
	}
	return c
}
