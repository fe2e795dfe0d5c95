package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Plan is everything the gateway needs to serve requests, compiled once
// from the configuration: routes indexed, mappings and URIs compiled. It
// is immutable and shared by all requests.
type Plan struct {
	Region      string
	AccountID   string
	apis        []*apiPlan
	byID        map[string]*apiPlan
	domains     map[string][]basePath // lower-case host → mappings, longest first
	usesIAM     bool
	forwardsJWT bool
	usesLambda  bool
	proxies     *TrustedProxies
	// signedHosts are the hosts a request from a trusted proxy may be
	// signed for: its own Host first, then the aliases; trustedHosts is
	// the sigv4 option that says so, made once.
	signedHosts  []string
	trustedHosts func(*sigv4.Options)
	// jwtTokenCache is jwtauth.Options.TokenCacheSize for the JWT
	// authorizers (config jwtCache).
	jwtTokenCache int
	// paths are the JSONPaths of mapping templates, compiled once for all
	// requests.
	paths *mapping.PathCache
	// cognito are the Cognito authorizers' user pools, by API, name and
	// stage.
	cognito map[authorizerKey]*cognitoSpec
}

type apiPlan struct {
	api    *model.API
	table  *router.Table
	stages map[string]*stagePlan
	// rootStage serves at the URL root: an HTTP API's $default stage.
	rootStage *stagePlan
	routes    map[*model.Route]*routePlan
	// resourcePolicy is the REST API's compiled resource policy, or nil.
	resourcePolicy *iam.Policy
	// gatewayResponses customise the gateway's errors, by response type.
	gatewayResponses map[string]*gatewayResponse
	// cors is an HTTP API's CORS configuration, or nil.
	cors *corsPlan
	// binaryTypes are the REST API's binary media types.
	binaryTypes mediaTypes
	// userAgent is the User-Agent of non-proxy integration requests,
	// AmazonAPIGateway_<api id>.
	userAgent string
}

type stagePlan struct {
	name      string
	variables map[string]string
	accessLog *accessLog
}

type routePlan struct {
	route  *model.Route
	integ  *model.Integration
	params []mapping.Mapping
	// uri is the integration URI compiled per stage (stage variables
	// substituted at load, {param} placeholders left for each request).
	uri map[string]uriTemplate
	// function is the Lambda function of an AWS_PROXY or AWS integration,
	// per stage (stage variables substituted).
	function map[string]string
	// httpParams and httpResponse are an HTTP API's parameter mappings.
	httpParams   []mapping.HTTPMapping
	httpResponse map[int][]mapping.HTTPMapping
	// needsBody is set when a request parameter maps from the body.
	needsBody bool
	// reqTemplates are the request mapping templates by content type.
	reqTemplates templateSet
	// responses are the non-proxy integration responses, compiled.
	responses []compiledResponse
	// validation is the REST method's request validation, or nil.
	validation *validationPlan
}

type compiledResponse struct {
	resp      *model.IntegrationResponse
	status    int
	headers   []headerMapping
	templates templateSet
}

type headerMapping struct {
	name   string
	source mapping.Source
}

type basePath struct {
	path  string // without slashes; "" for the root mapping
	api   *apiPlan
	stage *stagePlan
}

// uriTemplate is an integration URI split into literal text and path
// parameter placeholders.
type uriTemplate struct {
	parts []uriPart
	// static is the URI parsed, when it has no placeholders and parses
	// with a host: requests copy it instead of parsing it.
	static *url.URL
}

type uriPart struct {
	text  string
	param string // when set, the part is the value of this parameter
}

