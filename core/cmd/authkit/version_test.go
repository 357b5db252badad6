package main

import (
	"runtime"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	r := runCLI(t, "", "version")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, "authkit-go "+authkit.Version+" ("+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")\n", r.stdout)

	r = runCLI(t, "", "version", "extra")
	require.Equal(t, exitUsage, r.code)
	require.Contains(t, r.stderr, "usage: authkit version")

	r = runCLI(t, "", "help")
	require.Contains(t, r.stdout, "version")
}
