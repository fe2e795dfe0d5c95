package authorizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// A small JSON reader for the function's result. ParseOutput used to walk
// the result with json.Decoder tokens and json.RawMessage values, which was
// a third of a cache miss (docs/authorizers.md, Cost). This reader accepts
// and rejects exactly what encoding/json does (RFC 8259, nesting at most
// maxDepth, invalid UTF-8 in strings replaced by U+FFFD), gives raw values
// as sub-slices of the input, and decodes strings without allocating when
// they have no escapes. FuzzParseOutputOracle checks it against the
// encoding/json reader it replaced (oracle_test.go).

// maxDepth is encoding/json's nesting limit (maxNestingDepth), counted
// per value that json.Decoder.Decode reads.
const maxDepth = 10000

// reader reads JSON from data at pos.
type reader struct {
	data []byte
	pos  int
}

// syntaxError says where and why data is not JSON.
func (r *reader) syntaxError(msg string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", r.pos, msg)
}

func (r *reader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// object reads an object, calling f with each key (decoded) and the reader
// positioned at its value, which f must consume. depth is the nesting of
// the enclosing value (0 for a value read on its own).
func (r *reader) object(depth int, f func(key string) error) error {
	r.space()
	if r.pos >= len(r.data) || r.data[r.pos] != '{' {
		return r.syntaxError("not a JSON object")
	}
	if depth+1 > maxDepth {
		return r.syntaxError("exceeded max depth")
	}
	r.pos++
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return nil
	}
	for {
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return r.syntaxError("object key is not a string")
		}
		key, err := r.str()
		if err != nil {
			return err
		}
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return r.syntaxError("missing ':' after object key")
		}
		r.pos++
		r.space()
		if err := f(key); err != nil {
			return err
		}
		if done, err := r.afterValue('}', "object"); done || err != nil {
			return err
		}
	}
}

// afterValue reads what follows a member of an object or an element of an
// array (in names which): a ',' (more to come) or closing (done).
func (r *reader) afterValue(closing byte, in string) (done bool, err error) {
	r.space()
	if r.pos >= len(r.data) {
		return false, r.syntaxError("unexpected end of input")
	}
	switch r.data[r.pos] {
	case ',':
		r.pos++
		return false, nil
	case closing:
		r.pos++
		return true, nil
	}
	return false, r.syntaxError("missing ',' or '" + string(closing) + "' in " + in)
}

// value reads one value and returns its bytes as written. depth is the
// nesting of the enclosing value.
func (r *reader) value(depth int) ([]byte, error) {
	r.space()
	start := r.pos
	if err := r.skip(depth); err != nil {
		return nil, err
	}
	return r.data[start:r.pos], nil
}

// skip reads one value, validating it.
func (r *reader) skip(depth int) error {
	if r.pos >= len(r.data) {
		return r.syntaxError("unexpected end of input")
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return r.object(depth, func(string) error { return r.skip(depth + 1) })
	case c == '[':
		if depth+1 > maxDepth {
			return r.syntaxError("exceeded max depth")
		}
		r.pos++
		r.space()
		if r.pos < len(r.data) && r.data[r.pos] == ']' {
			r.pos++
			return nil
		}
		for {
			r.space()
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			if done, err := r.afterValue(']', "array"); done || err != nil {
				return err
			}
		}
	case c == '"':
		_, _, err := r.strRaw()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	}
	return r.syntaxError(fmt.Sprintf("invalid character %q looking for a value", r.data[r.pos]))
}

func (r *reader) literal(lit string) error {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return r.syntaxError("invalid literal")
	}
	r.pos += len(lit)
	return nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (r *reader) number() error {
	d := r.data
	i := r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		return r.syntaxError("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			return r.syntaxError("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			return r.syntaxError("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	r.pos = i
	return nil
}

// strRaw reads a string and returns it with its quotes, and whether it
// can be used as is (no escapes, valid UTF-8).
func (r *reader) strRaw() (raw []byte, plain bool, err error) {
	d := r.data
	start := r.pos
	i := start + 1
	plain = true
	ascii := true
	for {
		if i >= len(d) {
			r.pos = i
			return nil, false, r.syntaxError("unexpected end of input in string")
		}
		c := d[i]
		switch {
		case c == '"':
			r.pos = i + 1
			raw = d[start:r.pos]
			if plain && !ascii {
				plain = utf8.Valid(raw)
			}
			return raw, plain, nil
		case c == '\\':
			plain = false
			i++
			if i >= len(d) {
				r.pos = i
				return nil, false, r.syntaxError("unexpected end of input in string")
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for k := 1; k <= 4; k++ {
					if i+k >= len(d) || !isHex(d[i+k]) {
						r.pos = i
						return nil, false, r.syntaxError("invalid \\u escape in string")
					}
				}
				i += 5
			default:
				r.pos = i
				return nil, false, r.syntaxError("invalid escape in string")
			}
		case c < 0x20:
			r.pos = i
			return nil, false, r.syntaxError("control character in string")
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
}

// str reads a string and returns its value, as json.Unmarshal decodes it.
func (r *reader) str() (string, error) {
	raw, plain, err := r.strRaw()
	if err != nil {
		return "", err
	}
	return unquote(raw, plain)
}

// unquote decodes a string read by strRaw.
func unquote(raw []byte, plain bool) (string, error) {
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	// Escapes or invalid UTF-8: rare, and encoding/json's rules for them
	// (surrogates, U+FFFD) are the ones to keep.
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// end checks that only whitespace is left.
func (r *reader) end() error {
	r.space()
	if r.pos != len(r.data) {
		return errors.New("data after the JSON object")
	}
	return nil
}
