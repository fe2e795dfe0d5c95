// Package openapi loads API definitions — OpenAPI 3.0 and Swagger 2.0
// documents with the x-amazon-apigateway-* extensions, as `aws apigateway
// get-export --extensions integrations` writes them — into the model.
package openapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// httpMethods are the OpenAPI operation keys of a path item, in the order
// API Gateway lists them.
var httpMethods = [...]string{"get", "put", "post", "delete", "options", "head", "patch"}

// anyMethodKey is API Gateway's extension for the ANY method.
const anyMethodKey = "x-amazon-apigateway-any-method"

// Load reads the definition at path and returns what it declares for an
// API of the given protocol. Every problem is reported, joined.
func Load(path string, protocol model.Protocol) (*Definition, error) {
	root, err := yamlx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, root, protocol)
}

// Decode converts a parsed definition document.
func Decode(file string, root *yaml.Node, protocol model.Protocol) (*Definition, error) {
	es := &yamlx.Errors{File: file}
	version := ""
	if v := yamlx.Lookup(root, "openapi"); v != nil {
		version = v.Value
		if !strings.HasPrefix(version, "3.") {
			es.Add(v, "openapi", "version %q is not supported (use 3.0.x, or swagger 2.0)", version)
		}
	} else if v := yamlx.Lookup(root, "swagger"); v != nil {
		version = v.Value
		if version != "2.0" {
			es.Add(v, "swagger", "version %q is not supported (use 2.0, or openapi 3.0.x)", version)
		}
	} else {
		es.Add(root, "", `neither "openapi" (3.0) nor "swagger" (2.0) is set; this is not an OpenAPI definition`)
	}
	paths := yamlx.Lookup(root, "paths")
	if paths == nil {
		es.Add(root, "", `missing required key "paths"`)
		return nil, es.Err()
	}
	if paths.Kind != yaml.MappingNode {
		es.Add(paths, "paths", "must be a mapping of path templates")
		return nil, es.Err()
	}
	doc := readDocument(es, root, protocol)
	var resourcePolicy []byte
	if pol := yamlx.Lookup(root, "x-amazon-apigateway-policy"); pol != nil {
		if protocol != model.REST {
			es.Add(pol, "x-amazon-apigateway-policy", "resource policies exist only for REST APIs")
		} else if b, err := nodeJSON(pol); err != nil {
			es.Add(pol, "x-amazon-apigateway-policy", "%v", err)
		} else {
			resourcePolicy = b
		}
	}
	gatewayResponses := decodeGatewayResponses(es, yamlx.Lookup(root, "x-amazon-apigateway-gateway-responses"), protocol)
	cors := DecodeCORS(es, yamlx.Lookup(root, corsKey), corsKey, protocol)
	binaryMediaTypes := decodeBinaryMediaTypes(es, yamlx.Lookup(root, binaryMediaTypesKey), protocol)
	validation := readRequestValidation(es, root, protocol)
	var routes []*model.Route
	for i := 0; i+1 < len(paths.Content); i += 2 {
		key, item := paths.Content[i], paths.Content[i+1]
		field := "paths." + key.Value
		path := key.Value
		isDefault := protocol == model.HTTP && (path == "$default" || path == "/$default")
		if !isDefault {
			if err := CheckPathTemplate(path); err != nil {
				es.Add(key, field, "%v", err)
				continue
			}
		}
		if item.Kind != yaml.MappingNode {
			es.Add(item, field, "must be a mapping of operations")
			continue
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			opKey, op := item.Content[j], item.Content[j+1]
			method, ok := operationMethod(opKey.Value)
			if !ok {
				continue // parameters, summary, servers, other x- keys
			}
			opField := field + "." + opKey.Value
			r := &model.Route{
				Method: method,
				Path:   path,
				Where:  fmt.Sprintf("%s:%d:%d", file, opKey.Line, opKey.Column),
			}
			if isDefault {
				r.Path, r.Method, r.Key = "", model.MethodAny, model.DefaultRouteKey
			} else {
				r.Key = method + " " + path
			}
			r.Authorization, r.Authorizer, r.AuthorizationScopes = doc.authorization(es, op, opField)
			r.Validation = validation.method(es, item, op, opField, r.Method, r.Path)
			integ := yamlx.Lookup(op, "x-amazon-apigateway-integration")
			if integ == nil {
				es.Add(opKey, opField, "has no x-amazon-apigateway-integration; gatehouse cannot serve a method without an integration")
				continue
			}
			r.Integration = DecodeIntegration(es, integ, opField+".x-amazon-apigateway-integration", protocol)
			if r.Integration != nil {
				routes = append(routes, r)
			}
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	def := &Definition{Routes: routes, ResourcePolicy: resourcePolicy, GatewayResponses: gatewayResponses, BinaryMediaTypes: binaryMediaTypes}
	def.CORS = cors
	def.Models = validation.models
	for _, sc := range doc.schemes {
		if sc.authorizer != nil {
			if def.Authorizers == nil {
				def.Authorizers = map[string]*model.Authorizer{}
			}
			def.Authorizers[sc.authorizer.Name] = sc.authorizer
		}
	}
	return def, nil
}

// Definition is what a definition document declares.
type Definition struct {
	Routes []*model.Route
	// ResourcePolicy is x-amazon-apigateway-policy as JSON; nil for none.
	ResourcePolicy []byte
	// Authorizers are the Lambda authorizers of the security schemes.
	Authorizers map[string]*model.Authorizer
	// CORS is an HTTP API's x-amazon-apigateway-cors; nil for none.
	CORS *model.CORS
	// GatewayResponses are x-amazon-apigateway-gateway-responses.
	GatewayResponses map[string]*model.GatewayResponse
	// BinaryMediaTypes are x-amazon-apigateway-binary-media-types.
	BinaryMediaTypes []string
	// Models are a REST API's models (definitions, components.schemas and
	// inline body schemas) by name.
	Models map[string]*model.Model
}

// isGatewayResponseType reports whether t is one of API Gateway's gateway
// response types.
func isGatewayResponseType(t string) bool {
	switch t {
	case "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR",
		"AUTHORIZER_FAILURE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY",
		"DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN", "INTEGRATION_FAILURE",
		"INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
		"MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE",
		"RESOURCE_NOT_FOUND", "THROTTLED", "UNAUTHORIZED",
		"UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED":
		return true
	}
	return false
}

func decodeGatewayResponses(es *yamlx.Errors, n *yaml.Node, protocol model.Protocol) map[string]*model.GatewayResponse {
	if n == nil {
		return nil
	}
	const field = "x-amazon-apigateway-gateway-responses"
	if protocol != model.REST {
		es.Add(n, field, "gateway responses exist only for REST APIs")
		return nil
	}
	if n.Kind != yaml.MappingNode {
		es.Add(n, field, "must be a mapping from response type to response")
		return nil
	}
	type responseDoc struct {
		StatusCode         string            `yaml:"statusCode"`
		ResponseParameters map[string]string `yaml:"responseParameters"`
		ResponseTemplates  *yaml.Node        `yaml:"responseTemplates"`
		DefaultResponse    bool              `yaml:"defaultResponse"`
	}
	out := map[string]*model.GatewayResponse{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		if !isGatewayResponseType(k.Value) {
			es.Add(k, f, "unknown gateway response type %q", k.Value)
			continue
		}
		var d responseDoc
		yamlx.Decode(es, v, f, &d)
		for name := range d.ResponseParameters {
			if !strings.HasPrefix(name, "gatewayresponse.header.") {
				es.Add(v, f+".responseParameters", "target %q must be gatewayresponse.header.NAME", name)
			}
		}
		out[k.Value] = &model.GatewayResponse{StatusCode: d.StatusCode, Parameters: d.ResponseParameters,
			Templates: decodeTemplates(es, d.ResponseTemplates, f+".responseTemplates"), Where: fmt.Sprintf("%s:%d:%d", es.File, k.Line, k.Column)}
	}
	return out
}

// nodeJSON converts a YAML node (a policy written as YAML or JSON) to JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok {
		// AWS exports may carry the policy as a JSON string.
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("policy string is not valid JSON")
		}
		return []byte(s), nil
	}
	return json.Marshal(v)
}

