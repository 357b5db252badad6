package memo

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGetPutExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := New[int](10)
	c.Put("a", 1, now.Add(time.Minute), now)
	c.Put("b", 2, time.Time{}, now)

	v, ok := c.Get("a", now)
	require.True(t, ok)
	require.Equal(t, 1, v)
	_, ok = c.Get("a", now.Add(time.Minute+time.Nanosecond))
	require.False(t, ok, "expired")
	require.Equal(t, 1, c.Len(), "and dropped")
	v, ok = c.Get("b", now.Add(24*time.Hour))
	require.True(t, ok, "no expiry")
	require.Equal(t, 2, v)
	_, ok = c.Get("c", now)
	require.False(t, ok)
}

func TestBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := New[int](16)
	for i := range 1000 {
		c.Put(fmt.Sprint(i), i, time.Time{}, now)
		require.LessOrEqual(t, c.Len(), 16)
	}
	v, ok := c.Get("999", now)
	require.True(t, ok, "the newest entry survives eviction")
	require.Equal(t, 999, v)

	// Expired entries go first.
	c = New[int](4)
	c.Put("old1", 1, now.Add(time.Second), now)
	c.Put("old2", 2, now.Add(time.Second), now)
	c.Put("keep1", 3, time.Time{}, now)
	c.Put("keep2", 4, time.Time{}, now)
	later := now.Add(time.Minute)
	c.Put("new", 5, time.Time{}, later)
	for _, k := range []string{"keep1", "keep2", "new"} {
		_, ok := c.Get(k, later)
		require.True(t, ok, k)
	}
}

func TestNilAndConcurrent(t *testing.T) {
	var c *Cache[int]
	c.Put("a", 1, time.Time{}, time.Now())
	_, ok := c.Get("a", time.Now())
	require.False(t, ok)
	require.Nil(t, New[int](0))

	c = New[int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := fmt.Sprint(g, "-", i%50)
				c.Put(k, i, time.Time{}, time.Now())
				c.Get(k, time.Now())
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, c.Len(), 64)
}
