package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// forwardBody is the JSON payload of BenchmarkRenderForward's request.
const forwardBody = `{"order":{"id":"A-1001","items":[{"sku":"X-1","qty":2},{"sku":"Y-7","qty":1}],"note":"leave at the door"},"express":true}`

// forwardSource is the $context of BenchmarkRenderForward's request: an
// IAM-signed caller, as in seed 000.
func forwardSource() mapSource {
	return mapSource{
		"httpMethod":             "POST",
		"resourcePath":           "/orders",
		"identity.sourceIp":      "203.0.113.7",
		"identity.userAgent":     "aws-sdk-go-v2/1.30.0",
		"identity.caller":        "AIDAEXAMPLEEXAMPLE01",
		"identity.user":          "AIDAEXAMPLEEXAMPLE01",
		"identity.userArn":       "arn:aws:iam::123456789012:user/bench",
		"identity.accountId":     "123456789012",
		"authorizer.principalId": "me",
	}
}

// BenchmarkRenderForward renders seed 000's header-forwarding template in
// full (testdata/forward.vtl: every header through $util.escapeJavaScript
// with $foreach.hasNext, $context.identity.*, and the body through
// $input.json('$')) for a request with n headers. $input, $context and the
// vars are built each iteration, as the gateway does per request. Target
// (issue "Mapping templates"): ≤ 10 µs and ≤ 50 allocations with 20
// headers.
func BenchmarkRenderForward(b *testing.B) {
	src, err := os.ReadFile("testdata/forward.vtl")
	if err != nil {
		b.Fatal(err)
	}
	tp, err := vtl.Parse("forward", string(src))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{20} {
		b.Run(fmt.Sprintf("headers=%d", n), func(b *testing.B) {
			headers := make([]Param, n)
			for i := range headers {
				headers[i] = Param{fmt.Sprintf("X-Header-%02d", i), fmt.Sprintf("value-%d", i)}
			}
			body := []byte(forwardBody)
			ctxSrc := forwardSource()
			stage := vtl.NewMap(0)
			var buf bytes.Buffer
			render := func() {
				buf.Reset()
				vars := Vars(NewInput(InputData{Body: body, Header: headers}), NewTemplateContext(ctxSrc), stage)
				if err := tp.Execute(&buf, vars, vtl.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
			render()
			if !json.Valid(buf.Bytes()) {
				b.Fatalf("output is not JSON:\n%s", buf.Bytes())
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				render()
			}
		})
	}
}

// TestRenderForward pins BenchmarkRenderForward's output, so that a faster
// engine is not a wrong one.
func TestRenderForward(t *testing.T) {
	src, err := os.ReadFile("testdata/forward.vtl")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := vtl.Parse("forward", string(src))
	if err != nil {
		t.Fatal(err)
	}
	headers := []Param{{"Accept", "application/json"}, {"X-Quote", `say "hi"/'bye'`}, {"X-Empty", ""}}
	out, err := tp.Render(Vars(NewInput(InputData{Body: []byte(forwardBody), Header: headers}), NewTemplateContext(forwardSource()), nil), vtl.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{
  "method": "POST",
  "resourcePath": "/orders",
  "headers": {
    "Accept": "application\/json",
    "X-Quote": "say \"hi\"\/\'bye\'",
    "X-Empty": ""
  },
  "identity": {
    "sourceIp": "203.0.113.7",
    "userAgent": "aws-sdk-go-v2/1.30.0",
    "caller": "AIDAEXAMPLEEXAMPLE01",
    "user": "AIDAEXAMPLEEXAMPLE01",
    "userArn": "arn:aws:iam::123456789012:user/bench",
    "accountId": "123456789012"
  },
  "principal": "me",
  "body": {"order":{"id":"A-1001","items":[{"sku":"X-1","qty":2},{"sku":"Y-7","qty":1}],"note":"leave at the door"},"express":true}
}
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}
