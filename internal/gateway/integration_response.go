package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
)

// remappedHeaders are backend response headers that a REST API returns
// renamed to x-amzn-Remapped-<name>, because API Gateway sets its own.
var remappedHeaders = [...]string{
	"Authorization", "Content-Md5", "Date", "Expect", "Host", "Max-Forwards",
	"Proxy-Authenticate", "Server", "User-Agent", "Www-Authenticate",
}

// atoiStatus parses a mapped status code.
func atoiStatus(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("mapped status code %q is not 100-599", s)
	}
	return n, nil
}

// integrationBody reads the integration response's body once, bounded,
// into the exchange's scratch buffer: the bytes are valid until the
// handler returns (the method response sends them before).
func (ex *exchange) integrationBody() ([]byte, error) {
	if !ex.integRead {
		sc := ex.scratchSpace()
		buf := &sc.integ
		buf.Reset()
		if n := ex.resp.ContentLength; n > 0 && n <= MaxPayload {
			// ReadFrom wants MinRead bytes of room to see the end.
			buf.Grow(int(n) + bytes.MinRead)
		}
		sc.lr = io.LimitedReader{R: ex.resp.Body, N: MaxPayload + 1}
		_, err := buf.ReadFrom(&sc.lr)
		sc.lr = io.LimitedReader{}
		if err != nil {
			return nil, internalError(ex, fmt.Errorf("read integration response: %w", err))
		}
		if buf.Len() > MaxPayload {
			return nil, internalError(ex, fmt.Errorf("integration response is larger than %d bytes", MaxPayload))
		}
		b := buf.Bytes()
		if b == nil {
			b = []byte{} // non-nil: read (an empty body is sent as such)
		}
		ex.integBody, ex.integRead = b, true
	}
	return ex.integBody, nil
}

// integrationResponse turns the integration's response into the method
// response: a proxy integration passes it through (minus hop-by-hop
// headers; REST remaps reserved ones), a non-proxy one selects an
// integration response by status (Lambda: by errorMessage), maps its
// headers, converts the payload (contentHandling) and applies its
// template.
func integrationResponse(ex *exchange) error {
	resp := ex.resp
	if ex.route.integ.Type == model.AWSProxy {
		return nil // the function's response is the method response
	}
	removeHopHeaders(resp.Header)
	if ex.route.integ.Type == model.HTTPProxy {
		if err := ex.applyHTTPResponseParams(); err != nil {
			return err
		}
		if ex.protocol() == model.REST {
			for _, name := range remappedHeaders {
				if vv, ok := resp.Header[name]; ok {
					resp.Header["x-amzn-Remapped-"+name] = vv
					delete(resp.Header, name)
				}
			}
		}
		return nil
	}
	status := strconv.Itoa(resp.StatusCode)
	selector := status
	if ex.route.integ.Type == model.AWS {
		selector = ex.lambdaSelector()
	}
	for i := range ex.route.responses {
		cr := &ex.route.responses[i]
		if !cr.resp.Match(selector) {
			continue
		}
		ex.respStatus = cr.status
		h := make(http.Header, len(cr.headers)+2)
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			h["Content-Type"] = ex.hv.one(ct)
		}
		for _, hm := range cr.headers {
			switch hm.source.Loc {
			case mapping.Static:
				h.Set(hm.name, hm.source.Name)
			case mapping.ResponseHeader:
				if v := resp.Header.Values(hm.source.Name); len(v) > 0 {
					h.Set(hm.name, v[len(v)-1])
				}
			case mapping.ResponseBody:
				body, err := ex.headerMappingBody()
				if err != nil {
					return err
				}
				if v, ok := hm.source.BodyValue(body); ok {
					h.Set(hm.name, v)
				}
			}
		}
		ex.respHeader = h
		conv := ex.responseConversion(cr)
		templates, err := ex.convertResponseBefore(conv)
		if err != nil {
			return err
		}
		if templates {
			if err := ex.applyResponseTemplate(cr); err != nil {
				return err
			}
		}
		if err := ex.convertResponseAfter(conv); err != nil {
			return err
		}
		if ex.respBody == nil && ex.integRead {
			ex.respBody = ex.integBody // read for a mapping: send what was read
		}
		return nil
	}
	// API Gateway: "Execution failed due to configuration error: No match
	// for output mapping and no default output mapping configured".
	if ex.route.integ.Type == model.AWS {
		return internalError(ex, fmt.Errorf("no integration response matches errorMessage %q and no default is configured", selector))
	}
	return internalError(ex, fmt.Errorf("no integration response matches status %s and no default is configured", status))
}
