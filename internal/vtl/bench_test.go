package vtl

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// BenchmarkRender renders seed 000's header-forwarding template
// (testdata/headers.vtl) with a request carrying n headers.
func BenchmarkRender(b *testing.B) {
	src, err := os.ReadFile("testdata/headers.vtl")
	if err != nil {
		b.Fatal(err)
	}
	tp, err := Parse("headers", string(src))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{20} {
		b.Run(fmt.Sprintf("headers=%d", n), func(b *testing.B) {
			headers := NewMap(n)
			for i := range n {
				headers.Set(fmt.Sprintf("X-Header-%02d", i), fmt.Sprintf("value-%d", i))
			}
			vars := fakeVars()
			vars["input"] = &fakeInput{params: newMap("path", NewMap(0), "querystring", NewMap(0), "header", headers)}
			var buf bytes.Buffer
			if err := tp.Execute(&buf, vars, Limits{}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := tp.Execute(&buf, vars, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse parses the AWS passthrough template.
func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/passthrough.vtl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("passthrough", string(src)); err != nil {
			b.Fatal(err)
		}
	}
}
