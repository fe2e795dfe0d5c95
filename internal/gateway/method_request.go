package gateway

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/model"
)

// methodRequest matches the route of the request within its API and
// stage. Unknown routes get the protocol's answer: 403 Missing
// Authentication Token for REST, 404 Not Found for HTTP APIs.
func (g *Gateway) methodRequest(ex *exchange) error {
	if !routablePath(ex.path) {
		return notFound(ex)
	}
	m, ok := ex.api.table.Lookup(ex.in.Method, ex.path, ex.params)
	if !ok {
		if ex.api.cors != nil && isPreflight(ex.in) {
			return g.answerPreflight(ex)
		}
		return notFound(ex)
	}
	ex.params = m.Params
	ex.route = ex.api.routes[m.Route]
	switch m.Route.Authorization {
	case model.AuthIAM:
		return g.authorizeIAM(ex)
	case model.AuthCustom:
		return g.authorizeLambda(ex)
	case model.AuthJWT:
		return g.authorizeJWT(ex)
	case model.AuthCognito:
		return g.authorizeCognito(ex)
	}
	return g.authorizeResourcePolicy(ex)
}

func notFound(ex *exchange) error {
	if ex.protocol() == model.REST {
		return gwerr.MissingAuthenticationToken()
	}
	return gwerr.NotFound()
}

// routablePath rejects paths that must never reach a route or a backend:
// dot segments (also percent-encoded) and NUL bytes. API Gateway's edge
// does not route them either; see docs/routing.md.
func routablePath(p string) bool {
	if strings.Contains(p, "%00") || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for p != "" {
		seg := p
		if i := strings.IndexByte(p, '/'); i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = ""
		}
		if isDotSegment(seg) {
			return false
		}
	}
	return true
}

func isDotSegment(seg string) bool {
	if len(seg) == 0 || len(seg) > 6 {
		return false
	}
	for _, d := range [...]string{".", "..", "%2e", "%2e%2e", ".%2e", "%2e."} {
		if strings.EqualFold(seg, d) {
			return true
		}
	}
	return false
}