func operationMethod(key string) (string, bool) {
	if key == anyMethodKey {
		return model.MethodAny, true
	}
	for _, m := range httpMethods {
		if key == m {
			return strings.ToUpper(m), true
		}
	}
	return "", false
}

// authorization returns the method's authorization type from
// x-amazon-apigateway-auth or its security requirements (the operation's,
// else the document's). Authorizers and API keys are not served yet:
// serving such a method open would silently drop its protection, so they
// are load errors.
func (d *document) authorization(es *yamlx.Errors, op *yaml.Node, field string) (auth model.AuthorizationType, authorizerName string, scopes []string) {
	if auth := yamlx.Lookup(op, "x-amazon-apigateway-auth"); auth != nil {
		t := yamlx.Lookup(auth, "type")
		if t == nil {
			es.Add(auth, field+".x-amazon-apigateway-auth", `missing required key "type"`)
			return "", "", nil
		}
		switch strings.ToUpper(t.Value) {
		case "NONE":
			return model.AuthNone, "", nil
		case "AWS_IAM":
			return model.AuthIAM, "", nil
		}
		es.Add(t, field+".x-amazon-apigateway-auth.type", "authorization type %q is not supported yet (served: NONE, AWS_IAM)", t.Value)
		return "", "", nil
	}
	sec := yamlx.Lookup(op, "security")
	secField := field + ".security"
	if sec == nil {
		sec, secField = d.security, "security"
	}
	if sec == nil || sec.Kind != yaml.SequenceNode || len(sec.Content) == 0 {
		return model.AuthNone, "", nil
	}
	result := model.AuthNone
	for _, req := range sec.Content {
		if req.Kind != yaml.MappingNode {
			es.Add(req, secField, "each security requirement must be a mapping of scheme names")
			continue
		}
		for i := 0; i+1 < len(req.Content); i += 2 {
			name := req.Content[i]
			scheme := d.schemes[name.Value]
			switch {
			case scheme == nil:
				es.Add(name, secField, "security scheme %q is not defined (securitySchemes / securityDefinitions)", name.Value)
			case scheme.authType == model.AuthIAM:
				result = model.AuthIAM
			case scheme.authType == model.AuthCustom:
				result, authorizerName = model.AuthCustom, name.Value
			case scheme.authType == model.AuthJWT:
				result, authorizerName = model.AuthJWT, name.Value
				scopes = scopeList(req.Content[i+1])
			case scheme.authType == model.AuthCognito:
				// The method's authorizationScopes are the requirement's list.
				result, authorizerName = model.AuthCognito, name.Value
				scopes = scopeList(req.Content[i+1])
			default:
				es.Add(name, secField, "security scheme %q (%s) is not supported yet (served: awsSigv4 / AWS_IAM, Lambda token and request, jwt and cognito_user_pools authorizers)", name.Value, scheme.kind)
			}
		}
	}
	return result, authorizerName, scopes
}

