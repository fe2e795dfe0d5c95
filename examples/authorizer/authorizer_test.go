// Package authorizer_test serves the Lambda authorizer example: seed
// 002's Node.js authorizer, run unchanged, in front of a method.
package authorizer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/examples/petstore/backend"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

func get(t *testing.T, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		// Set as written (not canonicalised), as curl -H sends it: the
		// seed's authorizer reads event.headers.headerauth1.
		req.Header[header[i]] = []string{header[i+1]}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestRequestAuthorizerExample(t *testing.T) {
	base := testutil.Serve(t, "gatehouse.yaml")
	status, body, _ := get(t, base+"/prod/me?QueryString1=queryValue1", "headerauth1", "headerValue1")
	if status != 200 || body != `{"userid": "me", "stringKey": "stringval", "numberKey": "123", "booleanKey": "true"}` {
		t.Errorf("allowed: %d %s", status, body)
	}
	status, body, h := get(t, base+"/prod/me?QueryString1=wrong", "headerauth1", "headerValue1")
	if status != 401 || body != `{"message":"Unauthorized"}` || h.Get("X-Amzn-Errortype") != "UnauthorizedException" {
		t.Errorf("wrong query value: %d %s %v", status, body, h)
	}
	status, body, _ = get(t, base+"/prod/me", "headerauth1", "headerValue1")
	if status != 401 || body != `{"message":"Unauthorized"}` {
		t.Errorf("missing identity source: %d %s", status, body)
	}
}

func TestHTTPAPISimpleAuthorizerExample(t *testing.T) {
	be := httptest.NewServer(backend.Handler())
	defer be.Close()
	dir := t.TempDir()
	b, err := os.ReadFile("http-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.ReplaceAll(string(b), "127.0.0.1:9000", be.Listener.Addr().String())
	cfg = strings.ReplaceAll(cfg, "code: simple", "code: "+filepath.Join(mustAbs(t, "."), "simple"))
	if err := os.WriteFile(filepath.Join(dir, "http-api.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	base := testutil.Serve(t, filepath.Join(dir, "http-api.yaml"))
	status, body, _ := get(t, base+"/hello", "authorization", "secretToken")
	if status != 200 || !strings.Contains(body, `"X-String-Key":["value"]`) {
		t.Errorf("authorized: %d %s", status, body)
	}
	status, body, _ = get(t, base+"/hello", "authorization", "wrong")
	if status != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("isAuthorized false: %d %s", status, body)
	}
	status, body, _ = get(t, base+"/hello")
	if status != 401 || body != `{"message":"Unauthorized"}` {
		t.Errorf("no identity source: %d %s", status, body)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
