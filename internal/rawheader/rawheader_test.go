package rawheader

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestNamesOverKeepAlive sends pipelined requests (fixed-length, chunked,
// no body) on one connection with raw writes and checks each handler sees
// its own request's header names as written.
func TestNamesOverKeepAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ConnContext: ConnContext, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		names := Names(r)
		fmt.Fprintf(w, "%s|%s", names["Headerauth1"], names["X-Mixed-Case"])
	})}
	go srv.Serve(Listener{ln})
	defer srv.Close()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reqs := "POST /a HTTP/1.1\r\nHost: x\r\nheaderauth1: v\r\nContent-Length: 15\r\n\r\nbody\r\n\r\nhere!!" +
		"POST /b HTTP/1.1\r\nHost: x\r\nX-MIXED-case: v\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\r\n\r\n0\r\n\r\n" +
		"GET /c HTTP/1.1\r\nHost: x\r\nHEADERAUTH1: v\r\n\r\n"
	if _, err := c.Write([]byte(reqs)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []string{"headerauth1|", "|X-MIXED-case", "HEADERAUTH1|"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Errorf("got %q, want %q", b, want)
		}
	}
}

func FuzzParser(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nA: b\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p parser
		var q []map[string]string
		for len(b) > 0 {
			n := 1 + len(b)%7
			if n > len(b) {
				n = len(b)
			}
			if !p.feed(b[:n], &q) {
				return
			}
			b = b[n:]
		}
		_ = strings.Join(nil, "")
	})
}
