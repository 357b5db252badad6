package authkit

import (
	"fmt"
	"os"
	"strings"

	"github.com/authkit-go/authkit/core/authkittest"
)

// NewDev builds a Client for local development and demos. When WorkOS
// credentials are configured (Config.ClientID and APIKey, or
// WORKOS_CLIENT_ID and WORKOS_API_KEY) it is exactly New(cfg) and the
// returned emulator is nil. Otherwise it starts the built-in WorkOS
// emulator on loopback with opts, points the client at it, and, when no
// cookie password is set, uses a random one (sessions then end with the
// process). Close the emulator on shutdown.
//
// Never deploy with NewDev and no credentials: anyone can sign in to the
// emulator as any seeded user. Production code calls New.
func NewDev(cfg Config, opts ...authkittest.Option) (*Client, *authkittest.Emulator, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if cfg.ClientID != "" || cfg.APIKey != "" || strings.TrimSpace(getenv("WORKOS_CLIENT_ID")) != "" || strings.TrimSpace(getenv("WORKOS_API_KEY")) != "" {
		c, err := New(cfg)
		return c, nil, err
	}
	emu, err := authkittest.Start(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("authkit: starting the built-in WorkOS emulator: %w", err)
	}
	cfg.ClientID, cfg.APIKey, cfg.APIBaseURL = emu.ClientID(), emu.APIKey(), emu.URL()
	if cfg.CookiePassword == "" && len(cfg.CookiePasswords) == 0 && getenv("WORKOS_COOKIE_PASSWORD") == "" {
		cfg.CookiePassword = randomString(32)
	}
	c, err := New(cfg)
	if err != nil {
		_ = emu.Close()
		return nil, nil, err
	}
	return c, emu, nil
}
