package gateway

import (
	"github.com/gatehouse/gatehouse/internal/idtoken"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
)

// AdminHandler serves the admin listener: GET /healthz answers 200 while
// the process runs; GET /readyz answers 200 while ready is true and 503
// during shutdown, so a load balancer drains the node first.
//
// With an identity issuer it also serves the public keys of forwarded
// identity tokens at GET /.well-known/jwks.json.
//
// With profiling on, Go's profiler is served under /debug/pprof/ (the
// admin listener is loopback-only by default; do not expose it).
func AdminHandler(ready *atomic.Bool, issuer *idtoken.Issuer, profiling bool) http.Handler {
	mux := http.NewServeMux()
	if profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	}
	if issuer != nil {
		mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "max-age=300")
			_, _ = w.Write(issuer.JWKS())
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"shutting down"}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	return mux
}