// NewPlan compiles a loaded configuration. logs supplies the access log
// writer for each stage's destination.
func NewPlan(cfg *config.Config, logs *LogSinks) (*Plan, error) {
	p := &Plan{Region: cfg.Region, AccountID: cfg.AccountID, byID: map[string]*apiPlan{}, domains: map[string][]basePath{}}
	p.jwtTokenCache = cfg.JWTCache.TokenCacheSize()
	p.paths = mapping.NewPathCache(0)
	if tp := cfg.TrustedProxies; len(tp.Networks) > 0 && len(tp.Hosts) > 0 {
		p.proxies = &TrustedProxies{Networks: tp.Networks, Hosts: tp.Hosts}
		p.signedHosts = append([]string{""}, tp.Hosts...)
		hosts := p.signedHosts
		p.trustedHosts = func(o *sigv4.Options) { o.Hosts = hosts }
	}
	var errs []error
	for _, api := range cfg.APIs {
		ap, err := compileAPI(api, logs)
		if err != nil {
			errs = append(errs, fmt.Errorf("api %s: %w", api.Name, err))
			continue
		}
		p.apis = append(p.apis, ap)
		p.byID[api.ID] = ap
		for _, r := range api.Routes {
			p.usesIAM = p.usesIAM || r.Authorization == model.AuthIAM
			p.forwardsJWT = p.forwardsJWT || r.Integration.ForwardIdentity == model.ForwardJWT
			p.usesLambda = p.usesLambda || r.Integration.Type == model.AWSProxy || r.Integration.Type == model.AWS ||
				(r.Authorization == model.AuthCustom && !tokenAuthorizer(api, r))
		}
	}
	cognito, err := planCognito(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	p.cognito = cognito
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, d := range cfg.Domains {
		var list []basePath
		for _, m := range d.Mappings {
			ap := p.byID[m.API.ID]
			list = append(list, basePath{path: m.BasePath, api: ap, stage: ap.stages[m.Stage]})
		}
		sort.Slice(list, func(i, j int) bool { return len(list[i].path) > len(list[j].path) })
		p.domains[d.Name] = list
	}
	return p, nil
}

func compileAPI(api *model.API, logs *LogSinks) (*apiPlan, error) {
	table, err := router.New(api.Protocol, api.Routes)
	if err != nil {
		return nil, err
	}
	if err := checkAuthorizers(api); err != nil {
		return nil, err
	}
	grs, err := compileGatewayResponses(api)
	if err != nil {
		return nil, err
	}
	ap := &apiPlan{api: api, table: table, stages: map[string]*stagePlan{}, routes: map[*model.Route]*routePlan{}, gatewayResponses: grs,
		binaryTypes: compileMediaTypes(api.BinaryMediaTypes), userAgent: "AmazonAPIGateway_" + api.ID}
	ap.cors = compileCORS(api.CORS)
	if api.ResourcePolicy != nil {
		pol, err := iam.ParsePolicy("resource policy", iam.ResourcePolicy, api.ResourcePolicy)
		if err != nil {
			return nil, fmt.Errorf("%s: x-amazon-apigateway-policy: %w", api.Source, err)
		}
		ap.resourcePolicy = pol
	}
	for _, s := range api.Stages {
		al, err := newAccessLog(s.AccessLog, logs)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.Name, err)
		}
		sp := &stagePlan{name: s.Name, variables: s.Variables, accessLog: al}
		ap.stages[s.Name] = sp
		if s.Name == model.DefaultStage {
			ap.rootStage = sp
		}
	}
	var errs []error
	for _, r := range api.Routes {
		rp, err := compileRoute(api, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: route %s: %w", r.Where, r.Key, err))
			continue
		}
		ap.routes[r] = rp
	}
	if err := compileValidation(api, ap); err != nil {
		errs = append(errs, err) // each message names its file, line and model
	}
	return ap, errors.Join(errs...)
}

func compileRoute(api *model.API, r *model.Route) (*routePlan, error) {
	in := r.Integration
	rp := &routePlan{route: r, integ: in, uri: map[string]uriTemplate{}}
	var params []mapping.Mapping
	var err error
	if api.Protocol == model.HTTP {
		if rp.httpParams, err = mapping.CompileHTTPRequestParameters(in.RequestParameters); err != nil {
			return nil, err
		}
		if rp.httpResponse, err = mapping.CompileHTTPResponseParameters(in.ResponseParameters); err != nil {
			return nil, err
		}
		for _, m := range rp.httpParams {
			rp.needsBody = rp.needsBody || m.Value.UsesBody()
		}
	} else if params, err = mapping.CompileRequestParameters(in.RequestParameters); err != nil {
		return nil, err
	}
	rp.params = params
	for _, m := range params {
		rp.needsBody = rp.needsBody || m.Source.NeedsBody()
	}
	if in.Type == model.AWSProxy || in.Type == model.AWS {
		rp.function = map[string]string{}
		for _, s := range api.Stages {
			rp.function[s.Name] = config.ResolveFunction(in.Function, s.Variables)
		}
	}
	if in.Type == model.AWSProxy {
		return rp, nil
	}
	if in.Type == model.AWS {
		if err := checkLambdaRequestParameters(in.RequestParameters); err != nil {
			return nil, err
		}
	}
	if rp.reqTemplates, err = compileTemplates(in.RequestTemplates); err != nil {
		return nil, err
	}
	for _, s := range api.Stages {
		if in.Type == model.Mock || in.Type == model.AWS {
			break // no HTTP backend
		}
		raw, err := substituteStageVariables(in.URI, s.Variables)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.Name, err)
		}
		t, err := compileURI(raw)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.Name, err)
		}
		rp.uri[s.Name] = t
	}
	for i := range in.Responses {
		ir := &in.Responses[i]
		cr := compiledResponse{resp: ir}
		if cr.templates, err = compileTemplates(ir.Templates); err != nil {
			return nil, fmt.Errorf("integration response %q: %w", ir.Pattern, err)
		}
		if _, err := fmt.Sscanf(ir.StatusCode, "%d", &cr.status); err != nil || cr.status < 100 || cr.status > 599 {
			return nil, fmt.Errorf("integration response %q: status code %q is not an HTTP status", ir.Pattern, ir.StatusCode)
		}
		names := make([]string, 0, len(ir.Parameters))
		for k := range ir.Parameters {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			src, err := mapping.CompileSource(ir.Parameters[k])
			if err != nil {
				return nil, fmt.Errorf("integration response %q: %w", ir.Pattern, err)
			}
			cr.headers = append(cr.headers, headerMapping{name: strings.TrimPrefix(k, "method.response.header."), source: src})
		}
		rp.responses = append(rp.responses, cr)
	}
	return rp, nil
}

