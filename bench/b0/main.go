// Command b0 is baseline B0 of the end-to-end benchmarks: a plain
// httputil.ReverseProxy that does the same routing work as the gateway's
// http_proxy route. It strips the first path segment (the stage:
// /prod/hello → /hello) and forwards to -backend, with a pooled 32 KiB copy
// buffer and a tuned http.Transport (see transport). It writes no access
// log. It listens on loopback only.
//
//	go build -o /tmp/b0 ./bench/b0 && /tmp/b0 -addr 127.0.0.1:9002 -backend 127.0.0.1:9001
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on")
	backend := flag.String("backend", "", "backend loopback `host:port` (required)")
	flag.Parse()
	if err := run(*addr, *backend); err != nil {
		fmt.Fprintln(os.Stderr, "b0:", err)
		os.Exit(1)
	}
}

func run(addr, backend string) error {
	for _, a := range []string{addr, backend} {
		if err := checkLoopback(a); err != nil {
			return err
		}
	}
	target := &url.URL{Scheme: "http", Host: backend}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = stripStage(pr.In.URL.Path)
			pr.Out.URL.RawPath = ""
			pr.SetXForwarded() // X-Forwarded-* headers, as API Gateway sends
		},
		Transport:  transport(),
		BufferPool: newBufferPool(),
		ErrorLog:   log.New(os.Stderr, "b0: ", 0),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           proxy,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          log.New(os.Stderr, "b0: ", 0),
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	fmt.Printf("b0 listening on %s, backend %s\n", ln.Addr(), backend)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// transport is B0's upstream transport. bench/README.md lists these
// settings; the gateway's http_proxy integration should use comparable ones
// for the comparison to be fair.
func transport() *http.Transport {
	return &http.Transport{
		Proxy: nil, // never an environment proxy
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		MaxConnsPerHost:       0, // unlimited
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 29 * time.Second, // API Gateway's default integration timeout
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       4 << 10,
		ReadBufferSize:        4 << 10,
	}
}

// stripStage removes the first path segment: /prod/hello → /hello,
// /prod → /.
func stripStage(p string) string {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[i:]
	}
	return "/"
}

// bufferPool is an httputil.BufferPool of 32 KiB buffers, the size
// ReverseProxy allocates when it has no pool.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any {
		b := make([]byte, 32<<10)
		return &b
	}}}
}

// Get returns a 32 KiB buffer.
func (p *bufferPool) Get() []byte { return *p.pool.Get().(*[]byte) }

// Put returns b to the pool; buffers of another size are dropped.
func (p *bufferPool) Put(b []byte) {
	if cap(b) != 32<<10 {
		return
	}
	b = b[:cap(b)]
	p.pool.Put(&b)
}

// checkLoopback refuses any address other than 127.0.0.1.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("address %q: only 127.0.0.1 is allowed", addr)
	}
	return nil
}
