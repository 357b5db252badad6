package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/token"
)

// verifyAPIBase is the WorkOS API used when --api-base is not given.
const verifyAPIBase = "https://api.workos.com"

// maxVerifyLine bounds one stdin line; longer tokens than token.MaxTokenSize
// are still read and reported as malformed.
const maxVerifyLine = 1 << 20

func init() {
	commands["verify"] = command{summary: "verify access tokens from stdin (one per line) and print one JSON result per line", run: runVerify}
}

// verifyListFlag collects a repeatable string flag.
type verifyListFlag []string

func (f *verifyListFlag) String() string { return strings.Join(*f, ",") }

// Set appends v.
func (f *verifyListFlag) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	*f = append(*f, v)
	return nil
}

// verifyResult is one output line.
type verifyResult struct {
	Valid  bool                       `json:"valid"`
	Claims map[string]json.RawMessage `json:"claims,omitempty"`
	Error  string                     `json:"error,omitempty"`
}

func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("verify", "--client-id ID [--api-base URL] [--jwks-url URL] [--issuer ISS ...] [--leeway D] [--algorithm ALG ...] < tokens",
		"Reads access tokens from stdin, one per line (blank lines skipped), verifies them\n"+
			"with one shared JWKS cache (fetched once) and prints one JSON object per line:\n"+
			"{\"valid\":true,\"claims\":{...}} or {\"valid\":false,\"error\":\"<code>: <message>\"}.\n"+
			"Exit status: 0 all valid, 1 any rejected (or no tokens), 2 usage error.", stderr)
	clientID := fs.String("client-id", "", "WorkOS client `ID` (required)")
	apiBase := fs.String("api-base", verifyAPIBase, "WorkOS API base `URL`; derives the JWKS URL and default issuers")
	jwksURL := fs.String("jwks-url", "", "JWKS `URL` (default {api-base}/sso/jwks/{client-id})")
	var issuers, algs verifyListFlag
	fs.Var(&issuers, "issuer", "accepted `ISS` (repeatable; default {api-base}/user_management/{client-id} and {api-base}/)")
	leeway := fs.Duration("leeway", token.DefaultLeeway, "exp/nbf clock-skew leeway `D` (0 for none)")
	fs.Var(&algs, "algorithm", "allowed `ALG` (repeatable; default RS256)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "authkit verify: "+format+"\n", a...)
		fs.Usage()
		return exitUsage
	}
	if *clientID == "" {
		return usageErr("--client-id is required")
	}
	base := strings.TrimRight(*apiBase, "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usageErr("invalid --api-base %q: need an http(s) URL", *apiBase)
	}
	if *leeway < 0 {
		return usageErr("--leeway must not be negative")
	}
	cfg := token.Config{
		ClientID:   *clientID,
		JWKSURL:    *jwksURL,
		Issuers:    issuers,
		APIBase:    base,
		Algorithms: algs,
		Leeway:     *leeway,
		Cache:      jwks.New(), // one cache for this run: the JWKS is fetched once
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = token.DefaultJWKSURL(base, *clientID)
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = -1 // token.Config: zero means default, negative means none
	}
	v, err := token.New(cfg)
	if err != nil {
		return usageErr("%v", err)
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 64<<10), maxVerifyLine)
	ctx := context.Background()
	code, n := exitOK, 0
	for sc.Scan() {
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		n++
		res := verifyResult{Valid: true}
		claims, err := v.Verify(ctx, raw)
		if err != nil {
			res = verifyResult{Error: err.Error()}
			code = exitFailure
		} else {
			res.Claims = claims.Raw
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "authkit verify: writing output: %v\n", err)
			return exitFailure
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "authkit verify: reading stdin: %v\n", err)
		return exitFailure
	}
	if n == 0 {
		fmt.Fprintln(stderr, "authkit verify: no tokens on stdin")
		return exitFailure
	}
	return code
}
