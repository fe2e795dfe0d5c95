package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/model"
)

// methodResponse sends the method response: status, headers and the body
// streamed from the integration.
func (g *Gateway) methodResponse(ex *exchange) error {
	resp := ex.resp
	h := ex.w.Header()
	status := resp.StatusCode
	if ex.respStatus != 0 {
		status = ex.respStatus
		for k, vv := range ex.respHeader {
			h[k] = vv
		}
		if ex.respBody != nil {
			h["Content-Length"] = ex.hv.one(strconv.Itoa(len(ex.respBody)))
		}
	} else {
		for k, vv := range resp.Header {
			h[k] = vv
		}
		if resp.ContentLength >= 0 && resp.Header.Get("Content-Length") == "" && resp.Header.Get("Content-Encoding") == "" {
			h.Set("Content-Length", fmt.Sprint(resp.ContentLength))
		}
	}
	setIDHeaders(ex, h)
	ex.status = status
	ex.w.WriteHeader(status)

	if ex.respBody != nil {
		n, _ := ex.w.Write(ex.respBody)
		ex.written = int64(n)
		return nil
	}
	bp := g.buffers.Get().(*[]byte)
	n, err := io.CopyBuffer(writerOnly{ex.w}, resp.Body, *bp)
	g.buffers.Put(bp)
	ex.written = n
	if err != nil && !errors.Is(err, io.EOF) {
		// Headers are gone; all that is left is to cut the response short.
		g.log.Debug("response body copy failed", "requestId", ex.requestID, "err", err)
		if errors.Is(ex.ctx.Err(), context.DeadlineExceeded) {
			ex.err = timeoutFor(ex)
		}
	}
	return nil
}

func timeoutFor(ex *exchange) *gwerr.Error {
	if ex.protocol() == model.REST {
		return gwerr.RESTTimeout(nil)
	}
	return gwerr.HTTPTimeout(nil)
}

// writerOnly hides ReadFrom so io.CopyBuffer uses the pooled buffer.
type writerOnly struct{ io.Writer }

// setIDHeaders adds the request id headers every API Gateway response has.
func setIDHeaders(ex *exchange, h http.Header) {
	applyCORS(ex, h)
	// Written with AWS's own capitalisation; header names are
	// case-insensitive, but people compare captures by eye.
	if ex.protocol() == model.HTTP {
		delete(h, "Apigw-Requestid")
		h["apigw-requestid"] = ex.hv.one(ex.extendedID)
		return
	}
	delete(h, "X-Amzn-Requestid")
	delete(h, "X-Amz-Apigw-Id")
	h["x-amzn-RequestId"] = ex.hv.one(ex.requestID)
	h["x-amz-apigw-id"] = ex.hv.one(ex.extendedID)
	h["X-Amzn-Trace-Id"] = ex.hv.one(ex.traceID)
}

// writeError renders ex.err as API Gateway does.
func (g *Gateway) writeError(ex *exchange) {
	e := ex.err
	if e.Err != nil {
		g.log.Warn("request failed", "requestId", ex.requestID, "status", e.Status, "err", e.Err)
	}
	h := ex.w.Header()
	h.Set("Content-Type", "application/json")
	status, body := ex.customise(e, h)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if e.Type != "" && ex.protocol() == model.REST {
		h["x-amzn-ErrorType"] = []string{e.Type}
	}
	setIDHeaders(ex, h)
	ex.status = status
	ex.w.WriteHeader(status)
	n, _ := io.WriteString(ex.w, body)
	ex.written = int64(n)
}
