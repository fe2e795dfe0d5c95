// Package lambda runs Lambda functions locally, fast and without containers:
// each function gets warm processes that talk to a loopback implementation of
// the Lambda Runtime API (2018-06-01), so a provided.al2023 binary built with
// aws-lambda-go, or a Node.js or Python handler loaded by gatehouse's own
// embedded bootstraps, runs unchanged.
//
// A Host owns the processes of every configured function; Invoke is the
// synchronous (RequestResponse) Lambda Invoke. The behaviour copied from AWS
// (environment, error documents, timeouts, CloudWatch-style log lines) is
// described in docs/lambda-runtime.md.
package lambda

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed bootstrap/node/bootstrap.js bootstrap/python/bootstrap.py
var bootstraps embed.FS

// Options configure a Host. The zero value is ready to use.
type Options struct {
	// Region is used in ARNs and AWS_REGION; "" means us-east-1.
	Region string
	// AccountID is used in function ARNs; "" means 123456789012.
	AccountID string
	// Logger receives the functions' output and the START/END/REPORT lines,
	// with attributes "function" and "requestId"; nil means slog.Default().
	Logger *slog.Logger
	// Node is the node executable; "" means "node" on PATH. It is looked up
	// only when a nodejs* function is configured.
	Node string
	// Python is the Python 3 executable; "" means "python3" on PATH.
	Python string
	// LegacyTimeoutError selects the timeout document Lambda returned before
	// its 2023 invoke changes, {"errorMessage":"<time> <id> Task timed out
	// after 3.00 seconds"}, instead of today's {"errorType":"Sandbox.Timedout",
	// "errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}.
	LegacyTimeoutError bool
}

// Host runs a fixed set of functions. Its methods are safe for concurrent
// use; Close stops every process it started.
type Host struct {
	region     string
	account    string
	logger     *slog.Logger
	node       string
	python     string
	path       string
	runtimeDir string
	legacyTO   bool
	pools      map[string]*pool
	tempDirs   []string
	cpus       *cpuPlacer // nil: processes run on every CPU

	closing   chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex     // orders wg.Go against Close
	isClosed  bool           // guarded by mu
	wg        sync.WaitGroup // sandbox goroutines and detached invocations
}

// goTracked runs fs in goroutines that Close waits for; it reports false,
// running nothing, once Close has begun.
func (h *Host) goTracked(fs ...func()) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.isClosed {
		return false
	}
	for _, f := range fs {
		h.wg.Go(f)
	}
	return true
}

