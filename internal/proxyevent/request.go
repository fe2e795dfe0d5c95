// Package proxyevent builds the Lambda event API Gateway sends to an
// AWS_PROXY integration and reads the function's result back into the HTTP
// response API Gateway returns, in the shapes AWS documents:
//
//   - REST APIs (payload 1.0): "Set up Lambda proxy integrations in API
//     Gateway", input and output format,
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
//   - HTTP APIs (payload 1.0 and 2.0): "Create AWS Lambda proxy
//     integrations for HTTP APIs",
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
//
// The package is pure: [AppendEvent] turns a [Request] the gateway filled
// into event bytes, [ParseResponse] turns the function's result into a
// [Response] or a [*MalformedError]. It imports no other gatehouse
// package. docs/lambda-proxy-events.md records the decisions (key order,
// null-versus-absent rules, header merging).
package proxyevent

import "strconv"

// Format selects the event shape and the response rules.
type Format uint8

// The formats. The zero Format is invalid.
const (
	// REST is a REST API (API Gateway v1) AWS_PROXY integration: payload
	// 1.0 without a "version" key, original header case, a 502
	// "Internal server error" for a malformed result.
	REST Format = iota + 1
	// HTTP10 is an HTTP API integration with payloadFormatVersion "1.0":
	// "version":"1.0", lowercase header names, requestContext.routeKey, a
	// 500 "Internal Server Error" for a malformed result.
	HTTP10
	// HTTP20 is an HTTP API integration with payloadFormatVersion "2.0".
	HTTP20
)

