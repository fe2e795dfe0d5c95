package lambda

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrewarm starts a Node.js process ahead of its first invocation,
// which then runs on it; a prewarm with an idle process starts nothing,
// and a failed init is an error with nothing left running.
func TestPrewarm(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	code := filepath.Join("testdata", "node")
	h, _ := newTestHost(t, Options{},
		Function{Name: "app", Runtime: "nodejs20.x", Handler: "app.handler", Code: code, Concurrency: 1},
		Function{Name: "broken", Runtime: "nodejs20.x", Handler: "app.nope", Code: code, Concurrency: 1})
	ctx := context.Background()
	if n := h.Live("app"); n != 0 {
		t.Fatalf("live before prewarm: %d", n)
	}
	if err := h.Prewarm(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	p := h.pools["app"]
	p.mu.Lock()
	var warm *sandbox
	if len(p.idle) == 1 {
		warm = p.idle[0]
	}
	p.mu.Unlock()
	if warm == nil || !warm.isReady() || h.Live("app") != 1 {
		t.Fatalf("after prewarm: idle %v, live %d", warm, h.Live("app"))
	}
	res, fe := invoke(t, h, "app", `{"action":"pid"}`)
	if fe != nil || !strings.Contains(string(res), `"pid":`) || h.Live("app") != 1 {
		t.Fatalf("invoke: %s %v, live %d", res, fe, h.Live("app"))
	}
	if err := h.Prewarm(ctx, "arn:aws:lambda:us-east-1:123456789012:function:app"); err != nil || h.Live("app") != 1 {
		t.Errorf("prewarm with an idle process: %v, live %d", err, h.Live("app"))
	}
	if err := h.Prewarm(ctx, "broken"); err == nil || !strings.Contains(err.Error(), "app.nope is undefined or not exported") {
		t.Errorf("broken init: %v", err)
	}
	// Its process is killed; it is reaped in the background.
	for deadline := time.Now().Add(10 * time.Second); h.Live("broken") != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("broken init left %d processes", h.Live("broken"))
		}
	}
	var ie *InvokeError
	if err := h.Prewarm(ctx, "nope"); !errors.As(err, &ie) || ie.Code != CodeNotFound {
		t.Errorf("unknown function: %v", err)
	}
}
