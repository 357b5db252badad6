package seal

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Regression: iron (every Node reader and writer) checks password.length >= 32,
// which counts UTF-16 code units. This package used to count UTF-8 bytes, so
// it accepted, and sealed with, passwords such as "é"×16 (32 bytes, 16 code
// units) that iron-session, iron-webcrypto and @workos-inc/node refuse with
// "Password string too short": a Go service could write a session cookie the
// Node front end fails on. Found by TestNodeInterop.
func TestPasswordLengthCountsUTF16(t *testing.T) {
	for _, tc := range []struct {
		pw    string
		units int
	}{
		{strings.Repeat("a", 32), 32},
		{strings.Repeat("é", 32), 32},       // 2 bytes, 1 unit each
		{strings.Repeat("漢", 32), 32},       // 3 bytes, 1 unit each
		{strings.Repeat("😀", 16), 32},       // 4 bytes, 2 units each
		{strings.Repeat("a", 31) + "😀", 33}, // astral at the end
		{strings.Repeat("é", 31), 31},       // 62 bytes: too short for iron
		{strings.Repeat("漢", 11), 11},       // 33 bytes: too short for iron
		{strings.Repeat("😀", 15) + "a", 31}, // 61 bytes: too short for iron
		{strings.Repeat("\xff", 32), 32},    // invalid UTF-8: 1 each, like U+FFFD
		{strings.Repeat("a", 30) + "\U0010FFFF", 32},
	} {
		require.Equal(t, tc.units, passwordLen(tc.pw), "%q", tc.pw)
		err := Single(tc.pw).Validate("X")
		_, sealErr := Seal([]byte(`{"a":1}`), Single(tc.pw))
		if tc.units >= MinPasswordLength {
			require.NoError(t, err, "%q", tc.pw)
			require.NoError(t, sealErr, "%q", tc.pw)
			continue
		}
		require.ErrorIs(t, err, ErrPasswordTooShort, "%q", tc.pw)
		require.Contains(t, err.Error(), fmt.Sprintf("(got %d)", tc.units), "%q: the message counts code units", tc.pw)
		require.ErrorIs(t, sealErr, ErrPasswordTooShort, "%q", tc.pw)
	}

	// Unseal applies the same rule to the password it looks up.
	s, err := Seal([]byte(`{"a":1}`), Single(pwA))
	require.NoError(t, err)
	_, err = Unseal(s, Single(strings.Repeat("é", 31)))
	require.ErrorIs(t, err, ErrPasswordTooShort)
	require.Contains(t, err.Error(), "(got 31)")
}
