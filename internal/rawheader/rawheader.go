// Package rawheader recovers the header names of HTTP/1.x requests as the
// client wrote them. net/http canonicalises names ("headerauth1" becomes
// "Headerauth1"), but API Gateway's REST Lambda events keep the client's
// spelling, and handlers written for AWS read event.headers.headerauth1.
//
// A Listener wraps each connection; while the server reads, a small parser
// follows the request framing (head, Content-Length or chunked body) and
// queues each request's header names. The handler takes them with Names.
// When anything is unexpected the parser stops, and callers fall back to
// the canonical names.
package rawheader

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// maxHead bounds a request head the parser keeps (the server's own limit
// is applied independently).
const maxHead = 64 << 10

type ctxKey struct{}

// Listener wraps a net.Listener so that its connections record header
// names.
type Listener struct{ net.Listener }

// Accept wraps the next connection.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// ConnContext is for http.Server.ConnContext: it makes the connection's
// recorder reachable from its requests.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*conn); ok {
		return context.WithValue(ctx, ctxKey{}, rc)
	}
	return ctx
}

// Names returns the header names of r as the client wrote them, keyed by
// canonical name, or nil when they are not known.
func Names(r *http.Request) map[string]string {
	rc, ok := r.Context().Value(ctxKey{}).(*conn)
	if !ok || r.ProtoMajor != 1 {
		return nil
	}
	return rc.pop()
}

type conn struct {
	net.Conn
	mu     sync.Mutex
	p      parser
	queue  []map[string]string
	broken bool
}

func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		if !c.broken {
			if !c.p.feed(b[:n], &c.queue) {
				c.broken, c.queue = true, nil
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *conn) pop() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	m := c.queue[0]
	c.queue = c.queue[1:]
	return m
}

type state int

const (
	inHead state = iota
	inBody
	inChunkSize
	inChunkData
	inChunkCRLF
	inTrailer
)

// parser follows HTTP/1.x request framing over the bytes read.
type parser struct {
	st   state
	head []byte
	left int64 // bytes left in the body or chunk
	line []byte
}

// feed consumes b; false means the stream is not understood.
func (p *parser) feed(b []byte, queue *[]map[string]string) bool {
	for len(b) > 0 {
		switch p.st {
		case inHead:
			p.head = append(p.head, b...)
			b = nil
			// Tolerate blank lines before a request line.
			p.head = bytes.TrimLeft(p.head, "\r\n")
			i := bytes.Index(p.head, []byte("\r\n\r\n"))
			if i < 0 {
				if len(p.head) > maxHead {
					return false
				}
				continue
			}
			rest := append([]byte(nil), p.head[i+4:]...)
			names, framing, size, ok := parseHead(p.head[:i])
			if !ok {
				return false
			}
			*queue = append(*queue, names)
			p.head = p.head[:0]
			switch framing {
			case "chunked":
				p.st, p.line = inChunkSize, p.line[:0]
			case "length":
				if size > 0 {
					p.st, p.left = inBody, size
				}
			}
			b = rest
		case inBody:
			n := int64(len(b))
			if n > p.left {
				n = p.left
			}
			p.left -= n
			b = b[n:]
			if p.left == 0 {
				p.st = inHead
			}
		case inChunkSize, inTrailer:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				p.line = append(p.line, b...)
				if len(p.line) > 4096 {
					return false
				}
				b = nil
				continue
			}
			p.line = append(p.line, b[:i+1]...)
			b = b[i+1:]
			line := strings.TrimRight(string(p.line), "\r\n")
			p.line = p.line[:0]
			if p.st == inTrailer {
				if line == "" {
					p.st = inHead
				}
				continue
			}
			sizeText, _, _ := strings.Cut(line, ";")
			size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
			if err != nil || size < 0 {
				return false
			}
			if size == 0 {
				p.st = inTrailer
				continue
			}
			p.st, p.left = inChunkData, size
		case inChunkData:
			n := int64(len(b))
			if n > p.left {
				n = p.left
			}
			p.left -= n
			b = b[n:]
			if p.left == 0 {
				p.st, p.left = inChunkCRLF, 2
			}
		case inChunkCRLF:
			n := int64(len(b))
			if n > p.left {
				n = p.left
			}
			p.left -= n
			b = b[n:]
			if p.left == 0 {
				p.st = inChunkSize
			}
		}
	}
	return true
}

// parseHead reads the header names and the body framing of a request head.
func parseHead(head []byte) (names map[string]string, framing string, size int64, ok bool) {
	lines := strings.Split(string(head), "\r\n")
	if len(lines) == 0 || !strings.Contains(lines[0], " HTTP/1.") {
		return nil, "", 0, false
	}
	names = make(map[string]string, len(lines)-1)
	framing = "length"
	for _, l := range lines[1:] {
		name, value, found := strings.Cut(l, ":")
		if !found || name == "" || strings.ContainsAny(name, " \t") {
			return nil, "", 0, false
		}
		canon := http.CanonicalHeaderKey(name)
		if _, seen := names[canon]; !seen {
			names[canon] = name
		}
		value = strings.TrimSpace(value)
		switch canon {
		case "Transfer-Encoding":
			if strings.EqualFold(value, "chunked") || strings.HasSuffix(strings.ToLower(value), "chunked") {
				framing = "chunked"
			}
		case "Content-Length":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return nil, "", 0, false
			}
			size = n
		}
	}
	return names, framing, size, true
}
