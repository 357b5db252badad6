// Command authkit is a small toolbox for working with WorkOS AuthKit sessions
// from the command line: sealing and unsealing "wos-session" cookies and more.
//
// Each subcommand lives in its own file and registers itself in the commands
// map from an init function, e.g.
//
//	func init() {
//		commands["verify"] = command{summary: "verify an access token", run: runVerify}
//	}
//
// Subcommands parse their own flags with a flag.FlagSet (ContinueOnError,
// output to stderr), return 0 on success, 1 on failure and 2 on usage errors.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one authkit subcommand.
type command struct {
	// summary is a one-line description shown by the top-level usage.
	summary string
	// run executes the subcommand with the arguments that follow its name and
	// returns the process exit code.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands holds every registered subcommand by name. Subcommands add
// themselves from init functions in their own files.
var commands = map[string]command{}

// Exit codes shared by all subcommands.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches args[0] to the matching subcommand and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"-h"}, stdin, stdout, stderr)
			}
			fmt.Fprintf(stderr, "authkit: unknown command %q\n\n", args[1])
			usage(stderr)
			return exitUsage
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "authkit: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

// usage writes the top-level usage message listing every registered command.
func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	width := 0
	for name := range commands {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: authkit <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, name := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, name, commands[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `run "authkit <command> -h" for the flags of a command`)
}
