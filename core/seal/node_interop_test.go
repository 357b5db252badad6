package seal

// TestNodeInterop checks the wire-compatibility claim live, on fresh random
// inputs, against the real npm packages pinned in internal/nodeinterop
// (iron-session 8.0.4 and 9.0.1, iron-webcrypto 2.0.0, @workos-inc/node
// 11.0.0; see package-lock.json).
//
// It needs node (>= 20) and npm on PATH; see core/internal/nodetest for the
// install, and when the test is skipped or (CI=true) fails. One node process
// (interop.mjs) serves the whole test over stdin/stdout. Set
// AUTHKIT_INTEROP_SEED to replay a run (the seed is logged).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/authkit-go/authkit/core/internal/nodetest"
)

const (
	nodeInteropDir = "internal/nodeinterop"
	nodeInteropN   = 50 // random payloads per direction per library

	libIS8    = "iron-session@8"
	libIS9    = "iron-session@9"
	libIron2  = "iron-webcrypto@2"
	libWorkOS = "workos-node@11"
)

type nodeCmd struct {
	Op         string          `json:"op"`
	Lib        string          `json:"lib"`
	Password   any             `json:"password"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Sealed     string          `json:"sealed,omitempty"`
	TTLSeconds int64           `json:"ttlSeconds,omitempty"`
	NowMs      int64           `json:"nowMs,omitempty"`
}

type nodeResult struct {
	OK      bool            `json:"ok"`
	Sealed  string          `json:"sealed"`
	Payload json.RawMessage `json:"payload"`
	Error   string          `json:"error"`
}

// nodeProc is the interop.mjs process; t is the (sub)test its calls fail.
type nodeProc struct {
	t *testing.T
	p *nodetest.Proc
}

func (n *nodeProc) do(c nodeCmd) nodeResult {
	n.t.Helper()
	var r nodeResult
	n.p.Do(n.t, c, &r)
	return r
}

func startNodeInterop(t *testing.T) *nodeProc {
	t.Helper()
	return &nodeProc{t: t, p: nodetest.StartInterop(t, nodeInteropDir)}
}

func TestNodeInterop(t *testing.T) {
	start := time.Now()
	n := startNodeInterop(t)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AUTHKIT_INTEROP_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("AUTHKIT_INTEROP_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with AUTHKIT_INTEROP_SEED=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	for _, lib := range []string{libIS8, libIS9, libIron2, libWorkOS} {
		t.Run(lib, func(t *testing.T) {
			n.t = t
			defer func() { n.t = nil }()
			for i := range nodeInteropN {
				interopRound(t, n, r, lib, i)
				if t.Failed() {
					return
				}
			}
		})
	}
	t.Run("password-length", func(t *testing.T) {
		n.t = t
		checkPasswordLengthAgainstNode(t, n, r)
	})
	t.Logf("%d node calls in %v", n.p.Calls(), time.Since(start).Round(time.Millisecond))
}

// interopRound runs one random payload through lib in both directions, with
// tampering, a wrong password and, every fourth round, an expiry.
func interopRound(t *testing.T, n *nodeProc, r *rand.Rand, lib string, i int) {
	t.Helper()
	payload := randomSession(r)
	pt, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(pt, &want); err != nil {
		t.Fatal(err)
	}
	// Go's encoding/json escapes <>& and U+2028/9 and sorts keys; send Node
	// JSON.stringify-like bytes too, so both spellings are exercised.
	nodePayload := marshalNoEscape(t, payload)

	var goPw Passwords
	var nodePw any
	wantID := "1"
	if lib != libWorkOS && i%3 == 1 {
		goPw = Passwords{"1": randomPassword(r), "2": randomPassword(r), "10": randomPassword(r)}
		nodePw = map[string]string(goPw)
		wantID = "10"
	} else {
		pw := randomPassword(r)
		goPw, nodePw = Single(pw), pw
	}
	wrongPw := randomPassword(r)
	ctx := fmt.Sprintf("round %d, password %q, payload %s", i, goPw, pt)

	// Go seals, Node unseals.
	s, err := Seal(pt, goPw)
	if err != nil {
		t.Fatalf("%s: Go seal: %v", ctx, err)
	}
	res := n.do(nodeCmd{Op: "unseal", Lib: lib, Password: nodePw, Sealed: s})
	if !res.OK {
		t.Fatalf("%s: %s rejected a Go seal: %s\nseal: %s", ctx, lib, res.Error, s)
	}
	requireSameJSON(t, ctx+": Go→"+lib, want, res.Payload)
	tampered := tamper(r, s)
	if res := n.do(nodeCmd{Op: "unseal", Lib: lib, Password: nodePw, Sealed: tampered}); res.OK {
		t.Fatalf("%s: %s accepted a tampered Go seal\nseal:     %s\ntampered: %s", ctx, lib, s, tampered)
	}
	if res := n.do(nodeCmd{Op: "unseal", Lib: lib, Password: wrongPw, Sealed: s}); res.OK {
		t.Fatalf("%s: %s accepted a Go seal with the wrong password", ctx, lib)
	}

	// Node seals, Go unseals.
	res = n.do(nodeCmd{Op: "seal", Lib: lib, Password: nodePw, Payload: nodePayload})
	if !res.OK {
		t.Fatalf("%s: %s seal: %s", ctx, lib, res.Error)
	}
	ns := res.Sealed
	if f := strings.Split(strings.TrimSuffix(ns, "~2"), "*"); len(f) != 8 || f[0] != macPrefix || f[1] != wantID || f[5] != "" || !strings.HasSuffix(ns, "~2") {
		t.Fatalf("%s: %s seal has an unexpected layout (want id %q, no expiry, ~2): %s", ctx, lib, wantID, ns)
	}
	got, err := Unseal(ns, goPw)
	if err != nil {
		t.Fatalf("%s: Go rejected a %s seal: %v\nseal: %s", ctx, lib, err, ns)
	}
	requireSameJSON(t, ctx+": "+lib+"→Go", want, got)
	tampered = tamper(r, ns)
	if _, err := Unseal(tampered, goPw); err == nil {
		t.Fatalf("%s: Go accepted a tampered %s seal\nseal:     %s\ntampered: %s", ctx, lib, ns, tampered)
	} else if !errors.Is(err, ErrBadMAC) && !errors.Is(err, ErrUnknownPassword) {
		t.Fatalf("%s: tampered %s seal: want ErrBadMAC or ErrUnknownPassword, got %v", ctx, lib, err)
	}
	if _, err := Unseal(ns, Single(wrongPw)); !errors.Is(err, ErrBadMAC) && !errors.Is(err, ErrUnknownPassword) {
		t.Fatalf("%s: %s seal with the wrong password: want ErrBadMAC/ErrUnknownPassword, got %v", ctx, lib, err)
	}

	if i%4 != 0 {
		return
	}
	// Expiry, both directions, at the exact boundary: iron rejects when
	// exp <= now - 60 s.
	ttl := 1 + r.Int64N(30*86400)
	at := time.Now().UnixMilli() + r.Int64N(2*86400_000) - 86400_000
	exp := at + ttl*1000
	clock := func(ms int64) Option { return WithClock(func() time.Time { return time.UnixMilli(ms) }) }

	if lib != libWorkOS { // @workos-inc/node always seals with ttl 0
		res = n.do(nodeCmd{Op: "seal", Lib: lib, Password: nodePw, Payload: nodePayload, TTLSeconds: ttl, NowMs: at})
		if !res.OK {
			t.Fatalf("%s: %s seal with ttl %d: %s", ctx, lib, ttl, res.Error)
		}
		if f := strings.Split(strings.TrimSuffix(res.Sealed, "~2"), "*"); len(f) != 8 || f[5] != strconv.FormatInt(exp, 10) {
			t.Fatalf("%s: %s seal with ttl %ds at %d: want expiry %d in %s", ctx, lib, ttl, at, exp, res.Sealed)
		}
		got, err := Unseal(res.Sealed, goPw, clock(exp+skewMs-1))
		if err != nil {
			t.Fatalf("%s: Go rejected an unexpired %s seal (ttl %ds): %v", ctx, lib, ttl, err)
		}
		requireSameJSON(t, ctx+": "+lib+"→Go with ttl", want, got)
		if _, err := Unseal(res.Sealed, goPw, clock(exp+skewMs)); !errors.Is(err, ErrExpired) {
			t.Fatalf("%s: %s seal past its expiry: want ErrExpired, got %v", ctx, lib, err)
		}
	}

	s, err = Seal(pt, goPw, WithTTL(time.Duration(ttl)*time.Second), clock(at))
	if err != nil {
		t.Fatal(err)
	}
	res = n.do(nodeCmd{Op: "unseal", Lib: lib, Password: nodePw, Sealed: s, TTLSeconds: ttl, NowMs: exp + skewMs - 1})
	if !res.OK {
		t.Fatalf("%s: %s rejected an unexpired Go seal (ttl %ds): %s", ctx, lib, ttl, res.Error)
	}
	requireSameJSON(t, ctx+": Go→"+lib+" with ttl", want, res.Payload)
	res = n.do(nodeCmd{Op: "unseal", Lib: lib, Password: nodePw, Sealed: s, TTLSeconds: ttl, NowMs: exp + skewMs})
	if res.OK {
		t.Fatalf("%s: %s accepted a Go seal past its expiry", ctx, lib)
	}
	if (lib == libIS9 || lib == libIron2) && !strings.Contains(strings.ToLower(res.Error), "expired") {
		t.Fatalf("%s: %s: want an expiry error for an expired Go seal, got %q", ctx, lib, res.Error)
	}
}

// checkPasswordLengthAgainstNode: Go and iron agree on which passwords are
// long enough (iron counts UTF-16 code units).
func checkPasswordLengthAgainstNode(t *testing.T, n *nodeProc, r *rand.Rand) {
	pws := []string{
		strings.Repeat("é", 31), strings.Repeat("é", 32), strings.Repeat("漢", 11),
		strings.Repeat("😀", 15) + "a", strings.Repeat("😀", 16), strings.Repeat("a", 31),
	}
	for range 10 {
		pws = append(pws, randomPasswordUnits(r, 28+r.IntN(6)))
	}
	payload := marshalNoEscape(t, randomSession(r))
	for _, pw := range pws {
		goErr := Single(pw).Validate("X")
		for _, lib := range []string{libIS8, libIS9, libIron2, libWorkOS} {
			res := n.do(nodeCmd{Op: "seal", Lib: lib, Password: pw, Payload: payload})
			if res.OK != (goErr == nil) {
				t.Errorf("password %q (%d bytes, %d UTF-16 units): %s seal ok=%v (%s), Go Validate: %v",
					pw, len(pw), passwordLen(pw), lib, res.OK, res.Error, goErr)
			}
		}
	}
}

func requireSameJSON(t *testing.T, ctx string, want any, got []byte) {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: result is not JSON: %v: %q", ctx, err, got)
	}
	if !reflect.DeepEqual(want, g) {
		w, _ := json.Marshal(want)
		t.Fatalf("%s: payload differs\nwant %s\ngot  %s", ctx, w, got)
	}
}

func marshalNoEscape(t *testing.T, v any) json.RawMessage {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// tamper changes one character of the seal between the prefix and the last
// MAC character (whose low bits are base64 padding some decoders ignore).
func tamper(r *rand.Rand, s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	body := strings.TrimSuffix(s, "~2")
	for {
		pos := len(macPrefix) + 1 + r.IntN(len(body)-len(macPrefix)-2)
		if body[pos] == '*' {
			continue
		}
		c := alphabet[r.IntN(len(alphabet))]
		if c == body[pos] {
			continue
		}
		return body[:pos] + string(c) + body[pos+1:] + s[len(body):]
	}
}

var (
	runePools = [][]rune{
		[]rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "),
		[]rune(`<>&"'\/{}[]:,*~=+%$#@!?;` + "`"),
		[]rune("\n\t\r\x00\x01\x1f\x7f\u2028\u2029\ufeff\u00a0\u200d"),
		[]rune("éèüßñçøåÆŒÀÉİıſ"),
		[]rune("漢字日本語한국어中文ไทยעבריתالعربية"),
		[]rune("😀🎉👩💻🇫🇷🔥🙈𝒜𝔘𐍈🀄"),
	}
	// Password characters: printable, including multi-byte and astral ones.
	passwordPools = [][]rune{runePools[0], []rune(`<>&"'\/{}[]:,*~=+%$#@!?;`), runePools[3], runePools[4], runePools[5]}
)

