package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	_ = sinks
	if os.Getenv("BENCH_NO_ACCESS_LOG") != "" {
		sinks = nil
	}
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

// BenchmarkBaselineReverseProxy is B0 in-process (httputil.ReverseProxy
// with a buffer pool, same backend, same recorder), so that
// BenchmarkServeHTTPProxy's difference is the gateway's own cost.
func BenchmarkBaselineReverseProxy(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer backend.Close()
	target, _ := url.Parse(backend.URL)
	pool := &bufferPool{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/prod")
			pr.SetXForwarded()
		},
		BufferPool: pool,
		Transport:  &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
	}
	req := httptest.NewRequest(http.MethodGet, "http://gatehouse/prod/hello/world?x=1", nil)
	req.Header.Set("User-Agent", "bench")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		rp.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) Get() []byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (bp *bufferPool) Put(b []byte) { bp.p.Put(&b) }
