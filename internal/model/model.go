// Package model is gatehouse's in-memory form of an API Gateway API: the
// APIs, stages, routes and integrations that definitions (OpenAPI exports,
// inline routes, later CloudFormation templates) are loaded into. It
// imports no other gatehouse package.
package model

import (
	"fmt"
	"regexp"
	"time"
)

// Protocol is the kind of API Gateway API.
type Protocol string

// The two API kinds.
const (
	REST Protocol = "REST" // API Gateway v1 REST API
	HTTP Protocol = "HTTP" // API Gateway v2 HTTP API
)

// DefaultStage is the HTTP API stage served at the root of the URL.
const DefaultStage = "$default"

// DefaultRouteKey is the HTTP API catch-all route key.
const DefaultRouteKey = "$default"

// MethodAny matches every HTTP method (x-amazon-apigateway-any-method).
const MethodAny = "ANY"

// API is one API Gateway API with its stages and routes.
type API struct {
	Name     string
	ID       string // 10 chars [a-z0-9]
	Protocol Protocol
	Source   string // the file it was loaded from, for messages
	Stages   []*Stage
	Routes   []*Route
	// ResourcePolicy is the REST API's resource policy
	// (x-amazon-apigateway-policy) as JSON; nil means none.
	ResourcePolicy []byte
	// Authorizers are the API's Lambda authorizers by name.
	Authorizers map[string]*Authorizer
	// GatewayResponses customise the gateway's own error answers by
	// response type (DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...).
	GatewayResponses map[string]*GatewayResponse
	// CORS is an HTTP API's CORS configuration; nil means none.
	CORS *CORS
	// BinaryMediaTypes are the REST API's binary media types
	// (x-amazon-apigateway-binary-media-types), e.g. "image/png",
	// "image/*", "*/*"; nil means every payload is text.
	BinaryMediaTypes []string
	// Models are the REST API's models by name (request validation).
	Models map[string]*Model
}

// GatewayResponse is one x-amazon-apigateway-gateway-responses entry.
type GatewayResponse struct {
	// StatusCode replaces the status; "" keeps the error's.
	StatusCode string
	// Parameters map gatewayresponse.header.X to a source
	// (method.request.*, context.*, stageVariables.*, 'static').
	Parameters map[string]string
	// Templates are body templates by content type.
	Templates map[string]Template
	Where     string
}

// AuthorizationType is a method's authorization type.
type AuthorizationType string

// Authorization types gatehouse enforces.
const (
	AuthNone   AuthorizationType = "NONE"
	AuthIAM    AuthorizationType = "AWS_IAM"
	AuthCustom AuthorizationType = "CUSTOM" // a Lambda authorizer
	AuthJWT    AuthorizationType = "JWT"    // an HTTP API JWT authorizer
)

// Authorizer is a Lambda authorizer an API declares
// (x-amazon-apigateway-authorizer of type token or request).
type Authorizer struct {
	Name                         string
	Type                         string // "token" or "request"
	Function                     string // resolved from authorizerUri; may hold ${stageVariables.x}
	IdentitySource               string
	IdentityValidationExpression string
	ResultTTL                    int // seconds; AWS's default 300 is filled at load
	PayloadFormatVersion         string
	EnableSimpleResponses        bool
	// JWTIssuer and JWTAudience are a JWT authorizer's jwtConfiguration.
	JWTIssuer   string
	JWTAudience []string
	// ProviderARNs are a Cognito authorizer's user pools
	// (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}); the pool
	// id may be ${stageVariables.x}.
	ProviderARNs []string
	Where        string
}

// Stage is a deployment stage with its variables and access log settings.
type Stage struct {
	Name      string
	Variables map[string]string
	AccessLog AccessLog
}

// AccessLog says where and how a stage writes its access log.
type AccessLog struct {
	// Format is an AWS accessLogSettings.format string with $context
	// variables. Empty means gatehouse's default JSON line.
	Format string
	// Destination is "stdout" (the default when empty), "stderr", "off",
	// or a file path.
	Destination string
}

// Route is a REST method on a resource, or an HTTP API route.
type Route struct {
	// Method is an HTTP method in upper case, or MethodAny.
	Method string
	// Path is the resource path template, e.g. /pets/{id}/{proxy+}. Empty
	// for the HTTP API $default route.
	Path string
	// Key is the HTTP API route key ("GET /pets/{id}", "$default"); for
	// REST it is "METHOD path" for messages.
	Key         string
	Integration *Integration
	// Authorization is the method's authorization type; "" means NONE.
	Authorization AuthorizationType
	// Authorizer names the API's authorizer when Authorization is CUSTOM
	// or JWT.
	Authorizer string
	// AuthorizationScopes are the scopes a JWT route or a Cognito method
	// requires (any one).
	AuthorizationScopes []string
	// Validation is the REST method's request validation; nil means none.
	Validation *RequestValidation
	// Where is the definition position ("pets.yaml:12:5") for messages.
	Where string
}

