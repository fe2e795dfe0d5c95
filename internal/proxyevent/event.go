package proxyevent

import (
	"encoding/json"
	"strconv"
	"strings"
)

// InputError reports a Request that AppendEvent cannot encode. It is a
// gatehouse bug, not a client error: the gateway fills the Request.
type InputError struct {
	Field string // the Request field, e.g. "Context.Authorizer.Context[2]"
	Msg   string
}

func (e *InputError) Error() string { return "proxyevent: " + e.Field + ": " + e.Msg }

// Event returns the event for r in format f. See AppendEvent.
func Event(f Format, r *Request) ([]byte, error) {
	return AppendEvent(make([]byte, 0, sizeHint(r)), f, r)
}

// AppendEvent appends to dst the JSON event API Gateway sends to the
// Lambda function for r, in format f, compact, with keys in the order
// documented in docs/lambda-proxy-events.md. The only errors are
// *InputError: an unknown format, or an Entry marked JSON whose Value is
// not valid JSON.
func AppendEvent(dst []byte, f Format, r *Request) ([]byte, error) {
	if err := validate(f, r); err != nil {
		return dst, err
	}
	if f == HTTP20 {
		return appendV2(dst, r), nil
	}
	return appendV1(dst, f, r), nil
}

func validate(f Format, r *Request) error {
	if f != REST && f != HTTP10 && f != HTTP20 {
		return &InputError{Field: "Format", Msg: "unknown format " + f.String()}
	}
	check := func(field string, es []Entry) error {
		for i, e := range es {
			if e.JSON && !json.Valid([]byte(e.Value)) {
				return &InputError{Field: field + "[" + strconv.Itoa(i) + "]", Msg: "value of " + e.Key + " is not valid JSON"}
			}
		}
		return nil
	}
	a := &r.Context.Authorizer
	if err := check("Context.Authorizer.Context", a.Context); err != nil {
		return err
	}
	return check("Context.Authorizer.Claims", a.Claims)
}

// sizeHint estimates the event size so that Event allocates once.
func sizeHint(r *Request) int {
	n := 1024 + len(r.Path) + len(r.RawPath) + len(r.RawQuery) + len(r.Resource)
	for _, p := range r.Headers {
		n += 2*(len(p.Name)+len(p.Value)) + 12
	}
	for _, p := range r.Query {
		n += 2*(len(p.Name)+len(p.Value)) + 12
	}
	if r.Binary {
		n += (len(r.Body) + 2) / 3 * 4
	} else {
		n += len(r.Body) + len(r.Body)/8
	}
	return n
}

