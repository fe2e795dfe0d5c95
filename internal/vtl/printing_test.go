package vtl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// jsonVars holds values as internal/mapping builds them from the JSON
// document {"a":1,"b":[{"c":5}],"tags":["a","b/c"],"s":"x\"y"}.
func jsonVars() map[string]any {
	doc := newMap(
		"a", int64(1),
		"b", NewJSONList(newMap("c", int64(5))),
		"tags", NewJSONList("a", "b/c"),
		"s", `x"y`,
	)
	return map[string]any{
		"doc":   doc,
		"tags":  doc.get("tags"),
		"mixed": NewJSONList(nil, true, int64(-2), 1.5, 1e21, NewList("p", "q"), newMap("k", NewJSONList()), "\u2028\n\u0001é"),
	}
}

// TestJSONListPrinting: a list from NewJSONList prints as json-smart's
// JSONArray.toString() (NO_COMPRESS); everything else keeps Java's
// ArrayList/LinkedHashMap form. AWS's shape is the one LocalStack
// reproduces against AWS (localstack/localstack#12379:
// {"a":1,"b":[{"c":5}]} prints {a=1, b=[{"c":5}]}).
func TestJSONListPrinting(t *testing.T) {
	cases := []struct{ name, tmpl, want string }{
		{"array", `$tags`, `["a","b\/c"]`},
		{"object holding an array", `$doc`, `{a=1, b=[{"c":5}], tags=["a","b\/c"], s=x"y}`},
		{"array of objects", `$doc.b`, `[{"c":5}]`},
		{"scalars, nested lists and maps", `$mixed`, `[null,true,-2,1.5,1.0E21,["p","q"],{"k":[]},"\u2028\n\u0001é"]`},
		{"template literal stays ArrayList", `[1, 2]`, `[1, 2]`},
		{"literal list holding a JSON array", `#set($l = [$tags, 1])$l`, `[["a","b\/c"], 1]`},
		{"toString and concatenation", `$tags.toString() ${tags}! #set($s = "<" + $tags + ">")$s`, `["a","b\/c"] ["a","b\/c"]! <["a","b\/c"]>`},
		{"foreach iterates", `#foreach($t in $tags)$t;#end`, `a;b/c;`},
		{"list methods", `$tags.size() $tags.get(1) $tags[0] $tags.contains('a') $tags.isEmpty()`, `2 b/c a true false`},
		{"add keeps JSON printing", `#set($x = $tags.add(3))$tags`, `["a","b\/c",3]`},
		{"subList is a plain list", `$tags.subList(0, 2)`, `[a, b/c]`},
		{"equals an ArrayList", `#if($tags == ['a', 'b/c'])eq#end`, `eq`},
		{"equals its printed form", `#if($tags == '["a","b\/c"]')eq#end`, `eq`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := Parse(c.name, c.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tp.Render(jsonVars(), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s\n got %s\nwant %s", c.tmpl, got, c.want)
			}
		})
	}
}