// scopeList reads the scopes of a security requirement entry.
func scopeList(n *yaml.Node) []string {
	var out []string
	if n != nil && n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			out = append(out, c.Value)
		}
	}
	return out
}

// securityScheme is a declared scheme: AWS_IAM, a Lambda authorizer, or
// something not served yet.
type securityScheme struct {
	authType   model.AuthorizationType // "" when unsupported
	kind       string                  // for messages
	authorizer *model.Authorizer
}

// authorizerDoc is x-amazon-apigateway-authorizer.
type authorizerDoc struct {
	Type                           string     `yaml:"type,required"`
	AuthorizerURI                  string     `yaml:"authorizerUri"`
	AuthorizerCredentials          string     `yaml:"authorizerCredentials"`
	AuthorizerResultTTLInSeconds   *int       `yaml:"authorizerResultTtlInSeconds"`
	IdentitySource                 string     `yaml:"identitySource"`
	IdentityValidationExpression   string     `yaml:"identityValidationExpression"`
	AuthorizerPayloadFormatVersion string     `yaml:"authorizerPayloadFormatVersion"`
	EnableSimpleResponses          bool       `yaml:"enableSimpleResponses"`
	ProviderARNs                   []string   `yaml:"providerARNs"`
	JWTConfiguration               *yaml.Node `yaml:"jwtConfiguration"`
}

// document holds what operations inherit from the definition's root.
type document struct {
	security *yaml.Node
	schemes  map[string]*securityScheme
}

