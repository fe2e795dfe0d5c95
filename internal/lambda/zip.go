package lambda

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxUnzipped is Lambda's deployment package limit, unzipped (250 MB).
const maxUnzipped = 262144000

// extractZip unpacks a deployment package into dir, keeping file modes
// (an executable bootstrap stays executable) and refusing entries that
// would land outside dir.
func extractZip(src, dir string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("code %s: %w", src, err)
	}
	defer zr.Close()
	var total int64
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if filepath.IsAbs(name) || !filepath.IsLocal(name) && filepath.Clean(name) != "." {
			return fmt.Errorf("code %s: entry %q is outside the package", src, f.Name)
		}
		dst := filepath.Join(dir, name)
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("code %s: %w", src, err)
			}
			continue
		case mode&os.ModeSymlink != 0:
			target, err := readZipEntry(f, 4096)
			if err != nil {
				return fmt.Errorf("code %s: %s: %w", src, f.Name, err)
			}
			t := string(target)
			if filepath.IsAbs(t) || !filepath.IsLocal(filepath.Join(filepath.Dir(name), t)) {
				return fmt.Errorf("code %s: symlink %q points outside the package", src, f.Name)
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return fmt.Errorf("code %s: %w", src, err)
			}
			if err := os.Symlink(t, dst); err != nil {
				return fmt.Errorf("code %s: %w", src, err)
			}
			continue
		}
		total += int64(f.UncompressedSize64)
		if f.UncompressedSize64 > maxUnzipped || total > maxUnzipped {
			return fmt.Errorf("code %s: unzipped size is over %d bytes", src, maxUnzipped)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("code %s: %w", src, err)
		}
		perm := mode.Perm() | 0o400
		if err := writeZipEntry(f, dst, perm); err != nil {
			return fmt.Errorf("code %s: %s: %w", src, f.Name, err)
		}
	}
	return nil
}

func readZipEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, limit))
}

func writeZipEntry(f *zip.File, dst string, perm os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	// The size was checked against the header; cap the copy in case the
	// header lies.
	if _, err := io.Copy(out, io.LimitReader(rc, int64(f.UncompressedSize64)+1)); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
