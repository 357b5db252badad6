package authkit

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/authkit-go/authkit/core/internal/strictjson"
)

// The session cookie's JSON is read on every first sight of a cookie, and
// encoding/json read it four times over (the typed fields, the raw fields,
// and the user twice). decodeSession reads the common shape in one strict
// pass instead: strings become substrings of one copy of the payload, so a
// remembered session is about the size of its JSON. Anything it does not
// read exactly as encoding/json does (duplicate or case-folded keys,
// invalid UTF-8, a field of another type, an impersonator, metadata that is
// not all strings) sends it back to the encoding/json path, so the result
// is always the same.

// maxSessionDepth bounds nesting in the fast path (deeper goes the slow way).
const maxSessionDepth = 16

// decodeSession fills s from b and reports whether it could.
func decodeSession(s *session, b []byte) bool {
	text := string(b)
	var buf [8]strictjson.Member
	members, err := strictjson.Object(buf[:0], b, text, maxSessionDepth)
	if err != nil {
		return false
	}
	var p session
	var user strictjson.Member
	for _, m := range members {
		var dst *string
		switch m.Name {
		case "accessToken":
			dst = &p.AccessToken
		case "refreshToken":
			dst = &p.RefreshToken
		case "organizationId":
			dst = &p.OrganizationID
		case "authenticationMethod":
			dst = &p.AuthenticationMethod
		case "user":
			if m.Text == "null" || m.Text[0] != '{' {
				return false
			}
			user = m
			continue
		case "impersonator":
			if m.Text != "null" {
				return false
			}
			continue
		case "authenticatedAt":
			if m.Text == "null" {
				continue
			}
			// An integer as encoding/json reads it into an int64; any
			// other number (fraction, exponent, overflow) goes the slow way.
			n, err := strconv.ParseInt(m.Text, 10, 64)
			if err != nil {
				return false
			}
			p.AuthenticatedAt = n
			continue
		default:
			if foldsToKnown(m.Name, sessionKeys) {
				return false
			}
			if p.extra == nil {
				p.extra = map[string]json.RawMessage{}
			}
			p.extra[strings.Clone(m.Name)] = []byte(m.Text) // copies: text is not kept
			continue
		}
		if !plainString(m.Text, dst) {
			return false
		}
	}
	if user.Name == "" {
		return false // as encoding/json would leave it: no user, no raw
	}
	// What a remembered session keeps, in one string: the payload without
	// its keys and punctuation (a 1.5 KB cookie JSON would otherwise keep
	// ~120 bytes more, past an allocation size class).
	var keep strings.Builder
	strs := [...]*string{&p.AccessToken, &p.RefreshToken, &p.OrganizationID, &p.AuthenticationMethod}
	size := len(user.Text)
	for _, f := range strs {
		size += len(*f)
	}
	keep.Grow(size)
	for _, f := range strs {
		keep.WriteString(*f)
	}
	keep.WriteString(user.Text)
	kept, off := keep.String(), 0
	for _, f := range strs {
		*f, off = kept[off:off+len(*f)], off+len(*f)
	}
	if !decodeUser(&p.User, user.Value, kept[off:]) {
		return false
	}
	*s = p
	return true
}

// plainString sets *dst from a JSON string (null leaves it), reporting
// false for any other type.
func plainString(text string, dst *string) bool {
	if text == "null" {
		return true
	}
	v, ok := strictjson.String(text)
	if ok {
		*dst = v
	}
	return ok
}

// foldsToKnown reports whether name is not one of keys but matches one
// case-insensitively, as encoding/json would match it.
func foldsToKnown(name string, keys []string) bool {
	for _, k := range keys {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// decodeUser is User.UnmarshalJSON for a user object of the usual shape.
func decodeUser(u *User, b []byte, text string) bool {
	var buf [16]strictjson.Member
	members, err := strictjson.Object(buf[:0], b, text, maxSessionDepth)
	if err != nil {
		return false
	}
	var p User
	for _, m := range members {
		var dst *string
		switch m.Name {
		case "object":
			dst = &p.Object
		case "id":
			dst = &p.ID
		case "email":
			dst = &p.Email
		case "firstName":
			dst = &p.FirstName
		case "lastName":
			dst = &p.LastName
		case "profilePictureUrl":
			dst = &p.ProfilePictureURL
		case "lastSignInAt":
			dst = &p.LastSignInAt
		case "externalId":
			dst = &p.ExternalID
		case "locale":
			dst = &p.Locale
		case "createdAt":
			dst = &p.CreatedAt
		case "updatedAt":
			dst = &p.UpdatedAt
		case "emailVerified":
			switch m.Text {
			case "true":
				p.EmailVerified = true
			case "false", "null":
			default:
				return false
			}
			continue
		case "metadata":
			if !decodeMetadata(&p.Metadata, m.Value, m.Text) {
				return false
			}
			continue
		default:
			if foldsToKnown(m.Name, userKeys()) {
				return false
			}
			continue
		}
		if !plainString(m.Text, dst) {
			return false
		}
	}
	p.raw = text
	*u = p
	return true
}

// emptyMetadata is the metadata of every user whose metadata is {} (most):
// sessions are read-only, and Auth gets its own copy.
var emptyMetadata = map[string]string{}

// decodeMetadata reads an object of strings (null leaves it nil).
func decodeMetadata(dst *map[string]string, b []byte, text string) bool {
	if text == "null" {
		return true
	}
	if len(text) == 0 || text[0] != '{' {
		return false
	}
	var buf [8]strictjson.Member
	members, err := strictjson.Object(buf[:0], b, text, maxSessionDepth)
	if err != nil {
		return false
	}
	if len(members) == 0 {
		*dst = emptyMetadata
		return true
	}
	m := make(map[string]string, len(members))
	for _, mb := range members {
		v, ok := strictjson.String(mb.Text)
		if !ok {
			return false
		}
		m[mb.Name] = v
	}
	*dst = m
	return true
}
