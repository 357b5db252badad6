// Package authkitecho is the authkit-go adapter for echo.
package authkitecho
