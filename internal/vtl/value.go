package vtl

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Object is implemented by host values such as $input, $util and $context.
// Templates reach it through property access ($obj.name) and method calls
// ($obj.name(args)).
//
// Property reports false when the object has no such property; the
// reference is then unresolved (printed literally, or nothing for $!).
// Call returns an error wrapping ErrNoMethod when the object has no such
// method (the reference is unresolved, as in Velocity); any other error
// aborts the execution and is returned wrapped in an *Error.
//
// The args slice is only valid during the call: the engine reuses it.
// Values a host returns are seen by templates as described in docs/vtl.md:
// return *Map and *List for maps and lists that templates may iterate or
// change.
type Object interface {
	Property(name string) (any, bool)
	Call(method string, args []any) (any, error)
}

// Appender may be implemented by an Object to print a property or a
// method's result straight into the output, without building the string
// and boxing it in an any (an allocation each): $context.requestId,
// $util.escapeJavaScript($v) and $input.json('$') in a template's text.
// The engine uses it only when a reference is rendered as text and the
// property or method is the reference's last part; everywhere else (in
// expressions, #set, arguments) it calls Property and Call.
//
// An Appender must print exactly what the engine would print for the
// value Property or Call returns, and have no effect Call would not have.
// ok false means "not handled here": the engine then calls Property or
// Call, so an implementation may decline anything but its common case
// (errors included: Call reports them). When ok is false the returned
// slice is ignored and dst's bytes must be left as they were. args is only
// valid during the call.
type Appender interface {
	AppendProperty(dst []byte, name string) (out []byte, ok bool)
	AppendCall(dst []byte, method string, args []any) (out []byte, ok bool)
}

type sentinel string

func (e sentinel) Error() string { return string(e) }

const (
	// ErrNoMethod is returned (possibly wrapped) by Object.Call when the
	// object has no such method.
	ErrNoMethod sentinel = "vtl: no such method"
	// ErrLimit is wrapped by the *Error returned when an execution exceeds
	// one of its Limits.
	ErrLimit sentinel = "vtl: limit exceeded"
)

// List is a mutable list (Java's ArrayList as templates see it). Lists made
// by templates (literals, ranges, keySet(), split()) are *List; a host may
// return one to let templates call add/remove on it.
//
// A list made by NewJSONList is json-smart's JSONArray instead: the same
// ArrayList for templates (#foreach, size(), get(), add() …), but printed
// as compact JSON.
type List struct {
	items []any
	json  bool // printed as json-smart's JSONArray.toString()
}

// NewList returns a list holding items (not copied). It prints as Java's
// ArrayList does: [a, b].
func NewList(items ...any) *List { return &List{items: items} }

// NewJSONList returns a list holding items (not copied) that prints as
// json-smart's JSONArray.toString() does — compact JSON, ["a",1,{"k":null}]
// — which is what API Gateway's $input.path and $util.parseJson give for a
// JSON array (Jayway JsonPath reads documents with json-smart's ordered
// mapper: LinkedHashMap for objects, JSONArray for arrays). Only the
// printed form differs from NewList: iteration, methods and equality are
// an ArrayList's, and lists derived from it (subList(), a template's
// [$a, $b]) are plain lists. See docs/vtl.md, "Printing".
func NewJSONList(items ...any) *List { return &List{items: items, json: true} }

// String returns the list's printed form (its Java toString()).
func (l *List) String() string { return toString(l) }

// Len returns the number of elements.
func (l *List) Len() int { return len(l.items) }

// Items returns the elements; the slice aliases the list.
func (l *List) Items() []any { return l.items }

// Map is an insertion-ordered map (Java's LinkedHashMap as templates see
// it): keySet(), values(), entrySet() and #foreach follow insertion order.
// Keys are strings, integers (int64), float64 or bool; other keys are
// stored under their string form. The zero Map is empty and ready to use.
type Map struct {
	keys  []any
	vals  []any
	index map[any]int // built when the map grows past smallMap entries
}

