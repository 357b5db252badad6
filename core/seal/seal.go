// Package seal implements iron "Fe26.2" seals as written and read by the Node
// AuthKit libraries (iron-session, @workos-inc/node sealSession,
// @workos/authkit-session), so that a Go service and a Node front end can share
// one "wos-session" cookie.
//
// A seal looks like
//
//	Fe26.2*<id>*<encSalt>*<iv>*<ct>*<expMs>*<hmacSalt>*<mac>~2
//
// The payload (JSON) is encrypted with AES-256-CBC and authenticated with
// HMAC-SHA256; both keys are derived from a password with
// PBKDF2-HMAC-SHA1 (1 iteration) over the salt text. Passwords are at least 32
// characters (UTF-16 code units, as JavaScript counts them) and are identified
// by an id so they can be rotated (see Passwords).
//
// All errors are *Error values that match one of the sentinels (ErrMalformed,
// ErrBadMAC, ErrUnknownPassword, ErrExpired, ErrPasswordTooShort,
// ErrInvalidPassword) with errors.Is. Unseal never panics, whatever its input.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
)

// MaxSealedLength is the longest sealed string Unseal accepts; longer input is
// rejected as ErrMalformed before any cryptography.
const MaxSealedLength = 64 << 10

const (
	macPrefix     = "Fe26.2"
	versionSuffix = "~2"
	saltBytes     = 32
	ivBytes       = aes.BlockSize
	keyBytes      = 32
	macB64Len     = 43 // base64url, no padding, of 32 bytes
	skewMs        = 60_000
)

var b64 = base64.RawURLEncoding.Strict()

// Seal encrypts and authenticates plaintext, which must be valid JSON (the
// Node readers JSON-parse it), with the password of the highest id in p (see
// Passwords) and returns the seal, always ending in "~2". The password set is
// validated first (see Passwords.Validate). Options: WithTTL, WithClock,
// WithRandom.
func Seal(plaintext []byte, p Passwords, opts ...Option) (string, error) {
	if !json.Valid(plaintext) {
		// Every reader JSON-parses the payload; refuse to write an unreadable seal.
		return "", errors.New("seal: plaintext is not valid JSON")
	}
	return seal(plaintext, p, opts)
}

// seal is Seal for a plaintext known to be JSON.
func seal(plaintext []byte, p Passwords, opts []Option) (string, error) {
	if err := p.Validate("password"); err != nil {
		return "", err
	}
	id, _ := p.current()
	cfg := newConfig(opts)
	if cfg.ttl < 0 {
		return "", errors.New("seal: negative TTL")
	}
	var rnd [saltBytes + ivBytes + saltBytes]byte
	if _, err := io.ReadFull(cfg.rand, rnd[:]); err != nil {
		return "", fmt.Errorf("seal: reading random bytes: %w", err)
	}
	var encSalt, hmacSalt [2 * saltBytes]byte
	hex.Encode(encSalt[:], rnd[:saltBytes])
	hex.Encode(hmacSalt[:], rnd[saltBytes+ivBytes:])
	var iv [ivBytes]byte
	copy(iv[:], rnd[saltBytes:saltBytes+ivBytes])
	var expBuf [20]byte
	var exp []byte
	if cfg.ttl > 0 {
		ms := cfg.clock().UnixMilli() + cfg.ttl.Milliseconds()
		exp = strconv.AppendInt(expBuf[:0], ms, 10)
	}
	return sealWith(plaintext, id, p[id], string(encSalt[:]), string(hmacSalt[:]), &iv, string(exp))
}

// sealWith builds a seal from explicit salts, IV and expiry. Seal is a thin
// wrapper around it; tests use it for vectors with non-hex salts.
func sealWith(plaintext []byte, id, secret, encSalt, hmacSalt string, iv *[ivBytes]byte, expMs string) (string, error) {
	encKey, err := deriveKey(secret, encSalt)
	if err != nil {
		return "", err
	}
	macKey, err := deriveKey(secret, hmacSalt)
	if err != nil {
		return "", err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return "", errors.New("seal: " + err.Error())
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	ct := make([]byte, len(plaintext)+pad)
	copy(ct, plaintext)
	for i := len(plaintext); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(ct, ct)

	n := len(macPrefix) + 1 + len(id) + 1 + len(encSalt) + 1 + b64.EncodedLen(ivBytes) + 1 +
		b64.EncodedLen(len(ct)) + 1 + len(expMs) + 1 + len(hmacSalt) + 1 + macB64Len + len(versionSuffix)
	buf := make([]byte, 0, n)
	buf = append(buf, macPrefix...)
	buf = append(buf, '*')
	buf = append(buf, id...)
	buf = append(buf, '*')
	buf = append(buf, encSalt...)
	buf = append(buf, '*')
	buf = b64.AppendEncode(buf, iv[:])
	buf = append(buf, '*')
	buf = b64.AppendEncode(buf, ct)
	buf = append(buf, '*')
	buf = append(buf, expMs...)
	m := hmac.New(sha256.New, macKey)
	m.Write(buf)
	var sum [sha256.Size]byte
	buf = append(buf, '*')
	buf = append(buf, hmacSalt...)
	buf = append(buf, '*')
	buf = b64.AppendEncode(buf, m.Sum(sum[:0]))
	buf = append(buf, versionSuffix...)
	return string(buf), nil
}

// SealJSON marshals v with encoding/json and seals it (see Seal).
func SealJSON(v any, p Passwords, opts ...Option) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal: encoding payload: %w", err)
	}
	return seal(b, p, opts) // json.Marshal wrote valid JSON
}

