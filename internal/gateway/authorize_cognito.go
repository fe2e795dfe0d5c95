package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/model"
)

// poolSpec is where one user pool's tokens come from, resolved at load
// from a provider ARN and cognito.userPools.
type poolSpec struct {
	id      string
	issuer  string
	jwksURI string
	clients []string
}

// cognitoSpec is a Cognito authorizer for one stage, as data: the plan
// holds it, the gateway builds verifiers from it.
type cognitoSpec struct {
	name     string
	header   string
	validate *regexp.Regexp // identityValidationExpression on aud; nil for none
	pools    []poolSpec
}

// planCognito resolves every Cognito authorizer's provider ARNs for every
// stage (a pool id may be a stage variable). A pool listed under
// cognito.userPools takes its issuer, key set URL and clients from there;
// any other is Cognito's own issuer,
// https://cognito-idp.{region}.amazonaws.com/{poolId}.
func planCognito(cfg *config.Config) (map[authorizerKey]*cognitoSpec, error) {
	out := map[authorizerKey]*cognitoSpec{}
	var errs []error
	for _, api := range cfg.APIs {
		names := make([]string, 0, len(api.Authorizers))
		for name := range api.Authorizers {
			names = append(names, name)
		}
		sort.Strings(names) // errors in a stable order
		for _, name := range names {
			a := api.Authorizers[name]
			if a.Type != model.AuthorizerCognito {
				continue
			}
			var re *regexp.Regexp
			if a.IdentityValidationExpression != "" {
				var err error
				// Anchored: the whole aud must match, as Java's matches does.
				if re, err = regexp.Compile(`^(?:` + a.IdentityValidationExpression + `)$`); err != nil {
					errs = append(errs, fmt.Errorf("%s: authorizer %s: identityValidationExpression: %w", a.Where, a.Name, err))
					continue
				}
			}
			for _, st := range api.Stages {
				spec := &cognitoSpec{name: a.Name, header: strings.TrimPrefix(a.IdentitySource, "method.request.header."), validate: re}
				for _, arn := range a.ProviderARNs {
					p, err := resolvePool(&cfg.Cognito, arn, st)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s: authorizer %s, stage %s: %w", a.Where, a.Name, st.Name, err))
						continue
					}
					spec.pools = append(spec.pools, p)
				}
				out[authorizerKey{api.ID, a.Name, st.Name}] = spec
			}
		}
	}
	return out, errors.Join(errs...)
}

func resolvePool(c *config.Cognito, arn string, st *model.Stage) (poolSpec, error) {
	region, id, err := model.ParseUserPoolARN(arn)
	if err != nil {
		return poolSpec{}, err
	}
	if strings.HasPrefix(id, "${stageVariables.") {
		id = config.ResolveFunction(id, st.Variables)
		if id == "" || strings.ContainsAny(id, "/ ") {
			return poolSpec{}, fmt.Errorf("provider ARN %q: the stage variable gives the user pool id %q", arn, id)
		}
	}
	p := poolSpec{id: id, issuer: "https://cognito-idp." + region + ".amazonaws.com/" + id}
	if up, ok := c.UserPool(id); ok {
		if up.Issuer != "" {
			p.issuer = up.Issuer
		}
		p.jwksURI = up.JWKSURI
		for _, cl := range up.Clients {
			p.clients = append(p.clients, cl.ID)
		}
	}
	return p, nil
}

// cognitoAuthorizer is a Cognito authorizer for one stage, ready to serve.
type cognitoAuthorizer struct {
	spec      *cognitoSpec
	verifiers []*jwtauth.Verifier // one per pool, in spec.pools order
}

// newCognitoAuthorizers builds the verifiers of the plan's Cognito
// authorizers. Pools with the same issuer, key set and clients share one
// verifier, and so one key cache.
func newCognitoAuthorizers(p *Plan) map[authorizerKey]*cognitoAuthorizer {
	out := make(map[authorizerKey]*cognitoAuthorizer, len(p.cognito))
	shared := map[string]*jwtauth.Verifier{}
	for key, spec := range p.cognito {
		ca := &cognitoAuthorizer{spec: spec}
		for _, pool := range spec.pools {
			k := pool.issuer + "\x00" + pool.jwksURI + "\x00" + strings.Join(pool.clients, "\x00")
			v := shared[k]
			if v == nil {
				v = jwtauth.New(jwtauth.Options{Issuer: pool.issuer, JWKSURI: pool.jwksURI, Audiences: pool.clients, TokenCacheSize: p.jwtTokenCache})
				shared[k] = v
			}
			ca.verifiers = append(ca.verifiers, v)
		}
		out[key] = ca
	}
	return out
}

// verifier returns the verifier for a token: the only pool's, or the
// pool whose issuer the (unverified) token names.
func (ca *cognitoAuthorizer) verifier(token string) *jwtauth.Verifier {
	if len(ca.verifiers) == 1 {
		return ca.verifiers[0]
	}
	iss := jwtauth.PeekIssuer(token)
	for i, p := range ca.spec.pools {
		if p.issuer == iss {
			return ca.verifiers[i]
		}
	}
	return nil
}

