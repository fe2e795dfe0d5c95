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
func (ex *exchange) templateInput(body []byte) mapping.InputData {
	data := mapping.InputData{Body: body}
	for _, p := range ex.params {
		v := p.Raw
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		data.Path = append(data.Path, mapping.Param{Name: p.Name, Value: v})
	}
	data.Query = orderedQuery(ex.in.URL.RawQuery)

	iam := ex.route != nil && ex.route.route.Authorization == model.AuthIAM
	names := make([]string, 0, len(ex.in.Header)+1)
	for k := range ex.in.Header {
		if iam && (k == headerAuthorizationKey || k == headerSecurityToken) {
			continue
		}
		names = append(names, k)
	}
	if ex.in.Host != "" {
		names = append(names, "Host")
	}
	spelled := func(k string) string {
		if raw, ok := ex.rawNames[k]; ok {
			return raw
		}
		return k
	}
	slices.SortFunc(names, func(a, b string) int {
		return strings.Compare(strings.ToLower(spelled(a)), strings.ToLower(spelled(b)))
	})
	for _, k := range names {
		name := spelled(k)
		if k == "Host" {
			data.Header = append(data.Header, mapping.Param{Name: name, Value: ex.in.Host})
			continue
		}
		for _, v := range ex.in.Header[k] {
			data.Header = append(data.Header, mapping.Param{Name: name, Value: v})
		}
	}
	return data
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
