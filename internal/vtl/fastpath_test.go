package vtl

import (
	"bytes"
	"fmt"
	"testing"
)

// The execution fast paths (pooled states, variable slots, the get hint,
// the output appended to the caller's buffer) must not change what a
// template renders.

func TestFastPaths(t *testing.T) {
	runCases(t, []execCase{
		{"keySet then get", "#set($m = {'a': 1, 'b': 2, 'c': 3})#foreach($k in $m.keySet())$k=$m.get($k);#end", "a=1;b=2;c=3;", ""},
		{"get out of order", "#set($m = {'a': 1, 'b': 2, 'c': 3})$m.get('b')$m.get('c')$m.get('a')$m.get('b')$m.get('x')", "2312$m.get('x')", ""},
		{"get after remove", "#set($m = {'a': 1, 'b': 2, 'c': 3})$m.get('a')$m.remove('b')$m.get('c')$m.get('b')", "123$m.get('b')", ""},
		{"get on two maps", "#set($m = {'a': 1, 'b': 2})#set($n = {'b': 3, 'a': 4})$m.get('a')$n.get('b')$m.get('b')$n.get('a')", "1324", ""},
		{"set after read", "$name#set($name = 'x')$name#set($name = $nothing)$name", "bobxx", ""},
		{"foreach restores", "#set($k = 'before')#foreach($k in [1, 2])$k#end$k", "12before", ""},
		{"foreach null item", "#foreach($k in [1, $nothing, 3])[$!k]#end", "[1][][3]", ""},
		{"macro reads caller's variable", "#macro(m $p)$p$name#end#set($name = 'n')#m('x')$name", "xnn", ""},
		{"evaluate sees the slots", "#set($a = 'A')#evaluate('$a#set($a = \"B\")')$a", "AB", ""},
		{"define from evaluate", "#evaluate('#define($d)[$name]#end')#set($name = 'z')$d", "[z]", ""},
		{"interpolation", "#set($a = 'A')#set($s = \"<$a>\")$s", "<A>", ""},
		{"get null, number, missing", "#set($m = {'a': 1, 2: 'two'})[$m.get($nothing)][$m.get(2)][$m.get('2')][$m.get('x')]", "[$m.get($nothing)][two][$m.get('2')][$m.get('x')]", ""},
		{"get on an indexed map", "#set($m = {})#foreach($i in [1..12])$!m.put(\"k$i\", $i)#end$m.get('k12')$m.get('k1')", "121", ""},
		{"get with two arguments", "#set($m = {'a': 1})[$m.get('a', 2)]", "[$m.get('a', 2)]", ""},
		{"get argument error", "#set($m = {'a': 1})$m.get($input.fail())", "", "boom"},
	})
}

// TestStateNotShared renders one template twice: nothing set by the first
// run may be seen by the second (states are recycled).
func TestStateNotShared(t *testing.T) {
	tp, err := Parse("t", "[$!x]#set($x = $v)[$x]")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"one", "two"} {
		out, err := tp.Render(map[string]any{"v": v}, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[][" + v + "]"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
	}
}

// TestExecuteAppends checks that Execute appends to what the buffer holds
// and leaves it unchanged on error.
func TestExecuteAppends(t *testing.T) {
	tp, err := Parse("t", "$a")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("head:")
	if err := tp.Execute(&buf, map[string]any{"a": "x"}, Limits{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "head:x" {
		t.Errorf("got %q", got)
	}
	bad, err := Parse("bad", "lots of text #foreach($i in [1..10])$i#end")
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Execute(&buf, nil, Limits{MaxSteps: 5}); err == nil {
		t.Fatal("no error")
	}
	if got := buf.String(); got != "head:x" {
		t.Errorf("after an error the buffer holds %q", got)
	}
}

// TestExecuteAllocs: with a warm template, rendering text and variables
// allocates nothing in the engine.
func TestExecuteAllocs(t *testing.T) {
	tp, err := Parse("t", "#foreach($k in $l)$k#if($foreach.hasNext),#end#end $s")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"l": NewList("a", "b", "c"), "s": "x"}
	var buf bytes.Buffer
	buf.Grow(256)
	n := testing.AllocsPerRun(100, func() {
		buf.Reset()
		if err := tp.Execute(&buf, vars, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	// The #foreach scope is the only allocation left.
	if n > 1 {
		t.Errorf("%v allocations per render, want at most 1", n)
	}
}

// TestNewStringPairsRepeats: repeated keys keep their first position and
// take their last value whatever the hash filter says.
func TestNewStringPairsRepeats(t *testing.T) {
	const n = 20
	pairs := make([][2]string, 0, 3*n)
	for i := range n {
		pairs = append(pairs, [2]string{fmt.Sprintf("X-Header-%02d", i), "a"})
	}
	for i := n - 1; i >= 0; i -= 3 {
		pairs = append(pairs, [2]string{fmt.Sprintf("X-Header-%02d", i), "b"})
	}
	pairs = append(pairs, [2]string{"X-Header-00", "c"}, [2]string{"", "empty"}, [2]string{"", "again"})
	m := NewStringPairs(len(pairs), func(i int) (string, string) { return pairs[i][0], pairs[i][1] })
	if m.Len() != n+1 {
		t.Fatalf("len %d, want %d", m.Len(), n+1)
	}
	for i := range n {
		want := "a"
		if (n-1-i)%3 == 0 {
			want = "b"
		}
		if i == 0 {
			want = "c"
		}
		k := fmt.Sprintf("X-Header-%02d", i)
		if m.keys[i] != k || m.vals[i] != want {
			t.Errorf("entry %d = %v=%v, want %s=%s", i, m.keys[i], m.vals[i], k, want)
		}
	}
	if v, _ := m.Get(""); v != "again" {
		t.Errorf(`Get("") = %v`, v)
	}
}

func TestSizeHint(t *testing.T) {
	tp, err := Parse("t", "$a")
	if err != nil {
		t.Fatal(err)
	}
	if tp.SizeHint() != 0 {
		t.Errorf("hint before any run: %d", tp.SizeHint())
	}
	for _, a := range []string{"abc", "abcdefgh"} {
		if _, err := tp.Render(map[string]any{"a": a}, Limits{}); err != nil {
			t.Fatal(err)
		}
		if tp.SizeHint() != len(a) {
			t.Errorf("hint %d after an output of %d bytes", tp.SizeHint(), len(a))
		}
	}
}
