package jsonschema

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// FuzzParse: a document Parse accepts is JSON, and printing it gives JSON
// that parses to the same print; a refusal is a *SyntaxError.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9"],"b":{"c":null}}`, `[true,false,-0]`, `"\ud83d\ude00"`, `{"k":1,"k":2}`, `1e999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		out := doc.Root().String()
		again, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("printed %q does not parse: %v", out, err)
		}
		if again.Root().String() != out {
			t.Fatalf("print is not stable: %q then %q", out, again.Root().String())
		}
	})
}

// FuzzValidate compiles a schema and validates an instance with it: no
// panic, no endless loop, the same answer twice, and messages that format
// into a bracketed list.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"type":"object","required":["a"],"properties":{"a":{"type":"integer","minimum":1}}}`), []byte(`{"a":0}`))
	f.Add([]byte(`{"anyOf":[{"type":"string","pattern":"^a\\s"},{"enum":[1,2.0,null]}]}`), []byte(`2`))
	f.Add([]byte(`{"items":[{"format":"date-time"}],"additionalItems":false,"uniqueItems":true}`), []byte(`["2024-01-01T00:00:00Z",1]`))
	f.Add([]byte(`{"properties":{"t":{"$ref":"#"}},"additionalProperties":{"multipleOf":0.5},"dependencies":{"x":["y"],"z":{"not":{}}}}`), []byte(`{"t":{"t":{}},"x":1,"q":1.25}`))
	f.Add([]byte(`{"oneOf":[{"$ref":"#/definitions/a"},{"type":"null"}],"definitions":{"a":{"maxLength":2,"format":"email"}}}`), []byte(`"a@b"`))
	f.Fuzz(func(t *testing.T, schema, instance []byte) {
		c := NewCompiler()
		if err := c.Add("M", "fuzz", schema); err != nil {
			return
		}
		if err := c.Compile(); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("compile error %T %v is not an *Error", err, err)
			}
			return
		}
		doc, err := Parse(instance)
		if err != nil {
			return
		}
		s := c.Schema("M")
		first := s.Validate(doc.Root())
		second := s.Validate(doc.Root())
		if strings.Join(first, "\x00") != strings.Join(second, "\x00") {
			t.Fatalf("not deterministic: %q then %q", first, second)
		}
		for _, m := range first {
			if m == "" {
				t.Fatal("empty message")
			}
		}
		if es := ErrorString(first); !strings.HasPrefix(es, "[") || !strings.HasSuffix(es, "]") {
			t.Fatalf("ErrorString = %q", es)
		}
	})
}

// FuzzCompileECMA: any pattern compiles or is refused with an error,
// never a panic; a pattern of letters and digits matches itself.
func FuzzCompileECMA(f *testing.F) {
	for _, s := range []string{`^[A-Z]{3}-\d+$`, `\s\S[\s]`, `(?:a|b)*?\u00e9\cJ[^]`, `(?=x)`, `[\b\B]\0\/\é`, `abc123`} {
		f.Add(s)
	}
	literal := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	f.Fuzz(func(t *testing.T, pattern string) {
		re, err := compileECMA(pattern)
		if err != nil {
			return
		}
		if literal.MatchString(pattern) && !re.MatchString(pattern) {
			t.Fatalf("%q does not match itself", pattern)
		}
	})
}
