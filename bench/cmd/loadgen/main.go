// Command loadgen runs bench/loadgen against one URL by hand, e.g. to look
// at a gateway started by hand. benchrun does not need it: it runs the load
// generator in its own process. Loopback URLs only.
//
//	go run ./bench/cmd/loadgen -url http://127.0.0.1:8080/prod/hello -conns 64 -duration 10s -H 'X-Api-Key: k'
//	go run ./bench/cmd/loadgen -method POST -H 'Content-Type: application/json' -body '{"a":1}' -url ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

// headerFlags collects repeated -H 'Name: value' flags.
type headerFlags struct{ h http.Header }

func (f *headerFlags) String() string { return fmt.Sprint(f.h) }

func (f *headerFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("header %q: want 'Name: value'", s)
	}
	f.h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	return nil
}

func main() {
	cfg := loadgen.Config{Header: http.Header{}}
	flag.StringVar(&cfg.URL, "url", "", "loopback http:// `URL` to load (required)")
	flag.StringVar(&cfg.Method, "method", "GET", "request method")
	flag.IntVar(&cfg.Conns, "conns", 64, "concurrent keep-alive connections")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "warm-up, not counted")
	flag.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured duration")
	flag.Var(&headerFlags{cfg.Header}, "H", "request header `'Name: value'` (repeatable)")
	body := flag.String("body", "", "request `body`, sent with a Content-Length (e.g. JSON for a POST)")
	flag.Parse()
	if *body != "" {
		cfg.Body = []byte(*body)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg loadgen.Config) error {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("-url %q: only 127.0.0.1 is allowed", cfg.URL)
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Println(res)
	for _, s := range res.ErrorSamples {
		fmt.Println("  !", s)
	}
	if n := res.Errors(); n > 0 {
		return fmt.Errorf("%d requests failed", n)
	}
	if res.Requests == 0 {
		return errors.New("no successful responses")
	}
	return nil
}
