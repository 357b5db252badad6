package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/seal"
)

// passwordEnv is read when no --password flag is given.
const passwordEnv = "WORKOS_COOKIE_PASSWORD"

// maxInput bounds what seal/unseal read from stdin.
const maxInput = 1 << 20

func init() {
	commands["seal"] = command{summary: "seal a JSON payload from stdin into a wos-session cookie value", run: runSeal}
	commands["unseal"] = command{summary: "unseal a wos-session cookie value from stdin and print its JSON payload", run: runUnseal}
}

// passwordFlag collects repeatable --password P / --password ID=P values.
type passwordFlag struct{ p seal.Passwords }

func (f *passwordFlag) String() string { return "" }

// Set accepts "ID=P" when ID matches ^\w+$ and is shorter than 32 characters
// (a bare password is at least 32, so a base64 password ending in '=' is
// never mistaken for ID=P); anything else is a bare password with id "1".
func (f *passwordFlag) Set(v string) error {
	id, pw := "1", v
	if i := strings.IndexByte(v, '='); i > 0 && i < seal.MinPasswordLength && isWord(v[:i]) {
		id, pw = v[:i], v[i+1:]
	}
	if f.p == nil {
		f.p = seal.Passwords{}
	}
	if _, dup := f.p[id]; dup {
		return fmt.Errorf("password id %q given twice", id)
	}
	f.p[id] = pw
	return nil
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// passwords returns the flag's passwords, or those of $WORKOS_COOKIE_PASSWORD,
// validated; the error names the flag or variable to fix.
func (f *passwordFlag) passwords() (seal.Passwords, error) {
	if f.p != nil {
		return f.p, f.p.Validate("--password")
	}
	env := os.Getenv(passwordEnv)
	if env == "" {
		return nil, fmt.Errorf("no password: pass --password or set %s", passwordEnv)
	}
	p := seal.Single(env)
	return p, p.Validate(passwordEnv)
}

// newFlagSet returns a ContinueOnError flag set writing to stderr with a usage
// line for the subcommand.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("authkit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: authkit %s %s\n\n%s\n\nflags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and reports the exit code to return when parsing
// did not succeed (0 for -h, 2 for usage errors).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q (input is read from stdin)\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return exitUsage, false
	}
	return 0, true
}

const passwordHelp = "cookie password `P` or ID=P for rotation (repeatable; a bare P has id 1; default $" + passwordEnv + ")"

func runUnseal(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("unseal", "[--password P | --password ID=P ...] [--at TIME] < cookie",
		"Reads a sealed wos-session value (Fe26.2*...) from stdin and prints its JSON payload.", stderr)
	var pw passwordFlag
	fs.Var(&pw, "password", passwordHelp)
	at := fs.String("at", "", "check expiry as of `TIME` (RFC 3339 or Unix milliseconds; default now)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var opts []seal.Option
	if *at != "" {
		t, err := parseTime(*at)
		if err != nil {
			fmt.Fprintf(stderr, "authkit unseal: invalid --at %q: %v\n", *at, err)
			fs.Usage()
			return exitUsage
		}
		opts = append(opts, seal.WithClock(func() time.Time { return t }))
	}
	p, err := pw.passwords()
	if err != nil {
		fmt.Fprintf(stderr, "authkit unseal: %v\n", err)
		return exitUsage
	}
	in, err := readInput(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "authkit unseal: %v\n", err)
		return exitFailure
	}
	value := cookieValue(string(in))
	if value == "" {
		fmt.Fprintln(stderr, "authkit unseal: no sealed value on stdin")
		return exitFailure
	}
	pt, err := seal.Unseal(value, p, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "authkit unseal: %s\n", unsealMessage(err))
		return exitFailure
	}
	var out bytes.Buffer
	if err := json.Indent(&out, pt, "", "  "); err != nil {
		fmt.Fprintf(stderr, "authkit unseal: payload is not JSON: %v\n", err)
		return exitFailure
	}
	out.WriteByte('\n')
	if _, err := stdout.Write(out.Bytes()); err != nil {
		fmt.Fprintf(stderr, "authkit unseal: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// unsealMessage says what a failed unseal means for the person running the
// command. A bad MAC is what a wrong password looks like, so it says that
// rather than "seal: bad MAC".
func unsealMessage(err error) string {
	if errors.Is(err, seal.ErrBadMAC) {
		return "wrong password or tampered/foreign cookie (the seal's integrity check failed); check --password or $" + passwordEnv
	}
	return err.Error()
}

func runSeal(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("seal", "[--password P | --password ID=P ...] [--ttl DURATION] < payload.json",
		"Reads a JSON payload from stdin and prints it sealed as a wos-session value (Fe26.2*...~2),\n"+
			"using the highest password id.", stderr)
	var pw passwordFlag
	fs.Var(&pw, "password", passwordHelp)
	ttlFlag := fs.String("ttl", "0", "expire the seal after `DURATION` (e.g. 336h, or seconds); 0 = never, as AuthKit does")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ttl, err := parseTTL(*ttlFlag)
	if err != nil {
		fmt.Fprintf(stderr, "authkit seal: invalid --ttl %q: %v\n", *ttlFlag, err)
		fs.Usage()
		return exitUsage
	}
	p, err := pw.passwords()
	if err != nil {
		fmt.Fprintf(stderr, "authkit seal: %v\n", err)
		return exitUsage
	}
	in, err := readInput(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "authkit seal: %v\n", err)
		return exitFailure
	}
	in = bytes.TrimSpace(in)
	if !json.Valid(in) {
		fmt.Fprintln(stderr, "authkit seal: stdin is not valid JSON")
		return exitFailure
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, in); err != nil {
		fmt.Fprintf(stderr, "authkit seal: %v\n", err)
		return exitFailure
	}
	s, err := seal.Seal(compact.Bytes(), p, seal.WithTTL(ttl))
	if err != nil {
		fmt.Fprintf(stderr, "authkit seal: %v\n", err)
		return exitFailure
	}
	if _, err := fmt.Fprintln(stdout, s); err != nil {
		fmt.Fprintf(stderr, "authkit seal: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func readInput(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("stdin is larger than %d bytes", maxInput)
	}
	return b, nil
}

// cookieValue extracts the sealed value from what a user may paste: the bare
// value, "wos-session=VALUE", a Set-Cookie style "name=VALUE; Path=/; ...",
// a double-quoted value, or a percent-encoded one.
func cookieValue(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "Cookie:")
	s = strings.TrimPrefix(s, "Set-Cookie:")
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 && !strings.Contains(s[:i], "Fe26") {
		// "a=b; wos-session=Fe26..." : take the pair holding the seal.
		for _, pair := range strings.Split(s, ";") {
			if strings.Contains(pair, "Fe26") {
				s = strings.TrimSpace(pair)
				break
			}
		}
	}
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if i := strings.IndexByte(s, '='); i > 0 && !strings.ContainsAny(s[:i], "*~%") {
		s = s[i+1:]
	}
	s = strings.Trim(s, `"`)
	if strings.Contains(s, "%") {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	return strings.TrimSpace(s)
}

// parseTime parses RFC 3339 or Unix milliseconds.
func parseTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 (2026-01-01T00:00:00Z) or Unix milliseconds")
	}
	return t, nil
}

// parseTTL parses a Go duration or a whole number of seconds.
func parseTTL(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > int64(1<<62)/int64(time.Second) {
			return 0, errors.New("out of range")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("want a duration such as 336h or a number of seconds")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}
