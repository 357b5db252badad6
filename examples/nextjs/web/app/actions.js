'use server';

import { signOut, switchToOrganization } from '@workos-inc/authkit-nextjs';

// The front end's origin, from its redirect URI.
function origin() {
  return new URL(process.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI).origin;
}

export async function signOutWithNext() {
  await signOut({ returnTo: origin() + '/?signed_out=1' });
}

export async function switchWithNext(formData) {
  await switchToOrganization(String(formData.get('organization_id')), { returnTo: '/account' });
}
