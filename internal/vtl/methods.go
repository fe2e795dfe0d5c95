package vtl

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Built-in methods: the Java methods templates call on strings, lists,
// maps, map entries, numbers and booleans. Strings are indexed in UTF-16
// code units, as Java does. A method that does not exist, or whose
// arguments have the wrong types, gives nil (an unresolved reference); a
// Java exception (index out of range, null argument) is an error.

// javaErr is a Java exception raised by a built-in method.
func javaErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

func npe() error { return errors.New("java.lang.NullPointerException") }

// void is what Velocity returns for a void method: an empty string.
const void = ""

func (s *state) builtin(v any, name string, args []any) (any, error) {
	var r any
	var err error
	switch x := v.(type) {
	case string:
		r, err = s.stringMethod(x, name, args)
	case *List:
		r, err = s.listMethod(x, name, args)
	case *Map:
		r, err = s.mapMethod(x, name, args)
	case *entry:
		switch name {
		case "getKey":
			if len(args) == 0 {
				return x.key, nil
			}
		case "getValue":
			if len(args) == 0 {
				return x.val, nil
			}
		case "setValue":
			if len(args) == 1 {
				old := x.val
				x.val = args[0]
				x.m.put(x.key, args[0])
				return old, nil
			}
		}
	case *foreachScope:
		if len(args) == 0 {
			switch name {
			case "getIndex":
				return int64(x.index), nil
			case "getCount":
				return int64(x.index + 1), nil
			case "hasNext", "getHasNext":
				return x.hasNext, nil
			case "isFirst", "getFirst":
				return x.index == 0, nil
			case "isLast", "getLast":
				return !x.hasNext, nil
			case "getParent":
				return x.parent, nil
			case "getTopmost":
				return x.topmost(), nil
			}
		}
	case bool:
		if name == "booleanValue" && len(args) == 0 {
			return x, nil
		}
	case int64, float64, *big.Int:
		if r, ok := numberMethod(x, name, args); ok {
			return r, nil
		}
	}
	if r != nil || err != nil {
		return r, err
	}
	switch name {
	case "toString":
		if len(args) == 0 {
			return s.str(v)
		}
	case "equals":
		if len(args) == 1 {
			return javaEquals(v, args[0]), nil
		}
	}
	return nil, nil
}

// str is toString() within the output limit.
func (s *state) str(v any) (any, error) {
	if str, ok := v.(string); ok {
		return str, nil
	}
	b := appendValue(nil, v, 0, s.lim.MaxOutput)
	if len(b) > s.lim.MaxOutput {
		return nil, ErrLimit
	}
	return string(b), nil
}

func numberMethod(x any, name string, args []any) (any, bool) {
	if len(args) == 0 {
		switch name {
		case "intValue":
			return int64(javaInt(x)), true
		case "longValue":
			switch n := x.(type) {
			case float64:
				switch {
				case n != n:
					return int64(0), true
				case n >= math.MaxInt64:
					return int64(math.MaxInt64), true
				case n <= math.MinInt64:
					return int64(math.MinInt64), true
				}
				return int64(n), true
			case *big.Int:
				return new(big.Int).Set(n).Int64(), true
			}
			return x, true
		case "doubleValue", "floatValue":
			return toFloat(x), true
		case "isNaN":
			f, ok := x.(float64)
			return ok && f != f, ok
		case "isInfinite":
			f, ok := x.(float64)
			return ok && math.IsInf(f, 0), ok
		}
	}
	if name == "compareTo" && len(args) == 1 && isNumber(args[0]) {
		return int64(numCompare(x, args[0])), true
	}
	return nil, false
}

// ---- strings

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// u16 is a string seen as Java sees it: UTF-16 code units.
type u16 struct {
	s     string
	ascii bool
	u     []uint16
}

func newU16(s string) u16 {
	if isASCII(s) {
		return u16{s: s, ascii: true}
	}
	return u16{s: s, u: utf16.Encode([]rune(s))}
}

func (j u16) len() int {
	if j.ascii {
		return len(j.s)
	}
	return len(j.u)
}

func (j u16) slice(b, e int) string {
	if j.ascii {
		return j.s[b:e]
	}
	return string(utf16.Decode(j.u[b:e]))
}

