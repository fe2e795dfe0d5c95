package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authorizer"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// authorizerKey names one Lambda authorizer of one API stage (a stage
// variable may pick its function, and stages never share cache entries).
type authorizerKey struct {
	apiID, name, stage string
}

// authorizerConfig is the authorizer package's view of a declared
// authorizer for one stage.
func authorizerConfig(api *model.API, a *model.Authorizer, stage *model.Stage) authorizer.Config {
	t := authorizer.TypeRequest
	if a.Type == "token" {
		t = authorizer.TypeToken
	}
	return authorizer.Config{
		Name: a.Name, Protocol: api.Protocol, Type: t,
		Function:                     config.ResolveFunction(a.Function, stage.Variables),
		IdentitySource:               a.IdentitySource,
		IdentityValidationExpression: a.IdentityValidationExpression,
		ResultTTL:                    a.ResultTTL,
		PayloadFormatVersion:         a.PayloadFormatVersion,
		EnableSimpleResponses:        a.EnableSimpleResponses,
	}
}

// checkAuthorizers validates every authorizer for every stage, at load.
func checkAuthorizers(api *model.API) error {
	for _, a := range api.Authorizers {
		if a.Type == model.AuthorizerCognito {
			continue // planCognito resolves its user pools
		}
		if a.Type == "jwt" {
			if !strings.HasPrefix(a.IdentitySource, "$request.header.") {
				return fmt.Errorf("%s: authorizer %s: identitySource %q: a JWT authorizer reads $request.header.NAME", a.Where, a.Name, a.IdentitySource)
			}
			if a.JWTIssuer == "" {
				return fmt.Errorf("%s: authorizer %s: jwtConfiguration.issuer is required", a.Where, a.Name)
			}
			continue
		}
		for _, st := range api.Stages {
			cfg := authorizerConfig(api, a, st)
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("%s: authorizer %s: %w", a.Where, a.Name, err)
			}
		}
	}
	return nil
}

// newAuthorizers builds the Lambda authorizers of the plan.
func newAuthorizers(p *Plan, inv Invoker) (map[authorizerKey]*authorizer.Authorizer, error) {
	out := map[authorizerKey]*authorizer.Authorizer{}
	for _, ap := range p.apis {
		for _, a := range ap.api.Authorizers {
			if a.Type == "jwt" || a.Type == model.AuthorizerCognito {
				continue
			}
			for _, st := range ap.api.Stages {
				az, err := authorizer.New(authorizerConfig(ap.api, a, st), inv, authorizer.Options{})
				if err != nil {
					return nil, fmt.Errorf("authorizer %s: %w", a.Name, err)
				}
				out[authorizerKey{ap.api.ID, a.Name, st.Name}] = az
			}
		}
	}
	return out, nil
}

// authorizeLambda runs the method's Lambda authorizer (cached as its TTL
// says) and keeps its principal and context for $context.authorizer.*.
func (g *Gateway) authorizeLambda(ex *exchange) error {
	az := g.authorizers[authorizerKey{ex.api.api.ID, ex.route.route.Authorizer, ex.stage.name}]
	if az == nil {
		return internalError(ex, fmt.Errorf("authorizer %q of route %s is not configured", ex.route.route.Authorizer, ex.route.route.Key))
	}
	// The authorizer reads the identity sources from the exchange; the
	// event is built only when the function is called (a cache miss).
	req := &authorizer.Request{Params: (*authorizerParams)(ex), MethodARN: ex.methodARN()}
	// With a resource policy, API Gateway first looks for an explicit
	// Deny in it alone ("pre-auth"), then combines it with the policy the
	// function returns (docs/authorizers.md).
	if res, ok := ex.resourcePolicyResult(); ok {
		if res.Decision == iam.ExplicitDeny {
			return g.resourcePolicyDenied(ex, res)
		}
		rp := res // on the heap only when there is a resource policy
		req.Resource = &rp
	}
	res, err := az.Authorize(ex.in.Context(), req)
	if err != nil {
		return err
	}
	ex.authz = res
	return nil
}

// authorizerParams is the exchange as an authorizer reads it
// (authorizer.Params): the same values the proxy event carries
// (eventRequest), read without building it.
type authorizerParams exchange

// Header is the proxy event's header: Go's canonical key first, then the
// other spellings a request built in-process may hold; Host is
// http.Request.Host.
func (p *authorizerParams) Header(name string, join bool) string {
	in := p.in
	if name == "Host" {
		return in.Host
	}
	vv := in.Header[name]
	if vv == nil {
		for k, v := range in.Header {
			if strings.EqualFold(k, name) {
				vv = append(vv, v...)
			}
		}
	}
	return pick(vv, join)
}

// Query decodes the raw query string as templateInput's orderedQuery does
// ('+' is a space, a pair that does not decode is left out), in order.
func (p *authorizerParams) Query(name string, join bool) string {
	var v string
	n := 0
	for raw := p.in.URL.RawQuery; raw != ""; {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != name {
			continue
		}
		val, err := url.QueryUnescape(val)
		if err != nil {
			continue
		}
		if join && n > 0 {
			v += "," + val
		} else {
			v = val
		}
		n++
	}
	return v
}

// StageVariable returns a stage variable of the request's stage.
func (p *authorizerParams) StageVariable(name string) string {
	return (*exchange)(p).StageVariable(name)
}

// ContextValue returns $context.<name>.
func (p *authorizerParams) ContextValue(name string) string {
	return (*exchange)(p).ContextValue(name)
}

// EventRequest describes the request for the authorizer's event.
func (p *authorizerParams) EventRequest() *proxyevent.Request {
	return (*exchange)(p).eventRequest(nil)
}

// pick is the last value, or all of them joined with ",".
func pick(vv []string, join bool) string {
	switch {
	case len(vv) == 0:
		return ""
	case join:
		return strings.Join(vv, ",")
	}
	return vv[len(vv)-1]
}
