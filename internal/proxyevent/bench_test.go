package proxyevent

import (
	"fmt"
	"testing"
)

func benchRequest() *Request {
	r := &Request{
		Method:         "POST",
		Resource:       "/pets/{petId}",
		RouteKey:       "POST /pets/{petId}",
		Path:           "/pets/42",
		PathParameters: []Param{{"petId", "42"}},
		RawQuery:       "a=1&b=2&a=3",
		Query:          []Param{{"a", "1"}, {"b", "2"}, {"a", "3"}},
		Body:           []byte(`{"name":"Rex","kind":"dog","tags":["good","boy"]}`),
		Stage:          "prod",
		StageVariables: []Param{{"backend", "127.0.0.1:9000"}},
		Context: RequestContext{
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ExtendedRequestID: "c6af9ac67b61=",
			AccountID: "123456789012", APIID: "a1b2c3d4e5", DomainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
			DomainPrefix: "a1b2c3d4e5", Protocol: "HTTP/1.1", RequestTime: "24/Nov/2026:23:27:53 +0000",
			RequestTimeEpoch: 1795562873000, SourceIP: "203.0.113.7", UserAgent: "curl/8.5.0", ResourceID: "abc123",
		},
	}
	for i := range 10 {
		r.Headers = append(r.Headers, Param{Name: fmt.Sprintf("X-Header-%d", i%8), Value: fmt.Sprintf("value-%d", i)})
	}
	return r
}

// BenchmarkEvent measures one event with 10 headers, appended to a reused
// buffer as the gateway does.
func BenchmarkEvent(b *testing.B) {
	r := benchRequest()
	for _, f := range []Format{REST, HTTP20} {
		name := "1.0"
		if f == HTTP20 {
			name = "2.0"
		}
		b.Run("format="+name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 4096)
			for b.Loop() {
				var err error
				buf, err = AppendEvent(buf[:0], f, r)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkParseResponse measures reading a typical 1.0 result.
func BenchmarkParseResponse(b *testing.B) {
	payload := []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request-Id":"abc"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"{\"ok\":true}","isBase64Encoded":false}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(REST, payload); err != nil {
			b.Fatal(err)
		}
	}
}
