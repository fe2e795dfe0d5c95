package gateway

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
)

// TestMissingParameterOrder checks the order of missing parameters
// against lists API Gateway printed.
func TestMissingParameterOrder(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// LocalStack's AWS-recorded snapshot of test_api_gateway_request_validator.
		{"header:x-header-param path:issuer querystring:qs1", "x-header-param issuer qs1"},
		{"querystring:qs1 path:issuer header:x-header-param path:test?", "x-header-param issuer qs1"},
		// A public API Gateway API with seven required query parameters, declared
		// in the usual WFS order (version and outputFormat, request and srsName
		// share buckets, so declaration order decides between them).
		{"querystring:service querystring:version querystring:request querystring:typeNames querystring:srsName querystring:outputFormat querystring:cql_filter",
			"request srsName typeNames service cql_filter version outputFormat"},
		{"header:x-api-version querystring:limit", "limit x-api-version"},
	} {
		var params []model.RequestParameter
		var missing []string
		for _, f := range strings.Fields(c.in) {
			loc, name, _ := strings.Cut(f, ":")
			name, optional := strings.CutSuffix(name, "?")
			params = append(params, model.RequestParameter{In: model.ParameterLocation(loc), Name: name, Required: !optional})
		}
		for _, p := range requiredInOrder(params) {
			missing = append(missing, p.Name)
		}
		got := strings.Join(javaHashOrder(missing), " ")
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
}

// TestJavaHashOrder checks the HashSet model itself: repeats dropped,
// and a table that grows past 12 names.
func TestJavaHashOrder(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a a b", "a b"},
		// 13 names outgrow the first table of 16 buckets.
		{"p01 p02 p03 p04 p05 p06 p07 p08 p09 p10 p11 p12 p13", "p10 p01 p12 p11 p03 p02 p13 p05 p04 p07 p06 p09 p08"},
	} {
		got := strings.Join(javaHashOrder(strings.Fields(c.in)), " ")
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
}
