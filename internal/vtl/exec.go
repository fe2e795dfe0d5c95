package vtl

import (
	"bytes"
	"errors"
	"io"
	"regexp"
)

// Limits bounds one execution so that no template can hang or exhaust
// memory. A zero field takes its default; a negative field means no
// limit.
type Limits struct {
	// MaxDepth bounds nested macro calls, #define renders and #evaluate.
	// Default 20, Velocity's velocimacro.max.depth.
	MaxDepth int
	// MaxIterations bounds the iterations of each #foreach. Default 1000,
	// API Gateway's limit; one more iteration is an error.
	MaxIterations int
	// MaxOutput bounds the bytes written and the length of any string a
	// template builds (interpolation, concatenation, replace...).
	// Default 10 MiB, API Gateway's payload limit.
	MaxOutput int
	// MaxSteps bounds the nodes and expressions evaluated, range elements
	// included. Default 1,000,000.
	MaxSteps int
}

// Default limits.
const (
	DefaultMaxDepth      = 20
	DefaultMaxIterations = 1000
	DefaultMaxOutput     = 10 << 20
	DefaultMaxSteps      = 1_000_000
)

func (l Limits) resolve() Limits {
	def := func(v, d int) int {
		switch {
		case v == 0:
			return d
		case v < 0:
			return int(^uint(0) >> 1)
		}
		return v
	}
	return Limits{
		MaxDepth:      def(l.MaxDepth, DefaultMaxDepth),
		MaxIterations: def(l.MaxIterations, DefaultMaxIterations),
		MaxOutput:     def(l.MaxOutput, DefaultMaxOutput),
		MaxSteps:      def(l.MaxSteps, DefaultMaxSteps),
	}
}

