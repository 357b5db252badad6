package demo

import (
	"bytes"
	"flag"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func parse(t *testing.T, getenv func(string) string, args ...string) (Options, error) {
	t.Helper()
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parseArgs(fs, args, getenv)
}

func TestPortFromEnvironment(t *testing.T) {
	opts, err := parse(t, env(map[string]string{"PORT": "9000"}))
	require.NoError(t, err)
	require.Equal(t, ":9000", opts.Addr)

	opts, err = parse(t, env(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", opts.Addr)

	opts, err = parse(t, env(map[string]string{"PORT": "abc"}), "--addr", "127.0.0.1:9001")
	require.NoError(t, err, "--addr wins, so PORT is not used")
	require.Equal(t, "127.0.0.1:9001", opts.Addr)

	for _, bad := range []string{"abc", "-1", "65536", "80 80", ":8080"} {
		_, err := parse(t, env(map[string]string{"PORT": bad}))
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "invalid PORT", bad)
		require.Contains(t, err.Error(), "PORT=9000 make demo", bad)
	}
}

func TestBusyPortSuggestsAnother(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(port)

	_, err = Listen(Options{Addr: ln.Addr().String(), Out: io.Discard})
	require.Error(t, err)
	require.Contains(t, err.Error(), "port "+port+" is already in use")
	require.Contains(t, err.Error(), "PORT="+strconv.Itoa(n+1)+" make demo")
}

func TestDemoCookiePasswordIsShown(t *testing.T) {
	opts, err := parse(t, env(nil))
	require.NoError(t, err)
	pw := opts.Getenv("WORKOS_COOKIE_PASSWORD")
	require.GreaterOrEqual(t, len(pw), 32, "the app gets the demo password through Getenv")

	var out bytes.Buffer
	opts.Addr, opts.Out = "127.0.0.1:0", &out
	site, err := Listen(opts)
	require.NoError(t, err)
	defer site.Close()
	site.banner(authkittest.NewServer(t))
	require.Contains(t, out.String(), "DEMO ONLY")
	require.Contains(t, out.String(), "authkit unseal --password "+pw)

	// A password of one's own, or a real WorkOS environment: nothing made up, nothing printed.
	for _, kv := range []map[string]string{
		{"WORKOS_COOKIE_PASSWORD": "my-own-cookie-password-of-32-chars!"},
		{"WORKOS_CLIENT_ID": "client_123", "WORKOS_API_KEY": "sk_123"},
	} {
		opts, err := parse(t, env(kv))
		require.NoError(t, err)
		require.Equal(t, kv["WORKOS_COOKIE_PASSWORD"], opts.Getenv("WORKOS_COOKIE_PASSWORD"))
		out.Reset()
		opts.Addr, opts.Out = "127.0.0.1:0", &out
		site, err := Listen(opts)
		require.NoError(t, err)
		site.banner(authkittest.NewServer(t))
		site.Close()
		require.NotContains(t, out.String(), "DEMO ONLY")
		require.NotContains(t, out.String(), "my-own-cookie-password")
	}
}