// index converts a byte offset in j.s to a UTF-16 index.
func (j u16) index(byteOff int) int {
	if j.ascii || byteOff < 0 {
		return byteOff
	}
	n := 0
	for _, r := range j.s[:byteOff] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// offset converts a UTF-16 index to a byte offset in j.s.
func (j u16) offset(idx int) int {
	if j.ascii {
		return idx
	}
	return len(string(utf16.Decode(j.u[:idx])))
}

func strArg(args []any, i int) (string, bool, error) {
	switch a := args[i].(type) {
	case string:
		return a, true, nil
	case nil:
		return "", true, npe()
	}
	return "", false, nil
}

func (s *state) stringMethod(x, name string, args []any) (any, error) {
	n := len(args)
	switch name {
	case "length":
		if n == 0 {
			return int64(newU16(x).len()), nil
		}
	case "isEmpty":
		if n == 0 {
			return x == "", nil
		}
	case "toString", "intern":
		if n == 0 {
			return x, nil
		}
	case "toLowerCase":
		if n == 0 {
			return strings.ToLower(x), nil
		}
	case "toUpperCase":
		if n == 0 {
			return strings.ToUpper(x), nil
		}
	case "trim":
		if n == 0 {
			return strings.TrimFunc(x, func(r rune) bool { return r <= ' ' }), nil
		}
	case "hashCode":
		if n == 0 {
			var h int32
			for _, c := range utf16.Encode([]rune(x)) {
				h = 31*h + int32(c)
			}
			return int64(h), nil
		}
	case "getBytes":
		if n == 0 {
			return s.property(x, &RefPart{Name: "bytes"})
		}
	case "substring":
		if n == 1 || n == 2 {
			j := newU16(x)
			b, ok := intArg(args[0])
			if !ok {
				return nil, nil
			}
			e := j.len()
			if n == 2 {
				if e, ok = intArg(args[1]); !ok {
					return nil, nil
				}
			}
			switch {
			case b < 0:
				return nil, javaErr("java.lang.StringIndexOutOfBoundsException: String index out of range: %d", b)
			case e > j.len():
				return nil, javaErr("java.lang.StringIndexOutOfBoundsException: String index out of range: %d", e)
			case b > e:
				return nil, javaErr("java.lang.StringIndexOutOfBoundsException: String index out of range: %d", e-b)
			}
			return j.slice(b, e), nil
		}
	case "charAt":
		if n == 1 {
			i, ok := intArg(args[0])
			if !ok {
				return nil, nil
			}
			j := newU16(x)
			if i < 0 || i >= j.len() {
				return nil, javaErr("java.lang.StringIndexOutOfBoundsException: String index out of range: %d", i)
			}
			return j.slice(i, i+1), nil
		}
	case "indexOf", "lastIndexOf":
		if n == 1 || n == 2 {
			return indexOf(x, name == "lastIndexOf", args)
		}
	case "contains", "startsWith", "endsWith", "concat", "equalsIgnoreCase", "compareTo", "compareToIgnoreCase", "matches", "split":
		if n == 0 {
			break
		}
		a, ok, err := strArg(args, 0)
		if !ok {
			return nil, nil
		}
		if err != nil {
			if name == "equalsIgnoreCase" {
				return false, nil
			}
			return nil, err
		}
		return s.stringMethod1(x, name, a, args)
	case "replace", "replaceAll", "replaceFirst":
		if n != 2 {
			break
		}
		a, ok1, err1 := strArg(args, 0)
		b, ok2, err2 := strArg(args, 1)
		if !ok1 || !ok2 {
			return nil, nil
		}
		if err1 != nil || err2 != nil {
			return nil, npe()
		}
		if name == "replace" {
			if grow := strings.Count(x, a) * (len(b) - len(a)); len(x)+grow > s.lim.MaxOutput {
				return nil, ErrLimit
			}
			return strings.ReplaceAll(x, a, b), nil
		}
		re, err := s.regex(a)
		if err != nil {
			return nil, err
		}
		return javaReplace(re, x, b, name == "replaceAll", s.lim.MaxOutput)
	}
	return nil, nil
}

func (s *state) stringMethod1(x, name, a string, args []any) (any, error) {
	n := len(args)
	switch name {
	case "contains":
		if n == 1 {
			return strings.Contains(x, a), nil
		}
	case "startsWith":
		if n == 1 {
			return strings.HasPrefix(x, a), nil
		}
		if n == 2 {
			off, ok := intArg(args[1])
			if !ok {
				return nil, nil
			}
			j := newU16(x)
			if off < 0 || off > j.len() {
				return false, nil
			}
			return strings.HasPrefix(j.slice(off, j.len()), a), nil
		}
	case "endsWith":
		if n == 1 {
			return strings.HasSuffix(x, a), nil
		}
	case "concat":
		if n == 1 {
			if len(x)+len(a) > s.lim.MaxOutput {
				return nil, ErrLimit
			}
			return x + a, nil
		}
	case "equalsIgnoreCase":
		if n == 1 {
			return strings.EqualFold(x, a), nil
		}
	case "compareTo", "compareToIgnoreCase":
		if n == 1 {
			if name == "compareToIgnoreCase" {
				x, a = strings.ToLower(strings.ToUpper(x)), strings.ToLower(strings.ToUpper(a))
			}
			return int64(compareU16(x, a)), nil
		}
	case "matches":
		if n == 1 {
			re, err := s.regex(`\A(?:` + a + `)\z`)
			if err != nil {
				return nil, err
			}
			return re.MatchString(x), nil
		}
	case "split":
		limit := 0
		if n == 2 {
			l, ok := intArg(args[1])
			if !ok {
				return nil, nil
			}
			limit = l
		} else if n != 1 {
			return nil, nil
		}
		re, err := s.regex(a)
		if err != nil {
			return nil, err
		}
		return javaSplit(re, x, limit), nil
	}
	return nil, nil
}

// compareU16 is String.compareTo: by UTF-16 code units.
func compareU16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				return int(a[i]) - int(b[i])
			}
		}
		return len(a) - len(b)
	}
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return len(x) - len(y)
}

