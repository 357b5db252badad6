// Package release knows how the authkit-go modules are versioned: which
// modules are released, how a release rewrites their go.mod files and the
// version constant, and how to serve a working tree as a Go module proxy at a
// candidate version (for the consumer test and for trying a release by hand).
//
// Every released module is tagged with the same version, core first
// (core/v0.1.0, adapters/gin/v0.1.0, ...), and requires the other authkit-go
// modules at that version. The replace lines that point at sibling
// directories stay: they only matter inside this repository (Go ignores
// replace directives in dependencies), and keep GOWORK=off builds working
// between the release commit and the tags reaching the module proxy.
package release

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// RootPath is the module path every authkit-go module path starts with.
const RootPath = "github.com/authkit-go/authkit"

// VersionFile holds the Version constant, relative to the repository root.
const VersionFile = "core/internal/version/version.go"

// Module is one module of the workspace.
type Module struct {
	// Dir is the module's directory relative to the repository root, with
	// slashes ("adapters/gin"). Its tags are Dir + "/" + version.
	Dir string
	// Path is the module path.
	Path string
	// Released is false for modules that are never tagged (examples/...,
	// internal/...).
	Released bool
	// Requires lists the module paths of the other authkit-go modules it
	// requires.
	Requires []string
}

// Tag is the git tag of m at version ("adapters/gin/v0.1.0").
func (m Module) Tag(version string) string { return m.Dir + "/" + version }

// CheckVersion reports whether v can be a release version: a canonical
// semantic version with a leading "v" and no build metadata (v0.1.0,
// v1.2.0-rc.1), major version 0 or 1 (v2 and later need /v2 module paths).
func CheckVersion(v string) error {
	if !semver.IsValid(v) || semver.Canonical(v) != v || semver.Build(v) != "" {
		return fmt.Errorf("version %q must look like v1.2.3 or v1.2.3-rc.1", v)
	}
	if m := semver.Major(v); m != "v0" && m != "v1" {
		return fmt.Errorf("version %q: a %s release needs module paths ending in /%s; only v0 and v1 are supported", v, m, m)
	}
	return nil
}

// Modules reads go.work under root and returns its modules in tag order:
// every module after the authkit-go modules it requires (core first), ties
// by directory.
func Modules(root string) ([]Module, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, u := range wf.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		mf, err := readGoMod(filepath.Join(root, dir, "go.mod"))
		if err != nil {
			return nil, err
		}
		m := Module{Dir: dir, Path: mf.Module.Mod.Path}
		if m.Path != RootPath+"/"+dir {
			return nil, fmt.Errorf("%s/go.mod: module %s, want %s/%s (tags are named after the directory)", dir, m.Path, RootPath, dir)
		}
		first := strings.SplitN(dir, "/", 2)[0]
		m.Released = first != "examples" && first != "internal"
		for _, r := range mf.Require {
			if isOurs(r.Mod.Path) {
				m.Requires = append(m.Requires, r.Mod.Path)
			}
		}
		mods = append(mods, m)
	}
	return tagOrder(mods)
}

// Released returns the released modules of mods, in the same order.
func Released(mods []Module) []Module {
	var out []Module
	for _, m := range mods {
		if m.Released {
			out = append(out, m)
		}
	}
	return out
}

// tagOrder sorts mods so that each comes after the workspace modules it
// requires, ties by directory.
func tagOrder(mods []Module) ([]Module, error) {
	slices.SortFunc(mods, func(a, b Module) int { return strings.Compare(a.Dir, b.Dir) })
	done := map[string]bool{}
	inWork := map[string]bool{}
	for _, m := range mods {
		inWork[m.Path] = true
	}
	var out []Module
	for len(out) < len(mods) {
		progress := false
		for _, m := range mods {
			if done[m.Path] {
				continue
			}
			if !slices.ContainsFunc(m.Requires, func(p string) bool { return inWork[p] && !done[p] }) {
				out = append(out, m)
				done[m.Path] = true
				progress = true
				break // restart: keeps the directory order among ready modules
			}
		}
		if !progress {
			return nil, errors.New("go.work modules require each other in a cycle")
		}
	}
	for _, m := range out {
		for _, r := range m.Requires {
			if !inWork[r] {
				return nil, fmt.Errorf("%s requires %s, which is not in go.work", m.Dir, r)
			}
		}
		if !m.Released {
			continue
		}
		for _, r := range m.Requires {
			if i := slices.IndexFunc(out, func(o Module) bool { return o.Path == r }); !out[i].Released {
				return nil, fmt.Errorf("released module %s requires %s, which is never released", m.Dir, r)
			}
		}
	}
	return out, nil
}

