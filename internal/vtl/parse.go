package vtl

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Template is a parsed template. It is immutable and safe for concurrent
// use by any number of executions.
type Template struct {
	name   string
	src    string
	root   *ListNode
	macros map[string]*MacroNode
	syms   *symtab
	// names numbers the reference names (References).
	names map[string]int32
	// states recycles execution states: a render then allocates nothing
	// for the engine itself (BenchmarkRender).
	states sync.Pool
	// lastSize is the length of the latest successful output (SizeHint).
	lastSize atomic.Int64
}

// SizeHint returns the length of the template's latest output, 0 before
// the first: callers that give Execute a fresh buffer can Grow it by that
// much and allocate once.
func (t *Template) SizeHint() int { return int(t.lastSize.Load()) }

// Name returns the name given to Parse.
func (t *Template) Name() string { return t.name }

// Root returns the syntax tree. Callers must not modify it.
func (t *Template) Root() *ListNode { return t.root }

// String prints the template back from its tree (see Node).
func (t *Template) String() string { return t.root.String() }

// maxParseDepth bounds the nesting of blocks and expressions so that a
// hostile template cannot exhaust the stack while parsing.
const maxParseDepth = 256

// Parse parses src as a Velocity 1.7 template. name is used in errors.
// A syntax error is returned as an *Error.
func Parse(name, src string) (*Template, error) {
	p := &parser{
		lx:     &lexer{src: src},
		name:   name,
		macros: map[string]*MacroNode{},
		known:  map[string]bool{},
		syms:   map[string]int32{},
		tab:    &symtab{},
	}
	root, err := p.parseTemplate()
	if err != nil {
		return nil, newError(name, src, err.pos, err.msg, nil)
	}
	p.tab.n = len(p.syms)
	return &Template{name: name, src: src, root: root, macros: p.macros, syms: p.tab, names: p.syms}, nil
}

// References reports whether an execution may read the variable name:
// the template refers to $name somewhere (macros and string
// interpolations included), or it has an #evaluate, whose text may refer
// to anything. A caller may leave out of the vars what a template never
// reads, and save building it.
func (t *Template) References(name string) bool {
	if t.syms.evaluates {
		return true
	}
	_, ok := t.names[name]
	return ok
}

type parseError struct {
	pos Pos
	msg string
}

type parser struct {
	lx     *lexer
	name   string
	pos    int // cursor in lx.src
	depth  int
	macros map[string]*MacroNode
	known  map[string]bool  // macros defined so far, for \#name escapes
	syms   map[string]int32 // reference names, numbered from 1
	tab    *symtab
}

// symbol numbers a reference name.
func (p *parser) symbol(name string) int32 {
	if n, ok := p.syms[name]; ok {
		return n
	}
	n := int32(len(p.syms) + 1)
	p.syms[name] = n
	return n
}

func (p *parser) parseTemplate() (root *ListNode, perr *parseError) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*parseError)
			if !ok {
				panic(r)
			}
			perr = e
		}
	}()
	list, t := p.parseList()
	if t.kind != termEOF {
		p.failAt(t.pos, "unexpected #%s: no open block to close", t.name())
	}
	return list, nil
}

func (p *parser) failAt(pos int, format string, args ...any) {
	panic(&parseError{pos: p.lx.base + Pos(pos), msg: fmt.Sprintf(format, args...)})
}

func (p *parser) p(i int) Pos { return p.lx.base + Pos(i) }

type termKind uint8

const (
	termEOF termKind = iota
	termEnd
	termElse
	termElseIf
)

// term is what stopped a statement list: end of input, #end, #else or
// #elseif.
type term struct {
	kind   termKind
	pos    int // offset of '#'
	braced bool
	trail  string
	after  int // offset after the name (for #elseif)
}

func (t term) name() string {
	switch t.kind {
	case termEnd:
		return "end"
	case termElse:
		return "else"
	case termElseIf:
		return "elseif"
	}
	return "EOF"
}

