// Package dev builds an authkit Client for local development and demos: with
// no WorkOS credentials configured it starts the built-in WorkOS emulator
// (package authkittest) and points the client at it.
//
// It is a package of its own so that production binaries do not link the
// emulator (nor, with it, testing and html/template): code that imports only
// github.com/authkit-go/authkit/core and calls authkit.New can never fall
// back to the emulator by accident. Import this package from demos and
// local tools only.
package dev

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strings"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// New builds a Client for local development. When WorkOS credentials are
// configured (Config.ClientID or APIKey, or WORKOS_CLIENT_ID or
// WORKOS_API_KEY) it is exactly authkit.New(cfg) and the returned emulator
// is nil. Otherwise it logs a warning naming the missing variables (through
// cfg.Logger, default slog.Default()), starts the built-in WorkOS emulator on
// loopback with opts, points the client at it and, when no cookie password
// is set, uses a random one (sessions then end with the process). Close the
// emulator on shutdown.
//
// Never deploy with New and no credentials: anyone can sign in to the
// emulator as any seeded user. Production code calls authkit.New.
func New(cfg authkit.Config, opts ...authkittest.Option) (*authkit.Client, *authkittest.Emulator, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	set := func(field, name string) bool { return field != "" || strings.TrimSpace(getenv(name)) != "" }
	if set(cfg.ClientID, "WORKOS_CLIENT_ID") || set(cfg.APIKey, "WORKOS_API_KEY") {
		c, err := authkit.New(cfg)
		return c, nil, err
	}
	emu, err := authkittest.Start(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("authkit: starting the built-in WorkOS emulator: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("authkit: WORKOS_CLIENT_ID and WORKOS_API_KEY are not set: signing in against the built-in WorkOS emulator, where anyone can sign in as any seeded user; set both (and WORKOS_REDIRECT_URI, WORKOS_COOKIE_PASSWORD) to use WorkOS, and never deploy like this",
		"emulator", emu.URL())
	cfg.ClientID, cfg.APIKey, cfg.APIBaseURL = emu.ClientID(), emu.APIKey(), emu.URL()
	if cfg.CookiePassword == "" && len(cfg.CookiePasswords) == 0 && getenv("WORKOS_COOKIE_PASSWORD") == "" {
		cfg.CookiePassword = rand.Text() + rand.Text() // 52 random base32 characters
	}
	c, err := authkit.New(cfg)
	if err != nil {
		_ = emu.Close()
		return nil, nil, err
	}
	return c, emu, nil
}
