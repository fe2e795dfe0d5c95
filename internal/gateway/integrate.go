package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/model"
)

// errBodyTooLarge ends a request body that passes MaxPayload.
var errBodyTooLarge = errors.New("request body exceeds the 10 MB payload limit")

// errClientGone marks a request whose client disconnected: nothing is sent.
var errClientGone = errors.New("client disconnected")

// integrate sends the integration request and waits for the response
// headers, within the integration timeout. The body is streamed later by
// the method response.
func (g *Gateway) integrate(ex *exchange) error {
	ex.integStart = time.Now()
	switch ex.route.integ.Type {
	case model.AWSProxy:
		return g.invokeLambda(ex)
	case model.AWS:
		return g.invokeLambdaCustom(ex)
	case model.Mock:
		return g.mockIntegration(ex)
	}
	resp, err := g.transport.RoundTrip(ex.out)
	ex.integLatency = time.Since(ex.integStart)
	if err != nil {
		return integrationError(ex, err)
	}
	ex.resp = resp
	ex.integStatus = resp.StatusCode
	return nil
}

// integrationError turns a failed round trip into API Gateway's answer.
func integrationError(ex *exchange, err error) error {
	rest := ex.protocol() == model.REST
	cause := fmt.Errorf("integration %s %s: %w", ex.out.Method, ex.out.URL.Redacted(), err)
	switch {
	case errors.Is(err, errBodyTooLarge):
		return gwerr.RequestTooLarge()
	case ex.in.Context().Err() != nil:
		return &gwerr.Error{Err: fmt.Errorf("%w: %w", errClientGone, cause)}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ex.ctx.Err(), context.DeadlineExceeded):
		if rest {
			return gwerr.RESTTimeout(cause)
		}
		return gwerr.HTTPTimeout(cause)
	}
	if rest {
		return gwerr.RESTInternal(cause)
	}
	return gwerr.HTTPInternal(cause)
}

// internalError is the protocol's 500 for an unexpected failure.
func internalError(ex *exchange, err error) *gwerr.Error {
	if ex.protocol() == model.REST {
		return gwerr.RESTInternal(err)
	}
	return gwerr.HTTPInternal(err)
}
