package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// Invoker runs Lambda functions by name: the local runtime, a remote
// Invoke API, or both behind one name table.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error)
}

// payloadFormat is the Lambda event format of the route.
func (ex *exchange) payloadFormat() proxyevent.Format {
	if ex.protocol() == model.REST {
		return proxyevent.REST
	}
	if ex.route.integ.PayloadFormatVersion == "1.0" {
		return proxyevent.HTTP10
	}
	return proxyevent.HTTP20 // the HTTP API default
}

// lambdaRequest builds the proxy event of an AWS_PROXY integration.
func (g *Gateway) lambdaRequest(ex *exchange) error {
	in := ex.in
	body, err := ex.readBody()
	if err != nil {
		return err
	}
	r := ex.eventRequest(body)
	ev, err := proxyevent.Event(ex.payloadFormat(), r)
	if err != nil {
		return internalError(ex, fmt.Errorf("build Lambda event: %w", err))
	}
	ex.event = ev
	ctx, cancel := context.WithTimeout(in.Context(), ex.route.integrationTimeout())
	ex.ctx, ex.cancel = ctx, cancel
	return nil
}

// eventRequest describes the request as Lambda events (proxy
// integrations and authorizers) carry it.
func (ex *exchange) eventRequest(body []byte) *proxyevent.Request {
	in := ex.in
	r := &proxyevent.Request{
		Method:   in.Method,
		Resource: ex.route.route.Path,
		RouteKey: ex.route.route.Key,
		Path:     ex.path,
		RawPath:  ex.path,
		RawQuery: in.URL.RawQuery,
		Body:     body,
		// Text travels as is; anything else base64-encoded, as HTTP APIs
		// do (REST binary media types are not configurable yet).
		Binary: !utf8.Valid(body),
		Stage:  ex.stage.name,
	}
	if r.Path == "" {
		r.Path, r.RawPath = "/", "/"
	}
	if p, err := url.PathUnescape(r.Path); err == nil {
		r.Path = p
	}
	if ex.protocol() == model.REST {
		r.Path = ex.path // REST's path is as sent, below the stage
	}
	for _, p := range ex.params {
		v := p.Raw
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		r.PathParameters = append(r.PathParameters, proxyevent.Param{Name: p.Name, Value: v})
	}
	for k, vv := range ex.queryValues() {
		for _, v := range vv {
			r.Query = append(r.Query, proxyevent.Param{Name: k, Value: v})
		}
	}
	for k, vv := range in.Header {
		if ex.route.route.Authorization == model.AuthIAM && (k == headerAuthorizationKey || k == headerSecurityToken) {
			continue // consumed by the gateway, as on AWS
		}
		name := k
		if raw, ok := ex.rawNames[k]; ok {
			name = raw // as the client wrote it, as API Gateway passes it
		}
		for _, v := range vv {
			r.Headers = append(r.Headers, proxyevent.Param{Name: name, Value: v})
		}
	}
	if in.Host != "" {
		name := "Host"
		if raw, ok := ex.rawNames["Host"]; ok {
			name = raw
		}
		r.Headers = append(r.Headers, proxyevent.Param{Name: name, Value: in.Host})
	}
	for k, v := range ex.stage.variables {
		r.StageVariables = append(r.StageVariables, proxyevent.Param{Name: k, Value: v})
	}
	c := &r.Context
	c.RequestID, c.ExtendedRequestID = ex.requestID, ex.extendedID
	c.AccountID, c.APIID = ex.plan.AccountID, ex.api.api.ID
	c.DomainName, c.DomainPrefix = ex.domainName, ex.ContextValue("domainPrefix")
	c.Protocol = in.Proto
	c.RequestTime = ex.ContextValue("requestTime")
	c.RequestTimeEpoch = ex.start.UnixMilli()
	c.SourceIP, c.UserAgent = ex.sourceIP, in.UserAgent()
	c.Path = in.URL.EscapedPath()
	if ex.sig != nil {
		c.Identity = proxyevent.Identity{AccessKey: ex.sig.AccessKeyID, AccountID: ex.caller.AccountID,
			Caller: ex.caller.UserID, User: ex.caller.UserID, UserARN: ex.caller.ARN}
		c.Authorizer.Kind = proxyevent.IAMAuthorizer
	}
	if ex.jwtClaims != nil {
		c.Authorizer = proxyevent.Authorizer{Kind: proxyevent.JWTAuthorizer, Scopes: ex.jwtClaims.Scopes}
		for _, cl := range ex.jwtClaims.All {
			// HTTP APIs pass claims as strings.
			c.Authorizer.Claims = append(c.Authorizer.Claims, proxyevent.Entry{Key: cl.Name, Value: ex.jwtClaim(cl.Name)})
		}
	}
	if ex.authz != nil {
		c.Authorizer = proxyevent.Authorizer{Kind: proxyevent.LambdaAuthorizer, PrincipalID: ex.authz.PrincipalID}
		for _, kv := range ex.authz.Context {
			e := proxyevent.Entry{Key: kv.Key, Value: kv.JSON, JSON: true}
			if ex.protocol() == model.REST {
				e = proxyevent.Entry{Key: kv.Key, Value: kv.String} // REST stringifies context values
			}
			c.Authorizer.Context = append(c.Authorizer.Context, e)
		}
	}
	return r
}

