package release_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authkit-go/authkit/internal/release"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := release.RepoRoot(".")
	require.NoError(t, err)
	return root
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"v0.1.0", "v1.2.3", "v1.0.0-rc.1", "v0.1.1-consumertest.20250101T000000"} {
		require.NoError(t, release.CheckVersion(v), v)
	}
	for _, v := range []string{"", "0.1.0", "v1", "v1.2", "v1.2.3+build", "v01.2.3", "core/v0.1.0", "v2.0.0"} {
		require.Error(t, release.CheckVersion(v), v)
	}
}

func TestRewriteGoMod(t *testing.T) {
	in := []byte(`module github.com/authkit-go/authkit/adapters/gin

go 1.26.0

require (
	github.com/authkit-go/authkit/core v0.0.0 // the core
	github.com/gin-gonic/gin v1.12.0
)

replace github.com/authkit-go/authkit/core => ../../core
`)
	out, err := release.RewriteGoMod("go.mod", in, "v0.2.0")
	require.NoError(t, err)
	f, err := modfile.Parse("go.mod", out, nil)
	require.NoError(t, err)
	versions := map[string]string{}
	for _, r := range f.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	require.Equal(t, map[string]string{"github.com/authkit-go/authkit/core": "v0.2.0", "github.com/gin-gonic/gin": "v1.12.0"}, versions)
	require.Len(t, f.Replace, 1, "replace lines only matter inside the repository and stay")
	require.Contains(t, string(out), "// the core")

	again, err := release.RewriteGoMod("go.mod", out, "v0.2.0")
	require.NoError(t, err)
	require.Equal(t, string(out), string(again))

	_, err = release.RewriteGoMod("go.mod", in, "0.2.0")
	require.Error(t, err)
}

func TestRewriteVersion(t *testing.T) {
	src := []byte("package version\n\n// Version doc.\nconst Version = \"0.1.0\"\n")
	out, err := release.RewriteVersion(src, "v1.2.3-rc.1")
	require.NoError(t, err)
	require.Equal(t, "package version\n\n// Version doc.\nconst Version = \"1.2.3-rc.1\"\n", string(out))

	_, err = release.RewriteVersion([]byte("package version\n"), "v1.2.3")
	require.Error(t, err)
}

// TestModules checks the real workspace: core is tagged first, every
// released module requires only released modules, examples are not released.
func TestModules(t *testing.T) {
	root := repoRoot(t)
	mods, err := release.Modules(root)
	require.NoError(t, err)
	require.Equal(t, "core", mods[0].Dir)
	released := map[string]bool{}
	for _, m := range mods {
		released[m.Dir] = m.Released
	}
	require.True(t, released["core"])
	require.True(t, released["adapters/gin"])
	require.True(t, released["stores/redis"])
	require.True(t, released["otel"])
	require.False(t, released["examples"])
	require.False(t, released["internal/release"])
	require.Equal(t, "adapters/gin/v0.3.0", release.Module{Dir: "adapters/gin"}.Tag("v0.3.0"))

	v, err := release.ReadVersion(root)
	require.NoError(t, err)
	require.NoError(t, release.CheckVersion(v))
}

// TestBump bumps a copy of the workspace's go.mod files and version file.
func TestBump(t *testing.T) {
	root := repoRoot(t)
	mods, err := release.Modules(root)
	require.NoError(t, err)
	tmp := t.TempDir()
	copyFile := func(rel string) {
		data, err := os.ReadFile(filepath.Join(root, rel))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(tmp, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tmp, rel), data, 0o644))
	}
	copyFile("go.work")
	copyFile(release.VersionFile)
	for _, m := range mods {
		copyFile(filepath.Join(m.Dir, "go.mod"))
	}

	changed, err := release.Bump(tmp, "v0.9.7")
	require.NoError(t, err)
	require.Contains(t, changed, release.VersionFile)
	require.Contains(t, changed, "adapters/gin/go.mod")
	v, err := release.ReadVersion(tmp)
	require.NoError(t, err)
	require.Equal(t, "v0.9.7", v)
	after, err := release.Modules(tmp)
	require.NoError(t, err)
	for _, m := range after {
		data, err := os.ReadFile(filepath.Join(tmp, m.Dir, "go.mod"))
		require.NoError(t, err)
		f, err := modfile.Parse("go.mod", data, nil)
		require.NoError(t, err)
		for _, r := range f.Require {
			if len(r.Mod.Path) > len(release.RootPath) && r.Mod.Path[:len(release.RootPath)+1] == release.RootPath+"/" {
				require.Equal(t, "v0.9.7", r.Mod.Version, "%s requires %s", m.Dir, r.Mod.Path)
			}
		}
	}

	changed, err = release.Bump(tmp, "v0.9.7")
	require.NoError(t, err)
	require.Empty(t, changed, "a second bump to the same version changes nothing")
}

// TestWriteProxy checks the proxy files of the working tree: valid module
// zips whose go.mod is the .mod file, with the candidate's requirements.
func TestWriteProxy(t *testing.T) {
	dir := t.TempDir()
	mods, err := release.WriteProxy(repoRoot(t), dir, "v0.0.1-test", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, "core", mods[0].Dir)
	for _, m := range mods {
		vdir := filepath.Join(dir, filepath.FromSlash(m.Path), "@v")
		list, err := os.ReadFile(filepath.Join(vdir, "list"))
		require.NoError(t, err)
		require.Equal(t, "v0.0.1-test\n", string(list))
		info, err := os.ReadFile(filepath.Join(vdir, "v0.0.1-test.info"))
		require.NoError(t, err)
		require.JSONEq(t, `{"Version":"v0.0.1-test","Time":"2025-01-02T03:04:05Z"}`, string(info))
		_, err = zip.CheckZip(module.Version{Path: m.Path, Version: "v0.0.1-test"}, filepath.Join(vdir, "v0.0.1-test.zip"))
		require.NoError(t, err)
		gomod, err := os.ReadFile(filepath.Join(vdir, "v0.0.1-test.mod"))
		require.NoError(t, err)
		f, err := modfile.Parse("go.mod", gomod, nil)
		require.NoError(t, err)
		require.Equal(t, m.Path, f.Module.Mod.Path)
		for _, r := range f.Require {
			if r.Mod.Path == "github.com/authkit-go/authkit/core" {
				require.Equal(t, "v0.0.1-test", r.Mod.Version)
			}
		}
		if m.Dir == "core" {
			require.Empty(t, f.Replace, "go install core/cmd/authkit@version refuses a go.mod with replace")
		}
	}
}