// appendV1 writes payload format 1.0: REST (no "version") or HTTP API 1.0.
func appendV1(dst []byte, f Format, r *Request) []byte {
	lower := f == HTTP10
	dst = append(dst, '{')
	if f == HTTP10 {
		dst = append(dst, `"version":"1.0",`...)
	}
	dst = appendStringField(dst, "resource", r.Resource)
	dst = append(dst, ',')
	dst = appendStringField(dst, "path", r.Path)
	dst = append(dst, ',')
	dst = appendStringField(dst, "httpMethod", r.Method)

	var hb, qb linkBuf
	hl := hb.link(r.Headers, lower, false)
	ql := qb.link(r.Query, false, false)
	dst = append(dst, `,"headers":`...)
	dst = hl.appendLast(dst, r.Headers, lower)
	dst = append(dst, `,"multiValueHeaders":`...)
	dst = hl.appendMulti(dst, r.Headers, lower)
	dst = append(dst, `,"queryStringParameters":`...)
	dst = ql.appendLast(dst, r.Query, false)
	dst = append(dst, `,"multiValueQueryStringParameters":`...)
	dst = ql.appendMulti(dst, r.Query, false)
	dst = append(dst, `,"pathParameters":`...)
	dst = appendParamObject(dst, r.PathParameters)
	dst = append(dst, `,"stageVariables":`...)
	dst = appendParamObject(dst, r.StageVariables)
	dst = append(dst, `,"requestContext":`...)
	if f == REST {
		dst = appendRESTContext(dst, r)
	} else {
		dst = appendHTTP10Context(dst, r)
	}
	dst = append(dst, `,"body":`...)
	hasBody := len(r.Body) > 0
	if hasBody {
		dst = appendBody(dst, r.Body, r.Binary)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = appendBool(dst, hasBody && r.Binary)
	return append(dst, '}')
}

// appendRESTContext writes a REST API requestContext, keys in the order
// API Gateway sends them (see docs/lambda-proxy-events.md).
func appendRESTContext(dst []byte, r *Request) []byte {
	c := &r.Context
	dst = append(dst, '{')
	dst = appendStringField(dst, "resourceId", c.ResourceID)
	switch c.Authorizer.Kind {
	case LambdaAuthorizer:
		dst = append(dst, `,"authorizer":`...)
		dst = appendLambdaV1(dst, &c.Authorizer)
	case JWTAuthorizer:
		dst = append(dst, `,"authorizer":{"claims":`...)
		dst = appendEntries(dst, c.Authorizer.Claims)
		dst = append(dst, '}')
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "resourcePath", r.Resource)
	if c.OperationName != "" {
		dst = append(dst, ',')
		dst = appendStringField(dst, "operationName", c.OperationName)
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "httpMethod", r.Method)
	dst = append(dst, ',')
	dst = appendStringField(dst, "extendedRequestId", c.ExtendedRequestID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "requestTime", c.RequestTime)
	dst = append(dst, `,"path":`...)
	dst = appendContextPath(dst, r)
	dst = append(dst, ',')
	dst = appendStringField(dst, "accountId", c.AccountID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "protocol", c.Protocol)
	dst = append(dst, ',')
	dst = appendStringField(dst, "stage", r.Stage)
	dst = append(dst, ',')
	dst = appendStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = append(dst, ',')
	dst = appendIntField(dst, "requestTimeEpoch", c.RequestTimeEpoch)
	dst = append(dst, ',')
	dst = appendStringField(dst, "requestId", c.RequestID)

	id := &c.Identity
	dst = append(dst, `,"identity":{`...)
	dst = appendNullableField(dst, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "accountId", id.AccountID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoIdentityId", id.CognitoIdentityID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "caller", id.Caller)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "apiKey", id.APIKey)
	if id.APIKeyID != "" {
		dst = append(dst, ',')
		dst = appendStringField(dst, "apiKeyId", id.APIKeyID)
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "sourceIp", c.SourceIP)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "accessKey", id.AccessKey)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "userArn", id.UserARN)
	dst = append(dst, ',')
	dst = appendStringField(dst, "userAgent", c.UserAgent)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "user", id.User)
	dst = append(dst, "},"...)

	dst = appendStringField(dst, "domainName", c.DomainName)
	dst = append(dst, ',')
	dst = appendStringField(dst, "apiId", c.APIID)
	return append(dst, '}')
}

