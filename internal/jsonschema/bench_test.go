package jsonschema

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkValidate parses and validates a body of n pets against a model
// with a $ref, an enum, numbers and a pattern: the per-request work of a
// body validator.
func BenchmarkValidate(b *testing.B) {
	c := NewCompiler()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(c.Add("Pets", "bench", []byte(`{"type":"array","items":{"$ref":"#/definitions/Pet"}}`)))
	must(c.Add("Pet", "bench", []byte(`{"type":"object","required":["type","price"],"additionalProperties":false,
		"properties":{"type":{"enum":["dog","cat","fish"]},"price":{"type":"number","minimum":0,"multipleOf":0.01},
		"name":{"type":"string","pattern":"^[A-Za-z ]+$","maxLength":64}}}`)))
	must(c.Compile())
	s := c.Schema("Pets")
	for _, n := range []int{1, 100, 10000} {
		pet := `{"type":"cat","price":12.5,"name":"Tom the cat"}`
		body := []byte("[" + strings.TrimSuffix(strings.Repeat(pet+",", n), ",") + "]")
		b.Run(fmt.Sprintf("pets=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				doc, err := Parse(body)
				if err != nil {
					b.Fatal(err)
				}
				if msgs := s.Validate(doc.Root()); len(msgs) > 0 {
					b.Fatal(msgs)
				}
			}
		})
	}
}
