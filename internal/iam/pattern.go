package iam

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a policy string compiled once: Action, Resource, a string
// or ARN condition value. It is split on '*' into segments, and each
// segment into pieces (literal text, a run of '?', a policy variable), so
// matching needs no regexp and does not allocate.
//
// Wildcards: '*' matches any run of characters (including none, and
// across ':' and '/'), '?' exactly one character, as IAM documents for
// Action, Resource and StringLike
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
//
// Policy variables: "${key}" and "${key, 'default'}" are replaced by the
// request's value at match time; the value is matched literally, never as
// a wildcard, and substitution is done once. "${*}", "${?}" and "${$}" are
// the literal characters (reference_policies_variables.html, "Special
// characters"). A variable whose key is absent (and that has no default)
// makes the pattern match nothing.
type pattern struct {
	raw  string
	kind patKind
	fold bool      // ASCII case-insensitive literals (Action, ...IgnoreCase)
	lit  string    // patExact
	segs [][]piece // patGeneral: the segments between '*'
}

type patKind uint8

const (
	patGeneral patKind = iota
	patAll             // "*"
	patExact           // literal only
)

type pieceKind uint8

const (
	pieceLit pieceKind = iota
	pieceAny           // n times '?'
	pieceVar           // a policy variable
)

type piece struct {
	kind   pieceKind
	lit    string
	n      int
	key    ctxKey
	def    string
	hasDef bool
}

// patternOpts say how a policy string is read.
type patternOpts struct {
	wildcards bool // '*' and '?' are wildcards
	variables bool // ${...} are policy variables (Version 2012-10-17)
	fold      bool // case-insensitive
}

