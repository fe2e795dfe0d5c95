package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

// benchTemplatesDefinition is bench's templates scenario
// (bench/cmd/benchrun/scenario_templates.go): a non-proxy http integration
// whose request template is seed 000's header forwarding ({{forward}},
// internal/mapping/testdata/forward.vtl) and whose response template
// reshapes the backend's JSON.
const benchTemplatesDefinition = `
openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /hello:
    post:
      responses:
        "200": {description: 200 response}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/hello
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: |
{{forward}}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                #set($b = $input.path('$'))
                {"greeting":$input.json('$.message'),"path":$input.json('$.path'),"size":$b.padding.length(),"requestId":"$context.requestId"}
`

const benchTemplatesConfig = `
apis:
  - name: bench
    protocol: REST
    definition: bench.yaml
    stages:
      prod:
        variables: {backend: "{{backend}}"}
`

// benchTemplatesBody is the templates scenario's request body.
const benchTemplatesBody = `{"order":{"id":"A-1001","items":[{"sku":"X-1","qty":2},{"sku":"Y-7","qty":1}],"note":"leave at the door"},"express":true}`

// BenchmarkServeTemplates measures one request of bench's templates
// scenario through the gateway: seed 000's request template, the
// backend's POST over loopback (an in-process server answering as
// bench/backend does), the reshaping response template and the access
// log. The client side is in-process (a recorder), so allocs/op are the
// gateway's plus the backend's and the transport's.
func BenchmarkServeTemplates(b *testing.B) {
	const (
		prefix = `{"message":"hello from the gatehouse bench backend","path":"`
		suffix = `","padding":"xxxxxxxxxxxxxxxxxxx"}`
	)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		path := r.URL.EscapedPath()
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(prefix) + len(path) + len(suffix))}
		_, _ = io.WriteString(w, prefix)
		_, _ = io.WriteString(w, path)
		_, _ = io.WriteString(w, suffix)
	}))
	defer backend.Close()
	forward, err := os.ReadFile("../mapping/testdata/forward.vtl")
	if err != nil {
		b.Fatal(err)
	}
	var indented strings.Builder
	for l := range strings.Lines(string(forward)) {
		if l != "\n" {
			indented.WriteString("            ")
		}
		indented.WriteString(l)
	}
	dir := b.TempDir()
	files := map[string]string{
		"gatehouse.yaml": strings.ReplaceAll(benchTemplatesConfig, "{{backend}}", backend.Listener.Addr().String()),
		"bench.yaml":     strings.Replace(benchTemplatesDefinition, "{{forward}}\n", indented.String(), 1),
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
	gw, err := gateway.New(plan, gateway.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()

	body := strings.NewReader(benchTemplatesBody)
	req := httptest.NewRequest(http.MethodPost, "http://gatehouse/prod/hello", body)
	for k, v := range map[string]string{
		"User-Agent":        "bench",
		"Content-Type":      "application/json",
		"Accept":            "application/json",
		"Accept-Language":   "en-US,en;q=0.9",
		"X-Request-Id":      "5d7c6a3e-7d3f-4a55-9a53-0c3c2f6f1e42",
		"X-Client-Version":  "bench/1.4.2",
		"X-Tenant-Id":       "tenant-0042",
		"X-Forwarded-Proto": "https",
		"Cache-Control":     "no-cache",
	} {
		req.Header.Set(k, v)
	}
	w := &reusedWriter{h: http.Header{}}
	serve := func() {
		body.Reset(benchTemplatesBody)
		clear(w.h)
		w.body.Reset()
		w.code = 0
		gw.ServeHTTP(w, req)
		if w.code != 200 || !bytes.Contains(w.body.Bytes(), []byte(`"path":"/hello"`)) {
			b.Fatalf("status %d: %s", w.code, w.body.Bytes())
		}
	}
	serve()
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}

// reusedWriter is a ResponseWriter that a benchmark resets between
// requests, so that its own allocations are not counted.
type reusedWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *reusedWriter) Header() http.Header { return w.h }

func (w *reusedWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *reusedWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(p)
}
