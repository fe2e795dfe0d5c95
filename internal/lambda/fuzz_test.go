package lambda

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzRuntimeAPI sends arbitrary requests to a Runtime API whose
// environment is shutting down: every answer must be a documented status,
// at once, and nothing may panic.
func FuzzRuntimeAPI(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/2018-06-01/runtime/invocation/next", ""},
		{"POST", "/2018-06-01/runtime/invocation/abc/response", `{}`},
		{"POST", "/2018-06-01/runtime/invocation/abc/error", `x`},
		{"POST", "/2018-06-01/runtime/init/error", `{"errorType":"x"}`},
		{"PUT", "/2018-06-01/runtime/invocation//response", ""},
		{"GET", "/", ""},
	} {
		f.Add(s[0], s[1], []byte(s[2]))
	}
	p := &pool{host: &Host{closing: make(chan struct{})}, timeout: time.Second}
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if !validMethod(method) || len(path) == 0 || path[0] != '/' {
			return
		}
		sb := &sandbox{p: p, next: make(chan *invocation, 1), stopped: make(chan struct{}), exited: make(chan struct{}),
			ready: make(chan struct{}), initFailed: make(chan struct{}), spawned: time.Now()}
		close(sb.stopped)
		req := httptest.NewRequest(http.MethodGet, "/", bytes.NewReader(body))
		req.Method = method
		req.URL.Path = path
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 202, 400, 403, 404, 405, 413, 500:
		default:
			t.Fatalf("%s %q: status %d", method, path, rec.Code)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// FuzzFunctionError checks that any error body yields a FunctionError whose
// payload is JSON.
func FuzzFunctionError(f *testing.F) {
	f.Add([]byte(`{"errorType":"E","errorMessage":"m"}`), "T")
	f.Add([]byte(`plain`), "")
	f.Add([]byte(`{"errorType":1}`), "X")
	f.Fuzz(func(t *testing.T, body []byte, hdr string) {
		fe := runtimeErrorDocument(body, hdr)
		if fe.Kind != Unhandled || !jsonValid(fe.Payload) {
			t.Fatalf("bad document %+v", fe)
		}
	})
}
