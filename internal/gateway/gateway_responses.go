package gateway

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
)

// gatewayResponse is a compiled x-amazon-apigateway-gateway-responses
// entry.
type gatewayResponse struct {
	status    int // 0 keeps the error's
	headers   []headerMapping
	templates templateSet
}

func compileGatewayResponses(api *model.API) (map[string]*gatewayResponse, error) {
	if len(api.GatewayResponses) == 0 {
		return nil, nil
	}
	out := make(map[string]*gatewayResponse, len(api.GatewayResponses))
	for typ, gr := range api.GatewayResponses {
		c := &gatewayResponse{}
		if gr.StatusCode != "" {
			n, err := strconv.Atoi(gr.StatusCode)
			if err != nil || n < 100 || n > 599 {
				return nil, fmt.Errorf("%s: gateway response %s: status code %q is not an HTTP status", gr.Where, typ, gr.StatusCode)
			}
			c.status = n
		}
		names := make([]string, 0, len(gr.Parameters))
		for k := range gr.Parameters {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			src, err := mapping.CompileSource(gr.Parameters[k])
			if err != nil {
				return nil, fmt.Errorf("%s: gateway response %s: %w", gr.Where, typ, err)
			}
			c.headers = append(c.headers, headerMapping{name: strings.TrimPrefix(k, "gatewayresponse.header."), source: src})
		}
		ts, err := compileTemplates(gr.Templates)
		if err != nil {
			return nil, fmt.Errorf("%s: gateway response %s: %w", gr.Where, typ, err)
		}
		c.templates = ts
		out[typ] = c
	}
	return out, nil
}

// customise applies the API's gateway response for e's type (or
// DEFAULT_4XX / DEFAULT_5XX), as API Gateway does: it may change the
// status, add headers and render the body with $context.error.*.
func (ex *exchange) customise(e *gwerr.Error, h http.Header) (status int, body string) {
	status, body = e.Status, e.JSON()
	if ex.api == nil || ex.api.gatewayResponses == nil {
		return status, body
	}
	gr := ex.api.gatewayResponses[e.ResponseType]
	if gr == nil {
		def := "DEFAULT_4XX"
		if e.Status >= 500 {
			def = "DEFAULT_5XX"
		}
		gr = ex.api.gatewayResponses[def]
	}
	if gr == nil {
		return status, body
	}
	if gr.status != 0 {
		status = gr.status
	}
	for _, hm := range gr.headers {
		if vals := hm.source.Values(ex); len(vals) > 0 {
			h.Set(hm.name, vals[len(vals)-1])
		}
	}
	if ct, tpl, ok := gr.templates.forResponse(); ok && tpl != nil && ex.stage != nil {
		out, _, err := ex.render(tpl, nil, nil)
		if err == nil {
			h.Set("Content-Type", ct)
			body = string(out)
		}
	}
	return status, body
}