// compilePattern compiles s. It never fails: text that is not a
// well-formed variable is literal.
func compilePattern(s string, o patternOpts) pattern {
	p := pattern{raw: s, fold: o.fold}
	if o.wildcards && s == "*" {
		p.kind = patAll
		return p
	}
	var segs [][]piece
	var cur []piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			cur = append(cur, piece{kind: pieceLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case o.wildcards && c == '*':
			flush()
			segs = append(segs, cur)
			cur = nil
			i++
		case o.wildcards && c == '?':
			flush()
			if n := len(cur); n > 0 && cur[n-1].kind == pieceAny {
				cur[n-1].n++
			} else {
				cur = append(cur, piece{kind: pieceAny, n: 1})
			}
			i++
		case o.variables && c == '$' && strings.HasPrefix(s[i:], "${"):
			v, n, ok := parseVariable(s[i:])
			if !ok {
				lit.WriteByte(c)
				i++
				continue
			}
			i += n
			if v.kind == pieceLit {
				lit.WriteString(v.lit)
				continue
			}
			flush()
			cur = append(cur, v)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	segs = append(segs, cur)
	if len(segs) == 1 && len(cur) <= 1 && (len(cur) == 0 || cur[0].kind == pieceLit) {
		p.kind = patExact
		if len(cur) == 1 {
			p.lit = cur[0].lit
		}
		return p
	}
	p.segs = segs
	return p
}

// parseVariable reads "${...}" at the start of s. It returns the piece
// (a literal for the escapes ${*} ${?} ${$}), the bytes read, and false if
// s does not start with a well-formed variable.
func parseVariable(s string) (piece, int, bool) {
	for _, esc := range [...]string{"${*}", "${?}", "${$}"} {
		if strings.HasPrefix(s, esc) {
			return piece{kind: pieceLit, lit: esc[2:3]}, len(esc), true
		}
	}
	i := 2
	// key: up to ',' or '}'
	start := i
	for i < len(s) && s[i] != '}' && s[i] != ',' {
		if s[i] == '$' || s[i] == '{' || s[i] == '\'' {
			return piece{}, 0, false
		}
		i++
	}
	if i >= len(s) {
		return piece{}, 0, false
	}
	key := strings.TrimSpace(s[start:i])
	if key == "" {
		return piece{}, 0, false
	}
	if s[i] == '}' {
		return piece{kind: pieceVar, key: compileKey(key)}, i + 1, true
	}
	// ", 'default'"
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '\'' {
		return piece{}, 0, false
	}
	i++
	var def strings.Builder
	for {
		if i >= len(s) {
			return piece{}, 0, false
		}
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				def.WriteByte('\'')
				i += 2
				continue
			}
			i++
			break
		}
		def.WriteByte(s[i])
		i++
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '}' {
		return piece{}, 0, false
	}
	return piece{kind: pieceVar, key: compileKey(key), def: def.String(), hasDef: true}, i + 1, true
}

// hasVariables reports whether the pattern reads the request context.
func (p *pattern) hasVariables() bool {
	for _, seg := range p.segs {
		for _, pc := range seg {
			if pc.kind == pieceVar {
				return true
			}
		}
	}
	return false
}

// match reports whether s matches the pattern, resolving variables in ctx.
func (p *pattern) match(s string, ctx *Context) bool {
	switch p.kind {
	case patAll:
		return true
	case patExact:
		if p.fold {
			return equalFoldASCII(s, p.lit)
		}
		return s == p.lit
	}
	segs := p.segs
	if len(segs) == 1 {
		end, ok := p.forward(s, 0, segs[0], ctx)
		return ok && end == len(s)
	}
	first, ok := p.forward(s, 0, segs[0], ctx)
	if !ok {
		return false
	}
	limit, ok := p.backward(s, len(s), segs[len(segs)-1], ctx)
	if !ok || limit < first {
		return false
	}
	pos := first
	for _, seg := range segs[1 : len(segs)-1] {
		if len(seg) == 0 {
			continue
		}
		found := false
		for j := pos; j <= limit; j++ {
			if j < len(s) && s[j]&0xC0 == 0x80 {
				continue // not at a character boundary
			}
			if seg[0].kind == pieceLit && !p.fold {
				k := strings.Index(s[j:limit], seg[0].lit)
				if k < 0 {
					return false
				}
				j += k
			}
			if end, ok := p.forward(s, j, seg, ctx); ok && end <= limit {
				pos, found = end, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (p *pattern) resolve(pc *piece, ctx *Context) (string, bool) {
	switch pc.kind {
	case pieceLit:
		return pc.lit, true
	case pieceVar:
		if v, ok := ctx.variable(pc.key); ok {
			return v, true
		}
		return pc.def, pc.hasDef
	}
	return "", false
}

// forward matches seg at s[i:] and returns where it ends.
func (p *pattern) forward(s string, i int, seg []piece, ctx *Context) (int, bool) {
	for k := range seg {
		pc := &seg[k]
		if pc.kind == pieceAny {
			for n := 0; n < pc.n; n++ {
				if i >= len(s) {
					return 0, false
				}
				_, w := utf8.DecodeRuneInString(s[i:])
				i += w
			}
			continue
		}
		lit, ok := p.resolve(pc, ctx)
		if !ok || len(s)-i < len(lit) {
			return 0, false
		}
		if p.fold {
			if !equalFoldASCII(s[i:i+len(lit)], lit) {
				return 0, false
			}
		} else if s[i:i+len(lit)] != lit {
			return 0, false
		}
		i += len(lit)
	}
	return i, true
}

// backward matches seg ending at s[:end] and returns where it starts.
func (p *pattern) backward(s string, end int, seg []piece, ctx *Context) (int, bool) {
	for k := len(seg) - 1; k >= 0; k-- {
		pc := &seg[k]
		if pc.kind == pieceAny {
			for n := 0; n < pc.n; n++ {
				if end <= 0 {
					return 0, false
				}
				_, w := utf8.DecodeLastRuneInString(s[:end])
				end -= w
			}
			continue
		}
		lit, ok := p.resolve(pc, ctx)
		if !ok || end < len(lit) {
			return 0, false
		}
		if p.fold {
			if !equalFoldASCII(s[end-len(lit):end], lit) {
				return 0, false
			}
		} else if s[end-len(lit):end] != lit {
			return 0, false
		}
		end -= len(lit)
	}
	return end, true
}

// equalFoldASCII compares with ASCII case folding only; other bytes must
// be equal. IAM action names are ASCII.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
