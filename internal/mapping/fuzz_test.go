package mapping

import (
	"errors"
	"fmt"
	"testing"
)

// FuzzJSONPath compiles and evaluates arbitrary paths over a few
// documents: it must never panic, every compile error is a *PathError, and
// evaluation errors are this package's own.
func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{
		"$", "$.a.b", "$['a b']", "$.a[0]", "$.a[*]", "$.a[-1:]", "$..name",
		"$.a[?(@.price < 10)]", "$..book[?(@.isbn)]", "$['a','b']", "a.b",
		"$..*", "$..[0]", "$.a[?(@.x == 'y' && (@.z || !@.w))]", "$.a[?(@.s =~ /x.*/i)]",
	} {
		f.Add(s, `{"a":[{"price":5,"name":"x","s":"xy"},{"price":15,"isbn":"1"}],"b":{"name":"n"}}`)
	}
	f.Add("$.a", `not json`)
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := CompileJSONPath(path)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("compile %q: %T %v", path, err, err)
			}
			return
		}
		in := NewInput(InputData{Body: []byte(doc)})
		if _, err := in.JSON(path); err != nil && !errors.Is(err, ErrResultTooLarge) {
			t.Fatalf("json %q: %v", path, err)
		}
		v, err := in.Path(path)
		if err != nil && !errors.Is(err, ErrResultTooLarge) {
			t.Fatalf("path %q: %v", path, err)
		}
		if s, ok := v.(fmt.Stringer); ok {
			_ = s.String() // a template printing the result: JSON arrays, Java maps
		}
		_ = p.String()
	})
}