func randomString(r *rand.Rand, maxRunes int) string {
	n := r.IntN(maxRunes + 1)
	var b strings.Builder
	for range n {
		pool := runePools[r.IntN(len(runePools))]
		if r.IntN(3) > 0 {
			pool = runePools[0]
		}
		b.WriteRune(pool[r.IntN(len(pool))])
	}
	s := b.String()
	if r.IntN(10) == 0 {
		s += "👩‍💻🇫🇷<script>&amp;</script>"
	}
	return s
}

// randomPasswordUnits returns a random password of at least units UTF-16 code
// units (iron's measure) mixing ASCII, Latin, CJK and astral characters.
func randomPasswordUnits(r *rand.Rand, units int) string {
	var b strings.Builder
	for n := 0; n < units; {
		pool := passwordPools[r.IntN(len(passwordPools))]
		c := pool[r.IntN(len(pool))]
		b.WriteRune(c)
		n += utf16.RuneLen(c)
	}
	return b.String()
}

func randomPassword(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return base64.StdEncoding.EncodeToString(randomBytes(r, 32)) // openssl rand -base64 32
	}
	return randomPasswordUnits(r, MinPasswordLength+r.IntN(40))
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomID(r *rand.Rand, prefix string) string {
	const chars = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := []byte(prefix + "_")
	for range 26 {
		b = append(b, chars[r.IntN(len(chars))])
	}
	return string(b)
}

