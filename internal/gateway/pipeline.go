package gateway

import (
	"errors"

	"github.com/gatehouse/gatehouse/internal/gwerr"
)

// serve runs the request pipeline. Each stage reads and fills the
// exchange; the first error ends the pipeline and is rendered as API
// Gateway renders it. The access log line is written last, whatever
// happened.
func (g *Gateway) serve(ex *exchange) {
	defer g.accessLog(ex)
	defer func() {
		if ex.cancel != nil {
			ex.cancel()
		}
		if ex.resp != nil {
			ex.resp.Body.Close()
		}
	}()

	err := g.methodRequest(ex)
	if err == nil {
		err = g.validateRequest(ex)
	}
	if err == nil {
		err = g.integrationRequest(ex)
	}
	if err == nil {
		err = g.integrate(ex)
	}
	if err == nil {
		err = integrationResponse(ex)
	}
	if err == nil {
		err = g.methodResponse(ex)
	}
	if err == nil || errors.Is(err, errAnswered) {
		return
	}
	var gw *gwerr.Error
	if !errors.As(err, &gw) {
		gw = internalError(ex, err)
	}
	ex.err = gw
	if gw.Status == 0 {
		return // the client went away; nothing to send
	}
	g.writeError(ex)
}
