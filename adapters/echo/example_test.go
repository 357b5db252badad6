package authkitecho_test

import (
	"log"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

// The three-line setup: a client from the WORKOS_* environment, the
// middleware on every route, and the auth routes.
func ExampleMiddleware() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI, WORKOS_COOKIE_PASSWORD
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(authkitecho.Middleware(kit))
	e.GET("/sign-in", authkitecho.SignIn(kit))
	e.GET("/callback", authkitecho.Callback(kit)) // the path of WORKOS_REDIRECT_URI
	e.POST("/sign-out", authkitecho.SignOut(kit))

	e.GET("/", func(c echo.Context) error {
		if a := authkitecho.Auth(c); a != nil {
			return c.String(http.StatusOK, "Hello, "+a.User.Name())
		}
		return c.String(http.StatusOK, "Hello, stranger")
	})
	e.Logger.Fatal(e.Start(":8080"))
}

// RequireAuth guards a group: browsers are sent to sign-in, API requests
// get 401, and members without the role get 403.
func ExampleRequireAuth() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(authkitecho.Middleware(kit))
	admin := e.Group("/admin", authkitecho.RequireAuth(kit, authkitecho.WithRole("admin")))
	admin.GET("/users", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"email": authkitecho.Auth(c).User.Email})
	})
	e.Logger.Fatal(e.Start(":8080"))
}

// WithErrorHandler hands refused requests to Echo's HTTPErrorHandler.
func ExampleWithErrorHandler() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(authkitecho.Middleware(kit))
	e.GET("/api/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, authkitecho.Auth(c))
	}, authkitecho.RequireAuth(kit, authkitecho.WithErrorHandler(func(c echo.Context, d *authkit.Decision) error {
		return echo.NewHTTPError(d.Status, http.StatusText(d.Status))
	})))
}

// AccessToken returns the verified WorkOS access token, to call other APIs
// on the user's behalf.
func ExampleAccessToken() {
	handler := func(c echo.Context) error {
		req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, "https://api.example.com/orders", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+authkitecho.AccessToken(c))
		// ...
		return nil
	}
	_ = handler
}

// Handlers call the client directly with authkit.FromHTTPRequest(c.Request())
// and write the Decision: refresh now, save a session from the app's own
// password page, a sign-in link with options, a recent-sign-in guard.
func Example_handlers() {
	kit, err := authkit.New(authkit.Config{AcceptAPIKeys: true}) // Bearer <WorkOS API key> on API routes
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(authkitecho.Middleware(kit))
	e.POST("/refresh", func(c echo.Context) error {
		d := kit.Refresh(c.Request().Context(), authkit.FromHTTPRequest(c.Request()), authkit.RefreshOptions{OrganizationID: c.FormValue("organization_id")})
		d.Write(c.Response()) // the new session cookie
		if d.Err != nil {
			return c.String(http.StatusConflict, "could not refresh")
		}
		return c.JSON(http.StatusOK, d.Auth)
	})
	e.POST("/password-sign-in", func(c echo.Context) error {
		ctx := c.Request().Context()
		resp, err := kit.WorkOS().AuthenticateWithPassword(ctx, workos.PasswordParams{Email: c.FormValue("email"), Password: c.FormValue("password")})
		if err != nil {
			return c.String(http.StatusUnauthorized, "wrong email or password")
		}
		d := kit.SaveSession(ctx, authkit.FromHTTPRequest(c.Request()), resp)
		d.Write(c.Response())
		return c.Redirect(http.StatusSeeOther, "/account")
	})
	e.GET("/sign-in-link", func(c echo.Context) error {
		link, _ := kit.SignInURL(authkit.SignInOptions{ReturnTo: "/account", OrganizationID: c.QueryParam("org"), MaxAge: time.Hour})
		return c.String(http.StatusOK, link)
	})
	e.GET("/settings/security", func(c echo.Context) error { return c.String(http.StatusOK, "settings") },
		authkitecho.RequireAuth(kit, authkitecho.WithRecentAuth(10*time.Minute)))
}
