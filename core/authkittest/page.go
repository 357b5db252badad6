package authkittest

import (
	"html/template"
	"net/http"
	"strings"
)

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · WorkOS emulator</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%236363f1'/%3E%3Cpath d='M4 8.5l2.5 2.5L12 5.5' stroke='%23fff' stroke-width='2' fill='none'/%3E%3C/svg%3E">
<style>
 body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f5f5f7;color:#1d1d1f;margin:0;padding:2rem 1rem}
 main{max-width:32rem;margin:0 auto;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:2rem}
 h1{font-size:1.4rem;margin:0 0 .25rem}
 p.note{color:#6e6e73;margin:0 0 1.5rem;font-size:.9rem}
 ul{list-style:none;padding:0;margin:0}
 li{border:1px solid #e5e5ea;border-radius:8px;padding:1rem;margin-bottom:.75rem;display:flex;align-items:center;justify-content:space-between;gap:1rem}
 li.hint{border-color:#6363f1}
 .who strong{display:block}
 .who span{color:#6e6e73;font-size:.85rem;display:block}
 button{background:#6363f1;color:#fff;border:0;border-radius:6px;padding:.55rem 1rem;font-size:.9rem;cursor:pointer;white-space:nowrap}
 button:hover{background:#4f4fd6}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p class="note">WorkOS emulator (authkit-go). Pick a seeded user to continue.{{if .Org}} Organization: {{.Org}}.{{end}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="request" value="{{.Request}}">
<ul>
{{range .Users}}<li{{if .Hint}} class="hint"{{end}}>
 <div class="who"><strong>{{.Name}}</strong><span>{{.Email}}</span><span>{{if .Orgs}}{{.Orgs}}{{else}}No organization{{end}}</span></div>
 <button type="submit" name="email" value="{{.Email}}" data-email="{{.Email}}" data-user-id="{{.ID}}" aria-label="Sign in as {{.Email}}">Sign in as {{.Name}}</button>
</li>
{{end}}</ul>
</form>
</main>
</body>
</html>
`))

type pageUser struct {
	ID, Name, Email, Orgs string
	Hint                  bool
}

func (e *Emulator) renderSignIn(w http.ResponseWriter, reqID string, p *pendingAuth, users []User) {
	title := "Sign in"
	if p.screenHint == "sign-up" {
		title = "Sign up"
	}
	data := struct {
		Title, Org, Action, Request string
		Users                       []pageUser
	}{Title: title, Action: approvePath, Request: reqID}
	if p.orgID != "" {
		e.mu.Lock()
		if o, ok := e.orgLocked(p.orgID); ok {
			data.Org = o.Name
		}
		e.mu.Unlock()
	}
	for _, u := range users {
		var orgs []string
		for _, m := range u.Memberships {
			orgs = append(orgs, m.OrganizationName+" ("+m.Role+")")
		}
		data.Users = append(data.Users, pageUser{
			ID: u.ID, Name: u.Name(), Email: u.Email, Orgs: strings.Join(orgs, ", "),
			Hint: p.loginHint != "" && strings.EqualFold(p.loginHint, u.Email),
		})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	if err := signInPage.Execute(w, data); err != nil {
		e.log.Error("authkittest: render sign-in page", "err", err)
	}
}

// faviconSVG is the emulator's icon, also inlined in its sign-in page.
const faviconSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="4" fill="#6363f1"/><path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>`
