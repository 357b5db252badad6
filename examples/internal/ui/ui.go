// Package ui renders the example apps' pages and JSON, the same for every
// framework, and answers "which organizations does this user have".
package ui

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"time"
	"unicode"

	authkit "github.com/authkit-go/authkit/core"
)

//go:embed templates/*.html
var files embed.FS

var pages = map[string]*template.Template{
	"home":    template.Must(template.ParseFS(files, "templates/layout.html", "templates/home.html")),
	"account": template.Must(template.ParseFS(files, "templates/layout.html", "templates/account.html")),
}

// Org is an organization the user belongs to.
type Org struct {
	ID, Name, Role string
}

// Orgs is what the app knows of a user's organizations: the memberships
// WorkOS (or the built-in emulator) lists (Known, List). When they cannot
// be read right now, the account page offers a free-text organization ID
// instead.
type Orgs struct {
	Known bool
	List  []Org
}

// Name returns the name of organization id, or "" when unknown.
func (o Orgs) Name(id string) string {
	for _, org := range o.List {
		if org.ID == id {
			return org.Name
		}
	}
	return ""
}

// Directory looks up users' organizations at WorkOS (or the emulator),
// through the client's cached organization memberships.
type Directory struct {
	kit *authkit.Client
}

// NewDirectory returns the directory of the app; with a nil kit,
// memberships are unknown.
func NewDirectory(kit *authkit.Client) *Directory { return &Directory{kit: kit} }

// Of returns the organizations of auth's user; unknown (Known false) when
// WorkOS cannot be asked right now.
func (d *Directory) Of(ctx context.Context, auth *authkit.Auth) Orgs {
	if d == nil || d.kit == nil || auth == nil {
		return Orgs{}
	}
	ms, err := d.kit.OrganizationMemberships(ctx, auth)
	if err != nil {
		return Orgs{}
	}
	out := Orgs{Known: true}
	for _, m := range ms {
		out.List = append(out.List, Org{ID: m.OrganizationID, Name: m.OrganizationName, Role: m.Role})
	}
	return out
}

type page struct {
	Title string
	Auth  *authkit.Auth
	Orgs  Orgs

	OrgName, Initial            string
	ExpiresAt, IssuedAt         string // RFC 3339
	ExpiresAtText, IssuedAtText string
}

// Home renders the public home page: sign-in and sign-up links when auth
// is nil, the user's name otherwise.
func Home(w io.Writer, auth *authkit.Auth) error {
	return render(w, "home", page{Title: "Home", Auth: auth})
}

// Account renders the account page of auth (not nil: the route is
// protected) with the organization switcher for orgs.
func Account(w io.Writer, auth *authkit.Auth, orgs Orgs) error {
	p := page{Title: "Account", Auth: auth, Orgs: orgs, OrgName: orgs.Name(auth.OrganizationID)}
	for _, r := range auth.User.Name() {
		p.Initial = string(unicode.ToUpper(r))
		break
	}
	p.ExpiresAt, p.ExpiresAtText = stamp(auth.ExpiresAt)
	p.IssuedAt, p.IssuedAtText = stamp(auth.IssuedAt)
	return render(w, "account", p)
}

func stamp(t time.Time) (machine, human string) {
	if t.IsZero() {
		return "", "unknown"
	}
	return t.UTC().Format(time.RFC3339), t.Local().Format("Mon 2 Jan 15:04:05 MST")
}

// headerWriter is an http.ResponseWriter or anything with its Header.
type headerWriter interface{ Header() http.Header }

// render executes a page into a buffer, then writes it, so a template error
// never leaves half a page. When w has headers (net/http, Gin, Echo) it sets
// the Content-Type; Fiber sets it with c.Type("html").
func render(w io.Writer, name string, p page) error {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		if rw, ok := w.(http.ResponseWriter); ok {
			http.Error(rw, "template error", http.StatusInternalServerError)
		}
		return err
	}
	if hw, ok := w.(headerWriter); ok {
		hw.Header().Set("Content-Type", "text/html; charset=utf-8")
		hw.Header().Set("Cache-Control", "no-store")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// User is the JSON of GET /api/me.
type User struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	Name              string    `json:"name"`
	FirstName         string    `json:"firstName,omitempty"`
	LastName          string    `json:"lastName,omitempty"`
	ProfilePictureURL string    `json:"profilePictureUrl,omitempty"`
	OrganizationID    string    `json:"organizationId,omitempty"`
	Role              string    `json:"role,omitempty"`
	Permissions       []string  `json:"permissions"`
	SessionID         string    `json:"sessionId"`
	ExpiresAt         time.Time `json:"expiresAt"`
	IssuedAt          time.Time `json:"issuedAt"`
	Source            string    `json:"source"`
}

// JSONUser returns the JSON body of GET /api/me for auth.
func JSONUser(auth *authkit.Auth) User {
	perms := auth.Permissions
	if perms == nil {
		perms = []string{}
	}
	return User{
		ID: auth.User.ID, Email: auth.User.Email, Name: auth.User.Name(),
		FirstName: auth.User.FirstName, LastName: auth.User.LastName, ProfilePictureURL: auth.User.ProfilePictureURL,
		OrganizationID: auth.OrganizationID, Role: auth.Role, Permissions: perms,
		SessionID: auth.SessionID, ExpiresAt: auth.ExpiresAt, IssuedAt: auth.IssuedAt, Source: string(auth.Source),
	}
}

// WriteJSON writes v as indented JSON with status 200: every example
// answers GET /api/me through it, so the four frameworks send the same
// bytes. When w has headers (net/http, Gin, Echo) it sets the Content-Type;
// Fiber sets it with c.Type("json").
func WriteJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if hw, ok := w.(headerWriter); ok {
		hw.Header().Set("Content-Type", "application/json")
	}
	_, err := w.Write(buf.Bytes())
	return err
}
