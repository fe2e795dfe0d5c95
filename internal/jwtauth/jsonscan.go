package jwtauth

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// A small JSON scanner for the two JSON objects of a JWT: the protected
// header and the payload. It accepts exactly RFC 8259 JSON, as
// encoding/json's scanner does (invalid UTF-8 inside strings included:
// encoding/json accepts it too and decodes it to U+FFFD), and in the same
// pass compacts the text in place, removing the whitespace between
// tokens as json.Compact does, so a claim's value is its compacted JSON
// text without a second copy. It allocates nothing.
//
// Only the members of the top-level object are reported; nested values
// are validated and compacted, not decoded. String values that need no
// decoding (no escapes, valid UTF-8) are marked plain, so callers can use
// their bytes as they are and fall back to encoding/json for the rest.

// Nesting limits. maxPayloadDepth is encoding/json's own limit, so the
// payloads accepted are the ones json.Decoder accepted before; the payload
// is only parsed once its signature has verified. The header is parsed
// before that, from any client, and real headers are flat (a jwk member
// is two levels deep), so its bound is small to keep the recursion short.
const (
	maxPayloadDepth = 10000
	maxHeaderDepth  = 16
)

// Kinds of JSON values, by their first byte.
const (
	kindString = '"'
	kindNumber = '0'
	kindObject = '{'
	kindArray  = '['
	kindTrue   = 't'
	kindFalse  = 'f'
	kindNull   = 'n'
)

var (
	errSyntax   = errors.New("invalid JSON")
	errDepth    = errors.New("JSON nested too deeply")
	errNoObject = errors.New("not a JSON object")
	errTrailing = errors.New("trailing data after the JSON object")
)

// member is one member of the top-level object, as offsets into the
// compacted text. name and val include the quotes of a string.
type member struct {
	name, val  span
	kind       byte // kind of the value
	namePlain  bool // the name's bytes between the quotes are its value
	valuePlain bool // for a string value: the same
}

// span is the half-open byte range [start, end).
type span struct{ start, end int }

// scanner compacts buf in place while reading it: w <= r always.
type scanner struct {
	buf      []byte
	r, w     int
	depth    int
	maxDepth int
}

// scanObject validates buf as exactly one JSON object, optionally
// surrounded by whitespace, compacts it in place and appends its members
// to out. It returns the members and the length of the compacted text
// (buf[:n]). On error buf may be partly compacted.
func scanObject(buf []byte, maxDepth int, out []member) ([]member, int, error) {
	// The object itself is the first level, as for encoding/json.
	s := scanner{buf: buf, maxDepth: maxDepth, depth: 1}
	s.skipWS()
	if s.peek() != '{' {
		if s.value() {
			if s.skipWS(); s.r == len(s.buf) {
				return out, 0, errNoObject
			}
		}
		return out, 0, errSyntax
	}
	s.put('{')
	s.skipWS()
	if s.peek() == '}' {
		s.put('}')
	} else {
		for {
			var m member
			var ok bool
			if s.peek() != '"' {
				return out, 0, errSyntax
			}
			m.name.start = s.w
			if m.namePlain, ok = s.str(); !ok {
				return out, 0, errSyntax
			}
			m.name.end = s.w
			s.skipWS()
			if s.peek() != ':' {
				return out, 0, errSyntax
			}
			s.put(':')
			s.skipWS()
			m.kind = s.peek()
			if m.kind == '-' || (m.kind >= '0' && m.kind <= '9') {
				m.kind = kindNumber
			}
			m.val.start = s.w
			if m.kind == kindString {
				m.valuePlain, ok = s.str()
			} else {
				ok = s.value()
			}
			if !ok {
				if s.depth > s.maxDepth {
					return out, 0, errDepth
				}
				return out, 0, errSyntax
			}
			m.val.end = s.w
			out = append(out, m)
			s.skipWS()
			c := s.peek()
			if c == '}' {
				s.put('}')
				break
			}
			if c != ',' {
				return out, 0, errSyntax
			}
			s.put(',')
			s.skipWS()
		}
	}
	s.skipWS()
	if s.r != len(s.buf) {
		return out, 0, errTrailing
	}
	return out, s.w, nil
}

// peek returns the byte at r, or 0 at the end.
func (s *scanner) peek() byte {
	if s.r < len(s.buf) {
		return s.buf[s.r]
	}
	return 0
}

// put moves the byte at r, which the caller has checked is c, to w.
func (s *scanner) put(c byte) {
	s.buf[s.w] = c
	s.r++
	s.w++
}

func (s *scanner) skipWS() {
	for s.r < len(s.buf) {
		switch s.buf[s.r] {
		case ' ', '\t', '\n', '\r':
			s.r++
		default:
			return
		}
	}
}

