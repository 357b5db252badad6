package workos

import (
	"context"
	"errors"
)

// Grant types of POST /user_management/authenticate beyond
// authorization_code and refresh_token, as the official SDKs send them.
const (
	GrantPassword          = "password"
	GrantMagicAuth         = "urn:workos:oauth:grant-type:magic-auth:code"
	GrantEmailVerification = "urn:workos:oauth:grant-type:email-verification:code"
)

// PasswordParams are the inputs of the password grant.
type PasswordParams struct {
	// Email and Password of the user (required). Never logged.
	Email    string
	Password string
	// InvitationToken, when set, accepts that invitation on sign-in.
	InvitationToken string
	// IPAddress of the end user, optional.
	IPAddress string
	// UserAgent of the end user, optional.
	UserAgent string
}

// MagicAuthParams are the inputs of the magic auth grant.
type MagicAuthParams struct {
	// Code is the one-time code emailed to the user (required; single use).
	Code string
	// Email is the address the code was sent to (required).
	Email string
	// InvitationToken, when set, accepts that invitation on sign-in.
	InvitationToken string
	// IPAddress of the end user, optional.
	IPAddress string
	// UserAgent of the end user, optional.
	UserAgent string
}

// EmailVerificationParams are the inputs of the email verification grant,
// which completes a sign-in refused with email_verification_required.
type EmailVerificationParams struct {
	// Code is the verification code emailed to the user (required).
	Code string
	// PendingAuthenticationToken is the one the refused sign-in returned
	// (APIError.PendingAuthenticationToken; required).
	PendingAuthenticationToken string
	// IPAddress of the end user, optional.
	IPAddress string
	// UserAgent of the end user, optional.
	UserAgent string
}

// AuthenticateWithPassword signs a user in with email and password.
//
// A wrong email or password is an *APIError matching ErrInvalidCredentials
// (400 invalid_credentials); a user who must verify their email first gets
// one matching ErrEmailVerificationRequired (403) that carries the
// PendingAuthenticationToken for AuthenticateWithEmailVerification.
func (c *Client) AuthenticateWithPassword(ctx context.Context, p PasswordParams) (*AuthenticateResponse, error) {
	if p.Email == "" || p.Password == "" {
		return nil, errors.New("workos: AuthenticateWithPassword: Email and Password are required")
	}
	body := c.grantBody(GrantPassword)
	body["email"] = p.Email
	body["password"] = p.Password
	addOpt(body, "invitation_token", p.InvitationToken)
	addOpt(body, "ip_address", p.IPAddress)
	addOpt(body, "user_agent", p.UserAgent)
	return c.authenticate(ctx, body)
}

// AuthenticateWithMagicAuth signs a user in with a one-time code sent to
// their email. An unknown, spent or expired code is an *APIError with Code
// CodeInvalidOneTimeCode, CodeOneTimeCodePreviouslyUsed or
// CodeOneTimeCodeExpired.
func (c *Client) AuthenticateWithMagicAuth(ctx context.Context, p MagicAuthParams) (*AuthenticateResponse, error) {
	if p.Code == "" || p.Email == "" {
		return nil, errors.New("workos: AuthenticateWithMagicAuth: Code and Email are required")
	}
	body := c.grantBody(GrantMagicAuth)
	body["code"] = p.Code
	body["email"] = p.Email
	addOpt(body, "invitation_token", p.InvitationToken)
	addOpt(body, "ip_address", p.IPAddress)
	addOpt(body, "user_agent", p.UserAgent)
	return c.authenticate(ctx, body)
}

// AuthenticateWithEmailVerification completes a sign-in that was refused
// with email_verification_required, with the code emailed to the user. A
// wrong code is an *APIError with Code CodeInvalidOneTimeCode; an unknown
// or expired pending token one with CodeInvalidPendingAuthenticationToken.
func (c *Client) AuthenticateWithEmailVerification(ctx context.Context, p EmailVerificationParams) (*AuthenticateResponse, error) {
	if p.Code == "" || p.PendingAuthenticationToken == "" {
		return nil, errors.New("workos: AuthenticateWithEmailVerification: Code and PendingAuthenticationToken are required")
	}
	body := c.grantBody(GrantEmailVerification)
	body["code"] = p.Code
	body["pending_authentication_token"] = p.PendingAuthenticationToken
	addOpt(body, "ip_address", p.IPAddress)
	addOpt(body, "user_agent", p.UserAgent)
	return c.authenticate(ctx, body)
}

func (c *Client) grantBody(grant string) map[string]string {
	return map[string]string{
		"grant_type":    grant,
		"client_id":     c.clientID,
		"client_secret": c.apiKey,
	}
}