func randomTime(r *rand.Rand) string {
	return time.UnixMilli(1_600_000_000_000 + r.Int64N(300_000_000_000)).UTC().Format("2006-01-02T15:04:05.000Z")
}

func randomJSONValue(r *rand.Rand, depth int) any {
	k := r.IntN(8)
	if depth <= 0 && k >= 6 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return float64(r.Int64N(1<<53) - 1<<52)
	case 3:
		return r.NormFloat64() * 1e6
	case 4, 5:
		return randomString(r, 20)
	case 6:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomJSONValue(r, depth-1)
		}
		return a
	default:
		m := map[string]any{}
		for range r.IntN(4) {
			m[randomString(r, 8)] = randomJSONValue(r, depth-1)
		}
		return m
	}
}

// randomSession returns an AuthKit-shaped session: the fields that
// @workos-inc/node's sealSessionDataFromAuthenticationResponse writes, with the
// organization id inside the (unsigned) access token, as WorkOS issues it.
func randomSession(r *rand.Rand) map[string]any {
	user := map[string]any{
		"object":            "user",
		"id":                randomID(r, "user"),
		"email":             randomString(r, 12) + "@example.com",
		"emailVerified":     r.IntN(2) == 0,
		"firstName":         randomString(r, 16),
		"lastName":          randomString(r, 16),
		"profilePictureUrl": nil,
		"createdAt":         randomTime(r),
		"updatedAt":         randomTime(r),
		"lastSignInAt":      randomTime(r),
		"externalId":        nil,
		"metadata":          map[string]any{},
	}
	if r.IntN(2) == 0 {
		user["profilePictureUrl"] = "https://example.com/p/" + randomString(r, 10) + "?a=1&b=<2>"
	}
	if r.IntN(3) == 0 {
		user["externalId"] = randomString(r, 10)
	}
	if r.IntN(2) == 0 {
		md := user["metadata"].(map[string]any)
		for range 1 + r.IntN(4) {
			md[randomString(r, 10)] = randomJSONValue(r, 3)
		}
	}
	if r.IntN(5) == 0 { // a long field
		user["lastName"] = randomString(r, 2000)
	}
	claims := map[string]any{
		"iss": "https://api.workos.com/user_management/client_x",
		"sub": user["id"],
		"sid": randomID(r, "session"),
		"jti": randomID(r, "jti"),
		"exp": 1_700_000_000 + r.Int64N(1e8),
		"iat": 1_700_000_000,
	}
	s := map[string]any{"user": user}
	if r.IntN(2) == 0 {
		org := randomID(r, "org")
		claims["org_id"] = org
		claims["role"] = "member"
		claims["permissions"] = []any{"read", randomString(r, 6)}
		s["organizationId"] = org
	}
	s["accessToken"] = b64json(map[string]any{"alg": "RS256", "kid": randomID(r, "sso_oidc_key_pair")}) + "." +
		b64json(claims) + "." + base64.RawURLEncoding.EncodeToString(randomBytes(r, 256))
	s["refreshToken"] = base64.RawURLEncoding.EncodeToString(randomBytes(r, 18+r.IntN(20)))
	if r.IntN(4) > 0 {
		s["authenticationMethod"] = []string{"Password", "GoogleOAuth", "SSO", "MagicAuth", "Passkey"}[r.IntN(5)]
	}
	if r.IntN(3) == 0 {
		imp := map[string]any{"email": randomString(r, 10) + "@workos.com", "reason": nil}
		if r.IntN(2) == 0 {
			imp["reason"] = randomString(r, 60)
		}
		s["impersonator"] = imp
	}
	return s
}
