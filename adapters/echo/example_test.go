package authkitecho_test

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"

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
