package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

// echoed is what the echo backend saw.
type echoed struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Query   string      `json:"query"`
	Host    string      `json:"host"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

// echoBackend is a real HTTP backend that answers with what it received.
func echoBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", "echo")
		w.Header().Set("X-Backend", "echo")
		w.Header().Set("Connection", "X-Secret-Hop")
		w.Header().Set("X-Secret-Hop", "must not pass")
		_ = json.NewEncoder(w).Encode(echoed{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Host, r.Header, string(body)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// gatewayFor writes files (name → content, with {{backend}} replaced by
// the backend's host:port) into a temp dir, loads gatehouse.yaml and
// serves it on a loopback port. It returns the gateway's base URL and
// the access log sinks' output.
func gatewayFor(t *testing.T, backend string, files map[string]string) (string, *syncBuffer) {
	t.Helper()
	return gatewayIn(t, t.TempDir(), backend, files)
}

// gatewayIn is gatewayFor with the files in dir.
func gatewayIn(t *testing.T, dir, backend string, files map[string]string) (string, *syncBuffer) {
	t.Helper()
	for name, content := range files {
		content = strings.ReplaceAll(content, "{{backend}}", backend)
		content = strings.ReplaceAll(content, "{{dir}}", dir)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	sinks := gateway.NewLogSinks(logs)
	plan, err := gateway.NewPlan(cfg, sinks)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(plan, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		srv.Close()
		gw.Close()
		_ = sinks.Close()
	})
	logs.close = sinks.Close
	return srv.URL, logs
}

type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	close func() error
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String flushes the access logs and returns what they wrote.
func (b *syncBuffer) String() string {
	_ = b.close()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const petsConfig = `
apis:
  - name: pets
    id: petsapi001
    protocol: REST
    definition: pets.yaml
    stages:
      prod:
        variables: {backend: "{{backend}}", who: prod-stage}
      dev:
        variables: {backend: "127.0.0.1:1", who: dev-stage}
