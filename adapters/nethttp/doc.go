// Package authkithttp is the authkit-go adapter for nethttp.
package authkithttp