func readDocument(es *yamlx.Errors, root *yaml.Node, protocol model.Protocol) *document {
	d := &document{security: yamlx.Lookup(root, "security"), schemes: map[string]*securityScheme{}}
	schemes := yamlx.Lookup(root, "securityDefinitions")
	if schemes == nil {
		schemes = yamlx.Lookup(yamlx.Lookup(root, "components"), "securitySchemes")
	}
	if schemes == nil || schemes.Kind != yaml.MappingNode {
		return d
	}
	for i := 0; i+1 < len(schemes.Content); i += 2 {
		name, n := schemes.Content[i], schemes.Content[i+1]
		s := &securityScheme{kind: "unknown"}
		if t := yamlx.Lookup(n, "x-amazon-apigateway-authtype"); t != nil && strings.EqualFold(t.Value, "awsSigv4") {
			s.kind, s.authType = t.Value, model.AuthIAM
		} else if an := yamlx.Lookup(n, "x-amazon-apigateway-authorizer"); an != nil {
			s.kind = "JWT/Cognito authorizer"
			var ad authorizerDoc
			field := "securitySchemes." + name.Value + ".x-amazon-apigateway-authorizer"
			before := es.Len()
			yamlx.Decode(es, an, field, &ad)
			switch t := strings.ToLower(ad.Type); {
			case es.Len() > before:
			case t == "token" || t == "request":
				fn, err := LambdaFunction(ad.AuthorizerURI)
				if err != nil {
					es.Add(an, field+".authorizerUri", "%v", err)
					break
				}
				src := ad.IdentitySource
				if src == "" && t == "token" {
					// AWS's own example names the token header only in the
					// scheme (name, in: header).
					src = schemeHeader(n)
				}
				a := &model.Authorizer{Name: name.Value, Type: t, Function: fn, IdentitySource: src,
					IdentityValidationExpression: ad.IdentityValidationExpression, ResultTTL: 300,
					PayloadFormatVersion: ad.AuthorizerPayloadFormatVersion, EnableSimpleResponses: ad.EnableSimpleResponses,
					Where: fmt.Sprintf("%s:%d:%d", es.File, an.Line, an.Column)}
				if ad.AuthorizerResultTTLInSeconds != nil {
					a.ResultTTL = *ad.AuthorizerResultTTLInSeconds
				}
				s.authType, s.authorizer, s.kind = model.AuthCustom, a, "Lambda authorizer"
			case t == "jwt":
				var jc struct {
					Issuer   string   `yaml:"issuer,required"`
					Audience []string `yaml:"audience"`
				}
				if ad.JWTConfiguration == nil {
					es.Add(an, field, `a jwt authorizer needs "jwtConfiguration" (issuer, audience)`)
					break
				}
				yamlx.Decode(es, ad.JWTConfiguration, field+".jwtConfiguration", &jc)
				src := ad.IdentitySource
				if src == "" {
					src = "$request.header.Authorization"
				}
				a := &model.Authorizer{Name: name.Value, Type: t, IdentitySource: src, JWTIssuer: jc.Issuer, JWTAudience: jc.Audience,
					Where: fmt.Sprintf("%s:%d:%d", es.File, an.Line, an.Column)}
				s.authType, s.authorizer, s.kind = model.AuthJWT, a, "JWT authorizer"
			case t == model.AuthorizerCognito:
				// On errors (already reported) the authorizer is nil and
				// the definition is not served.
				s.authType, s.kind = model.AuthCognito, "Cognito user pool authorizer"
				s.authorizer = cognitoAuthorizer(es, name.Value, n, an, &ad, field, protocol)
			}
		} else if t := yamlx.Lookup(n, "type"); t != nil {
			s.kind = t.Value
			if in := yamlx.Lookup(n, "name"); in != nil && strings.EqualFold(in.Value, "x-api-key") {
				s.kind = "API key"
			}
		}
		d.schemes[name.Value] = s
	}
	return d
}

// integrationDoc is x-amazon-apigateway-integration as AWS documents it.
type integrationDoc struct {
	Type                 string            `yaml:"type,required"`
	URI                  string            `yaml:"uri"`
	HTTPMethod           string            `yaml:"httpMethod"`
	ConnectionType       string            `yaml:"connectionType"`
	ConnectionID         string            `yaml:"connectionId"`
	Credentials          string            `yaml:"credentials"`
	ContentHandling      string            `yaml:"contentHandling"`
	PassthroughBehavior  string            `yaml:"passthroughBehavior"`
	RequestParameters    map[string]string `yaml:"requestParameters"`
	RequestTemplates     *yaml.Node        `yaml:"requestTemplates"`
	Responses            *yaml.Node        `yaml:"responses"`
	TimeoutInMillis      int               `yaml:"timeoutInMillis"`
	CacheKeyParameters   []string          `yaml:"cacheKeyParameters"`
	CacheNamespace       string            `yaml:"cacheNamespace"`
	PayloadFormatVersion string            `yaml:"payloadFormatVersion"`
	TLSConfig            *yaml.Node        `yaml:"tlsConfig"`
	IntegrationSubtype   string            `yaml:"integrationSubtype"`
	Description          string            `yaml:"description"`
	// ResponseParameters are HTTP API response mappings by status code.
	ResponseParameters map[string]map[string]string `yaml:"responseParameters"`
	// ForwardIdentity is gatehouse's own extension (identity forwarding).
	ForwardIdentity string `yaml:"x-gatehouse-forward-identity"`
}

