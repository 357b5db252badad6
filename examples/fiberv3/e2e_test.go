package main

import (
	"testing"

	"github.com/authkit-go/authkit/examples/internal/e2e"
)

func TestEndToEnd(t *testing.T) { e2e.Run(t, run) }
