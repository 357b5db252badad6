package workos

import (
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// appendQueryEscape must write exactly what url.QueryEscape does.
func TestAppendQueryEscape(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	cases := []string{"", "a", " ", "%", "Fe26.2**abc*def~_-.", "http://localhost:8080/callback?x=1&y=2", string(all), "é日本"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, r.IntN(600))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		require.Equal(t, url.QueryEscape(s), string(appendQueryEscape([]byte("k="), s))[2:], "%q", s)
	}
}
