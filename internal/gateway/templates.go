package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/vtl"
)

// templateSet is a compiled content type → template mapping. A nil
// template passes the body through (an empty template in the definition).
type templateSet map[string]*vtl.Template

func compileTemplates(ts map[string]model.Template) (templateSet, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	out := make(templateSet, len(ts))
	for ct, t := range ts {
		if strings.TrimSpace(t.Source) == "" {
			out[ct] = nil
			continue
		}
		tpl, err := vtl.Parse(t.Where, t.Source)
		if err != nil {
			return nil, fmt.Errorf("mapping template for %s: %w", ct, err)
		}
		out[ct] = tpl
	}
	return out, nil
}

// defaultContentType is what API Gateway assumes for a request without
// Content-Type when it selects a request template.
const defaultContentType = "application/json"

// forRequest selects the request template for contentType under the
// integration's passthrough behavior: found reports a template applies
// (tpl nil means pass the body through); an error is API Gateway's 415.
func (ts templateSet) forRequest(contentType, passthrough string) (tpl *vtl.Template, found bool, err error) {
	ct := defaultContentType
	if contentType != "" {
		if mt, _, perr := mime.ParseMediaType(contentType); perr == nil {
			ct = strings.ToLower(mt)
		}
	}
	if t, ok := ts[ct]; ok {
		return t, true, nil
	}
	switch passthrough {
	case "NEVER":
		return nil, false, gwerr.UnsupportedMediaType()
	case "WHEN_NO_TEMPLATES":
		if len(ts) > 0 {
			return nil, false, gwerr.UnsupportedMediaType()
		}
	}
	return nil, false, nil // WHEN_NO_MATCH (the default): pass through
}

// forResponse selects a response template: application/json when there
// is one (API Gateway's default), else the first content type in order.
func (ts templateSet) forResponse() (contentType string, tpl *vtl.Template, ok bool) {
	if len(ts) == 0 {
		return "", nil, false
	}
	if t, found := ts[defaultContentType]; found {
		return defaultContentType, t, true
	}
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0], ts[keys[0]], true
}

// render runs a mapping template over body (the method request's, or the
// integration response's) and the method request's parameters, appending
// the output to buf (nil: a new buffer). The variables live in the
// exchange's scratch, so the $context returned is valid until the next
// render: read its overrides at once. $stageVariables is built only for
// a template that reads it.
func (ex *exchange) render(t *vtl.Template, body []byte, buf *bytes.Buffer) ([]byte, *mapping.TemplateContext, error) {
	var stage *vtl.Map
	if t.References("stageVariables") {
		stage = mapping.StageVariables(ex.stage.variables)
	}
	scope := &ex.scratchSpace().scope
	vars := scope.Reset(ex.templateInput(body), ex, stage)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	// At most one allocation, sized by the template's previous output
	// (the body may be part of it).
	buf.Grow(t.SizeHint() + len(body)/4 + 64)
	start := buf.Len()
	if err := t.Execute(buf, vars, vtl.Limits{}); err != nil {
		return nil, nil, internalError(ex, fmt.Errorf("mapping template: %w", err))
	}
	return buf.Bytes()[start:], scope.Context(), nil
}

// readBody reads the method request's body, bounded by MaxPayload, once:
// later calls return the same bytes (also kept in ex.reqBody).
func (ex *exchange) readBody() ([]byte, error) {
	if ex.reqBody != nil {
		return ex.reqBody, nil
	}
	if ex.in.ContentLength > MaxPayload {
		return nil, gwerr.RequestTooLarge()
	}
	b, err := readBounded(ex.in.Body, ex.in.ContentLength)
	if err != nil {
		return nil, &gwerr.Error{Err: fmt.Errorf("%w: read body: %w", errClientGone, err)}
	}
	if len(b) > MaxPayload {
		return nil, gwerr.RequestTooLarge()
	}
	if b == nil {
		b = []byte{} // non-nil: read
	}
	ex.reqBody = b
	return b, nil
}

// readBounded reads r to its end, up to MaxPayload+1 bytes. size is the
// length announced (Content-Length; -1 unknown): a body of that length is
// read into one allocation of its size plus one byte, the room in which
// the end is seen.
func readBounded(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > MaxPayload {
		return io.ReadAll(io.LimitReader(r, MaxPayload+1))
	}
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			// More than announced: go on, bounded, as without a length.
			rest, err := io.ReadAll(io.LimitReader(r, MaxPayload+1-int64(len(b))))
			return append(b, rest...), err
		}
	}
}

// mockIntegration answers a MOCK integration: the request template's
// {"statusCode": N} selects the integration response, as on AWS.
func (g *Gateway) mockIntegration(ex *exchange) error {
	status := http.StatusOK
	if len(ex.event) > 0 {
		var v struct {
			StatusCode json.Number `json:"statusCode"`
		}
		if err := json.Unmarshal(ex.event, &v); err == nil && v.StatusCode != "" {
			if n, err := strconv.Atoi(v.StatusCode.String()); err == nil && n >= 100 && n <= 599 {
				status = n
			}
		}
	}
	ex.integStatus = status
	ex.resp = &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
	return nil
}

// applyResponseTemplate renders the selected integration response's
// template over the integration's body and applies response overrides.
func (ex *exchange) applyResponseTemplate(cr *compiledResponse) error {
	ct, tpl, ok := cr.templates.forResponse()
	if !ok || tpl == nil {
		return nil // passthrough
	}
	body, err := ex.integrationBody()
	if err != nil {
		return err
	}
	// The output is sent before the handler returns: the scratch buffer
	// serves the next request of this exchange.
	buf := &ex.scratchSpace().out
	buf.Reset()
	out, tc, err := ex.render(tpl, body, buf)
	if err != nil {
		return err
	}
	ov, err := tc.ResponseOverrides()
	if err != nil {
		return internalError(ex, fmt.Errorf("response template: %w", err))
	}
	if ov.Status != 0 {
		ex.respStatus = ov.Status
	}
	for _, h := range ov.Header {
		ex.respHeader.Del(h.Name)
		for _, v := range h.Values {
			ex.respHeader.Add(h.Name, v)
		}
	}
	ex.respHeader["Content-Type"] = ex.hv.one(ct)
	ex.respBody = out
	return nil
}
