package mapping

import (
	"errors"
	"math"
	"strconv"
)

// compactJSON appends to dst the JSON text s as $input.json('$') writes it —
// exactly appendJSON(parseJSON(s)) — in one pass over the text, without
// building the document: whitespace dropped, strings re-escaped as
// appendJSONString does, integers as written ("-0" as 0), other numbers in
// Java's Double.toString form. It is the fast path of the most common
// template expression (BenchmarkRenderForward).
//
// ok is false whenever the result could differ from the slow path's or the
// slow path would fail: text that is not JSON, an object with a repeated
// key (the document keeps the first position with the last value),
// nesting deeper than MaxJSONDepth, a body over MaxBody or output over
// MaxJSONOutput. The caller then takes the slow path, which gives the
// same output or the error. Past len(dst) the returned slice holds
// whatever was written when ok is false.
func compactJSON(dst []byte, s string) (out []byte, ok bool) {
	if len(s) > MaxBody {
		return dst, false
	}
	c := compactor{p: jsonParser{s: s}, b: dst}
	c.p.skip()
	if !c.value(0) {
		return c.b, false
	}
	c.p.skip()
	return c.b, c.p.i == len(s) && len(c.b)-len(dst) <= MaxJSONOutput
}

// compactor is compactJSON's state: the scanner and the output.
type compactor struct {
	p jsonParser
	b []byte
}

func (c *compactor) value(depth int) bool {
	p := &c.p
	if depth > MaxJSONDepth || p.i >= len(p.s) {
		return false
	}
	switch ch := p.s[p.i]; {
	case ch == '{':
		return c.object(depth)
	case ch == '[':
		if c.open('[', ']') {
			return true
		}
		for {
			p.skip()
			if !c.value(depth + 1) {
				return false
			}
			if more, ok := c.afterValue(']'); !more {
				return ok
			}
		}
	case ch == '"':
		return c.str()
	case ch == '-' || (ch >= '0' && ch <= '9'):
		return c.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p.s)-p.i >= len(lit) && p.s[p.i:p.i+len(lit)] == lit {
			p.i += len(lit)
			c.b = append(c.b, lit...)
			return true
		}
	}
	return false
}

func (c *compactor) object(depth int) bool {
	p := &c.p
	if c.open('{', '}') {
		return true
	}
	// The keys seen so far, for the repeated-key check; on the stack for
	// objects of up to 8 keys.
	var seen [8]string
	keys := seen[:0]
	for {
		p.skip()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return false
		}
		k, err := p.str()
		if err != nil {
			return false
		}
		for _, prev := range keys {
			if prev == k {
				return false // a repeated key: the slow path merges them
			}
		}
		keys = append(keys, k)
		c.appendString(k)
		p.skip()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return false
		}
		p.i++
		c.b = append(c.b, ':')
		p.skip()
		if !c.value(depth + 1) {
			return false
		}
		if more, ok := c.afterValue('}'); !more {
			return ok
		}
	}
}

// open copies the opening byte of an array or object and reports whether
// the closing one follows at once (an empty one, copied too).
func (c *compactor) open(opening, closing byte) (empty bool) {
	p := &c.p
	p.i++
	c.b = append(c.b, opening)
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == closing {
		p.i++
		c.b = append(c.b, closing)
		return true
	}
	return false
}

// afterValue copies what follows an element or member: a ',' (more is
// true) or the closing byte (ok is true). Anything else is not JSON.
func (c *compactor) afterValue(closing byte) (more, ok bool) {
	p := &c.p
	p.skip()
	if p.i >= len(p.s) {
		return false, false
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		c.b = append(c.b, ',')
		return true, true
	case closing:
		p.i++
		c.b = append(c.b, closing)
		return false, true
	}
	return false, false
}

// str copies a string value. Strings of printable ASCII without escapes,
// the usual case, are copied as written; others are decoded and
// re-escaped.
func (c *compactor) str() bool {
	p := &c.p
	start := p.i
	for i := start + 1; i < len(p.s); i++ {
		ch := p.s[i]
		if ch == '"' {
			c.b = append(c.b, p.s[start:i+1]...)
			p.i = i + 1
			return true
		}
		if ch < 0x20 || ch >= 0x7F || ch == '\\' {
			break
		}
	}
	v, err := p.str()
	if err != nil {
		return false
	}
	c.appendString(v)
	return true
}

// appendString appends s as appendJSONString does, copying printable
// ASCII without quotes or backslashes as is.
func (c *compactor) appendString(s string) {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch >= 0x7F || ch == '"' || ch == '\\' {
			c.b = appendJSONString(c.b, s)
			return
		}
	}
	c.b = append(c.b, '"')
	c.b = append(c.b, s...)
	c.b = append(c.b, '"')
}

// number copies a number as appendJSON writes the parsed value: an
// integer as written (JSON forbids leading zeros and '+', so the literal
// is strconv's and big.Int's form) except -0, which is 0; a fraction or
// exponent in Java's Double.toString form, non-finite as null.
func (c *compactor) number() bool {
	p := &c.p
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	intStart := p.i
	if p.digits() == 0 {
		return false
	}
	if p.s[intStart] == '0' && p.i-intStart > 1 {
		return false
	}
	isFloat := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		isFloat = true
		if p.digits() == 0 {
			return false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		isFloat = true
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return false
		}
	}
	lit := p.s[start:p.i]
	if !isFloat {
		if lit == "-0" {
			lit = "0"
		}
		if len(lit) > 4096 {
			return false // the slow path's "number too long"
		}
		c.b = append(c.b, lit...)
		return true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return false
	}
	if math.IsInf(f, 0) {
		c.b = append(c.b, "null"...)
		return true
	}
	c.b = appendJavaDouble(c.b, f)
	return true
}

// digits skips decimal digits and returns how many there were.
func (p *jsonParser) digits() int {
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
