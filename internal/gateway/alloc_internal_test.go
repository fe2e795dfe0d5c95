package gateway

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// TestNewIDs checks the shapes of the ids cut from one string.
func TestNewIDs(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	trace := regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	seen := map[string]bool{}
	for range 100 {
		req, ext, tr := newIDs()
		if !uuid.MatchString(req) {
			t.Errorf("request id %q is not a version 4 UUID", req)
		}
		if b, err := base64.StdEncoding.DecodeString(ext); err != nil || len(b) != 11 || len(ext) != 16 {
			t.Errorf("extended id %q is not the base64 of 11 bytes", ext)
		}
		if !trace.MatchString(tr) {
			t.Errorf("trace id %q is not an X-Ray root", tr)
		}
		if seen[req] {
			t.Errorf("request id %q repeated", req)
		}
		seen[req] = true
	}
}

// TestReadBounded reads bodies announced with and without a length, and
// bodies longer or shorter than announced.
func TestReadBounded(t *testing.T) {
	tests := []struct {
		name string
		body string
		size int64
	}{
		{"announced", "hello", 5},
		{"unknown length", "hello", -1},
		{"empty", "", 0},
		{"longer than announced", "hello world", 5},
		{"shorter than announced", "hi", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.body), iotest.OneByteReader(strings.NewReader(tt.body))} {
				b, err := readBounded(r, tt.size)
				if err != nil || string(b) != tt.body || b == nil {
					t.Errorf("readBounded = %q (nil %v), %v; want %q", b, b == nil, err, tt.body)
				}
			}
		})
	}
	t.Run("limit", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), MaxPayload+10)
		for _, size := range []int64{-1, 10, MaxPayload} {
			b, err := readBounded(bytes.NewReader(big), size)
			if err != nil || len(b) != MaxPayload+1 {
				t.Errorf("size %d: read %d bytes, %v; want MaxPayload+1", size, len(b), err)
			}
		}
	})
	t.Run("error", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := readBounded(iotest.ErrReader(boom), 5); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestHeaderValues checks that the values cut from one allocation do not
// overwrite one another when one grows.
func TestHeaderValues(t *testing.T) {
	var hv headerValues
	var all [][]string
	for i := range 20 {
		all = append(all, hv.one(strings.Repeat("v", i)))
	}
	all[3] = append(all[3], "added")
	for i, v := range all {
		want := []string{strings.Repeat("v", i)}
		if i == 3 {
			want = append(want, "added")
		}
		if strings.Join(v, ",") != strings.Join(want, ",") {
			t.Errorf("value %d = %q, want %q", i, v, want)
		}
	}
}
