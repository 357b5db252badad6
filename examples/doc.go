// Package examples holds the runnable authkit-go example apps, one main
// package per framework (gin, echo, fiber, fiberv3, nethttp), and the tests
// that drive them in a real browser. Run one with `make demo FRAMEWORK=...`
// from the repository root.
package examples
