// Package authkit is the framework-agnostic core of authkit-go: WorkOS
// AuthKit sign-in for Go web services.
//
// An adapter (Gin, Echo, Fiber, net/http) reads a few facts from each
// request, asks the session engine (Client) for a Decision, and writes it:
//
//	framework request
//	   │  adapter: cookies, method, URL, headers → *Request
//	   ▼
//	Client (session engine)
//	   ├─ unseal the wos-session cookie ............ package seal (iron Fe26.2)
//	   ├─ verify the access token .................. package token
//	   │     └─ keys from the process-wide cache ... package jwks ──► {api}/sso/jwks/{client}
//	   └─ refresh when due, once per session ....... package workos ──► /user_management/authenticate
//	   ▼
//	Decision{Auth, Set-Cookie and headers, Status/redirect/body, Err}
//	   │  adapter: write headers; answer, or store Auth (framework context and
//	   ▼  context.Context, see FromContext) and call the next handler
//	handler
//
// The session cookie is the one the Node AuthKit libraries write (an iron
// seal of {accessToken, refreshToken, user, impersonator, organizationId,
// authenticationMethod}), so a Go API and a Next.js front end on one domain
// share a sign-in. Access tokens are checked for signature, algorithm (RS256
// allow-list), issuer, audience and expiry; keys are fetched at most once
// per JWKS URL per process and kept through outages. Concurrent refreshes of
// one session share one WorkOS call.
//
// Build a Client with New (configuration from Config and the WORKOS_*
// environment; code wins). For local development, dev.New (package
// github.com/authkit-go/authkit/core/dev) falls back to the built-in WorkOS
// emulator (package authkittest) when no credentials are set; this package
// never does, and does not link the emulator.
package authkit
