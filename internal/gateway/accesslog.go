package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
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
	json *slog.Logger
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
	s.json = slog.New(newJSONLineHandler(s))
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
		al.sink.json.LogAttrs(context.Background(), slog.LevelInfo, "access",
			slog.String("requestId", ex.requestID),
			slog.String("ip", ex.sourceIP),
			slog.String("requestTime", ex.ContextValue("requestTime")),
			slog.String("httpMethod", ex.in.Method),
			slog.String("routeKey", ex.ContextValue("routeKey")),
			slog.String("resourcePath", ex.ContextValue("resourcePath")),
			slog.String("path", ex.in.URL.EscapedPath()),
			slog.Int("status", ex.status),
			slog.String("protocol", ex.in.Proto),
			slog.Int64("responseLength", ex.written),
			slog.Int64("integrationLatency", ex.integLatency.Milliseconds()),
			slog.Int64("responseLatency", time.Since(ex.start).Milliseconds()),
			slog.String("apiId", ex.api.api.ID),
			slog.String("stage", ex.stage.name),
			slog.String("errorMessage", ex.ContextValue("error.message")),
		)
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
