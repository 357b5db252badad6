package authkit

import "github.com/authkit-go/authkit/core/internal/version"

// Version is the authkit-go release of this module, without the leading "v"
// of its tag (core/v0.1.0 is "0.1.0"). Calls to WorkOS send it in the
// User-Agent as "authkit-go/<Version>"; the authkit command prints it.
const Version = version.Version
