package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	pwA = "ironvectors-password-A-32-chars!"
	pwB = "ironvectors-password-B-is-a-longer-secret-0123456789"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

type vector struct {
	Name        string          `json:"name"`
	Password    json.RawMessage `json:"password"`
	Payload     json.RawMessage `json:"payload"`
	Sealed      string          `json:"sealed"`
	SealedAtMs  int64           `json:"sealedAtMs"`
	ExpiresAtMs *int64          `json:"expiresAtMs"`
}

func loadVectors(t *testing.T) []vector {
	b, err := os.ReadFile("../../seal/testdata/vectors.json")
	require.NoError(t, err)
	var vs []vector
	require.NoError(t, json.Unmarshal(b, &vs))
	return vs
}

func passwordArgs(t *testing.T, raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{"--password", s}
	}
	var m map[string]string
	require.NoError(t, json.Unmarshal(raw, &m))
	var args []string
	for id, pw := range m {
		args = append(args, "--password", id+"="+pw)
	}
	return args
}

func TestUsage(t *testing.T) {
	r := runCLI(t, "")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "usage: authkit <command>")
	require.Contains(t, r.stderr, "seal")
	require.Contains(t, r.stderr, "unseal")

	r = runCLI(t, "", "frobnicate")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unknown command "frobnicate"`)
	require.Contains(t, r.stderr, "unseal")

	r = runCLI(t, "", "help")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, "unseal")

	r = runCLI(t, "", "help", "unseal")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stderr, "--at")

	r = runCLI(t, "", "help", "nope")
	require.Equal(t, 2, r.code)

	r = runCLI(t, "", "unseal", "--bogus")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "usage: authkit unseal")

	r = runCLI(t, "", "seal", "--password", pwA, "extra-arg")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "unexpected argument")

	r = runCLI(t, "", "unseal", "-h")
	require.Equal(t, 0, r.code)

	r = runCLI(t, "{}", "seal", "--password", pwA, "--ttl", "soon")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "invalid --ttl")

	r = runCLI(t, "x", "unseal", "--password", pwA, "--at", "yesterday")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "invalid --at")
}

func TestPasswordRequired(t *testing.T) {
	t.Setenv(passwordEnv, "")
	r := runCLI(t, "{}", "seal")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, passwordEnv)

	r = runCLI(t, "{}", "seal", "--password", "short")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "--password must be at least 32 characters (got 5)")

	t.Setenv(passwordEnv, "short-env")
	r = runCLI(t, "{}", "seal")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, passwordEnv+" must be at least 32 characters (got 9)")

	r = runCLI(t, "{}", "seal", "--password", "1="+pwA, "--password", "1="+pwB)
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "given twice")
}

func TestSealUnsealRoundTrip(t *testing.T) {
	payload := "{\n  \"accessToken\": \"a<b>&c\",\n  \"user\": {\"id\": \"user_1\", \"name\": \"Zoë 🚀\"}\n}\n"
	r := runCLI(t, payload, "seal", "--password", pwA)
	require.Equal(t, 0, r.code, r.stderr)
	sealed := strings.TrimSpace(r.stdout)
	require.True(t, strings.HasPrefix(sealed, "Fe26.2*1*"))
	require.True(t, strings.HasSuffix(sealed, "~2"))

	r = runCLI(t, "\n  "+sealed+"\r\n", "unseal", "--password", pwA)
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, payload, r.stdout)
	require.Contains(t, r.stdout, "\n  \"accessToken\": \"a<b>&c\"") // indented, escapes untouched
	require.True(t, strings.HasSuffix(r.stdout, "}\n"))

	// Environment password.
	t.Setenv(passwordEnv, pwA)
	r = runCLI(t, sealed, "unseal")
	require.Equal(t, 0, r.code, r.stderr)
	require.JSONEq(t, payload, r.stdout)
}

func TestSealRotationAndID(t *testing.T) {
	r := runCLI(t, `{"a":1}`, "seal", "--password", "1="+pwA, "--password", "10="+pwB, "--password", "2="+pwA)
	require.Equal(t, 0, r.code, r.stderr)
	require.True(t, strings.HasPrefix(r.stdout, "Fe26.2*10*"), r.stdout)

	r2 := runCLI(t, r.stdout, "unseal", "--password", "10="+pwB)
	require.Equal(t, 0, r2.code, r2.stderr)
	require.JSONEq(t, `{"a":1}`, r2.stdout)

	// A bare password ending in '=' (openssl rand -base64 32) is not ID=P.
	b64pw := "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ+/8="
	r = runCLI(t, `{}`, "seal", "--password", b64pw)
	require.Equal(t, 0, r.code, r.stderr)
	require.True(t, strings.HasPrefix(r.stdout, "Fe26.2*1*"))
	r2 = runCLI(t, r.stdout, "unseal", "--password", "1="+b64pw)
	require.Equal(t, 0, r2.code, r2.stderr)
}

func TestSealRejectsBadJSON(t *testing.T) {
	for _, in := range []string{"", "{", "not json", `{"a":1} {"b":2}`} {
		r := runCLI(t, in, "seal", "--password", pwA)
		require.Equal(t, 1, r.code, in)
		require.Contains(t, r.stderr, "not valid JSON")
		require.Empty(t, r.stdout)
	}
}

func TestSealTTLAndAt(t *testing.T) {
	r := runCLI(t, `{"a":1}`, "seal", "--password", pwA, "--ttl", "1h")
	require.Equal(t, 0, r.code, r.stderr)
	sealed := r.stdout
	exp := strings.Split(sealed, "*")[5]
	require.NotEmpty(t, exp)

	r2 := runCLI(t, sealed, "unseal", "--password", pwA)
	require.Equal(t, 0, r2.code, r2.stderr)

	r2 = runCLI(t, sealed, "unseal", "--password", pwA, "--at", "2999-01-01T00:00:00Z")
	require.Equal(t, 1, r2.code)
	require.Contains(t, r2.stderr, "expired seal")

	r2 = runCLI(t, sealed, "unseal", "--password", pwA, "--at", exp) // Unix ms, at expiry
	require.Equal(t, 0, r2.code, r2.stderr)

	r = runCLI(t, `{}`, "seal", "--password", pwA, "--ttl", "3600")
	require.Equal(t, 0, r.code, r.stderr)
	require.NotEmpty(t, strings.Split(r.stdout, "*")[5])

	r = runCLI(t, `{}`, "seal", "--password", pwA)
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, strings.Split(r.stdout, "*")[5])
}

func TestUnsealVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			args := append([]string{"unseal"}, passwordArgs(t, v.Password)...)
			if v.ExpiresAtMs != nil {
				args = append(args, "--at", jsonNum(v.SealedAtMs))
			}
			r := runCLI(t, v.Sealed, args...)
			require.Equal(t, 0, r.code, r.stderr)
			require.JSONEq(t, string(v.Payload), r.stdout)

			if v.ExpiresAtMs != nil {
				r = runCLI(t, v.Sealed, append(args[:len(args)-2], "--at", "2100-01-01T00:00:00Z")...)
				require.Equal(t, 1, r.code)
				require.Contains(t, r.stderr, "expired")
			}
		})
	}
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestUnseal_CookieForms(t *testing.T) {
	v := loadVectors(t)[0]
	for _, in := range []string{
		"wos-session=" + v.Sealed,
		"wos-session=" + v.Sealed + "; Path=/; HttpOnly; Secure; SameSite=Lax",
		"Cookie: theme=dark; wos-session=" + v.Sealed + "; other=1",
		`"` + v.Sealed + `"`,
		strings.ReplaceAll(strings.ReplaceAll(v.Sealed, "*", "%2A"), "~", "%7E"),
	} {
		r := runCLI(t, in, append([]string{"unseal"}, passwordArgs(t, v.Password)...)...)
		require.Equal(t, 0, r.code, "%s: %s", in[:40], r.stderr)
		require.JSONEq(t, string(v.Payload), r.stdout)
	}
}

func TestUnsealFailures(t *testing.T) {
	v := loadVectors(t)[0]
	r := runCLI(t, v.Sealed, "unseal", "--password", pwB)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "authkit unseal: wrong password or tampered/foreign cookie")
	require.NotContains(t, r.stderr, "bad MAC")
	require.Empty(t, r.stdout)

	// A cookie sealed by someone else with another password reads the same.
	t.Setenv(passwordEnv, pwA)
	foreign := runCLI(t, "{}", "seal", "--password", pwB)
	require.Equal(t, 0, foreign.code, foreign.stderr)
	r = runCLI(t, foreign.stdout, "unseal")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "wrong password or tampered/foreign cookie")
	require.Contains(t, r.stderr, passwordEnv)

	r = runCLI(t, v.Sealed, "unseal", "--password", "7="+pwA)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `cannot find password id "1"`)

	r = runCLI(t, "Fe26.2*garbage", "unseal", "--password", pwA)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "incorrect number of sealed components")

	r = runCLI(t, "   \n", "unseal", "--password", pwA)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no sealed value")

	r = runCLI(t, strings.Repeat("x", maxInput+1), "unseal", "--password", pwA)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "larger than")
}
