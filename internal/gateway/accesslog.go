package gateway

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/model"
)

// LogSinks owns the access log destinations: one buffered writer per
// destination, flushed every FlushInterval and on Close, so that logging
// never costs a system call per request.
type LogSinks struct {
	mu      sync.Mutex
	sinks   map[string]*sink
	stdout  io.Writer
	stop    chan struct{}
	stopped sync.WaitGroup
}

// FlushInterval is how often buffered access log lines are written out.
const FlushInterval = 200 * time.Millisecond

type sink struct {
	mu   sync.Mutex
	w    *bufio.Writer
	file *os.File // nil for stdout/stderr
}

// accessBufs are the buffers of JSON access log lines.
var accessBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// accessRecord is the default access log line's fields, in order.
type accessRecord struct {
	requestID, ip, requestTime, httpMethod, routeKey, resourcePath, path string
	status                                                               int64
	protocol                                                             string
	responseLength, integrationLatency, responseLatency                  int64
	apiID, stage, errorMessage                                           string
}

func newAccessRecord(ex *exchange) accessRecord {
	return accessRecord{
		requestID: ex.requestID, ip: ex.sourceIP, requestTime: ex.ContextValue("requestTime"),
		httpMethod: ex.in.Method, routeKey: ex.ContextValue("routeKey"),
		resourcePath: ex.ContextValue("resourcePath"), path: ex.in.URL.EscapedPath(),
		status: int64(ex.status), protocol: ex.in.Proto, responseLength: ex.written,
		integrationLatency: ex.integLatency.Milliseconds(), responseLatency: time.Since(ex.start).Milliseconds(),
		apiID: ex.api.api.ID, stage: ex.stage.name, errorMessage: ex.ContextValue("error.message"),
	}
}

// attrs are the record as slog attributes (the sink's slog logger writes
// the same line; tests compare the two).
func (r *accessRecord) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("requestId", r.requestID), slog.String("ip", r.ip),
		slog.String("requestTime", r.requestTime), slog.String("httpMethod", r.httpMethod),
		slog.String("routeKey", r.routeKey), slog.String("resourcePath", r.resourcePath),
		slog.String("path", r.path), slog.Int64("status", r.status),
		slog.String("protocol", r.protocol), slog.Int64("responseLength", r.responseLength),
		slog.Int64("integrationLatency", r.integrationLatency), slog.Int64("responseLatency", r.responseLatency),
		slog.String("apiId", r.apiID), slog.String("stage", r.stage), slog.String("errorMessage", r.errorMessage),
	}
}

// appendJSON appends the line the slog JSON handler writes for attrs(),
// directly: this runs once per request.
func (r *accessRecord) appendJSON(b []byte, now time.Time) []byte {
	b = append(b, `{"time":"`...)
	b = now.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"access"`...)
	str := func(key, v string) {
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":`...)
		b = appendJSONString(b, v)
	}
	num := func(key string, v int64) {
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, v, 10)
	}
	str("requestId", r.requestID)
	str("ip", r.ip)
	str("requestTime", r.requestTime)
	str("httpMethod", r.httpMethod)
	str("routeKey", r.routeKey)
	str("resourcePath", r.resourcePath)
	str("path", r.path)
	num("status", r.status)
	str("protocol", r.protocol)
	num("responseLength", r.responseLength)
	num("integrationLatency", r.integrationLatency)
	num("responseLatency", r.responseLatency)
	str("apiId", r.apiID)
	str("stage", r.stage)
	str("errorMessage", r.errorMessage)
	return append(b, "}\n"...)
}

// writeJSONAccess writes the default access log line of ex.
func (s *sink) writeJSONAccess(ex *exchange) {
	rec := newAccessRecord(ex)
	bp := accessBufs.Get().(*[]byte)
	b := rec.appendJSON((*bp)[:0], time.Now())
	_, _ = s.Write(b)
	*bp = b
	accessBufs.Put(bp)
}

