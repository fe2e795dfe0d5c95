package authorizer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAppendString: the plain-ASCII fast path writes what the encoder
// writes.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "abc", "Bearer allow-bench", `a"b`, `a\b`, "a\x7fb", "tab\there", "é", "<>&", "\u2028", "\xff", "~ !#$%"} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got, want := string(appendString([]byte("x"), s)), "x"+strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}