// New validates fns and prepares a Host. No process starts before the first
// Invoke of a function (a cold start). Every configuration problem is
// reported in the returned error.
func New(fns []Function, opts Options) (*Host, error) {
	h := &Host{
		region:   opts.Region,
		account:  opts.AccountID,
		logger:   opts.Logger,
		legacyTO: opts.LegacyTimeoutError,
		pools:    make(map[string]*pool, len(fns)),
		closing:  make(chan struct{}),
		cpus:     newCPUPlacer(allowedCPUs()),
	}
	if h.region == "" {
		h.region = "us-east-1"
	}
	if h.account == "" {
		h.account = "123456789012"
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	h.path = lambdaPath
	if hp := os.Getenv("PATH"); hp != "" {
		h.path += ":" + hp
	}

	var errs []error
	kinds := map[runtimeKind]bool{}
	for i := range fns {
		fn, kind, err := fns[i].normalize()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := h.pools[fn.Name]; dup {
			errs = append(errs, fmt.Errorf("function %q: defined twice", fn.Name))
			continue
		}
		kinds[kind] = true
		h.pools[fn.Name] = newPool(h, fn, kind)
	}
	if kinds[kindNode] {
		h.node, errs = lookExec(opts.Node, "node", errs)
	}
	if kinds[kindPython] {
		h.python, errs = lookExec(opts.Python, "python3", errs)
		if h.python != "" {
			h.python = realPython(h.python)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("lambda: %w", err)
	}
	if err := h.prepare(); err != nil {
		h.removeTemp()
		return nil, fmt.Errorf("lambda: %w", err)
	}
	return h, nil
}

func lookExec(configured, def string, errs []error) (string, []error) {
	name := configured
	if name == "" {
		name = def
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", append(errs, fmt.Errorf("runtime interpreter: %w", err))
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p, errs
}

// realPython asks the interpreter for its own path: version-manager shims
// (pyenv) are shell scripts that add a process and rewrite PATH on every
// cold start.
func realPython(p string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "-c", "import sys; print(sys.executable)").Output()
	if s := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(s) {
		return s
	}
	return p
}

// prepare writes the embedded bootstraps and resolves code directories,
// extracting zips.
func (h *Host) prepare() error {
	dir, err := os.MkdirTemp("", "gatehouse-lambda-runtime-")
	if err != nil {
		return fmt.Errorf("runtime dir: %w", err)
	}
	h.tempDirs = append(h.tempDirs, dir)
	h.runtimeDir = dir
	for _, name := range []string{"bootstrap/node/bootstrap.js", "bootstrap/python/bootstrap.py"} {
		b, err := bootstraps.ReadFile(name)
		if err != nil {
			return fmt.Errorf("embedded %s: %w", name, err)
		}
		dst := filepath.Join(dir, strings.TrimPrefix(name, "bootstrap/"))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("runtime dir: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("runtime dir: %w", err)
		}
	}
	for _, p := range h.pools {
		code, err := filepath.Abs(p.fn.Code)
		if err != nil {
			return fmt.Errorf("function %q: code: %w", p.fn.Name, err)
		}
		if st, err := os.Stat(code); err == nil && !st.IsDir() {
			tmp, err := os.MkdirTemp("", "gatehouse-lambda-"+p.fn.Name+"-")
			if err != nil {
				return fmt.Errorf("function %q: %w", p.fn.Name, err)
			}
			h.tempDirs = append(h.tempDirs, tmp)
			if err := extractZip(code, tmp); err != nil {
				return fmt.Errorf("function %q: %w", p.fn.Name, err)
			}
			code = tmp
		}
		p.codeDir = code
	}
	return nil
}

// InvokeOptions are the optional parts of an invocation.
type InvokeOptions struct {
	// TraceID is the X-Ray trace header passed as Lambda-Runtime-Trace-Id;
	// "" means a new Root=1-...;Parent=...;Sampled=0 is made.
	TraceID string
	// ClientContext and CognitoIdentity are passed as the
	// Lambda-Runtime-Client-Context and Lambda-Runtime-Cognito-Identity
	// headers when not "".
	ClientContext   string
	CognitoIdentity string
}

// Invoke runs function synchronously with payload as its event, as Lambda's
// Invoke with InvocationType RequestResponse does. function is a function
// name or its ARN (unqualified or qualified with $LATEST).
//
// It returns exactly one of: the function's response (fnErr and err nil);
// a function error (fnErr non-nil, result its payload); or an Invoke API
// error (err non-nil, an *InvokeError matching a Code with errors.Is, or the
// ctx error). When ctx ends first, Invoke returns at once while the function
// keeps its slot until it finishes or times out, as on Lambda.
func (h *Host) Invoke(ctx context.Context, function string, payload []byte) (result []byte, fnErr *FunctionError, err error) {
	return h.InvokeWith(ctx, function, payload, InvokeOptions{})
}

// InvokeWith is Invoke with InvokeOptions.
func (h *Host) InvokeWith(ctx context.Context, function string, payload []byte, o InvokeOptions) ([]byte, *FunctionError, error) {
	p, ok := h.pools[h.functionName(function)]
	if !ok {
		return nil, nil, &InvokeError{Code: CodeNotFound, Message: "Function not found: " + h.arn(function)}
	}
	if len(payload) > MaxRequestSize {
		return nil, nil, &InvokeError{Code: CodeRequestTooLarge,
			Message: fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxRequestSize)}
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	} else if !json.Valid(payload) {
		return nil, nil, &InvokeError{Code: CodeInvalidRequestContent, Message: "Could not parse request body into json"}
	}
	select {
	case <-h.closing:
		return nil, nil, &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}
	default:
	}
	return p.invoke(ctx, payload, o)
}

// functionName accepts a name or arn:aws:lambda:region:account:function:name[:$LATEST].
func (h *Host) functionName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
		return ""
	}
	if len(parts) == 8 && parts[7] != "$LATEST" {
		return ""
	}
	if len(parts) > 8 {
		return ""
	}
	return parts[6]
}

func (h *Host) arn(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return "arn:aws:lambda:" + h.region + ":" + h.account + ":function:" + name
}

// Close stops every function process (each in its own process group, so
// their children die too), waits for them, and removes temporary
// directories. Invocations in flight fail with CodeService. It is safe to
// call more than once.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.isClosed = true
		close(h.closing)
		h.mu.Unlock()
		for _, p := range h.pools {
			p.closeAll()
		}
		done := make(chan struct{})
		go func() { h.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.logger.Error("lambda: processes still running 10s after Close")
		}
		h.removeTemp()
	})
	return nil
}

func (h *Host) removeTemp() {
	for _, d := range h.tempDirs {
		if err := os.RemoveAll(d); err != nil {
			h.logger.Warn("lambda: removing temporary directory", "dir", d, "error", err)
		}
	}
}

func (h *Host) closed() bool {
	select {
	case <-h.closing:
		return true
	default:
		return false
	}
}
