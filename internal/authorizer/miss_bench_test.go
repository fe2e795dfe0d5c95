package authorizer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// benchAuthorizerCode builds bench/lambdafn (aws-lambda-go, the function
// of the authorizer_cached end-to-end scenario) once per source version
// into a shared cache directory and returns a code directory with its
// bootstrap.
func benchAuthorizerCode(tb testing.TB) string {
	tb.Helper()
	src := filepath.Join("..", "..", "bench", "lambdafn")
	sum := sha256.New()
	for _, f := range []string{"main.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			tb.Fatal(err)
		}
		sum.Write(b)
	}
	dir := filepath.Join(os.TempDir(), "gatehouse-bench-lambdafn-"+hex.EncodeToString(sum.Sum(nil))[:16])
	bin := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bin); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf("bootstrap.%d.tmp", os.Getpid()))
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Skipf("cannot build bench/lambdafn (%v): %s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// missRequest is a REST GET /orders/42 with the headers an SDK client
// sends and the bench function's accepted token.
func missRequest() *Request {
	hdr := [][2]string{
		{"Accept", "application/json"}, {"Accept-Encoding", "gzip"}, {"Authorization", "Bearer allow-bench"},
		{"Host", "abcdef1234.execute-api.us-east-1.amazonaws.com"}, {"User-Agent", "aws-sdk-go-v2/1.30.0"},
		{"X-Amz-Date", "20261125T010203Z"}, {"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Port", "443"},
		{"X-Forwarded-Proto", "https"}, {"X-Request-Id", "5d7c6a3e-7d3f-4a55-9a53-0c3c2f6f1e42"},
	}
	ev := &proxyevent.Request{
		Method: "GET", Resource: "/orders/{id}", Path: "/orders/42", RawPath: "/orders/42", Stage: "prod",
		RawQuery: "expand=items", Query: []proxyevent.Param{{Name: "expand", Value: "items"}},
		PathParameters: []proxyevent.Param{{Name: "id", Value: "42"}},
		Context: proxyevent.RequestContext{RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", AccountID: "123456789012",
			APIID: "abcdef1234", ResourceID: "a1b2c3", Protocol: "HTTP/1.1", SourceIP: "203.0.113.7"},
	}
	for _, h := range hdr {
		ev.Headers = append(ev.Headers, proxyevent.Param{Name: h[0], Value: h[1]})
	}
	return &Request{Event: ev, MethodARN: "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/orders/42"}
}

// BenchmarkAuthorizeMiss measures what a cache miss of a Lambda authorizer
// adds on top of the function's own round trip (issue "Authorizers":
// ≤ 50 µs). Each iteration invokes the real function (bench/lambdafn with
// BENCH_MODE=authorizer, one warm process) twice, in turn: directly through
// the lambda.Host with the very event the authorizer sends, and through
// Authorize on an authorizer with an empty cache (TTL 300 s), which builds
// the event, shares the call with concurrent misses, parses and compiles
// the returned policy, caches it and evaluates it against the method ARN.
// Each call starts with the function idle. ns/op is meaningless (it counts
// the pauses); the metrics are the medians of both and overhead-µs, their
// difference.
func BenchmarkAuthorizeMiss(b *testing.B) {
	code := benchAuthorizerCode(b)
	h, err := lambda.New([]lambda.Function{{
		Name: "benchauth", Runtime: "provided.al2023", Handler: "bootstrap", Code: code, Concurrency: 1,
		Environment: map[string]string{"BENCH_MODE": "authorizer"},
	}}, lambda.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Close() })
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"type=TOKEN", Config{Name: "bench", Protocol: model.REST, Type: TypeToken, Function: "benchauth",
			IdentitySource: "method.request.header.Authorization", ResultTTL: 300}},
		{"type=REQUEST", Config{Name: "bench", Protocol: model.REST, Type: TypeRequest, Function: "benchauth",
			IdentitySource: "method.request.header.Authorization", ResultTTL: 300}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			r := missRequest()
			a, err := New(tc.cfg, h, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ids, _ := a.identity(r, nil)
			payload, err := a.event(r, ids)
			if err != nil {
				b.Fatal(err)
			}
			if _, fe, err := h.Invoke(ctx, "benchauth", payload); err != nil || fe != nil {
				b.Fatal(err, fe)
			}
			// An idle function waits in /next; back to back, a call would
			// also wait for the previous one's return trip.
			const pause = 300 * time.Microsecond
			var direct, authz []time.Duration
			for b.Loop() {
				fresh, err := New(tc.cfg, h, Options{}) // empty cache: a miss
				if err != nil {
					b.Fatal(err)
				}
				time.Sleep(pause)
				start := time.Now()
				_, fe, err := h.Invoke(ctx, "benchauth", payload)
				direct = append(direct, time.Since(start))
				if err != nil || fe != nil {
					b.Fatal(err, fe)
				}
				time.Sleep(pause)
				start = time.Now()
				res, err := fresh.Authorize(ctx, r)
				authz = append(authz, time.Since(start))
				if err != nil || res.PrincipalID != "bench-user" {
					b.Fatal(res, err)
				}
			}
			d, a2 := median(direct), median(authz)
			b.ReportMetric(float64(d)/float64(time.Microsecond), "direct-p50-µs")
			b.ReportMetric(float64(a2)/float64(time.Microsecond), "authorize-p50-µs")
			b.ReportMetric(float64(a2-d)/float64(time.Microsecond), "overhead-µs")
		})
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