// smallMap is the size past which a Map keeps a hash index of its keys.
// A map built by NewStringMap is scanned up to smallStringMap entries:
// its keys are strings, compared cheaply (mostly by length), and building
// the index would cost more allocations than a request's header map saves.
const (
	smallMap       = 8
	smallStringMap = 32
)

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *Map {
	if n <= 0 {
		return &Map{}
	}
	// One allocation for both slices; each is capped so that growing one
	// never writes into the other.
	buf := make([]any, 2*n)
	return &Map{keys: buf[:0:n], vals: buf[n : n : 2*n]}
}

// NewStringMap returns a map of string pairs, kv being key, value, key,
// value…, in that order. A key that repeats keeps its first position and
// takes its last value, as LinkedHashMap.put does. It panics if len(kv) is
// odd.
//
// It is the cheap way to build a per-request map of strings (the gateway's
// $input.params()): the strings are boxed a chunk at a time, so the map
// costs a few allocations in all instead of one per key and one per value.
func NewStringMap(kv ...string) *Map {
	if len(kv)%2 != 0 {
		panic("vtl: NewStringMap: odd number of strings")
	}
	return NewStringPairs(len(kv)/2, func(i int) (string, string) { return kv[2*i], kv[2*i+1] })
}

// NewStringPairs is NewStringMap for n pairs that pair returns by index,
// 0 to n-1: the caller needs no slice of the strings.
func NewStringPairs(n int, pair func(i int) (key, value string)) *Map {
	if n <= 0 {
		return &Map{}
	}
	// One allocation for both slices; each is capped so that growing one
	// never writes into the other.
	buf := make([]any, 2*n)
	m := &Map{keys: buf[:0:n], vals: buf[n : n : 2*n]}
	var seen uint64 // a bit per key hash, to skip most searches for a repeat
	for next := 0; next < n; {
		// Converting a string to any allocates a copy of its header, one
		// allocation per string. reflect.ValueOf copies the whole chunk
		// into one allocation, and the elements of that non-addressable
		// array convert to any without a further copy: 16 strings, one
		// allocation (larger chunks cost more to copy and clear than
		// they save). (This relies on reflect not copying there, which
		// it never has; if it did, this would be slower, never wrong.)
		var chunk [16]string
		c := fillPairs(chunk[:], &next, n, pair)
		m.addBoxedPairs(reflect.ValueOf(chunk), chunk[:c], &seen)
	}
	return m
}

// fillPairs fills chunk with the pairs from *next on, up to n, and returns
// how many strings it holds.
func fillPairs(chunk []string, next *int, n int, pair func(i int) (key, value string)) int {
	c := 0
	for ; c < len(chunk) && *next < n; c += 2 {
		chunk[c], chunk[c+1] = pair(*next)
		*next++
	}
	return c
}

// addBoxedPairs adds the pairs of strs (key, value, key…), reading their
// boxed forms from the array boxed, whose elements are strs's strings.
func (m *Map) addBoxedPairs(boxed reflect.Value, strs []string, seen *uint64) {
	for i := 0; i < len(strs); i += 2 {
		// A key whose hash bit is new is new: most keys are, and the
		// search for a repeat is quadratic.
		bit := uint64(1) << keyBit(strs[i])
		if *seen&bit != 0 {
			if j := m.findStr(strs[i]); j >= 0 {
				m.vals[j] = boxed.Index(i + 1).Interface()
				continue
			}
		}
		*seen |= bit
		m.keys = append(m.keys, boxed.Index(i).Interface())
		m.vals = append(m.vals, boxed.Index(i+1).Interface())
		last := len(m.keys) - 1
		switch {
		case m.index != nil:
			m.index[m.keys[last]] = last
		case len(m.keys) > smallStringMap:
			m.index = make(map[any]int, cap(m.keys))
			for j, k := range m.keys {
				m.index[k] = j
			}
		}
	}
}

