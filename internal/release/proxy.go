package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// WriteProxy writes a Go module proxy under dir (for GOPROXY=file://dir)
// serving every released module of the working tree under root at version,
// as a release at that version would tag it: the files git tracks or would
// track (ignored files are left out, uncommitted changes are in), with the
// go.mod requirements and the version constant rewritten by Rewrite. Each
// module gets the protocol's @v/list, .info, .mod and .zip.
func WriteProxy(root, dir, version string, at time.Time) ([]Module, error) {
	if err := CheckVersion(version); err != nil {
		return nil, err
	}
	mods, err := Modules(root)
	if err != nil {
		return nil, err
	}
	mods = Released(mods)
	for _, m := range mods {
		if err := writeModule(root, dir, m, version, at); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Dir, err)
		}
	}
	return mods, nil
}

func writeModule(root, dir string, m Module, version string, at time.Time) error {
	files, err := workingFiles(root, m.Dir, version)
	if err != nil {
		return err
	}
	var gomod []byte
	for _, f := range files {
		if f.Path() == "go.mod" {
			gomod = f.(dataFile).data
		}
	}
	if gomod == nil {
		return fmt.Errorf("no go.mod")
	}
	escaped, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	var zbuf bytes.Buffer
	if err := zip.Create(&zbuf, module.Version{Path: m.Path, Version: version}, files); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, at.UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  gomod,
		version + ".zip":  zbuf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// workingFiles lists the module's files as a release would contain them.
func workingFiles(root, modDir, version string) ([]zip.File, error) {
	cmd := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", modDir)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []zip.File
	seen := map[string]bool{}
	for rel := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if rel == "" || seen[rel] {
			continue
		}
		seen[rel] = true
		file := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(file)
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in git
		}
		if err != nil {
			return nil, err
		}
		inMod := strings.TrimPrefix(rel, modDir+"/")
		if !fi.Mode().IsRegular() {
			files = append(files, diskFile{inMod, file, fi}) // zip.Create leaves it out
			continue
		}
		if inMod != "go.mod" && rel != VersionFile {
			files = append(files, diskFile{inMod, file, fi})
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if data, _, err = Rewrite(rel, data, version); err != nil {
			return nil, err
		}
		files = append(files, dataFile{inMod, data, fi})
	}
	return files, nil
}

type diskFile struct {
	name, file string
	fi         fs.FileInfo
}

func (f diskFile) Path() string                 { return f.name }
func (f diskFile) Lstat() (fs.FileInfo, error)  { return f.fi, nil }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.file) }

type dataFile struct {
	name string
	data []byte
	fi   fs.FileInfo
}

func (f dataFile) Path() string                 { return f.name }
func (f dataFile) Lstat() (fs.FileInfo, error)  { return sizedInfo{f.fi, int64(len(f.data))}, nil }
func (f dataFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

// sizedInfo is a file's FileInfo with the size of its rewritten content.
type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (i sizedInfo) Size() int64 { return i.size }
