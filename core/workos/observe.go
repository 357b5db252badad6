package workos

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/observe"
)

// do sends one API request (see send), reported to Config.Observer as an
// observe.WorkOSCall: the request runs in the context the observer's Start
// returns, so a span it starts there is the parent of HTTP-level spans.
func (c *Client) do(ctx context.Context, method, path, opPath string, query url.Values, body any, bearer bool) (int, []byte, error) {
	if c.obs == nil {
		return c.send(ctx, method, path, opPath, query, body, bearer)
	}
	ev := observe.WorkOSCall{Op: opName(method, path, opPath, body)}
	ctx = c.obs.Start(ctx, ev)
	start := time.Now()
	status, data, err := c.send(ctx, method, path, opPath, query, body, bearer)
	ev.Duration, ev.Status, ev.Error = time.Since(start), status, callError(err)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		ev.Status = apiErr.StatusCode
	}
	c.obs.Observe(ctx, ev)
	return status, data, err
}

// opName is a stable, ID-free name for an API call.
func opName(method, path, opPath string, body any) string {
	if opPath == "" {
		opPath = path
	}
	switch opPath {
	case "/user_management/authenticate":
		m, _ := body.(map[string]string)
		grant := m["grant_type"]
		// urn:workos:oauth:grant-type:magic-auth:code -> magic_auth
		if rest, ok := strings.CutPrefix(grant, "urn:workos:oauth:grant-type:"); ok {
			grant = strings.ReplaceAll(strings.TrimSuffix(rest, ":code"), "-", "_")
		}
		if validCode(grant) {
			return "authenticate:" + grant
		}
		return "authenticate"
	case listSessionsOp:
		return "list_sessions"
	case "/user_management/sessions/revoke":
		return "revoke_session"
	case "/api_keys/validations":
		return "validate_api_key"
	case listMembershipsPath:
		return "list_organization_memberships"
	case "/organizations/{id}":
		return "get_organization"
	}
	return method + " " + opPath
}

// callError classifies a call's error for observe.WorkOSCall.Error.
func callError(err error) string {
	var apiErr *APIError
	var te *TransportError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &apiErr) && apiErr.Code != "":
		return apiErr.Code
	case apiErr != nil:
		return "http_" + strconv.Itoa(apiErr.StatusCode)
	case errors.As(err, &te) && te.Timeout():
		return observe.ErrorTimeout
	case te != nil:
		return observe.ErrorTransport
	case errors.Is(err, ErrMalformedResponse):
		return observe.ErrorMalformed
	}
	return observe.ErrorRequest
}
