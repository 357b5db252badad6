// Package storetest checks an authkit.Store implementation against the
// contract documented on authkit.Store.
//
// A Store implementation's tests call Run with a constructor of fresh
// instances, and, when instances share a backend (as the instances of one
// application share a Redis), RunShared with a constructor of two instances
// on one backend, as two application processes would have:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) authkit.Store { return newStore(t) })
//	}
//
// Every check uses keys and session IDs of its own (random), so a backend
// need not be emptied between checks. The checks that wait for a ttl use
// short real ttls (a few hundred milliseconds): the suite takes a few
// seconds.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
)

const (
	// long is a ttl that no check waits for.
	long = time.Minute
	// short is a ttl that a check waits for.
	short = 300 * time.Millisecond
	// settle bounds how long a Store may take to notice something another
	// instance did or a ttl that passed (the contract's "about a second").
	settle = 2 * time.Second
	// callTimeout bounds each call that is not expected to block.
	callTimeout = 2 * time.Second
	// concurrency is how many callers race for one refresh.
	concurrency = 16
)

// Run checks the contract of one Store instance. newStore returns a fresh
// instance; it registers its own cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) authkit.Store) {
	t.Helper()
	pair := func(t *testing.T) (authkit.Store, authkit.Store) {
		s := newStore(t)
		return s, s
	}
	runPair(t, pair)
	t.Run("RevokedSameInstanceAtOnce", func(t *testing.T) {
		s := newStore(t)
		id := newKey(t)
		require.False(t, s.Revoked(id))
		require.NoError(t, s.Revoke(callCtx(t), id, long))
		require.True(t, s.Revoked(id), "Revoked must see this instance's Revoke at once")
	})
	t.Run("WaitWithoutRecord", func(t *testing.T) {
		s := newStore(t)
		out, found, err := s.Wait(callCtx(t), newKey(t))
		require.NoError(t, err)
		require.False(t, found)
		require.Nil(t, out)
	})
	t.Run("WaitHonoursContext", func(t *testing.T) {
		s := newStore(t)
		key := newKey(t)
		_, acquired, err := s.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.True(t, acquired)

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, found, err := s.Wait(ctx, key)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, found)
		require.Less(t, time.Since(start), time.Second, "Wait must return when its ctx ends")

		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		_, _, err = s.Wait(ctx, key)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("FinishWithoutBegin", func(t *testing.T) {
		// A holder whose hold expired before it finished still records
		// its outcome: the refresh token was spent either way.
		s := newStore(t)
		key := newKey(t)
		require.NoError(t, s.Finish(callCtx(t), key, []byte("late"), long))
		out, acquired, err := s.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.False(t, acquired)
		require.Equal(t, []byte("late"), out)
	})
	t.Run("KeysAreDistinct", func(t *testing.T) {
		s := newStore(t)
		key := newKey(t)
		for _, k := range []string{key, key + "\x00", key + "x", key[:len(key)-1]} {
			_, acquired, err := s.Begin(callCtx(t), k, long)
			require.NoError(t, err)
			require.True(t, acquired, "%q must be its own key", k)
		}
	})
}

// RunShared checks the contract across two instances on one backend: each
// check runs with the two roles in both orders where it matters. newPair
// returns two fresh instances sharing one backend; it registers their
// cleanup with t.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b authkit.Store)) {
	t.Helper()
	runPair(t, newPair)
}

