package lambda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv selects a raw Runtime API client mode when the test binary is
// started as a provided runtime's bootstrap.
const helperEnv = "GATEHOUSE_LAMBDA_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

// helperDir makes a code directory whose bootstrap is this test binary.
func helperDir(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "bootstrap")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func helperFunction(t testing.TB, name, mode string) Function {
	return Function{Name: name, Runtime: "provided.al2023", Handler: "helper", Code: helperDir(t),
		Environment: map[string]string{helperEnv: mode}}
}

type rawClient struct {
	base string
	c    *http.Client
}

func (rc rawClient) do(method, path string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	req, _ := http.NewRequest(method, rc.base+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := rc.c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(20)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, b
}

// runHelper is a hand-written runtime that exercises the Runtime API.
func runHelper(mode string) int {
	rc := rawClient{base: "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime", c: &http.Client{}}
	if mode == "initerror" {
		code, _, _ := rc.do("POST", "/init/error", []byte(`{"errorType":"Custom.InitFailure","errorMessage":"cannot start"}`),
			map[string]string{"Lambda-Runtime-Function-Error-Type": "Custom.InitFailure"})
		fmt.Println("init error posted:", code)
		return 1
	}
	if mode == "exit0" {
		return 0
	}
	if mode == "httpserver" {
		return runEchoServer()
	}
	for {
		code, h, body := rc.do("GET", "/invocation/next", nil, nil)
		if code != http.StatusOK {
			return 21
		}
		id := h.Get("Lambda-Runtime-Aws-Request-Id")
		respond := func(b []byte) int {
			c, _, _ := rc.do("POST", "/invocation/"+id+"/response", b, nil)
			return c
		}
		switch mode {
		case "notjson":
			respond([]byte("this is <not> json"))
		case "toolarge":
			var ev struct{ Bytes int }
			_ = json.Unmarshal(body, &ev)
			if ev.Bytes > 0 {
				c := respond(bytes.Repeat([]byte("a"), ev.Bytes))
				fmt.Println("big response answered", c)
			} else {
				respond([]byte(`"small"`))
			}
		case "sleep":
			var ev struct{ Millis int }
			_ = json.Unmarshal(body, &ev)
			time.Sleep(time.Duration(ev.Millis) * time.Millisecond)
			respond([]byte(fmt.Sprintf(`{"pid":%d}`, os.Getpid())))
		case "child":
			c := exec.Command("sleep", "60")
			_ = c.Start()
			respond([]byte(fmt.Sprintf(`{"pid":%d,"child":%d}`, os.Getpid(), c.Process.Pid)))
		case "cpus":
			var ev struct{ Millis int }
			_ = json.Unmarshal(body, &ev)
			time.Sleep(time.Duration(ev.Millis) * time.Millisecond)
			respond([]byte(fmt.Sprintf(`{"numCPU":%d,"cpus":%s}`, runtime.NumCPU(), mustJSON(allowedCPUs()))))
		case "errorraw":
			c, _, _ := rc.do("POST", "/invocation/"+id+"/error", []byte("plain text failure"),
				map[string]string{"Lambda-Runtime-Function-Error-Type": "Custom.Plain"})
			fmt.Println("error answered", c)
		case "protocol":
			codes := map[string]int{}
			codes["wrongID"], _, _ = rc.do("POST", "/invocation/not-the-id/response", []byte(`{}`), nil)
			codes["initAfterReady"], _, _ = rc.do("POST", "/init/error", []byte(`{}`), nil)
			codes["nextWhileBusy"], _, _ = rc.do("GET", "/invocation/next", nil, nil)
			codes["wrongMethod"], _, _ = rc.do("PUT", "/invocation/next", nil, nil)
			codes["unknownPath"], _, _ = rc.do("GET", "/2018-06-01/runtime/nope", nil, nil)
			codes["unknownAction"], _, _ = rc.do("POST", "/invocation/"+id+"/cancel", nil, nil)
			headers := map[string]string{}
			for k := range h {
				if strings.HasPrefix(k, "Lambda-Runtime-") {
					headers[k] = h.Get(k)
				}
			}
			out, _ := json.Marshal(map[string]any{"codes": codes, "headers": headers, "event": json.RawMessage(body)})
			first := respond(out)
			second := respond(out)
			fmt.Printf("response codes %d %d\n", first, second)
		default:
			respond(body)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// runEchoServer is the benchmark baseline: a plain Go HTTP echo server in
// its own process, as a function is. It prints its address on stdout.
func runEchoServer() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 30
	}
	fmt.Println(ln.Addr().String())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	return 0
}

// buildGoFunction builds testdata/gofn (aws-lambda-go) once per source
// version into a shared cache directory and returns a code directory with
// its bootstrap.
func buildGoFunction(t testing.TB) string {
	t.Helper()
	src := filepath.Join("testdata", "gofn")
	sum := sha256.New()
	for _, f := range []string{"main.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		sum.Write(b)
	}
	dir := filepath.Join(os.TempDir(), "gatehouse-lambda-gofn-"+hex.EncodeToString(sum.Sum(nil))[:16])
	bin := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bin); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf("bootstrap.%d.tmp", os.Getpid()))
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build testdata/gofn: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return dir
}

// logSink collects log records as JSON lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

type logRecord struct {
	Msg       string `json:"msg"`
	Function  string `json:"function"`
	RequestID string `json:"requestId"`
}

func (s *logSink) records() []logRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []logRecord
	dec := json.NewDecoder(bytes.NewReader(s.buf.Bytes()))
	for {
		var r logRecord
		if err := dec.Decode(&r); err != nil {
			return out
		}
		out = append(out, r)
	}
}

// waitLog waits until a record satisfies ok.
func (s *logSink) waitLog(t *testing.T, ok func(logRecord) bool) logRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range s.records() {
			if ok(r) {
				return r
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no matching log record; have:\n%s", s.tail())
	return logRecord{}
}

func (s *logSink) tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buf.Bytes()
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func newTestHost(t testing.TB, opts Options, fns ...Function) (*Host, *logSink) {
	t.Helper()
	sink := &logSink{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(sink, nil))
	}
	h, err := New(fns, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h, sink
}

// processGone reports whether pid no longer runs (or is a zombie).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// pid (comm) S ...
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && len(b) > i+2 && (b[i+2] == 'Z' || b[i+2] == 'X')
}
