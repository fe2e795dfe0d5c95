package gateway

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/model"
)

// jwtKey names a JWT authorizer of one API.
type jwtKey struct{ apiID, name string }

// newJWTVerifiers builds a verifier per JWT authorizer; keys are fetched
// on first use.
func newJWTVerifiers(p *Plan) map[jwtKey]*jwtauth.Verifier {
	out := map[jwtKey]*jwtauth.Verifier{}
	for _, ap := range p.apis {
		for _, a := range ap.api.Authorizers {
			if a.Type == "jwt" {
				out[jwtKey{ap.api.ID, a.Name}] = jwtauth.New(jwtauth.Options{Issuer: a.JWTIssuer, Audiences: a.JWTAudience, TokenCacheSize: p.jwtTokenCache})
			}
		}
	}
	return out
}

// jwtUnauthorized is the HTTP API's answer to a missing or invalid token.
func jwtUnauthorized() *gwerr.Error {
	return &gwerr.Error{Status: http.StatusUnauthorized, Message: "Unauthorized", ResponseType: "UNAUTHORIZED"}
}

// authorizeJWT verifies the route's JWT and its scopes, as HTTP API JWT
// authorizers do: no or a bad token is 401 Unauthorized (the reason goes
// to the log only), a token without a required scope is 403 Forbidden.
func (g *Gateway) authorizeJWT(ex *exchange) error {
	a := ex.api.api.Authorizers[ex.route.route.Authorizer]
	v := g.jwt[jwtKey{ex.api.api.ID, ex.route.route.Authorizer}]
	if a == nil || v == nil {
		return internalError(ex, fmt.Errorf("authorizer %q of route %s is not configured", ex.route.route.Authorizer, ex.route.route.Key))
	}
	header := strings.TrimPrefix(a.IdentitySource, "$request.header.")
	token := jwtauth.TokenFromHeader(ex.in.Header.Get(header))
	if token == "" {
		return jwtUnauthorized()
	}
	claims, err := v.Verify(ex.in.Context(), token)
	if err != nil {
		g.log.Info("JWT refused", "requestId", ex.requestID, "authorizer", a.Name, "reason", err.Error())
		return jwtUnauthorized()
	}
	if need := ex.route.route.AuthorizationScopes; len(need) > 0 && !anyScope(need, claims.Scopes) {
		return httpForbidden()
	}
	ex.jwtClaims = claims
	return nil
}

func anyScope(need, have []string) bool {
	for _, n := range need {
		for _, h := range have {
			if n == h {
				return true
			}
		}
	}
	return false
}

// jwtClaim is $context.authorizer.claims.<name> (and .jwt.claims.<name>):
// a string claim as is, any other as its JSON text.
func (ex *exchange) jwtClaim(name string) string {
	if ex.protocol() == model.REST {
		return restClaim(ex.jwtClaims, name) // a Cognito authorizer's
	}
	return ex.jwtClaims.Text(name) // no allocation: a substring of the verified payload
}
