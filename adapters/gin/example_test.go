package authkitgin_test

import (
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

// The three-line setup: a client from the WORKOS_* environment, the
// middleware on every route, and the auth routes.
func ExampleMiddleware() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI, WORKOS_COOKIE_PASSWORD
	if err != nil {
		log.Fatal(err)
	}
	router := gin.New()
	router.Use(authkitgin.Middleware(kit))
	router.GET("/sign-in", authkitgin.SignIn(kit))
	router.GET("/callback", authkitgin.Callback(kit)) // the path of WORKOS_REDIRECT_URI
	router.POST("/sign-out", authkitgin.SignOut(kit))

	router.GET("/", func(c *gin.Context) {
		if a := authkitgin.Auth(c); a != nil {
			c.String(http.StatusOK, "Hello, %s", a.User.Name())
			return
		}
		c.String(http.StatusOK, "Hello, stranger")
	})
	log.Fatal(router.Run(":8080"))
}

// RequireAuth guards a group: browsers are sent to sign-in, API requests
// get 401, and members without the role get 403.
func ExampleRequireAuth() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	router := gin.New()
	router.Use(authkitgin.Middleware(kit))
	admin := router.Group("/admin", authkitgin.RequireAuth(kit, authkitgin.WithRole("admin")))
	admin.GET("/users", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"email": authkitgin.Auth(c).User.Email})
	})
	log.Fatal(router.Run(":8080"))
}

// WithPublicPaths opens some paths when RequireAuth guards the whole router.
func ExampleWithPublicPaths() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	router := gin.New()
	router.Use(
		authkitgin.Middleware(kit),
		authkitgin.RequireAuth(kit, authkitgin.WithPublicPaths("/health", "/sign-in", "/callback", "/assets/*")),
	)
	router.GET("/sign-in", authkitgin.SignIn(kit))
	router.GET("/callback", authkitgin.Callback(kit))
}

// AccessToken returns the verified WorkOS access token, to call other APIs
// on the user's behalf.
func ExampleAccessToken() {
	handler := func(c *gin.Context) {
		req, _ := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, "https://api.example.com/orders", nil)
		req.Header.Set("Authorization", "Bearer "+authkitgin.AccessToken(c))
		// ...
	}
	_ = handler
}

// Handlers call the client directly with authkit.FromHTTPRequest(c.Request)
// and write the Decision: refresh now, save a session from the app's own
// password page, a sign-in link with options, a recent-sign-in guard.
func Example_handlers() {
	kit, err := authkit.New(authkit.Config{AcceptAPIKeys: true}) // Bearer <WorkOS API key> on API routes
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(authkitgin.Middleware(kit))
	r.POST("/refresh", func(c *gin.Context) {
		d := kit.Refresh(c.Request.Context(), authkit.FromHTTPRequest(c.Request), authkit.RefreshOptions{OrganizationID: c.PostForm("organization_id")})
		d.Write(c.Writer) // the new session cookie
		if d.Err != nil {
			c.String(http.StatusConflict, "could not refresh")
			return
		}
		c.JSON(http.StatusOK, d.Auth)
	})
	r.POST("/password-sign-in", func(c *gin.Context) {
		resp, err := kit.WorkOS().AuthenticateWithPassword(c, workos.PasswordParams{Email: c.PostForm("email"), Password: c.PostForm("password")})
		if err != nil {
			c.String(http.StatusUnauthorized, "wrong email or password")
			return
		}
		d := kit.SaveSession(c, authkit.FromHTTPRequest(c.Request), resp)
		d.Write(c.Writer)
		c.Redirect(http.StatusSeeOther, "/account")
	})
	r.GET("/sign-in-link", func(c *gin.Context) {
		link, _ := kit.SignInURL(authkit.SignInOptions{ReturnTo: "/account", OrganizationID: c.Query("org"), MaxAge: time.Hour})
		c.String(http.StatusOK, link)
	})
	r.GET("/settings/security", authkitgin.RequireAuth(kit, authkitgin.WithRecentAuth(10*time.Minute)), func(c *gin.Context) {
		c.String(http.StatusOK, "settings")
	})
}