func isOurs(p string) bool { return strings.HasPrefix(p, RootPath+"/") }

func readGoMod(file string) (*modfile.File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(file, data, nil)
}

// RewriteGoMod returns the go.mod data with every requirement on another
// authkit-go module set to version. Everything else, replace lines and
// comments included, is kept.
func RewriteGoMod(file string, data []byte, version string) ([]byte, error) {
	if err := CheckVersion(version); err != nil {
		return nil, err
	}
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Require {
		if isOurs(r.Mod.Path) && r.Mod.Version != version {
			if err := f.AddRequire(r.Mod.Path, version); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return modfile.Format(f.Syntax), nil
}

var versionConst = regexp.MustCompile(`(?m)^const Version = "([^"]*)"$`)

// ReadVersion returns the Version constant of the sources under root, with
// a leading "v" ("v0.1.0").
func ReadVersion(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, VersionFile))
	if err != nil {
		return "", err
	}
	m := versionConst.FindAllSubmatch(data, -1)
	if len(m) != 1 {
		return "", fmt.Errorf("%s: want exactly one line `const Version = \"...\"`", VersionFile)
	}
	return "v" + string(m[0][1]), nil
}

// RewriteVersion returns the version file's source with the constant set to
// version (given with its "v"; the constant has none).
func RewriteVersion(src []byte, version string) ([]byte, error) {
	if err := CheckVersion(version); err != nil {
		return nil, err
	}
	if n := len(versionConst.FindAllIndex(src, -1)); n != 1 {
		return nil, fmt.Errorf("%s: want exactly one line `const Version = \"...\"`, found %d", VersionFile, n)
	}
	return versionConst.ReplaceAll(src, []byte(`const Version = "`+strings.TrimPrefix(version, "v")+`"`)), nil
}

// Rewrite returns the content a release at version gives the file at rel
// (a path relative to the repository root), and whether it is one that a
// release rewrites.
func Rewrite(rel string, data []byte, version string) ([]byte, bool, error) {
	switch {
	case rel == VersionFile:
		out, err := RewriteVersion(data, version)
		return out, true, err
	case path.Base(rel) == "go.mod":
		out, err := RewriteGoMod(rel, data, version)
		return out, true, err
	}
	return data, false, nil
}

// Bump rewrites, in place under root, every workspace module's go.mod and
// the version constant for a release at version, and returns the files it
// changed (relative to root).
func Bump(root, version string) ([]string, error) {
	mods, err := Modules(root)
	if err != nil {
		return nil, err
	}
	files := []string{VersionFile}
	for _, m := range mods {
		files = append(files, m.Dir+"/go.mod")
	}
	var changed []string
	for _, rel := range files {
		file := filepath.Join(root, filepath.FromSlash(rel))
		data, err := os.ReadFile(file)
		if err != nil {
			return changed, err
		}
		out, _, err := Rewrite(rel, data, version)
		if err != nil {
			return changed, err
		}
		if bytes.Equal(out, data) {
			continue
		}
		if err := os.WriteFile(file, out, 0o644); err != nil {
			return changed, err
		}
		changed = append(changed, rel)
	}
	return changed, nil
}

// RepoRoot returns the top directory of the git work tree containing dir.
func RepoRoot(dir string) (string, error) {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse --show-toplevel in %s: %w", dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}
