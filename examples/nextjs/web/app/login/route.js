import { redirect } from 'next/navigation';
import { getSignInUrl } from '@workos-inc/authkit-nextjs';

// Sign-in through authkit-nextjs: sets its PKCE verifier cookie
// (wos-auth-verifier-<hash>) and redirects to AuthKit; it comes back to /callback.
export async function GET(request) {
  const returnTo = request.nextUrl.searchParams.get('return_to') || '/account';
  redirect(await getSignInUrl({ returnTo: returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/account' }));
}
