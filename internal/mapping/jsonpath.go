package mapping

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Limits of JSONPath compilation.
const (
	// MaxPathLen bounds the length of a JSONPath expression.
	MaxPathLen = 4096
	// maxFilterDepth bounds parentheses and nested paths inside filters.
	maxFilterDepth = 32
)

// PathError reports an invalid JSONPath expression. The gateway maps it to
// a 500 response (API Gateway answers {"message": "Internal server error"}
// when a template's JSONPath cannot be evaluated).
type PathError struct {
	Expr   string // the expression as written
	Offset int    // byte offset of the problem
	Msg    string
}

// Error implements error.
func (e *PathError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at offset %d: %s", e.Expr, e.Offset, e.Msg)
}

// JSONPath is a compiled JSONPath expression: the subset of Jayway
// JsonPath (which API Gateway uses) described in docs/mapping-templates.md.
// It is immutable and safe for concurrent use.
type JSONPath struct {
	src      string
	segs     []segment
	definite bool
	// simple is set for a chain of single names and indexes ($, $.a,
	// $.a[0].b): eval walks it without building lists of matches.
	simple bool
}

type segKind uint8

const (
	segNames    segKind = iota // .name, ['a'], ['a','b']
	segIndexes                 // [0], [0,2], [-1]
	segSlice                   // [1:3], [-2:], [:2]
	segWildcard                // .*, [*]
	segFilter                  // [?(...)]
)

type segment struct {
	kind  segKind
	deep  bool // preceded by ..
	names []string
	idx   []int
	from  int
	to    int
	hasF  bool
	hasT  bool
	leaf  bool
	filt  fexpr
}

// String returns the expression as written.
func (p *JSONPath) String() string { return p.src }

// Definite reports whether the path names at most one node (no wildcard,
// deep scan, filter, slice or union), as Jayway's Path.isDefinite: a
// definite path yields a value, an indefinite one a list of matches.
func (p *JSONPath) Definite() bool { return p.definite }

