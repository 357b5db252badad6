package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	pwA = "ironvectors-password-A-32-chars!"
	pwB = "ironvectors-password-B-is-a-longer-secret-0123456789"
	pwC = "a-third-password-that-is-long-enough-0000"
)

func TestRoundTrip(t *testing.T) {
	for _, pt := range []string{`{}`, `{"a":1}`, `"x"`, `[1,2,3]`, `{"k":"` + strings.Repeat("é", 1000) + `"}`, `{"exactly":"sixteen!"}`} {
		s, err := Seal([]byte(pt), Single(pwA))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(s, "Fe26.2*1*"))
		require.True(t, strings.HasSuffix(s, "~2"))
		parts := strings.Split(strings.TrimSuffix(s, "~2"), "*")
		require.Len(t, parts, 8)
		require.Len(t, parts[2], 64)
		require.Len(t, parts[3], 22)
		require.Empty(t, parts[5])
		require.Len(t, parts[6], 64)
		require.Len(t, parts[7], 43)
		got, err := Unseal(s, Single(pwA))
		require.NoError(t, err)
		require.Equal(t, pt, string(got))
	}
}

func TestSealIsRandomised(t *testing.T) {
	a, err := Seal([]byte(`{}`), Single(pwA))
	require.NoError(t, err)
	b, err := Seal([]byte(`{}`), Single(pwA))
	require.NoError(t, err)
	require.NotEqual(t, a, b)
}

func TestSealJSONRoundTrip(t *testing.T) {
	type user struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	type session struct {
		AccessToken string `json:"accessToken"`
		User        user   `json:"user"`
	}
	in := session{AccessToken: "tok<&>", User: user{ID: "user_1", Email: "a@example.com"}}
	s, err := SealJSON(in, Single(pwA))
	require.NoError(t, err)
	var out session
	require.NoError(t, UnsealJSON(s, Single(pwA), &out))
	require.Equal(t, in, out)

	// A payload that does not fit v is malformed.
	var n int
	err = UnsealJSON(s, Single(pwA), &n)
	require.ErrorIs(t, err, ErrMalformed)

	_, err = SealJSON(func() {}, Single(pwA))
	require.Error(t, err)
}

func TestRotation(t *testing.T) {
	all := Passwords{"1": pwA, "2": pwB, "10": pwC}
	s, err := Seal([]byte(`{"v":1}`), all)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s, "Fe26.2*10*"), s)

	// A reader that knows {2,10} opens seals made with id 2 and id 10.
	reader := Passwords{"2": pwB, "10": pwC}
	s2, err := Seal([]byte(`{"v":2}`), Passwords{"1": pwA, "2": pwB})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s2, "Fe26.2*2*"))
	got, err := Unseal(s2, reader)
	require.NoError(t, err)
	require.Equal(t, `{"v":2}`, string(got))
	got, err = Unseal(s, reader)
	require.NoError(t, err)
	require.Equal(t, `{"v":1}`, string(got))

	// Seals made by a retired id are refused by name.
	s1, err := Seal([]byte(`{}`), Single(pwA))
	require.NoError(t, err)
	_, err = Unseal(s1, reader)
	require.ErrorIs(t, err, ErrUnknownPassword)
	require.EqualError(t, err, `seal: cannot find password id "1"`)

	// Same id, different secret: bad MAC.
	_, err = Unseal(s1, Single(pwB))
	require.ErrorIs(t, err, ErrBadMAC)
	require.EqualError(t, err, "seal: bad MAC")
}

func TestCurrentID(t *testing.T) {
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{[]string{"1", "2", "10"}, "10"},
		{[]string{"9", "10"}, "10"},
		{[]string{"1"}, "1"},
		{[]string{"a", "b"}, "b"},
		{[]string{"a", "2"}, "2"},
		{[]string{"010", "9"}, "010"},
		{[]string{"99999999999999999999999", "1"}, "99999999999999999999999"},
	} {
		p := Passwords{}
		for _, id := range tc.ids {
			p[id] = pwA
		}
		for range 20 { // map order must not matter
			got, ok := p.current()
			require.True(t, ok)
			require.Equal(t, tc.want, got, tc.ids)
		}
	}
}