`

const petsDefinition = `
openapi: 3.0.1
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/backend/pets
        requestParameters:
          integration.request.header.x-caller: method.request.header.x-user
          integration.request.header.x-static: "'fixed value'"
          integration.request.header.x-request-id: context.requestId
          integration.request.header.x-stage-who: stageVariables.who
          integration.request.querystring.mapped: method.request.querystring.page
  /pets/{petId}:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/backend/pet/{id}
        requestParameters:
          integration.request.path.id: method.request.path.petId
  /slow:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/slow
        timeoutInMillis: 200
  /status:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://${stageVariables.backend}/status
        responses:
          "4\\d{2}":
            statusCode: "400"
            responseParameters:
              method.response.header.X-Reason: "'client error'"
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Upstream: integration.response.header.X-Backend
  /never:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/never
        passthroughBehavior: never
        responses:
          default: {statusCode: "200"}
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
`

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	return do(t, http.MethodGet, url, "", header...)
}

func do(t *testing.T, method, url, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
			continue
		}
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func decodeEcho(t *testing.T, body string) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("backend answer %q: %v", body, err)
	}
	return e
}

func TestHTTPProxyPassThrough(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})

	resp, body := do(t, http.MethodPost, base+"/prod/echo/a%20b/c?x=1&x=2&y=%2F", "hello body",
		"X-Custom", "v1", "X-Custom", "v2", "Connection", "X-Hop", "X-Hop", "drop me",
		"Keep-Alive", "timeout=5", "X-Forwarded-For", "203.0.113.7")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	e := decodeEcho(t, body)
	if e.Method != "POST" || e.Path != "/echo/a%20b/c" || e.Query != "x=1&x=2&y=%2F" || e.Body != "hello body" {
		t.Errorf("backend saw %+v", e)
	}
	if e.Host != be.Listener.Addr().String() {
		t.Errorf("Host = %q, want the backend's", e.Host)
	}
	if got := e.Headers.Values("X-Custom"); strings.Join(got, ",") != "v1,v2" {
		t.Errorf("X-Custom = %q", got)
	}
	for _, h := range []string{"X-Hop", "Keep-Alive", "Connection"} {
		if v := e.Headers.Get(h); v != "" {
			t.Errorf("hop-by-hop header %s = %q reached the backend", h, v)
		}
	}
	if got := e.Headers.Get("X-Forwarded-For"); got != "203.0.113.7, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", got)
	}
	if !strings.HasPrefix(e.Headers.Get("X-Amzn-Trace-Id"), "Root=1-") {
		t.Errorf("X-Amzn-Trace-Id = %q", e.Headers.Get("X-Amzn-Trace-Id"))
	}
	// Response: backend headers pass, hop-by-hop ones do not, and REST
	// remaps the reserved Server header.
	if resp.Header.Get("X-Backend") != "echo" || resp.Header.Get("X-Secret-Hop") != "" {
		t.Errorf("response headers %v", resp.Header)
	}
	if resp.Header.Get("Server") != "" || resp.Header.Get("X-Amzn-Remapped-Server") != "echo" {
		t.Errorf("Server = %q, x-amzn-Remapped-Server = %q", resp.Header.Get("Server"), resp.Header.Get("X-Amzn-Remapped-Server"))
	}
	if len(resp.Header.Get("X-Amzn-Requestid")) != 36 || resp.Header.Get("X-Amz-Apigw-Id") == "" {
		t.Errorf("request id headers: %v", resp.Header)
	}
}

func TestRequestParameterMappings(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})

	resp, body := get(t, base+"/prod/pets?page=3&page=4&other=x", "X-User", "alice")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	e := decodeEcho(t, body)
	if e.Path != "/backend/pets" {
		t.Errorf("path = %q", e.Path)
	}
	if e.Query != "mapped=4&other=x&page=3&page=4" {
		t.Errorf("query = %q", e.Query)
	}
	for h, want := range map[string]string{
		"X-Caller":     "alice",
		"X-Static":     "fixed value",
		"X-Request-Id": resp.Header.Get("X-Amzn-Requestid"),
		"X-Stage-Who":  "prod-stage",
	} {
		if got := e.Headers.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}

	_, body = get(t, base+"/prod/pets/7%2F8")
	if e := decodeEcho(t, body); e.Path != "/backend/pet/7%2F8" {
		t.Errorf("path parameter substitution: path = %q", e.Path)
	}
	_, body = get(t, base+"/prod/deep/er/path/")
	if e := decodeEcho(t, body); e.Path != "/deep/er/path/" {
		t.Errorf("{proxy} substitution: path = %q", e.Path)
	}
}

func TestStageVariablesSelectBackend(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	resp, _ := get(t, base+"/prod/pets")
	if resp.StatusCode != 200 {
		t.Errorf("prod: status %d", resp.StatusCode)
	}
	// dev's backend variable points at a closed port: AWS's 500.
	resp, body := get(t, base+"/dev/pets")
	if resp.StatusCode != 500 || body != `{"message": "Internal server error"}` || resp.Header.Get("X-Amzn-Errortype") != "InternalServerErrorException" {
		t.Errorf("dev: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestRESTErrors(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	for _, path := range []string{"/prod", "/prod/", "/nostage/pets", "/", "/prod/pets/1/../../admin", "/prod/a/%2e%2e/b", "/prod/a%00b", "/prod/./pets"} {
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base, nil)
			req.URL.Opaque = path // send the path as is, dots and all
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 403 || string(body) != `{"message":"Missing Authentication Token"}` {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
			if resp.Header.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" || resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Errorf("headers %v", resp.Header)
			}
			if resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	// A resource that exists without the method: also 403.
	resp, body := do(t, http.MethodDelete, base+"/prod/pets", "")
	if resp.StatusCode != 403 || body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("DELETE /pets: %d %s", resp.StatusCode, body)
	}
}

func TestIntegrationTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	base, logs := gatewayFor(t, slow.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	start := time.Now()
	resp, body := get(t, base+"/prod/slow")
	if resp.StatusCode != 504 || body != `{"message": "Endpoint request timed out"}` {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("timeout answered after %v, configured 200ms", elapsed)
	}
	if !strings.Contains(logs.String(), `"status":504`) {
		t.Errorf("access log lacks the 504: %s", logs.String())
	}
}

func TestNonProxyHTTPIntegration(t *testing.T) {
	status := 200
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "plain")
		w.Header().Set("X-Not-Mapped", "hidden")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"ua":%q,"caller":%q}`, r.UserAgent(), r.Header.Get("X-User"))
	}))
	defer be.Close()
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})

	resp, body := get(t, base+"/prod/status", "X-User", "alice")
	if resp.StatusCode != 200 || resp.Header.Get("X-Upstream") != "plain" || resp.Header.Get("X-Not-Mapped") != "" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
	// Non-proxy integrations pass no method headers unless mapped, and
	// call the backend as AmazonAPIGateway_<apiId>.
	if body != `{"ua":"AmazonAPIGateway_petsapi001","caller":""}` {
		t.Errorf("body %s", body)
	}
	status = 404
	resp, _ = get(t, base+"/prod/status")
	if resp.StatusCode != 400 || resp.Header.Get("X-Reason") != "client error" {
		t.Errorf("selection pattern: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = do(t, http.MethodPost, base+"/prod/never", `{"a":1}`, "Content-Type", "application/json")
	if resp.StatusCode != 415 || body != `{"message": "Unsupported Media Type"}` {
		t.Errorf("passthroughBehavior never: %d %s", resp.StatusCode, body)
	}
}

// TestBodyStreams shows the request body is streamed: the backend reads
// the first bytes while the client is still sending the rest.
func TestBodyStreams(t *testing.T) {
	firstArrived := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, first); err != nil {
			t.Errorf("backend read: %v", err)
			return
		}
		close(firstArrived)
		rest, _ := io.ReadAll(r.Body)
		_, _ = w.Write(append(first, rest...))
	}))
	defer be.Close()
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})

	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/prod/stream", pr)
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(b), err}
	}()
	if _, err := pw.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-firstArrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the backend got nothing while the client was still sending: the gateway buffered the body")
	}
	_, _ = pw.Write([]byte(" world"))
	pw.Close()
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "hello world" {
		t.Errorf("%d %q %v", r.status, r.body, r.err)
	}
}

