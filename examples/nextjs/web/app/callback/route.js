import { handleAuth } from '@workos-inc/authkit-nextjs';

// authkit-nextjs's callback (NEXT_PUBLIC_WORKOS_REDIRECT_URI). The Go API's is /api/auth/callback.
export const GET = handleAuth({ returnPathname: '/account' });