// keyBit is NewStringPairs' filter of repeated keys: a bit number from a
// key's length and a few of its bytes (the last two, where header names
// like X-Header-01 and X-Header-02 differ, and the middle one), mixed.
// Equal keys get the same bit; a false match only costs a search.
func keyBit(s string) uint {
	h := uint64(len(s))
	if n := len(s); n > 0 {
		h ^= uint64(s[n-1])<<8 | uint64(s[n/2])<<16 | uint64(s[0])<<24
		if n > 1 {
			h ^= uint64(s[n-2]) << 32
		}
	}
	return uint((h * 0x9E3779B97F4A7C15) >> 58)
}

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.keys) }

// String returns the map's printed form (its Java toString(): {k=v, k2=v2}).
func (m *Map) String() string { return toString(m) }

// Set sets key to v, keeping the position of an existing key.
func (m *Map) Set(key string, v any) { m.put(key, v) }

// Get returns the value stored under key.
func (m *Map) Get(key string) (any, bool) {
	i := m.findStr(key)
	if i < 0 {
		return nil, false
	}
	return m.vals[i], true
}

// Delete removes key.
func (m *Map) Delete(key string) { m.remove(key) }

// Each calls fn for every entry in order until fn returns false.
func (m *Map) Each(fn func(key, value any) bool) {
	for i := range m.keys {
		if !fn(m.keys[i], m.vals[i]) {
			return
		}
	}
}

func mapKey(k any) any {
	switch k.(type) {
	case nil, string, int64, float64, bool:
		return k
	}
	k = norm(k)
	switch k.(type) {
	case nil, string, int64, float64, bool:
		return k
	}
	return toString(k)
}

// findStr is find for a string key, without boxing it.
func (m *Map) findStr(s string) int {
	if m.index != nil {
		if i, ok := m.index[s]; ok {
			return i
		}
		return -1
	}
	n := len(s)
	for i, x := range m.keys {
		// Comparing the last byte first skips most keys that share a
		// prefix and a length (X-Header-01, X-Header-02…) cheaply.
		if xs, ok := x.(string); ok && len(xs) == n && (n == 0 || xs[n-1] == s[n-1]) && xs == s {
			return i
		}
	}
	return -1
}

func (m *Map) find(k any) int {
	if m.index != nil {
		if i, ok := m.index[k]; ok {
			return i
		}
		return -1
	}
	if s, ok := k.(string); ok {
		for i, x := range m.keys {
			if xs, ok := x.(string); ok && xs == s {
				return i
			}
		}
		return -1
	}
	for i, x := range m.keys {
		if x == k {
			return i
		}
	}
	return -1
}

// put stores v under k and returns the previous value (Java Map.put).
func (m *Map) put(k, v any) any {
	k = mapKey(k)
	if i := m.find(k); i >= 0 {
		old := m.vals[i]
		m.vals[i] = v
		return old
	}
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
	if m.index != nil {
		m.index[k] = len(m.keys) - 1
	} else if len(m.keys) > smallMap {
		m.reindex()
	}
	return nil
}

func (m *Map) reindex() {
	m.index = make(map[any]int, len(m.keys))
	for i, k := range m.keys {
		m.index[k] = i
	}
}

func (m *Map) get(k any) any {
	if s, ok := k.(string); ok {
		if i := m.findStr(s); i >= 0 {
			return m.vals[i]
		}
		return nil
	}
	if i := m.find(mapKey(k)); i >= 0 {
		return m.vals[i]
	}
	return nil
}

func (m *Map) remove(k any) any {
	k = mapKey(k)
	i := m.find(k)
	if i < 0 {
		return nil
	}
	old := m.vals[i]
	m.keys = append(m.keys[:i], m.keys[i+1:]...)
	m.vals = append(m.vals[:i], m.vals[i+1:]...)
	if m.index != nil {
		m.reindex()
	}
	return old
}

// entry is a Map.Entry from entrySet().
type entry struct {
	key, val any
	m        *Map
}

