package jsonschema

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects in a parsed document,
// as Jackson's default stream constraints do (1000).
const MaxDepth = 1000

// Kind is the JSON type of a value. Integer and Number are told apart as
// draft 4 (and Jackson, which API Gateway's validator reads JSON with)
// tells them apart: a number written with a fraction or an exponent is a
// Number even when its value is whole (1.0, 1e2).
type Kind uint8

// The JSON kinds.
const (
	Null Kind = iota + 1
	Boolean
	Integer
	Number
	String
	Array
	Object
)

// String returns the draft 4 primitive type name.
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Boolean:
		return "boolean"
	case Integer:
		return "integer"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid"
}

// Doc is a parsed JSON document stored as a flat tape of nodes: a value
// is followed by its children, so a 10 MB body costs a few bytes per
// value rather than a tree of pointers. A Doc is immutable once parsed.
type Doc struct {
	src   []byte
	nodes []node
}

type node struct {
	kind Kind
	// truth is a boolean's value; esc marks a string with escapes.
	truth, esc bool
	// start and end span a string's contents (without quotes) or a
	// number's literal in src.
	start, end uint32
	// n is the number of children: items, or members (each a name node
	// followed by its value).
	n uint32
	// next is the index of the node after this subtree.
	next uint32
}

// SyntaxError is a document that is not JSON.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// Parse parses one JSON value (RFC 8259) with nothing but whitespace
// around it. Strings must be valid UTF-8 and nesting is bounded by
// MaxDepth.
func Parse(src []byte) (*Doc, error) {
	if len(src) >= 1<<31 {
		return nil, &SyntaxError{Msg: "document too large"}
	}
	p := &parser{src: src, doc: &Doc{src: src, nodes: make([]node, 0, len(src)/8+1)}}
	p.skipSpace()
	if err := p.value(0); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(src) {
		return nil, p.errorf("unexpected %q after the value", src[p.pos])
	}
	return p.doc, nil
}

type parser struct {
	src []byte
	pos int
	doc *Doc
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) error {
	if p.pos >= len(p.src) {
		return p.errorf("unexpected end of input")
	}
	i := len(p.doc.nodes)
	p.doc.nodes = append(p.doc.nodes, node{})
	switch c := p.src[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return p.errorf("nesting deeper than %d", MaxDepth)
		}
		n, err := p.object(depth + 1)
		if err != nil {
			return err
		}
		p.doc.nodes[i].kind, p.doc.nodes[i].n = Object, n
	case c == '[':
		if depth >= MaxDepth {
			return p.errorf("nesting deeper than %d", MaxDepth)
		}
		n, err := p.array(depth + 1)
		if err != nil {
			return err
		}
		p.doc.nodes[i].kind, p.doc.nodes[i].n = Array, n
	case c == '"':
		start, end, esc, err := p.str()
		if err != nil {
			return err
		}
		p.doc.nodes[i] = node{kind: String, start: start, end: end, esc: esc}
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		kind, err := p.number()
		if err != nil {
			return err
		}
		p.doc.nodes[i] = node{kind: kind, start: uint32(start), end: uint32(p.pos)}
	case p.literal("true"):
		p.doc.nodes[i] = node{kind: Boolean, truth: true}
	case p.literal("false"):
		p.doc.nodes[i] = node{kind: Boolean}
	case p.literal("null"):
		p.doc.nodes[i] = node{kind: Null}
	default:
		return p.errorf("unexpected %q", c)
	}
	p.doc.nodes[i].next = uint32(len(p.doc.nodes))
	return nil
}

func (p *parser) literal(word string) bool {
	if bytes.HasPrefix(p.src[p.pos:], []byte(word)) {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *parser) object(depth int) (uint32, error) {
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return 0, nil
	}
	var n uint32
	for {
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return 0, p.errorf("expected a member name")
		}
		i := len(p.doc.nodes)
		start, end, esc, err := p.str()
		if err != nil {
			return 0, err
		}
		p.doc.nodes = append(p.doc.nodes, node{kind: String, start: start, end: end, esc: esc, next: uint32(i + 1)})
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return 0, p.errorf("expected ':' after a member name")
		}
		p.pos++
		p.skipSpace()
		if err := p.value(depth); err != nil {
			return 0, err
		}
		n++
		if done, err := p.afterValue('}', "an object"); done || err != nil {
			return n, err
		}
	}
}

