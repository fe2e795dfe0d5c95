package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/lambda"
)

// benchAuthorizerAPI is the authorizer_cached scenario's API (bench/cmd/
// benchrun/scenario_auth.go): a {proxy+} http_proxy route behind a Lambda
// authorizer with a 300 s result TTL. {{auth}} is the security
// requirement, {{type}} and {{source}} the authorizer's.
const benchAuthorizerAPI = `openapi: 3.0.1
info: {title: bench, version: "1"}
components:
  securitySchemes:
    bench-auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: {{type}}
        identitySource: {{source}}
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:benchauth/invocations
        authorizerResultTtlInSeconds: 300
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
{{auth}}
      parameters:
        - {name: proxy, in: path, required: true, schema: {type: string}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://{{backend}}/{proxy}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
        passthroughBehavior: when_no_match
`

// benchAllow is bench/lambdafn's authorizer answer.
const benchAllow = `{"principalId":"bench-user","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:aws:execute-api:us-east-1:123456789012:benchapi01/prod/*"]}]},"context":{"beta":true,"quota":1000,"tier":"gold"}}`

type countingInvoker struct{ calls atomic.Int64 }

func (c *countingInvoker) Invoke(_ context.Context, _ string, _ []byte) ([]byte, *lambda.FunctionError, error) {
	c.calls.Add(1)
	return []byte(benchAllow), nil, nil
}

// BenchmarkServeHTTPAuthorizer measures one request through the
// authorizer_cached route in-process with every authorization a cache hit
// (auth=none is the same route without an authorizer, the reference).
func BenchmarkServeHTTPAuthorizer(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer backend.Close()
	for _, tc := range []struct{ name, auth, typ, source string }{
		{"auth=none", "", "token", "method.request.header.Authorization"},
		{"auth=TOKEN", "      security: [{bench-auth: []}]", "token", "method.request.header.Authorization"},
		{"auth=REQUEST", "      security: [{bench-auth: []}]", "request", "method.request.header.Authorization"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			api := strings.NewReplacer("{{auth}}", tc.auth, "{{type}}", tc.typ, "{{source}}", tc.source,
				"{{backend}}", backend.Listener.Addr().String()).Replace(benchAuthorizerAPI)
			files := map[string]string{
				"gatehouse.yaml": "apis:\n  - {name: bench, id: benchapi01, protocol: REST, definition: api.yaml, stages: {prod: {}}}\n" +
					"functions:\n  - {name: benchauth, runtime: provided.al2023, handler: bootstrap, code: .}\n",
				"api.yaml": api,
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
			if err != nil {
				b.Fatal(err)
			}
			sinks := gateway.NewLogSinks(io.Discard)
			defer sinks.Close()
			plan, err := gateway.NewPlan(cfg, sinks)
			if err != nil {
				b.Fatal(err)
			}
			inv := &countingInvoker{}
			gw, err := gateway.New(plan, gateway.Options{Functions: inv})
			if err != nil {
				b.Fatal(err)
			}
			defer gw.Close()
			req := httptest.NewRequest(http.MethodGet, "http://gatehouse/prod/hello", nil)
			req.Header.Set("User-Agent", "bench")
			req.Header.Set("Authorization", "Bearer allow-bench")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				gw.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			if tc.auth != "" && inv.calls.Load() != 1 {
				b.Fatalf("%d calls, want 1", inv.calls.Load())
			}
		})
	}
}