// CompileJSONPath compiles expr. As in Jayway JsonPath, an expression that
// starts with neither '$' nor '@' is read as "$." + expr.
func CompileJSONPath(expr string) (*JSONPath, error) {
	if len(expr) > MaxPathLen {
		return nil, &PathError{Expr: truncate(expr), Msg: fmt.Sprintf("longer than %d bytes", MaxPathLen)}
	}
	src := strings.TrimSpace(expr)
	if src == "" {
		return nil, &PathError{Expr: expr, Msg: "empty path"}
	}
	text := src
	if text[0] != '$' && text[0] != '@' {
		text = "$." + text
	}
	c := pathCompiler{expr: expr, s: text}
	c.i = 1
	segs, err := c.segments(0, false)
	if err != nil {
		return nil, err
	}
	if c.i != len(c.s) {
		return nil, c.errf("unexpected %q", c.s[c.i])
	}
	p := &JSONPath{src: src, segs: segs, definite: true}
	for i := range segs {
		s := &segs[i]
		s.leaf = i == len(segs)-1
		switch {
		case s.deep, s.kind == segWildcard, s.kind == segFilter, s.kind == segSlice:
			p.definite = false
		case s.kind == segIndexes && len(s.idx) > 1:
			p.definite = false
		case s.kind == segNames && len(s.names) > 1 && !s.leaf:
			p.definite = false
		}
	}
	p.simple = p.definite
	for i := range segs {
		s := &segs[i]
		if s.deep || !(s.kind == segNames && len(s.names) == 1 || s.kind == segIndexes && len(s.idx) == 1) {
			p.simple = false
		}
	}
	return p, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

type pathCompiler struct {
	expr string // as given, for errors
	s    string // normalized
	i    int
}

func (c *pathCompiler) errf(format string, args ...any) error {
	off := c.i - (len(c.s) - len(strings.TrimSpace(c.expr)))
	if off < 0 {
		off = 0
	}
	return &PathError{Expr: truncate(c.expr), Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// segments parses the steps after a root ('$' or '@'). Inside a filter
// (inFilter) it stops at the first character that cannot continue a path.
func (c *pathCompiler) segments(depth int, inFilter bool) ([]segment, error) {
	var segs []segment
	for c.i < len(c.s) {
		ch := c.s[c.i]
		switch {
		case ch == '.':
			deep := false
			c.i++
			if c.i < len(c.s) && c.s[c.i] == '.' {
				deep = true
				c.i++
			}
			if c.i >= len(c.s) {
				return nil, c.errf("path must not end with '.'")
			}
			switch c.s[c.i] {
			case '[':
				if !deep {
					return nil, c.errf("'.' must be followed by a name, not '['")
				}
				seg, err := c.bracket(depth)
				if err != nil {
					return nil, err
				}
				seg.deep = true
				segs = append(segs, seg)
			case '*':
				c.i++
				segs = append(segs, segment{kind: segWildcard, deep: deep})
			default:
				name := c.name()
				if name == "" {
					return nil, c.errf("expected a property name")
				}
				if c.i < len(c.s) && c.s[c.i] == '(' {
					return nil, c.errf("functions such as %s() are not supported", name)
				}
				segs = append(segs, segment{kind: segNames, deep: deep, names: []string{name}})
			}
		case ch == '[':
			seg, err := c.bracket(depth)
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, c.errf("unexpected %q", ch)
		}
		if len(segs) > MaxPathLen/2 {
			return nil, c.errf("too many steps")
		}
	}
	return segs, nil
}

// name reads a dot-notation property name: anything up to '.', '[', a
// space, or (inside filters) an operator or ')'.
func (c *pathCompiler) name() string {
	start := c.i
	for c.i < len(c.s) {
		switch c.s[c.i] {
		case '.', '[', ' ', ')', '(', '=', '!', '<', '>', '&', '|', ',', ']', '\t':
			return c.s[start:c.i]
		}
		c.i++
	}
	return c.s[start:c.i]
}

func (c *pathCompiler) space() {
	for c.i < len(c.s) && (c.s[c.i] == ' ' || c.s[c.i] == '\t') {
		c.i++
	}
}

func (c *pathCompiler) bracket(depth int) (segment, error) {
	c.i++ // [
	c.space()
	if c.i >= len(c.s) {
		return segment{}, c.errf("unclosed '['")
	}
	var seg segment
	switch ch := c.s[c.i]; {
	case ch == '*':
		c.i++
		seg.kind = segWildcard
	case ch == '?':
		c.i++
		c.space()
		if c.i >= len(c.s) || c.s[c.i] != '(' {
			return segment{}, c.errf("expected '(' after '?'")
		}
		c.i++
		f, err := c.filterOr(depth + 1)
		if err != nil {
			return segment{}, err
		}
		c.space()
		if c.i >= len(c.s) || c.s[c.i] != ')' {
			return segment{}, c.errf("expected ')' to close the filter")
		}
		c.i++
		seg.kind, seg.filt = segFilter, f
	case ch == '\'' || ch == '"':
		seg.kind = segNames
		for {
			c.space()
			s, err := c.quoted()
			if err != nil {
				return segment{}, err
			}
			seg.names = append(seg.names, s)
			c.space()
			if c.i < len(c.s) && c.s[c.i] == ',' {
				c.i++
				continue
			}
			break
		}
	case ch == '-' || ch == ':' || (ch >= '0' && ch <= '9'):
		var err error
		if seg, err = c.indexes(); err != nil {
			return segment{}, err
		}
	default:
		return segment{}, c.errf("unexpected %q after '['", ch)
	}
	c.space()
	if c.i >= len(c.s) || c.s[c.i] != ']' {
		return segment{}, c.errf("expected ']'")
	}
	c.i++
	return seg, nil
}

func (c *pathCompiler) quoted() (string, error) {
	if c.i >= len(c.s) || (c.s[c.i] != '\'' && c.s[c.i] != '"') {
		return "", c.errf("expected a quoted name")
	}
	q := c.s[c.i]
	c.i++
	var b strings.Builder
	for c.i < len(c.s) {
		ch := c.s[c.i]
		switch {
		case ch == q:
			c.i++
			return b.String(), nil
		case ch == '\\' && c.i+1 < len(c.s):
			b.WriteByte(c.s[c.i+1])
			c.i += 2
		default:
			b.WriteByte(ch)
			c.i++
		}
	}
	return "", c.errf("unterminated quoted name")
}

func (c *pathCompiler) int() (int, bool, error) {
	c.space()
	start := c.i
	if c.i < len(c.s) && c.s[c.i] == '-' {
		c.i++
	}
	for c.i < len(c.s) && c.s[c.i] >= '0' && c.s[c.i] <= '9' {
		c.i++
	}
	if c.i == start {
		return 0, false, nil
	}
	n, err := strconv.Atoi(c.s[start:c.i])
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, false, c.errf("bad array index %q", c.s[start:c.i])
	}
	c.space()
	return n, true, nil
}

func (c *pathCompiler) indexes() (segment, error) {
	first, ok, err := c.int()
	if err != nil {
		return segment{}, err
	}
	if c.i < len(c.s) && c.s[c.i] == ':' {
		c.i++
		seg := segment{kind: segSlice, from: first, hasF: ok}
		to, ok2, err := c.int()
		if err != nil {
			return segment{}, err
		}
		seg.to, seg.hasT = to, ok2
		if c.i < len(c.s) && c.s[c.i] == ':' {
			return segment{}, c.errf("slice steps are not supported")
		}
		return seg, nil
	}
	if !ok {
		return segment{}, c.errf("expected an array index")
	}
	seg := segment{kind: segIndexes, idx: []int{first}}
	for c.i < len(c.s) && c.s[c.i] == ',' {
		c.i++
		n, ok, err := c.int()
		if err != nil {
			return segment{}, err
		}
		if !ok {
			return segment{}, c.errf("expected an array index after ','")
		}
		seg.idx = append(seg.idx, n)
	}
	return seg, nil
}

// Filters.

type fexpr interface{ eval(cur, root any) bool }

type fOr struct{ x, y fexpr }
type fAnd struct{ x, y fexpr }
type fNot struct{ x fexpr }
type fExists struct{ op operand }
type fCmp struct {
	op   string
	x, y operand
	re   *regexp.Regexp
}

func (f fOr) eval(cur, root any) bool  { return f.x.eval(cur, root) || f.y.eval(cur, root) }
func (f fAnd) eval(cur, root any) bool { return f.x.eval(cur, root) && f.y.eval(cur, root) }
func (f fNot) eval(cur, root any) bool { return !f.x.eval(cur, root) }
func (f fExists) eval(cur, root any) bool {
	_, ok := f.op.value(cur, root)
	return ok
}

// operand is a literal or a path relative to @ (current) or $ (root).
type operand struct {
	lit     any
	path    *JSONPath
	fromDoc bool // '$' rather than '@'
}

func (o operand) value(cur, root any) (any, bool) {
	if o.path == nil {
		return o.lit, true
	}
	start := cur
	if o.fromDoc {
		start = root
	}
	v, ok, err := o.path.eval(start, root)
	if err != nil {
		return nil, false
	}
	if !o.path.definite {
		l := v.([]any)
		return l, len(l) > 0
	}
	return v, ok
}

func (f fCmp) eval(cur, root any) bool {
	a, ok := f.x.value(cur, root)
	if !ok {
		return false
	}
	if f.re != nil {
		s, ok := a.(string)
		return ok && f.re.MatchString(s)
	}
	b, ok := f.y.value(cur, root)
	if !ok {
		return false
	}
	switch f.op {
	case "==":
		return jsonEqual(a, b)
	case "!=":
		return !jsonEqual(a, b)
	}
	c, ok := jsonCompare(a, b)
	if !ok {
		return false
	}
	switch f.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default: // ">="
		return c >= 0
	}
}

func (c *pathCompiler) filterOr(depth int) (fexpr, error) {
	if depth > maxFilterDepth {
		return nil, c.errf("filter nested deeper than %d", maxFilterDepth)
	}
	x, err := c.filterAnd(depth)
	if err != nil {
		return nil, err
	}
	for {
		c.space()
		if !strings.HasPrefix(c.s[c.i:], "||") {
			return x, nil
		}
		c.i += 2
		y, err := c.filterAnd(depth)
		if err != nil {
			return nil, err
		}
		x = fOr{x, y}
	}
}

func (c *pathCompiler) filterAnd(depth int) (fexpr, error) {
	x, err := c.filterUnary(depth)
	if err != nil {
		return nil, err
	}
	for {
		c.space()
		if !strings.HasPrefix(c.s[c.i:], "&&") {
			return x, nil
		}
		c.i += 2
		y, err := c.filterUnary(depth)
		if err != nil {
			return nil, err
		}
		x = fAnd{x, y}
	}
}

func (c *pathCompiler) filterUnary(depth int) (fexpr, error) {
	c.space()
	if c.i >= len(c.s) {
		return nil, c.errf("unexpected end of filter")
	}
	switch c.s[c.i] {
	case '!':
		if !strings.HasPrefix(c.s[c.i:], "!=") {
			c.i++
			x, err := c.filterUnary(depth + 1)
			if err != nil {
				return nil, err
			}
			return fNot{x}, nil
		}
	case '(':
		c.i++
		x, err := c.filterOr(depth + 1)
		if err != nil {
			return nil, err
		}
		c.space()
		if c.i >= len(c.s) || c.s[c.i] != ')' {
			return nil, c.errf("expected ')'")
		}
		c.i++
		return x, nil
	}
	x, err := c.operand(depth)
	if err != nil {
		return nil, err
	}
	c.space()
	for _, op := range [...]string{"==", "!=", "<=", ">=", "=~", "<", ">"} {
		if !strings.HasPrefix(c.s[c.i:], op) {
			continue
		}
		c.i += len(op)
		c.space()
		if op == "=~" {
			re, err := c.regex()
			if err != nil {
				return nil, err
			}
			return fCmp{op: op, x: x, re: re}, nil
		}
		y, err := c.operand(depth)
		if err != nil {
			return nil, err
		}
		return fCmp{op: op, x: x, y: y}, nil
	}
	if x.path == nil {
		return nil, c.errf("a filter needs a path or a comparison")
	}
	return fExists{x}, nil
}

func (c *pathCompiler) regex() (*regexp.Regexp, error) {
	if c.i >= len(c.s) || c.s[c.i] != '/' {
		return nil, c.errf("expected /regex/ after =~")
	}
	c.i++
	start := c.i
	for c.i < len(c.s) && c.s[c.i] != '/' {
		if c.s[c.i] == '\\' {
			c.i++
		}
		c.i++
	}
	if c.i >= len(c.s) {
		return nil, c.errf("unterminated regex")
	}
	pat := c.s[start:c.i]
	c.i++
	flags := ""
	for c.i < len(c.s) && strings.IndexByte("imsx", c.s[c.i]) >= 0 {
		if c.s[c.i] != 'x' {
			flags += string(c.s[c.i])
		}
		c.i++
	}
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, c.errf("bad regex: %v", err)
	}
	return re, nil
}

