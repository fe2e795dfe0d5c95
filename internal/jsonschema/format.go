package jsonschema

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// format is a "format" attribute the validator checks. Every one applies
// to strings only; check returns the message, or "" when s is valid.
type format struct {
	name  string
	check func(s string) string
}

// lookupFormat returns the attribute, or nil for a format the validator
// does not know (which it ignores with a warning, never an error).
// These are the draft 4 formats and the extra ones of the validator API
// Gateway runs; see docs/request-validation.md for how closely each
// follows its Java original.
func lookupFormat(name string) *format {
	var f func(string) string
	switch name {
	case "date-time":
		f = checkDateTime
	case "email":
		f = func(s string) string {
			if _, err := mail.ParseAddress(s); err != nil || !strings.Contains(s, "@") {
				return fmt.Sprintf("string \"%s\" is not a valid email address", s)
			}
			return ""
		}
	case "hostname":
		f = func(s string) string {
			if !validHostname(s) {
				return fmt.Sprintf("string \"%s\" is not a valid hostname", s)
			}
			return ""
		}
	case "ipv4":
		f = func(s string) string {
			if ip := net.ParseIP(s); ip == nil || strings.Contains(s, ":") {
				return fmt.Sprintf("string \"%s\" is not a valid IPv4 address", s)
			}
			return ""
		}
	case "ipv6":
		f = func(s string) string {
			if ip := net.ParseIP(s); ip == nil || !strings.Contains(s, ":") || ip.To4() != nil {
				return fmt.Sprintf("string \"%s\" is not a valid IPv6 address", s)
			}
			return ""
		}
	case "uri":
		f = func(s string) string {
			if !validURI(s) {
				return fmt.Sprintf("string \"%s\" is not a valid URI", s)
			}
			return ""
		}
	case "regex":
		f = func(s string) string {
			if _, err := compileECMA(s); err != nil {
				return fmt.Sprintf("string \"%s\" is not a valid ECMA 262 regular expression", s)
			}
			return ""
		}
	case "uuid":
		f = func(s string) string {
			if !validUUID(s) {
				return fmt.Sprintf("input string \"%s\" is not a valid UUID", s)
			}
			return ""
		}
	case "mac":
		f = func(s string) string {
			if !validMAC(s) {
				return fmt.Sprintf("input string \"%s\" is not a valid MAC address", s)
			}
			return ""
		}
	case "json-pointer":
		f = func(s string) string {
			if s != "" && (s[0] != '/' || badPointerEscape(s)) {
				return fmt.Sprintf("input string \"%s\" is not a valid JSON Pointer", s)
			}
			return ""
		}
	case "base64":
		f = checkBase64
	case "md5":
		f = hexString(32)
	case "sha1":
		f = hexString(40)
	case "sha256":
		f = hexString(64)
	case "sha512":
		f = hexString(128)
	default:
		return nil
	}
	return &format{name: name, check: f}
}

// checkDateTime accepts yyyy-MM-dd'T'HH:mm:ss[.1-12 digits] followed by Z
// or a ±HH:MM / ±HHMM offset, with real calendar dates.
func checkDateTime(s string) string {
	if !validDateTime(s) {
		return fmt.Sprintf("string \"%s\" is invalid against requested date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]", s)
	}
	return ""
}

func validDateTime(s string) bool {
	const base = "2006-01-02T15:04:05"
	if len(s) < len(base)+1 || !digitsAt(s, 0, 4) || s[4] != '-' || !digitsAt(s, 5, 2) || s[7] != '-' ||
		!digitsAt(s, 8, 2) || s[10] != 'T' || !digitsAt(s, 11, 2) || s[13] != ':' || !digitsAt(s, 14, 2) ||
		s[16] != ':' || !digitsAt(s, 17, 2) {
		return false
	}
	if _, err := time.Parse(base, s[:len(base)]); err != nil {
		return false // month 13, February 30, hour 24, second 60...
	}
	rest := s[len(base):]
	if strings.HasPrefix(rest, ".") {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 13 {
			return false
		}
		rest = rest[n:]
	}
	switch {
	case rest == "Z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digitsAt(rest, 1, 2) && rest[3] == ':' && digitsAt(rest, 4, 2):
		return rest[1:3] <= "23" && rest[4:6] <= "59"
	case len(rest) == 5 && (rest[0] == '+' || rest[0] == '-') && digitsAt(rest, 1, 4):
		return rest[1:3] <= "23" && rest[3:5] <= "59"
	}
	return false
}

func digitsAt(s string, at, n int) bool {
	if at+n > len(s) {
		return false
	}
	for _, c := range []byte(s[at : at+n]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validHostname follows Guava's InternetDomainName rules: at most 253
// characters, labels of 1 to 63 letters, digits, '-' or '_' that neither
// start nor end with '-', a last label that does not start with a digit;
// a single trailing dot is allowed.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for k, l := range labels {
		if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return false
			}
		}
		if k == len(labels)-1 {
			if r, _ := utf8.DecodeRuneInString(l); unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// validURI approximates java.net.URI: a URI reference without spaces,
// control characters or the characters RFC 2396 excludes, with valid
// percent escapes.
func validURI(s string) bool {
	for _, r := range s {
		if r <= 0x20 || r == 0x7f || strings.ContainsRune(`"<>\^`+"`{|}", r) {
			return false
		}
	}
	_, err := url.Parse(s)
	return err == nil
}

// validUUID follows java.util.UUID.fromString: five groups of 1-8, 1-4,
// 1-4, 1-4 and 1-12 hex digits.
func validUUID(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return false
	}
	for k, p := range parts {
		if p == "" || len(p) > [...]int{8, 4, 4, 4, 12}[k] {
			return false
		}
		for _, c := range []byte(p) {
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func validMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for k := 0; k < 17; k++ {
		c := s[k]
		if k%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(isASCIILetter(c) || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func badPointerEscape(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] == '~' && (k+1 == len(s) || s[k+1] != '0' && s[k+1] != '1') {
			return true
		}
	}
	return false
}

func checkBase64(s string) string {
	if len(s)%4 != 0 {
		return fmt.Sprintf("input has illegal length (must be a multiple of 4, found %d)", len(s))
	}
	body := strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	for _, c := range []byte(body) {
		if !(isASCIILetter(c) || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return "input is not a valid Base64 string: illegal characters"
		}
	}
	return ""
}

func hexString(n int) func(string) string {
	return func(s string) string {
		if l := utf8.RuneCountInString(s); l != n {
			return fmt.Sprintf("input string has bad length (%d, expected %d)", l, n)
		}
		for _, c := range []byte(s) {
			if !isHex(c) {
				return "input string has illegal characters"
			}
		}
		return ""
	}
}
