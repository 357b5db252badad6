import { withAuth } from '@workos-inc/authkit-nextjs';

// Public home page: the same session whichever side signed in.
export default async function Home({ searchParams }) {
  const { user } = await withAuth();
  const { signed_out: signedOut } = await searchParams;
  const goSite = process.env.GO_SITE_URL; // the split setup's Go app, if any
  return (
    <main>
      <h1>One sign-in, Next.js and Go</h1>
      {signedOut && !user && <p id="flash-signed_out">You are signed out.</p>}
      {user ? (
        <p id="signed-in">
          Signed in as <span id="user-email">{user.email}</span>. <a id="account" href="/account">Account</a>
        </p>
      ) : (
        <p id="signed-out">
          <a id="sign-in-next" href="/login">Sign in with Next.js</a> (authkit-nextjs, callback /callback) or{' '}
          <a id="sign-in-go" href="/api/auth/sign-in?return_to=/account">sign in with Go</a> (authkit-go, callback
          /api/auth/callback).
          {goSite && (
            <>
              {' '}
              Or sign in on <a id="sign-in-go-site" href={goSite + '/sign-in?return_to=%2Faccount'}>the Go app on its own port</a>.
            </>
          )}
        </p>
      )}
    </main>
  );
}