func (c *pathCompiler) operand(depth int) (operand, error) {
	c.space()
	if c.i >= len(c.s) {
		return operand{}, c.errf("expected a value")
	}
	switch ch := c.s[c.i]; {
	case ch == '@' || ch == '$':
		c.i++
		segs, err := c.segments(depth+1, true)
		if err != nil {
			return operand{}, err
		}
		p := &JSONPath{segs: segs, definite: true}
		for i := range segs {
			s := &segs[i]
			s.leaf = i == len(segs)-1
			if s.deep || s.kind == segWildcard || s.kind == segFilter || s.kind == segSlice ||
				(s.kind == segIndexes && len(s.idx) > 1) || (s.kind == segNames && len(s.names) > 1) {
				p.definite = false
			}
		}
		return operand{path: p, fromDoc: ch == '$'}, nil
	case ch == '\'' || ch == '"':
		s, err := c.quoted()
		if err != nil {
			return operand{}, err
		}
		return operand{lit: s}, nil
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := c.i
		c.i++
		for c.i < len(c.s) && strings.IndexByte("0123456789.eE+-", c.s[c.i]) >= 0 {
			c.i++
		}
		p := jsonParser{s: c.s[start:c.i]}
		v, err := p.number()
		if err != nil || p.i != len(p.s) {
			c.i = start
			return operand{}, c.errf("bad number")
		}
		return operand{lit: v}, nil
	}
	for _, kw := range [...]struct {
		w string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(c.s[c.i:], kw.w) {
			c.i += len(kw.w)
			return operand{lit: kw.v}, nil
		}
	}
	return operand{}, c.errf("unexpected %q in filter", c.s[c.i])
}

