// Package validation_test serves the request validation example: the
// PetStore API as a Swagger 2 and as an OpenAPI 3 export, in front of the
// real pet backend, which records every request that reaches it.
package validation_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/examples/petstore/backend"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

const (
	swagger2 = "petsswag02.execute-api.localhost"
	oas3     = "petsoas300.execute-api.localhost"
)

// served starts the pet backend (counting the requests it gets) and
// gatehouse with this folder's config pointed at it. It returns the
// gateway's base URL, the counter and the access log file.
func served(t *testing.T) (string, *atomic.Int64, string) {
	t.Helper()
	var calls atomic.Int64
	pets := backend.Handler()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		pets.ServeHTTP(w, r)
	}))
	t.Cleanup(be.Close)
	dir := t.TempDir()
	accessLog := filepath.Join(dir, "access.log")
	for _, name := range []string{"gatehouse.yaml", "pets-swagger2.json", "pets-oas30.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "127.0.0.1:9000", be.Listener.Addr().String())
		s = strings.ReplaceAll(s, "destination: stderr", "destination: "+accessLog)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml")), &calls, accessLog
}

func call(t *testing.T, method, url, host, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

type check struct {
	name, method, path, body string
	header                   []string
	status                   int
	want                     string // the exact body, or a prefix ending in "*"
	reaches                  bool   // whether the backend must see the request
}

func run(t *testing.T, base, host string, calls *atomic.Int64, checks []check) {
	t.Helper()
	for _, c := range checks {
		before := calls.Load()
		status, body, h := call(t, c.method, base+c.path, host, c.body, c.header...)
		match := body == c.want
		if prefix, ok := strings.CutSuffix(c.want, "*"); ok {
			match = strings.HasPrefix(body, prefix)
		}
		if status != c.status || !match {
			t.Errorf("%s: %d %s\nwant %d %s", c.name, status, body, c.status, c.want)
		}
		if reached := calls.Load() > before; reached != c.reaches {
			t.Errorf("%s: backend reached = %v, want %v", c.name, reached, c.reaches)
		}
		if status == 400 && !c.reaches && h.Get("x-amzn-ErrorType") != "BadRequestException" {
			t.Errorf("%s: x-amzn-ErrorType = %q", c.name, h.Get("x-amzn-ErrorType"))
		}
	}
}

func TestSwagger2Validation(t *testing.T) {
	base, calls, _ := served(t)
	json := []string{"Content-Type", "application/json"}
	run(t, base, swagger2, calls, []check{
		{"required query parameter missing", "GET", "/prod/pets", "", nil, 400, `{"message": "Missing required request parameters: [type]"}`, false},
		{"required query parameter blank", "GET", "/prod/pets?type=", "", nil, 400, `{"message": "Missing required request parameters: [type]"}`, false},
		{"params-only validator", "GET", "/prod/pets?type=dog", "", nil, 200, `[{"id":1,"type":"dog","price":249.99}]` + "\n", true},
		{"enum through a $ref", "POST", "/prod/pets", `{"type":"cow","price":1}`, json, 400, `{"message": "Invalid request body"}`, false},
		{"required property", "POST", "/prod/pets", `{"price":1}`, json, 400, `{"message": "Invalid request body"}`, false},
		{"exclusive minimum", "POST", "/prod/pets", `{"type":"dog","price":0}`, json, 400, `{"message": "Invalid request body"}`, false},
		{"not JSON", "POST", "/prod/pets", `type=dog`, json, 400, `{"message": "Invalid request body"}`, false},
		{"no content type is application/json", "POST", "/prod/pets", `{"type":"dog","price":-1}`, nil, 400, `{"message": "Invalid request body"}`, false},
		{"valid body", "POST", "/prod/pets", `{"type":"dog","price":12.5}`, json, 201, `{"id":4,"type":"dog","price":12.5}` + "\n", true},
		{"no model for text/plain: not validated", "POST", "/prod/pets", `type=dog`, []string{"Content-Type", "text/plain"}, 400, `{"error":"body must be a pet*`, true},
		{"path parameter", "GET", "/prod/pets/2", "", nil, 200, `{"id":2,"type":"cat","price":124.99}` + "\n", true},
	})
}

func TestOpenAPI3Validation(t *testing.T) {
	base, calls, accessLog := served(t)
	hdr := []string{"Content-Type", "application/json", "X-Client-Id", "me"}
	run(t, base, oas3, calls, []check{
		{"header from the path item and query", "GET", "/prod/pets", "", nil, 400, `{"message": "Missing required request parameters: [X-Client-Id, type]"}`, false},
		{"header name in any case", "GET", "/prod/pets?type=fish", "", []string{"x-client-id", "me"}, 200, `[{"id":3,"type":"fish","price":0.99}]` + "\n", true},
		{"parameters before the body", "POST", "/prod/pets", `{}`, []string{"Content-Type", "application/json"}, 400, `{"message": "Missing required request parameters: [X-Client-Id]"}`, false},
		{"BAD_REQUEST_BODY with validationErrorString", "POST", "/prod/pets", `{"type":"dog"}`, hdr, 400,
			`{"message": "Invalid request body", "details": "[object has missing required properties ([\"price\"])]"}`, false},
		{"children are checked only while valid", "POST", "/prod/pets", `{"type":"dog","price":1,"tags":["A","b","c","d"]}`, hdr, 400,
			`{"message": "Invalid request body", "details": "[array is too long: must have at most 3 elements but instance has 4 elements]"}`, false},
		{"pattern through a $ref", "POST", "/prod/pets", `{"type":"dog","price":1,"tags":["A"]}`, hdr, 400,
			`{"message": "Invalid request body", "details": "[ECMA 262 regex \"^[a-z]+$\" does not match input string \"A\"]"}`, false},
		{"an object error stops the descent", "POST", "/prod/pets", `{"type":"dog","price":1,"tags":["A"],"color":"red"}`, hdr, 400,
			`{"message": "Invalid request body", "details": "[object instance has properties which are not allowed by the schema: [\"color\"]]"}`, false},
		{"valid body", "POST", "/prod/pets", `{"type":"cat","price":3,"tags":["tabby"]}`, hdr, 201, `{"id":4,"type":"cat","price":3}` + "\n", true},
		{"inline schema, body-only validator", "PUT", "/prod/pets/7", `{"price":1.005}`, []string{"Content-Type", "application/json"}, 400,
			`{"message": "Invalid request body", "details": "[remainder of division is not zero (1.005 / 0.01)]"}`, false},
		{"inline schema, valid", "PUT", "/prod/pets/7", `{"price":1.25}`, []string{"Content-Type", "application/json"}, 200, `{"body":"{\"price\":1.25}",*`, true},
	})
	var v map[string]string
	_, body, _ := call(t, "POST", base+"/prod/pets", oas3, `{"type":"dog"}`, hdr...)
	if err := json.Unmarshal([]byte(body), &v); err != nil || v["details"] != `[object has missing required properties (["price"])]` {
		t.Errorf("the gateway response is not the JSON it should be: %s (%v)", body, err)
	}
	want := ` 400 BAD_REQUEST_BODY [object has missing required properties ([\"price\"])]`
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(accessLog)
		if strings.Contains(string(b), want) && strings.Contains(string(b), " 400 BAD_REQUEST_PARAMETERS Missing required request parameters: [X-Client-Id, type]") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log lacks %q:\n%s", want, b)
		}
	}
}
