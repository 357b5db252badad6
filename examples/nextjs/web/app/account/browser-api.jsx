'use client';

import { useEffect, useState } from 'react';

// Calls the Go API from the browser: a same-origin fetch to /api/me, which
// the Next.js proxy forwards with the wos-session cookie. If the token is due,
// Go refreshes it and its Set-Cookie reaches the browser.
export default function BrowserApi() {
  const [state, setState] = useState({ status: 'loading' });
  useEffect(() => {
    fetch('/api/me', { cache: 'no-store' })
      .then(async (res) => setState({ status: res.status, body: res.ok ? await res.json() : null }))
      .catch((err) => setState({ status: 'error', error: String(err) }));
  }, []);
  return (
    <section id="browser-api" data-status={String(state.status)}>
      <h2>From the browser: GET /api/me</h2>
      <pre id="browser-api-result">{JSON.stringify(state.body ?? state, null, 2)}</pre>
    </section>
  );
}
