// Package authkitfiber is the authkit-go adapter for fiber.
package authkitfiber
