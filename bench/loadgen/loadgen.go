// Package loadgen is the closed-loop HTTP/1.1 load generator of the
// end-to-end benchmarks in bench/.
//
// Each of Config.Conns workers owns one keep-alive TCP connection and sends
// its next request as soon as the previous response has been read in full,
// so the offered load adapts to the server (closed loop). Workers speak
// HTTP/1.1 directly over their net.Conn with Request.Write and
// http.ReadResponse instead of going through http.Transport: on a 2-core
// machine shared with the server under test, the Transport's two goroutines
// and channel hand-offs per connection would take CPU from the servers being
// compared. Requests with a constant shape (no Prepare hook) are serialized
// once and the same bytes are written every time.
//
// Latencies go into per-worker fixed-size Histograms that are merged at the
// end, so memory does not grow with the number of requests.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxErrorSamples is how many distinct error messages a Result keeps.
const maxErrorSamples = 5

// Config describes one load run. URL and Duration are required.
type Config struct {
	// URL is the absolute http:// URL every request is sent to.
	URL string
	// Method is the request method; "" means GET.
	Method string
	// Header is added to every request; nil means no extra headers.
	Header http.Header
	// Body is sent with every request with a Content-Length; nil means no
	// body.
	Body []byte
	// Prepare, if not nil, is called on every request after Header is
	// applied and just before it is written, e.g. to sign it with SigV4. Its
	// cost is part of the measured latency, on both sides of a comparison.
	// An error counts as a transport error and the request is not sent. nil
	// means the request is serialized once and reused.
	Prepare func(*http.Request) error
	// Conns is the number of concurrent connections (and workers); 0 means 64.
	Conns int
	// Warmup is run before the measurement and not counted; 0 means none.
	Warmup time.Duration
	// Duration is the measured time window.
	Duration time.Duration
	// Timeout bounds each request (dial, write, response); 0 means 10 s.
	Timeout time.Duration
}

// Result is the outcome of a run. Only requests that completed inside the
// measurement window are counted in Requests, Latency, Non2xx and
// TransportErrors; errors during the warm-up are counted separately so that
// none goes unreported.
type Result struct {
	// Requests is the number of 2xx responses completed in the window.
	Requests uint64
	// Window is the length of the measurement window.
	Window time.Duration
	// Latency holds the latency of every 2xx response in the window, from
	// the first byte written to the last body byte read.
	Latency *Histogram
	// Non2xx counts responses with a status outside 200-299 in the window,
	// and Status breaks them down by status code.
	Non2xx uint64
	Status map[int]uint64
	// TransportErrors counts failed dials, writes, reads, timeouts and
	// Prepare errors in the window.
	TransportErrors uint64
	// WarmupRequests counts the 2xx responses of the warm-up.
	WarmupRequests uint64
	// WarmupNon2xx and WarmupTransportErrors count errors during the warm-up.
	WarmupNon2xx          uint64
	WarmupTransportErrors uint64
	// Dials is the number of TCP connections opened, warm-up included. It
	// equals Conns when the server keeps every connection alive.
	Dials uint64
	// ErrorSamples holds up to five distinct error messages, warm-up
	// included.
	ErrorSamples []string
}

// Throughput returns the 2xx responses per second in the window.
func (r *Result) Throughput() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Window.Seconds()
}

// Errors returns all errors of the run, warm-up included.
func (r *Result) Errors() uint64 {
	return r.Non2xx + r.TransportErrors + r.WarmupNon2xx + r.WarmupTransportErrors
}

// String summarizes r on one line.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.0f req/s  p50 %v  p90 %v  p99 %v  max %v  non2xx %d  transport errors %d",
		r.Throughput(), r.Latency.Percentile(0.50), r.Latency.Percentile(0.90),
		r.Latency.Percentile(0.99), r.Latency.Max(), r.Non2xx, r.TransportErrors)
	if r.WarmupNon2xx+r.WarmupTransportErrors > 0 {
		fmt.Fprintf(&b, "  (warm-up: non2xx %d, transport errors %d)", r.WarmupNon2xx, r.WarmupTransportErrors)
	}
	return b.String()
}

