package gateway

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// jsonLineHandler is a slog.Handler that writes each record as one JSON
// line, in the shape of slog.JSONHandler ({"time":...,"level":...,"msg":
// ...,attrs}) but without its generality. The access log itself appends
// its lines directly (accessRecord.appendJSON); this handler is the
// reference its tests compare those lines with.
// Groups and WithAttrs are supported plainly (attrs prefixed, no nesting).
type jsonLineHandler struct {
	w      io.Writer
	bufs   *sync.Pool
	prefix []byte // attrs from WithAttrs, already encoded with a leading ','
}

func newJSONLineHandler(w io.Writer) *jsonLineHandler {
	return &jsonLineHandler{w: w, bufs: &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}}
}

func (h *jsonLineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *jsonLineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.prefix = append([]byte(nil), h.prefix...)
	for _, a := range attrs {
		h2.prefix = appendAttr(h2.prefix, a)
	}
	return &h2
}

func (h *jsonLineHandler) WithGroup(string) slog.Handler { return h }

func (h *jsonLineHandler) Handle(_ context.Context, r slog.Record) error {
	bp := h.bufs.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, r.Level.String()...)
	b = append(b, `","msg":`...)
	b = appendJSONString(b, r.Message)
	b = append(b, h.prefix...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, a)
		return true
	})
	b = append(b, "}\n"...)
	_, err := h.w.Write(b)
	*bp = b
	h.bufs.Put(bp)
	return err
}

func appendAttr(b []byte, a slog.Attr) []byte {
	b = append(b, ',')
	b = appendJSONString(b, a.Key)
	b = append(b, ':')
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return appendJSONString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindTime:
		b = append(b, '"')
		b = v.Time().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	return appendJSONString(b, v.String())
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"