func (p *parser) tag(t term) EndTag {
	return EndTag{Pos: p.p(t.pos), Braced: t.braced, Trail: t.trail}
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > maxParseDepth {
		p.failAt(pos, "nesting deeper than %d levels", maxParseDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// parseList parses statements until end of input or a block terminator.
func (p *parser) parseList() (*ListNode, term) {
	p.enter(p.pos)
	defer p.leave()
	lx := p.lx
	src := lx.src
	list := &ListNode{Pos: p.p(p.pos)}
	for {
		i := p.pos
		if i >= len(src) {
			return list, term{kind: termEOF, pos: i}
		}
		switch c := src[i]; c {
		case ' ', '\t':
			if end, hash, braced, ok := lx.scanSet(i); ok {
				list.Nodes = append(list.Nodes, p.parseSet(i, hash, end, braced))
				continue
			}
			p.text(list, i, lx.textEnd(i))
		case '$':
			if ref := p.parseRef(i, 0); ref != nil {
				list.Nodes = append(list.Nodes, ref)
			} else {
				p.text(list, i, i+1)
			}
		case '\\':
			p.backslashes(list, i)
		case '#':
			if t, stop := p.hash(list, i); stop {
				return list, t
			}
		default:
			p.text(list, i, lx.textEnd(i))
		}
	}
}

// text appends src[i:j] as text and moves the cursor to j.
func (p *parser) text(list *ListNode, i, j int) {
	s := p.lx.src[i:j]
	p.pos = j
	if n := len(list.Nodes); n > 0 {
		if t, ok := list.Nodes[n-1].(*TextNode); ok {
			t.Text += s
			return
		}
	}
	list.Nodes = append(list.Nodes, &TextNode{Pos: p.p(i), Text: s})
}

// knownDirective reports whether name is one of Velocity 1.7's pluggable
// directives (directive.properties).
func knownDirective(name string) bool {
	switch name {
	case "foreach", "include", "parse", "macro", "literal", "evaluate", "break", "define", "stop":
		return true
	}
	return false
}

// directiveName reads a directive name after the '#' at i: a WORD or a
// {BRACKETED_WORD}. It returns the name, whether it was braced and the
// offset after it; name is empty when none follows.
func (p *parser) directiveName(i int) (name string, braced bool, end int) {
	lx := p.lx
	j := i + 1
	if lx.at(j) == '{' {
		if isAlpha(lx.at(j+1)) || lx.at(j+1) == '_' {
			k := lx.scanWord(j + 1)
			if lx.at(k) == '}' {
				return lx.src[j+1 : k], true, k + 1
			}
		}
		return "", false, j
	}
	k := lx.scanWord(j)
	return lx.src[j:k], false, k
}

// backslashes handles a run of backslashes at i, following Velocity's
// escape rules for references and directives.
func (p *parser) backslashes(list *ListNode, i int) {
	lx := p.lx
	j := i
	for lx.at(j) == '\\' {
		j++
	}
	n := j - i
	switch lx.at(j) {
	case '$':
		if ref := p.parseRef(j, n); ref != nil {
			ref.Pos = p.p(i)
			list.Nodes = append(list.Nodes, ref)
			return
		}
		p.text(list, i, j+1)
		return
	case '#':
		name, braced, end := p.directiveName(j)
		if n%2 == 1 {
			if name == "" {
				p.text(list, i, j)
				return
			}
			// ESCAPE_DIRECTIVE: \#name prints #name when name is a
			// directive or a macro known at this point.
			raw := lx.src[i:end]
			out := raw
			switch {
			case knownDirective(name), p.known[name],
				name == "if", name == "end", name == "set", name == "else", name == "elseif":
				out = strings.Repeat(`\`, n/2) + lx.src[j:end]
			}
			list.Nodes = append(list.Nodes, &EscapeNode{Pos: p.p(i), Raw: raw, Out: out})
			p.pos = end
			return
		}
		// An even run: each \\ prints one \ when a directive follows,
		// else both; the directive itself then runs.
		control := false
		if name != "" {
			if _, _, _, isSet := lx.scanSet(j); !isSet {
				switch name {
				case "if", "else", "elseif", "end":
					control = true
				default:
					control = !braced && (knownDirective(name) || p.known[name])
				}
			}
		}
		out := lx.src[i:j]
		if control {
			out = out[:n/2]
		}
		list.Nodes = append(list.Nodes, &EscapeNode{Pos: p.p(i), Raw: lx.src[i:j], Out: out})
		p.pos = j
		return
	}
	p.text(list, i, j)
}

// hash handles a '#' at i in text. It returns stop=true with the
// terminator when it meets #end, #else or #elseif.
func (p *parser) hash(list *ListNode, i int) (term, bool) {
	lx := p.lx
	src := lx.src
	switch {
	case strings.HasPrefix(src[i:], "##"):
		j := strings.IndexByte(src[i:], '\n')
		end := len(src)
		if j >= 0 {
			end = i + j + 1
		} else if k := strings.IndexByte(src[i:], '\r'); k >= 0 {
			end = i + k + 1
		}
		list.Nodes = append(list.Nodes, &CommentNode{Pos: p.p(i), Raw: src[i:end]})
		p.pos = end
		return term{}, false
	case strings.HasPrefix(src[i:], "#*"):
		j := strings.Index(src[i+2:], "*#")
		if j < 0 {
			p.failAt(i, "unterminated #* comment")
		}
		end := i + 2 + j + 2
		list.Nodes = append(list.Nodes, &CommentNode{Pos: p.p(i), Raw: src[i:end]})
		p.pos = end
		return term{}, false
	case strings.HasPrefix(src[i:], "#[["):
		j := strings.Index(src[i+3:], "]]#")
		if j < 0 {
			p.failAt(i, "unterminated #[[ text block")
		}
		end := i + 3 + j + 3
		list.Nodes = append(list.Nodes, &TextBlockNode{Pos: p.p(i), Raw: src[i:end]})
		p.pos = end
		return term{}, false
	}
	if end, hash, braced, ok := lx.scanSet(i); ok {
		list.Nodes = append(list.Nodes, p.parseSet(i, hash, end, braced))
		return term{}, false
	}
	name, braced, after := p.directiveName(i)
	switch name {
	case "":
		p.text(list, i, i+1)
		return term{}, false
	case "end", "else":
		t := term{kind: termEnd, pos: i, braced: braced}
		if name == "else" {
			t.kind = termElse
		}
		trail := lx.scanTrail(after)
		t.trail = src[after:trail]
		p.pos = trail
		return t, true
	case "elseif":
		p.pos = after
		return term{kind: termElseIf, pos: i, braced: braced, after: after}, true
	case "if":
		list.Nodes = append(list.Nodes, p.parseIf(i, braced, after))
	case "foreach":
		list.Nodes = append(list.Nodes, p.parseForeach(i, braced, after))
	case "define":
		list.Nodes = append(list.Nodes, p.parseDefine(i, braced, after))
	case "macro":
		list.Nodes = append(list.Nodes, p.parseMacro(i, braced, after))
	case "literal":
		list.Nodes = append(list.Nodes, p.parseLiteral(i, braced, after))
	case "break", "stop", "evaluate", "include", "parse":
		if name == "evaluate" {
			p.tab.evaluates = true
		}
		list.Nodes = append(list.Nodes, p.parseLineDirective(i, name, braced, after))
	default:
		list.Nodes = append(list.Nodes, p.parseMacroCall(i, name, after))
	}
	return term{}, false
}

// expectParen moves past optional whitespace and '(' at p.pos.
func (p *parser) expectParen(what string) {
	t := p.skipWS()
	if t.kind != tLParen {
		p.failAt(t.pos, "expected ( after #%s, found %s", what, p.describe(t))
	}
	p.pos = t.end
}

// closeParen expects ')' and returns the trail it eats.
func (p *parser) closeParen(what string) string {
	t := p.skipWS()
	if t.kind != tRParen {
		p.failAt(t.pos, "expected ) to close #%s, found %s", what, p.describe(t))
	}
	end := p.lx.scanTrail(t.end)
	p.pos = end
	return p.lx.src[t.end:end]
}

func (p *parser) parseIf(i int, braced bool, after int) *IfNode {
	n := &IfNode{Pos: p.p(i)}
	br := &IfBranch{Pos: p.p(i), Braced: braced}
	p.pos = after
	p.expectParen("if")
	br.Cond = p.parseExpr()
	br.Trail = p.closeParen("if")
	n.Branches = append(n.Branches, br)
	for {
		body, t := p.parseList()
		if n.ElseTag != nil {
			n.Else = body
		} else {
			br.Body = body
		}
		switch t.kind {
		case termEOF:
			p.failAt(i, "#if without #end")
		case termEnd:
			n.End = p.tag(t)
			return n
		case termElse:
			if n.ElseTag != nil {
				p.failAt(t.pos, "#else after #else")
			}
			tag := p.tag(t)
			n.ElseTag = &tag
		case termElseIf:
			if n.ElseTag != nil {
				p.failAt(t.pos, "#elseif after #else")
			}
			br = &IfBranch{Pos: p.p(t.pos), Braced: t.braced}
			p.pos = t.after
			p.expectParen("elseif")
			br.Cond = p.parseExpr()
			br.Trail = p.closeParen("elseif")
			n.Branches = append(n.Branches, br)
		}
	}
}

// blockEnd parses a block body that must be closed by #end.
func (p *parser) blockEnd(i int, what string) (*ListNode, EndTag) {
	body, t := p.parseList()
	if t.kind != termEnd {
		if t.kind == termEOF {
			p.failAt(i, "#%s without #end", what)
		}
		p.failAt(t.pos, "unexpected #%s inside #%s", t.name(), what)
	}
	return body, p.tag(t)
}

func (p *parser) parseSet(i, hash, end int, braced bool) *SetNode {
	n := &SetNode{Pos: p.p(i), Lead: p.lx.src[i:hash], Braced: braced}
	p.pos = end
	t := p.skipWS()
	if t.kind != tDollar {
		p.failAt(t.pos, "expected a reference after #set(, found %s", p.describe(t))
	}
	n.Target = p.parseRef(t.pos, 0)
	if n.Target == nil {
		p.failAt(t.pos, "expected a reference after #set(")
	}
	t = p.skipWS()
	if t.kind != tAssign {
		p.failAt(t.pos, "expected = in #set, found %s", p.describe(t))
	}
	p.pos = t.end
	n.Value = p.parseExpr()
	n.Trail = p.closeParen("set")
	return n
}

// directiveArgs parses "( arg arg, arg )" for a directive whose name ends
// at after, returning the arguments and the trail after ')'.
func (p *parser) directiveArgs(what string, after int) ([]Expr, string) {
	p.pos = after
	p.expectParen(what)
	var args []Expr
	for {
		t := p.skipWS()
		if t.kind == tRParen {
			break
		}
		if t.kind == tComma {
			p.pos = t.end
			p.skipWS()
		}
		args = append(args, p.parseDirectiveArg(what))
	}
	return args, p.closeParen(what)
}

func (p *parser) parseForeach(i int, braced bool, after int) *ForeachNode {
	if !p.lx.isLeftParen(after) {
		p.failAt(i, "#foreach needs arguments: #foreach($item in $list)")
	}
	n := &ForeachNode{Pos: p.p(i), Braced: braced}
	args, trail := p.directiveArgs("foreach", after)
	if len(args) != 3 {
		p.failAt(i, "#foreach needs 3 arguments ($item in $list), found %d", len(args))
	}
	v, ok := args[0].(*RefNode)
	if !ok || len(v.Parts) > 0 {
		p.failAt(int(args[0].Position()-p.lx.base), "#foreach: the loop variable must be a simple reference")
	}
	if w, ok := args[1].(*WordNode); !ok || w.Word != "in" {
		p.failAt(int(args[1].Position()-p.lx.base), "#foreach: expected 'in' as the second argument")
	}
	if _, ok := args[2].(*WordNode); ok {
		p.failAt(int(args[2].Position()-p.lx.base), "#foreach: the third argument cannot be a word")
	}
	n.Var, n.Iter, n.Trail = v, args[2], trail
	n.Body, n.End = p.blockEnd(i, "foreach")
	return n
}

func (p *parser) parseDefine(i int, braced bool, after int) *DefineNode {
	if !p.lx.isLeftParen(after) {
		p.failAt(i, "#define needs a reference: #define($name)")
	}
	n := &DefineNode{Pos: p.p(i), Braced: braced}
	args, trail := p.directiveArgs("define", after)
	if len(args) != 1 {
		p.failAt(i, "#define needs exactly one argument, found %d", len(args))
	}
	r, ok := args[0].(*RefNode)
	if !ok || len(r.Parts) > 0 {
		p.failAt(i, "#define: the argument must be a simple reference")
	}
	n.Name, n.Trail = r, trail
	n.Body, n.End = p.blockEnd(i, "define")
	return n
}

func (p *parser) parseMacro(i int, braced bool, after int) *MacroNode {
	if !p.lx.isLeftParen(after) {
		p.failAt(i, "a macro declaration requires at least a name argument")
	}
	n := &MacroNode{Pos: p.p(i), Braced: braced}
	args, trail := p.directiveArgs("macro", after)
	if len(args) == 0 {
		p.failAt(i, "a macro declaration requires at least a name argument")
	}
	w, ok := args[0].(*WordNode)
	if !ok {
		p.failAt(i, "invalid first arg in #macro() directive - must be a word token (no ' or \" surrounding)")
	}
	n.Name = w.Word
	for _, a := range args[1:] {
		r, ok := a.(*RefNode)
		if !ok || len(r.Parts) > 0 || r.Escapes > 0 {
			p.failAt(int(a.Position()-p.lx.base), "#macro %s: parameters must be simple references", n.Name)
		}
		n.Params = append(n.Params, r.Name)
	}
	n.Trail = trail
	n.Body, n.End = p.blockEnd(i, "macro")
	p.macros[n.Name] = n // the last definition wins
	p.known[n.Name] = true
	return n
}

func (p *parser) parseLiteral(i int, braced bool, after int) *LiteralNode {
	if !p.lx.isLeftParen(after) {
		p.failAt(i, "#literal needs parentheses: #literal()")
	}
	n := &LiteralNode{Pos: p.p(i), Braced: braced}
	args, trail := p.directiveArgs("literal", after)
	if len(args) != 0 {
		p.failAt(i, "#literal takes no arguments")
	}
	n.Trail = trail
	start := p.pos
	_, n.End = p.blockEnd(i, "literal")
	n.Raw = p.lx.src[start:int(n.End.Pos-p.lx.base)]
	return n
}

func (p *parser) parseLineDirective(i int, name string, braced bool, after int) *DirectiveNode {
	n := &DirectiveNode{Pos: p.p(i), Name: name, Braced: braced}
	if p.lx.isLeftParen(after) {
		n.Parens = true
		n.Args, n.Trail = p.directiveArgs(name, after)
	} else {
		p.pos = after
	}
	switch name {
	case "break", "stop":
		if len(n.Args) > 1 {
			p.failAt(i, "#%s takes at most one argument", name)
		}
	default:
		if len(n.Args) != 1 {
			p.failAt(i, "#%s needs exactly one argument", name)
		}
	}
	return n
}

func (p *parser) parseMacroCall(i int, name string, after int) *MacroCallNode {
	n := &MacroCallNode{Pos: p.p(i), Name: name}
	block := strings.HasPrefix(name, "@") && len(name) > 1
	if !p.lx.isLeftParen(after) {
		// Not a directive call: prints as text unless a macro of that name
		// exists at run time (then it is called without arguments).
		p.pos = after
		n.Raw = p.lx.src[i:after]
		if block {
			n.Name = "" // #@name without arguments is text
		}
		return n
	}
	args, _ := p.directiveArgs(name, after)
	for _, a := range args {
		if _, ok := a.(*WordNode); ok && p.known[strings.TrimPrefix(name, "@")] {
			p.failAt(int(a.Position()-p.lx.base), "invalid arg in macro call #%s", name)
		}
	}
	n.Args = args
	if block {
		n.Block = true
		n.Name = name[1:]
		n.Body, _ = p.blockEnd(i, name)
	}
	n.Raw = p.lx.src[i:p.pos]
	return n
}

// skipWS moves past whitespace and returns the next token (not consumed).
func (p *parser) skipWS() token {
	t := p.lx.next(p.pos)
	if t.kind == tWS {
		p.pos = t.end
		t = p.lx.next(p.pos)
	}
	return t
}

func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tIllegal:
		if t.pos < len(p.lx.src) && (p.lx.src[t.pos] == '"' || p.lx.src[t.pos] == '\'') {
			return "an unterminated string"
		}
	}
	s := p.lx.src[t.pos:t.end]
	if len(s) > 20 {
		s = s[:20] + "..."
	}
	return strconv.Quote(s)
}

// parseDirectiveArg parses one DirectiveArg: a reference, word, literal,
// range, list or map.
func (p *parser) parseDirectiveArg(what string) Expr {
	t := p.lx.next(p.pos)
	switch t.kind {
	case tWord:
		p.pos = t.end
		return &WordNode{Pos: p.p(t.pos), Word: p.lx.src[t.pos:t.end]}
	case tDollar, tString, tInt, tFloat, tLBracket, tLBrace, tTrue, tFalse:
		return p.parseValue(false)
	}
	p.failAt(t.pos, "unexpected %s in #%s arguments", p.describe(t), what)
	return nil
}

// parseExpr parses an Expression of the DIRECTIVE state.
func (p *parser) parseExpr() Expr {
	return p.parseBinary(0)
}

// binary precedence levels, lowest first.
func opLevel(o Op) int {
	switch o {
	case OpOr:
		return 0
	case OpAnd:
		return 1
	case OpEq, OpNe:
		return 2
	case OpLt, OpGt, OpLe, OpGe:
		return 3
	case OpAdd, OpSub:
		return 4
	}
	return 5
}

func (p *parser) parseBinary(level int) Expr {
	if level > 5 {
		return p.parseUnary()
	}
	x := p.parseBinary(level + 1)
	for {
		t := p.skipWS()
		if t.kind != tOp || opLevel(t.op) != level {
			return x
		}
		p.pos = t.end
		y := p.parseBinary(level + 1)
		x = &BinaryNode{Pos: p.p(t.pos), Op: t.op, X: x, Y: y}
	}
}

func (p *parser) parseUnary() Expr {
	t := p.skipWS()
	if t.kind == tNot {
		p.enter(t.pos)
		defer p.leave()
		p.pos = t.end
		return &NotNode{Pos: p.p(t.pos), X: p.parseUnary()}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Expr {
	t := p.skipWS()
	if t.kind == tLParen {
		p.enter(t.pos)
		defer p.leave()
		p.pos = t.end
		x := p.parseExpr()
		c := p.skipWS()
		if c.kind != tRParen {
			p.failAt(c.pos, "expected ), found %s", p.describe(c))
		}
		p.pos = c.end
		return &ParenNode{Pos: p.p(t.pos), X: x}
	}
	switch t.kind {
	case tDollar, tString, tInt, tFloat, tLBracket, tLBrace, tTrue, tFalse:
		x := p.parseValue(false)
		p.skipWS()
		return x
	}
	p.failAt(t.pos, "unexpected %s in expression", p.describe(t))
	return nil
}

// parseParam parses a Parameter: [ws] value [ws], where a value is a
// literal, reference, range, list or map (no operators).
func (p *parser) parseParam(index bool) Expr {
	p.skipWS()
	x := p.parseValue(index)
	p.skipWS()
	return x
}

// parseValue parses a literal, reference, range, list or map at p.pos.
// With index set, only what an index [ ] accepts.
func (p *parser) parseValue(index bool) Expr {
	t := p.lx.next(p.pos)
	switch t.kind {
	case tDollar:
		r := p.parseRef(t.pos, 0)
		if r == nil {
			p.failAt(t.pos, "expected a reference after $")
		}
		return r
	case tString:
		p.pos = t.end
		return p.stringNode(t.pos, t.end)
	case tInt:
		p.pos = t.end
		return p.intNode(t.pos, t.end)
	case tTrue, tFalse:
		p.pos = t.end
		return &BoolNode{Pos: p.p(t.pos), Value: t.kind == tTrue}
	}
	if !index {
		switch t.kind {
		case tFloat:
			p.pos = t.end
			raw := p.lx.src[t.pos:t.end]
			f, _ := strconv.ParseFloat(raw, 64) // out of range gives ±Inf, as Java
			return &FloatNode{Pos: p.p(t.pos), Raw: raw, Value: f}
		case tLBracket:
			return p.parseBracket(t)
		case tLBrace:
			return p.parseMap(t)
		}
	}
	p.failAt(t.pos, "unexpected %s", p.describe(t))
	return nil
}

// parseBracket parses a range [a..b] or a list [x, y].
func (p *parser) parseBracket(open token) Expr {
	p.enter(open.pos)
	defer p.leave()
	p.pos = open.end
	t := p.skipWS()
	if t.kind == tDollar || t.kind == tInt {
		save := p.pos
		from := p.parseValue(false)
		if d := p.skipWS(); d.kind == tDotDot {
			p.pos = d.end
			u := p.skipWS()
			if u.kind != tDollar && u.kind != tInt {
				p.failAt(u.pos, "range bounds must be integers or references, found %s", p.describe(u))
			}
			to := p.parseValue(false)
			c := p.skipWS()
			if c.kind != tRBracket {
				p.failAt(c.pos, "expected ] to close the range, found %s", p.describe(c))
			}
			p.pos = c.end
			return &RangeNode{Pos: p.p(open.pos), From: from, To: to}
		}
		p.pos = save
	}
	n := &ListLitNode{Pos: p.p(open.pos)}
	if t = p.skipWS(); t.kind == tRBracket {
		p.pos = t.end
		return n
	}
	for {
		n.Elems = append(n.Elems, p.parseParam(false))
		t = p.lx.next(p.pos)
		switch t.kind {
		case tComma:
			p.pos = t.end
			continue
		case tRBracket:
			p.pos = t.end
			return n
		}
		p.failAt(t.pos, "expected , or ] in list, found %s", p.describe(t))
	}
}

func (p *parser) parseMap(open token) Expr {
	p.enter(open.pos)
	defer p.leave()
	p.pos = open.end
	n := &MapLitNode{Pos: p.p(open.pos)}
	if t := p.skipWS(); t.kind == tRBrace {
		p.pos = t.end
		return n
	}
	for {
		k := p.parseParam(false)
		t := p.lx.next(p.pos)
		if t.kind != tColon {
			p.failAt(t.pos, "expected : in map, found %s", p.describe(t))
		}
		p.pos = t.end
		v := p.parseParam(false)
		n.Keys = append(n.Keys, k)
		n.Vals = append(n.Vals, v)
		t = p.lx.next(p.pos)
		switch t.kind {
		case tComma:
			p.pos = t.end
			continue
		case tRBrace:
			p.pos = t.end
			return n
		}
		p.failAt(t.pos, "expected , or } in map, found %s", p.describe(t))
	}
}

func (p *parser) intNode(i, j int) *IntNode {
	raw := p.lx.src[i:j]
	n := &IntNode{Pos: p.p(i), Raw: raw}
	if v, err := strconv.ParseInt(raw, 10, 64); err == nil {
		n.Value = v
	} else {
		b, _ := new(big.Int).SetString(raw, 10)
		n.Value = b
	}
	return n
}

// stringNode builds a string literal from src[i:j] (quotes included).
func (p *parser) stringNode(i, j int) *StringNode {
	raw := p.lx.src[i:j]
	q := raw[0]
	val := raw[1 : len(raw)-1]
	if q == '"' {
		val = p.unescapeU(val, i+1)
	}
	if strings.IndexByte(val, q) >= 0 {
		dq := string([]byte{q, q})
		val = strings.ReplaceAll(val, dq, string(q))
	}
	n := &StringNode{Pos: p.p(i), Raw: raw, Value: val, boxed: val}
	if q == '"' && strings.ContainsAny(raw, "$#") {
		sub := &parser{
			lx:     &lexer{src: val, base: p.lx.base + Pos(i+1)},
			name:   p.name,
			depth:  p.depth,
			macros: map[string]*MacroNode{},
			known:  p.known,
			syms:   p.syms, // interpolations share the template's names
			tab:    p.tab,
		}
		list, t := sub.parseList()
		if t.kind != termEOF {
			sub.failAt(t.pos, "unexpected #%s in string literal", t.name())
		}
		n.Interp = list
	}
	return n
}

// unescapeU replaces \uXXXX escapes, the only escapes Velocity 1.7
// decodes in double-quoted strings.
func (p *parser) unescapeU(s string, at int) string {
	k := strings.Index(s, `\u`)
	if k < 0 {
		return s
	}
	var b strings.Builder
	for k >= 0 {
		b.WriteString(s[:k])
		if k+6 > len(s) {
			p.failAt(at+k, `invalid \u escape in string literal`)
		}
		v, err := strconv.ParseUint(s[k+2:k+6], 16, 16)
		if err != nil {
			p.failAt(at+k, `invalid \u escape in string literal`)
		}
		b.WriteRune(rune(v))
		s = s[k+6:]
		at += k + 6
		k = strings.Index(s, `\u`)
	}
	b.WriteString(s)
	return b.String()
}

// parseRef parses a reference whose '$' is at i (escapes backslashes came
// before it). It returns nil, consuming nothing, when no identifier
// follows: the '$' is then plain text.
func (p *parser) parseRef(i, escapes int) *RefNode {
	lx := p.lx
	j := i + 1
	n := &RefNode{Pos: p.p(i), Escapes: escapes}
	if lx.at(j) == '!' {
		n.Quiet = true
		j++
	}
	if lx.at(j) == '{' {
		n.Formal = true
		j++
	}
	k := lx.scanIdent(j)
	if k == j {
		return nil
	}
	p.enter(i)
	defer p.leave()
	n.Name = lx.src[j:k]
	n.sym, n.tab = p.symbol(n.Name), p.tab
	j = p.parseIndexes(n, k)
	for lx.at(j) == '.' && isAlpha(lx.at(j+1)) {
		k = lx.scanIdent(j + 1)
		part := RefPart{Pos: p.p(j + 1), Name: lx.src[j+1 : k]}
		if lx.at(k) == '(' {
			part.Kind = PartMethod
			p.pos = k + 1
			if t := p.skipWS(); t.kind == tRParen {
				p.pos = t.end
			} else {
				for {
					part.Args = append(part.Args, p.parseParam(false))
					t := p.lx.next(p.pos)
					if t.kind == tComma {
						p.pos = t.end
						continue
					}
					if t.kind == tRParen {
						p.pos = t.end
						break
					}
					p.failAt(t.pos, "expected , or ) in arguments of %s, found %s", part.Name, p.describe(t))
				}
			}
			k = p.pos
		}
		n.Parts = append(n.Parts, part)
		j = p.parseIndexes(n, k)
	}
	if n.Formal {
		if lx.at(j) != '}' {
			p.failAt(j, "expected } to close ${%s", n.Name)
		}
		j++
	}
	n.Raw = lx.src[i:j]
	p.pos = j
	return n
}

// parseIndexes parses [index] suffixes starting at j.
func (p *parser) parseIndexes(n *RefNode, j int) int {
	for p.lx.at(j) == '[' {
		p.pos = j + 1
		arg := p.parseParam(true)
		t := p.lx.next(p.pos)
		if t.kind != tRBracket {
			p.failAt(t.pos, "expected ] after index, found %s", p.describe(t))
		}
		n.Parts = append(n.Parts, RefPart{Pos: p.p(j), Kind: PartIndex, Args: []Expr{arg}})
		j = t.end
	}
	return j
}
