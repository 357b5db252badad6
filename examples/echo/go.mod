module github.com/authkit-go/authkit/examples/echo

go 1.26.0

require (
	github.com/authkit-go/authkit/core v0.0.0
	github.com/authkit-go/authkit/adapters/echo v0.0.0
)

replace (
	github.com/authkit-go/authkit/core => ../../core
	github.com/authkit-go/authkit/adapters/echo => ../../adapters/echo
)
