package lambda

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const benchEvent = `{"resource":"/pets/{id}","path":"/pets/1","httpMethod":"GET","headers":{"Accept":"application/json"},"pathParameters":{"id":"1"},"body":null,"isBase64Encoded":false}`

// reportP50 records the median of the measured durations in microseconds.
func reportP50(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2])/float64(time.Microsecond), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100])/float64(time.Microsecond), "p99-µs")
}

// BenchmarkInvoke measures a warm invocation of an echo function per
// runtime; runtime=direct is the baseline, a plain HTTP round trip to an
// equivalent Go echo server on loopback.
func BenchmarkInvoke(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b.Run("runtime=direct", func(b *testing.B) {
		exe, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), helperEnv+"=httpserver")
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		addr, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		url := "http://" + strings.TrimSpace(addr) + "/"
		client := &http.Client{}
		payload := []byte(benchEvent)
		durs := make([]time.Duration, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now()
			resp, err := client.Post(url, "application/json", bytes.NewReader(payload))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			durs = append(durs, time.Since(start))
		}
		reportP50(b, durs)
	})
	for _, tc := range []struct {
		name string
		fn   func(b *testing.B) Function
	}{
		{"go", func(b *testing.B) Function {
			return Function{Name: "bench", Runtime: "provided.al2023", Code: buildGoFunction(b)}
		}},
		{"node", func(*testing.B) Function {
			return Function{Name: "bench", Runtime: "nodejs20.x", Handler: "app.echo", Code: filepath.Join("testdata", "node")}
		}},
		{"python", func(*testing.B) Function {
			return Function{Name: "bench", Runtime: "python3.11", Handler: "app.echo", Code: filepath.Join("testdata", "python")}
		}},
		{"raw", func(b *testing.B) Function {
			fn := helperFunction(b, "bench", "echo")
			return fn
		}},
	} {
		b.Run("runtime="+tc.name, func(b *testing.B) {
			fn := tc.fn(b)
			fn.Concurrency = 1
			h, _ := newTestHost(b, Options{Logger: logger}, fn)
			ctx := context.Background()
			payload := []byte(benchEvent)
			if _, fe, err := h.Invoke(ctx, "bench", payload); err != nil || fe != nil {
				b.Fatal(err, fe)
			}
			durs := make([]time.Duration, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				// Measure a warm, idle function, the common case behind a
				// gateway: its runtime is already waiting in /next. (Back to
				// back, each call would also wait for the runtime's return
				// trip to /next, two more process wake-ups.)
				waitParked(h, "bench")
				start := time.Now()
				_, fe, err := h.Invoke(ctx, "bench", payload)
				durs = append(durs, time.Since(start))
				if err != nil || fe != nil {
					b.Fatal(err, fe)
				}
			}
			reportP50(b, durs)
		})
	}
}

// BenchmarkColdStart measures the first invocation of a new process: spawn,
// init (the runtime's first /next), and the invocation itself.
func BenchmarkColdStart(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tc := range []struct {
		name string
		fn   func(b *testing.B) Function
	}{
		{"go", func(b *testing.B) Function {
			return Function{Name: "bench", Runtime: "provided.al2023", Code: buildGoFunction(b)}
		}},
		{"node", func(*testing.B) Function {
			return Function{Name: "bench", Runtime: "nodejs20.x", Handler: "app.echo", Code: filepath.Join("testdata", "node")}
		}},
		{"python", func(*testing.B) Function {
			return Function{Name: "bench", Runtime: "python3.11", Handler: "app.echo", Code: filepath.Join("testdata", "python")}
		}},
	} {
		b.Run("runtime="+tc.name, func(b *testing.B) {
			fn := tc.fn(b)
			fn.Concurrency = 1
			h, _ := newTestHost(b, Options{Logger: logger}, fn)
			p := h.pools["bench"]
			ctx := context.Background()
			payload := []byte(benchEvent)
			durs := make([]time.Duration, 0, 64)
			for b.Loop() {
				p.closeAll() // the next Invoke starts a new process
				start := time.Now()
				_, fe, err := h.Invoke(ctx, "bench", payload)
				durs = append(durs, time.Since(start))
				if err != nil || fe != nil {
					b.Fatal(err, fe)
				}
			}
			reportP50(b, durs)
		})
	}
}

// waitParked waits until a process of fn waits in /next.
func waitParked(h *Host, fn string) {
	p := h.pools[fn]
	for {
		p.mu.Lock()
		parked := len(p.idle) > 0 && p.idle[len(p.idle)-1].parked.Load() > 0
		p.mu.Unlock()
		if parked {
			return
		}
		time.Sleep(5 * time.Microsecond)
	}
}