func TestPayloadLimit(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	big := strings.Repeat("x", gateway.MaxPayload+1)
	resp, body := do(t, http.MethodPost, base+"/prod/upload", big)
	if resp.StatusCode != 413 || body != `{"message":"Request Too Long"}` {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	// The same, streamed without a Content-Length.
	req, _ := http.NewRequest(http.MethodPost, base+"/prod/upload", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 413 {
		t.Errorf("chunked: %d %s", r2.StatusCode, b)
	}
}

const httpAPIConfig = `
apis:
  - name: hello
    id: helloapi01
    protocol: HTTP
    routes:
      "GET /hello/{name}":
        integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/greet/{name}"}
      "ANY /slow":
        integration: {type: http_proxy, httpMethod: ANY, uri: "http://{{backend}}/slow", timeoutInMillis: 200}
      "GET /down":
        integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:1/"}
      $default:
        integration: {type: http_proxy, httpMethod: ANY, uri: "http://{{backend}}/default"}
    stages:
      $default: {}
      beta: {}
  - name: other
    id: otherapi01
    protocol: HTTP
    routes:
      "GET /only":
        integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/other"}
domains:
  - name: api.example.com
    basePathMappings:
      - {basePath: v2, api: other, stage: $default}
      - {basePath: "(none)", api: hello, stage: beta}
`

func TestHTTPAPI(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.EscapedPath())
	}))
	defer be.Close()
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": httpAPIConfig})
	host := "helloapi01.execute-api.localhost"
	for _, c := range []struct {
		method, path, host string
		status             int
		body               string
	}{
		{"GET", "/hello/ana", host, 200, "GET /greet/ana"},
		{"POST", "/hello/ana", host, 200, "POST /default"},    // method misses: $default
		{"GET", "/beta/hello/bo", host, 200, "GET /greet/bo"}, // a named stage
		{"GET", "/only", "otherapi01.execute-api.localhost", 200, "GET /other"},
		{"GET", "/nothing", "otherapi01.execute-api.localhost", 404, `{"message":"Not Found"}`},
		{"GET", "/slow", host, 503, `{"message":"Service Unavailable"}`},
		{"GET", "/down", host, 500, `{"message":"Internal Server Error"}`},
		{"GET", "/v2/only", "api.example.com", 200, "GET /other"},
		{"GET", "/hello/cy", "api.example.com:443", 200, "GET /greet/cy"},
		{"GET", "/x", "unknown.example.com", 404, `{"message":"Not Found"}`},
	} {
		t.Run(c.method+" "+c.host+c.path, func(t *testing.T) {
			resp, body := do(t, c.method, base+c.path, "", "Host", c.host)
			if resp.StatusCode != c.status || body != c.body {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, body, c.status, c.body)
			}
			if resp.Header.Get("Apigw-Requestid") == "" && c.host != "unknown.example.com" {
				t.Errorf("no apigw-requestid: %v", resp.Header)
			}
			if resp.Header.Get("X-Amzn-Errortype") != "" {
				t.Errorf("HTTP APIs send no x-amzn-ErrorType: %v", resp.Header)
			}
		})
	}
}

