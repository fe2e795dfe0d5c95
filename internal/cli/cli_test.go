package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// binary is the gatehouse command built once for the process tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", binary, "github.com/gatehouse/gatehouse/cmd/gatehouse")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build gatehouse:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeConfig(t *testing.T, backend string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"gatehouse.yaml": `
listen: 127.0.0.1:0
admin: 127.0.0.1:0
apis:
  - name: demo
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "` + backend + `"}
`,
		"api.yaml": `
swagger: "2.0"
info: {title: demo, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      parameters: [{name: proxy, in: path, required: true, type: string}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters: {integration.request.path.proxy: method.request.path.proxy}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "gatehouse.yaml")
}

func TestVersionAndUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli.Run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "gatehouse ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := cli.Run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut.String())
	}
	if code := cli.Run(nil, &out, &errOut); code != 2 {
		t.Errorf("no command: %d", code)
	}
}

func TestValidate(t *testing.T) {
	var out, errOut bytes.Buffer
	cfg := writeConfig(t, "127.0.0.1:9")
	if code := cli.Run([]string{"validate", "-c", cfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ok (1 APIs)") {
		t.Errorf("valid config: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := cli.Run([]string{"validate", "-c", "../config/testdata/invalid/bad-values.yaml"}, &out, &errOut); code != 1 {
		t.Errorf("invalid config: exit %d", code)
	}
	want := `../config/testdata/invalid/bad-values.yaml:1:9: region: "mars-1" is not a region name like us-east-1`
	if !strings.HasPrefix(errOut.String(), want) || strings.Count(errOut.String(), "\n") != 4 {
		t.Errorf("validate output:\n%s", errOut.String())
	}
	// Route conflicts are found by validate too, not only at serve.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "g.yaml"), []byte(`apis: [{name: a, protocol: HTTP, routes: {"GET /p/{id}": {integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/"}}, "GET /p/{name}": {integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/"}}}}]`), 0o644)
	errOut.Reset()
	if code := cli.Run([]string{"validate", "-c", filepath.Join(dir, "g.yaml")}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "only one is allowed") {
		t.Errorf("conflicting routes: %d %q", code, errOut.String())
	}
}

// process is a running gatehouse serve.
type process struct {
	cmd    *exec.Cmd
	api    string
	admin  string
	stderr *testutil.LockedBuffer
	done   chan error
}

var servingLine = regexp.MustCompile(`msg="gatehouse serving" .*listen=(\S+) admin=(\S+)`)

func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{stderr: &testutil.LockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout = io.Discard
	pr, pw := io.Pipe()
	p.cmd.Stderr = pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := servingLine.FindStringSubmatch(line); m != nil {
				found <- [2]string{m[1], m[2]}
			}
		}
	}()
	go func() { err := p.cmd.Wait(); pw.Close(); p.done <- err }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	select {
	case addrs := <-found:
		p.api, p.admin = "http://"+addrs[0], "http://"+addrs[1]
	case err := <-p.done:
		t.Fatalf("gatehouse exited: %v\n%s", err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse did not start:\n%s", p.stderr.String())
	}
	return p
}

func TestServeAdminAndGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		fmt.Fprintf(w, "served %s", r.URL.Path)
	}))
	defer backend.Close()
	p := start(t, "serve", "-c", writeConfig(t, backend.Listener.Addr().String()), "--log-level", "info")

	if !strings.Contains(p.stderr.String(), "api demo (REST, id ") || !strings.Contains(p.stderr.String(), "stage prod: http://127.0.0.1:") {
		t.Errorf("start-up lines lack the stage URL:\n%s", p.stderr.String())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(p.admin + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("admin %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	// A 10 MB header gets a clear 431, and the gateway goes on serving.
	req, _ := http.NewRequest(http.MethodGet, p.api+"/prod/x", nil)
	req.Header.Set("X-Huge", strings.Repeat("a", 10<<20))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("10 MB header: status %d", resp.StatusCode)
		}
		resp.Body.Close()
	}

	// An in-flight request finishes after SIGTERM.
	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Get(p.api + "/prod/slow")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{body: string(b)}
	}()
	time.Sleep(200 * time.Millisecond) // let the request reach the backend
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "shutting down") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	r := <-inflight
	if r.err != nil || r.body != "served /slow" {
		t.Errorf("in-flight request: %q %v", r.body, r.err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("gatehouse did not exit after SIGTERM")
	}
	if _, err := http.Get(p.api + "/prod/x"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.RunContext(context.Background(), []string{"serve", "-c", "../config/testdata/invalid/unknown-key.yaml"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), `unknown key "listen_port"`) {
		t.Errorf("%d %q", code, errOut.String())
	}
	errOut.Reset()
	code = cli.RunContext(context.Background(), []string{"serve", "-c", writeConfig(t, "127.0.0.1:9"), "--log-level", "loud"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--log-level") {
		t.Errorf("%d %q", code, errOut.String())
	}
}

func TestServePprofFlag(t *testing.T) {
	cfg := writeConfig(t, "127.0.0.1:9")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"serve", "-c", cfg}, http.StatusNotFound},
		{[]string{"serve", "-c", cfg, "--pprof"}, http.StatusOK},
	} {
		p := start(t, c.args...)
		resp, err := http.Get(p.admin + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%v: /debug/pprof/ = %d, want %d", c.args, resp.StatusCode, c.want)
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
	}
}
