package gateway

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
)

// templateInput is the method request as a mapping template's $input sees
// it ($input.params(), $input.params(x), $input.body), in an order that
// does not depend on Go's map iteration, so that the same request always
// renders the same bytes:
//
//   - path parameters decoded, in the route's order;
//   - the query string decoded, in the order received;
//   - headers sorted by name, case-insensitively, each name as the client
//     wrote it when the gateway records names (else canonical). API
//     Gateway does not keep the client's header order: the events it sends
//     Lambda list headers in this order whatever the client sent (AWS:
//     "the order of the request parameters is not preserved"). Host is a
//     header as on AWS (Go keeps it apart), and on an AWS_IAM method
//     Authorization and X-Amz-Security-Token are not: API Gateway consumes
//     them and does not expose them (seed 000).
//
// It is built once per request: a response template sees the same
// parameters as the request template.
func (ex *exchange) templateInput(body []byte) mapping.InputData {
	if !ex.tplInputBuilt {
		ex.tplInput, ex.tplInputBuilt = ex.buildTemplateInput(), true
	}
	data := ex.tplInput
	data.Body = body
	return data
}

func (ex *exchange) buildTemplateInput() mapping.InputData {
	var data mapping.InputData
	if ex.plan != nil {
		data.Paths = ex.plan.paths
	}
	for _, p := range ex.params {
		v := p.Raw
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		data.Path = append(data.Path, mapping.Param{Name: p.Name, Value: v})
	}
	data.Query = orderedQuery(ex.in.URL.RawQuery)

	iam := ex.route != nil && ex.route.route.Authorization == model.AuthIAM
	// Each name with its spelling, looked up once rather than on every
	// comparison of the sort.
	type headerName struct{ key, spelled string }
	spelled := func(k string) string {
		if raw, ok := ex.rawNames[k]; ok {
			return raw
		}
		return k
	}
	names := make([]headerName, 0, len(ex.in.Header)+1)
	values := 1 // Host
	for k, vv := range ex.in.Header {
		if iam && (k == headerAuthorizationKey || k == headerSecurityToken) {
			continue
		}
		names = append(names, headerName{k, spelled(k)})
		values += len(vv)
	}
	data.Header = make([]mapping.Param, 0, values)
	if ex.in.Host != "" {
		names = append(names, headerName{"Host", spelled("Host")})
	}
	slices.SortFunc(names, func(a, b headerName) int { return compareFold(a.spelled, b.spelled) })
	for _, n := range names {
		if n.key == "Host" {
			data.Header = append(data.Header, mapping.Param{Name: n.spelled, Value: ex.in.Host})
			continue
		}
		for _, v := range ex.in.Header[n.key] {
			data.Header = append(data.Header, mapping.Param{Name: n.spelled, Value: v})
		}
	}
	return data
}

// compareFold is strings.Compare of the ASCII-lower-cased strings, without
// building them: header names are ASCII tokens (RFC 9110), and the sort
// runs for every templated request.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// orderedQuery decodes a raw query string in order, as url.ParseQuery
// does ('+' is a space; a pair that does not decode is left out).
func orderedQuery(raw string) []mapping.Param {
	var out []mapping.Param
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, mapping.Param{Name: k, Value: v})
	}
	return out
}