// DecodeIntegration decodes an x-amazon-apigateway-integration object (or
// gatehouse's inline integration, which has the same keys). It returns nil
// when the object has errors, which are added to es.
func DecodeIntegration(es *yamlx.Errors, n *yaml.Node, field string, protocol model.Protocol) *model.Integration {
	before := es.Len()
	var d integrationDoc
	yamlx.Decode(es, n, field, &d)
	if es.Len() > before {
		return nil
	}
	in := &model.Integration{
		HTTPMethod:           strings.ToUpper(d.HTTPMethod),
		URI:                  d.URI,
		RequestParameters:    d.RequestParameters,
		ConnectionType:       strings.ToUpper(d.ConnectionType),
		Timeout:              model.DefaultTimeout,
		PayloadFormatVersion: d.PayloadFormatVersion,
		PassthroughBehavior:  strings.ToUpper(d.PassthroughBehavior),
	}
	if protocol == model.HTTP {
		in.Timeout = model.DefaultHTTPAPITimeout
	}
	at := func(key string) *yaml.Node {
		if v := yamlx.Lookup(n, key); v != nil {
			return v
		}
		return n
	}
	switch strings.ToUpper(d.Type) {
	case "HTTP_PROXY":
		in.Type = model.HTTPProxy
	case "HTTP":
		in.Type = model.HTTPPlain
		if protocol == model.HTTP {
			es.Add(at("type"), field+".type", "type %q is a REST API integration; HTTP APIs use http_proxy", d.Type)
		}
	case "AWS_PROXY":
		in.Type = model.AWSProxy
		if in.HTTPMethod == "" {
			in.HTTPMethod = "POST" // Lambda is always invoked with POST
		}
	case "MOCK":
		in.Type = model.Mock
		if protocol == model.HTTP {
			es.Add(at("type"), field+".type", "type %q is a REST API integration; HTTP APIs have no MOCK", d.Type)
		}
	case "AWS":
		in.Type = model.AWS
		if protocol == model.HTTP {
			es.Add(at("type"), field+".type", "type %q is a REST API integration; HTTP APIs use aws_proxy", d.Type)
		}
		if in.HTTPMethod == "" {
			in.HTTPMethod = "POST" // Lambda is always invoked with POST
		}
	default:
		es.Add(at("type"), field+".type", "unknown integration type %q (allowed: http_proxy, http, aws_proxy, aws, mock)", d.Type)
	}
	if in.ConnectionType != "" && in.ConnectionType != "INTERNET" {
		es.Add(at("connectionType"), field+".connectionType", "connection type %q is not supported (allowed: INTERNET)", d.ConnectionType)
	}
	if in.Type == model.Mock {
		// A MOCK integration has no backend: no method, no URI.
	} else if in.HTTPMethod == "" {
		es.Add(n, field, `missing required key "httpMethod"`)
	} else if !validMethod(in.HTTPMethod) {
		es.Add(at("httpMethod"), field+".httpMethod", "unknown HTTP method %q", d.HTTPMethod)
	}
	switch {
	case in.Type == model.Mock:
	case d.URI == "":
		es.Add(n, field, `missing required key "uri"`)
	case in.Type == model.AWS && !isLambdaInvocationURI(d.URI):
		es.Add(at("uri"), field+".uri", "AWS service integration %q is not supported yet (served: Lambda, arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations)", d.URI)
	case in.Type == model.AWSProxy || in.Type == model.AWS:
		fn, err := LambdaFunction(d.URI)
		if err != nil {
			es.Add(at("uri"), field+".uri", "%v", err)
		}
		in.Function = fn
	default:
		if err := checkHTTPURI(d.URI); err != nil {
			es.Add(at("uri"), field+".uri", "%v", err)
		}
	}
	if d.TimeoutInMillis != 0 {
		// REST allows 50 ms to 29 s; HTTP APIs 50 ms to 30 s.
		maxMillis := 29000
		if protocol == model.HTTP {
			maxMillis = 30000
		}
		if d.TimeoutInMillis < 50 || d.TimeoutInMillis > maxMillis {
			es.Add(at("timeoutInMillis"), field+".timeoutInMillis", "must be between 50 and %d, not %d", maxMillis, d.TimeoutInMillis)
		}
		in.Timeout = time.Duration(d.TimeoutInMillis) * time.Millisecond
	}
	if mode, err := model.ParseForwardMode(d.ForwardIdentity); err != nil {
		es.Add(at("x-gatehouse-forward-identity"), field+".x-gatehouse-forward-identity", "%v", err)
	} else {
		in.ForwardIdentity = mode
	}
	switch in.PassthroughBehavior {
	case "", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER":
	default:
		es.Add(at("passthroughBehavior"), field+".passthroughBehavior", "unknown value %q (allowed: when_no_match, when_no_templates, never)", d.PassthroughBehavior)
	}
	switch d.PayloadFormatVersion {
	case "", "1.0", "2.0":
	default:
		es.Add(at("payloadFormatVersion"), field+".payloadFormatVersion", "must be 1.0 or 2.0, not %q", d.PayloadFormatVersion)
	}
	in.RequestTemplates = decodeTemplates(es, d.RequestTemplates, field+".requestTemplates")
	in.ContentHandling = decodeContentHandling(es, at("contentHandling"), field+".contentHandling", d.ContentHandling)
	if d.ResponseParameters != nil {
		if protocol != model.HTTP {
			es.Add(at("responseParameters"), field+".responseParameters", "integration-level responseParameters are for HTTP APIs; REST APIs map them in responses")
		}
		in.ResponseParameters = d.ResponseParameters
	}
	if d.Responses != nil {
		decodeResponses(es, d.Responses, field+".responses", in)
	}
	for key := range d.RequestParameters {
		if err := checkRequestParameterTarget(key, protocol); err != nil {
			es.Add(at("requestParameters"), field+".requestParameters", "%v", err)
		}
	}
	if es.Len() > before {
		return nil
	}
	return in
}