// Write writes one whole line (p ends in '\n') under the sink's lock.
func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *sink) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

// NewLogSinks returns the sinks; stdout is where "stdout" lines go (nil
// means os.Stdout).
func NewLogSinks(stdout io.Writer) *LogSinks {
	if stdout == nil {
		stdout = os.Stdout
	}
	ls := &LogSinks{sinks: map[string]*sink{}, stdout: stdout, stop: make(chan struct{})}
	ls.stopped.Add(1)
	go ls.flushLoop()
	return ls
}

func (ls *LogSinks) flushLoop() {
	defer ls.stopped.Done()
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ls.stop:
			return
		case <-t.C:
			ls.flushAll()
		}
	}
}

func (ls *LogSinks) flushAll() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, s := range ls.sinks {
		_ = s.flush()
	}
}

// Close flushes every sink and closes the files.
func (ls *LogSinks) Close() error {
	select {
	case <-ls.stop:
		return nil
	default:
	}
	close(ls.stop)
	ls.stopped.Wait()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var first error
	for _, s := range ls.sinks {
		if err := s.flush(); err != nil && first == nil {
			first = err
		}
		if s.file != nil {
			if err := s.file.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (ls *LogSinks) get(dest string) (*sink, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if s := ls.sinks[dest]; s != nil {
		return s, nil
	}
	s := &sink{}
	switch dest {
	case "stdout":
		s.w = bufio.NewWriterSize(ls.stdout, 64<<10)
	case "stderr":
		s.w = bufio.NewWriterSize(os.Stderr, 64<<10)
	default:
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open access log: %w", err)
		}
		s.file = f
		s.w = bufio.NewWriterSize(f, 64<<10)
	}
	ls.sinks[dest] = s
	return s, nil
}

// accessLog writes a stage's access log: AWS's accessLogSettings.format
// when set, else gatehouse's default JSON line through log/slog.
type accessLog struct {
	sink  *sink
	parts []formatPart // nil for the default JSON line
}

type formatPart struct {
	text string
	ctx  string // $context variable name without "context."
}

func newAccessLog(cfg model.AccessLog, sinks *LogSinks) (*accessLog, error) {
	dest := cfg.Destination
	if dest == "" {
		dest = "stdout"
	}
	if dest == "off" || sinks == nil {
		return nil, nil
	}
	s, err := sinks.get(dest)
	if err != nil {
		return nil, err
	}
	al := &accessLog{sink: s}
	if cfg.Format != "" {
		al.parts = compileFormat(cfg.Format)
	}
	return al, nil
}

// compileFormat splits an access log format into text and $context
// variables (letters, digits, '.' and '_').
func compileFormat(f string) []formatPart {
	var parts []formatPart
	for f != "" {
		i := strings.Index(f, "$context.")
		if i < 0 {
			parts = append(parts, formatPart{text: f})
			break
		}
		if i > 0 {
			parts = append(parts, formatPart{text: f[:i]})
		}
		f = f[i+len("$context."):]
		j := 0
		for j < len(f) && (isIdent(f[j]) || f[j] == '.' && j+1 < len(f) && isIdent(f[j+1])) {
			j++
		}
		parts = append(parts, formatPart{ctx: f[:j]})
		f = f[j:]
	}
	return parts
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// accessLog writes the request's line to its stage's access log.
func (g *Gateway) accessLog(ex *exchange) {
	if ex.stage == nil || ex.stage.accessLog == nil {
		return
	}
	al := ex.stage.accessLog
	if al.parts == nil {
		al.sink.writeJSONAccess(ex)
		return
	}
	buf := make([]byte, 0, 256)
	for _, p := range al.parts {
		if p.ctx == "" {
			buf = append(buf, p.text...)
			continue
		}
		v := ex.ContextValue(p.ctx)
		if v == "" {
			v = "-" // AWS writes "-" for a variable with no value
		}
		buf = append(buf, v...)
	}
	buf = append(buf, '\n')
	_, _ = al.sink.Write(buf)
}
