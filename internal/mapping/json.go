package mapping

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// Limits of the JSON layer. API Gateway's payload limit is 10 MB; a body
// above it is refused before parsing.
const (
	// MaxBody is the largest body $input.path/$input.json and
	// $util.parseJson will parse (API Gateway's 10 MB payload limit).
	MaxBody = 10 << 20
	// MaxJSONDepth bounds the nesting of parsed JSON documents.
	MaxJSONDepth = 512
	// MaxResultItems bounds the number of nodes one JSONPath evaluation
	// may produce (deep scans and wildcards over large documents).
	MaxResultItems = 1 << 20
	// MaxJSONOutput bounds the text $input.json produces.
	MaxJSONOutput = 10 << 20
)

// Error is the type of this package's sentinel errors (a constant type, so
// that no package-level variable exists).
type Error string

// Error implements error.
func (e Error) Error() string { return string(e) }

// Errors of the JSON layer, matched with errors.Is. The gateway maps all of
// them to a 500 response, as API Gateway fails a template it cannot render.
const (
	// ErrBodyTooLarge: the body exceeds MaxBody.
	ErrBodyTooLarge Error = "mapping: payload exceeds 10 MB"
	// ErrResultTooLarge: a JSONPath result or its serialization exceeds
	// MaxResultItems or MaxJSONOutput.
	ErrResultTooLarge Error = "mapping: JSONPath result too large"
)

// JSONError reports text that is not valid JSON.
type JSONError struct {
	Offset int // byte offset of the problem
	Msg    string
}

// Error implements error.
func (e *JSONError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// object is a parsed JSON object: keys in document order (a duplicate key
// keeps its first position and takes the last value, as LinkedHashMap.put).
// Parsed documents are immutable; templates get fresh vtl copies.
type object struct {
	keys []string
	vals []any
	// kbuf and vbuf hold the first entries (newObject), so that a small
	// object is one allocation instead of seven as its slices grow.
	kbuf [4]string
	vbuf [4]any
}

// newObject returns an empty object whose first four entries need no
// further allocation.
func newObject() *object {
	o := new(object)
	o.keys, o.vals = o.kbuf[:0], o.vbuf[:0]
	return o
}

func (o *object) get(k string) (any, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// parseJSON parses a complete JSON text into object, []any, string, int64,
// *big.Int, float64, bool and nil.
func parseJSON(s string) (any, error) {
	if len(s) > MaxBody {
		return nil, ErrBodyTooLarge
	}
	p := jsonParser{s: s}
	p.skip()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q after the JSON value", p.s[p.i])
	}
	return v, nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) errf(format string, args ...any) error {
	return &JSONError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) skip() {
	if p.i < len(p.s) && p.s[p.i] > ' ' {
		return // no whitespace, the usual case: inlined
	}
	p.skipSpace()
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > MaxJSONDepth {
		return nil, p.errf("nesting deeper than %d", MaxJSONDepth)
	}
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		o := newObject()
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return o, nil
		}
		for {
			p.skip()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, p.errf("expected a string key")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.skip()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errf("expected ':' after object key")
			}
			p.i++
			p.skip()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			dup := false
			for j, key := range o.keys {
				if key == k {
					o.vals[j], dup = v, true
					break
				}
			}
			if !dup {
				o.keys = append(o.keys, k)
				o.vals = append(o.vals, v)
			}
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return o, nil
			}
			return nil, p.errf("expected ',' or '}' in object")
		}
	case c == '[':
		p.i++
		a := []any{}
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			p.skip()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return a, nil
			}
			return nil, p.errf("expected ',' or ']' in array")
		}
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, nil
	default:
		return nil, p.errf("unexpected character %q", c)
	}
}

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errf("control character in string")
		}
		p.i++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.errf("control character in string")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			break
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				if strings.HasPrefix(p.s[p.i:], "\\u") {
					save := p.i
					p.i += 2
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b.WriteRune(d)
							continue
						}
					}
					p.i = save
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", p.errf("bad escape \\%c", e)
		}
	}
	return "", p.errf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	if digits() == 0 {
		return nil, p.errf("bad number")
	}
	if p.s[intStart] == '0' && p.i-intStart > 1 {
		return nil, p.errf("leading zero in number")
	}
	isFloat := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		isFloat = true
		if digits() == 0 {
			return nil, p.errf("bad number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		isFloat = true
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errf("bad number")
		}
	}
	lit := p.s[start:p.i]
	if !isFloat {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, nil
		}
		if len(lit) > 4096 {
			return nil, p.errf("number too long")
		}
		b, _ := new(big.Int).SetString(lit, 10)
		return b, nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.errf("bad number")
	}
	return f, nil
}

