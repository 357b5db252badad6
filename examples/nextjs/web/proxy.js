// Next.js 16 "proxy" (formerly middleware): runs before every matched request.
import { NextResponse } from 'next/server';
import { authkitProxy } from '@workos-inc/authkit-nextjs';

// authkit-nextjs reads and refreshes the wos-session cookie for the pages,
// and sends signed-out visitors of any other page to AuthKit (the proxy can
// set its PKCE verifier cookie; withAuth({ ensureSignedIn: true }) in a
// Server Component cannot, and fails on Next.js 16 when signed out).
const authkit = authkitProxy({
  middlewareAuth: { enabled: true, unauthenticatedPaths: ['/', '/login', '/callback'] },
});

export default function proxy(request, event) {
  const { pathname, search } = request.nextUrl;
  if (pathname === '/api' || pathname.startsWith('/api/')) {
    // The Go API owns /api/*: forward the request as it is (cookies, form
    // posts, redirects and Set-Cookie pass through), one origin for the
    // browser. authkit-nextjs must not touch these requests: if both sides
    // refreshed the same session at once, one would spend the other's
    // single-use refresh token.
    return NextResponse.rewrite(new URL(pathname + search, process.env.API_URL));
  }
  return authkit(request, event);
}

export const config = {
  // Not for static assets: a browser showing a JSON page (the Go API's
  // /api/me) asks for /favicon.ico on its own, and if authkit-nextjs ran
  // for it, it would refresh a due session at the same moment as the Go
  // API, one of the two would spend the other's single-use refresh token,
  // and authkit-nextjs deletes the cookie when its refresh fails.
  matcher: ['/((?!_next/static|_next/image|icon.svg|favicon.ico|robots.txt).*)'],
};
