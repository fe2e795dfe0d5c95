package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/uuid"
)

// sandbox is one function process (an "execution environment") with its
// own loopback Runtime API listener, so requests need no routing and a
// process can only see its own invocations.
type sandbox struct {
	p        *pool
	pid      int
	srv      *http.Server
	cpuSlots []int // given back to the host's cpuPlacer when the process exits

	next    chan *invocation // cap 1: the pool gives a sandbox one invocation at a time
	stopped chan struct{}    // closed by kill
	exited  chan struct{}    // closed once the process is reaped
	exitErr error            // set before exited is closed

	spawned    time.Time
	ready      chan struct{} // closed at the first /next: init is over
	readyOnce  sync.Once
	initDur    time.Duration // set before ready is closed
	initLogged atomic.Bool

	initFailed chan struct{} // closed when the runtime posts /init/error
	initOnce   sync.Once
	initBody   []byte // set before initFailed is closed

	killOnce sync.Once

	// memMB caches the peak RSS for REPORT lines; reading /proc costs
	// tens of microseconds, so it is refreshed at most once a second.
	memMB   atomic.Int64
	memRead atomic.Int64 // unix nanoseconds of the last read

	parked atomic.Int32 // runtime requests waiting in /next

	mu    sync.Mutex
	cur   *invocation            // the invocation last delivered by /next
	curID atomic.Pointer[string] // its request ID, for log lines
}

// invocation is one event travelling to a sandbox and back.
type invocation struct {
	id      string
	payload []byte
	opts    InvokeOptions

	state   atomic.Int32  // invPending, invStarted or invAbandoned
	started chan struct{} // closed when /next hands the event to the runtime
	// startAt and deadline are written before started is closed.
	startAt  time.Time
	deadline time.Time

	finished atomic.Bool // the first of response, error, timeout or crash wins
	done     chan reply  // cap 1; receives the runtime's reply when it wins
}

const (
	invPending int32 = iota
	invStarted
	invAbandoned
)

type reply struct {
	body     []byte
	isError  bool
	errType  string // Lambda-Runtime-Function-Error-Type
	tooLarge bool
}

// outcome is what sandbox.run and sandbox.await report to the pool.
type outcome struct {
	result   []byte
	fe       *FunctionError
	err      error
	keep     bool // the process can take another invocation
	retry    bool // the event never reached the process: use a fresh one
	detached bool // ctx ended while the function runs
}

func newInvocation(id string, payload []byte, o InvokeOptions) *invocation {
	if o.TraceID == "" {
		o.TraceID = newTraceID()
	}
	return &invocation{id: id, payload: payload, opts: o, started: make(chan struct{}), done: make(chan reply, 1)}
}

// abandon takes back an event the runtime has not started; it reports false
// when the runtime got it first.
func (inv *invocation) abandon(sb *sandbox) bool {
	if !inv.state.CompareAndSwap(invPending, invAbandoned) {
		return false
	}
	select {
	case <-sb.next:
	default:
	}
	return true
}

// spawn starts a new process for p. A missing or unusable bootstrap is a
// function error (Runtime.InvalidEntrypoint), as on Lambda.
func (p *pool) spawn(reqID string) (*sandbox, *FunctionError, error) {
	var path string
	var args []string
	switch p.kind {
	case kindProvided:
		path = filepath.Join(p.codeDir, "bootstrap")
	case kindGo1x:
		path = filepath.Join(p.codeDir, p.fn.Handler)
	case kindNode:
		path, args = p.host.node, []string{filepath.Join(p.host.runtimeDir, "node", "bootstrap.js")}
	case kindPython:
		path, args = p.host.python, []string{filepath.Join(p.host.runtimeDir, "python", "bootstrap.py")}
	}
	if p.kind == kindProvided || p.kind == kindGo1x {
		if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return nil, invalidEntrypoint(reqID, path), nil
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, &InvokeError{Code: CodeService, Message: "cannot listen for the Runtime API", Err: err}
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		_ = ln.Close()
		return nil, nil, &InvokeError{Code: CodeService, Message: "cannot create the log pipe", Err: err}
	}
	logStream := time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16)
	cmd := &exec.Cmd{
		Path:   path,
		Args:   append([]string{path}, args...),
		Env:    p.environ(ln.Addr().String(), logStream),
		Dir:    p.codeDir,
		Stdout: wr,
		Stderr: wr,
		// Its own process group, so kill reaches the function's children;
		// Pdeathsig so nothing outlives a crashed gatehouse.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	}
	sb := &sandbox{
		p:          p,
		next:       make(chan *invocation, 1),
		stopped:    make(chan struct{}),
		exited:     make(chan struct{}),
		ready:      make(chan struct{}),
		initFailed: make(chan struct{}),
		spawned:    time.Now(),
	}
	cpus, slots := p.host.cpus.place(p.fn.MemorySize)
	if err := startOnCPUs(cmd, cpus); err != nil {
		p.host.cpus.release(slots)
		_ = ln.Close()
		_ = rd.Close()
		_ = wr.Close()
		if p.kind == kindProvided || p.kind == kindGo1x {
			return nil, invalidEntrypoint(reqID, path), nil
		}
		return nil, nil, &InvokeError{Code: CodeService, Message: "cannot start the runtime", Err: err}
	}
	_ = wr.Close()
	sb.pid = cmd.Process.Pid
	sb.cpuSlots = slots
	sb.srv = &http.Server{
		Handler:           sb,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}

	p.mu.Lock()
	p.live[sb] = struct{}{}
	p.mu.Unlock()
	ok := p.host.goTracked(
		func() { _ = sb.srv.Serve(ln) },
		func() { sb.pumpLogs(rd) },
		func() {
			err := cmd.Wait()
			// The group may still hold the function's children.
			_ = syscall.Kill(-sb.pid, syscall.SIGKILL)
			sb.exitErr = err
			p.host.cpus.release(sb.cpuSlots)
			close(sb.exited)
			_ = sb.srv.Close()
			p.forget(sb)
		})
	if !ok {
		sb.kill()
		_ = cmd.Wait()
		p.host.cpus.release(slots)
		_ = ln.Close()
		_ = rd.Close()
		p.forget(sb)
		return nil, nil, &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}
	}
	return sb, nil, nil
}

