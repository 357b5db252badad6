package seal

import (
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
)

// MinPasswordLength is the minimum length of a password in characters,
// counted as iron counts them: UTF-16 code units (JavaScript's String.length),
// so a character outside the Basic Multilingual Plane (an emoji) counts 2 and
// any other character 1, whatever its UTF-8 size. Counting UTF-8 bytes instead
// would accept passwords that every Node reader rejects ("é" repeated 31 times
// is 62 bytes but 31 code units).
const MinPasswordLength = 32

// Passwords maps a password id (^\w+$) to its secret. A plain password is
// Passwords{"1": pw} (see Single). Seal uses the highest id, so rotating a
// password means adding a new, higher id while readers keep the old ones.
// The id "default" is used for seals whose id field is empty.
type Passwords map[string]string

// Single returns the password set for a plain (non-rotated) password: id "1",
// as the Node libraries do for a string password.
func Single(secret string) Passwords { return Passwords{"1": secret} }

// Validate checks that p is non-empty, every id matches ^\w+$ and every secret
// is at least MinPasswordLength UTF-16 code units (see MinPasswordLength). varName names the setting to fix (e.g.
// "WORKOS_COOKIE_PASSWORD") in the error message. The error matches
// ErrPasswordTooShort or ErrInvalidPassword.
func (p Passwords) Validate(varName string) error {
	if varName == "" {
		varName = "password"
	}
	if len(p) == 0 {
		return newError(KindInvalidPassword, fmt.Sprintf(
			"%s is not set; generate one with: openssl rand -base64 32", varName))
	}
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		name := varName
		if len(p) > 1 {
			name = fmt.Sprintf("%s (password id %q)", varName, id)
		}
		if !validID(id) {
			return newError(KindInvalidPassword, fmt.Sprintf(
				"%s: invalid password id %q: ids must match ^\\w+$ (letters, digits, underscore)", varName, id))
		}
		if n := passwordLen(p[id]); n < MinPasswordLength {
			if n == 0 {
				return newError(KindPasswordTooShort, fmt.Sprintf(
					"%s is empty; it must be at least %d characters; generate one with: openssl rand -base64 32",
					name, MinPasswordLength))
			}
			return newError(KindPasswordTooShort, fmt.Sprintf(
				"%s must be at least %d characters (got %d); generate one with: openssl rand -base64 32",
				name, MinPasswordLength, n))
		}
	}
	return nil
}

// CurrentID returns the id Seal uses (see current); "" for an empty set.
func (p Passwords) CurrentID() string {
	id, _ := p.current()
	return id
}

// current returns the id Seal uses: the numerically highest id when ids are
// numeric (numeric ids rank above non-numeric ones), else the lexically
// highest. The result does not depend on map iteration order.
func (p Passwords) current() (string, bool) {
	best, found := "", false
	for id := range p {
		if !found || idLess(best, id) {
			best, found = id, true
		}
	}
	return best, found
}

// idLess orders password ids: numeric ids by value (ties broken lexically),
// numeric above non-numeric, non-numeric lexically.
func idLess(a, b string) bool {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		ta, tb := trimZeros(a), trimZeros(b)
		if len(ta) != len(tb) {
			return len(ta) < len(tb)
		}
		if ta != tb {
			return ta < tb
		}
		return a < b
	case an != bn:
		return bn
	default:
		return a < b
	}
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validID reports whether id matches ^\w+$ (ASCII letters, digits, '_').
func validID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// passwordLen is the length of s as iron sees it: UTF-16 code units
// (JavaScript's String.length). Each invalid UTF-8 byte counts 1, as the
// U+FFFD it decodes to.
func passwordLen(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func tooShortForID(id string, n int) *Error {
	return newError(KindPasswordTooShort, "seal: password for id "+strconv.Quote(id)+
		" must be at least "+strconv.Itoa(MinPasswordLength)+" characters (got "+strconv.Itoa(n)+")")
}
