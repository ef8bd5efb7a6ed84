package snapshot

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// WriteFile writes the image of s to path atomically: it writes a
// temporary file in the same directory, syncs it, renames it over path and
// syncs the directory, so path holds either its old content or the whole
// new image, never part of one. The file is created with mode 0600: an
// image holds the guest's memory and environment.
func WriteFile(path string, s *Snapshot, opts EncodeOptions) error {
	b, err := Encode(s, opts)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := writeAtomic(path, b); err != nil {
		return fmt.Errorf("write snapshot image %s: %w", path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close() // may already be closed
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories can't be opened for syncing there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems do not sync directories; the rename is done.
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// ReadFile reads and decodes an image. Decoding errors are prefixed with
// the path and wrap a *DecodeError. The snapshot's pages and module bytes
// share the file's buffer.
func ReadFile(path string) (*Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := decode(b, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ModuleMismatchError is CheckModule's error: the image belongs to another
// module.
type ModuleMismatchError struct {
	Image, Given [32]byte // sha256 of the image's module and of the one given
}

func (e *ModuleMismatchError) Error() string {
	return fmt.Sprintf("image was taken from module %s, not %s", shortHash(e.Image), shortHash(e.Given))
}

func shortHash(h [32]byte) string { return "sha256:" + hex.EncodeToString(h[:6]) + "…" }

// CheckModule checks that module is the module s was taken from, and sets
// s.Module to it when the image did not carry the module.
func (s *Snapshot) CheckModule(module []byte) error {
	h := HashModule(module)
	if h != s.ModuleHash {
		return &ModuleMismatchError{Image: s.ModuleHash, Given: h}
	}
	if s.Module == nil {
		s.Module = module
	}
	return nil
}
