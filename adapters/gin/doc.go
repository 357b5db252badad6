// Package authkitgin is the authkit-go adapter for gin.
package authkitgin
