package authkit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

var sessionShapes = []string{
	`{"accessToken":"a.b.c","refreshToken":"r","user":{"object":"user","id":"user_1","email":"a@b.c","emailVerified":true,"firstName":"Ada","lastName":null,"profilePictureUrl":null,"metadata":{},"createdAt":"x","updatedAt":"y","name":"Ada A","externalId":null,"locale":null},"organizationId":"org_1","authenticationMethod":"Password"}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","metadata":{"k":"v","k2":"\u00e9"}}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","metadata":{"k":1}}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","metadata":null}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","ID":"v"}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","id":"v"}}`,
	`{"accessToken":"a","AccessToken":"b","refreshToken":"r","user":{"id":"u"}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"impersonator":{"email":"e","reason":null}}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"impersonator":null}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"future":{"x":[1,2]},"other":"s"}`,
	`{"accessToken":"a\n\"b","refreshToken":"r","user":{"id":"u\u0041","emailVerified":"yes"}}`,
	`{"accessToken":1,"refreshToken":"r","user":{"id":"u"}}`,
	`{"accessToken":"a","refreshToken":"r","user":null}`,
	`{"accessToken":"a","refreshToken":"r","user":[]}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u","emailVerified":null,"firstName":5}}`,
	"{\"accessToken\":\"\xff\",\"refreshToken\":\"r\",\"user\":{\"id\":\"u\"}}",
	` {"accessToken":"a","refreshToken":"r","user":{"id":"u"}} `,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":1700000000000}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":null}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":1.5}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":1e3}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":-0}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":99999999999999999999}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"authenticatedAt":"1"}`,
	`{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"AuthenticatedAt":1}`,
	`{}`, `[]`, `null`, `{"user":{}}`,
}

func checkSessionDecode(t *testing.T, in string) {
	var fast session
	if !decodeSession(&fast, []byte(in)) {
		return
	}
	var slow session
	require.NoError(t, slow.unmarshalSlow([]byte(in)), in)
	require.Equal(t, slow, fast, in)
	require.Equal(t, slow.User.rawMap(), fast.User.rawMap(), in)
}

func TestDecodeSessionMatchesEncodingJSON(t *testing.T) {
	for _, in := range sessionShapes {
		checkSessionDecode(t, in)
	}
	var s session
	require.True(t, decodeSession(&s, []byte(sessionShapes[0])), "the usual shape takes the fast path")
}

func FuzzDecodeSession(f *testing.F) {
	for _, in := range sessionShapes {
		f.Add(in)
	}
	f.Fuzz(checkSessionDecode)
}
