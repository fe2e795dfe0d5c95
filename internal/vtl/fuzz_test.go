package vtl

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that parsing never panics, that every error is an
// *Error with a position inside the input, and that a parsed template
// prints back to source that parses to the same tree.
func FuzzParse(f *testing.F) {
	f.Add("#set($a = 1)$a")
	f.Add("#foreach($x in [1..3])$x#if($foreach.hasNext),#end#end")
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse("fuzz", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T", err, err)
			}
			if e.Line < 1 || e.Col < 1 {
				t.Fatalf("bad position %d:%d", e.Line, e.Col)
			}
			return
		}
		s1 := tp.String()
		tp2, err := Parse("fuzz", s1)
		if err != nil {
			t.Fatalf("printed template does not parse: %v\nsource: %q\nprinted: %q", err, src, s1)
		}
		if s2 := tp2.String(); s2 != s1 {
			t.Fatalf("print not stable: %q -> %q", s1, s2)
		}
		if !equalTrees(reflect.ValueOf(tp.root), reflect.ValueOf(tp2.root)) {
			t.Fatalf("trees differ\nsource: %q\nprinted: %q", src, s1)
		}
	})
}

// FuzzExecute checks that executing any template that parses never
// panics and never runs away: errors are *Error and limits hold.
func FuzzExecute(f *testing.F) {
	f.Add("#set($a = $input.params().header)#foreach($k in $a.keySet())$k=$a.get($k)#end")
	f.Add("#macro(m $x)$x#m($x)#end#m(1)")
	f.Add("#set($x = $json.add($json))$json $json[2] #foreach($e in $json)$e#end")
	lim := Limits{MaxSteps: 20000, MaxOutput: 1 << 16, MaxIterations: 200, MaxDepth: 10}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse("fuzz", src)
		if err != nil {
			return
		}
		out, err := tp.Render(fakeVars(), lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T", err, err)
			}
			return
		}
		if len(out) > lim.MaxOutput {
			t.Fatalf("output of %d bytes exceeds the limit", len(out))
		}
	})
}
