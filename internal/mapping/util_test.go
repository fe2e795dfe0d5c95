package mapping

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

func TestEscapeJavaScript(t *testing.T) {
	for in, want := range map[string]string{
		"plain":           "plain",
		`it's`:            `it\'s`,
		`a "b" \ c`:       `a \"b\" \\ c`,
		"a/b":             `a\/b`,
		"l1\nl2\tx\r\b\f": `l1\nl2\tx\r\b\f`,
		"\x01\x1f":        `\u0001\u001F`,
		"é":               `\u00E9`,
		"日本":              `\u65E5\u672C`,
		"😀":               `\uD83D\uDE00`,
		"\x7f":            "\x7f",
		"bad\xffutf8":     `bad\uFFFDutf8`,
	} {
		if got := EscapeJavaScript(in); got != want {
			t.Errorf("EscapeJavaScript(%q) = %q, want %q", in, got, want)
		}
		got, err := Util{}.Call("escapeJavaScript", []any{in})
		if err != nil || got != want {
			t.Errorf("$util.escapeJavaScript(%q) = %q, %v", in, got, err)
		}
	}
}

func TestURLEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"a b": "a+b", "*-._": "*-._", "~": "%7E", "é": "%C3%A9", "a+b&c=d": "a%2Bb%26c%3Dd", "": "",
	} {
		if got := URLEncode(in); got != want {
			t.Errorf("URLEncode(%q) = %q, want %q", in, got, want)
		}
		if back, err := URLDecode(URLEncode(in)); err != nil || back != in {
			t.Errorf("URLDecode(URLEncode(%q)) = %q, %v", in, back, err)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz", "a%g1"} {
		if _, err := URLDecode(bad); err == nil {
			t.Errorf("URLDecode(%q) succeeded", bad)
		}
	}
}

func TestBase64(t *testing.T) {
	for in, want := range map[string]string{"aGk=": "hi", "aGk": "hi", "": "", "w6k=": "é"} {
		if got, err := Base64Decode(in); err != nil || got != want {
			t.Errorf("Base64Decode(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"a", "aGk===", "aG k=", "a=Gk"} {
		if _, err := Base64Decode(bad); err == nil {
			t.Errorf("Base64Decode(%q) succeeded", bad)
		}
	}
}

func TestUtilUnknown(t *testing.T) {
	for _, tc := range []struct {
		method string
		args   []any
	}{{"toJson", []any{"x"}}, {"escapeJavaScript", []any{int64(1)}}, {"urlEncode", nil}} {
		if _, err := (Util{}).Call(tc.method, tc.args); !errors.Is(err, vtl.ErrNoMethod) {
			t.Errorf("%s%v: err = %v, want ErrNoMethod", tc.method, tc.args, err)
		}
	}
}

func TestParseJSONError(t *testing.T) {
	_, err := ParseJSON(`{"a":`)
	var je *JSONError
	if !errors.As(err, &je) {
		t.Fatalf("err = %v, want *JSONError", err)
	}
}
