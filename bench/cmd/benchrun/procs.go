package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// buildBinary runs go build -o <dir>/<name> <pkg> in the module root and
// returns the binary's path. On failure the error holds go build's output.
func buildBinary(ctx context.Context, root, dir, name, pkg string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, strings.TrimSpace(buf.String()))
	}
	return out, nil
}

// modulePath is the gatehouse module, whose root the harness builds in.
const modulePath = "github.com/gatehouse/gatehouse"

// moduleRoot returns the root directory of the gatehouse module containing
// the working directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the gatehouse repository")
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			if strings.Trim(f[1], `"`) != modulePath {
				return "", fmt.Errorf("%s is module %s, not %s: run from the gatehouse repository", gomod, f[1], modulePath)
			}
			return filepath.Dir(gomod), nil
		}
	}
	return "", fmt.Errorf("%s has no module line", gomod)
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. The child binds it shortly after; the race is harmless in practice.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// proc is a child server process whose stdout and stderr go to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string        // path of the stdout/stderr file
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done
}

// startProc starts bin with args. Its output is appended to logPath, opened
// with O_APPEND so the harness may truncate it while the child writes.
func startProc(name, bin string, args []string, logPath string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer f.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited returns an error if the process has exited, nil if it runs.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%v); last output:\n%s", p.name, p.err, tail(p.log, 20))
	default:
		return nil
	}
}

// stop asks the process to terminate and kills it after a grace period.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// probe is one readiness check: method (GET if "") url with body, with
// header added and prepare applied if not nil, must answer with status want
// and, if expect is not "", a body containing expect.
type probe struct {
	url     string
	method  string
	body    []byte
	header  http.Header
	prepare func(*http.Request) error
	want    int
	expect  string
}

// waitReady polls the probes in order until each passes, the process exits
// or timeout passes.
func waitReady(ctx context.Context, p *proc, timeout time.Duration, probes ...probe) error {
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	deadline := time.Now().Add(timeout)
	for _, pr := range probes {
		var last error
		for {
			if err := p.exited(); err != nil {
				return err
			}
			if last = check(ctx, client, pr); last == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not ready after %v: %w; last output:\n%s", p.name, timeout, last, tail(p.log, 20))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

func check(ctx context.Context, client *http.Client, pr probe) error {
	method := pr.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, pr.url, bytes.NewReader(pr.body))
	if err != nil {
		return err
	}
	for k, vs := range pr.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if pr.prepare != nil {
		if err := pr.prepare(req); err != nil {
			return fmt.Errorf("prepare probe: %w", err)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, pr.url, err)
	}
	if resp.StatusCode != pr.want {
		return fmt.Errorf("%s %s: status %d, want %d; body %.200q", method, pr.url, resp.StatusCode, pr.want, body)
	}
	if pr.expect != "" && !bytes.Contains(body, []byte(pr.expect)) {
		return fmt.Errorf("%s %s: body %.200q does not contain %q", method, pr.url, body, pr.expect)
	}
	return nil
}