// queryValues returns the parsed query string.
func (ex *exchange) queryValues() url.Values {
	if ex.query == nil {
		ex.query = ex.in.URL.Query()
	}
	return ex.query
}

// invokeLambda calls the function and turns its result into the
// integration response, or into API Gateway's error: a function error or
// a malformed result is REST's 502 (HTTP API: 500); Lambda refusing the
// call (throttling, unknown function) is a 500; the integration timeout is
// REST's 504 (HTTP API: 503).
func (g *Gateway) invokeLambda(ex *exchange) error {
	fn := ex.route.function[ex.stage.name]
	result, fnErr, err := g.functions.Invoke(ex.ctx, fn, ex.event)
	ex.integLatency = time.Since(ex.integStart)
	rest := ex.protocol() == model.REST
	switch {
	case err != nil:
		if ex.in.Context().Err() != nil {
			return &gwerr.Error{Err: fmt.Errorf("%w: invoke %s: %w", errClientGone, fn, err)}
		}
		if errors.Is(ex.ctx.Err(), context.DeadlineExceeded) {
			return timeoutFor(ex).WithCause(fmt.Errorf("invoke %s: %w", fn, err))
		}
		ex.integStatus = invokeStatus(err)
		return internalError(ex, fmt.Errorf("invoke %s: %w", fn, err))
	case fnErr != nil:
		ex.integStatus = http.StatusOK
		cause := fmt.Errorf("function %s failed: %s: %s", fn, fnErr.Type, fnErr.Message)
		if rest {
			return badGateway(cause)
		}
		return gwerr.HTTPInternal(cause)
	}
	ex.integStatus = http.StatusOK
	resp, err := proxyevent.ParseResponse(ex.payloadFormat(), result)
	if err != nil {
		cause := fmt.Errorf("function %s: %w", fn, err)
		if rest {
			return badGateway(cause)
		}
		return gwerr.HTTPInternal(cause)
	}
	h := make(http.Header, len(resp.Header)+len(resp.Cookies))
	for _, p := range resp.Header {
		h.Add(p.Name, p.Value)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	ex.resp = &http.Response{StatusCode: resp.Status, Header: h, Body: io.NopCloser(bytes.NewReader(resp.Body)), ContentLength: int64(len(resp.Body))}
	return nil
}

// badGateway is REST's answer to a failed or malformed Lambda proxy
// result: 502 {"message": "Internal server error"}.
func badGateway(cause error) *gwerr.Error {
	e := gwerr.RESTInternal(cause)
	e.Status = http.StatusBadGateway
	return e
}

func invokeStatus(err error) int {
	var ie *lambda.InvokeError
	if errors.As(err, &ie) {
		return ie.Code.StatusCode()
	}
	return http.StatusInternalServerError
}