func decodeResponses(es *yamlx.Errors, n *yaml.Node, field string, in *model.Integration) {
	type responseDoc struct {
		StatusCode         string            `yaml:"statusCode,required"`
		ResponseParameters map[string]string `yaml:"responseParameters"`
		ResponseTemplates  *yaml.Node        `yaml:"responseTemplates"`
		ContentHandling    string            `yaml:"contentHandling"`
	}
	if n.Kind != yaml.MappingNode {
		es.Add(n, field, "must be a mapping from selection pattern to response")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var d responseDoc
		f := field + "." + k.Value
		yamlx.Decode(es, v, f, &d)
		r := model.IntegrationResponse{Pattern: k.Value, StatusCode: d.StatusCode, Parameters: d.ResponseParameters,
			Templates:       decodeTemplates(es, d.ResponseTemplates, f+".responseTemplates"),
			ContentHandling: decodeContentHandling(es, v, f+".contentHandling", d.ContentHandling)}
		if k.Value == "default" {
			r.Pattern = ""
		}
		if err := r.Compile(); err != nil {
			es.Add(k, f, "%v", err)
			continue
		}
		for key, src := range d.ResponseParameters {
			if !strings.HasPrefix(key, "method.response.header.") {
				es.Add(v, f+".responseParameters", "target %q must be method.response.header.NAME", key)
			}
			if !strings.HasPrefix(src, "integration.response.header.") && !strings.HasPrefix(src, "integration.response.body") && !isStatic(src) {
				es.Add(v, f+".responseParameters", "source %q must be integration.response.header.NAME, integration.response.body[.JSONPath] or a 'static' value", src)
			}
		}
		in.Responses = append(in.Responses, r)
	}
	// Specific patterns are tried before the default, as on AWS.
	sort.SliceStable(in.Responses, func(a, b int) bool {
		return in.Responses[a].Pattern != "" && in.Responses[b].Pattern == ""
	})
}

// decodeTemplates reads a content type → template mapping. A null or
// empty template (AWS exports carry them) means passthrough.
func decodeTemplates(es *yamlx.Errors, n *yaml.Node, field string) map[string]model.Template {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		es.Add(n, field, "must be a mapping from content type to template")
		return nil
	}
	out := make(map[string]model.Template, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			es.Add(v, field+"."+k.Value, "a template must be a string")
			continue
		}
		src := v.Value
		if v.Tag == "!!null" {
			src = ""
		}
		out[strings.ToLower(k.Value)] = model.Template{Source: src, Where: fmt.Sprintf("%s:%d:%d", es.File, v.Line, v.Column)}
	}
	return out
}