// Unseal checks and decrypts a seal made by Seal or by the Node libraries and
// returns the JSON payload. The checks run in iron's order: length, version
// suffix (cut at the first '~' and ignored), 8 components, prefix, expiry
// (with 60 s of skew), password id (empty means "default"), MAC (constant
// time, strict base64url), decryption and PKCS#7 padding, JSON. Only WithClock
// affects Unseal.
func Unseal(sealed string, p Passwords, opts ...Option) ([]byte, error) {
	pt, err := open(sealed, p, opts)
	if err != nil {
		return nil, err
	}
	if !json.Valid(pt) {
		return nil, newError(KindMalformed, "seal: payload is not valid JSON")
	}
	return pt, nil
}

// open is Unseal without the final JSON check, for callers that parse the
// payload anyway.
func open(sealed string, p Passwords, opts []Option) ([]byte, error) {
	if len(sealed) > MaxSealedLength {
		return nil, newError(KindMalformed, "seal: sealed value too long ("+strconv.Itoa(len(sealed))+
			" bytes, max "+strconv.Itoa(MaxSealedLength)+")")
	}
	s := sealed
	if i := strings.IndexByte(s, '~'); i >= 0 {
		s = s[:i]
	}
	if c := strings.Count(s, "*"); c != 7 {
		return nil, newError(KindMalformed, "seal: incorrect number of sealed components (got "+strconv.Itoa(c+1)+", want 8)")
	}
	var parts [8]string
	var off [8]int // offset of each part in s
	rest, pos := s, 0
	for i := 0; i < 7; i++ {
		j := strings.IndexByte(rest, '*')
		parts[i], off[i] = rest[:j], pos
		rest, pos = rest[j+1:], pos+j+1
	}
	parts[7], off[7] = rest, pos
	prefix, id, encSalt, ivB64, ctB64, expMs, hmacSalt, macB64 := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]
	macBase := s[:len(s)-len(hmacSalt)-len(macB64)-2]

	if prefix != macPrefix {
		return nil, newError(KindMalformed, "seal: wrong mac prefix")
	}
	if expMs != "" {
		exp, ok := parseExpiry(expMs)
		if !ok {
			return nil, newError(KindMalformed, "seal: invalid expiration")
		}
		cfg := newConfig(opts)
		if exp <= cfg.clock().UnixMilli()-skewMs {
			return nil, newError(KindExpired, "seal: expired seal")
		}
	}
	lookup := id
	if lookup == "" {
		lookup = "default"
	}
	secret, ok := p[lookup]
	if !ok || secret == "" {
		return nil, newError(KindUnknownPassword, "seal: cannot find password id "+strconv.Quote(lookup))
	}
	if n := passwordLen(secret); n < MinPasswordLength {
		return nil, tooShortForID(lookup, n)
	}

	// One copy of the seal serves the MAC input and the base64 decoders.
	sb := []byte(s)
	field := func(i int) []byte { return sb[off[i] : off[i]+len(parts[i])] }

	var got [sha256.Size]byte
	if len(macB64) != macB64Len || !isB64URL(macB64) {
		return nil, &Error{Kind: KindBadMAC, msg: "seal: bad MAC (not strict unpadded base64url)", err: ErrMalformed}
	}
	if n, err := b64.Decode(got[:], field(7)); err != nil || n != sha256.Size {
		return nil, &Error{Kind: KindBadMAC, msg: "seal: bad MAC (not strict unpadded base64url)", err: ErrMalformed}
	}
	macKey, err := deriveKey(secret, hmacSalt)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, macKey)
	m.Write(sb[:len(macBase)])
	var want [sha256.Size]byte
	if !hmac.Equal(m.Sum(want[:0]), got[:]) {
		return nil, newError(KindBadMAC, "seal: bad MAC")
	}

	var iv [ivBytes]byte
	if len(ivB64) != b64.EncodedLen(ivBytes) || !isB64URL(ivB64) {
		return nil, newError(KindMalformed, "seal: invalid IV (want 16 bytes of unpadded base64url)")
	}
	if n, err := b64.Decode(iv[:], field(3)); err != nil || n != ivBytes {
		return nil, newError(KindMalformed, "seal: invalid IV (want 16 bytes of unpadded base64url)")
	}
	if !isB64URL(ctB64) {
		return nil, newError(KindMalformed, "seal: invalid ciphertext encoding (want unpadded base64url)")
	}
	ct := make([]byte, b64.DecodedLen(len(ctB64)))
	n, err := b64.Decode(ct, field(4))
	if err != nil {
		return nil, newError(KindMalformed, "seal: invalid ciphertext encoding (want unpadded base64url)")
	}
	ct = ct[:n]
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, newError(KindMalformed, "seal: invalid ciphertext length")
	}
	encKey, err := deriveKey(secret, encSalt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, newError(KindMalformed, "seal: "+err.Error())
	}
	cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(ct, ct)
	pad := int(ct[len(ct)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, newError(KindMalformed, "seal: bad padding")
	}
	for _, b := range ct[len(ct)-pad:] {
		if int(b) != pad {
			return nil, newError(KindMalformed, "seal: bad padding")
		}
	}
	return ct[:len(ct)-pad], nil
}

