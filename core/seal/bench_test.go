package seal

import (
	"encoding/json"
	"testing"
)

func benchPayload(b *testing.B) []byte {
	vs := loadJSON[[]vector](b, "vectors.json")
	for _, v := range vs {
		if v.Name == "deterministic-basic-ttl0" {
			return []byte(v.Fixed.Plaintext)
		}
	}
	p, _ := json.Marshal(vs[0].Payload)
	return p
}

func BenchmarkSeal(b *testing.B) {
	pt := benchPayload(b)
	p := Single(pwA)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Seal(pt, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnseal(b *testing.B) {
	pt := benchPayload(b)
	p := Single(pwA)
	s, err := Seal(pt, p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Unseal(s, p); err != nil {
			b.Fatal(err)
		}
	}
}
