package lambda

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Runtime API (version 2018-06-01), one listener per process:
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
//
// Status codes are the documented ones: 200 for next, 202 for accepted
// posts, 400 for an unknown request ID or unreadable body, 403 for a call in
// the wrong state, 413 for a body over the 6 MB limit, 500 when the
// environment is going away (the runtime should exit). Error bodies are
// {"errorMessage": "...", "errorType": "..."}.
const apiPrefix = "/2018-06-01/runtime/"

// Runtime API error types written by gatehouse.
const (
	apiErrInvalidRequestID = "InvalidRequestID"
	apiErrInvalidState     = "InvalidStateTransition"
	apiErrTooLarge         = "RequestEntityTooLarge"
	apiErrBadRequest       = "InvalidRequest"
	apiErrShutdown         = "Runtime.Shutdown"
	apiErrNotFound         = "NotFound"
	apiErrMethod           = "MethodNotAllowed"
)

// maxInitErrorSize bounds an /init/error body.
const maxInitErrorSize = 1 << 20

// ServeHTTP implements http.Handler for the Runtime API.
func (sb *sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		apiError(w, http.StatusNotFound, apiErrNotFound, "unknown path "+r.URL.Path)
		return
	}
	switch {
	case rest == "invocation/next":
		if r.Method != http.MethodGet {
			apiError(w, http.StatusMethodNotAllowed, apiErrMethod, "use GET")
			return
		}
		sb.serveNext(w, r)
	case rest == "init/error":
		if r.Method != http.MethodPost {
			apiError(w, http.StatusMethodNotAllowed, apiErrMethod, "use POST")
			return
		}
		sb.serveInitError(w, r)
	case strings.HasPrefix(rest, "invocation/"):
		id, action, _ := strings.Cut(rest[len("invocation/"):], "/")
		if action != "response" && action != "error" {
			apiError(w, http.StatusNotFound, apiErrNotFound, "unknown path "+r.URL.Path)
			return
		}
		if r.Method != http.MethodPost {
			apiError(w, http.StatusMethodNotAllowed, apiErrMethod, "use POST")
			return
		}
		sb.serveResult(w, r, id, action == "error")
	default:
		apiError(w, http.StatusNotFound, apiErrNotFound, "unknown path "+r.URL.Path)
	}
}

func (sb *sandbox) serveNext(w http.ResponseWriter, r *http.Request) {
	sb.markReady()
	sb.mu.Lock()
	cur := sb.cur
	sb.mu.Unlock()
	if cur != nil && !cur.finished.Load() {
		apiError(w, http.StatusForbidden, apiErrInvalidState,
			"invocation "+cur.id+" has not been answered: post its response or error first")
		return
	}
	sb.parked.Add(1)
	defer sb.parked.Add(-1)
	for {
		select {
		case inv := <-sb.next:
			if !inv.state.CompareAndSwap(invPending, invStarted) {
				continue // taken back by the caller
			}
			inv.startAt = time.Now()
			inv.deadline = inv.startAt.Add(sb.p.timeout)
			sb.mu.Lock()
			sb.cur = inv
			sb.mu.Unlock()
			sb.curID.Store(&inv.id)
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Lambda-Runtime-Aws-Request-Id"] = []string{inv.id}
			h["Lambda-Runtime-Deadline-Ms"] = []string{strconv.FormatInt(inv.deadline.UnixMilli(), 10)}
			h["Lambda-Runtime-Invoked-Function-Arn"] = []string{sb.p.arn}
			h["Lambda-Runtime-Trace-Id"] = []string{inv.opts.TraceID}
			if inv.opts.ClientContext != "" {
				h["Lambda-Runtime-Client-Context"] = []string{inv.opts.ClientContext}
			}
			if inv.opts.CognitoIdentity != "" {
				h["Lambda-Runtime-Cognito-Identity"] = []string{inv.opts.CognitoIdentity}
			}
			h["Content-Length"] = []string{strconv.Itoa(len(inv.payload))}
			close(inv.started)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(inv.payload)
			return
		case <-sb.stopped:
			apiError(w, http.StatusInternalServerError, apiErrShutdown, "the execution environment is shutting down")
			return
		case <-sb.exited:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (sb *sandbox) serveResult(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	sb.mu.Lock()
	inv := sb.cur
	sb.mu.Unlock()
	if inv == nil || inv.id != id {
		apiError(w, http.StatusBadRequest, apiErrInvalidRequestID, "Invalid request ID: "+id)
		return
	}
	if inv.finished.Load() {
		apiError(w, http.StatusForbidden, apiErrInvalidState, "invocation "+id+" has already been answered or has timed out")
		return
	}
	body, tooLarge, err := readBody(r, MaxResponseSize)
	if err != nil {
		apiError(w, http.StatusBadRequest, apiErrBadRequest, "cannot read the body: "+err.Error())
		return
	}
	rep := reply{body: body, isError: isError, tooLarge: tooLarge}
	if isError {
		rep.errType = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if !inv.finished.CompareAndSwap(false, true) {
		apiError(w, http.StatusForbidden, apiErrInvalidState, "invocation "+id+" has already been answered or has timed out")
		return
	}
	inv.done <- rep
	if tooLarge {
		apiError(w, http.StatusRequestEntityTooLarge, apiErrTooLarge,
			"Exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseSize)+" bytes).")
		return
	}
	accepted(w)
}

func (sb *sandbox) serveInitError(w http.ResponseWriter, r *http.Request) {
	if sb.isReady() {
		apiError(w, http.StatusForbidden, apiErrInvalidState, "init/error is only valid before the first invocation/next")
		return
	}
	body, tooLarge, err := readBody(r, maxInitErrorSize)
	if err != nil || tooLarge {
		apiError(w, http.StatusRequestEntityTooLarge, apiErrTooLarge, "init error body too large or unreadable")
		return
	}
	if len(body) == 0 {
		body = []byte(`{"errorType":"Runtime.Unknown","errorMessage":"init error without a body"}`)
	}
	if t := r.Header.Get("Lambda-Runtime-Function-Error-Type"); t != "" && !jsonValid(body) {
		body = platformError(t, string(body)).Payload
	}
	sb.initOnce.Do(func() {
		sb.initBody = body
		close(sb.initFailed)
	})
	accepted(w)
}

// readBody reads at most limit bytes; tooLarge reports a longer body, which
// is left unread (the server then closes the connection).
func readBody(r *http.Request, limit int) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > int64(limit) {
		return nil, true, nil
	}
	size := 512
	if r.ContentLength > 0 {
		size = int(r.ContentLength) + 1
	}
	buf := make([]byte, 0, size)
	lr := io.LimitedReader{R: r.Body, N: int64(limit) + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	if len(buf) > limit {
		return nil, true, nil
	}
	return buf, false, nil
}

func accepted(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func apiError(w http.ResponseWriter, status int, errType, msg string) {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, errType})
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func jsonValid(b []byte) bool { return json.Valid(b) }
