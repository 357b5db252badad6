package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"

	authkit "github.com/authkit-go/authkit/core"
)

func init() {
	commands["version"] = command{summary: "print the authkit-go version", run: runVersion}
}

// runVersion prints "authkit-go <version> (<go version> <os>/<arch>)".
func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: authkit version") }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	fmt.Fprintf(stdout, "authkit-go %s (%s %s/%s)\n", authkit.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
