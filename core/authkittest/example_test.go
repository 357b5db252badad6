package authkittest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// An app's tests point an authkit.Client at the emulator instead of WorkOS.
// In a test, authkittest.NewServer(t) does the Start and Close.
func Example() {
	emu, err := authkittest.Start(authkittest.WithAutoApprove(authkittest.AdminEmail))
	if err != nil {
		panic(err)
	}
	defer emu.Close()

	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI:    "http://localhost:8080/callback",
		CookiePassword: "a-test-cookie-password-of-32-chars!",
	})
	if err != nil {
		panic(err)
	}

	// A bearer token as an authkit-js front end would send it.
	tok, _ := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	req := &authkit.Request{Method: http.MethodGet, URL: &url.URL{Path: "/api/me"}, Header: http.Header{"Authorization": {"Bearer " + tok}}}
	d := kit.Load(context.Background(), req)
	fmt.Println(d.Auth.User.ID == authkittest.AdminUserID, d.Auth.Role, d.Auth.Permissions)

	// Inject a WorkOS outage for the next refresh.
	emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
	// Output: true admin [posts:read posts:write users:manage]
}