// UnsealJSON unseals (see Unseal) and decodes the JSON payload into v. A
// payload that does not decode into v is reported as ErrMalformed.
func UnsealJSON(sealed string, p Passwords, v any, opts ...Option) error {
	b, err := open(sealed, p, opts)
	if err != nil {
		return err
	}
	if u, ok := v.(ValidatingUnmarshaler); ok {
		err = u.UnmarshalJSON(b)
	} else {
		err = json.Unmarshal(b, v) // also rejects invalid JSON
	}
	if err != nil {
		return &Error{Kind: KindMalformed, msg: "seal: decoding payload: " + err.Error(), err: err}
	}
	return nil
}

// ValidatingUnmarshaler is a payload type whose UnmarshalJSON rejects
// anything but one valid JSON value itself (whitespace around it allowed).
// UnsealJSON hands it the payload directly, skipping encoding/json's
// validation pass over the whole payload.
type ValidatingUnmarshaler interface {
	json.Unmarshaler
	// ValidatesJSON marks the type; it is never called.
	ValidatesJSON()
}

// deriveKey is PBKDF2-HMAC-SHA1 with 1 iteration and a 32-byte output over the
// salt text, as iron does. With one iteration PBKDF2 is T_i = HMAC(secret,
// salt || INT(i)) for blocks 1 and 2; the HMAC keyed with secret comes from
// a pool (see prf), so that each derivation does not key a new one.
func deriveKey(secret, salt string) ([]byte, error) {
	h, put := prf(secret)
	defer put()
	key := make([]byte, 0, 2*sha1.Size)
	var in [2*saltBytes + 4]byte // the salt (64 hex characters from Seal) and the block index
	for block := byte(1); len(key) < keyBytes; block++ {
		h.Reset()
		if len(salt) <= 2*saltBytes {
			n := copy(in[:], salt)
			in[n], in[n+1], in[n+2], in[n+3] = 0, 0, 0, block
			h.Write(in[:n+4])
		} else {
			h.Write([]byte(salt))
			h.Write([]byte{0, 0, 0, block})
		}
		key = h.Sum(key)
	}
	return key[:keyBytes], nil
}

// maxPRFSecrets bounds the secrets prf keeps pools for (the cookie
// passwords of a process: a few).
const maxPRFSecrets = 32

var (
	prfMu    sync.Mutex
	prfPools = map[string]*sync.Pool{}
)

// prf returns an HMAC-SHA1 keyed with secret and the function that gives
// it back.
func prf(secret string) (hash.Hash, func()) {
	prfMu.Lock()
	pool, ok := prfPools[secret]
	if !ok && len(prfPools) < maxPRFSecrets {
		pool = &sync.Pool{New: func() any { return hmac.New(sha1.New, []byte(secret)) }}
		prfPools[secret] = pool
	}
	prfMu.Unlock()
	if pool == nil {
		return hmac.New(sha1.New, []byte(secret)), func() {}
	}
	h := pool.Get().(hash.Hash)
	return h, func() { pool.Put(h) }
}

// parseExpiry parses a decimal expiry without a leading zero (^[1-9][0-9]*$).
// Values beyond int64 saturate, as JavaScript's parseInt would give a huge
// (never expiring) number.
func parseExpiry(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			v = math.MaxInt64
			continue
		}
		v = v*10 + d
	}
	return v, true
}

// isB64URL reports whether s holds no byte that b64 (strict, unpadded
// base64url) would skip rather than refuse: '\r' and '\n'. Every other
// byte outside the alphabet, '=' included, makes b64 fail, so a value that
// passes this and decodes uses only the alphabet. (A byte loop over the
// whole ciphertext was a sixth of an unseal.)
func isB64URL(s string) bool {
	return strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0
}
