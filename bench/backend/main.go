// Command backend is the HTTP backend of the end-to-end benchmarks: it
// answers every request with 200 and a small JSON body (about 100 bytes)
// that names the path it saw, so a probe can check that the proxy in front
// stripped the stage. It listens on loopback only.
//
//	go build -o /tmp/backend ./bench/backend && /tmp/backend -addr 127.0.0.1:9001
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// The body is prefix + escaped path + suffix; with path /hello it is 100
// bytes.
const (
	bodyPrefix = `{"message":"hello from the gatehouse bench backend","path":"`
	bodySuffix = `","padding":"xxxxxxxxxxxxxxxxxxx"}`
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(serve),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          log.New(os.Stderr, "backend: ", 0),
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	fmt.Printf("backend listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// serve answers 200 with the JSON body. EscapedPath has no '"' or '\', so
// it is a valid JSON string as is.
func serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	path := r.URL.EscapedPath()
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(bodyPrefix) + len(path) + len(bodySuffix))}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, bodyPrefix)
	_, _ = io.WriteString(w, path)
	_, _ = io.WriteString(w, bodySuffix)
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