// cognitoUnauthorized is REST's answer to a missing, invalid or
// unsuitable user pool token: 401 {"message":"Unauthorized"}.
func cognitoUnauthorized() *gwerr.Error {
	return &gwerr.Error{Status: http.StatusUnauthorized, Type: "UnauthorizedException", Message: "Unauthorized", ResponseType: "UNAUTHORIZED"}
}

// authorizeCognito verifies the user pool token of a COGNITO_USER_POOLS
// method, as API Gateway does (docs/cognito-authorizers.md): without
// authorizationScopes an ID token is required; with them an access token
// whose scope names one of them. Then, with a resource policy, that policy
// must allow the call.
func (g *Gateway) authorizeCognito(ex *exchange) error {
	r := ex.route.route
	ca := g.cognito[authorizerKey{ex.api.api.ID, r.Authorizer, ex.stage.name}]
	if ca == nil {
		return internalError(ex, fmt.Errorf("authorizer %q of route %s is not configured", r.Authorizer, r.Key))
	}
	vals := ex.in.Header.Values(ca.spec.header)
	token := ""
	if len(vals) > 0 {
		// The last value, as REST's single-value header map has it; the
		// token as is, or after "Bearer ".
		token = jwtauth.TokenFromHeader(vals[len(vals)-1])
	}
	if token == "" {
		return cognitoUnauthorized()
	}
	refuse := func(reason string) error {
		g.log.Info("user pool token refused", "requestId", ex.requestID, "authorizer", ca.spec.name, "reason", reason)
		return cognitoUnauthorized()
	}
	v := ca.verifier(token)
	if v == nil {
		return refuse("issuer is not one of the authorizer's user pools")
	}
	claims, err := v.Verify(ex.in.Context(), token)
	if err != nil {
		return refuse(err.Error())
	}
	use, _ := claims.String("token_use")
	if len(r.AuthorizationScopes) > 0 {
		if use == "id" {
			return refuse("the method has authorization scopes: an access token is required, not an ID token")
		}
		if !anyScope(r.AuthorizationScopes, claims.Scopes) {
			return refuse("the token has none of the method's authorization scopes")
		}
	} else if use == "access" {
		return refuse("the method has no authorization scopes: an ID token is required, not an access token")
	}
	if ca.spec.validate != nil {
		if aud, ok := claims.String("aud"); !ok || !ca.spec.validate.MatchString(aud) {
			return refuse("aud does not match identityValidationExpression")
		}
	}
	ex.jwtClaims = claims
	if res, ok := ex.resourcePolicyResult(); ok {
		d := iam.AuthorizeGateway(iam.GatewayInput{Auth: iam.AuthCognito, Resource: res, HasResourcePolicy: true})
		if d.Decision != iam.Allow {
			return g.resourcePolicyDenied(ex, d)
		}
	}
	return nil
}

// javaDate is the layout of Java's Date.toString in UTC, in which REST
// APIs pass a Cognito token's exp and iat claims ("Mon Apr 14 12:33:31 UTC 2025").
const javaDate = "Mon Jan 02 15:04:05 UTC 2006"

// maxDate is the first second of year 10000: later dates are passed as
// numbers, as the layout has four digits for the year.
const maxDate = 253402300800

// restClaim renders a claim the way REST APIs pass user pool claims
// ($context.authorizer.claims.<name>, requestContext.authorizer.claims):
// a string as is; exp and iat as dates; other numbers and booleans as
// their JSON text; an array as its elements joined with ","
// (cognito:groups "admin,staff"), an element that is not a string as its
// JSON text; an object as its JSON text. See docs/cognito-authorizers.md
// for the captures this follows.
func restClaim(c *jwtauth.Claims, name string) string {
	raw, ok := c.Get(name)
	if !ok || len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		if s, ok := c.String(name); ok {
			return s
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			parts := make([]string, len(items))
			for i, it := range items {
				var s string
				if len(it) > 0 && it[0] == '"' && json.Unmarshal(it, &s) == nil {
					parts[i] = s
				} else {
					parts[i] = string(it)
				}
			}
			return strings.Join(parts, ",")
		}
	case 'n':
		return "" // null
	default:
		if name == "exp" || name == "iat" {
			var f float64
			if json.Unmarshal(raw, &f) == nil && f >= 0 && f < maxDate {
				return time.Unix(int64(f), 0).UTC().Format(javaDate)
			}
		}
	}
	return string(raw)
}

// ContextKeys lists the dynamic $context names under prefix, for keySet()
// in templates: a user pool's or JWT authorizer's claims under
// "authorizer.claims.", a Lambda authorizer's context keys under
// "authorizer.".
func (ex *exchange) ContextKeys(prefix string) []string {
	var out []string
	switch prefix {
	case "authorizer.claims.":
		if ex.jwtClaims != nil {
			for _, cl := range ex.jwtClaims.All {
				out = append(out, cl.Name)
			}
		}
	case "authorizer.":
		if ex.authz != nil {
			for _, kv := range ex.authz.Context {
				out = append(out, kv.Key)
			}
		}
		if ex.jwtClaims != nil {
			out = append(out, "claims")
		}
	}
	return out
}