// Comparison of JSON values, as Jayway's ValueNode: numbers by value,
// strings by content; other kinds are equal only to themselves.

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

func jsonEqual(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	ja, err1 := appendJSON(nil, a, MaxJSONOutput)
	jb, err2 := appendJSON(nil, b, MaxJSONOutput)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func jsonCompare(a, b any) (int, bool) {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		if !ok {
			return 0, false
		}
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	sa, ok1 := a.(string)
	sb, ok2 := b.(string)
	if ok1 && ok2 {
		return strings.Compare(sa, sb), true
	}
	return 0, false
}

// Evaluation.

// eval applies the path to doc. A definite path returns the node and
// whether it exists; an indefinite one returns every match as []any.
func (p *JSONPath) eval(start, root any) (any, bool, error) {
	if p.simple {
		return p.walk(start)
	}
	cur := []any{start}
	var next []any
	count := 0
	for i := range p.segs {
		s := &p.segs[i]
		next = next[:0:0]
		for _, n := range cur {
			var err error
			if s.deep {
				next, err = deepApply(s, n, root, next, &count, 0)
			} else {
				next, err = apply(s, n, root, next, &count)
			}
			if err != nil {
				return nil, false, err
			}
		}
		cur = next
	}
	if p.definite {
		if len(cur) == 0 {
			return nil, false, nil
		}
		return cur[0], true, nil
	}
	if cur == nil {
		cur = []any{}
	}
	return cur, true, nil
}

// walk is eval for a simple path: what apply selects for each segment,
// at most one node, followed without a list.
func (p *JSONPath) walk(v any) (any, bool, error) {
	for i := range p.segs {
		s := &p.segs[i]
		switch s.kind {
		case segNames:
			o, ok := v.(*object)
			if !ok {
				return nil, false, nil
			}
			if v, ok = o.get(s.names[0]); !ok {
				return nil, false, nil
			}
		case segIndexes:
			a, ok := v.([]any)
			if !ok {
				return nil, false, nil
			}
			j := s.idx[0]
			if j < 0 {
				j += len(a)
			}
			if j < 0 || j >= len(a) {
				return nil, false, nil
			}
			v = a[j]
		}
	}
	return v, true, nil
}

func emit(out []any, v any, count *int) ([]any, error) {
	*count++
	if *count > MaxResultItems {
		return out, ErrResultTooLarge
	}
	return append(out, v), nil
}

func apply(s *segment, n, root any, out []any, count *int) ([]any, error) {
	var err error
	switch s.kind {
	case segNames:
		o, ok := n.(*object)
		if !ok {
			return out, nil
		}
		if len(s.names) > 1 && s.leaf && !s.deep {
			// Jayway merges a leaf multi-property selection into one map.
			m := &object{}
			for _, name := range s.names {
				if v, ok := o.get(name); ok {
					m.keys = append(m.keys, name)
					m.vals = append(m.vals, v)
				}
			}
			return emit(out, m, count)
		}
		for _, name := range s.names {
			if v, ok := o.get(name); ok {
				if out, err = emit(out, v, count); err != nil {
					return out, err
				}
			}
		}
	case segIndexes:
		a, ok := n.([]any)
		if !ok {
			return out, nil
		}
		for _, i := range s.idx {
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				if out, err = emit(out, a[i], count); err != nil {
					return out, err
				}
			}
		}
	case segSlice:
		a, ok := n.([]any)
		if !ok {
			return out, nil
		}
		from, to := 0, len(a)
		if s.hasF {
			from = s.from
			if from < 0 {
				from = max(0, len(a)+from)
			}
		}
		if s.hasT {
			to = s.to
			if to < 0 {
				to = len(a) + to
			}
		}
		to = min(to, len(a))
		for i := from; i < to; i++ {
			if out, err = emit(out, a[i], count); err != nil {
				return out, err
			}
		}
	case segWildcard:
		switch x := n.(type) {
		case *object:
			for _, v := range x.vals {
				if out, err = emit(out, v, count); err != nil {
					return out, err
				}
			}
		case []any:
			for _, v := range x {
				if out, err = emit(out, v, count); err != nil {
					return out, err
				}
			}
		}
	case segFilter:
		switch x := n.(type) {
		case *object:
			// Jayway applies a filter on an object to the object itself.
			if s.filt.eval(x, root) {
				return emit(out, x, count)
			}
		case []any:
			for _, v := range x {
				if s.filt.eval(v, root) {
					if out, err = emit(out, v, count); err != nil {
						return out, err
					}
				}
			}
		}
	}
	return out, nil
}

