// Package authkit is the framework-agnostic core of authkit-go.
package authkit
