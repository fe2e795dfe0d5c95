package uuid

import (
	"regexp"
	"testing"
)

var v4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := New()
		if !v4.MatchString(id) {
			t.Fatalf("%q is not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("%q repeated", id)
		}
		seen[id] = true
	}
}

func TestFormat(t *testing.T) {
	b := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	if got, want := Format(b), "12345678-9abc-def0-0123-456789abcdef"; got != want {
		t.Fatalf("Format = %q, want %q", got, want)
	}
	if got, want := Format(MarkV4(b)), "12345678-9abc-4ef0-8123-456789abcdef"; got != want {
		t.Fatalf("Format(MarkV4) = %q, want %q", got, want)
	}
}
