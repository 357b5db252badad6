package authkit

// Sign-in links carrying options, per-request redirect URIs and sign-out
// return URLs.

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Query parameters of the sign-in route besides return_to, login_hint and
// organization_id (SignInURL writes them, HandleSignIn reads them).
const (
	ParamPrompt      = "prompt"
	ParamScreenHint  = "screen_hint"
	ParamMaxAge      = "max_age"
	ParamState       = "state"
	ParamDomainHint  = "domain_hint"
	ParamRedirectURI = "redirect_uri"
)

const (
	// maxParamLen bounds every sign-in parameter but state.
	maxParamLen = 256
	// maxStateLen bounds the application's custom state.
	maxStateLen = 1024
	// maxMaxAge bounds max_age (one year).
	maxMaxAge = 365 * 24 * time.Hour
)

// SignInURL returns a link to the application's sign-in route
// (Config.SignInPath) carrying o, for a link or a button: following it
// starts the sign-in with these options. Nothing is set until the user
// follows it, so rendering a page with sign-in links never disturbs a
// sign-in in progress. The link is a path, or an absolute URL on the
// origin of o.RedirectURI when that is set (the verifier cookie must be set
// on the callback's host).
func (c *Client) SignInURL(o SignInOptions) (string, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.ReturnTo != "" {
		set(ParamReturnTo, SafeReturnPath(o.ReturnTo, c.cfg.DefaultReturnTo))
	}
	set(ParamScreenHint, o.ScreenHint)
	set(ParamOrganizationID, o.OrganizationID)
	set(ParamLoginHint, o.LoginHint)
	set(ParamDomainHint, o.DomainHint)
	set(ParamPrompt, o.Prompt)
	set(ParamState, o.State)
	if o.MaxAge > 0 {
		set(ParamMaxAge, strconv.FormatInt(maxAgeSeconds(o.MaxAge), 10))
	}
	base := c.cfg.SignInPath
	if o.RedirectURI != "" {
		set(ParamRedirectURI, o.RedirectURI)
		u, _ := url.Parse(o.RedirectURI)
		if origin, ok := originOf(u); ok {
			base = origin + base
		}
	}
	if _, err := c.signInOptions(q); err != nil {
		return "", err
	}
	if len(q) == 0 {
		return base, nil
	}
	return base + "?" + q.Encode(), nil
}

// SignUpURL is SignInURL with the sign-up screen.
func (c *Client) SignUpURL(o SignInOptions) (string, error) {
	o.ScreenHint = "sign-up"
	return c.SignInURL(o)
}

// maxAgeSeconds rounds d up to whole seconds.
func maxAgeSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// signInOptions reads and checks the sign-in route's query. return_to is
// made safe (an unsafe one falls back to the default); any other malformed
// or unknown-valued parameter is an ErrInvalidParameter: the link was not
// made by SignInURL.
func (c *Client) signInOptions(q url.Values) (SignInOptions, error) {
	o := SignInOptions{
		ReturnTo:       q.Get(ParamReturnTo),
		ScreenHint:     q.Get(ParamScreenHint),
		OrganizationID: q.Get(ParamOrganizationID),
		LoginHint:      q.Get(ParamLoginHint),
		DomainHint:     q.Get(ParamDomainHint),
		Prompt:         q.Get(ParamPrompt),
		State:          q.Get(ParamState),
		RedirectURI:    q.Get(ParamRedirectURI),
	}
	bad := func(name, why string) (SignInOptions, error) {
		return SignInOptions{}, fmt.Errorf("%w: %s %s", ErrInvalidParameter, name, why)
	}
	for name, v := range map[string]string{ParamOrganizationID: o.OrganizationID, ParamLoginHint: o.LoginHint,
		ParamDomainHint: o.DomainHint, ParamPrompt: o.Prompt, ParamRedirectURI: o.RedirectURI} {
		if len(v) > maxParamLen || strings.ContainsFunc(v, isControl) {
			return bad(name, "is too long or has control characters")
		}
	}
	if len(o.State) > maxStateLen || strings.ContainsFunc(o.State, isControl) {
		return bad(ParamState, "is too long or has control characters")
	}
	switch o.ScreenHint {
	case "", "sign-in", "sign-up":
	default:
		return bad(ParamScreenHint, "must be sign-in or sign-up")
	}
	if v := q.Get(ParamMaxAge); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || time.Duration(n)*time.Second > maxMaxAge {
			return bad(ParamMaxAge, "must be a number of seconds between 1 and a year")
		}
		o.MaxAge = time.Duration(n) * time.Second
	}
	if o.RedirectURI != "" && !c.allowedRedirectURI(o.RedirectURI) {
		return bad(ParamRedirectURI, "must be on a trusted origin (WORKOS_REDIRECT_URI's or WORKOS_TRUSTED_ORIGINS) with the callback's path")
	}
	return o, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// allowedRedirectURI accepts a per-request redirect URI: an absolute URL on
// one of the application's origins (Client.TrustedOrigin), with the path of
// Config.RedirectURI, so that the callback route serves it on every host.
// WorkOS must list it among the application's redirect URIs too.
func (c *Client) allowedRedirectURI(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && c.TrustedOrigin(raw) && u.Fragment == "" && u.RawQuery == "" && u.Path == c.CallbackPath()
}

// SignOutOptions customises Client.SignOutWith.
type SignOutOptions struct {
	// ReturnTo is where WorkOS sends the browser after sign-out: a path on
	// the application's origin ("/goodbye"), or an absolute URL on a trusted
	// origin (Client.TrustedOrigin). Anything else, and "", means
	// Config.SignOutReturnTo. WorkOS must list it as a sign-out redirect.
	ReturnTo string
}

// signOutReturnTo resolves a per-request sign-out return URL.
func (c *Client) signOutReturnTo(raw string) string {
	if raw == "" || len(raw) > maxReturnPath {
		return c.cfg.SignOutReturnTo
	}
	if p := SafeReturnPath(raw, ""); p != "" {
		return c.cfg.appOrigin() + p
	}
	if u, err := url.Parse(raw); err == nil && u.Fragment == "" && c.TrustedOrigin(raw) && !strings.ContainsFunc(raw, isControl) {
		return u.String()
	}
	return c.cfg.SignOutReturnTo
}

// redirectTarget checks where a hook wants the browser to land after
// sign-in: a same-origin path or an absolute URL on a trusted origin.
func (c *Client) redirectTarget(raw string) (string, bool) {
	if p := SafeReturnPath(raw, ""); p != "" {
		return p, true
	}
	if u, err := url.Parse(raw); err == nil && len(raw) <= maxReturnPath && c.TrustedOrigin(raw) && !strings.ContainsFunc(raw, isControl) {
		return u.String(), true
	}
	return "", false
}
