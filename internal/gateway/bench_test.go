package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

// BenchmarkServeHTTPProxy measures the gateway's own cost for one
// http_proxy request against a real loopback backend (client side
// in-process, so the numbers exclude the client's network stack).
func BenchmarkServeHTTPProxy(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer backend.Close()
	dir := b.TempDir()
	files := map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": petsDefinition}
	for name, content := range files {
		content = strings.ReplaceAll(content, "{{backend}}", backend.Listener.Addr().String())
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
	req := httptest.NewRequest(http.MethodGet, "http://gatehouse/prod/hello/world?x=1", nil)
	req.Header.Set("User-Agent", "bench")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
