// Package examples holds the runnable authkit-go example apps, one main
// package per framework (gin, echo, fiber, fiberv3, nethttp), nextjs (a
// Next.js front end and a Go API sharing one sign-in), rpc (a web app
// calling a Connect and gRPC service with the user's token), and the tests
// that drive them in a real browser. Run one with `make demo FRAMEWORK=...`
// from the repository root.
package examples