func TestEmptyIDMeansDefault(t *testing.T) {
	s := macSeal(t, pwA, "", "salt", validIV, encryptRaw(t, pwA, "salt", []byte(`{"d":1}`), true), "", "hsalt")
	got, err := Unseal(s, Passwords{"default": pwA})
	require.NoError(t, err)
	require.Equal(t, `{"d":1}`, string(got))
	_, err = Unseal(s, Single(pwA))
	require.ErrorIs(t, err, ErrUnknownPassword)
	require.Contains(t, err.Error(), `"default"`)
}

func TestTTL(t *testing.T) {
	now := time.UnixMilli(1_767_225_600_000)
	clock := func() time.Time { return now }
	s, err := Seal([]byte(`{}`), Single(pwA), WithTTL(time.Hour), WithClock(clock))
	require.NoError(t, err)
	exp := now.Add(time.Hour).UnixMilli()
	require.Contains(t, s, "*"+jsonInt(exp)+"*")

	at := func(ms int64) Option { return atMs(ms) }
	_, err = Unseal(s, Single(pwA), at(now.UnixMilli()))
	require.NoError(t, err)
	_, err = Unseal(s, Single(pwA), at(exp))
	require.NoError(t, err)
	_, err = Unseal(s, Single(pwA), at(exp+59_999)) // within skew
	require.NoError(t, err)
	_, err = Unseal(s, Single(pwA), at(exp+60_000))
	require.ErrorIs(t, err, ErrExpired)
	require.EqualError(t, err, "seal: expired seal")

	// ttl 0: no expiry, ever.
	s0, err := Seal([]byte(`{}`), Single(pwA), WithTTL(0))
	require.NoError(t, err)
	_, err = Unseal(s0, Single(pwA), at(1<<62))
	require.NoError(t, err)

	_, err = Seal([]byte(`{}`), Single(pwA), WithTTL(-time.Second))
	require.Error(t, err)

	// The default clock is the real one.
	s1, err := Seal([]byte(`{}`), Single(pwA), WithTTL(time.Minute))
	require.NoError(t, err)
	_, err = Unseal(s1, Single(pwA))
	require.NoError(t, err)
	_, err = Unseal(s1, Single(pwA), WithClock(nil))
	require.NoError(t, err)
}

func TestExpiryIsCheckedBeforePassword(t *testing.T) {
	s, err := Seal([]byte(`{}`), Single(pwA), WithTTL(time.Second), atMs(1000))
	require.NoError(t, err)
	_, err = Unseal(s, Passwords{"7": pwA})
	require.ErrorIs(t, err, ErrExpired)
}

