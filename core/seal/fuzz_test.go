package seal

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzPasswords knows every password used by the vectors, so seeds get past
// the password lookup and exercise the MAC, decryption and JSON paths.
var fuzzPasswords = Passwords{
	"1":       pwA,
	"2":       pwB,
	"10":      pwC,
	"default": pwA,
}

func FuzzUnseal(f *testing.F) {
	for _, v := range loadJSON[[]vector](f, "vectors.json") {
		f.Add(v.Sealed)
		f.Add(strings.TrimSuffix(v.Sealed, "~2"))
	}
	for _, v := range loadJSON[[]invalidVector](f, "vectors-invalid.json") {
		f.Add(v.Sealed)
	}
	good := encryptRaw(f, pwA, "es", []byte(`{"a":1}`), true)
	f.Add(macSeal(f, pwA, "1", "es", validIV, good, "", "hs"))
	f.Add(macSeal(f, pwA, "", "es", validIV, good, "99999999999999999999999", "hs"))
	f.Add(macSeal(f, pwA, "1", "es", validIV, encryptRaw(f, pwA, "es", []byte(`{"a":1}`+"\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false), "", "hs"))
	f.Add("")
	f.Add("~2")
	f.Add("*******")
	f.Add("Fe26.2*******~2")
	f.Add(strings.Repeat("a", MaxSealedLength+1))

	clock := WithClock(func() time.Time { return time.UnixMilli(1_767_225_600_000) })
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := Unseal(s, fuzzPasswords, clock)
		if len(s) > MaxSealedLength {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("input of %d bytes: want ErrMalformed, got %v", len(s), err)
			}
			return
		}
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || sentinel(se.Kind) == nil || !strings.HasPrefix(err.Error(), "seal: ") {
				t.Fatalf("untyped error %T %v", err, err)
			}
			if pt != nil {
				t.Fatalf("plaintext returned with error")
			}
			return
		}
		// Anything accepted must reseal and unseal to the same payload.
		id := strings.SplitN(s, "*", 3)[1]
		if id == "" {
			id = "default"
		}
		s2, err := Seal(pt, Passwords{id: fuzzPasswords[id]})
		if err != nil {
			t.Fatalf("reseal: %v", err)
		}
		pt2, err := Unseal(s2, fuzzPasswords)
		if err != nil || string(pt2) != string(pt) {
			t.Fatalf("reseal round trip: %v", err)
		}
	})
}
