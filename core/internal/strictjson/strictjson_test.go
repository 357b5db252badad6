package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// reference is the two-pass check strictjson replaced (a json.Decoder token
// walk for duplicates and depth, then json.Unmarshal): both must accept and
// reject the same inputs and give the same members.
func reference(b []byte, maxDepth int) (map[string]json.RawMessage, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("utf8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	if err := walkObject(dec, 1, maxDepth); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func walkObject(dec *json.Decoder, depth, maxDepth int) error {
	if depth > maxDepth {
		return errors.New("deep")
	}
	seen := map[string]struct{}{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		if _, dup := seen[k]; dup {
			return fmt.Errorf("dup %q", k)
		}
		seen[k] = struct{}{}
		if err := walkValue(dec, depth, maxDepth); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func walkValue(dec *json.Decoder, depth, maxDepth int) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return walkObject(dec, depth+1, maxDepth)
	case '[':
		if depth+1 > maxDepth {
			return errors.New("deep")
		}
		for dec.More() {
			if err := walkValue(dec, depth+1, maxDepth); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

var cases = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":2}}`,
	`{"a":[{"b":1,"b":2}]}`, `{"a":[1,2,]}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{"a" 1}`,
	`[]`, `"x"`, `1`, `null`, `{"a":1}x`, `{"a":1} `, `{"a":1}{}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`,
	`{"a":1e}`, `{"a":1e+5}`, `{"a":-0.5E-3}`, `{"a":tru}`, `{"a":true}`, `{"a":nul}`, `{"a":"\x01"}`,
	`{"a":"\q"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":"\ud800"}`, `{"\ud800":1,"\udc00":2}`,
	`{"a":"é"}`, "{\"a\":\"\xff\"}", `{"a":[[[[1]]]]}`, `{"a":{"b":{"c":{}}}}`, `{"a":[1,[2,{"x":[3]}]]}`,
	`{"a" : [ "x" , "y" ] , "b" : { } }`, "{\"a\":\t\n\r1}", `{"a":"x\"y"}`, `{"A":1,"a":2}`,
	`{`, `{"a":[`, `{"a":"`, `{"a":"\`, ``, ` `, `{"a":1 "b":2}`, `{"a":[1 2]}`, `{"k":"\/"}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}`,
}

func check(t *testing.T, in string, maxDepth int) {
	want, werr := reference([]byte(in), maxDepth)
	got, gerr := Object(nil, []byte(in), in, maxDepth)
	require.Equal(t, werr == nil, gerr == nil, "%q: reference %v, strictjson %v", in, werr, gerr)
	if werr != nil {
		return
	}
	m := map[string]json.RawMessage{}
	for _, mb := range got {
		m[mb.Name] = mb.Value
		require.Equal(t, string(mb.Value), mb.Text)
		if s, ok := String(mb.Text); ok {
			var ws string
			require.NoError(t, json.Unmarshal(mb.Value, &ws))
			require.Equal(t, ws, s)
		}
	}
	require.Equal(t, want, m, "%q", in)
}

func TestMatchesReference(t *testing.T) {
	for _, in := range cases {
		check(t, in, 32)
	}
	deep := strings.Repeat(`{"a":`, 32) + "1" + strings.Repeat("}", 32)
	check(t, deep, 32)
	check(t, strings.Repeat(`{"a":`, 33)+"1"+strings.Repeat("}", 33), 32)
	check(t, `{"a":`+strings.Repeat("[", 31)+strings.Repeat("]", 31)+"}", 32)
	check(t, `{"a":`+strings.Repeat("[", 32)+strings.Repeat("]", 32)+"}", 32)
}

func FuzzMatchesReference(f *testing.F) {
	for _, in := range cases {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { check(t, in, 4) })
}