func TestJSONListCycle(t *testing.T) {
	tp, err := Parse("cycle", `#set($a = $tags)#set($b = [$a])#set($x = $a.add($b))$a`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tp.Render(jsonVars(), Limits{MaxOutput: 1 << 16})
	if err == nil && !strings.Contains(out, "[...]") {
		t.Fatalf("cycle printed without a bound: %.80s…", out)
	}
	if err != nil && !errors.Is(err, ErrLimit) {
		t.Fatalf("want a limit error, got %v", err)
	}
}

func TestListMapString(t *testing.T) {
	if got := NewList("a", int64(1)).String(); got != "[a, 1]" {
		t.Errorf("List.String() = %q", got)
	}
	if got := NewJSONList("a", int64(1)).String(); got != `["a",1]` {
		t.Errorf("JSON List.String() = %q", got)
	}
	if got := NewStringMap("k", "v", "x", "y").String(); got != "{k=v, x=y}" {
		t.Errorf("Map.String() = %q", got)
	}
}

func TestNewStringMap(t *testing.T) {
	t.Run("order and repeats", func(t *testing.T) {
		m := NewStringMap("b", "1", "a", "2", "b", "3")
		if got := m.String(); got != "{b=3, a=2}" {
			t.Fatalf("got %s, want {b=3, a=2} (first position, last value)", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		m := NewStringMap()
		m.Set("k", "v")
		if got := m.String(); got != "{k=v}" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("many, indexed", func(t *testing.T) {
		var kv []string
		var want []string
		for i := range 40 {
			kv = append(kv, fmt.Sprintf("k%02d", i), fmt.Sprintf("v%d", i))
			want = append(want, fmt.Sprintf("k%02d=v%d", i, i))
		}
		kv = append(kv, "k03", "again", "k39", "last")
		want[3], want[39] = "k03=again", "k39=last"
		m := NewStringMap(kv...)
		if got := m.String(); got != "{"+strings.Join(want, ", ")+"}" {
			t.Fatalf("got %s", got)
		}
		for i := range 40 {
			k := fmt.Sprintf("k%02d", i)
			v, ok := m.Get(k)
			if !ok || v != strings.TrimPrefix(want[i], k+"=") {
				t.Fatalf("Get(%s) = %v, %v", k, v, ok)
			}
		}
		// The map behaves as any other: put, remove, growth.
		m.Set("new", "n")
		m.Delete("k00")
		if v, _ := m.Get("new"); v != "n" || m.Len() != 40 {
			t.Fatalf("after Set/Delete: %v, len %d", v, m.Len())
		}
		tp, err := Parse("t", `#foreach($k in $m.keySet())#if($foreach.first)$k=$m.get($k)#end#end $m.k05 $m.size()`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tp.Render(map[string]any{"m": m}, Limits{})
		if err != nil || out != "k01=v1 v5 40" {
			t.Fatalf("render: %q, %v", out, err)
		}
	})
	t.Run("growing keys does not touch values", func(t *testing.T) {
		m := NewStringMap("a", "1", "b", "2")
		m.Set("c", "3")
		m.Set("d", "4")
		if got := m.String(); got != "{a=1, b=2, c=3, d=4}" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("odd count panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		NewStringMap(strings.Fields("a")...) // a slice: the call is wrong on purpose
	})
	t.Run("allocations", func(t *testing.T) {
		kv := make([]string, 40)
		for i := range kv {
			kv[i] = fmt.Sprintf("s%d", i)
		}
		n := testing.AllocsPerRun(50, func() { NewStringMap(kv...) })
		// map, slices, 3 chunks of boxed strings, the index: far fewer
		// than the 40 a string-by-string build takes.
		if n > 10 {
			t.Fatalf("NewStringMap of 20 pairs: %v allocations", n)
		}
	})
}

// setter records how #set($obj.name = v) reached it.
type setter struct {
	methods map[string]bool // the methods it has
	calls   []string
	fail    bool
}

func (s *setter) Property(string) (any, bool) { return nil, false }

func (s *setter) Call(method string, args []any) (any, error) {
	if !s.methods[method] {
		return nil, fmt.Errorf("setter.%s: %w", method, ErrNoMethod)
	}
	if s.fail {
		return nil, errors.New("refused")
	}
	parts := []string{method}
	for _, a := range args {
		parts = append(parts, toString(a))
	}
	s.calls = append(s.calls, strings.Join(parts, " "))
	return nil, nil
}

// TestSetHostProperty: #set($obj.name = v) follows Velocity 1.7's
// UberspectImpl.getPropertySet — setname, then setName, then put("name", v).
func TestSetHostProperty(t *testing.T) {
	cases := []struct {
		name    string
		tmpl    string
		methods []string
		want    string
	}{
		{"as written first", `#set($o.header3 = 'v')`, []string{"setheader3", "setHeader3", "put"}, "setheader3 v"},
		{"first letter flipped", `#set($o.header3 = 'v')`, []string{"setHeader3", "put"}, "setHeader3 v"},
		{"flipped from upper", `#set($o.Header3 = 'v')`, []string{"setheader3", "put"}, "setheader3 v"},
		{"put keeps the case", `#set($o.Header3 = 'v')#set($o.x-Amz = 1)`, []string{"put"}, "put Header3 v|put x-Amz 1"},
		{"nothing settable", `#set($o.a = 'v')`, nil, ""},
		{"index form is put", `#set($o['a'] = 'v')`, []string{"put"}, "put a v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := &setter{methods: map[string]bool{}}
			for _, m := range c.methods {
				o.methods[m] = true
			}
			tp, err := Parse(c.name, c.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tp.Render(map[string]any{"o": o}, Limits{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(o.calls, "|"); got != c.want {
				t.Errorf("calls %q, want %q", got, c.want)
			}
		})
	}
	t.Run("host error aborts", func(t *testing.T) {
		o := &setter{methods: map[string]bool{"put": true}, fail: true}
		tp, err := Parse("fail", "\n  #set($o.a = 1)")
		if err != nil {
			t.Fatal(err)
		}
		_, err = tp.Render(map[string]any{"o": o}, Limits{})
		var ve *Error
		if !errors.As(err, &ve) || ve.Line != 2 || ve.Err == nil || ve.Err.Error() != "refused" {
			t.Fatalf("got %v", err)
		}
	})
}