// appendHTTP10Context writes an HTTP API payload 1.0 requestContext, keys
// in the alphabetical order of AWS's example.
func appendHTTP10Context(dst []byte, r *Request) []byte {
	c := &r.Context
	dst = append(dst, '{')
	dst = appendStringField(dst, "accountId", c.AccountID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "apiId", c.APIID)
	dst = append(dst, `,"authorizer":`...)
	a := &c.Authorizer
	switch a.Kind {
	case LambdaAuthorizer:
		dst = appendLambdaV1(dst, a)
	case JWTAuthorizer:
		dst = append(dst, `{"claims":`...)
		dst = appendEntries(dst, a.Claims)
		dst = append(dst, `,"scopes":`...)
		dst = appendStrings(dst, a.Scopes)
		dst = append(dst, '}')
	default:
		dst = append(dst, `{"claims":null,"scopes":null}`...)
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "domainName", c.DomainName)
	dst = append(dst, ',')
	dst = appendStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = append(dst, ',')
	dst = appendStringField(dst, "extendedRequestId", c.ExtendedRequestID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "httpMethod", r.Method)

	id := &c.Identity
	dst = append(dst, `,"identity":{`...)
	dst = appendNullableField(dst, "accessKey", id.AccessKey)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "accountId", id.AccountID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "caller", id.Caller)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoIdentityId", id.CognitoIdentityID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "sourceIp", c.SourceIP)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "user", id.User)
	dst = append(dst, ',')
	dst = appendStringField(dst, "userAgent", c.UserAgent)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "userArn", id.UserARN)
	dst = append(dst, "},"...)

	dst = append(dst, `"path":`...)
	dst = appendContextPath(dst, r)
	dst = append(dst, ',')
	dst = appendStringField(dst, "protocol", c.Protocol)
	dst = append(dst, ',')
	dst = appendStringField(dst, "requestId", c.RequestID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "requestTime", c.RequestTime)
	dst = append(dst, ',')
	dst = appendIntField(dst, "requestTimeEpoch", c.RequestTimeEpoch)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "resourceId", c.ResourceID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "resourcePath", r.Resource)
	dst = append(dst, ',')
	dst = appendStringField(dst, "routeKey", r.RouteKey)
	dst = append(dst, ',')
	dst = appendStringField(dst, "stage", r.Stage)
	return append(dst, '}')
}

// appendLambdaV1 writes a payload 1.0 Lambda authorizer object: the
// context entries, then principalId, then integrationLatency, as API
// Gateway sends them.
func appendLambdaV1(dst []byte, a *Authorizer) []byte {
	dst = append(dst, '{')
	dst = appendEntryMembers(dst, a.Context)
	if len(a.Context) > 0 {
		dst = append(dst, ',')
	}
	if a.PrincipalID != "" {
		dst = appendStringField(dst, "principalId", a.PrincipalID)
		dst = append(dst, ',')
	}
	dst = appendIntField(dst, "integrationLatency", a.IntegrationLatency)
	return append(dst, '}')
}

// appendContextPath writes requestContext.path (1.0) or http.path (2.0).
func appendContextPath(dst []byte, r *Request) []byte {
	if r.Context.Path != "" {
		return appendString(dst, r.Context.Path, false)
	}
	dst = append(dst, '"')
	if r.Stage != "" && r.Stage != "$default" {
		dst = append(dst, '/')
		dst = appendEscaped(dst, r.Stage, false)
	}
	dst = appendEscaped(dst, r.Path, false)
	return append(dst, '"')
}