// norm converts a Go value to the form the engine works with: integers to
// int64, float32 to float64, []any to *List, Go maps to *Map (keys
// sorted, since Go maps have no order).
func norm(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, float64, *Map, *List, Object, *big.Int:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		return normUint(uint64(x))
	case uint64:
		return normUint(x)
	case float32:
		return float64(x)
	case []any:
		return &List{items: x[:len(x):len(x)]} // add() reallocates, never writes past len
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return &List{items: items}
	case map[string]any:
		m := NewMap(len(x))
		for _, k := range sortedKeys(x) {
			m.put(k, x[k])
		}
		return m
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := NewMap(len(x))
		for _, k := range keys {
			m.put(k, x[k])
		}
		return m
	}
	return v
}

func normUint(u uint64) any {
	if u > math.MaxInt64 {
		return new(big.Int).SetUint64(u)
	}
	return int64(u)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toString is Java's String.valueOf for the values templates see.
func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	}
	return string(appendValue(nil, v, 0, maxToString))
}

// maxToString caps toString() where no execution limit applies (equality
// and map keys of huge nested collections).
const maxToString = 64 << 20

// maxPrintDepth bounds the nesting printed by toString(): deeper
// collections print as [...] or {...}. Java has no such bound (a cycle
// through two collections overflows its stack); it is above the nesting a
// parsed JSON document may have, so documents always print in full.
const maxPrintDepth = 1024

// appendValue appends the Java toString() form of v. It stops early once
// b is longer than max; callers check the length.
func appendValue(b []byte, v any, depth, max int) []byte {
	if len(b) > max {
		return b
	}
	switch x := v.(type) {
	case string:
		return append(b, x...)
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return appendJavaDouble(b, x)
	case *big.Int:
		return x.Append(b, 10)
	case *List:
		if depth > maxPrintDepth {
			return append(b, "[...]"...)
		}
		if x.json {
			return appendJSON(b, x, depth, max)
		}
		b = append(b, '[')
		for i, e := range x.items {
			if i > 0 {
				b = append(b, ", "...)
			}
			if l, ok := e.(*List); ok && l == x {
				b = append(b, "(this Collection)"...)
				continue
			}
			b = appendValue(b, e, depth+1, max)
		}
		return append(b, ']')
	case *Map:
		if depth > maxPrintDepth {
			return append(b, "{...}"...)
		}
		b = append(b, '{')
		for i := range x.keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendMapItem(b, x, x.keys[i], depth, max)
			b = append(b, '=')
			b = appendMapItem(b, x, x.vals[i], depth, max)
		}
		return append(b, '}')
	case *entry:
		b = appendValue(b, x.key, depth+1, max)
		b = append(b, '=')
		return appendValue(b, x.val, depth+1, max)
	case *foreachScope:
		return append(b, "$foreach"...)
	case fmt.Stringer:
		return append(b, x.String()...)
	}
	return fmt.Append(b, norm(v))
}

func appendMapItem(b []byte, m *Map, v any, depth, max int) []byte {
	if mm, ok := v.(*Map); ok && mm == m {
		return append(b, "(this Map)"...)
	}
	return appendValue(b, v, depth+1, max)
}

// appendJavaDouble formats f as Java's Double.toString does: decimal
// notation with at least one fractional digit for 1e-3 <= |f| < 1e7,
// computerized scientific notation (1.0E10) otherwise. Digits are the
// shortest that round-trip (Java 19+; older JDKs sometimes print more).
func appendJavaDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		for _, c := range b[start:] {
			if c == '.' {
				return b
			}
		}
		return append(b, ".0"...)
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	e := 0
	for i, c := range s {
		if c == 'e' {
			e = i
			break
		}
	}
	mant, exp := s[:e], s[e+1:]
	b = append(b, mant...)
	hasDot := false
	for _, c := range mant {
		if c == '.' {
			hasDot = true
		}
	}
	if !hasDot {
		b = append(b, ".0"...)
	}
	b = append(b, 'E')
	if exp[0] == '-' {
		b = append(b, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(b, exp...)
}

// isNumber reports whether v is a template number.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, *big.Int:
		return true
	}
	return false
}