// runPair runs the checks that involve two roles; with Run both roles are
// one instance.
func runPair(t *testing.T, newPair func(t *testing.T) (a, b authkit.Store)) {
	t.Run("BeginAcquiresOnce", func(t *testing.T) {
		a, b := newPair(t)
		key := newKey(t)
		outcome := []byte("outcome of the one refresh")

		var (
			acquired atomic.Int32
			wg       sync.WaitGroup
			start    = make(chan struct{})
			results  = make(chan []byte, concurrency)
			errs     = make(chan error, concurrency)
			winner   = make(chan authkit.Store, concurrency)
			held     = make(chan struct{}, concurrency)
		)
		for i := range concurrency {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out, got, err := s.Begin(callCtx(t), key, long)
				if err != nil {
					errs <- err
					return
				}
				if out != nil {
					errs <- errors.New("begin returned an outcome before any Finish")
					return
				}
				if got {
					acquired.Add(1)
					winner <- s
					return
				}
				// Held by another: wait for its outcome.
				held <- struct{}{}
				out, found, err := s.Wait(waitCtx(t), key)
				if err != nil {
					errs <- err
					return
				}
				if !found {
					errs <- errors.New("wait returned found=false while the hold was live")
					return
				}
				results <- out
			}()
		}
		close(start)

		// Finish once every caller has called Begin, so that none of them
		// could have seen the outcome instead of the hold.
		var w authkit.Store
		timeout := time.After(settle)
		for n := 0; n < concurrency; {
			select {
			case w = <-winner:
			case <-held:
			case err := <-errs:
				require.NoError(t, err)
			case <-timeout:
				t.Fatal("Begin did not return")
			}
			n++
		}
		require.NotNil(t, w, "no Begin acquired the refresh")
		require.NoError(t, w.Finish(callCtx(t), key, outcome, long))
		wg.Wait()
		close(errs)
		close(results)
		for err := range errs {
			require.NoError(t, err)
		}
		require.EqualValues(t, 1, acquired.Load(), "exactly one Begin acquires")
		n := 0
		for out := range results {
			require.Equal(t, outcome, out)
			n++
		}
		require.Equal(t, concurrency-1, n, "every other caller gets the outcome")

		// Begin after Finish returns the outcome, in both instances.
		for _, s := range []authkit.Store{a, b} {
			out, got, err := s.Begin(callCtx(t), key, long)
			require.NoError(t, err)
			require.False(t, got)
			require.Equal(t, outcome, out)
			out, found, err := s.Wait(callCtx(t), key)
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, outcome, out)
		}
	})

	t.Run("WaitWokenByFinish", func(t *testing.T) {
		a, b := newPair(t)
		key := newKey(t)
		_, acquired, err := a.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.True(t, acquired)
		out, acquired, err := b.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.False(t, acquired)
		require.Nil(t, out)

		type result struct {
			out   []byte
			found bool
			err   error
			at    time.Time
		}
		done := make(chan result, 1)
		go func() {
			out, found, err := b.Wait(waitCtx(t), key)
			done <- result{out, found, err, time.Now()}
		}()
		finished := time.Now()
		require.NoError(t, a.Finish(callCtx(t), key, []byte("done"), long))
		r := <-done
		require.NoError(t, r.err)
		require.True(t, r.found)
		require.Equal(t, []byte("done"), r.out)
		require.Less(t, r.at.Sub(finished), settle, "Wait must return soon after Finish")
	})

	t.Run("OutcomeExpires", func(t *testing.T) {
		a, b := newPair(t)
		key := newKey(t)
		_, acquired, err := a.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.True(t, acquired)
		require.NoError(t, a.Finish(callCtx(t), key, []byte("brief"), short))
		out, acquired, err := b.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.False(t, acquired)
		require.Equal(t, []byte("brief"), out)

		// Once the outcome's ttl passed, Begin acquires again.
		require.Eventually(t, func() bool {
			out, acquired, err := b.Begin(callCtx(t), key, long)
			require.NoError(t, err)
			if out != nil {
				require.Equal(t, []byte("brief"), out)
			}
			return acquired
		}, short+settle, 20*time.Millisecond)
	})

	t.Run("HoldExpires", func(t *testing.T) {
		a, b := newPair(t)
		key := newKey(t)
		_, acquired, err := a.Begin(callCtx(t), key, short)
		require.NoError(t, err)
		require.True(t, acquired)
		_, acquired, err = b.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.False(t, acquired)

		// The holder never finishes: its hold expires, and Wait says so.
		start := time.Now()
		out, found, err := b.Wait(waitCtx(t), key)
		require.NoError(t, err)
		require.False(t, found)
		require.Nil(t, out)
		require.Less(t, time.Since(start), short+settle, "Wait must return soon after the hold expired")

		out, acquired, err = b.Begin(callCtx(t), key, long)
		require.NoError(t, err)
		require.True(t, acquired, "Begin acquires a refresh whose hold expired")
		require.Nil(t, out)
	})

	t.Run("BinarySafe", func(t *testing.T) {
		a, b := newPair(t)
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		cases := []struct {
			name    string
			key     string
			outcome []byte
		}{
			{"every byte", newKey(t) + string(all), all},
			{"control and glob characters", newKey(t) + "\x00\r\n *?[]{}:", []byte("\x00\r\n*?[]")},
			{"empty outcome", newKey(t), []byte{}},
			{"one NUL", newKey(t), []byte{0}},
			{"one byte", newKey(t), []byte{'p'}},
			{"large", newKey(t), bytes.Repeat(all, 64)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, acquired, err := a.Begin(callCtx(t), c.key, long)
				require.NoError(t, err)
				require.True(t, acquired)
				require.NoError(t, a.Finish(callCtx(t), c.key, c.outcome, long))
				out, acquired, err := b.Begin(callCtx(t), c.key, long)
				require.NoError(t, err)
				require.False(t, acquired)
				require.NotNil(t, out, "an empty outcome is still an outcome")
				require.Equal(t, c.outcome, out)
				out, found, err := b.Wait(callCtx(t), c.key)
				require.NoError(t, err)
				require.True(t, found)
				require.Equal(t, c.outcome, out)
			})
		}
		t.Run("outcome is copied", func(t *testing.T) {
			key := newKey(t)
			outcome := []byte("original")
			require.NoError(t, a.Finish(callCtx(t), key, outcome, long))
			copy(outcome, "mutated!")
			out, _, err := b.Begin(callCtx(t), key, long)
			require.NoError(t, err)
			require.Equal(t, []byte("original"), out)
		})
	})

	t.Run("Revoke", func(t *testing.T) {
		a, b := newPair(t)
		id := newKey(t)
		other := newKey(t)
		require.False(t, a.Revoked(id))
		require.False(t, b.Revoked(id))
		require.NoError(t, a.Revoke(callCtx(t), id, long))
		require.True(t, a.Revoked(id))
		require.Eventually(t, func() bool { return b.Revoked(id) }, settle, 10*time.Millisecond,
			"a Revoke is seen by every instance within about a second")
		require.False(t, a.Revoked(other))
		require.False(t, b.Revoked(other))

		// Binary session IDs.
		bin := id + "\x00\xff \n:"
		require.NoError(t, b.Revoke(callCtx(t), bin, long))
		require.Eventually(t, func() bool { return a.Revoked(bin) }, settle, 10*time.Millisecond)
		require.False(t, a.Revoked(id+"\x00"))
	})

	t.Run("RevokeExpires", func(t *testing.T) {
		a, b := newPair(t)
		id := newKey(t)
		require.NoError(t, a.Revoke(callCtx(t), id, short))
		require.True(t, a.Revoked(id))
		require.Eventually(t, func() bool { return !a.Revoked(id) && !b.Revoked(id) }, short+settle, 10*time.Millisecond,
			"a revocation ends with its ttl")
	})

	t.Run("RevokeKeepsLongerTTL", func(t *testing.T) {
		a, b := newPair(t)
		id := newKey(t)
		require.NoError(t, a.Revoke(callCtx(t), id, long))
		require.Eventually(t, func() bool { return b.Revoked(id) }, settle, 10*time.Millisecond)
		require.NoError(t, b.Revoke(callCtx(t), id, time.Millisecond))
		// A shorter later Revoke never shortens a revocation.
		require.Never(t, func() bool { return !a.Revoked(id) || !b.Revoked(id) }, short, 10*time.Millisecond)
	})
}

// newKey returns a key of its own for one check, like the Client's hex
// SHA-256 digests.
func newKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// callCtx bounds a call that must not block.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitCtx bounds a Wait that must end on its own well before it.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*settle)
	t.Cleanup(cancel)
	return ctx
}