// Run sends load as described by cfg until the warm-up and the window have
// passed or ctx is done, and returns what was measured. Request errors do
// not stop the run; they are counted in the Result. Run returns an error
// only for an invalid cfg or when ctx ends first.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
	}
	if cfg.Conns == 0 {
		cfg.Conns = 64
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Conns < 0 || cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Timeout < 0 {
		return nil, fmt.Errorf("loadgen: need Conns >= 0, Duration > 0, Warmup >= 0, Timeout >= 0; have %d, %v, %v, %v",
			cfg.Conns, cfg.Duration, cfg.Warmup, cfg.Timeout)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("loadgen: parse URL: %w", err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadgen: URL %q: need an absolute http:// URL", cfg.URL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	var static []byte
	if cfg.Prepare == nil {
		req, err := newRequest(ctx, &cfg)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := req.Write(&buf); err != nil {
			return nil, fmt.Errorf("loadgen: serialize request: %w", err)
		}
		static = buf.Bytes()
	}

	start := time.Now()
	win := window{warmEnd: start.Add(cfg.Warmup), end: start.Add(cfg.Warmup + cfg.Duration)}
	workers := make([]*worker, cfg.Conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{cfg: &cfg, addr: addr, static: static, win: win}
		workers[i] = w
		wg.Go(func() { w.run(ctx) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		for _, w := range workers {
			w.closeConn()
		}
		return nil, fmt.Errorf("loadgen: run interrupted: %w", err)
	}

	res := &Result{Window: cfg.Duration, Latency: new(Histogram), Status: map[int]uint64{}}
	for _, w := range workers {
		w.closeConn()
		res.Latency.Merge(&w.hist)
		res.Non2xx += w.non2xx
		res.TransportErrors += w.transportErrs
		res.WarmupRequests += w.warmRequests
		res.WarmupNon2xx += w.warmNon2xx
		res.WarmupTransportErrors += w.warmTransportErrs
		res.Dials += w.dials
		for code, n := range w.status {
			res.Status[code] += n
		}
		for _, s := range w.samples {
			if len(res.ErrorSamples) < maxErrorSamples && !contains(res.ErrorSamples, s) {
				res.ErrorSamples = append(res.ErrorSamples, s)
			}
		}
	}
	res.Requests = res.Latency.Count()
	sort.Strings(res.ErrorSamples)
	return res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// newRequest builds one request from cfg.
func newRequest(ctx context.Context, cfg *Config) (*http.Request, error) {
	var body io.Reader
	if cfg.Body != nil {
		body = bytes.NewReader(cfg.Body)
	}
	req, err := http.NewRequestWithContext(ctx, cfg.Method, cfg.URL, body)
	if err != nil {
		return nil, fmt.Errorf("loadgen: new request: %w", err)
	}
	for k, vs := range cfg.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
		req.Header.Del("Host")
	}
	return req, nil
}

// window is the measurement window of a run.
type window struct {
	warmEnd, end time.Time
}

// worker drives one connection. Everything but conn is touched by its own
// goroutine only.
type worker struct {
	cfg    *Config
	addr   string
	static []byte
	win    window

	mu   sync.Mutex // guards conn against the cancel hook
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer

	hist              Histogram
	warmRequests      uint64
	non2xx            uint64
	transportErrs     uint64
	warmNon2xx        uint64
	warmTransportErrs uint64
	dials             uint64
	status            map[int]uint64
	samples           []string
}

func (w *worker) run(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.conn != nil {
			_ = w.conn.SetDeadline(time.Unix(1, 0)) // unblock a pending read or write
		}
	})
	defer stop()
	failures := 0
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(w.win.end) {
			return
		}
		code, err := w.do(ctx, t0)
		t1 := time.Now()
		if t1.After(w.win.end) {
			return // completed after the window: not counted
		}
		warm := t1.Before(w.win.warmEnd)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			w.closeConn()
			w.sample(err.Error())
			if warm {
				w.warmTransportErrs++
			} else {
				w.transportErrs++
			}
			// Back off so that a refused connection does not spin a core.
			failures++
			time.Sleep(min(time.Duration(failures)*10*time.Millisecond, 200*time.Millisecond))
			continue
		case code < 200 || code > 299:
			w.sample(fmt.Sprintf("HTTP %d %s", code, http.StatusText(code)))
			if warm {
				w.warmNon2xx++
			} else {
				w.non2xx++
				if w.status == nil {
					w.status = map[int]uint64{}
				}
				w.status[code]++
			}
		case warm:
			w.warmRequests++
		default:
			w.hist.Record(t1.Sub(t0))
		}
		failures = 0
	}
}

func (w *worker) sample(s string) {
	if len(w.samples) < maxErrorSamples && !contains(w.samples, s) {
		w.samples = append(w.samples, s)
	}
}

// do sends one request on the worker's connection, dialing if needed, and
// reads the whole response. It returns the status code.
func (w *worker) do(ctx context.Context, t0 time.Time) (int, error) {
	if w.conn == nil {
		d := net.Dialer{Timeout: w.cfg.Timeout}
		c, err := d.DialContext(ctx, "tcp", w.addr)
		if err != nil {
			return 0, fmt.Errorf("dial: %w", err)
		}
		w.dials++
		w.mu.Lock()
		w.conn = c
		w.mu.Unlock()
		if ctx.Err() != nil { // cancelled while dialing: the hook may have missed c
			return 0, ctx.Err()
		}
		if w.br == nil {
			w.br = bufio.NewReaderSize(c, 16<<10)
			w.bw = bufio.NewWriterSize(c, 4<<10)
		} else {
			w.br.Reset(c)
			w.bw.Reset(c)
		}
	}
	if err := w.conn.SetDeadline(t0.Add(w.cfg.Timeout)); err != nil {
		return 0, fmt.Errorf("set deadline: %w", err)
	}

	var req *http.Request
	if w.static != nil {
		if _, err := w.bw.Write(w.static); err != nil {
			return 0, fmt.Errorf("write request: %w", err)
		}
	} else {
		var err error
		req, err = newRequest(ctx, w.cfg)
		if err != nil {
			return 0, err
		}
		if err := w.cfg.Prepare(req); err != nil {
			return 0, fmt.Errorf("prepare request: %w", err)
		}
		if err := req.Write(w.bw); err != nil {
			return 0, fmt.Errorf("write request: %w", err)
		}
	}
	if err := w.bw.Flush(); err != nil {
		return 0, fmt.Errorf("write request: %w", err)
	}

	// ReadResponse needs the request only to know about HEAD.
	if req == nil && w.cfg.Method == http.MethodHead {
		req = &http.Request{Method: http.MethodHead}
	}
	resp, err := http.ReadResponse(w.br, req)
	if err != nil {
		return 0, fmt.Errorf("read response: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("read response body: %w", err)
	}
	if resp.Close {
		w.closeConn() // server asked to close: the next request dials again
	}
	return resp.StatusCode, nil
}

func (w *worker) closeConn() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
}
