package seal

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deriveKey is PBKDF2-HMAC-SHA1, 1 iteration, 32 bytes: the same bytes as
// crypto/pbkdf2 for any salt (Seal's 64 hex characters, iron's other
// lengths, empty, long) and secret, pooled or not.
func TestDeriveKeyIsPBKDF2(t *testing.T) {
	salts := []string{"", "s", strings.Repeat("ab", 32), strings.Repeat("x", 65), strings.Repeat("é", 100)}
	secrets := []string{pwA, pwB, pwC}
	for i := range maxPRFSecrets + 4 { // past the pooled secrets too
		secrets = append(secrets, fmt.Sprintf("secret-%02d-%s", i, strings.Repeat("z", 32)))
	}
	for _, secret := range secrets {
		for _, salt := range salts {
			want, err := pbkdf2.Key(sha1.New, secret, []byte(salt), 1, keyBytes)
			require.NoError(t, err)
			for range 3 { // a pooled HMAC is reset between uses
				got, err := deriveKey(secret, salt)
				require.NoError(t, err)
				require.Equal(t, want, got, "secret %q salt %q", secret, salt)
			}
		}
	}
}