// deepApply applies s to n and to every node below it, in document order
// (Jayway's ScanPathToken walks the node, then its children).
func deepApply(s *segment, n, root any, out []any, count *int, depth int) ([]any, error) {
	if depth > MaxJSONDepth {
		return out, nil
	}
	var err error
	switch x := n.(type) {
	case *object:
		if s.kind == segFilter {
			// ..[?()] tests the children, not the object itself.
			for _, v := range x.vals {
				if s.filt.eval(v, root) {
					if out, err = emit(out, v, count); err != nil {
						return out, err
					}
				}
			}
		} else if out, err = apply(s, x, root, out, count); err != nil {
			return out, err
		}
		for _, v := range x.vals {
			if out, err = deepApply(s, v, root, out, count, depth+1); err != nil {
				return out, err
			}
		}
	case []any:
		if out, err = apply(s, x, root, out, count); err != nil {
			return out, err
		}
		for _, v := range x {
			if out, err = deepApply(s, v, root, out, count, depth+1); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// Eval evaluates the path over a JSON text (a Jayway-style read): it
// returns the result converted to template values (*vtl.Map, *vtl.List,
// string, int64, *big.Int, float64, bool, nil) and whether a definite path
// found its node. Indefinite paths always return a (possibly empty) list.
func (p *JSONPath) Eval(doc string) (any, bool, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, false, err
	}
	v, ok, err := p.eval(root, root)
	if err != nil || !ok {
		return nil, ok, err
	}
	return toVTL(v), true, nil
}
