package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsResponsesAndErrors(t *testing.T) {
	var hits, signed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if r.Header.Get("X-Bench") != "1" {
			t.Errorf("header X-Bench = %q, want 1", r.Header.Get("X-Bench"))
		}
		if r.Header.Get("Authorization") == "signed" {
			signed.Add(1)
		}
		if n%10 == 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Config{
		URL:      srv.URL + "/prod/hello",
		Header:   http.Header{"X-Bench": {"1"}},
		Prepare:  func(r *http.Request) error { r.Header.Set("Authorization", "signed"); return nil },
		Conns:    4,
		Warmup:   50 * time.Millisecond,
		Duration: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Non2xx == 0 || res.Status[http.StatusBadGateway] != res.Non2xx {
		t.Errorf("Requests %d, Non2xx %d, Status %v: want both > 0, all 502", res.Requests, res.Non2xx, res.Status)
	}
	if res.TransportErrors != 0 || res.Dials != 4 {
		t.Errorf("TransportErrors %d, Dials %d; want 0, 4 (keep-alive)", res.TransportErrors, res.Dials)
	}
	if signed.Load() != hits.Load() {
		t.Errorf("%d of %d requests went through Prepare", signed.Load(), hits.Load())
	}
	total := res.Requests + res.Non2xx + res.WarmupRequests + res.WarmupNon2xx
	if total > uint64(hits.Load()) {
		t.Errorf("counted %d responses, server saw %d", total, hits.Load())
	}
	if len(res.ErrorSamples) == 0 || !strings.Contains(res.ErrorSamples[0], "502") {
		t.Errorf("ErrorSamples = %q, want a 502", res.ErrorSamples)
	}
}

func TestRunStaticRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/prod/hello" || r.Method != http.MethodPost || r.ContentLength != 2 {
			t.Errorf("got %s %s length %d", r.Method, r.URL.Path, r.ContentLength)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		URL: srv.URL + "/prod/hello", Method: http.MethodPost, Body: []byte("{}"),
		Conns: 2, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors() != 0 || res.Latency.Count() != res.Requests {
		t.Errorf("Requests %d, Errors %d: want some requests, no errors", res.Requests, res.Errors())
	}
}

func TestRunReportsTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	res, err := Run(context.Background(), Config{URL: "http://" + addr + "/", Conns: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.TransportErrors == 0 || res.Requests != 0 || len(res.ErrorSamples) == 0 {
		t.Errorf("TransportErrors %d, Requests %d, samples %q: want errors, no requests", res.TransportErrors, res.Requests, res.ErrorSamples)
	}
}

func TestRunCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, Config{URL: srv.URL, Conns: 2, Duration: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Run took %v to stop", time.Since(start))
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no duration": {URL: "http://127.0.0.1:1/"},
		"https":       {URL: "https://127.0.0.1:1/", Duration: time.Second},
		"relative":    {URL: "/prod/hello", Duration: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Run(context.Background(), cfg); err == nil {
				t.Error("Run accepted the config")
			}
		})
	}
}
