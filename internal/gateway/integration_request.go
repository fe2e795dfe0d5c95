package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
)

// MaxPayload is API Gateway's request payload limit (10 MB).
const MaxPayload = 10 << 20

// hopHeaders are hop-by-hop headers (RFC 9110 7.6.1), never forwarded.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// integrationRequest builds the request toward the integration: URL with
// path parameters and stage variables substituted, query string and
// headers passed through (proxy) and mapped (requestParameters), the body
// streamed, X-Forwarded-For appended.
func (g *Gateway) integrationRequest(ex *exchange) error {
	rp := ex.route
	if rp.integ.Type == model.AWSProxy {
		return g.lambdaRequest(ex)
	}
	in := ex.in
	proxy := rp.integ.Type == model.HTTPProxy

	if in.ContentLength > MaxPayload {
		return gwerr.RequestTooLarge()
	}
	// Non-proxy integrations convert the payload (contentHandling) and
	// choose a request template by Content-Type.
	var rendered []byte
	var replaced bool
	var overrides mapping.RequestOverrides
	// reqBuf receives an http integration's request template output,
	// which then is the body as it is (no reader of its own to allocate).
	var reqBuf *bytes.Buffer
	if !proxy {
		if rp.integ.Type == model.HTTPPlain && len(rp.reqTemplates) > 0 {
			reqBuf = new(bytes.Buffer)
		}
		var err error
		if rendered, replaced, overrides, err = ex.requestPayload(reqBuf); err != nil {
			return err
		}
		switch rp.integ.Type {
		case model.Mock:
			ex.event = rendered
			return nil
		case model.AWS:
			return g.lambdaCustomRequest(ex, rendered, replaced)
		}
	}

	// Mapped values override the passed-through ones.
	var pathValues map[string]string
	var query url.Values
	var header http.Header
	if proxy {
		header = make(http.Header, len(in.Header)+4)
		for k, vv := range in.Header {
			header[k] = vv
		}
		removeHopHeaders(header)
		header.Del("Host")
	} else {
		header = make(http.Header, len(rp.params)+4)
		if ct := in.Header.Get("Content-Type"); ct != "" {
			header["Content-Type"] = ex.hv.one(ct)
		}
	}
	rawQuery := ""
	if proxy {
		rawQuery = in.URL.RawQuery
	}
	if rp.needsBody {
		if _, err := ex.readBody(); err != nil {
			return err
		}
	}
	for _, m := range rp.params {
		var vals []string
		if m.Source.NeedsBody() {
			if v, ok := m.Source.BodyValue(ex.reqBody); ok {
				vals = []string{v}
			}
		} else {
			vals = m.Source.Values(ex)
		}
		switch m.Target.Loc {
		case mapping.Header:
			if len(vals) > 0 {
				header.Set(m.Target.Name, strings.Join(vals, ","))
			}
		case mapping.QueryString, mapping.MultiValueQueryString:
			if query == nil {
				query, _ = url.ParseQuery(rawQuery)
			}
			query.Del(m.Target.Name)
			if m.Target.Loc == mapping.QueryString && len(vals) > 0 {
				vals = vals[len(vals)-1:]
			}
			for _, v := range vals {
				query.Add(m.Target.Name, unescape(v))
			}
		case mapping.PathParam:
			if pathValues == nil {
				pathValues = map[string]string{}
			}
			if len(vals) > 0 {
				pathValues[m.Target.Name] = vals[len(vals)-1]
			}
		}
	}
	if query != nil {
		rawQuery = query.Encode()
	}
	// $context.requestOverride.path.X replaces the integration's path
	// parameter X, after the standard mappings, as the header and query
	// string overrides below do.
	for _, o := range overrides.Path {
		if n := len(o.Values); n > 0 {
			if pathValues == nil {
				pathValues = map[string]string{}
			}
			pathValues[o.Name] = url.PathEscape(o.Values[n-1])
		}
	}

	u, err := rp.uri[ex.stage.name].url(func(name string) string {
		if v, ok := pathValues[name]; ok {
			return v
		}
		// Without a mapping, a placeholder takes the method's path
		// parameter of the same name (what the console and HTTP APIs set up).
		return ex.PathParam(name)
	})
	if err != nil {
		return internalError(ex, err)
	}
	if rawQuery != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + rawQuery
		} else {
			u.RawQuery = rawQuery
		}
	}

	if len(rp.httpParams) > 0 {
		ex.applyHTTPParams(header, u)
	}
	method := rp.integ.HTTPMethod
	if method == "" || method == model.MethodAny {
		method = in.Method
	}
	if err := g.prepareIdentityHeaders(ex, header); err != nil {
		return err
	}
	header["X-Forwarded-For"] = ex.hv.one(forwardedFor(in.Header, ex.sourceIP))
	header["X-Amzn-Trace-Id"] = ex.hv.one(ex.traceID)
	if !proxy {
		header["User-Agent"] = ex.hv.one(ex.api.userAgent)
	} else if _, ok := header["User-Agent"]; !ok {
		header["User-Agent"] = nil // keep Go from adding its own
	}

	ctx, cancel := context.WithTimeout(in.Context(), rp.integrationTimeout())
	ex.ctx, ex.cancel = ctx, cancel
	// Built here and copied once by WithContext, which is what sets ctx.
	out := http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Host:       u.Host,
	}
	switch {
	case replaced && len(rendered) == 0:
		out.Body = http.NoBody // a template that renders nothing sends no body
	case replaced && reqBuf != nil && reqBuf.Len() == len(rendered):
		// The template's output, alone in the buffer: a *bytes.Buffer
		// is a body the transport knows to be in memory.
		out.Body = io.NopCloser(reqBuf)
		out.ContentLength = int64(len(rendered))
	case replaced:
		out.Body = io.NopCloser(bytes.NewReader(rendered))
		out.ContentLength = int64(len(rendered))
	case ex.reqBody != nil:
		out.Body = io.NopCloser(bytes.NewReader(ex.reqBody))
		out.ContentLength = int64(len(ex.reqBody))
	case in.Body != nil && in.Body != http.NoBody && in.ContentLength != 0:
		out.Body = &limitedBody{r: in.Body, n: MaxPayload}
		out.ContentLength = in.ContentLength
	}
	for _, o := range overrides.Header {
		out.Header.Del(o.Name)
		for _, v := range o.Values {
			out.Header.Add(o.Name, v)
		}
	}
	if len(overrides.Querystring) > 0 {
		q := out.URL.Query()
		for _, o := range overrides.Querystring {
			q[o.Name] = o.Values
		}
		out.URL.RawQuery = q.Encode()
	}
	ex.out = out.WithContext(ctx)
	return nil
}

