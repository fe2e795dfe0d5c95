package cli

import (
	"encoding/binary"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
)

// maxWatchedEntries bounds the files fingerprint looks at below one path,
// so that a code folder with a huge node_modules costs a bounded number
// of stat calls per poll. Changes past the limit are not seen.
const maxWatchedEntries = 20000

// fingerprint sums what a reload compares: for each path, its name,
// size, modification time and mode, and the same for everything below it
// when it is a directory. A missing path sums as missing. Equal sums mean
// nothing was written (short of a write that keeps the size within the
// file system's time resolution).
func fingerprint(paths []string) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	entry := func(path string, info fs.FileInfo) {
		h.Write([]byte(path))
		h.Write([]byte{0})
		num(uint64(info.Size()))
		num(uint64(info.ModTime().UnixNano()))
		num(uint64(info.Mode()))
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			h.Write([]byte("missing\x00" + p + "\x00"))
			continue
		}
		entry(p, info)
		if !info.IsDir() {
			continue
		}
		n := 0
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || path == p {
				return nil
			}
			if n++; n > maxWatchedEntries {
				return filepath.SkipAll
			}
			if info, err := d.Info(); err == nil {
				entry(path, info)
			}
			return nil
		})
	}
	return h.Sum64()
}
