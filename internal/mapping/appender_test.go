package mapping

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/testutil/tplcase"
	"github.com/gatehouse/gatehouse/internal/vtl"
)

// plainObject hides a host object's vtl.Appender, and that of every
// object it returns: the engine then prints through Property and Call.
type plainObject struct{ o vtl.Object }

func hideAppender(v any) any {
	if o, ok := v.(vtl.Object); ok {
		return plainObject{o}
	}
	return v
}

func (p plainObject) Property(name string) (any, bool) {
	v, ok := p.o.Property(name)
	return hideAppender(v), ok
}

func (p plainObject) Call(method string, args []any) (any, error) {
	v, err := p.o.Call(method, args)
	return hideAppender(v), err
}

func (p plainObject) String() string { return fmt.Sprint(p.o) }

// TestAppendersRenderAsCall renders every conformance case three ways:
// as TestConformance does (hosts printing through vtl.Appender), with
// the Appenders hidden, and through one Scope reused for all cases. The
// outputs must be the same byte for byte.
func TestAppendersRenderAsCall(t *testing.T) {
	cases, err := tplcase.Load(filepath.Join("testdata", "conformance"))
	if err != nil {
		t.Fatal(err)
	}
	var scope Scope
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want, err := renderCase(c)
			if err != nil {
				t.Fatal(err)
			}
			in, err := c.DecodeInput()
			if err != nil {
				t.Fatal(err)
			}
			tp, err := vtl.Parse("case", c.Template)
			if err != nil {
				return // renderCase reported it
			}
			data := InputData{Path: pairs(in.Path), Query: pairs(in.Query), Header: pairs(in.Headers), Body: in.Payload()}
			render := func(vars map[string]any, ctx *TemplateContext) string {
				var buf bytes.Buffer
				if err := tp.Execute(&buf, vars, vtl.Limits{}); err != nil {
					return "ERROR: " + err.Error() + "\n"
				}
				if in.Overrides {
					buf.WriteString(tplcase.OverridesMarker)
					writeOverrides(&buf, ctx)
				}
				return buf.String()
			}

			ctx := NewTemplateContext(mapSource(in.Context))
			vars := Vars(NewInput(data), ctx, StageVariables(in.StageVariables))
			for k, v := range vars {
				vars[k] = hideAppender(v)
			}
			if got := render(vars, ctx); got != want {
				t.Errorf("without Appenders:\n%s\nwith:\n%s", got, want)
			}

			var stage *vtl.Map
			if tp.References("stageVariables") {
				stage = StageVariables(in.StageVariables)
			}
			vars = scope.Reset(data, mapSource(in.Context), stage)
			if got := render(vars, scope.Context()); got != want {
				t.Errorf("through a reused Scope:\n%s\nwith fresh variables:\n%s", got, want)
			}
		})
	}
}

// TestNeedsJSEscape checks the escape test against EscapeJavaScript for
// every byte and a few runes.
func TestNeedsJSEscape(t *testing.T) {
	var probes []string
	for b := 0; b < 256; b++ {
		probes = append(probes, string([]byte{'a', byte(b), 'z'}))
	}
	for _, r := range []rune{0x7F, 0x80, 0xE9, 0x2028, 0xFFFD, 0x1F600} {
		probes = append(probes, "x"+string(r))
	}
	for _, s := range probes {
		if got, want := needsJSEscape(s), EscapeJavaScript(s) != s; got != want {
			t.Errorf("needsJSEscape(%q) = %v; EscapeJavaScript changes it: %v", s, got, want)
		}
		if !utf8.ValidString(s) {
			continue
		}
		out, ok := Util{}.AppendCall([]byte("head:"), "escapeJavaScript", []any{s})
		if !ok || string(out) != "head:"+EscapeJavaScript(s) {
			t.Errorf("AppendCall(escapeJavaScript, %q) = %q, %v", s, out, ok)
		}
	}
}

// TestJSONPathWalk compares the walk of simple paths with the general
// evaluation.
func TestJSONPathWalk(t *testing.T) {
	doc, err := parseJSON(`{"a":{"b":[10,{"c":"x"},null],"n":null},"k":"v","arr":[[1,2],[3]]}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		"$", "$.a", "$.a.b", "$.a.b[0]", "$.a.b[1].c", "$.a.b[-1]", "$.a.b[-3]", "$.a.b[3]", "$.a.b[-4]",
		"$.a.n", "$.a.n.x", "$.k", "$.k.x", "$.k[0]", "$['a']['b'][1]", "$.arr[0][1]", "$.missing", "$.a.b.c", "k",
	} {
		p, err := CompileJSONPath(expr)
		if err != nil {
			t.Fatal(err)
		}
		if !p.simple {
			t.Errorf("%s: not simple", expr)
			continue
		}
		v, ok, err := p.eval(doc, doc)
		general := *p
		general.simple = false
		gv, gok, gerr := general.eval(doc, doc)
		got, _ := appendJSON(nil, v, MaxJSONOutput)
		want, _ := appendJSON(nil, gv, MaxJSONOutput)
		if string(got) != string(want) || ok != gok || err != gerr {
			t.Errorf("%s: walk %s, %v, %v; general %s, %v, %v", expr, got, ok, err, want, gok, gerr)
		}
	}
	for _, expr := range []string{"$..a", "$.a.*", "$.a.b[0,1]", "$.a.b[0:1]", "$['a','k']", "$.a.b[?(@.c)]"} {
		if p, err := CompileJSONPath(expr); err != nil || p.simple {
			t.Errorf("%s: simple %v, %v", expr, p != nil && p.simple, err)
		}
	}
}