// indexOf implements indexOf/lastIndexOf(str | char [, from]).
func indexOf(x string, last bool, args []any) (any, error) {
	var needle string
	switch a := args[0].(type) {
	case string:
		needle = a
	case int64:
		if a < 0 || a > utf8.MaxRune {
			return int64(-1), nil
		}
		needle = string(rune(a))
	case nil:
		return nil, npe()
	default:
		return nil, nil
	}
	j := newU16(x)
	size := j.len()
	if len(args) == 1 {
		if last {
			return int64(j.index(strings.LastIndex(x, needle))), nil
		}
		return int64(j.index(strings.Index(x, needle))), nil
	}
	from, ok := intArg(args[1])
	if !ok {
		return nil, nil
	}
	nl := newU16(needle).len()
	if last {
		if from < 0 {
			return int64(-1), nil
		}
		end := min(from, size-nl) + nl // the match must start at or before from
		if end < nl {
			return int64(-1), nil
		}
		return int64(j.index(strings.LastIndex(x[:j.offset(end)], needle))), nil
	}
	if from < 0 {
		from = 0
	}
	if from > size {
		if needle == "" {
			return int64(size), nil
		}
		return int64(-1), nil
	}
	off := j.offset(from)
	k := strings.Index(x[off:], needle)
	if k < 0 {
		return int64(-1), nil
	}
	return int64(j.index(off + k)), nil
}

// ---- lists

func (s *state) growCheck(n int) error {
	if n > s.lim.MaxSteps {
		return ErrLimit
	}
	return nil
}

func (s *state) listMethod(l *List, name string, args []any) (any, error) {
	n := len(args)
	switch name {
	case "size":
		if n == 0 {
			return int64(len(l.items)), nil
		}
	case "isEmpty":
		if n == 0 {
			return len(l.items) == 0, nil
		}
	case "get":
		if n == 1 {
			i, ok := intArg(args[0])
			if !ok {
				return nil, nil
			}
			if i < 0 || i >= len(l.items) {
				return nil, javaErr("java.lang.IndexOutOfBoundsException: Index: %d, Size: %d", i, len(l.items))
			}
			return l.items[i], nil
		}
	case "add":
		if err := s.growCheck(len(l.items) + 1); err != nil {
			return nil, err
		}
		if n == 1 {
			l.items = append(l.items, args[0])
			return true, nil
		}
		if n == 2 {
			i, ok := intArg(args[0])
			if !ok {
				return nil, nil
			}
			if i < 0 || i > len(l.items) {
				return nil, javaErr("java.lang.IndexOutOfBoundsException: Index: %d, Size: %d", i, len(l.items))
			}
			l.items = append(l.items, nil)
			copy(l.items[i+1:], l.items[i:])
			l.items[i] = args[1]
			return void, nil
		}
	case "set":
		if n == 2 {
			i, ok := intArg(args[0])
			if !ok {
				return nil, nil
			}
			if i < 0 || i >= len(l.items) {
				return nil, javaErr("java.lang.IndexOutOfBoundsException: Index: %d, Size: %d", i, len(l.items))
			}
			old := l.items[i]
			l.items[i] = args[1]
			return old, nil
		}
	case "contains", "indexOf", "lastIndexOf":
		if n == 1 {
			at := -1
			for i, e := range l.items {
				if javaEquals(args[0], e) {
					at = i
					if name != "lastIndexOf" {
						break
					}
				}
			}
			if name == "contains" {
				return at >= 0, nil
			}
			return int64(at), nil
		}
	case "remove":
		if n == 1 {
			// An integer argument selects remove(int index).
			if i, ok := intArg(args[0]); ok {
				if i < 0 || i >= len(l.items) {
					return nil, javaErr("java.lang.IndexOutOfBoundsException: Index: %d, Size: %d", i, len(l.items))
				}
				old := l.items[i]
				l.items = append(l.items[:i], l.items[i+1:]...)
				return old, nil
			}
			for i, e := range l.items {
				if javaEquals(args[0], e) {
					l.items = append(l.items[:i], l.items[i+1:]...)
					return true, nil
				}
			}
			return false, nil
		}
	case "addAll":
		if n == 1 {
			o, ok := args[0].(*List)
			if !ok {
				if args[0] == nil {
					return nil, npe()
				}
				return nil, nil
			}
			if err := s.growCheck(len(l.items) + len(o.items)); err != nil {
				return nil, err
			}
			l.items = append(l.items, o.items...)
			return len(o.items) > 0, nil
		}
	case "clear":
		if n == 0 {
			clear(l.items)
			l.items = l.items[:0]
			return void, nil
		}
	case "subList":
		if n == 2 {
			b, ok1 := intArg(args[0])
			e, ok2 := intArg(args[1])
			if !ok1 || !ok2 {
				return nil, nil
			}
			if b < 0 || e > len(l.items) || b > e {
				return nil, javaErr("java.lang.IndexOutOfBoundsException: fromIndex: %d, toIndex: %d, size: %d", b, e, len(l.items))
			}
			return &List{items: append([]any(nil), l.items[b:e]...)}, nil
		}
	}
	return nil, nil
}

