package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// Two processes of one checkout (the demo and the test) must not build into
// one dist dir at once: prepare holds prepareLock exclusively. flock locks
// belong to an open file, so two opens in one process conflict as two
// processes would.
func TestPrepareLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), prepareLock)
	first, err := flock(path, syscall.LOCK_EX, io.Discard, "")
	require.NoError(t, err)
	other, err := os.Open(path)
	require.NoError(t, err)
	defer other.Close()
	err = syscall.Flock(int(other.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	require.True(t, errors.Is(err, syscall.EWOULDBLOCK), "a second build waits while the first holds the lock: %v", err)
	require.NoError(t, first.Close())
	second, err := flock(path, syscall.LOCK_EX, io.Discard, "")
	require.NoError(t, err, "the lock is free once the first build is done")
	require.NoError(t, second.Close())
}

// pruneBuilds deletes the builds no server holds, and only those.
func TestPruneBuildsKeepsHeldBuilds(t *testing.T) {
	dot := t.TempDir()
	for _, n := range []string{"authkit-old", "authkit-served", "authkit-current"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dot, n), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dot, n+".lock"), nil, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dot, prepareLock), nil, 0o644))
	served, err := flock(filepath.Join(dot, "authkit-served.lock"), syscall.LOCK_SH, io.Discard, "")
	require.NoError(t, err)
	defer served.Close()

	pruneBuilds(dot, "authkit-current")
	require.NoDirExists(t, filepath.Join(dot, "authkit-old"), "an unused build of other sources is deleted")
	require.NoFileExists(t, filepath.Join(dot, "authkit-old.lock"))
	require.DirExists(t, filepath.Join(dot, "authkit-served"), "a build a server runs from stays")
	require.DirExists(t, filepath.Join(dot, "authkit-current"))
	require.FileExists(t, filepath.Join(dot, prepareLock))

	require.NoError(t, served.Close())
	pruneBuilds(dot, "authkit-current")
	require.NoDirExists(t, filepath.Join(dot, "authkit-served"), "deleted once its server stopped")
}
