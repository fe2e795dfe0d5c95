package mapping

import (
	"errors"
	"strings"
	"testing"
)

const goessnerStore = `{"store":{"book":[
{"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
{"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
{"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},
{"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99}],
"bicycle":{"color":"red","price":19.95}}}`

// TestJSONPathGoessner checks the example paths of
// https://goessner.net/articles/JsonPath/ against the results the article
// lists, serialized as $input.json does.
func TestJSONPathGoessner(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store..price", `[8.95,12.99,8.99,22.99,19.95]`},
		{"$..book[2].title", `["Moby Dick"]`},
		{"$..book[-1:].title", `["The Lord of the Rings"]`},
		{"$..book[0,1].title", `["Sayings of the Century","Sword of Honour"]`},
		{"$..book[:2].title", `["Sayings of the Century","Sword of Honour"]`},
		{"$..book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"$..book[?(@.price<10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"$.store.bicycle", `{"color":"red","price":19.95}`},
		{"$['store']['bicycle']['color']", `"red"`},
		{`$["store"].bicycle.price`, `19.95`},
		{"$.store.book[1].author", `"Evelyn Waugh"`},
		{"$.store.book[-1].price", `22.99`},
		{"$.store.book[9]", `""`},
		{"$.store.nothing", `""`},
		{"$.store.book[*].nothing", `[]`},
		{"$..book[?(@.price >= 22.99 || @.category == 'reference')].price", `[8.95,22.99]`},
		{"$..book[?(!(@.price < 10))].price", `[12.99,22.99]`},
		{"$..book[?(@.price > $.store.bicycle.price)].price", `[22.99]`},
		{"$..book[1:3].price", `[12.99,8.99]`},
		{"$..book[-2:].price", `[8.99,22.99]`},
		{"$", strings.Join(strings.Fields(strings.ReplaceAll(goessnerStore, "\n", "")), " ")},
	} {
		in := NewInput(InputData{Body: []byte(goessnerStore)})
		got, err := in.JSON(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		want := tc.want
		if tc.path == "$" {
			want = strings.ReplaceAll(goessnerStore, "\n", "")
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.path, got, want)
		}
	}
}

func TestJSONPathDefinite(t *testing.T) {
	for path, want := range map[string]bool{
		"$": true, "$.a.b": true, "$['a b']": true, "$.a[0]": true, "a.b": true,
		"$.a[*]": false, "$..a": false, "$.a[0,1]": false, "$.a[1:]": false,
		"$.a[?(@.x)]": false, "$['a','b']": true, "$['a','b'].c": false,
	} {
		p, err := CompileJSONPath(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if p.Definite() != want {
			t.Errorf("%s: Definite() = %v, want %v", path, p.Definite(), want)
		}
	}
}

func TestJSONPathErrors(t *testing.T) {
	for _, path := range []string{
		"", "$.", "$..", "$[", "$['a'", "$[abc]", "$.a[1:2:3]", "$.a[?(@.x <)]",
		"$.a[?(@.x", "$.a.length()", "$x", "$.a[?(@.b =~ /[/)]", "$[?(1)]",
		strings.Repeat("[0]", MaxPathLen),
	} {
		_, err := CompileJSONPath(path)
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want *PathError", path, err)
		}
	}
}

func TestJSONLimits(t *testing.T) {
	deep := strings.Repeat("[", MaxJSONDepth+2) + strings.Repeat("]", MaxJSONDepth+2)
	if _, err := ParseJSON(deep); err == nil {
		t.Error("deep JSON accepted")
	}
	big := make([]byte, MaxBody+1)
	in := NewInput(InputData{Body: big})
	if _, err := in.JSON("$"); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("large body: err = %v", err)
	}
}

// TestPathFreshValues: a template that changes what $input.path returned
// does not change later results.
func TestPathFreshValues(t *testing.T) {
	in := NewInput(InputData{Body: []byte(`{"a":{"b":1}}`)})
	v, err := in.Path("$.a")
	if err != nil {
		t.Fatal(err)
	}
	m := v.(interface{ Set(string, any) })
	m.Set("b", "changed")
	if got, _ := in.JSON("$"); got != `{"a":{"b":1}}` {
		t.Errorf("after mutation: %s", got)
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 0.001: "0.001", 0.0001: "1.0E-4", 1e7: "1.0E7",
		9999999: "9999999.0", 1.25e-10: "1.25E-10", -2.5e300: "-2.5E300", 0: "0.0",
	} {
		if got := string(appendJavaDouble(nil, f)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}
