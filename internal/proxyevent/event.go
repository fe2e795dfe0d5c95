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
	dst = appendNextStringField(dst, "path", r.Path)
	dst = appendNextStringField(dst, "httpMethod", r.Method)

	var hb, qb linkBuf
	hl := hb.link(r.Headers, lower, false)
	ql := qb.link(r.Query, false, false)
	dst = append(dst, `,"headers":`...)
	dst = hl.appendGroups(dst, r.Headers, lower, lastValue)
	dst = append(dst, `,"multiValueHeaders":`...)
	dst = hl.appendGroups(dst, r.Headers, lower, valueList)
	dst = append(dst, `,"queryStringParameters":`...)
	dst = ql.appendGroups(dst, r.Query, false, lastValue)
	dst = append(dst, `,"multiValueQueryStringParameters":`...)
	dst = ql.appendGroups(dst, r.Query, false, valueList)
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
	dst = appendNextStringField(dst, "resourcePath", r.Resource)
	if c.OperationName != "" {
		dst = appendNextStringField(dst, "operationName", c.OperationName)
	}
	dst = appendNextStringField(dst, "httpMethod", r.Method)
	dst = appendNextStringField(dst, "extendedRequestId", c.ExtendedRequestID)
	dst = appendNextStringField(dst, "requestTime", c.RequestTime)
	dst = append(dst, `,"path":`...)
	dst = appendContextPath(dst, r)
	dst = appendNextStringField(dst, "accountId", c.AccountID)
	dst = appendNextStringField(dst, "protocol", c.Protocol)
	dst = appendNextStringField(dst, "stage", r.Stage)
	dst = appendNextStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = appendNextIntField(dst, "requestTimeEpoch", c.RequestTimeEpoch)
	dst = appendNextStringField(dst, "requestId", c.RequestID)

	id := &c.Identity
	dst = append(dst, `,"identity":{`...)
	dst = appendNullableField(dst, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	dst = appendNextNullableField(dst, "accountId", id.AccountID)
	dst = appendNextNullableField(dst, "cognitoIdentityId", id.CognitoIdentityID)
	dst = appendNextNullableField(dst, "caller", id.Caller)
	dst = appendNextNullableField(dst, "apiKey", id.APIKey)
	if id.APIKeyID != "" {
		dst = appendNextStringField(dst, "apiKeyId", id.APIKeyID)
	}
	dst = appendNextStringField(dst, "sourceIp", c.SourceIP)
	dst = appendNextNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = appendNextNullableField(dst, "accessKey", id.AccessKey)
	dst = appendNextNullableField(dst, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	dst = appendNextNullableField(dst, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	dst = appendNextNullableField(dst, "userArn", id.UserARN)
	dst = appendNextStringField(dst, "userAgent", c.UserAgent)
	dst = appendNextNullableField(dst, "user", id.User)
	dst = append(dst, "},"...)

	dst = appendStringField(dst, "domainName", c.DomainName)
	dst = appendNextStringField(dst, "apiId", c.APIID)
	return append(dst, '}')
}

// appendHTTP10Context writes an HTTP API payload 1.0 requestContext, keys
// in the alphabetical order of AWS's example.
func appendHTTP10Context(dst []byte, r *Request) []byte {
	c := &r.Context
	dst = append(dst, '{')
	dst = appendStringField(dst, "accountId", c.AccountID)
	dst = appendNextStringField(dst, "apiId", c.APIID)
	dst = append(dst, `,"authorizer":`...)
	a := &c.Authorizer
	switch a.Kind {
	case LambdaAuthorizer:
		dst = appendLambdaV1(dst, a)
	case JWTAuthorizer:
		dst = appendJWT(dst, a)
	default:
		dst = append(dst, `{"claims":null,"scopes":null}`...)
	}
	dst = appendNextStringField(dst, "domainName", c.DomainName)
	dst = appendNextStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = appendNextStringField(dst, "extendedRequestId", c.ExtendedRequestID)
	dst = appendNextStringField(dst, "httpMethod", r.Method)

	id := &c.Identity
	dst = append(dst, `,"identity":{`...)
	dst = appendNullableField(dst, "accessKey", id.AccessKey)
	dst = appendNextNullableField(dst, "accountId", id.AccountID)
	dst = appendNextNullableField(dst, "caller", id.Caller)
	dst = appendNextNullableField(dst, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	dst = appendNextNullableField(dst, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	dst = appendNextNullableField(dst, "cognitoIdentityId", id.CognitoIdentityID)
	dst = appendNextNullableField(dst, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	dst = appendNextNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = appendNextStringField(dst, "sourceIp", c.SourceIP)
	dst = appendNextNullableField(dst, "user", id.User)
	dst = appendNextStringField(dst, "userAgent", c.UserAgent)
	dst = appendNextNullableField(dst, "userArn", id.UserARN)
	dst = append(dst, "},"...)

	dst = append(dst, `"path":`...)
	dst = appendContextPath(dst, r)
	dst = appendNextStringField(dst, "protocol", c.Protocol)
	dst = appendNextStringField(dst, "requestId", c.RequestID)
	dst = appendNextStringField(dst, "requestTime", c.RequestTime)
	dst = appendNextIntField(dst, "requestTimeEpoch", c.RequestTimeEpoch)
	dst = appendNextNullableField(dst, "resourceId", c.ResourceID)
	dst = appendNextStringField(dst, "resourcePath", r.Resource)
	dst = appendNextStringField(dst, "routeKey", r.RouteKey)
	dst = appendNextStringField(dst, "stage", r.Stage)
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

// appendJWT writes the HTTP API JWT authorizer object, the same in payload
// 1.0 (authorizer) and 2.0 (authorizer.jwt).
func appendJWT(dst []byte, a *Authorizer) []byte {
	dst = append(dst, `{"claims":`...)
	dst = appendEntries(dst, a.Claims)
	dst = append(dst, `,"scopes":`...)
	dst = appendStrings(dst, a.Scopes)
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
	dst = appendNextStringField(dst, "rawQueryString", r.RawQuery)

	var hb, qb linkBuf
	hl := hb.link(r.Headers, true, true)
	if hl.cookies > 0 {
		dst = append(dst, `,"cookies":`...)
		dst = appendCookies(dst, r.Headers)
	}
	if hl.groups > 0 {
		dst = append(dst, `,"headers":`...)
		dst = hl.appendGroups(dst, r.Headers, true, joinedValues)
	}
	if len(r.Query) > 0 {
		ql := qb.link(r.Query, false, false)
		dst = append(dst, `,"queryStringParameters":`...)
		dst = ql.appendGroups(dst, r.Query, false, joinedValues)
	}

	dst = append(dst, `,"requestContext":{`...)
	dst = appendStringField(dst, "accountId", c.AccountID)
	dst = appendNextStringField(dst, "apiId", c.APIID)
	if c.Authorizer.Kind != NoAuthorizer {
		dst = append(dst, `,"authorizer":`...)
		dst = appendAuthorizerV2(dst, c)
	}
	dst = appendNextStringField(dst, "domainName", c.DomainName)
	dst = appendNextStringField(dst, "domainPrefix", c.DomainPrefix)
	dst = append(dst, `,"http":{`...)
	dst = appendStringField(dst, "method", r.Method)
	dst = append(dst, `,"path":`...)
	dst = appendContextPath(dst, r)
	dst = appendNextStringField(dst, "protocol", c.Protocol)
	dst = appendNextStringField(dst, "sourceIp", c.SourceIP)
	dst = appendNextStringField(dst, "userAgent", c.UserAgent)
	dst = append(dst, "},"...)
	dst = appendStringField(dst, "requestId", c.RequestID)
	dst = appendNextStringField(dst, "routeKey", r.RouteKey)
	dst = appendNextStringField(dst, "stage", r.Stage)
	dst = appendNextStringField(dst, "time", c.RequestTime)
	dst = appendNextIntField(dst, "timeEpoch", c.RequestTimeEpoch)
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
		dst = append(dst, `{"jwt":`...)
		dst = appendJWT(dst, a)
		return append(dst, '}')
	case LambdaAuthorizer:
		dst = append(dst, `{"lambda":`...)
		dst = appendEntries(dst, a.Context)
		return append(dst, '}')
	}
	// IAMAuthorizer.
	id := &c.Identity
	dst = append(dst, `{"iam":{`...)
	dst = appendNullableField(dst, "accessKey", id.AccessKey)
	dst = appendNextNullableField(dst, "accountId", id.AccountID)
	dst = appendNextNullableField(dst, "callerId", id.Caller)
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
		dst = appendNextStringField(dst, "identityId", id.CognitoIdentityID)
		dst = appendNextStringField(dst, "identityPoolId", id.CognitoIdentityPoolID)
		dst = append(dst, '}')
	}
	dst = appendNextNullableField(dst, "principalOrgId", id.PrincipalOrgID)
	dst = appendNextNullableField(dst, "userArn", id.UserARN)
	dst = appendNextNullableField(dst, "userId", id.User)
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
