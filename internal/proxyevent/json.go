package proxyevent

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// The event is written by appending to a byte slice, field by field in the
// order AWS sends them; nothing goes through reflection or Go maps.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. It escapes what JSON requires
// and nothing more (API Gateway's serializer leaves '<', '>', '&', '/' and
// non-ASCII text as they are); invalid UTF-8 becomes U+FFFD. When lower
// is set, ASCII letters are lowercased (HTTP API header names).
func appendString[S string | []byte](dst []byte, s S, lower bool) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s, lower)
	return append(dst, '"')
}

// appendEscaped appends the inside of appendString's JSON string, without
// the quotes, so that several pieces can form one string.
func appendEscaped[S string | []byte](dst []byte, s S, lower bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !(lower && 'A' <= c && c <= 'Z') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				if c < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				} else { // upper-case letter under lower
					dst = append(dst, c+('a'-'A'))
				}
			}
			i++
			start = i
			continue
		}
		// At most 4 bytes are converted, so the conversion stays on the
		// stack when S is []byte.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// appendKey appends `"name":`; names are package constants needing no
// escaping.
func appendKey(dst []byte, name string) []byte {
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// appendStringField appends `"name":"value"`.
func appendStringField(dst []byte, name, value string) []byte {
	return appendString(appendKey(dst, name), value, false)
}

// appendNullableField appends `"name":"value"`, or `"name":null` when value
// is empty.
func appendNullableField(dst []byte, name, value string) []byte {
	dst = appendKey(dst, name)
	if value == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, value, false)
}

// appendIntField appends `"name":n`.
func appendIntField(dst []byte, name string, n int64) []byte {
	return strconv.AppendInt(appendKey(dst, name), n, 10)
}

// The appendNext*Field helpers write a field that follows another in the
// same object: the comma, then the field. Most fields of the event follow
// another, so the pair is written in one call.

// appendNextStringField appends `,"name":"value"`.
func appendNextStringField(dst []byte, name, value string) []byte {
	return appendStringField(append(dst, ','), name, value)
}

// appendNextNullableField appends `,"name":"value"`, or `,"name":null`
// when value is empty.
func appendNextNullableField(dst []byte, name, value string) []byte {
	return appendNullableField(append(dst, ','), name, value)
}

// appendNextIntField appends `,"name":n`.
func appendNextIntField(dst []byte, name string, n int64) []byte {
	return appendIntField(append(dst, ','), name, n)
}

// appendBool appends true or false.
func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendStrings appends a JSON array of strings, or null for a nil slice.
func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s, false)
	}
	return append(dst, ']')
}

// appendParamObject appends {"name":"value",...} from params taken as
// unique keys (path parameters, stage variables), or null when there are
// none.
func appendParamObject(dst []byte, ps []Param) []byte {
	if len(ps) == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, p.Name, false)
		dst = append(dst, ':')
		dst = appendString(dst, p.Value, false)
	}
	return append(dst, '}')
}

// appendEntries appends {"key":value,...} from authorizer entries.
func appendEntries(dst []byte, es []Entry) []byte {
	dst = append(dst, '{')
	dst = appendEntryMembers(dst, es)
	return append(dst, '}')
}

// appendEntryMembers appends the members of an object, without braces.
func appendEntryMembers(dst []byte, es []Entry) []byte {
	for i, e := range es {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.Key, false)
		dst = append(dst, ':')
		if e.JSON {
			dst = append(dst, e.Value...)
		} else {
			dst = appendString(dst, e.Value, false)
		}
	}
	return dst
}

// appendBody appends the body field's value: null when there is no body
// (or, with omit, nothing at all), the base64 text when binary, else the
// body as a JSON string.
func appendBody(dst []byte, body []byte, binary bool) []byte {
	if binary {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, body)
		return append(dst, '"')
	}
	return appendString(dst, body, false)
}