func invalidEntrypoint(reqID, path string) *FunctionError {
	return platformError("Runtime.InvalidEntrypoint",
		fmt.Sprintf("RequestId: %s Error: Couldn't find valid bootstrap(s): [%s]", reqID, path))
}

// kill stops the process group at once (SIGKILL, as Lambda does on timeout).
func (sb *sandbox) kill() {
	sb.killOnce.Do(func() {
		close(sb.stopped)
		_ = syscall.Kill(-sb.pid, syscall.SIGKILL)
	})
}

func (sb *sandbox) dead() bool {
	select {
	case <-sb.stopped:
		return true
	case <-sb.exited:
		return true
	default:
		return false
	}
}

func (sb *sandbox) isReady() bool {
	select {
	case <-sb.ready:
		return true
	default:
		return false
	}
}

func (sb *sandbox) markReady() {
	sb.readyOnce.Do(func() {
		sb.initDur = time.Since(sb.spawned)
		close(sb.ready)
	})
}

// run gives inv to the process and waits for the outcome.
func (sb *sandbox) run(ctx context.Context, inv *invocation) outcome {
	sb.next <- inv // never blocks: the channel is empty whenever the pool hands sb out
	if !sb.isReady() {
		t := time.NewTimer(initTimeoutSeconds * time.Second)
		defer t.Stop()
		select {
		case <-inv.started:
		case <-sb.initFailed:
			if inv.abandon(sb) {
				// The runtime exits by itself after reporting; give it a
				// moment so its last log lines are not lost.
				t.Reset(100 * time.Millisecond)
				select {
				case <-sb.exited:
				case <-t.C:
				}
				sb.kill()
				sb.logInitError()
				return outcome{fe: sb.initError()}
			}
		case <-sb.exited:
			if inv.abandon(sb) {
				select {
				case <-sb.initFailed: // posted just before exiting
					sb.logInitError()
					return outcome{fe: sb.initError()}
				default:
				}
				return sb.exitOutcome(inv)
			}
		case <-t.C:
			if inv.abandon(sb) {
				sb.kill()
				return outcome{fe: sb.p.timeoutError(inv.id, initTimeoutSeconds*time.Second)}
			}
		case <-ctx.Done():
			if inv.abandon(sb) {
				sb.kill()
				return outcome{err: fmt.Errorf("invoke %s: %w", sb.p.fn.Name, ctx.Err())}
			}
		}
	} else {
		select {
		case <-inv.started:
		case <-sb.exited:
			if inv.abandon(sb) {
				if sb.p.host.closed() {
					return outcome{err: &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}}
				}
				return outcome{retry: true, fe: platformError("Runtime.ExitError", "RequestId: "+inv.id+" Error: "+sb.exitMessage())}
			}
		case <-ctx.Done():
			if inv.abandon(sb) {
				return outcome{keep: true, err: fmt.Errorf("invoke %s: %w", sb.p.fn.Name, ctx.Err())}
			}
		}
	}
	<-inv.started // abandon failed: the runtime took the event
	sb.p.logf(inv.id, "START RequestId: %s Version: $LATEST", inv.id)
	return sb.await(inv, ctx.Done())
}