func TestValidate(t *testing.T) {
	err := Single("short-password").Validate("WORKOS_COOKIE_PASSWORD")
	require.ErrorIs(t, err, ErrPasswordTooShort)
	require.EqualError(t, err, "WORKOS_COOKIE_PASSWORD must be at least 32 characters (got 14); generate one with: openssl rand -base64 32")

	err = Single("").Validate("WORKOS_COOKIE_PASSWORD")
	require.ErrorIs(t, err, ErrPasswordTooShort)
	require.Contains(t, err.Error(), "WORKOS_COOKIE_PASSWORD is empty")

	err = Passwords{"1": pwA, "2": "tiny"}.Validate("SESSION_PASSWORDS")
	require.ErrorIs(t, err, ErrPasswordTooShort)
	require.Contains(t, err.Error(), `SESSION_PASSWORDS (password id "2") must be at least 32 characters (got 4)`)

	err = Passwords{}.Validate("X")
	require.ErrorIs(t, err, ErrInvalidPassword)
	require.Contains(t, err.Error(), "X is not set")
	require.ErrorIs(t, Passwords(nil).Validate("X"), ErrInvalidPassword)

	for _, id := range []string{"", "a-b", "a*b", "a~b", "é", " 1"} {
		err = Passwords{id: pwA}.Validate("X")
		require.ErrorIs(t, err, ErrInvalidPassword, id)
		require.NotErrorIs(t, err, ErrPasswordTooShort)
	}
	require.NoError(t, Passwords{"abc_DEF_09": pwA, "2": pwB}.Validate("X"))
	require.NoError(t, Single(pwA).Validate(""))
	require.Contains(t, Single("x").Validate("").Error(), "password must be")

	// 32 characters are enough, 31 are not; characters are UTF-16 code units
	// as in iron (see TestPasswordLengthCountsUTF16 and TestNodeInterop).
	require.NoError(t, Single(strings.Repeat("a", 32)).Validate("X"))
	require.Error(t, Single(strings.Repeat("a", 31)).Validate("X"))
	require.Error(t, Single(strings.Repeat("é", 16)).Validate("X"))

	// Seal refuses invalid password sets.
	_, err = Seal([]byte(`{}`), Single("short"))
	require.ErrorIs(t, err, ErrPasswordTooShort)
	_, err = Seal([]byte(`{}`), nil)
	require.ErrorIs(t, err, ErrInvalidPassword)
}

func TestUnsealShortPassword(t *testing.T) {
	s, err := Seal([]byte(`{}`), Single(pwA))
	require.NoError(t, err)
	_, err = Unseal(s, Single("short"))
	require.ErrorIs(t, err, ErrPasswordTooShort)
	require.Contains(t, err.Error(), `id "1"`)
	_, err = Unseal(s, Single(""))
	require.ErrorIs(t, err, ErrUnknownPassword)
}

func TestErrorType(t *testing.T) {
	_, err := Unseal("nope", Single(pwA))
	var se *Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, KindMalformed, se.Kind)
	require.Equal(t, "malformed", se.Kind.String())
	require.NotErrorIs(t, err, ErrBadMAC)
	for _, k := range []Kind{KindMalformed, KindBadMAC, KindUnknownPassword, KindExpired, KindPasswordTooShort, KindInvalidPassword} {
		require.NotEqual(t, "unknown", k.String())
		require.ErrorIs(t, &Error{Kind: k, msg: "x"}, sentinel(k))
	}
	require.Equal(t, "unknown", Kind(0).String())
	require.Nil(t, sentinel(0))
}

func TestRandomError(t *testing.T) {
	_, err := Seal([]byte(`{}`), Single(pwA), WithRandom(bytes.NewReader(make([]byte, 10))))
	require.Error(t, err)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// ---- malformed seals with a valid MAC -------------------------------------

var validIV = base64.RawURLEncoding.EncodeToString(make([]byte, 16))

// encryptRaw encrypts data with AES-256-CBC under the key derived from
// (secret, salt), adding PKCS#7 padding when pad is true.
func encryptRaw(t testing.TB, secret, salt string, data []byte, pad bool) string {
	t.Helper()
	key, err := deriveKey(secret, salt)
	require.NoError(t, err)
	if pad {
		n := 16 - len(data)%16
		data = append(bytes.Clone(data), bytes.Repeat([]byte{byte(n)}, n)...)
	}
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(out, data)
	return base64.RawURLEncoding.EncodeToString(out)
}

// macSeal assembles a seal from raw fields with a correct MAC.
func macSeal(t testing.TB, secret, id, encSalt, iv, ct, exp, hmacSalt string) string {
	t.Helper()
	base := strings.Join([]string{"Fe26.2", id, encSalt, iv, ct, exp}, "*")
	key, err := deriveKey(secret, hmacSalt)
	require.NoError(t, err)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(base))
	return base + "*" + hmacSalt + "*" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)) + "~2"
}

