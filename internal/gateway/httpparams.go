package gateway

import (
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/mapping"
)

// RequestPath is $request.path: the request path without the stage.
func (ex *exchange) RequestPath() string {
	if ex.path == "" {
		return "/"
	}
	return ex.path
}

// Body is the method request's body, when a mapping needed it read.
func (ex *exchange) Body() []byte { return ex.reqBody }

var _ mapping.HTTPValues = (*exchange)(nil)

// applyHTTPParams applies an HTTP API's request parameter mappings to the
// integration request's headers and URL.
func (ex *exchange) applyHTTPParams(h http.Header, u *url.URL) {
	var query url.Values
	for _, m := range ex.route.httpParams {
		switch m.Kind {
		case mapping.TargetHeader:
			applyAction(h, m, ex)
		case mapping.TargetQuery:
			if query == nil {
				query = u.Query()
			}
			applyAction(http.Header(query), m, ex)
		case mapping.TargetPath:
			if p, err := url.Parse(m.Value.Eval(ex)); err == nil {
				u.Path, u.RawPath = p.Path, p.RawPath
			}
		}
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
}

// applyAction appends, overwrites or removes one name in values (header
// names are canonicalised by the caller's http.Header, query names are
// kept as written).
func applyAction(values http.Header, m mapping.HTTPMapping, v mapping.HTTPValues) {
	name := m.Name
	if _, isHeader := values[http.CanonicalHeaderKey(name)]; isHeader || m.Kind == mapping.TargetHeader {
		name = http.CanonicalHeaderKey(name)
	}
	switch m.Action {
	case mapping.Remove:
		delete(values, name)
	case mapping.Overwrite:
		values[name] = []string{m.Value.Eval(v)}
	case mapping.Append:
		values[name] = append(values[name], m.Value.Eval(v))
	}
}

// responseValues serves $response.* for response mappings.
type responseValues struct {
	*exchange
	resp *http.Response
	body []byte
}

func (r responseValues) Header(name string) []string { return r.resp.Header.Values(name) }
func (r responseValues) Body() []byte                { return r.body }

// applyHTTPResponseParams applies an HTTP API's response mappings for the
// integration's status code.
func (ex *exchange) applyHTTPResponseParams() error {
	ms := ex.route.httpResponse[ex.resp.StatusCode]
	if len(ms) == 0 {
		return nil
	}
	rv := responseValues{exchange: ex, resp: ex.resp}
	for _, m := range ms {
		if m.Value.UsesResponseBody() && rv.body == nil {
			b, err := ex.integrationBody()
			if err != nil {
				return err
			}
			rv.body = b
			ex.respBody = b
		}
	}
	status := ex.resp.StatusCode
	for _, m := range ms {
		switch m.Kind {
		case mapping.TargetHeader:
			applyAction(ex.resp.Header, m, rv)
		case mapping.TargetStatus:
			if n, err := atoiStatus(m.Value.Eval(rv)); err == nil {
				status = n
			}
		}
	}
	ex.resp.StatusCode = status
	return nil
}