// substituteStageVariables replaces ${stageVariables.name} in s.
func substituteStageVariables(s string, vars map[string]string) (string, error) {
	const open = "${stageVariables."
	var b strings.Builder
	for {
		i := strings.Index(s, open)
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated %s...} in %q", open, s)
		}
		name := s[i+len(open) : i+end]
		b.WriteString(s[:i])
		b.WriteString(vars[name]) // AWS substitutes an empty string for an undefined variable
		s = s[i+end+1:]
	}
}

func compileURI(raw string) (uriTemplate, error) {
	var t uriTemplate
	s := raw
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t.parts = append(t.parts, uriPart{text: s})
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return t, fmt.Errorf("unbalanced '{' in integration URI %q", raw)
		}
		if i > 0 {
			t.parts = append(t.parts, uriPart{text: s[:i]})
		}
		name := strings.TrimSuffix(s[i+1:i+j], "+")
		if name == "" {
			return t, fmt.Errorf("empty {} in integration URI %q", raw)
		}
		t.parts = append(t.parts, uriPart{param: name})
		s = s[i+j+1:]
	}
	probe := t.render(func(string) string { return "x" })
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return t, fmt.Errorf("integration URI %q (after stage variables) is not an absolute http(s) URL", raw)
	}
	if len(t.parts) == 1 && t.parts[0].param == "" {
		t.static = u // probe is the URI itself
	}
	return t, nil
}

// url returns the integration URL of a request: the static URL copied,
// or the template rendered with value and parsed.
func (t uriTemplate) url(value func(name string) string) (*url.URL, error) {
	if t.static != nil {
		u := *t.static
		return &u, nil
	}
	target := t.render(value)
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("integration URI %q: %v", target, err)
	}
	return u, nil
}

func (t uriTemplate) render(value func(name string) string) string {
	if len(t.parts) == 1 && t.parts[0].param == "" {
		return t.parts[0].text
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.param != "" {
			b.WriteString(value(p.param))
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// UsesIAM reports whether a method uses AWS_IAM authorization.
func (p *Plan) UsesIAM() bool { return p.usesIAM }

// UsesLambda reports whether an integration or a REQUEST authorizer
// invokes a Lambda function: their events carry the header names as the
// client wrote them (rawheader). A TOKEN authorizer's event has no headers.
func (p *Plan) UsesLambda() bool { return p.usesLambda }

// tokenAuthorizer reports whether r's Lambda authorizer is a TOKEN one.
func tokenAuthorizer(api *model.API, r *model.Route) bool {
	a := api.Authorizers[r.Authorizer]
	return a != nil && a.Type == "token"
}

// ForwardsJWT reports whether an integration forwards identity as a JWT.
func (p *Plan) ForwardsJWT() bool { return p.forwardsJWT }

// StageURLs lists, for the start-up line, each API's stages with the URLs
// that reach them through listen.
func (p *Plan) StageURLs(listen string) []string {
	var out []string
	host, port := splitHostPort(listen)
	for _, ap := range p.apis {
		names := make([]string, 0, len(ap.stages))
		for n := range ap.stages {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			path := "/" + n
			if n == model.DefaultStage {
				path = "/"
			}
			line := fmt.Sprintf("api %s (%s, id %s) stage %s: http://%s:%s%s", ap.api.Name, ap.api.Protocol, ap.api.ID, n, host, port, path)
			if len(p.apis) > 1 {
				line = fmt.Sprintf("api %s (%s, id %s) stage %s: http://%s.execute-api.localhost:%s%s", ap.api.Name, ap.api.Protocol, ap.api.ID, n, ap.api.ID, port, path)
			}
			out = append(out, line)
		}
	}
	return out
}

func splitHostPort(addr string) (string, string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, ""
	}
	host := strings.Trim(addr[:i], "[]")
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host, addr[i+1:]
}

// integrationTimeout returns the route's timeout.
func (rp *routePlan) integrationTimeout() time.Duration {
	if rp.integ.Timeout > 0 {
		return rp.integ.Timeout
	}
	return model.DefaultTimeout
}
