// Package testutil helps tests run gatehouse the way a user does: the real
// command line, in-process, on loopback ports. It is imported by tests
// only.
package testutil

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cli"
)

// LockedBuffer is a bytes.Buffer safe for a writer and a reader in
// different goroutines (a server's log and the test reading it).
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servingLine is the start-up line that names the listeners.
var servingLine = regexp.MustCompile(`msg="gatehouse serving" .*listen=(\S+) admin=(\S+)`)

// Serve runs `gatehouse serve -c config` in-process on free loopback
// ports and returns the API's base URL. The server stops when the test
// ends, and the test fails if it did not exit cleanly.
func Serve(t *testing.T, config string) string {
	t.Helper()
	return ServeArgs(t, "-c", config)
}

// ServeArgs is Serve with the serve command's arguments (-c config, -t
// template, ...); the listeners are always free loopback ports.
func ServeArgs(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &LockedBuffer{}
	exited := make(chan int, 1)
	args = append(append([]string{"serve"}, args...), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	go func() {
		exited <- cli.RunContext(ctx, args, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("gatehouse serve exited with %d:\n%s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("gatehouse serve did not stop")
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := servingLine.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("gatehouse serve exited with %d:\n%s", code, stderr.String())
		default:
		}
	}
	t.Fatalf("gatehouse serve did not start:\n%s", stderr.String())
	return ""
}