// String returns "REST", "1.0" or "2.0".
func (f Format) String() string {
	switch f {
	case REST:
		return "REST"
	case HTTP10:
		return "1.0"
	case HTTP20:
		return "2.0"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Param is one name/value pair (header, query parameter, path parameter,
// stage variable), kept in the order the gateway saw it.
type Param struct {
	Name  string
	Value string
}

// Entry is one authorizer-provided value (Lambda authorizer context, JWT
// claim). Value is written as a JSON string, unless JSON is set: then Value
// is a JSON literal (number, boolean, object) written verbatim, and
// AppendEvent rejects it if it is not valid JSON.
type Entry struct {
	Key   string
	Value string
	JSON  bool
}

// Request is one request as the gateway sees it after routing and
// authorization. All fields are optional; a zero field is written the way
// API Gateway writes an absent value (null in payload 1.0, omitted in 2.0,
// "" for strings AWS always sends).
type Request struct {
	// Method is the HTTP method: 1.0 httpMethod, 2.0 requestContext.http.method.
	Method string
	// Resource is the REST resource path template ("/{proxy+}"); for HTTP
	// API 1.0 the route's path ("/pets/{id}"). 1.0 resource and
	// requestContext.resourcePath.
	Resource string
	// RouteKey is the HTTP API route key ("GET /pets/{id}", "$default").
	RouteKey string
	// Path is the 1.0 "path": the request path after the stage, as API
	// Gateway shows it ("/hello/world"; with a custom domain it keeps the
	// base path).
	Path string
	// RawPath is the 2.0 rawPath, escaped as received. Empty means
	// Context.Path after defaulting (see RequestContext.Path).
	RawPath string
	// PathParameters are the matched path variables, in template order.
	// A greedy {proxy+} is named "proxy" and has no leading slash.
	PathParameters []Param
	// RawQuery is the query string as received, without '?': 2.0
	// rawQueryString.
	RawQuery string
	// Query is the decoded query, in order, repeated names repeated.
	Query []Param
	// Headers are the request headers, in order, repeated names repeated,
	// names in their original case.
	Headers []Param
	// Body is the request payload; empty means no body (1.0 "body":null,
	// 2.0 no "body" key).
	Body []byte
	// Binary sends Body base64-encoded with isBase64Encoded true (the
	// content type matched the API's binary media types; always for HTTP
	// APIs when the body is not text).
	Binary bool
	// Stage is the stage name ("prod", "$default").
	Stage string
	// StageVariables are the stage's variables, in a fixed order (the
	// gateway sorts them or keeps definition order).
	StageVariables []Param
	// Context carries the requestContext values.
	Context RequestContext
}

// RequestContext holds the requestContext values the gateway computed.
type RequestContext struct {
	RequestID         string
	ExtendedRequestID string // REST and HTTP API 1.0 only
	AccountID         string
	APIID             string
	DomainName        string
	DomainPrefix      string
	// Protocol is "HTTP/1.1" or "HTTP/2.0".
	Protocol string
	// RequestTime is the CLF time, "24/Nov/2026:23:27:53 +0000" (2.0 time).
	RequestTime string
	// RequestTimeEpoch is the request time in Unix milliseconds.
	RequestTimeEpoch int64
	SourceIP         string
	UserAgent        string
	// ResourceID is the REST resource id; empty is null in HTTP API 1.0.
	ResourceID string
	// OperationName is the REST method's operationName; empty omits it.
	OperationName string
	// Path is 1.0 requestContext.path and 2.0 requestContext.http.path.
	// Empty means "/" + Stage + Request.Path, or Request.Path on the
	// $default stage.
	Path string
	// Identity is the caller's identity ($context.identity.*).
	Identity Identity
	// Authorizer is what the method's authorizer returned.
	Authorizer Authorizer
}

// Identity is $context.identity: filled by AWS_IAM authorization (and
// Cognito identity pools); empty strings are written as null in payload
// 1.0 (sourceIp and userAgent come from RequestContext).
type Identity struct {
	AccessKey                     string
	AccountID                     string
	APIKey                        string // REST only
	APIKeyID                      string // REST only; empty omits the key
	Caller                        string // 2.0 authorizer.iam.callerId
	CognitoAuthenticationProvider string
	CognitoAuthenticationType     string
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	// CognitoAMR is the 2.0 authorizer.iam.cognitoIdentity.amr list.
	CognitoAMR     []string
	PrincipalOrgID string
	User           string // 2.0 authorizer.iam.userId
	UserARN        string
}

// AuthorizerKind is the kind of authorizer that admitted the request.
type AuthorizerKind uint8

// The authorizer kinds.
const (
	// NoAuthorizer: REST writes no "authorizer"; HTTP API 1.0 writes
	// {"claims":null,"scopes":null}; 2.0 omits it.
	NoAuthorizer AuthorizerKind = iota
	// IAMAuthorizer is AWS_IAM: Identity is filled; 2.0 writes
	// authorizer.iam.
	IAMAuthorizer
	// LambdaAuthorizer is a Lambda (TOKEN/REQUEST) authorizer: 1.0 writes
	// the context entries, principalId and integrationLatency flat in
	// requestContext.authorizer; 2.0 writes authorizer.lambda.
	LambdaAuthorizer
	// JWTAuthorizer is a Cognito user pool (REST) or JWT (HTTP API)
	// authorizer: REST writes authorizer.claims, HTTP API 1.0
	// authorizer.claims and .scopes, 2.0 authorizer.jwt.
	JWTAuthorizer
)

// Authorizer is the authorizer's result.
type Authorizer struct {
	Kind AuthorizerKind
	// PrincipalID is the Lambda authorizer's principalId; empty omits it.
	PrincipalID string
	// Context is the Lambda authorizer's context map, in the order the
	// function returned it. REST stringifies the values (Entry.JSON
	// false); HTTP API simple responses keep JSON values.
	Context []Entry
	// IntegrationLatency is the authorizer's latency in ms (1.0 only).
	IntegrationLatency int64
	// Claims are the JWT claims, in token order.
	Claims []Entry
	// Scopes are the JWT scopes; nil is null in HTTP API 1.0 and omitted
	// in 2.0.
	Scopes []string
}