// appendV2 writes payload format 2.0, keys in the order of AWS's example.
func appendV2(dst []byte, r *Request) []byte {
	c := &r.Context
	dst = append(dst, `{"version":"2.0",`...)
	dst = appendStringField(dst, "routeKey", r.RouteKey)
	dst = append(dst, `,"rawPath":`...)
	if r.RawPath != "" {
		dst = appendString(dst, r.RawPath, false)
	} else {
		dst = appendContextPath(dst, r)
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "rawQueryString", r.RawQuery)

	var hb, qb linkBuf
	hl := hb.link(r.Headers, true, true)
	if hl.cookies > 0 {
		dst = append(dst, `,"cookies":`...)
		dst = appendCookies(dst, r.Headers)
	}
	if hl.groups > 0 {
		dst = append(dst, `,"headers":`...)
		dst = hl.appendJoined(dst, r.Headers, true)
	}
	if len(r.Query) > 0 {
		ql := qb.link(r.Query, false, false)
		dst = append(dst, `,"queryStringParameters":`...)
		dst = ql.appendJoined(dst, r.Query, false)
	}

	dst = append(dst, `,"requestContext":{`...)
	dst = appendStringField(dst, "accountId", c.AccountID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "apiId", c.APIID)
	if c.Authorizer.Kind != NoAuthorizer {
		dst = append(dst, `,"authorizer":`...)
		dst = appendAuthorizerV2(dst, c)
	}
	dst = append(dst, ',')
	dst = appendStringField(dst, "domainName", c.DomainName)
	dst = append(dst, ',')
	dst = appendStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = append(dst, `,"http":{`...)
	dst = appendStringField(dst, "method", r.Method)
	dst = append(dst, `,"path":`...)
	dst = appendContextPath(dst, r)
	dst = append(dst, ',')
	dst = appendStringField(dst, "protocol", c.Protocol)
	dst = append(dst, ',')
	dst = appendStringField(dst, "sourceIp", c.SourceIP)
	dst = append(dst, ',')
	dst = appendStringField(dst, "userAgent", c.UserAgent)
	dst = append(dst, "},"...)
	dst = appendStringField(dst, "requestId", c.RequestID)
	dst = append(dst, ',')
	dst = appendStringField(dst, "routeKey", r.RouteKey)
	dst = append(dst, ',')
	dst = appendStringField(dst, "stage", r.Stage)
	dst = append(dst, ',')
	dst = appendStringField(dst, "time", c.RequestTime)
	dst = append(dst, ',')
	dst = appendIntField(dst, "timeEpoch", c.RequestTimeEpoch)
	dst = append(dst, '}')

	hasBody := len(r.Body) > 0
	if hasBody {
		dst = append(dst, `,"body":`...)
		dst = appendBody(dst, r.Body, r.Binary)
	}
	if len(r.PathParameters) > 0 {
		dst = append(dst, `,"pathParameters":`...)
		dst = appendParamObject(dst, r.PathParameters)
	}
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = appendBool(dst, hasBody && r.Binary)
	if len(r.StageVariables) > 0 {
		dst = append(dst, `,"stageVariables":`...)
		dst = appendParamObject(dst, r.StageVariables)
	}
	return append(dst, '}')
}

// appendAuthorizerV2 writes the 2.0 requestContext.authorizer object.
func appendAuthorizerV2(dst []byte, c *RequestContext) []byte {
	a := &c.Authorizer
	switch a.Kind {
	case JWTAuthorizer:
		dst = append(dst, `{"jwt":{"claims":`...)
		dst = appendEntries(dst, a.Claims)
		dst = append(dst, `,"scopes":`...)
		dst = appendStrings(dst, a.Scopes)
		return append(dst, "}}"...)
	case LambdaAuthorizer:
		dst = append(dst, `{"lambda":`...)
		dst = appendEntries(dst, a.Context)
		return append(dst, '}')
	}
	// IAMAuthorizer.
	id := &c.Identity
	dst = append(dst, `{"iam":{`...)
	dst = appendNullableField(dst, "accessKey", id.AccessKey)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "accountId", id.AccountID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "callerId", id.Caller)
	dst = append(dst, `,"cognitoIdentity":`...)
	if id.CognitoIdentityID == "" && id.CognitoIdentityPoolID == "" {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"amr":`...)
		amr := id.CognitoAMR
		if amr == nil {
			amr = []string{}
		}
		dst = appendStrings(dst, amr)
		dst = append(dst, ',')
		dst = appendStringField(dst, "identityId", id.CognitoIdentityID)
		dst = append(dst, ',')
		dst = appendStringField(dst, "identityPoolId", id.CognitoIdentityPoolID)
		dst = append(dst, '}')
	}
	dst = append(dst, ',')
	dst = appendNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "userArn", id.UserARN)
	dst = append(dst, ',')
	dst = appendNullableField(dst, "userId", id.User)
	return append(dst, "}}"...)
}

// appendCookies writes the 2.0 cookies array: every Cookie header split at
// ';', each cookie trimmed, empty ones dropped.
func appendCookies(dst []byte, hs []Param) []byte {
	dst = append(dst, '[')
	n := 0
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "cookie") {
			continue
		}
		for rest := h.Value; rest != ""; {
			var c string
			c, rest, _ = strings.Cut(rest, ";")
			c = strings.Trim(c, " \t")
			if c == "" {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, c, false)
			n++
		}
	}
	return append(dst, ']')
}
