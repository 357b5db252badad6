export const metadata = { title: 'authkit-go + Next.js' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 760, margin: '2rem auto', padding: '0 1rem' }}>
        <header>
          <a href="/">Home</a> · <a href="/account">Account</a> · <a href="/api/me">/api/me (Go)</a>
        </header>
        {children}
      </body>
    </html>
  );
}