// toVTL converts a parsed node into the values templates see: a fresh
// *vtl.Map for an object (so #set/put in a template never changes the
// parsed document), printed as Java's LinkedHashMap ({k=v}), and a
// vtl.NewJSONList for an array, printed as json-smart's JSONArray (JSON).
// That is the pair Jayway JsonPath's json-smart provider builds, so
// {"a":1,"b":[{"c":5}]} prints {a=1, b=[{"c":5}]} as on AWS.
func toVTL(v any) any {
	switch x := v.(type) {
	case *object:
		m := vtl.NewMap(len(x.keys))
		for i, k := range x.keys {
			m.Set(k, toVTL(x.vals[i]))
		}
		return m
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = toVTL(e)
		}
		return vtl.NewJSONList(items...)
	}
	return v
}

// appendJSON appends v serialized as compact JSON, the way json-smart's
// JSONValue.toJSONString(v, JSONStyle.LT_COMPRESS) writes it (what Jayway
// JsonPath's JsonSmartJsonProvider.toJson uses): no whitespace, strings
// escaped by escapeJSONString, doubles in Java's Double.toString form.
// Values nested deeper than maxJSONWriteDepth (only a template's cyclic
// lists and maps get there) are ErrResultTooLarge.
func appendJSON(b []byte, v any, max int) ([]byte, error) {
	return appendJSONDepth(b, v, 0, max)
}

// maxJSONWriteDepth bounds the nesting appendJSON writes: above any parsed
// document's (MaxJSONDepth), low enough for the stack.
const maxJSONWriteDepth = 2 * MaxJSONDepth

func appendJSONDepth(b []byte, v any, depth, max int) ([]byte, error) {
	if len(b) > max || depth > maxJSONWriteDepth {
		return b, ErrResultTooLarge
	}
	var err error
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case bool:
		b = strconv.AppendBool(b, x)
	case string:
		b = appendJSONString(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case *big.Int:
		b = x.Append(b, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...) // json-smart writes non-finite doubles as null
		} else {
			b = appendJavaDouble(b, x)
		}
	case *object:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = appendJSONDepth(b, x.vals[i], depth+1, max); err != nil {
				return b, err
			}
		}
		b = append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONDepth(b, e, depth+1, max); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	case *vtl.Map:
		b = append(b, '{')
		i := 0
		x.Each(func(k, val any) bool {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = appendJSONString(b, plainString(k))
			b = append(b, ':')
			b, err = appendJSONDepth(b, val, depth+1, max)
			return err == nil
		})
		b = append(b, '}')
	case *vtl.List:
		b = append(b, '[')
		for i, e := range x.Items() {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONDepth(b, e, depth+1, max); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	default:
		b = appendJSONString(b, fmt.Sprint(v))
	}
	return b, err
}

// appendJSONString appends s quoted as json-smart's JStylerObj escape does
// for LT_COMPRESS: \" \\ \b \f \n \r \t, and \uXXXX (upper-case hex) for
// U+0000–U+001F, U+007F–U+009F and U+2000–U+20FF. '/' is not escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if r <= 0x1F || (r >= 0x7F && r <= 0x9F) || (r >= 0x2000 && r <= 0x20FF) {
				b = append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"')
}

// appendJavaDouble appends f as Java's Double.toString prints it
// (shortest round-trip digits): 1.0, 0.001, 1.0E7, 1.0E-4, -0.0.
func appendJavaDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-3 && a < 1e7) {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		if !strings.Contains(string(b[start:]), ".") {
			b = append(b, ".0"...)
		}
		return b
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	b = append(b, mant...)
	if !strings.Contains(mant, ".") {
		b = append(b, ".0"...)
	}
	b = append(b, 'E')
	if exp[0] == '-' {
		b = append(b, '-')
	}
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		exp = "0"
	}
	return append(b, exp...)
}

// plainString is Java's String.valueOf for scalar values; collections are
// serialized as JSON (used for map keys and override values only).
func plainString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return string(appendJavaDouble(nil, x))
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
