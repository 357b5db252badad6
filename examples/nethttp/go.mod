module github.com/authkit-go/authkit/examples/nethttp

go 1.26.0

require (
	github.com/authkit-go/authkit/core v0.0.0
	github.com/authkit-go/authkit/adapters/nethttp v0.0.0
)

replace (
	github.com/authkit-go/authkit/core => ../../core
	github.com/authkit-go/authkit/adapters/nethttp => ../../adapters/nethttp
)