// IntegrationType is an API Gateway integration type.
type IntegrationType string

// Integration types gatehouse serves.
const (
	HTTPProxy IntegrationType = "HTTP_PROXY"
	HTTPPlain IntegrationType = "HTTP"
	AWSProxy  IntegrationType = "AWS_PROXY" // Lambda proxy integration
	Mock      IntegrationType = "MOCK"      // answered by the gateway itself
	// AWS is a non-proxy (custom) AWS integration; gatehouse serves the
	// Lambda one: templates build the payload, responses map the result.
	AWS IntegrationType = "AWS"
)

// Template is a mapping template with where it was defined, for errors.
type Template struct {
	Source string
	Where  string // file:line:col
}

// Integration describes how a route reaches its backend.
type Integration struct {
	Type       IntegrationType
	HTTPMethod string // method used toward the backend; ANY keeps the caller's
	URI        string // may hold {param} and ${stageVariables.x}
	// Function is the Lambda function of an AWS_PROXY or AWS (Lambda)
	// integration: its name (from the function ARN in URI), which may hold
	// ${stageVariables.x}.
	Function string
	// RequestParameters maps integration.request.{header,querystring,path}.X
	// to a source expression: method.request.*, 'static', context.*,
	// stageVariables.*.
	RequestParameters map[string]string
	ConnectionType    string // INTERNET (VPC_LINK is not served)
	Timeout           time.Duration
	// PayloadFormatVersion is "1.0" or "2.0" for HTTP APIs.
	PayloadFormatVersion string
	// PassthroughBehavior is WHEN_NO_MATCH (the default when empty),
	// WHEN_NO_TEMPLATES or NEVER.
	PassthroughBehavior string
	// RequestTemplates are the request mapping templates by content type.
	RequestTemplates map[string]Template
	// ContentHandling converts the request payload of a non-proxy
	// integration: ConvertToText, ConvertToBinary, or "" (pass it through).
	ContentHandling string
	// ResponseParameters are an HTTP API integration's response parameter
	// mappings, by status code.
	ResponseParameters map[string]map[string]string
	// Responses are the integration responses of a non-proxy integration,
	// specific patterns first and the default last.
	Responses []IntegrationResponse
	// ForwardIdentity tells the backend who called (gatehouse's opt-in
	// identity forwarding, not an AWS feature): ForwardNone (the default),
	// ForwardHeaders or ForwardJWT.
	ForwardIdentity ForwardMode
}

// ForwardMode is how a verified caller is forwarded to an integration.
type ForwardMode string

// Identity forwarding modes.
const (
	ForwardNone    ForwardMode = ""
	ForwardHeaders ForwardMode = "headers"
	ForwardJWT     ForwardMode = "jwt"
)

// ParseForwardMode parses a forwarding mode as written in a config.
func ParseForwardMode(s string) (ForwardMode, error) {
	switch s {
	case "", "none":
		return ForwardNone, nil
	case "headers":
		return ForwardHeaders, nil
	case "jwt":
		return ForwardJWT, nil
	}
	return "", fmt.Errorf("unknown identity forwarding mode %q (allowed: none, headers, jwt)", s)
}

// DefaultTimeout is API Gateway's default (and REST maximum) integration timeout.
const DefaultTimeout = 29 * time.Second

// DefaultHTTPAPITimeout is the HTTP API default (and maximum) integration timeout.
const DefaultHTTPAPITimeout = 30 * time.Second

// IntegrationResponse selects the method response for a non-proxy
// integration's result (x-amazon-apigateway-integration.responses).
type IntegrationResponse struct {
	// Pattern is the selectionPattern, a regular expression matched
	// against the whole backend status code (Lambda: the whole
	// errorMessage, "" on success); empty is the default.
	Pattern    string
	StatusCode string
	// Parameters maps method.response.header.X to
	// integration.response.header.Y or a 'static' value.
	Parameters map[string]string
	// Templates are the response mapping templates by content type; an
	// empty template passes the integration's body through.
	Templates map[string]Template
	// ContentHandling converts the response payload: ConvertToText,
	// ConvertToBinary, or "" (decided by the binary media types).
	ContentHandling string
	re              *regexp.Regexp
}

// Content handling values (contentHandling of integrations and
// integration responses).
const (
	ConvertToText   = "CONVERT_TO_TEXT"   // binary → base64 text
	ConvertToBinary = "CONVERT_TO_BINARY" // base64 text → binary
)

// Compile prepares Pattern; it must be called before Match.
func (r *IntegrationResponse) Compile() error {
	if r.Pattern == "" {
		return nil
	}
	re, err := regexp.Compile(`^(?:` + r.Pattern + `)$`)
	if err != nil {
		return fmt.Errorf("selection pattern %q: %w", r.Pattern, err)
	}
	r.re = re
	return nil
}

// Match reports whether the response applies to the backend status text.
func (r *IntegrationResponse) Match(status string) bool {
	return r.re == nil || r.re.MatchString(status)
}
