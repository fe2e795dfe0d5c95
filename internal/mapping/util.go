package mapping

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// Util is the $util variable. It has no state; the zero value is ready.
//
// API Gateway's $util has exactly escapeJavaScript, parseJson, urlEncode,
// urlDecode, base64Encode and base64Decode (api-gateway-mapping-template-
// reference, "$util Variables"). Any other method, or an argument that is
// not a string, leaves the reference unresolved, as Velocity does when no
// Java method matches.
type Util struct{}

// Property implements vtl.Object; $util has no properties.
func (Util) Property(string) (any, bool) { return nil, false }

// Call implements vtl.Object.
func (Util) Call(method string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("$util.%s: %w", method, vtl.ErrNoMethod)
	}
	if args[0] == nil {
		// Java: the methods return null for null; the reference is unresolved.
		switch method {
		case "escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode":
			return nil, nil
		}
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("$util.%s: %w", method, vtl.ErrNoMethod)
	}
	switch method {
	case "escapeJavaScript":
		if !needsJSEscape(s) {
			return args[0], nil // no copy, no allocation
		}
		return EscapeJavaScript(s), nil
	case "parseJson":
		return ParseJSON(s)
	case "urlEncode":
		return URLEncode(s), nil
	case "urlDecode":
		return URLDecode(s)
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		return Base64Decode(s)
	}
	return nil, fmt.Errorf("$util.%s: %w", method, vtl.ErrNoMethod)
}

// AppendProperty implements vtl.Appender; $util has no properties.
func (Util) AppendProperty(dst []byte, _ string) ([]byte, bool) { return dst, false }

// AppendCall implements vtl.Appender: $util.escapeJavaScript and
// $util.urlEncode of a string, printed in a template's text, are written
// to dst without a string of their own.
func (Util) AppendCall(dst []byte, method string, args []any) ([]byte, bool) {
	if len(args) != 1 {
		return dst, false
	}
	s, ok := args[0].(string)
	if !ok {
		return dst, false
	}
	switch method {
	case "escapeJavaScript":
		if !needsJSEscape(s) {
			return append(dst, s...), true
		}
		return appendEscapeJavaScript(dst, s), true
	case "urlEncode":
		return appendURLEncode(dst, s), true
	}
	return dst, false
}

// needsJSEscape reports whether EscapeJavaScript changes s: a byte below
// 0x20 or above 0x7F, or one of ' " \ / (DEL is left as is). A bit per
// ASCII byte (two words) answers for each byte with a shift instead of
// six comparisons.
func needsJSEscape(s string) bool {
	const (
		lo = 1<<0x20 - 1 | 1<<'"' | 1<<'\'' | 1<<'/' // bytes 0-63
		hi = 1 << ('\\' - 64)                        // bytes 64-127
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return true
		}
		m := uint64(lo)
		if c >= 64 {
			m = hi
		}
		if m>>(c&63)&1 != 0 {
			return true
		}
	}
	return false
}

// EscapeJavaScript implements $util.escapeJavaScript as Apache Commons
// Lang 2.6 StringEscapeUtils.escapeJavaScript does (what AWS documents as
// "JavaScript string rules", single quotes becoming \'): it escapes
// ' " \ and / with a backslash; \b \t \n \f \r; other characters below
// U+0020 as \u00XX; and every character above U+007E as \uXXXX with
// upper-case hex, per UTF-16 unit (so U+1F600 is \uD83D\uDE00). Invalid
// UTF-8 bytes are escaped as U+FFFD, as Java decodes them.
func EscapeJavaScript(s string) string {
	return string(appendEscapeJavaScript(make([]byte, 0, len(s)+len(s)/8+2), s))
}

// appendEscapeJavaScript appends s escaped as EscapeJavaScript does.
func appendEscapeJavaScript(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	u4 := func(r rune) {
		b = append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
	}
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			u4(r1)
			u4(r2)
		case r > 0x7F:
			u4(r)
		case r < 0x20:
			switch r {
			case '\b':
				b = append(b, '\\', 'b')
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\f':
				b = append(b, '\\', 'f')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				u4(r)
			}
		case r == '\'' || r == '"' || r == '\\' || r == '/':
			b = append(b, '\\', byte(r))
		default:
			b = append(b, byte(r)) // includes DEL (0x7F), which Commons Lang leaves as is
		}
	}
	return b
}

// ParseJSON implements $util.parseJson: the JSON text as template values
// (ordered maps, lists, strings, numbers, booleans, null). Text that is not
// JSON is an error (*JSONError) that aborts the render.
func ParseJSON(s string) (any, error) {
	v, err := parseJSON(s)
	if err != nil {
		return nil, fmt.Errorf("$util.parseJson: %w", err)
	}
	return toVTL(v), nil
}

// URLEncode implements $util.urlEncode as Java's URLEncoder.encode(s,
// "UTF-8"): letters, digits and . - * _ are kept, space becomes +, and
// every other byte of the UTF-8 form is %XX with upper-case hex. Invalid
// UTF-8 is encoded as U+FFFD.
func URLEncode(s string) string {
	return string(appendURLEncode(make([]byte, 0, len(s)+len(s)/2), s))
}

// appendURLEncode appends s encoded as URLEncode does.
func appendURLEncode(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '-', r == '*', r == '_':
			b = append(b, byte(r))
		case r == ' ':
			b = append(b, '+')
		default:
			n := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:n] {
				b = append(b, '%', hex[c>>4], hex[c&0xF])
			}
		}
	}
	return b
}

// URLDecode implements $util.urlDecode as Java's URLDecoder.decode(s,
// "UTF-8"): + is a space and %XX a byte; the bytes are read as UTF-8
// (invalid sequences become U+FFFD). A malformed escape is an error, with
// Java's IllegalArgumentException message.
func URLDecode(s string) (string, error) {
	if !strings.ContainsAny(s, "+%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", fmt.Errorf("$util.urlDecode: URLDecoder: Incomplete trailing escape (%%) pattern")
			}
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("$util.urlDecode: URLDecoder: Illegal hex characters in escape (%%) pattern - %q", s[i+1:i+3])
			}
			b = append(b, h<<4|l)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Base64Decode implements $util.base64Decode as Java's
// Base64.getDecoder().decode (the RFC 4648 alphabet; padding accepted but
// not required; any other character is an error), returning the bytes read
// as UTF-8 (invalid sequences become U+FFFD).
func Base64Decode(s string) (string, error) {
	t := strings.TrimRight(s, "=")
	if len(s)-len(t) > 2 || (len(s)-len(t) > 0 && len(s)%4 != 0) {
		return "", fmt.Errorf("$util.base64Decode: Input byte array has incorrect ending byte")
	}
	b, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		return "", fmt.Errorf("$util.base64Decode: %w", err)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}