// afterValue reads what follows a member of an object or an element of an
// array (in names which): a ',' and the space after it (more to come), or
// closing (done).
func (p *parser) afterValue(closing byte, in string) (done bool, err error) {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ',' {
		p.pos++
		p.skipSpace()
		return false, nil
	}
	if p.pos < len(p.src) && p.src[p.pos] == closing {
		p.pos++
		return true, nil
	}
	return false, p.errorf("expected ',' or '%c' in %s", closing, in)
}

func (p *parser) array(depth int) (uint32, error) {
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return 0, nil
	}
	var n uint32
	for {
		if err := p.value(depth); err != nil {
			return 0, err
		}
		n++
		if done, err := p.afterValue(']', "an array"); done || err != nil {
			return n, err
		}
	}
}

// str scans a string starting at its opening quote and returns the span
// of its contents.
func (p *parser) str() (start, end uint32, esc bool, err error) {
	p.pos++ // "
	s := p.pos
	ascii := true
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(p.src[s:p.pos]) {
				return 0, 0, false, &SyntaxError{Offset: s, Msg: "string is not valid UTF-8"}
			}
			p.pos++
			return uint32(s), uint32(p.pos - 1), esc, nil
		case c == '\\':
			esc = true
			if p.pos+1 >= len(p.src) {
				return 0, 0, false, p.errorf("unterminated escape")
			}
			switch p.src[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if p.pos+6 > len(p.src) || !isHex4(p.src[p.pos+2:p.pos+6]) {
					return 0, 0, false, p.errorf(`\u must be followed by four hex digits`)
				}
				p.pos += 6
			default:
				return 0, 0, false, p.errorf("invalid escape %q", p.src[p.pos:p.pos+2])
			}
		case c < 0x20:
			return 0, 0, false, p.errorf("control character %#x in a string", c)
		default:
			if c >= 0x80 {
				ascii = false
			}
			p.pos++
		}
	}
	return 0, 0, false, p.errorf("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number scans -?int[.frac][(e|E)[+-]exp].
func (p *parser) number() (Kind, error) {
	kind := Integer
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++
	case p.pos < len(p.src) && p.src[p.pos] >= '1' && p.src[p.pos] <= '9':
		p.digits()
	default:
		return 0, p.errorf("invalid number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return 0, p.errorf("invalid number: no digits after '.'")
		}
		kind = Number
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		s := p.pos
		if p.digits() == 0 {
			return 0, p.errorf("invalid number: no digits in the exponent")
		}
		if len(bytes.TrimLeft(p.src[s:p.pos], "0")) > len(strconv.Itoa(maxExponent)) {
			return 0, p.errorf("number exponent out of range")
		}
		kind = Number
		// The bound applies to the normalised number (1 digit before the
		// point), the form String prints: 10e999999999 is 1E+1000000000,
		// which must not parse once printed if it parsed now.
		if d := parseDecimal(string(p.src[start:p.pos]), kind); d.digits != "" {
			if adjusted := d.exp + int64(len(d.digits)) - 1; adjusted > maxExponent || adjusted < -maxExponent {
				return 0, p.errorf("number exponent out of range")
			}
		}
	}
	return kind, nil
}

func (p *parser) digits() int {
	s := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - s
}

// Root is the document's top-level value.
func (d *Doc) Root() Value { return Value{d: d, i: 0} }

// Value is a position in a Doc.
type Value struct {
	d *Doc
	i uint32
}

// Kind returns the value's JSON type.
func (v Value) Kind() Kind { return v.d.nodes[v.i].kind }

// Bool returns a boolean's value.
func (v Value) Bool() bool { return v.d.nodes[v.i].truth }

// Len returns the number of items of an array or members of an object.
func (v Value) Len() int { return int(v.d.nodes[v.i].n) }

// Literal returns a number as written.
func (v Value) Literal() string {
	n := v.d.nodes[v.i]
	return string(v.d.src[n.start:n.end])
}

// Str returns a string's value.
func (v Value) Str() string {
	n := v.d.nodes[v.i]
	return decodeString(v.d.src[n.start:n.end], n.esc)
}

// Items returns an array's items.
func (v Value) Items() []Value {
	n := v.d.nodes[v.i]
	out := make([]Value, 0, n.n)
	for j, k := v.i+1, uint32(0); k < n.n; k++ {
		out = append(out, Value{d: v.d, i: j})
		j = v.d.nodes[j].next
	}
	return out
}

// Member is one name/value pair of an object.
type Member struct {
	Name  string
	Value Value
}