// Execute renders the template with vars as its context and writes the
// output to w. vars is read, never modified; #set and #foreach write to a
// per-execution overlay. A *bytes.Buffer receives the output directly
// (and is truncated back on error); any other writer receives it in one
// Write after a successful execution. Errors are *Error.
func (t *Template) Execute(w io.Writer, vars map[string]any, lim Limits) error {
	if buf, ok := w.(*bytes.Buffer); ok {
		return t.execute(buf, vars, lim)
	}
	var buf bytes.Buffer
	if err := t.execute(&buf, vars, lim); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Render executes the template and returns its output.
func (t *Template) Render(vars map[string]any, lim Limits) (string, error) {
	var buf bytes.Buffer
	buf.Grow(t.SizeHint())
	if err := t.execute(&buf, vars, lim); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func (t *Template) execute(buf *bytes.Buffer, vars map[string]any, lim Limits) error {
	s, _ := t.states.Get().(*state)
	if s == nil {
		s = new(state)
	}
	s.t, s.name, s.src = t, t.name, t.src
	// The output is appended to buf's spare room and committed with one
	// Write at the end (a copy onto itself unless it outgrew the room).
	s.out = buf.AvailableBuffer()
	s.vars, s.lim = vars, lim.resolve()
	s.glob = s.globBuf[:0]
	s.args = s.argBuf[:0]
	if n := t.syms.n + 1; cap(s.slots) < n {
		s.slots = make([]int32, n)
	} else {
		s.slots = s.slots[:n]
		clear(s.slots)
	}
	err := s.exec(t.root)
	if err != nil {
		// Declared here: errors.As moves stop to the heap.
		var stop *stopSignal
		if errors.As(err, &stop) {
			err = nil // #stop, or a #break outside any loop, ends the template
		}
	}
	if err == nil {
		buf.Write(s.out)
		if n := int64(len(s.out)); t.lastSize.Load() != n {
			t.lastSize.Store(n)
		}
	}
	slots := s.slots[:0]
	*s = state{slots: slots} // drop every reference before the state is reused
	t.states.Put(s)
	return err
}

type binding struct {
	name string
	val  any
	gone bool // removed: hides the caller's variable of the same name
}

// frame is a macro call (Velocity's ProxyVMContext).
type frame struct {
	parent  *frame
	macro   *MacroNode
	locals  []binding
	proxies []proxyArg
}

// proxyArg is a macro argument passed by name: evaluated in the caller's
// frame each time the parameter is read.
type proxyArg struct {
	name string
	expr Expr
	lit  string // the argument's source, printed when it is unresolved
}

// state is one execution.
type state struct {
	t     *Template
	name  string // template whose nodes run (differs inside #evaluate)
	src   string
	out   []byte // the output so far
	vars  map[string]any
	glob  []binding
	gidx  map[string]int
	frame *frame
	lim   Limits
	steps int
	depth int
	args  []any // argument stack for method calls
	// Inline storage for the first variables and arguments, so that a
	// typical execution allocates little beyond the state itself.
	globBuf [8]binding
	argBuf  [8]any
	// getMap and getAt are the map and index of the last get() that
	// found its key (see mapGet).
	getMap *Map
	getAt  int
	// slots caches, per symbol of t (RefNode.sym), the index in glob of
	// the variable plus one; 0 means not looked up yet.
	slots []int32
	evals []map[string]*MacroNode
	re    map[string]*regexp.Regexp
}

// stopSignal unwinds #break, #stop and $foreach.stop(). It never leaves
// Execute.
type stopSignal struct {
	target any // the scope to stop; nil means the nearest
	all    bool
}

func (*stopSignal) Error() string { return "vtl: stop" }

// foreachScope is $foreach.
type foreachScope struct {
	index   int
	hasNext bool
	parent  any
}

// blockRef is the value #define gives its reference: rendering it
// renders the block in the current context.
type blockRef struct {
	body  *ListNode
	depth int
}

// maxDefineDepth is Velocity's directive.define.max.depth.
const maxDefineDepth = 2

func (s *state) errAt(pos Pos, cause error, format string, args ...any) error {
	return newError(s.name, s.src, pos, sprintf(format, args...), cause)
}

func (s *state) limitErr(pos Pos, format string, args ...any) error {
	return s.errAt(pos, ErrLimit, format, args...)
}

// stepOver counts one evaluation step and reports whether it is one too
// many. It and checkOut are small enough to be inlined; their errors are
// built out of line, and a node's position (an interface call) is only
// asked for then.
func (s *state) stepOver() bool {
	s.steps++
	return s.steps > s.lim.MaxSteps
}

//go:noinline
func (s *state) stepsErr(pos Pos) error {
	return s.limitErr(pos, "template exceeded %d evaluation steps", s.lim.MaxSteps)
}

func (s *state) checkOut(pos Pos) error {
	if len(s.out) > s.lim.MaxOutput {
		return s.outputErr(pos)
	}
	return nil
}

//go:noinline
func (s *state) outputErr(pos Pos) error {
	return s.limitErr(pos, "output exceeds %d bytes", s.lim.MaxOutput)
}

func (s *state) checkLen(pos Pos, n int) error {
	if n > s.lim.MaxOutput {
		return s.limitErr(pos, "string of %d bytes exceeds the %d byte limit", n, s.lim.MaxOutput)
	}
	return nil
}

func (s *state) write(pos Pos, str string) error {
	s.out = append(s.out, str...)
	return s.checkOut(pos)
}

func (s *state) writeBackslashes(n int) {
	for range n {
		s.out = append(s.out, '\\')
	}
}

// ---- variables

func (s *state) globalIndex(name string) int {
	if s.gidx != nil {
		if i, ok := s.gidx[name]; ok {
			return i
		}
		return -1
	}
	for i := range s.glob {
		// The first byte first: most names of one length differ there,
		// and the comparison then skips the call to compare the strings.
		if g := s.glob[i].name; len(g) == len(name) && (g == "" || g[0] == name[0]) && g == name {
			return i
		}
	}
	return -1
}

func (s *state) setGlobal(name string, v any, gone bool) {
	if i := s.globalIndex(name); i >= 0 {
		s.glob[i].val, s.glob[i].gone = v, gone
		return
	}
	s.glob = append(s.glob, binding{name: name, val: v, gone: gone})
	if s.gidx != nil {
		s.gidx[name] = len(s.glob) - 1
	} else if len(s.glob) > 16 {
		s.gidx = make(map[string]int, 32)
		for i := range s.glob {
			s.gidx[s.glob[i].name] = i
		}
	}
}

// setGlobalAt is setGlobal(name, v, false) that remembers name's index in
// *at (-1 at first): a loop stores its variables without searching.
// Indices stay valid because globals are never removed, only marked gone.
func (s *state) setGlobalAt(at *int, name string, v any) {
	if *at < 0 {
		s.setGlobal(name, v, false)
		*at = s.globalIndex(name)
		return
	}
	s.glob[*at].val, s.glob[*at].gone = v, false
}

func (s *state) getGlobal(name string) any {
	if i := s.globalIndex(name); i >= 0 {
		return s.glob[i].val
	}
	v, ok := s.vars[name]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []any:
		// Copy: templates may add to or set into the list, and the
		// caller's slice must stay untouched (and race-free).
		n := &List{items: append([]any(nil), x...)}
		s.setGlobal(name, n, false)
		return n
	case []string, map[string]any, map[string]string:
		n := norm(v)
		s.setGlobal(name, n, false) // keep one converted copy for this run
		return n
	}
	v = norm(v)
	if len(s.glob) < len(s.globBuf) {
		// Remember the value, as a #set would: vars do not change during
		// the run, and $input, $context and $util are read over and over.
		s.setGlobal(name, v, false)
	}
	return v
}

// get reads a variable as Velocity's context chain does: a macro frame's
// locals, then its by-name arguments (evaluated in the caller), then the
// caller's frame, and finally the template's variables.
func (s *state) get(name string) (any, error) {
	for f := s.frame; f != nil; f = f.parent {
		for i := range f.locals {
			if f.locals[i].name == name {
				if v := f.locals[i].val; v != nil {
					return v, nil
				}
				break
			}
		}
		for i := range f.proxies {
			if f.proxies[i].name == name {
				saved := s.frame
				s.frame = f.parent
				v, err := s.eval(f.proxies[i].expr)
				s.frame = saved
				return v, err
			}
		}
	}
	return s.getGlobal(name), nil
}

// put sets a variable in every frame and globally (velocimacro.context.
// localscope=false: a #set inside a macro is seen by its caller).
func (s *state) put(name string, v any) {
	for f := s.frame; f != nil; f = f.parent {
		found := false
		for i := range f.locals {
			if f.locals[i].name == name {
				f.locals[i].val = v
				found = true
				break
			}
		}
		if !found {
			f.locals = append(f.locals, binding{name: name, val: v})
		}
	}
	s.setGlobal(name, v, false)
}

func (s *state) remove(name string) {
	for f := s.frame; f != nil; f = f.parent {
		for i := range f.locals {
			if f.locals[i].name == name {
				f.locals[i].val = nil
			}
		}
		for i := range f.proxies {
			if f.proxies[i].name == name {
				f.proxies = append(f.proxies[:i], f.proxies[i+1:]...)
				break
			}
		}
	}
	s.setGlobal(name, nil, true)
}

// restore puts back a value saved before a #foreach, or removes the
// variable when there was none.
func (s *state) restore(name string, old any) {
	if old != nil {
		s.put(name, old)
	} else {
		s.remove(name)
	}
}

// ---- statements

func (s *state) exec(list *ListNode) error {
	for _, n := range list.Nodes {
		if t, ok := n.(*TextNode); ok {
			// Text, a third of most templates' nodes: what execNode does
			// for it (a step, then the write), without the calls.
			s.steps++
			s.out = append(s.out, t.Text...)
			if s.steps > s.lim.MaxSteps {
				s.out = s.out[:len(s.out)-len(t.Text)]
				return s.stepsErr(t.Pos)
			}
			if len(s.out) > s.lim.MaxOutput {
				return s.outputErr(t.Pos)
			}
			continue
		}
		if err := s.execNode(n); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) execNode(n Node) error {
	if s.stepOver() {
		return s.stepsErr(n.Position())
	}
	switch n := n.(type) {
	case *TextNode:
		return s.write(n.Pos, n.Text)
	case *EscapeNode:
		return s.write(n.Pos, n.Out)
	case *CommentNode, *MacroNode:
		return nil
	case *TextBlockNode:
		return s.write(n.Pos, n.Raw[3:len(n.Raw)-3])
	case *LiteralNode:
		return s.write(n.Pos, n.Raw)
	case *RefNode:
		return s.renderRef(n)
	case *IfNode:
		for _, br := range n.Branches {
			ok, err := s.truth(br.Cond)
			if err != nil {
				return err
			}
			if ok {
				return s.exec(br.Body)
			}
		}
		if n.Else != nil {
			return s.exec(n.Else)
		}
		return nil
	case *SetNode:
		return s.set(n)
	case *ForeachNode:
		return s.foreach(n)
	case *DefineNode:
		s.put(n.Name.Name, &blockRef{body: n.Body})
		return nil
	case *MacroCallNode:
		return s.callMacro(n)
	case *DirectiveNode:
		return s.directive(n)
	}
	return s.errAt(n.Position(), nil, "internal error: unknown node %T", n)
}

// renderRef writes a reference as ASTReference.render does, escapes and
// unresolved references included.
func (s *state) renderRef(n *RefNode) error {
	var v any
	var err error
	if n.Escapes == 0 && len(n.Parts) > 0 {
		var done bool
		if v, done, err = s.evalRefOut(n); done {
			return s.checkOut(n.Pos)
		}
	} else {
		v, err = s.evalRef(n)
	}
	if err != nil {
		return err
	}
	if n.Escapes%2 == 1 {
		// \$a prints $a when $a is defined, \$a when it is not.
		s.writeBackslashes(n.Escapes / 2)
		if v == nil {
			s.out = append(s.out, '\\')
		}
		return s.write(n.Pos, n.Raw)
	}
	if b, ok := v.(*blockRef); ok {
		s.writeBackslashes(n.Escapes / 2)
		done, err := s.renderBlock(n.Pos, b)
		if err != nil || done {
			return err
		}
		v = nil
	}
	if v == nil {
		s.writeBackslashes(n.Escapes)
		if n.Quiet {
			return s.checkOut(n.Pos)
		}
		return s.write(n.Pos, s.nullString(n))
	}
	s.writeBackslashes(n.Escapes / 2)
	if str, ok := v.(string); ok {
		return s.write(n.Pos, str)
	}
	s.out = appendValue(s.out, v, 0, s.lim.MaxOutput)
	return s.checkOut(n.Pos)
}

// nullString is what an unresolved reference prints: its source, or for a
// macro parameter the source of the argument the caller passed.
func (s *state) nullString(n *RefNode) string {
	if !n.Formal && len(n.Parts) == 0 {
		for f := s.frame; f != nil; f = f.parent {
			for i := range f.proxies {
				if f.proxies[i].name == n.Name {
					return f.proxies[i].lit
				}
			}
		}
	}
	return n.Raw
}

// renderBlock renders a #define block; done is false past the recursion
// limit (the reference then prints as unresolved).
func (s *state) renderBlock(pos Pos, b *blockRef) (done bool, err error) {
	if b.depth >= maxDefineDepth {
		return false, nil
	}
	if s.depth >= s.lim.MaxDepth {
		return false, s.limitErr(pos, "nesting deeper than %d", s.lim.MaxDepth)
	}
	b.depth++
	s.depth++
	err = s.exec(b.body)
	s.depth--
	b.depth--
	var stop *stopSignal
	if errors.As(err, &stop) && stop.target == nil && !stop.all {
		err = nil
	}
	return true, err
}

// blockString renders a #define block to a string (its toString()).
func (s *state) blockString(pos Pos, b *blockRef) (any, error) {
	mark := len(s.out)
	done, err := s.renderBlock(pos, b)
	out := string(s.out[mark:])
	s.out = s.out[:mark]
	if err != nil || !done {
		return nil, err
	}
	return out, nil
}

func (s *state) set(n *SetNode) error {
	v, err := s.eval(n.Value)
	if err != nil || v == nil {
		// directive.set.null.allowed=false: a null value leaves the
		// target unchanged.
		return err
	}
	t := n.Target
	if len(t.Parts) == 0 {
		s.put(t.Name, v)
		return nil
	}
	base, err := s.get(t.Name)
	if err != nil {
		return err
	}
	for i := 0; i < len(t.Parts)-1 && base != nil; i++ {
		if base, err = s.part(base, &t.Parts[i]); err != nil {
			return err
		}
	}
	if base == nil {
		return nil
	}
	last := &t.Parts[len(t.Parts)-1]
	switch last.Kind {
	case PartIndex:
		key, err := s.eval(last.Args[0])
		if err != nil {
			return err
		}
		if key, err = s.negIndex(last.Pos, base, key); err != nil {
			return err
		}
		switch b := base.(type) {
		case *List:
			i, ok := intArg(key)
			if !ok {
				return nil
			}
			if i < 0 || i >= len(b.items) {
				return s.errAt(last.Pos, nil, "IndexOutOfBoundsException: Index: %d, Size: %d", i, len(b.items))
			}
			b.items[i] = v
		case *Map:
			b.put(key, v)
		case Object:
			_, err := s.callObject(last.Pos, b, "put", []any{key, v})
			return err
		}
	case PartProperty:
		switch b := base.(type) {
		case *Map:
			b.put(last.Name, v)
		case Object:
			return s.setHostProperty(last.Pos, b, last.Name, v)
		}
	}
	return nil
}

// setHostProperty is #set($obj.name = v) on a host object, looked up as
// Velocity 1.7's UberspectImpl.getPropertySet does: a setter named "set"
// plus the name as written (setname), then with the name's first letter's
// case flipped (setName), then put("name", v) — so the name reaches a
// map-like host with its case intact. When the object has none of them
// (each answers ErrNoMethod) the target is left unchanged, as Velocity
// does.
func (s *state) setHostProperty(pos Pos, o Object, name string, v any) error {
	args := [2]any{name, v}
	setter := "set" + name
	if found, err := s.callHost(pos, o, setter, args[1:]); found || err != nil {
		return err
	}
	if flipped := flipFirst(setter, 3); flipped != setter {
		if found, err := s.callHost(pos, o, flipped, args[1:]); found || err != nil {
			return err
		}
	}
	_, err := s.callHost(pos, o, "put", args[:])
	return err
}

// flipFirst returns s with the case of the ASCII letter at i flipped.
func flipFirst(s string, i int) string {
	if i >= len(s) {
		return s
	}
	c := s[i]
	switch {
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	case c >= 'A' && c <= 'Z':
		c += 'a' - 'A'
	default:
		return s
	}
	return s[:i] + string(c) + s[i+1:]
}

func (s *state) foreach(n *ForeachNode) error {
	it, err := s.eval(n.Iter)
	if err != nil || it == nil {
		return err
	}
	var items *[]any
	switch x := it.(type) {
	case *List:
		items = &x.items
	case *Map:
		items = &x.vals // a Map iterates over its values
	default:
		return nil // directive.foreach.skip.invalid=true
	}
	name := n.Var.Name
	oldVar, err := s.get(name)
	if err != nil {
		return err
	}
	oldCount, _ := s.get("velocityCount")
	oldHasNext, _ := s.get("velocityHasNext")
	oldScope, _ := s.get("foreach")
	countAt, hasNextAt, varAt := -1, -1, -1
	scope := &foreachScope{index: -1, parent: oldScope}
	s.put("foreach", scope)
	size := len(*items)
	for i := 0; i < len(*items); i++ {
		if len(*items) != size {
			err = s.errAt(n.Iter.Position(), nil, "ConcurrentModificationException: the list changed while #foreach iterated over it")
			break
		}
		if i >= s.lim.MaxIterations {
			err = s.limitErr(n.Pos, "#foreach exceeded %d iterations", s.lim.MaxIterations)
			break
		}
		v := (*items)[i]
		hasNext := i+1 < len(*items)
		if s.frame == nil {
			// Outside macros a put is a global store: do it by index.
			s.setGlobalAt(&countAt, "velocityCount", int64(i+1))
			s.setGlobalAt(&hasNextAt, "velocityHasNext", hasNext)
			if v == nil {
				s.remove(name)
			} else {
				s.setGlobalAt(&varAt, name, v)
			}
		} else {
			s.put("velocityCount", int64(i+1))
			s.put("velocityHasNext", hasNext)
			if v == nil {
				s.remove(name)
			} else {
				s.put(name, v)
			}
		}
		scope.index++
		scope.hasNext = hasNext
		if err = s.exec(n.Body); err != nil {
			var stop *stopSignal
			if errors.As(err, &stop) && !stop.all && (stop.target == nil || stop.target == scope) {
				err = nil
			}
			break
		}
	}
	s.restore(name, oldVar)
	s.restore("velocityCount", oldCount)
	s.restore("velocityHasNext", oldHasNext)
	s.restore("foreach", oldScope)
	return err
}

// isConstant reports whether a macro argument is passed by value
// (ProxyVMContext.isConstant): numbers, booleans and words.
func isConstant(e Expr) bool {
	switch e.(type) {
	case *IntNode, *FloatNode, *BoolNode, *WordNode:
		return true
	}
	return false
}

func (s *state) lookupMacro(name string) *MacroNode {
	for i := len(s.evals) - 1; i >= 0; i-- {
		if m := s.evals[i][name]; m != nil {
			return m
		}
	}
	return s.t.macros[name]
}

func (s *state) callMacro(n *MacroCallNode) error {
	var m *MacroNode
	if n.Name != "" {
		m = s.lookupMacro(n.Name)
	}
	if m == nil {
		return s.write(n.Pos, n.Raw) // not a macro: the call is text
	}
	if s.depth >= s.lim.MaxDepth {
		return s.limitErr(n.Pos, "max calling depth of %d was exceeded in macro '%s'", s.lim.MaxDepth, m.Name)
	}
	f := &frame{parent: s.frame, macro: m}
	for i, p := range m.Params {
		if i >= len(n.Args) {
			break
		}
		a := n.Args[i]
		if isConstant(a) {
			v, err := s.eval(a)
			if err != nil {
				return err
			}
			f.locals = append(f.locals, binding{name: p, val: v})
			continue
		}
		lit := a.String()
		if r, ok := a.(*RefNode); ok {
			lit = r.Raw
		}
		f.proxies = append(f.proxies, proxyArg{name: p, expr: a, lit: lit})
	}
	if n.Block {
		f.locals = append(f.locals, binding{name: "bodyContent", val: &blockRef{body: n.Body}})
	}
	saved := s.frame
	s.frame = f
	s.depth++
	err := s.exec(m.Body)
	s.depth--
	s.frame = saved
	return err
}

func (s *state) directive(n *DirectiveNode) error {
	switch n.Name {
	case "break":
		if len(n.Args) == 0 {
			return &stopSignal{}
		}
		v, err := s.eval(n.Args[0])
		if err != nil {
			return err
		}
		if sc, ok := v.(*foreachScope); ok {
			return &stopSignal{target: sc}
		}
		return s.errAt(n.Pos, nil, "%s is not a valid scope for #break", n.Args[0])
	case "stop":
		return &stopSignal{all: true}
	case "evaluate":
		return s.evaluate(n)
	}
	return s.errAt(n.Pos, nil, "#%s is not supported: templates cannot load other resources", n.Name)
}

// evaluate runs #evaluate: its argument is parsed and rendered as a
// template in the current context.
func (s *state) evaluate(n *DirectiveNode) error {
	v, err := s.eval(n.Args[0])
	if err != nil || v == nil {
		return err
	}
	src := toString(v)
	if s.depth >= s.lim.MaxDepth {
		return s.limitErr(n.Pos, "#evaluate nested deeper than %d", s.lim.MaxDepth)
	}
	name := s.name + "#evaluate"
	t, err := Parse(name, src)
	if err != nil {
		return err
	}
	savedName, savedSrc := s.name, s.src
	s.name, s.src = name, src
	s.evals = append(s.evals, t.macros)
	s.depth++
	err = s.exec(t.root)
	s.depth--
	s.evals = s.evals[:len(s.evals)-1]
	s.name, s.src = savedName, savedSrc
	var stop *stopSignal
	if errors.As(err, &stop) && stop.target == nil && !stop.all {
		err = nil
	}
	return err
}
