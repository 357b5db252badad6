// Command release-tool is the Go half of scripts/release.sh. Run from
// anywhere in the repository:
//
//	release-tool tags VERSION        print the tags of a release, in push order (core first)
//	release-tool bump VERSION        set the inter-module requirements and authkit.Version to VERSION
//	release-tool proxy DIR VERSION   write a GOPROXY=file://DIR module proxy of the working tree at VERSION
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authkit-go/authkit/internal/release"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: release-tool tags VERSION | bump VERSION | proxy DIR VERSION")
		return 2
	}
	if len(args) < 2 {
		return usage()
	}
	version := args[len(args)-1]
	if err := release.CheckVersion(version); err != nil {
		fmt.Fprintln(stderr, "release-tool:", err)
		return 2
	}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(stderr, "release-tool:", err)
		return 1
	}
	root, err := release.RepoRoot(cwd)
	if err != nil {
		fmt.Fprintln(stderr, "release-tool:", err)
		return 1
	}
	switch {
	case args[0] == "tags" && len(args) == 2:
		mods, err := release.Modules(root)
		if err != nil {
			fmt.Fprintln(stderr, "release-tool:", err)
			return 1
		}
		for _, m := range release.Released(mods) {
			fmt.Fprintln(stdout, m.Tag(version))
		}
	case args[0] == "bump" && len(args) == 2:
		changed, err := release.Bump(root, version)
		for _, f := range changed {
			fmt.Fprintln(stdout, f)
		}
		if err != nil {
			fmt.Fprintln(stderr, "release-tool:", err)
			return 1
		}
	case args[0] == "proxy" && len(args) == 3:
		mods, err := release.WriteProxy(root, args[1], version, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "release-tool:", err)
			return 1
		}
		for _, m := range mods {
			fmt.Fprintf(stdout, "%s@%s\n", m.Path, version)
		}
	default:
		return usage()
	}
	return 0
}
