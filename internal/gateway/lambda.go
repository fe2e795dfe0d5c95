package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/mapping"
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
		Binary:   ex.eventBodyBinary(),
		Stage:    ex.stage.name,
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
	// The same order as templates see (templateInput): the query string
	// as received, headers by name, stage variables by name; never Go's
	// map order, so the same request gives the same event.
	input := ex.templateInput(nil)
	r.Query = toEventParams(input.Query)
	r.Headers = toEventParams(input.Header)
	for _, k := range slices.Sorted(maps.Keys(ex.stage.variables)) {
		r.StageVariables = append(r.StageVariables, proxyevent.Param{Name: k, Value: ex.stage.variables[k]})
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
			Caller: ex.caller.UserID, User: ex.caller.UserID, UserARN: ex.caller.ARN,
			CognitoIdentityID: ex.caller.CognitoIdentityID, CognitoIdentityPoolID: ex.caller.CognitoIdentityPoolID,
			CognitoAuthenticationType: ex.caller.CognitoAuthenticationType, CognitoAuthenticationProvider: ex.caller.CognitoAuthenticationProvider,
			CognitoAMR: ex.caller.CognitoAMR}
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

// toEventParams converts template parameters to event parameters.
func toEventParams(ps []mapping.Param) []proxyevent.Param {
	out := make([]proxyevent.Param, len(ps))
	for i, p := range ps {
		out[i] = proxyevent.Param{Name: p.Name, Value: p.Value}
	}
	return out
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
		return invokeFailure(ex, fn, err)
	case fnErr != nil:
		ex.integStatus = http.StatusOK
		ex.integError = fnErr.Message
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
	body := resp.Body
	if rest && resp.Encoded != nil && !ex.acceptsBinary() {
		// REST sends the base64 text unless the client's first Accept
		// media type is a binary media type (docs/binary-media.md).
		body = resp.Encoded
	}
	ex.proxyStatus = resp.Status
	h.Set("Content-Length", strconv.Itoa(len(body)))
	ex.resp = &http.Response{StatusCode: resp.Status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	return nil
}

// invokeFailure is API Gateway's answer when Lambda did not run the
// function: nothing for a client that went away, the integration timeout
// (REST 504, HTTP API 503), else a 500 (throttled, unknown, too large).
func invokeFailure(ex *exchange, fn string, err error) error {
	if ex.in.Context().Err() != nil {
		return &gwerr.Error{Err: fmt.Errorf("%w: invoke %s: %w", errClientGone, fn, err)}
	}
	if errors.Is(ex.ctx.Err(), context.DeadlineExceeded) {
		return timeoutFor(ex).WithCause(fmt.Errorf("invoke %s: %w", fn, err))
	}
	ex.integStatus = invokeStatus(err)
	ex.integError = err.Error()
	return internalError(ex, fmt.Errorf("invoke %s: %w", fn, err))
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