func TestMalformedWithValidMAC(t *testing.T) {
	good := encryptRaw(t, pwA, "es", []byte(`{"a":1}`), true)
	cases := map[string]string{
		"iv padded":         macSeal(t, pwA, "1", "es", validIV+"==", good, "", "hs"),
		"iv std alphabet":   macSeal(t, pwA, "1", "es", "+/"+validIV[2:], good, "", "hs"),
		"iv short":          macSeal(t, pwA, "1", "es", validIV[:20], good, "", "hs"),
		"iv newline":        macSeal(t, pwA, "1", "es", validIV[:11]+"\n"+validIV[11:], good, "", "hs"),
		"iv bad tail bits":  macSeal(t, pwA, "1", "es", validIV[:21]+"B", good, "", "hs"),
		"ct padded":         macSeal(t, pwA, "1", "es", validIV, good+"=", "", "hs"),
		"ct std alphabet":   macSeal(t, pwA, "1", "es", validIV, strings.NewReplacer("-", "+", "_", "/").Replace(good)+"+/", "", "hs"),
		"ct whitespace":     macSeal(t, pwA, "1", "es", validIV, good[:5]+"\r\n"+good[5:], "", "hs"),
		"ct empty":          macSeal(t, pwA, "1", "es", validIV, "", "", "hs"),
		"ct not blocks":     macSeal(t, pwA, "1", "es", validIV, good[:10], "", "hs"),
		"ct impossible len": macSeal(t, pwA, "1", "es", validIV, good+"A", "", "hs"),
		"padding zero":      macSeal(t, pwA, "1", "es", validIV, encryptRaw(t, pwA, "es", append([]byte(`{"a":1}`), make([]byte, 9)...), false), "", "hs"),
		"padding too big":   macSeal(t, pwA, "1", "es", validIV, encryptRaw(t, pwA, "es", append([]byte(`{"a":1}`), bytes.Repeat([]byte{17}, 9)...), false), "", "hs"),
		"padding mixed":     macSeal(t, pwA, "1", "es", validIV, encryptRaw(t, pwA, "es", append([]byte(`{"a":1}`), 1, 2, 3, 4, 5, 6, 7, 8, 3), false), "", "hs"),
		"not json":          macSeal(t, pwA, "1", "es", validIV, encryptRaw(t, pwA, "es", []byte(`{"a":`), true), "", "hs"),
		"exp leading zero":  macSeal(t, pwA, "1", "es", validIV, good, "0999999999999999", "hs"),
		"exp zero":          macSeal(t, pwA, "1", "es", validIV, good, "0", "hs"),
		"exp negative":      macSeal(t, pwA, "1", "es", validIV, good, "-1", "hs"),
		"exp float":         macSeal(t, pwA, "1", "es", validIV, good, "1e20", "hs"),
		"exp space":         macSeal(t, pwA, "1", "es", validIV, good, " 99999999999999", "hs"),
		"wrong prefix":      strings.Replace(macSeal(t, pwA, "1", "es", validIV, good, "", "hs"), "Fe26.2", "Fe26.1", 1),
		"too many parts":    macSeal(t, pwA, "1", "es", validIV, good, "", "hs*x"),
		"too few parts":     "Fe26.2*1*es*" + validIV + "*" + good + "*hs*mac~2",
		"empty":             "",
		"just suffix":       "~2",
		"too long":          strings.Repeat("*", MaxSealedLength+1),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Unseal(s, Single(pwA))
			require.ErrorIs(t, err, ErrMalformed)
			require.NotErrorIs(t, err, ErrBadMAC)
			require.Nil(t, got)
		})
	}
	// Sanity: the same construction with good fields is accepted.
	got, err := Unseal(macSeal(t, pwA, "1", "es", validIV, good, "", "hs"), Single(pwA))
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(got))
	// Expiry that overflows int64 never expires (JavaScript parses it as a huge number).
	_, err = Unseal(macSeal(t, pwA, "1", "es", validIV, good, "99999999999999999999999999", "hs"), Single(pwA))
	require.NoError(t, err)
}

