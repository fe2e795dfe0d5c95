package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/model"
)

// errAnswered ends the pipeline of a request the gateway has already
// answered itself (a CORS preflight): nothing is left to send.
var errAnswered = errors.New("answered by the gateway")

// corsPlan is an HTTP API's CORS configuration with its header values
// joined once.
type corsPlan struct {
	anyOrigin   bool
	origins     []string // exact origins
	prefixes    []string // origins given as "prefix*"
	credentials bool
	methods     string
	headers     string
	expose      string
	maxAge      string
}

func compileCORS(c *model.CORS) *corsPlan {
	if c == nil {
		return nil
	}
	p := &corsPlan{credentials: c.AllowCredentials, methods: strings.Join(c.AllowMethods, ","),
		headers: strings.Join(c.AllowHeaders, ","), expose: strings.Join(c.ExposeHeaders, ",")}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			p.anyOrigin = true
		case strings.HasSuffix(o, "*"):
			p.prefixes = append(p.prefixes, strings.TrimSuffix(o, "*"))
		default:
			p.origins = append(p.origins, o)
		}
	}
	if c.MaxAge != nil {
		p.maxAge = strconv.Itoa(*c.MaxAge)
	}
	return p
}

// allowOrigin is the Access-Control-Allow-Origin for origin: "*" when
// every origin is allowed, the origin itself when it is listed or starts
// with a listed prefix, else "" (no CORS headers).
func (p *corsPlan) allowOrigin(origin string) string {
	if p.anyOrigin {
		return "*"
	}
	for _, o := range p.origins {
		if o == origin {
			return origin
		}
	}
	for _, pre := range p.prefixes {
		if strings.HasPrefix(origin, pre) {
			return origin
		}
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight request: OPTIONS
// with Origin and Access-Control-Request-Method, as the HTTP API CORS
// page defines it.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// answerPreflight answers a preflight request that no route takes, on an
// HTTP API with CORS: 204 with the CORS headers. A route that matches
// OPTIONS (an OPTIONS or ANY route, or $default) takes the preflight
// instead, authorizer included, as on AWS (docs/http-api-cors.md).
func (g *Gateway) answerPreflight(ex *exchange) error {
	h := ex.w.Header()
	setIDHeaders(ex, h)
	ex.status = http.StatusNoContent
	ex.w.WriteHeader(http.StatusNoContent)
	return errAnswered
}

// applyCORS sets an HTTP API's CORS headers on a response about to be
// sent, whoever made it (integration, authorizer, the gateway): the
// integration's own Access-Control-* headers are dropped ("API Gateway
// ignores CORS headers returned from your backend integration"), then,
// for a request with an allowed Origin, Allow-Origin and
// Allow-Credentials are set, with Allow-Methods, Allow-Headers and
// Max-Age on a preflight and Expose-Headers on other requests.
func applyCORS(ex *exchange, h http.Header) {
	if ex.api == nil || ex.api.cors == nil {
		return
	}
	for k := range h {
		if len(k) > 15 && strings.EqualFold(k[:15], "access-control-") {
			delete(h, k)
		}
	}
	origin := ex.in.Header.Get("Origin")
	if origin == "" {
		return
	}
	c := ex.api.cors
	allow := c.allowOrigin(origin)
	if allow == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if isPreflight(ex.in) {
		if c.methods != "" {
			h.Set("Access-Control-Allow-Methods", c.methods)
		}
		if c.headers != "" {
			h.Set("Access-Control-Allow-Headers", c.headers)
		}
		if c.maxAge != "" {
			h.Set("Access-Control-Max-Age", c.maxAge)
		}
	} else if c.expose != "" {
		h.Set("Access-Control-Expose-Headers", c.expose)
	}
}
