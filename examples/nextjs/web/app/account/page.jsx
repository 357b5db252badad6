import { cookies, headers } from 'next/headers';
import { withAuth } from '@workos-inc/authkit-nextjs';
import { signOutWithNext, switchWithNext } from '../actions';
import BrowserApi from './browser-api';

export const dynamic = 'force-dynamic';

// Calls the Go API from the Next.js server, straight to its address (API_URL).
async function callGo(path, headers) {
  try {
    const res = await fetch(process.env.API_URL + path, { headers, cache: 'no-store' });
    return { status: res.status, body: res.ok ? await res.json() : null };
  } catch (err) {
    return { status: 'error', body: null };
  }
}

// The issue time of an access token (its iat claim), as RFC 3339.
function issuedAt(accessToken) {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
  return new Date(payload.iat * 1000).toISOString().replace('.000Z', 'Z');
}

export default async function Account() {
  // Signed-out visitors never get here: the proxy sends them to AuthKit.
  const { user, organizationId, role, sessionId, accessToken } = await withAuth({ ensureSignedIn: true });
  // Server to Go, two ways: the access token as a bearer token (Go only
  // verifies it: the simplest), or the sealed session as a cookie. Forward
  // the session the proxy handed to this page in x-workos-session (one of
  // authkit-nextjs's AUTHKIT_REQUEST_HEADERS), not the request's cookie:
  // when the proxy has just refreshed the session, the request's cookie
  // holds a spent refresh token.
  const session = (await headers()).get('x-workos-session') ?? (await cookies()).get('wos-session')?.value;
  const [bearer, forwarded, orgs] = await Promise.all([
    callGo('/api/me', { Authorization: `Bearer ${accessToken}` }),
    callGo('/api/me', { Cookie: `wos-session=${session}` }),
    callGo('/api/organizations', { Authorization: `Bearer ${accessToken}` }),
  ]);
  const organizations = orgs.body ?? [];
  const goSite = process.env.GO_SITE_URL; // the split setup's Go app, read at run time
  return (
    <main>
      <h1>Account (Next.js)</h1>
      <dl>
        <dt>User</dt>
        <dd id="user-email">{user.email}</dd>
        <dt>User ID</dt>
        <dd id="user-id">{user.id}</dd>
        <dt>Organization</dt>
        <dd id="organization">{organizationId}</dd>
        <dt>Role</dt>
        <dd id="role">{role}</dd>
        <dt>Session</dt>
        <dd id="session-id">{sessionId}</dd>
        <dt>Access token issued</dt>
        <dd id="issued-at">{issuedAt(accessToken)}</dd>
      </dl>

      <section id="server-api" data-bearer-status={String(bearer.status)} data-cookie-status={String(forwarded.status)}>
        <h2>From the Next.js server: GET /api/me</h2>
        <p>With Authorization: Bearer</p>
        <pre id="server-bearer-result">{JSON.stringify(bearer.body, null, 2)}</pre>
        <p>With the session cookie</p>
        <pre id="server-cookie-result">{JSON.stringify(forwarded.body, null, 2)}</pre>
      </section>

      <BrowserApi />

      <h2>Switch organization</h2>
      <form id="switch-next" action={switchWithNext}>
        <OrganizationPicker organizations={organizations} current={organizationId} />{' '}
        <button type="submit">Switch with Next.js</button>
      </form>
      <form id="switch-go" method="post" action="/api/auth/switch-organization">
        <input type="hidden" name="return_to" value="/account" />
        <OrganizationPicker organizations={organizations} current={organizationId} />{' '}
        <button type="submit">Switch with Go</button>
      </form>

      <h2>Sign out</h2>
      <form id="sign-out-next" action={signOutWithNext}>
        <button type="submit">Sign out with Next.js</button>
      </form>
      <form id="sign-out-go" method="post" action="/api/auth/sign-out">
        <button type="submit">Sign out with Go</button>
      </form>

      {goSite && <GoSite url={goSite} />}
    </main>
  );
}

// The user's organizations (GET /api/organizations) or, when the API does
// not know them (a real WorkOS environment), a free-text organization ID.
function OrganizationPicker({ organizations, current }) {
  if (organizations.length === 0) {
    return <input name="organization_id" placeholder="org_..." required />;
  }
  return (
    <select name="organization_id" defaultValue={current}>
      {organizations.map((o) => (
        <option key={o.ID} value={o.ID}>
          {o.Name}
        </option>
      ))}
    </select>
  );
}

// The split setup: the Go app serving its own pages on another port of this
// host (GO_SITE_URL), no proxy in between. The session cookie is shared
// (cookies are per host, not per port), and its sign-out accepts this form,
// a cross-origin POST, because it lists this app's origin in TrustedOrigins.
function GoSite({ url }) {
  return (
    <section id="go-site">
      <h2>The Go app on its own port</h2>
      <p>
        <a id="go-site-account" href={url + '/account'}>
          Account page of the Go app
        </a>
      </p>
      <form id="sign-out-go-site" method="post" action={url + '/sign-out'}>
        <button type="submit">Sign out with the Go app</button>
      </form>
    </section>
  );
}
