package authkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"sync"

	"github.com/authkit-go/authkit/core/workos"
)

// userFields is User without its methods, for the typed half of its JSON.
type userFields User

var nullJSON = json.RawMessage("null")

// userKeys are the JSON keys of User's typed fields.
var userKeys = sync.OnceValue(func() []string {
	t := reflect.TypeFor[userFields]()
	var keys []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("json"); tag != "" && tag != "-" {
			keys = append(keys, strings.Split(tag, ",")[0])
		}
	}
	return keys
})

// RawField returns the JSON of the user object's field key as WorkOS (or
// the Node library that wrote the cookie) gave it, including fields User
// does not model ("name", or ones added later), and whether it is present.
func (u User) RawField(key string) (json.RawMessage, bool) {
	v, ok := u.rawMap()[key]
	return bytes.Clone(v), ok
}

// rawMap returns the fields of the JSON object the user was read from, by
// key (nil for a User built in code), as json.Unmarshal reads them.
func (u User) rawMap() map[string]json.RawMessage {
	if u.raw == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(u.raw), &m) != nil {
		return nil
	}
	return m
}

// UnmarshalJSON reads a user object: the typed fields (a field of an
// unexpected type stays zero) and the whole object, kept for MarshalJSON.
func (u *User) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var p userFields
	if !lenientUnmarshal(b, &p) {
		return errors.New("authkit: user is not a JSON object")
	}
	if raw != nil {
		p.raw = string(b)
	}
	*u = User(p)
	return nil
}

// MarshalJSON writes the user object it was read from, with the typed
// fields changed since written over it; a User built in code writes its
// typed fields. metadata is {} rather than null, as the Node libraries
// write it.
func (u User) MarshalJSON() ([]byte, error) {
	p := userFields(u)
	p.raw = ""
	if p.Metadata == nil {
		p.Metadata = map[string]string{}
	}
	typed, err := json.Marshal(p)
	if err != nil || u.raw == "" {
		return typed, err
	}
	var tm map[string]json.RawMessage
	if err := json.Unmarshal(typed, &tm); err != nil {
		return nil, err
	}
	raw := u.rawMap()
	out := maps.Clone(raw)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	for _, k := range userKeys() {
		tv, set := tm[k]
		if !set {
			tv = nullJSON // omitted as empty
		}
		rv, had := raw[k]
		switch {
		case had && sameUserField(k, rv, tv):
			// Unchanged: keep the original form (null stays null).
		case !had && sameUserField(k, nullJSON, tv):
			// Never present and still empty: stay absent.
		default:
			out[k] = tv
		}
	}
	return json.Marshal(out)
}

// sameUserField reports whether two JSON values of the user field key read
// as the same typed value (a value of an unexpected type reads as the zero
// value, as in UnmarshalJSON).
func sameUserField(key string, a, b json.RawMessage) bool {
	var x, y userFields
	if !lenientUnmarshal(wrapField(key, a), &x) || !lenientUnmarshal(wrapField(key, b), &y) {
		return false
	}
	if len(x.Metadata) == 0 && len(y.Metadata) == 0 {
		x.Metadata, y.Metadata = nil, nil
	}
	return reflect.DeepEqual(x, y)
}

// lenientUnmarshal decodes b into v, leaving fields of an unexpected type
// zero; it reports false only when b is not JSON of the right shape.
func lenientUnmarshal(b []byte, v any) bool {
	err := json.Unmarshal(b, v)
	te := (*json.UnmarshalTypeError)(nil)
	return err == nil || errors.As(err, &te)
}

func wrapField(key string, v json.RawMessage) []byte {
	k, _ := json.Marshal(key)
	return append(append(append(append([]byte("{"), k...), ':'), v...), '}')
}

// nodeUserFields is how @workos-inc/node 11 maps a WorkOS user to the
// session cookie's user (deserializeUser): cookie key, WorkOS key. Fields
// WorkOS leaves out are left out (JSON.stringify drops undefined), except
// name and externalId (null) and metadata ({}).
var nodeUserFields = [][2]string{
	{"object", "object"}, {"id", "id"}, {"email", "email"}, {"emailVerified", "email_verified"},
	{"name", "name"}, {"firstName", "first_name"}, {"profilePictureUrl", "profile_picture_url"},
	{"lastName", "last_name"}, {"lastSignInAt", "last_sign_in_at"}, {"locale", "locale"},
	{"createdAt", "created_at"}, {"updatedAt", "updated_at"}, {"externalId", "external_id"},
	{"metadata", "metadata"},
}

// userFromWorkOS maps a WorkOS user as the Node SDK does, from the object
// WorkOS sent (nulls kept), so that the cookie Go writes is the one Node
// writes for the same response.
func userFromWorkOS(u workos.User) (User, error) {
	wireJSON := u.Raw
	if len(wireJSON) == 0 {
		b, err := json.Marshal(u)
		if err != nil {
			return User{}, err
		}
		wireJSON = b
	}
	var wire map[string]json.RawMessage
	if err := json.Unmarshal(wireJSON, &wire); err != nil {
		return User{}, err
	}
	out := make(map[string]json.RawMessage, len(nodeUserFields))
	for _, f := range nodeUserFields {
		v, ok := wire[f[1]]
		isNull := !ok || bytes.Equal(bytes.TrimSpace(v), nullJSON)
		switch {
		case f[0] == "name" || f[0] == "externalId":
			if isNull {
				v, ok = nullJSON, true
			}
		case f[0] == "metadata":
			if isNull {
				v, ok = json.RawMessage("{}"), true
			}
		}
		if ok {
			out[f[0]] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return User{}, err
	}
	var user User
	err = json.Unmarshal(b, &user)
	return user, err
}

// carryUser adds to next the fields of the previous cookie's user that the
// new WorkOS response lacks (fields this library or the SDK does not map,
// written by another library), for the same user only.
func carryUser(next, prev User) User {
	if prev.raw == "" || prev.ID != next.ID {
		return next
	}
	var raw map[string]json.RawMessage
	nextRaw := next.rawMap()
	for k, v := range prev.rawMap() {
		if _, ok := nextRaw[k]; ok {
			continue
		}
		if raw == nil {
			raw = maps.Clone(nextRaw)
			if raw == nil {
				raw = map[string]json.RawMessage{}
			}
		}
		raw[k] = v
	}
	if raw == nil {
		return next
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return next
	}
	var u User
	if json.Unmarshal(b, &u) != nil {
		return next
	}
	return u
}
