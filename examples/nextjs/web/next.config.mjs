/** @type {import('next').NextConfig} */
const nextConfig = {
  // /api/* goes to the Go API: see proxy.js (a runtime rewrite, so the API's
  // address is read when the server starts, not baked in at build time).
  poweredByHeader: false,
  // The Go launcher (next.go) builds into .next/authkit-<source hash> and
  // starts next from there, so that two processes of one checkout (the demo
  // and the test) never build into, or serve from, a directory the other
  // is rewriting. npm run build / next start use .next.
  distDir: process.env.AUTHKIT_NEXT_DIST_DIR || '.next',
};

export default nextConfig;
