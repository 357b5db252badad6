package authkit_test

import (
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) authkit.Store { return authkit.NewMemoryStore(nil) })
}