// numCompare compares two numbers as Velocity's MathUtils.compare does.
func numCompare(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		x, y := toFloat(a), toFloat(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return toBig(a).Cmp(toBig(b))
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	return 0
}

func toBig(v any) *big.Int {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x)
	case *big.Int:
		return x
	case float64:
		b, _ := big.NewFloat(x).Int(nil)
		return b
	}
	return new(big.Int)
}

// shrinkBig returns an int64 when b fits (Velocity narrows results to the
// smallest type that holds them).
func shrinkBig(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}

type mathOp byte

const (
	opAdd mathOp = iota
	opSub
	opMul
	opDiv
	opMod
)

// arith applies op to two numbers following Velocity's MathUtils: integer
// arithmetic with promotion to BigInteger on overflow, double arithmetic
// when either side is a double. Division or modulo by zero gives nil.
func arith(op mathOp, a, b any) any {
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		x, y := toFloat(a), toFloat(b)
		switch op {
		case opAdd:
			return x + y
		case opSub:
			return x - y
		case opMul:
			return x * y
		case opDiv:
			if y == 0 {
				return nil
			}
			return x / y
		default:
			if y == 0 {
				return nil
			}
			return math.Mod(x, y)
		}
	}
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok {
		switch op {
		case opAdd:
			r := x + y
			if (r^x) < 0 && (r^y) < 0 {
				break
			}
			return r
		case opSub:
			r := x - y
			if (r^x) < 0 && (r^(^y)) < 0 {
				break
			}
			return r
		case opMul:
			if x == 0 || y == 0 {
				return int64(0)
			}
			r := x * y
			if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				break
			}
			return r
		case opDiv:
			if y == 0 {
				return nil
			}
			return x / y
		default:
			if y == 0 {
				return nil
			}
			return x % y
		}
	}
	bx, by := toBig(a), toBig(b)
	r := new(big.Int)
	switch op {
	case opAdd:
		r.Add(bx, by)
	case opSub:
		r.Sub(bx, by)
	case opMul:
		r.Mul(bx, by)
	case opDiv:
		if by.Sign() == 0 {
			return nil
		}
		r.Quo(bx, by)
	default:
		if by.Sign() == 0 {
			return nil
		}
		r.Mod(bx, by) // BigInteger.mod: never negative
	}
	return shrinkBig(r)
}

// valuesEqual is Velocity's == (ASTEQNode): numbers compare by value, values
// of the same kind with Java equals, anything else by toString().
func valuesEqual(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		return numCompare(a, b) == 0
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if sameKind(a, b) {
		return javaEquals(a, b)
	}
	return toString(a) == toString(b)
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case *List:
		_, ok := b.(*List)
		return ok
	case *Map:
		_, ok := b.(*Map)
		return ok
	case *entry:
		_, ok := b.(*entry)
		return ok
	}
	return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}

// javaEquals is Object.equals for template values.
func javaEquals(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (x != x && y != y))
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case *List:
		y, ok := b.(*List)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		if x == y {
			return true
		}
		for i := range x.items {
			if !javaEquals(x.items[i], y.items[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		if x == y {
			return true
		}
		for i, k := range x.keys {
			j := y.find(k)
			if j < 0 || !javaEquals(x.vals[i], y.vals[j]) {
				return false
			}
		}
		return true
	case *entry:
		y, ok := b.(*entry)
		return ok && javaEquals(x.key, y.key) && javaEquals(x.val, y.val)
	}
	return safeEq(a, b)
}

// safeEq is a == b that reports false for uncomparable host values.
func safeEq(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false
		}
	}()
	return a == b
}

// typeName names a value's Java-ish type in error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case float64:
		return "Double"
	case *big.Int:
		return "BigInteger"
	case *List:
		return "ArrayList"
	case *Map:
		return "LinkedHashMap"
	case *entry:
		return "Map.Entry"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
}