// value scans any JSON value at r.
func (s *scanner) value() bool {
	switch c := s.peek(); {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{', c == '[':
		return s.container(c)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

// container scans an object or an array.
func (s *scanner) container(open byte) bool {
	s.depth++
	if s.depth > s.maxDepth {
		return false
	}
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	s.put(open)
	s.skipWS()
	if s.peek() == closing {
		s.put(closing)
		s.depth--
		return true
	}
	for {
		if open == '{' {
			if s.peek() != '"' {
				return false
			}
			if _, ok := s.str(); !ok {
				return false
			}
			s.skipWS()
			if s.peek() != ':' {
				return false
			}
			s.put(':')
			s.skipWS()
		}
		if !s.value() {
			return false
		}
		s.skipWS()
		switch s.peek() {
		case ',':
			s.put(',')
			s.skipWS()
		case closing:
			s.put(closing)
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str scans a string at r (which is '"'). plain reports that its bytes
// between the quotes are its value: no escapes and valid UTF-8.
func (s *scanner) str() (plain, ok bool) {
	s.put('"')
	plain = true
	ascii := true
	start := s.w
	for s.r < len(s.buf) {
		c := s.buf[s.r]
		switch {
		case c == '"':
			if !ascii && plain {
				plain = utf8.Valid(s.buf[start:s.w])
			}
			s.put('"')
			return plain, true
		case c < 0x20:
			return false, false
		case c == '\\':
			plain = false
			s.put(c)
			if s.r >= len(s.buf) {
				return false, false
			}
			switch e := s.buf[s.r]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.put(e)
			case 'u':
				s.put(e)
				for range 4 {
					if s.r >= len(s.buf) || !isHex(s.buf[s.r]) {
						return false, false
					}
					s.put(s.buf[s.r])
				}
			default:
				return false, false
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			s.put(c)
		}
	}
	return false, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	if s.peek() == '-' {
		s.put('-')
	}
	switch c := s.peek(); {
	case c == '0':
		s.put(c)
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.peek() == '.' {
		s.put('.')
		if !s.digits() {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.put(c)
		if c := s.peek(); c == '+' || c == '-' {
			s.put(c)
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits scans [0-9]+.
func (s *scanner) digits() bool {
	n := 0
	for c := s.peek(); c >= '0' && c <= '9'; c = s.peek() {
		s.put(c)
		n++
	}
	return n > 0
}

func (s *scanner) literal(lit string) bool {
	if len(s.buf)-s.r < len(lit) || string(s.buf[s.r:s.r+len(lit)]) != lit {
		return false
	}
	for i := range len(lit) {
		s.put(lit[i])
	}
	return true
}

// eachArrayString calls f with each element of the compacted JSON array
// text arr, decoded as a string the way json.Unmarshal decodes into a
// []string: a string element as its value, null as "". Any other element
// is an error. plain strings are substrings of arr; f is not kept.
func eachArrayString(arr string, f func(string)) error {
	// arr is compacted and valid, so elements are separated by ',' outside
	// strings and nested values; only strings and null are allowed, so
	// there is no nesting to track.
	if len(arr) < 2 || arr[0] != '[' {
		return errSyntax
	}
	i := 1
	if arr[i] == ']' {
		return nil
	}
	for {
		switch arr[i] {
		case '"':
			end, plain := stringEnd(arr, i)
			if end < 0 {
				return errSyntax
			}
			if plain {
				f(arr[i+1 : end-1])
			} else {
				v, err := unquote(arr[i:end])
				if err != nil {
					return err
				}
				f(v)
			}
			i = end
		case 'n':
			if len(arr)-i < 4 || arr[i:i+4] != "null" {
				return errSyntax
			}
			f("")
			i += 4
		default:
			return errors.New("array element is not a string")
		}
		switch {
		case i < len(arr) && arr[i] == ',':
			i++
		case i == len(arr)-1 && arr[i] == ']':
			return nil
		default:
			return errSyntax
		}
	}
}

// stringEnd returns the index just past the closing quote of the valid
// JSON string starting at s[i], and whether it is plain (no escapes,
// valid UTF-8); -1 if it is not terminated.
func stringEnd(s string, i int) (int, bool) {
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			plain = false
			j++ // the escaped byte; \uXXXX's hex digits are no quotes
		case '"':
			return j + 1, plain && utf8.ValidString(s[i+1:j])
		}
	}
	return -1, false
}

// unquote decodes a JSON string literal (with its quotes) exactly as
// encoding/json does: escapes, surrogate pairs, and U+FFFD for invalid
// UTF-8. Only used for strings that are not plain.
func unquote(lit string) (string, error) {
	var v string
	err := json.Unmarshal([]byte(lit), &v)
	return v, err
}