// LambdaFunction returns the function name of a Lambda integration URI:
// API Gateway's invocation URI
// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations),
// a function ARN (arn:aws:lambda:{region}:{account}:function:{name}[:{alias}],
// as HTTP APIs take it), or either with ${stageVariables.x} in place of the
// name. An alias or version qualifier is dropped: every version of a local
// function is the same code.
func LambdaFunction(uri string) (string, error) {
	arn := uri
	if strings.HasPrefix(uri, "arn:aws:apigateway:") {
		_, rest, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/")
		fn, found := strings.CutSuffix(rest, "/invocations")
		if !ok || !found {
			return "", fmt.Errorf("lambda integration URI %q must be arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations", uri)
		}
		arn = fn
	}
	const marker = ":function:"
	i := strings.Index(arn, marker)
	if !strings.HasPrefix(arn, "arn:") || i < 0 {
		return "", fmt.Errorf("lambda integration URI %q does not name a function (arn:aws:lambda:{region}:{account}:function:{name})", uri)
	}
	name := arn[i+len(marker):]
	if strings.HasPrefix(name, "${stageVariables.") {
		if end := strings.IndexByte(name, '}'); end > 0 {
			return name[:end+1], nil
		}
	}
	name, _, _ = strings.Cut(name, ":") // alias or version
	if name == "" {
		return "", fmt.Errorf("lambda integration URI %q has an empty function name", uri)
	}
	return name, nil
}

func isStatic(src string) bool {
	return len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\''
}

func checkRequestParameterTarget(key string, protocol model.Protocol) error {
	if protocol == model.HTTP {
		return nil // append|overwrite|remove:..., compiled with the plan
	}
	for _, p := range []string{"integration.request.header.", "integration.request.querystring.", "integration.request.path.", "integration.request.multivaluequerystring."} {
		if name, ok := strings.CutPrefix(key, p); ok && name != "" {
			return nil
		}
	}
	return fmt.Errorf("target %q must be integration.request.{header,querystring,path}.NAME", key)
}

func validMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY":
		return true
	}
	return false
}

// checkHTTPURI checks an HTTP integration URI: an absolute http(s) URL once
// ${stageVariables.x} and {param} placeholders are set aside.
func checkHTTPURI(uri string) error {
	probe := strings.NewReplacer("${", "x", "{", "x", "}", "x").Replace(uri)
	u, err := url.Parse(probe)
	if err != nil {
		return fmt.Errorf("invalid URI %q: %v", uri, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URI %q must be an absolute http:// or https:// URL", uri)
	}
	if u.Host == "" {
		return fmt.Errorf("URI %q has no host", uri)
	}
	return nil
}

// CheckPathTemplate validates a resource path such as /pets/{id}/{proxy+}:
// it starts with '/', has no empty segments, braces enclose a whole
// segment, parameter names are [A-Za-z0-9._-]+, and a greedy {name+}
// parameter can only be the last segment.
func CheckPathTemplate(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q must start with '/'", path)
	}
	segs := strings.Split(path[1:], "/")
	for i, s := range segs {
		if s == "" {
			return fmt.Errorf("path %q has an empty segment", path)
		}
		if strings.ContainsAny(s, "{}") {
			if s[0] != '{' || s[len(s)-1] != '}' || strings.Count(s, "{") != 1 || strings.Count(s, "}") != 1 {
				return fmt.Errorf("path %q: segment %q: a parameter must be a whole segment like {id}", path, s)
			}
			name := s[1 : len(s)-1]
			greedy := strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
			if name == "" || !validParamName(name) {
				return fmt.Errorf("path %q: segment %q: parameter names use letters, digits, '.', '_' and '-'", path, s)
			}
			if greedy && i != len(segs)-1 {
				return fmt.Errorf("path %q: greedy parameter %q must be the last segment", path, s)
			}
			continue
		}
		for _, c := range s {
			if c < 0x21 || c == 0x7f || c == '?' || c == '#' || c == '%' {
				return fmt.Errorf("path %q: segment %q has a character not allowed in a resource path", path, s)
			}
		}
	}
	return nil
}

func validParamName(name string) bool {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
