package openapi

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// corsKey is the HTTP API extension for CORS at the definition's root.
const corsKey = "x-amazon-apigateway-cors"

// corsDoc is x-amazon-apigateway-cors (and the inline cors: of
// gatehouse.yaml), with AWS's key names.
type corsDoc struct {
	AllowOrigins     []string `yaml:"allowOrigins"`
	AllowCredentials bool     `yaml:"allowCredentials"`
	ExposeHeaders    []string `yaml:"exposeHeaders"`
	MaxAge           *int     `yaml:"maxAge"`
	AllowMethods     []string `yaml:"allowMethods"`
	AllowHeaders     []string `yaml:"allowHeaders"`
}

// DecodeCORS reads an HTTP API's CORS configuration
// (x-amazon-apigateway-cors, or the inline form's cors:). A nil node is
// no configuration. Problems are added to es and the result is then nil.
// The checks are the ones API Gateway makes when the configuration is
// imported: credentials cannot be allowed for every origin, maxAge is -1
// to 86400 seconds, methods are HTTP methods or "*".
func DecodeCORS(es *yamlx.Errors, n *yaml.Node, field string, protocol model.Protocol) *model.CORS {
	if n == nil {
		return nil
	}
	if protocol != model.HTTP {
		es.Add(n, field, "CORS configurations are for HTTP APIs; a REST API answers preflight requests with an OPTIONS method (a mock integration)")
		return nil
	}
	before := es.Len()
	var d corsDoc
	yamlx.Decode(es, n, field, &d)
	if es.Len() > before {
		return nil
	}
	at := func(key string) *yaml.Node {
		if v := yamlx.Lookup(n, key); v != nil {
			return v
		}
		return n
	}
	for _, o := range d.AllowOrigins {
		if o == "" {
			es.Add(at("allowOrigins"), field+".allowOrigins", "an origin cannot be empty")
		}
		if o == "*" && d.AllowCredentials {
			es.Add(at("allowCredentials"), field+".allowCredentials", "allow-credentials is not supported if 'allow-origin' is * (name the origins)")
		}
	}
	if d.MaxAge != nil && (*d.MaxAge < -1 || *d.MaxAge > 86400) {
		es.Add(at("maxAge"), field+".maxAge", "must be between -1 and 86400 seconds, not %d", *d.MaxAge)
	}
	methods := make([]string, 0, len(d.AllowMethods))
	for _, m := range d.AllowMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m != "*" && (m == model.MethodAny || !validMethod(m)) {
			es.Add(at("allowMethods"), field+".allowMethods", "%q is not an HTTP method or *", m)
		}
		methods = append(methods, m)
	}
	headers := func(key string, list []string) []string {
		out := make([]string, 0, len(list))
		for _, h := range list {
			h = strings.ToLower(strings.TrimSpace(h))
			if h == "" || strings.ContainsAny(h, " ,:") {
				es.Add(at(key), fmt.Sprintf("%s.%s", field, key), "%q is not a header name or *", h)
			}
			out = append(out, h)
		}
		return out
	}
	c := &model.CORS{AllowOrigins: d.AllowOrigins, AllowCredentials: d.AllowCredentials, MaxAge: d.MaxAge, AllowMethods: methods,
		ExposeHeaders: headers("exposeHeaders", d.ExposeHeaders), AllowHeaders: headers("allowHeaders", d.AllowHeaders)}
	if es.Len() > before {
		return nil
	}
	return c
}