// ---- maps

// mapGet is m.get(k) that first tries the entry after the one the
// previous get on m found: #foreach($k in $m.keySet()) … $m.get($k) then
// finds each key at once instead of scanning for it.
func (s *state) mapGet(m *Map, k any) any {
	ks, ok := k.(string)
	if !ok || m.index != nil {
		return m.get(k)
	}
	if m == s.getMap {
		if i := s.getAt + 1; i < len(m.keys) {
			if x, ok := m.keys[i].(string); ok && x == ks {
				s.getAt = i
				return m.vals[i]
			}
		}
	}
	i := m.findStr(ks)
	if i < 0 {
		return nil
	}
	s.getMap, s.getAt = m, i
	return m.vals[i]
}

func (s *state) mapMethod(m *Map, name string, args []any) (any, error) {
	n := len(args)
	switch name {
	case "get":
		if n == 1 {
			return s.mapGet(m, args[0]), nil
		}
	case "getOrDefault":
		if n == 2 {
			if i := m.find(mapKey(args[0])); i >= 0 {
				return m.vals[i], nil
			}
			return args[1], nil
		}
	case "put":
		if n == 2 {
			if err := s.growCheck(len(m.keys) + 1); err != nil {
				return nil, err
			}
			return m.put(args[0], args[1]), nil
		}
	case "containsKey":
		if n == 1 {
			return m.find(mapKey(args[0])) >= 0, nil
		}
	case "containsValue":
		if n == 1 {
			for _, v := range m.vals {
				if javaEquals(args[0], v) {
					return true, nil
				}
			}
			return false, nil
		}
	case "isEmpty":
		if n == 0 {
			return len(m.keys) == 0, nil
		}
	case "size":
		if n == 0 {
			return int64(len(m.keys)), nil
		}
	case "remove":
		if n == 1 {
			return m.remove(args[0]), nil
		}
	case "keySet":
		if n == 0 {
			return &List{items: append([]any(nil), m.keys...)}, nil
		}
	case "values":
		if n == 0 {
			return &List{items: append([]any(nil), m.vals...)}, nil
		}
	case "entrySet":
		if n == 0 {
			items := make([]any, len(m.keys))
			for i := range m.keys {
				items[i] = &entry{key: m.keys[i], val: m.vals[i], m: m}
			}
			return &List{items: items}, nil
		}
	case "putAll":
		if n == 1 {
			o, ok := args[0].(*Map)
			if !ok {
				return nil, nil
			}
			if err := s.growCheck(len(m.keys) + len(o.keys)); err != nil {
				return nil, err
			}
			keys, vals := append([]any(nil), o.keys...), append([]any(nil), o.vals...)
			for i := range keys {
				m.put(keys[i], vals[i])
			}
			return void, nil
		}
	case "clear":
		if n == 0 {
			m.keys, m.vals, m.index = m.keys[:0], m.vals[:0], nil
			return void, nil
		}
	}
	return nil, nil
}