// Members returns an object's members in document order. A repeated name
// keeps its first position and its last value, as Jackson's ObjectNode
// does.
func (v Value) Members() []Member {
	n := v.d.nodes[v.i]
	out := make([]Member, 0, n.n)
	var seen map[string]int
	for j, k := v.i+1, uint32(0); k < n.n; k++ {
		name := Value{d: v.d, i: j}.Str()
		val := Value{d: v.d, i: j + 1}
		j = v.d.nodes[j+1].next
		// Small objects are searched; large ones get an index.
		if len(out) == smallObject {
			seen = make(map[string]int, n.n)
			for x, m := range out {
				seen[m.Name] = x
			}
		}
		if x, dup := findMember(out, seen, name); dup {
			out[x].Value = val
			continue
		}
		if seen != nil {
			seen[name] = len(out)
		}
		out = append(out, Member{Name: name, Value: val})
	}
	return out
}

const smallObject = 8

func findMember(ms []Member, index map[string]int, name string) (int, bool) {
	if index != nil {
		x, ok := index[name]
		return x, ok
	}
	for x, m := range ms {
		if m.Name == name {
			return x, true
		}
	}
	return 0, false
}

// Get returns the value of an object's member.
func (v Value) Get(name string) (Value, bool) {
	var found Value
	ok := false
	n := v.d.nodes[v.i]
	for j, k := v.i+1, uint32(0); k < n.n; k++ {
		if (Value{d: v.d, i: j}).Str() == name {
			found, ok = Value{d: v.d, i: j + 1}, true // the last one wins
		}
		j = v.d.nodes[j+1].next
	}
	return found, ok
}

// decodeString returns the contents of a JSON string. A lone UTF-16
// surrogate becomes U+FFFD.
func decodeString(raw []byte, esc bool) string {
	if !esc {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch raw[i+1] {
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
			r := rune(hex4(raw[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, rune(hex4(raw[i+2:i+6]))); pair != utf8.RuneError {
						b.WriteRune(pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default: // " \ /
			b.WriteByte(raw[i+1])
		}
		i += 2
	}
	return b.String()
}

func hex4(b []byte) int {
	v := 0
	for _, c := range b[:4] {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= int(c - '0')
		case c >= 'a' && c <= 'f':
			v |= int(c-'a') + 10
		default:
			v |= int(c-'A') + 10
		}
	}
	return v
}

// String returns the value as compact JSON, the way Jackson's
// JsonNode.toString() writes it (which is how API Gateway's messages
// quote instances): members in document order, strings with \" \\ and
// control characters escaped (\b \t \n \f \r, else \u00XX), numbers as
// Java prints them.
func (v Value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Value) write(b *strings.Builder) {
	switch v.Kind() {
	case Null:
		b.WriteString("null")
	case Boolean:
		if v.Bool() {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case Integer, Number:
		b.WriteString(parseDecimal(v.Literal(), v.Kind()).String())
	case String:
		writeJavaJSONString(b, v.Str())
	case Array:
		b.WriteByte('[')
		for k, it := range v.Items() {
			if k > 0 {
				b.WriteByte(',')
			}
			it.write(b)
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for k, m := range v.Members() {
			if k > 0 {
				b.WriteByte(',')
			}
			writeJavaJSONString(b, m.Name)
			b.WriteByte(':')
			m.Value.write(b)
		}
		b.WriteByte('}')
	}
}

func writeJavaJSONString(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// equal reports whether two values are equal as JSON Schema's enum and
// uniqueItems compare them: numbers by value (1 equals 1.0), objects
// regardless of member order.
func equal(a, b Value) bool {
	ka, kb := a.Kind(), b.Kind()
	if (ka == Integer || ka == Number) && (kb == Integer || kb == Number) {
		return parseDecimal(a.Literal(), ka).cmp(parseDecimal(b.Literal(), kb)) == 0
	}
	if ka != kb {
		return false
	}
	switch ka {
	case Null:
		return true
	case Boolean:
		return a.Bool() == b.Bool()
	case String:
		return a.Str() == b.Str()
	case Array:
		if a.Len() != b.Len() {
			return false
		}
		bi := b.Items()
		for k, it := range a.Items() {
			if !equal(it, bi[k]) {
				return false
			}
		}
		return true
	default: // Object
		am, bm := a.Members(), b.Members()
		if len(am) != len(bm) {
			return false
		}
		for _, m := range am {
			other, ok := b.Get(m.Name)
			if !ok || !equal(m.Value, other) {
				return false
			}
		}
		return true
	}
}
