module github.com/authkit-go/authkit/examples/fiber

go 1.26.0

require (
	github.com/authkit-go/authkit/core v0.0.0
	github.com/authkit-go/authkit/adapters/fiber v0.0.0
)

replace (
	github.com/authkit-go/authkit/core => ../../core
	github.com/authkit-go/authkit/adapters/fiber => ../../adapters/fiber
)
