package lambda

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"time"
)

// maxLogLine is the longest log record; longer output is split, as
// CloudWatch Logs splits events over 256 KB.
const maxLogLine = 256 << 10

// pumpLogs sends the function's stdout and stderr, line by line, to the
// logger with the current request ID. It ends when every process of the
// group has closed the pipe.
func (sb *sandbox) pumpLogs(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull && len(line) < maxLogLine {
			continue
		}
		if len(line) > 0 {
			id := ""
			if p := sb.curID.Load(); p != nil {
				id = *p
			}
			sb.p.logLine(id, strings.TrimRight(string(line), "\r\n"))
			line = line[:0]
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func (p *pool) logLine(id, msg string) {
	p.logger.LogAttrs(context.Background(), slog.LevelInfo, msg, slog.String("requestId", id))
}

// logf writes a platform line (START, END, REPORT, timeouts).
func (p *pool) logf(id, format string, args ...any) {
	if !p.logger.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	p.logLine(id, fmt.Sprintf(format, args...))
}

// report writes the END and REPORT lines of an invocation. mem < 0 means
// "read it" (fresh for failures, else at most once a second); status is "",
// "error" or "timeout".
func (p *pool) report(inv *invocation, sb *sandbox, mem int, status, errType string) {
	if !p.logger.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	d := time.Since(inv.startAt)
	if mem < 0 {
		mem = sb.maxMemory(status != "")
	}
	p.logLine(inv.id, "END RequestId: "+inv.id)
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, msPrecise(d), int64(math.Ceil(msPrecise(d))), p.fn.MemorySize, mem)
	if sb.initLogged.CompareAndSwap(false, true) {
		fmt.Fprintf(&b, "\tInit Duration: %.2f ms", msPrecise(sb.initDur))
	}
	if status != "" {
		fmt.Fprintf(&b, "\tStatus: %s", status)
	}
	if errType != "" {
		fmt.Fprintf(&b, "\tError Type: %s", errType)
	}
	p.logLine(inv.id, b.String())
}

func msPrecise(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
