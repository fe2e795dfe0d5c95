package main

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

// TestPetstoreExample serves the example exactly as README's quick start
// does (gatehouse serve -c examples/petstore/gatehouse.yaml), with only
// the ports moved so the test can run beside anything else.
func TestPetstoreExample(t *testing.T) {
	be := httptest.NewServer(backend.Handler())
	defer be.Close()
	dir := t.TempDir()
	for _, name := range []string{"gatehouse.yaml", "petstore-oas30.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "backend: 127.0.0.1:9000", "backend: "+be.Listener.Addr().String())
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))

	for _, c := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "/prod/pets", "", 200, `"type":"dog"`},
		{"GET", "/prod/pets?type=cat", "", 200, `[{"id":2,"type":"cat","price":124.99}]`},
		{"GET", "/prod/pets/3", "", 200, `"type":"fish"`},
		{"POST", "/prod/pets", `{"type":"bird","price":5}`, 201, `"id":4`},
		{"GET", "/prod/pets/99", "", 404, `no pet 99`},
		{"GET", "/prod/status", "", 200, `{"status":"ok"}`},
		{"GET", "/prod/echo/hi", "", 200, `"path":"/echo/hi"`},
		{"GET", "/prod", "", 403, `{"message":"Missing Authentication Token"}`},
		{"GET", "/test/pets", "", 403, `{"message":"Missing Authentication Token"}`},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.contains) {
			t.Errorf("%s %s: %d %s, want %d containing %s", c.method, c.path, resp.StatusCode, b, c.status, c.contains)
		}
		if resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s %s: no x-amzn-RequestId", c.method, c.path)
		}
	}
}
