package vtl

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseErrorPositions(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unclosed if paren", "line1\n  #if($a\n", 3, 1, "expected ) to close #if, found end of input"},
		{"empty set value", "#set($a = )", 1, 11, `unexpected ")" in expression`},
		{"formal not closed", "a\nb ${x y}", 2, 6, "expected } to close ${x"},
		{"stray end", "#foreach($x in $l)\n#end\n#end", 3, 1, "unexpected #end"},
		{"if without end", "\n\n  #if(true)", 3, 3, "#if without #end"},
		{"runes count as columns", "é ü #set($)", 1, 10, "expected a reference after #set("},
		{"unterminated string", "#set($a = 'abc)", 1, 11, "unterminated string"},
		{"bad foreach", "x\n#foreach($a $b)", 2, 1, "needs 3 arguments"},
		{"bad macro param", "#macro(m 'a')#end", 1, 10, "parameters must be simple references"},
		{"unterminated comment", "a\n b #* c", 2, 4, "unterminated #* comment"},
		{"else outside if", "#foreach($a in $b)#else#end", 1, 19, "unexpected #else inside #foreach"},
		{"bad unicode escape", `#set($a = "\u12")`, 1, 12, `invalid \u escape`},
		{"error in string interpolation", `#set($a = "x ${y")`, 1, 17, "expected } to close ${y"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("tmpl.vtl", c.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if e.Template != "tmpl.vtl" || e.Line != c.line || e.Col != c.col || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("got %s:%d:%d %q, want line %d col %d %q", e.Template, e.Line, e.Col, e.Msg, c.line, c.col, c.msg)
			}
			if e.Snippet == "" && strings.TrimSpace(strings.Split(c.src, "\n")[c.line-1]) != "" {
				t.Errorf("missing snippet")
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("req.vtl", "{\n  \"a\": #if($x\n}")
	want := "req.vtl:3:1: expected ) to close #if, found \"}\"\n\t}"
	if err == nil || err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
}

func TestRuntimeErrorPositions(t *testing.T) {
	tp, err := Parse("r.vtl", "ok\n  $list.get(9)")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("keep:")
	err = tp.Execute(&buf, fakeVars(), Limits{})
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Col != 9 || !strings.Contains(e.Msg, "IndexOutOfBoundsException") {
		t.Fatalf("got %#v", err)
	}
	if buf.String() != "keep:" {
		t.Fatalf("output not rolled back: %q", buf.String())
	}

	tp, _ = Parse("h.vtl", "$input.fail()")
	err = tp.Execute(&buf, fakeVars(), Limits{})
	if !errors.As(err, &e) || e.Err == nil || e.Err.Error() != "boom" {
		t.Fatalf("host error not wrapped: %#v", err)
	}
}

func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 20000)
	cases := []struct {
		name string
		src  string
		lim  Limits
		want string // output when no error is expected
	}{
		{"1000 iterations ok", "#foreach($i in [1..1000])#end#foreach($i in [1..1000])#end done", Limits{}, " done"},
		{"1001 iterations", "#foreach($i in [1..1001])#end", Limits{}, ""},
		{"custom iterations", "#foreach($i in [1..4])#end", Limits{MaxIterations: 3}, ""},
		{"macro recursion", "#macro(r $n)#r($n)#end#r(1)", Limits{}, ""},
		{"define recursion bounded by depth", "#define($a)$b#end#define($b)$a#end$a", Limits{MaxDepth: 3}, ""},
		{"evaluate recursion", "#set($s = '#evaluate($s)')#evaluate($s)", Limits{}, ""},
		{"huge output", "#foreach($i in [1..1000])$big#end", Limits{}, ""},
		{"small output limit", "0123456789", Limits{MaxOutput: 5}, ""},
		{"string doubling", "#set($s = 'x')#foreach($i in [1..64])#set($s = \"$s$s\")#end", Limits{}, ""},
		{"concat doubling", "#set($s = 'x')#foreach($i in [1..64])#set($s = $s + $s)#end", Limits{}, ""},
		{"list doubling", "#set($l = [1])#foreach($i in [1..64])#set($d = $l.addAll($l))#end", Limits{}, ""},
		{"replace blowup", "#set($s = $big.replace('x', $big))", Limits{}, ""},
		{"replaceAll blowup", "#set($s = $big.replaceAll('x', $big))", Limits{}, ""},
		{"nested loops exceed steps", "#foreach($i in [1..1000])#foreach($j in [1..1000])#end#end", Limits{}, ""},
		{"huge range", "#set($r = [1..2000000000])", Limits{}, ""},
		{"huge range in foreach", "#foreach($i in [-2147483648..2147483647])#end", Limits{}, ""},
		{"steps", "#foreach($i in [1..100])$i#end", Limits{MaxSteps: 50}, ""},
		{"unlimited", "#foreach($i in [1..1500])#end!", Limits{MaxIterations: -1}, "!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := Parse(c.name, c.src)
			if err != nil {
				t.Fatal(err)
			}
			vars := fakeVars()
			vars["big"] = big
			start := time.Now()
			out, err := tp.Render(vars, c.lim)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if c.want != "" {
				if err != nil || out != c.want {
					t.Fatalf("got %q, %v; want %q", out, err, c.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrLimit) {
				t.Fatalf("want a limit error, got %q, %v", out, err)
			}
		})
	}
}

func TestLimitDefaults(t *testing.T) {
	l := Limits{}.resolve()
	if l.MaxDepth != DefaultMaxDepth || l.MaxIterations != 1000 || l.MaxOutput != 10<<20 || l.MaxSteps != DefaultMaxSteps {
		t.Fatalf("defaults: %+v", l)
	}
}

// TestConcurrentExecute shares one parsed template (and one vars map)
// between goroutines; run with -race.
func TestConcurrentExecute(t *testing.T) {
	src := "#set($l = $list)#set($d = $l.add('x'))$l #foreach($k in $m.keySet())$k#end $input.params().header.get('Host') $velocityCount"
	tp, err := Parse("c", src)
	if err != nil {
		t.Fatal(err)
	}
	vars := fakeVars()
	want := "[a, b, c, x] kx api.example.com $velocityCount"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				out, err := tp.Render(vars, Limits{})
				if err != nil || out != want {
					t.Errorf("got %q, %v", out, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if l := vars["list"].([]any); len(l) != 3 {
		t.Fatalf("caller's list modified: %v", l)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExecuteWriter(t *testing.T) {
	tp, _ := Parse("w", "hi $name")
	var sb strings.Builder
	if err := tp.Execute(&sb, fakeVars(), Limits{}); err != nil || sb.String() != "hi bob" {
		t.Fatalf("got %q, %v", sb.String(), err)
	}
	if err := tp.Execute(failWriter{}, fakeVars(), Limits{}); err == nil || err.Error() != "disk full" {
		t.Fatalf("writer error not returned: %v", err)
	}
}

func TestParseNestingBounded(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("#if(true)", 5000),
		"#set($a = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + ")",
		"#set($a = " + strings.Repeat("!", 5000) + "true)",
		"#set($a = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + ")",
		`#set($a = "` + strings.Repeat(`#if(true)`, 5000) + `")`,
	} {
		_, err := Parse("deep", src)
		if err == nil || !strings.Contains(err.Error(), "nesting deeper than") {
			t.Fatalf("got %v", err)
		}
	}
}

func TestRegexDifferences(t *testing.T) {
	runCases(t, []execCase{
		{"empty match after match (Go semantics)", "#set($s = 'baaac')$s.replaceAll('a*', '-')", "-b-c-", ""},
		{"R linebreak", "#set($s = \"a\nb\")$s.replaceAll('\\R', '|')", "a|b", ""},
		{"quoted", "#set($s = 'a.b')$s.replaceAll('\\Q.\\E', '!')", "a!b", ""},
		{"split limit", "#set($s = 'a:b:c')$s.split(':', 2).size()", "2", ""},
		{"back reference unsupported", "$name.replaceAll('(b)\\1', 'x')", "", "back reference"},
		{"bad pattern", "$name.replaceAll('(', 'x')", "", "PatternSyntaxException"},
	})
}
