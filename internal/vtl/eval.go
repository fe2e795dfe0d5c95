package vtl

import (
	"errors"
	"fmt"
	"math"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// eval returns an expression's value (Velocity's Node.value).
func (s *state) eval(e Expr) (any, error) {
	if s.stepOver() {
		return nil, s.stepsErr(e.Position())
	}
	switch e := e.(type) {
	case *RefNode:
		return s.evalRef(e)
	case *StringNode:
		if e.Interp == nil {
			if e.boxed != nil {
				return e.boxed, nil
			}
			return e.Value, nil
		}
		mark := len(s.out)
		err := s.exec(e.Interp)
		out := string(s.out[mark:])
		s.out = s.out[:mark]
		if err != nil {
			return nil, err
		}
		return out, nil
	case *IntNode:
		return e.Value, nil
	case *FloatNode:
		return e.Value, nil
	case *BoolNode:
		return e.Value, nil
	case *WordNode:
		return nil, nil
	case *ParenNode:
		return s.eval(e.X)
	case *NotNode:
		ok, err := s.truth(e.X)
		return !ok, err
	case *ListLitNode:
		items := make([]any, len(e.Elems))
		for i, x := range e.Elems {
			v, err := s.eval(x)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return &List{items: items}, nil
	case *MapLitNode:
		m := NewMap(len(e.Keys))
		for i := range e.Keys {
			k, err := s.eval(e.Keys[i])
			if err != nil {
				return nil, err
			}
			v, err := s.eval(e.Vals[i])
			if err != nil {
				return nil, err
			}
			m.put(k, v)
		}
		return m, nil
	case *RangeNode:
		return s.evalRange(e)
	case *BinaryNode:
		return s.evalBinary(e)
	}
	return nil, s.errAt(e.Position(), nil, "internal error: unknown expression %T", e)
}

func (s *state) evalRange(e *RangeNode) (any, error) {
	from, err := s.eval(e.From)
	if err != nil {
		return nil, err
	}
	to, err := s.eval(e.To)
	if err != nil || !isNumber(from) || !isNumber(to) {
		return nil, err
	}
	l, r := javaInt(from), javaInt(to)
	n := int64(r) - int64(l)
	delta := int64(1)
	if n < 0 {
		n, delta = -n, -1
	}
	n++
	if int64(s.lim.MaxSteps-s.steps) < n {
		return nil, s.limitErr(e.Pos, "range [%d..%d] exceeds the step budget", l, r)
	}
	s.steps += int(n)
	items := make([]any, n)
	v := int64(l)
	for i := range items {
		items[i] = v
		v += delta
	}
	return &List{items: items}, nil
}

// javaInt is Number.intValue(): truncation to 32 bits.
func javaInt(v any) int32 {
	switch x := v.(type) {
	case int64:
		return int32(x)
	case float64:
		switch {
		case x != x:
			return 0
		case x >= math.MaxInt32:
			return math.MaxInt32
		case x <= math.MinInt32:
			return math.MinInt32
		}
		return int32(x)
	}
	return int32(toBig(v).Int64())
}

func (s *state) evalBinary(e *BinaryNode) (any, error) {
	switch e.Op {
	case OpOr, OpAnd, OpLt, OpGt, OpLe, OpGe, OpEq, OpNe:
		ok, err := s.truth(e)
		return ok, err
	}
	x, err := s.eval(e.X)
	if err != nil {
		return nil, err
	}
	y, err := s.eval(e.Y)
	if err != nil {
		return nil, err
	}
	if b, ok := x.(*blockRef); ok {
		if x, err = s.blockString(e.Pos, b); err != nil {
			return nil, err
		}
	}
	if b, ok := y.(*blockRef); ok {
		if y, err = s.blockString(e.Pos, b); err != nil {
			return nil, err
		}
	}
	if e.Op == OpAdd {
		xs, xok := x.(string)
		ys, yok := y.(string)
		if xok || yok {
			// String concatenation; a null side contributes its source.
			if !xok {
				xs = s.operandString(e.X, x)
			}
			if !yok {
				ys = s.operandString(e.Y, y)
			}
			if err := s.checkLen(e.Pos, len(xs)+len(ys)); err != nil {
				return nil, err
			}
			return xs + ys, nil
		}
	}
	if !isNumber(x) || !isNumber(y) {
		return nil, nil // Velocity logs and yields null
	}
	return arith(mathOp(e.Op-OpAdd), x, y), nil
}

func (s *state) operandString(n Expr, v any) string {
	if v != nil {
		return toString(v)
	}
	if r, ok := n.(*RefNode); ok {
		return r.Raw
	}
	return n.String()
}

// truth is Velocity's Node.evaluate: how an expression decides #if.
// Only references, booleans, comparisons and logical operators can be
// true; any other literal or arithmetic is false without being evaluated.
func (s *state) truth(e Expr) (bool, error) {
	if s.stepOver() {
		return false, s.stepsErr(e.Position())
	}
	switch e := e.(type) {
	case *RefNode:
		v, err := s.evalRef(e)
		if err != nil || v == nil {
			return false, err
		}
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return true, nil
	case *BoolNode:
		return e.Value, nil
	case *ParenNode:
		return s.truth(e.X)
	case *NotNode:
		ok, err := s.truth(e.X)
		return !ok, err
	case *BinaryNode:
		switch e.Op {
		case OpOr:
			ok, err := s.truth(e.X)
			if err != nil || ok {
				return ok, err
			}
			return s.truth(e.Y)
		case OpAnd:
			ok, err := s.truth(e.X)
			if err != nil || !ok {
				return false, err
			}
			return s.truth(e.Y)
		case OpEq, OpNe, OpLt, OpGt, OpLe, OpGe:
			x, err := s.eval(e.X)
			if err != nil {
				return false, err
			}
			y, err := s.eval(e.Y)
			if err != nil {
				return false, err
			}
			return s.compare(e, x, y)
		}
	}
	return false, nil
}

func (s *state) compare(e *BinaryNode, x, y any) (bool, error) {
	var err error
	switch e.Op {
	case OpEq, OpNe:
		if b, ok := x.(*blockRef); ok && !isNumber(y) {
			if x, err = s.blockString(e.Pos, b); err != nil {
				return false, err
			}
		}
		if b, ok := y.(*blockRef); ok && !isNumber(x) {
			if y, err = s.blockString(e.Pos, b); err != nil {
				return false, err
			}
		}
		eq := valuesEqual(x, y)
		if e.Op == OpNe {
			if x == nil && y == nil {
				return false, nil
			}
			return !eq, nil
		}
		return eq, nil
	}
	if !isNumber(x) || !isNumber(y) {
		return false, nil // Velocity logs and evaluates to false
	}
	c := numCompare(x, y)
	switch e.Op {
	case OpLt:
		return c < 0, nil
	case OpGt:
		return c > 0, nil
	case OpLe:
		return c <= 0, nil
	}
	return c >= 0, nil
}

// evalRef resolves a reference; nil means unresolved.
func (s *state) evalRef(n *RefNode) (any, error) {
	var v any
	var err error
	if n.tab == s.t.syms && s.frame == nil {
		v = s.lookupSym(n)
	} else {
		v, err = s.get(n.Name)
	}
	for i := range n.Parts {
		if err != nil || v == nil {
			return nil, err
		}
		v, err = s.part(v, &n.Parts[i])
	}
	return v, err
}

// evalRefOut is evalRef for a reference that renderRef prints: when the
// last part is a property or method of an Appender that prints it, the
// value goes straight to the output and done is true.
func (s *state) evalRefOut(n *RefNode) (v any, done bool, err error) {
	if n.tab == s.t.syms && s.frame == nil {
		v = s.lookupSym(n)
	} else {
		v, err = s.get(n.Name)
	}
	last := len(n.Parts) - 1
	for i := range last {
		if err != nil || v == nil {
			return nil, false, err
		}
		v, err = s.part(v, &n.Parts[i])
	}
	if err != nil || v == nil {
		return nil, false, err
	}
	p := &n.Parts[last]
	a, ok := v.(Appender)
	if !ok {
		v, err = s.part(v, p)
		return v, false, err
	}
	switch p.Kind {
	case PartProperty:
		if out, ok := a.AppendProperty(s.out, p.Name); ok {
			s.out = out
			return nil, true, nil
		}
		v, err = s.property(v, p)
		return v, false, err
	case PartMethod:
		base := len(s.args)
		for _, x := range p.Args {
			x, err := s.eval(x)
			if err != nil {
				s.dropArgs(base)
				return nil, false, err
			}
			s.args = append(s.args, x)
		}
		if out, ok := a.AppendCall(s.out, p.Name, s.args[base:]); ok {
			s.out = out
			s.dropArgs(base)
			return nil, true, nil
		}
		v, err = s.invoke(p.Pos, v, p.Name, s.args[base:])
		s.dropArgs(base)
		return v, false, err
	}
	v, err = s.part(v, p)
	return v, false, err
}

// dropArgs pops the method arguments above base, clearing them so that
// the stack holds no value past its call.
func (s *state) dropArgs(base int) {
	for i := base; i < len(s.args); i++ {
		s.args[i] = nil
	}
	s.args = s.args[:base]
}

// lookupSym is get(n.Name) outside macros for a reference of the
// running template: the variable's index in the globals is looked up
// once per run, then read from its slot. Indices stay valid because
// globals are never removed, only marked gone.
func (s *state) lookupSym(n *RefNode) any {
	if i := s.slots[n.sym]; i > 0 {
		return s.glob[i-1].val
	}
	v := s.getGlobal(n.Name)
	if i := s.globalIndex(n.Name); i >= 0 {
		s.slots[n.sym] = int32(i + 1)
	}
	return v
}

func (s *state) part(v any, p *RefPart) (any, error) {
	switch p.Kind {
	case PartProperty:
		return s.property(v, p)
	case PartMethod:
		if m, ok := v.(*Map); ok && len(p.Args) == 1 && p.Name == "get" {
			// $map.get($k), the usual call in mapping templates
			// ($input.params().header.get($name)): what invoke, builtin
			// and mapMethod come to, without their dispatch.
			k, err := s.eval(p.Args[0])
			if err != nil {
				return nil, err
			}
			return s.mapGet(m, k), nil
		}
		base := len(s.args)
		for _, a := range p.Args {
			x, err := s.eval(a)
			if err != nil {
				s.dropArgs(base)
				return nil, err
			}
			s.args = append(s.args, x)
		}
		r, err := s.invoke(p.Pos, v, p.Name, s.args[base:])
		s.dropArgs(base)
		return r, err
	}
	key, err := s.eval(p.Args[0])
	if err != nil {
		return nil, err
	}
	return s.index(p.Pos, v, key)
}

// property resolves $v.name: Map.get("name"), a host property, or the
// getName()/isName() getter of a built-in type.
func (s *state) property(v any, p *RefPart) (any, error) {
	switch x := v.(type) {
	case *Map:
		if i := x.findStr(p.Name); i >= 0 {
			return x.vals[i], nil
		}
		return nil, nil
	case *foreachScope:
		switch p.Name {
		case "index":
			return int64(x.index), nil
		case "count":
			return int64(x.index + 1), nil
		case "hasNext":
			return x.hasNext, nil
		case "first":
			return x.index == 0, nil
		case "last":
			return !x.hasNext, nil
		case "parent":
			return x.parent, nil
		case "topmost":
			return x.topmost(), nil
		}
		return nil, nil
	case *entry:
		switch p.Name {
		case "key":
			return x.key, nil
		case "value":
			return x.val, nil
		}
		return nil, nil
	case string:
		switch p.Name {
		case "empty":
			return x == "", nil
		case "bytes":
			items := make([]any, len(x))
			for i := 0; i < len(x); i++ {
				items[i] = int64(int8(x[i]))
			}
			return &List{items: items}, nil
		}
	case *List:
		if p.Name == "empty" {
			return len(x.items) == 0, nil
		}
	case Object:
		// Last: the built-in types above are not host objects, and
		// checking for the interface costs more than their cases.
		r, ok := x.Property(p.Name)
		if !ok {
			return nil, nil
		}
		return norm(r), nil
	}
	return nil, nil
}

func (sc *foreachScope) topmost() *foreachScope {
	t := sc
	for {
		p, ok := t.parent.(*foreachScope)
		if !ok {
			return t
		}
		t = p
	}
}

// negIndex turns a negative index into size+index, as ASTIndex does.
func (s *state) negIndex(pos Pos, v, key any) (any, error) {
	i, ok := key.(int64)
	if !ok || i >= 0 {
		return key, nil
	}
	switch x := v.(type) {
	case *List:
		return i + int64(len(x.items)), nil
	case *Map:
		return i + int64(len(x.keys)), nil
	case Object:
		size, err := s.callObject(pos, x, "size", nil)
		if err != nil {
			return nil, err
		}
		if n, ok := size.(int64); ok {
			return i + n, nil
		}
	}
	return nil, s.errAt(pos, nil, "a 'size()' method required for negative value %d does not exist for %s", i, typeName(v))
}

// index resolves $v[key] (a call to get(key)).
func (s *state) index(pos Pos, v, key any) (any, error) {
	key, err := s.negIndex(pos, v, key)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case *List:
		i, ok := intArg(key)
		if !ok {
			return nil, nil
		}
		if i < 0 || i >= len(x.items) {
			return nil, s.errAt(pos, nil, "IndexOutOfBoundsException: Index: %d, Size: %d", i, len(x.items))
		}
		return x.items[i], nil
	case *Map:
		return x.get(key), nil
	case Object:
		return s.callObject(pos, x, "get", []any{key})
	}
	return nil, nil
}

func (s *state) callObject(pos Pos, o Object, name string, args []any) (any, error) {
	r, err := o.Call(name, args)
	if err != nil {
		if errors.Is(err, ErrNoMethod) {
			return nil, nil
		}
		return nil, s.hostErr(pos, name, err)
	}
	return norm(r), nil
}

// callHost calls a method whose result is not used; found is false when
// the object has no such method.
func (s *state) callHost(pos Pos, o Object, name string, args []any) (found bool, err error) {
	_, err = o.Call(name, args)
	if err != nil {
		if errors.Is(err, ErrNoMethod) {
			return false, nil
		}
		return true, s.hostErr(pos, name, err)
	}
	return true, nil
}

// hostErr wraps an error a host method returned (Velocity's
// MethodInvocationException); an *Error passes through.
func (s *state) hostErr(pos Pos, name string, err error) error {
	var ve *Error
	if errors.As(err, &ve) {
		return err
	}
	return s.errAt(pos, err, "invocation of method '%s' threw an exception: %v", name, err)
}

// invoke calls a method on a value. An unknown method gives nil.
func (s *state) invoke(pos Pos, v any, name string, args []any) (any, error) {
	switch x := v.(type) {
	case *Map, *List, string:
		// Built-in values, the usual receivers: no host object check.
	case *blockRef:
		if name == "toString" && len(args) == 0 {
			return s.blockString(pos, x)
		}
		return nil, nil
	case *foreachScope:
		if name == "stop" && len(args) == 0 {
			return nil, &stopSignal{target: x}
		}
	case Object:
		return s.callObject(pos, x, name, args)
	}
	r, err := s.builtin(v, name, args)
	if err != nil {
		var ve *Error
		if errors.As(err, &ve) {
			return nil, err
		}
		cause := err
		if errors.Is(err, ErrLimit) {
			cause = ErrLimit
		}
		return nil, s.errAt(pos, cause, "invocation of method '%s' in %s threw exception %v", name, typeName(v), err)
	}
	return r, nil
}

// intArg converts a template integer to a Java int argument.
func intArg(v any) (int, bool) {
	i, ok := v.(int64)
	if !ok || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, false
	}
	return int(i), true
}