// await waits for the reply to a started invocation, its timeout or the
// death of the process. cancel (may be nil) detaches the caller.
func (sb *sandbox) await(inv *invocation, cancel <-chan struct{}) outcome {
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case r := <-inv.done:
		return sb.complete(inv, r)
	case <-sb.exited:
		if inv.finished.CompareAndSwap(false, true) {
			out := sb.exitOutcome(inv)
			sb.p.report(inv, sb, 0, "error", "Runtime.ExitError")
			return out
		}
		return sb.complete(inv, <-inv.done)
	case <-timer.C:
		if inv.finished.CompareAndSwap(false, true) {
			mem := sb.maxMemory(true)
			sb.kill()
			sb.p.logf(inv.id, "%s %s Task timed out after %.2f seconds",
				time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, sb.p.timeout.Seconds())
			sb.p.report(inv, sb, mem, "timeout", "")
			return outcome{fe: sb.p.timeoutError(inv.id, sb.p.timeout)}
		}
		return sb.complete(inv, <-inv.done)
	case <-cancel:
		return outcome{detached: true}
	}
}

// complete turns the runtime's reply into the outcome.
func (sb *sandbox) complete(inv *invocation, r reply) outcome {
	out := outcome{keep: true}
	status, errType := "", ""
	switch {
	case r.tooLarge:
		out.fe = platformError("Function.ResponseSizeTooLarge",
			fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize))
		status, errType = "error", out.fe.Type
	case r.isError:
		out.fe = runtimeErrorDocument(r.body, r.errType)
		status, errType = "error", out.fe.Type
	default:
		out.result = r.body
	}
	sb.p.report(inv, sb, -1, status, errType)
	return out
}

// runtimeErrorDocument keeps the runtime's error document when it is a JSON
// object and wraps anything else.
func runtimeErrorDocument(body []byte, headerType string) *FunctionError {
	// JSON's own whitespace only: bytes.TrimSpace would also drop \f and
	// the like, which JSON does not allow (found by FuzzFunctionError).
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' && jsonValid(trimmed) {
		fe := newFunctionError(trimmed)
		if fe.Type == "" {
			fe.Type = headerType
		}
		return fe
	}
	if headerType == "" {
		headerType = "Runtime.Unknown"
	}
	return platformError(headerType, string(body))
}

func (sb *sandbox) exitOutcome(inv *invocation) outcome {
	if sb.p.host.closed() {
		return outcome{err: &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}}
	}
	msg := sb.exitMessage()
	sb.p.logf(inv.id, "RequestId: %s Error: %s\nRuntime.ExitError", inv.id, msg)
	return outcome{fe: platformError("Runtime.ExitError", "RequestId: "+inv.id+" Error: "+msg)}
}

// exitMessage describes how the process ended (after exited is closed).
func (sb *sandbox) exitMessage() string {
	var ee *exec.ExitError
	if errors.As(sb.exitErr, &ee) && !ee.Success() {
		return "Runtime exited with error: " + ee.ProcessState.String()
	}
	if sb.exitErr != nil {
		return "Runtime exited with error: " + sb.exitErr.Error()
	}
	return "Runtime exited without providing a reason"
}

func (sb *sandbox) initError() *FunctionError {
	body := sb.initBody
	return runtimeErrorDocument(body, "Runtime.Unknown")
}

func (sb *sandbox) logInitError() {
	fe := sb.initError()
	sb.p.logf("", "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: %s",
		msPrecise(time.Since(sb.spawned)), fe.Type)
}

// timeoutError is Lambda's timeout document; the time is the configured
// limit, as in Lambda's message.
func (p *pool) timeoutError(id string, limit time.Duration) *FunctionError {
	if p.host.legacyTO {
		return platformError("", fmt.Sprintf("%s %s Task timed out after %.2f seconds",
			time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), id, limit.Seconds()))
	}
	return platformError("Sandbox.Timedout",
		fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, limit.Seconds()))
}

// newRequestID returns a random (version 4) UUID, the shape of Lambda's
// request IDs.
func newRequestID() string { return uuid.New() }

// newTraceID returns an X-Ray trace header, not sampled.
func newTraceID() string {
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + randomHex(12) +
		";Parent=" + randomHex(8) + ";Sampled=0"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// maxMemory returns the process's peak RSS in MB, read at most once a
// second unless fresh is set.
func (sb *sandbox) maxMemory(fresh bool) int {
	now := time.Now().UnixNano()
	if !fresh && now-sb.memRead.Load() < int64(time.Second) {
		return int(sb.memMB.Load())
	}
	mb := maxMemoryMB(sb.pid)
	sb.memMB.Store(int64(mb))
	sb.memRead.Store(now)
	return mb
}

// maxMemoryMB reads the peak resident set (VmHWM) of pid, in MB (rounded
// up); 0 when unknown.
func maxMemoryMB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("VmHWM:"))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+len("VmHWM:"):])
	if len(f) == 0 {
		return 0
	}
	kb, err := strconv.Atoi(string(f[0]))
	if err != nil {
		return 0
	}
	return (kb + 1023) / 1024
}
