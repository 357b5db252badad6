// Package version holds the release version of the authkit-go modules, so
// that the root package (authkit.Version) and package workos (its
// User-Agent) can share it without an import cycle.
//
// scripts/release.sh rewrites the constant in the release commit; between
// releases it names the last release.
package version

// Version is the authkit-go release these sources belong to, without the
// leading "v" of the module tags (core/v0.1.0 has Version "0.1.0").
const Version = "0.1.0"