func TestAccessLogFormat(t *testing.T) {
	be := echoBackend(t)
	cfg := `
apis:
  - name: pets
    definition: pets.yaml
    stages:
      prod:
        variables: {backend: "{{backend}}"}
        accessLog:
          format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","len":"$context.responseLength","integrationStatus":"$context.integrationStatus","err":"$context.error.message","stage":"$context.stage"}'
          destination: "{{dir}}/access.log"
`
	dir := t.TempDir()
	base, logs := gatewayIn(t, dir, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": cfg, "pets.yaml": petsDefinition})
	ok, _ := get(t, base+"/prod/pets/1")
	missing, _ := get(t, base+"/prod")
	if s := logs.String(); s != "" { // flushes and closes the sinks
		t.Errorf("stdout got access log lines meant for a file: %q", s)
	}
	b, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	data := string(b)
	lines := strings.Split(strings.TrimSpace(data), "\n")
	if len(lines) != 2 {
		t.Fatalf("access log lines: %q", data)
	}
	var first, second map[string]string
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first["requestId"] != ok.Header.Get("X-Amzn-Requestid") || first["ip"] != "127.0.0.1" || first["method"] != "GET" ||
		first["resourcePath"] != "/pets/{petId}" || first["status"] != "200" || first["integrationStatus"] != "200" || first["err"] != "-" || first["stage"] != "prod" {
		t.Errorf("first line %v", first)
	}
	if second["requestId"] != missing.Header.Get("X-Amzn-Requestid") || second["status"] != "403" || second["err"] != "Missing Authentication Token" || second["len"] != "42" || second["resourcePath"] != "-" {
		t.Errorf("second line %v", second)
	}
}

func TestClientDisconnectCancelsBackend(t *testing.T) {
	canceled := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(canceled)
	}))
	defer be.Close()
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/prod/hang", nil)
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request succeeded")
	}
	select {
	case <-canceled:
	case <-time.After(10 * time.Second):
		t.Fatal("backend call not canceled when the client went away")
	}
}

func TestConcurrentRequestsShareOnePlan(t *testing.T) {
	be := echoBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := get(t, fmt.Sprintf("%s/prod/pets/%d", base, i))
			if resp.StatusCode != 200 || decodeEcho(t, body).Path != fmt.Sprintf("/backend/pet/%d", i) {
				t.Errorf("request %d: %d %s", i, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
}
