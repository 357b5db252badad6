// Package strictjson parses a JSON object in one pass, strictly: valid
// UTF-8, RFC 8259 syntax, a single object, no duplicate member names at any
// depth (names compared after unescaping, as encoding/json decodes them) and
// bounded nesting. It hands out the top-level members as raw values that
// alias the input, so reading a token's claims costs one scan instead of a
// token walk plus an unmarshal.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Member is one top-level member: its unescaped name and its raw value
// (no surrounding whitespace), aliasing the parsed input; Text is the same
// value as a substring of the input's string form.
type Member struct {
	Name  string
	Value []byte
	Text  string
}

// Object parses b, which must hold exactly one JSON object, and appends its
// top-level members to dst in order. text is string(b), passed in so that
// names and Text are substrings of it rather than allocations of their own.
// maxDepth bounds nesting (the object itself is depth 1; each nested object
// or array adds one).
func Object(dst []Member, b []byte, text string, maxDepth int) ([]Member, error) {
	if len(text) != len(b) {
		return nil, errors.New("strictjson: text is not the input's string form")
	}
	if !utf8.Valid(b) {
		return nil, errors.New("JSON is not valid UTF-8")
	}
	p := parser{b: b, s: text, maxDepth: maxDepth}
	p.space()
	if p.i >= len(b) || b[p.i] != '{' {
		if p.i >= len(b) {
			return nil, errors.New("invalid JSON: unexpected end of input")
		}
		return nil, errors.New("JSON is not an object")
	}
	dst, err := p.object(dst, 1, true)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(b) {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return dst, nil
}

// parser is the cursor of one Object call.
type parser struct {
	b        []byte
	s        string
	i        int
	maxDepth int
}

func (p *parser) errAt(what string) error {
	if p.i >= len(p.b) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid JSON: %s at offset %d", what, p.i)
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// smallObject is how many names an object's duplicate check compares
// linearly before switching to a map.
const smallObject = 16

// object parses an object at p.i ('{'). With top, it appends the members
// to dst.
func (p *parser) object(dst []Member, depth int, top bool) ([]Member, error) {
	if depth > p.maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	p.i++ // '{'
	var small [smallObject]string
	names := small[:0]
	var seen map[string]struct{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return dst, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.errAt("expected a member name")
		}
		name, err := p.name()
		if err != nil {
			return nil, err
		}
		if seen == nil && len(names) < smallObject {
			for _, n := range names {
				if n == name {
					return nil, fmt.Errorf("duplicate JSON key %q", name)
				}
			}
			names = append(names, name)
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, 2*smallObject)
				for _, n := range names {
					seen[n] = struct{}{}
				}
			}
			if _, dup := seen[name]; dup {
				return nil, fmt.Errorf("duplicate JSON key %q", name)
			}
			seen[name] = struct{}{}
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errAt("expected ':'")
		}
		p.i++
		p.space()
		start := p.i
		if err := p.value(depth); err != nil {
			return nil, err
		}
		if top {
			dst = append(dst, Member{Name: name, Value: p.b[start:p.i:p.i], Text: p.s[start:p.i]})
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errAt("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return dst, nil
		default:
			return nil, p.errAt("expected ',' or '}'")
		}
	}
}

// name reads a member name (at '"'), unescaped.
func (p *parser) name() (string, error) {
	start := p.i
	escaped, err := p.str()
	if err != nil {
		return "", err
	}
	raw := p.b[start:p.i]
	if !escaped {
		return p.s[start+1 : p.i-1], nil
	}
	s, ok := unescape(string(raw))
	if !ok {
		return "", p.errAt("invalid string")
	}
	return s, nil
}

// str skips a string at p.i ('"'), reporting whether it holds escapes.
func (p *parser) str() (escaped bool, err error) {
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return escaped, nil
		case c == '\\':
			escaped = true
			p.i++
			if p.i >= len(p.b) {
				return false, p.errAt("")
			}
			switch p.b[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if p.i+4 >= len(p.b) {
					p.i = len(p.b)
					return false, p.errAt("")
				}
				for _, h := range p.b[p.i+1 : p.i+5] {
					if !isHex(h) {
						return false, p.errAt("invalid \\u escape")
					}
				}
				p.i += 5
			default:
				return false, p.errAt("invalid escape")
			}
		case c < 0x20:
			return false, p.errAt("control character in string")
		default:
			p.i++
		}
	}
	return false, p.errAt("")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// value skips one value at p.i.
func (p *parser) value(depth int) error {
	if p.i >= len(p.b) {
		return p.errAt("")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		_, err := p.object(nil, depth+1, false)
		return err
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		_, err := p.str()
		return err
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	default:
		return p.errAt("unexpected character")
	}
}

func (p *parser) array(depth int) error {
	if depth > p.maxDepth {
		return errors.New("JSON nested too deeply")
	}
	p.i++ // '['
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.space()
		if err := p.value(depth); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.b) {
			return p.errAt("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.errAt("expected ',' or ']'")
		}
	}
}

func (p *parser) literal(lit string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
		return p.errAt("invalid literal")
	}
	p.i += len(lit)
	return nil
}

// number skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && '1' <= p.b[p.i] && p.b[p.i] <= '9':
		p.digits()
	default:
		return p.errAt("invalid number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return p.errAt("invalid number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return p.errAt("invalid number")
		}
	}
	return nil
}

func (p *parser) digits() int {
	start := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// String returns the string a JSON string value (Member.Text, or a part
// of one) holds: a substring when it has no escapes. ok is false when raw
// is not a JSON string. raw must come from Object, which validated it.
func String(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	return unescape(raw)
}

// unescape decodes a string with escapes; apart from String so that its
// variable, which escapes, is allocated only on this path.
//
//go:noinline
func unescape(raw string) (string, bool) {
	var s string
	if json.Unmarshal([]byte(raw), &s) != nil {
		return "", false
	}
	return s, true
}
