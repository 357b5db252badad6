/** @type {import('next').NextConfig} */
const nextConfig = {
  // /api/* goes to the Go API: see proxy.js (a runtime rewrite, so the API's
  // address is read when the server starts, not baked in at build time).
  poweredByHeader: false,
};

export default nextConfig;
