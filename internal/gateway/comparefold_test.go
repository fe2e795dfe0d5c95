package gateway

import (
	"strings"
	"testing"
)

// TestCompareFold: compareFold orders header names as comparing their
// lower-case forms does, without allocating.
func TestCompareFold(t *testing.T) {
	names := []string{"", "a", "A", "Accept", "accept", "Accept-Encoding", "X-Amz-Date", "x-amz-date", "X-B", "x-a", "Host", "[", "_", "Z", "z0"}
	for _, a := range names {
		for _, b := range names {
			if got, want := compareFold(a, b), strings.Compare(strings.ToLower(a), strings.ToLower(b)); got != want {
				t.Errorf("compareFold(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	var sink int
	if n := testing.AllocsPerRun(100, func() { sink += compareFold("X-Forwarded-For", "x-forwarded-proto") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
	_ = sink
}