// headerValues cuts single-value header slices out of one allocation.
// Each has a capacity of one, so that an Add to one of them reallocates
// it instead of writing into the next.
type headerValues []string

func (hv *headerValues) one(v string) []string {
	if len(*hv) == cap(*hv) {
		*hv = make([]string, 0, 16)
	}
	*hv = append(*hv, v)
	n := len(*hv)
	return (*hv)[n-1 : n : n]
}

func removeHopHeaders(h http.Header) {
	for _, name := range h["Connection"] {
		for _, f := range strings.Split(name, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, name := range hopHeaders {
		delete(h, name) // already canonical: no need for Del's canonicalization
	}
}

// forwardedFor is the X-Forwarded-For toward HTTP integrations: the
// client address appended to the request's, as API Gateway does.
func forwardedFor(in http.Header, ip string) string {
	prior := in.Values("X-Forwarded-For")
	if len(prior) > 0 {
		ip = strings.Join(prior, ", ") + ", " + ip
	}
	return ip
}

func unescape(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// limitedBody streams a request body and fails once it passes n bytes.
type limitedBody struct {
	r        io.ReadCloser
	n        int64
	exceeded bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		// Probe for one more byte: exactly n bytes is allowed.
		var one [1]byte
		if k, _ := b.r.Read(one[:]); k > 0 {
			b.exceeded = true
			return 0, errBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	k, err := b.r.Read(p)
	b.n -= int64(k)
	return k, err
}

func (b *limitedBody) Close() error { return b.r.Close() }