func TestMACStrictness(t *testing.T) {
	s, err := Seal([]byte(`{"a":1}`), Single(pwA))
	require.NoError(t, err)
	i := strings.LastIndexByte(s, '*')
	head, mac := s[:i+1], strings.TrimSuffix(s[i+1:], "~2")
	raw, err := base64.RawURLEncoding.DecodeString(mac)
	require.NoError(t, err)

	variants := map[string]string{
		"padded":       mac + "=",
		"std alphabet": base64.RawStdEncoding.EncodeToString(raw),
		"std padded":   base64.StdEncoding.EncodeToString(raw),
		"newline":      mac[:20] + "\n" + mac[20:],
		"crlf":         mac[:20] + "\r\n" + mac[20:],
		"truncated":    mac[:42],
		"extended":     mac + "A",
		"empty":        "",
	}
	for name, m := range variants {
		if m == mac {
			continue // the std alphabet encoding may coincide
		}
		t.Run(name, func(t *testing.T) {
			_, err := Unseal(head+m+"~2", Single(pwA))
			require.ErrorIs(t, err, ErrBadMAC)
		})
	}
	// Flipping any bit of the MAC is caught.
	raw[5] ^= 1
	_, err = Unseal(head+base64.RawURLEncoding.EncodeToString(raw)+"~2", Single(pwA))
	require.ErrorIs(t, err, ErrBadMAC)
	require.NotErrorIs(t, err, ErrMalformed)
}

func TestTamperAnyField(t *testing.T) {
	s, err := Seal([]byte(`{"a":1}`), Passwords{"1": pwA}, WithTTL(time.Hour))
	require.NoError(t, err)
	parts := strings.Split(strings.TrimSuffix(s, "~2"), "*")
	for _, idx := range []int{2, 3, 4, 5, 6} {
		p := append([]string(nil), parts...)
		c := []byte(p[idx])
		if c[1] == '1' {
			c[1] = '2'
		} else {
			c[1] = '1'
		}
		p[idx] = string(c)
		_, err := Unseal(strings.Join(p, "*")+"~2", Single(pwA))
		require.Error(t, err, idx)
		require.True(t, errors.Is(err, ErrBadMAC) || errors.Is(err, ErrExpired), "field %d: %v", idx, err)
	}
}

func TestVersionSuffix(t *testing.T) {
	s, err := Seal([]byte(`{"a":1}`), Single(pwA))
	require.NoError(t, err)
	base := strings.TrimSuffix(s, "~2")
	for _, v := range []string{base, base + "~", base + "~1", base + "~3", base + "~2~x"} {
		got, err := Unseal(v, Single(pwA))
		require.NoError(t, err, v)
		require.Equal(t, `{"a":1}`, string(got))
	}
}

func TestMaxLength(t *testing.T) {
	big := strings.Repeat("x", MaxSealedLength-200)
	s, err := Seal([]byte(`"`+big+`"`), Single(pwA))
	require.NoError(t, err)
	require.Greater(t, len(s), MaxSealedLength)
	_, err = Unseal(s, Single(pwA))
	require.ErrorIs(t, err, ErrMalformed)
	require.Contains(t, err.Error(), "too long")

	s, err = Seal([]byte(`"`+strings.Repeat("x", 1000)+`"`), Single(pwA))
	require.NoError(t, err)
	_, err = Unseal(s, Single(pwA))
	require.NoError(t, err)
}

func TestSealRejectsNonJSON(t *testing.T) {
	for _, pt := range []string{"", "{", "hello", `{"a":1}x`} {
		_, err := Seal([]byte(pt), Single(pwA))
		require.Error(t, err, pt)
	}
}
