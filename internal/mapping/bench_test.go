package mapping

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// BenchmarkRenderHeaders renders seed 000's header-forwarding template
// (testdata/headers.vtl) through $input, $util and $context, building the
// request's Input, TemplateContext and vars each iteration as the gateway
// does per request.
func BenchmarkRenderHeaders(b *testing.B) {
	src, err := os.ReadFile("testdata/headers.vtl")
	if err != nil {
		b.Fatal(err)
	}
	tp, err := vtl.Parse("headers", string(src))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{20} {
		b.Run(fmt.Sprintf("headers=%d", n), func(b *testing.B) {
			headers := make([]Param, n)
			for i := range headers {
				headers[i] = Param{fmt.Sprintf("X-Header-%02d", i), fmt.Sprintf("value-%d", i)}
			}
			src := mapSource{"identity.caller": "AIDAEXAMPLE", "authorizer.principalId": "me"}
			stage := vtl.NewMap(0)
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				vars := Vars(NewInput(InputData{Header: headers}), NewTemplateContext(src), stage)
				if err := tp.Execute(&buf, vars, vtl.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
		// The same render with the request's objects built once: what the
		// template costs once $input.params() exists.
		b.Run(fmt.Sprintf("headers=%d/reused", n), func(b *testing.B) {
			headers := make([]Param, n)
			for i := range headers {
				headers[i] = Param{fmt.Sprintf("X-Header-%02d", i), fmt.Sprintf("value-%d", i)}
			}
			vars := Vars(NewInput(InputData{Header: headers}),
				NewTemplateContext(mapSource{"identity.caller": "AIDAEXAMPLE", "authorizer.principalId": "me"}), nil)
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := tp.Execute(&buf, vars, vtl.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
