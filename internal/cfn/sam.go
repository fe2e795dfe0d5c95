package cfn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// The SAM transform (AWS::Serverless-2016-10-31), done by gatehouse's own
// code the way the SAM specification documents it: each
// AWS::Serverless::* resource becomes the CloudFormation resources SAM
// generates for it, with the logical ids SAM gives them (ServerlessRestApi,
// MyApiProdStage, MyFunctionRole ...), so that the template's Ref, GetAtt
// and Sub reach them. APIs get an OpenAPI body built from the functions'
// events, authorizers and CORS settings, which the REST and HTTP API
// translation then reads like any other Body. See docs/cloudformation.md,
// "SAM templates".

// Logical ids of SAM's implicit APIs.
const (
	implicitRestAPI = "ServerlessRestApi"
	implicitHTTPAPI = "ServerlessHttpApi"
)

// globalProperties are the properties each Globals section may set
// (sam-specification-template-anatomy-globals).
var globalProperties = map[string][]string{
	"Function": {"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize", "Timeout", "VpcConfig",
		"Environment", "Tags", "Tracing", "KmsKeyArn", "Layers", "AutoPublishAlias", "DeploymentPreference", "PermissionsBoundary",
		"ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig", "AssumeRolePolicyDocument", "EventInvokeConfig",
		"Architectures", "EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig", "SnapStart", "LoggingConfig",
		"RecursiveLoop", "SourceKMSKeyArn", "PropagateTags", "FileSystemConfigs", "CodeSigningConfigArn", "PackageType", "RolePath"},
	"Api": {"Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize", "Variables", "EndpointConfiguration",
		"MethodSettings", "BinaryMediaTypes", "MinimumCompressionSize", "Cors", "GatewayResponses", "AccessLogSetting",
		"CanarySetting", "TracingEnabled", "OpenApiVersion", "Domain", "AlwaysDeploy", "PropagateTags"},
	"HttpApi": {"Auth", "AccessLogSettings", "StageVariables", "Tags", "RouteSettings", "DefaultRouteSettings", "Domain",
		"CorsConfiguration", "DefinitionUri", "FailOnWarnings", "DisableExecuteApiEndpoint", "StageName", "PropagateTags"},
	"SimpleTable":  {"SSESpecification"},
	"LayerVersion": {"PropagateTags"},
	"StateMachine": {"PropagateTags"},
}

// samAPI is a REST or HTTP API being generated: an explicit
// AWS::Serverless::Api / HttpApi, or an implicit one.
type samAPI struct {
	id    string // logical id
	http  bool
	r     *Resource  // nil for an implicit API
	props *yaml.Node // merged with Globals
	body  *yaml.Node // the OpenAPI document being built; nil with DefinitionUri
	oas3  bool
	// auth is the API's Auth: authorizers and the default one.
	auth      *samAuth
	events    int
	stageName string
	field     string
}

// samAuth is an API's Auth, read.
type samAuth struct {
	defaultAuth   string
	authorizers   map[string]*yaml.Node // name → authorizer as written
	scopes        map[string][]*yaml.Node
	iam           bool // AWS_IAM is allowed (REST always; HTTP with EnableIamAuthorizer)
	corsPreflight bool // AddDefaultAuthorizerToCorsPreflight
}

type samTransformer struct {
	t      *Template
	params map[string]string
	es     *yamlx.Errors
	out    []*Resource
	ids    map[string]bool
	apis   map[string]*samAPI
	order  []*samAPI
	// refs are SAM's referenceable properties (MyApi.Stage) → logical ids.
	refs    map[string]string
	globals map[string]*yaml.Node
	notices []string
}

// TransformSAM applies the SAM transform to a template: a new template of
// plain CloudFormation resources. params are the parameter overrides,
// which SAM resolves in a few places (StageName) before CloudFormation
// sees the template.
func TransformSAM(t *Template, params map[string]string) (*Template, error) {
	nt, _, err := transformSAM(t, params)
	return nt, err
}

// transformSAM is TransformSAM with the notices of the transform (event
// sources that are not emulated).
func transformSAM(t *Template, params map[string]string) (*Template, []string, error) {
	x := &samTransformer{t: t, params: params, es: &yamlx.Errors{File: t.File}, ids: map[string]bool{}, apis: map[string]*samAPI{},
		refs: map[string]string{}, globals: map[string]*yaml.Node{}}
	for _, r := range t.Resources {
		if r.Type != "AWS::Serverless::Api" && r.Type != "AWS::Serverless::HttpApi" {
			x.ids[r.ID] = true // the APIs are replaced by what they generate
		}
	}
	x.readGlobals()
	// APIs first, so that events can find them; then functions.
	for _, r := range t.Resources {
		switch r.Type {
		case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
			x.explicitAPI(r)
		}
	}
	for _, r := range t.Resources {
		switch r.Type {
		case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
		case "AWS::Serverless::Function":
			x.function(r)
		default:
			x.out = append(x.out, r)
		}
	}
	for _, a := range x.order {
		x.finishAPI(a)
	}
	if err := x.es.Err(); err != nil {
		return nil, nil, err
	}
	nt := &Template{File: t.File, Dir: t.Dir, Description: t.Description, Parameters: t.Parameters, Mappings: t.Mappings,
		Conditions: t.Conditions, Outputs: t.Outputs, Rules: t.Rules, resources: map[string]*Resource{}}
	for _, r := range x.out {
		if r.Properties != nil {
			x.replaceRefs(r.Properties, 0)
		}
		nt.resources[r.ID] = r
		nt.Resources = append(nt.Resources, r)
	}
	if nt.Outputs != nil {
		x.replaceRefs(nt.Outputs, 0)
	}
	return nt, x.notices, nil
}

func (x *samTransformer) readGlobals() {
	g := x.t.Globals
	if g == nil {
		return
	}
	if g.Kind != yaml.MappingNode {
		x.es.Add(g, "Globals", "must be a mapping of resource kinds (Function, Api, HttpApi, SimpleTable)")
		return
	}
	for i := 0; i+1 < len(g.Content); i += 2 {
		k, v := g.Content[i], g.Content[i+1]
		allowed, ok := globalProperties[k.Value]
		if !ok {
			x.es.Add(k, "Globals", "'%s' is not a supported resource type in the Globals section (Function, Api, HttpApi, SimpleTable, LayerVersion, StateMachine)", k.Value)
			continue
		}
		if v.Kind != yaml.MappingNode {
			x.es.Add(v, "Globals."+k.Value, "must be a mapping of properties")
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if !contains(allowed, v.Content[j].Value) {
				x.es.Add(v.Content[j], "Globals."+k.Value, "'%s' is not a supported property of '%s' in Globals (supported: %s)", v.Content[j].Value, k.Value, strings.Join(allowed, ", "))
			}
		}
		x.globals[k.Value] = v
	}
}

// mergeGlobals merges a Globals section under a resource's properties:
// the resource's scalars replace the global ones, maps are merged, lists
// are the global items followed by the resource's.
func mergeGlobals(global, local *yaml.Node) *yaml.Node {
	if global == nil {
		return local
	}
	if local == nil {
		return deepCopy(global)
	}
	if global.Kind == yaml.MappingNode && local.Kind == yaml.MappingNode && !isIntrinsic(global) && !isIntrinsic(local) {
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: local.Line, Column: local.Column}
		for i := 0; i+1 < len(global.Content); i += 2 {
			k := global.Content[i].Value
			out.Content = append(out.Content, global.Content[i], mergeGlobals(global.Content[i+1], yamlx.Lookup(local, k)))
		}
		for i := 0; i+1 < len(local.Content); i += 2 {
			if yamlx.Lookup(global, local.Content[i].Value) == nil {
				out.Content = append(out.Content, local.Content[i], local.Content[i+1])
			}
		}
		return out
	}
	if global.Kind == yaml.SequenceNode && local.Kind == yaml.SequenceNode {
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: local.Line, Column: local.Column}
		out.Content = append(append(out.Content, global.Content...), local.Content...)
		return out
	}
	return local
}

func isIntrinsic(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && len(n.Content) == 2 && (n.Content[0].Value == "Ref" || strings.HasPrefix(n.Content[0].Value, "Fn::") || n.Content[0].Value == "Condition")
}

func deepCopy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = deepCopy(x)
		}
	}
	return &c
}

// Node builders, positioned at another node.

func smap(at *yaml.Node, kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		var vn *yaml.Node
		switch v := v.(type) {
		case *yaml.Node:
			if v == nil {
				continue
			}
			vn = v
		case string:
			vn = str(at, v)
		case bool:
			vn = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v), Line: at.Line, Column: at.Column}
		default:
			panic(fmt.Sprintf("smap: %T", v))
		}
		m.Content = append(m.Content, str(at, kv[i].(string)), vn)
	}
	return m
}

func setKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(v, key), v)
}

// lookupOrAdd returns the mapping under key, adding an empty one.
func lookupOrAdd(m *yaml.Node, key string) *yaml.Node {
	if v := yamlx.Lookup(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: m.Line, Column: m.Column}
	setKey(m, key, v)
	return v
}

func (x *samTransformer) add(r *Resource) {
	if x.ids[r.ID] {
		x.es.Add(r.Node, "Resources."+r.ID, "the SAM transform generates a resource %s, which the template already declares", r.ID)
		return
	}
	x.ids[r.ID] = true
	x.out = append(x.out, r)
}

// scalarValue resolves a value SAM needs before CloudFormation: a
// string, or a Ref to a parameter (its override or default).
func (x *samTransformer) scalarValue(n *yaml.Node) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value, true
	}
	if ref := yamlx.Lookup(n, "Ref"); ref != nil && len(n.Content) == 2 {
		if v, ok := x.params[ref.Value]; ok {
			return v, true
		}
		for _, p := range x.t.Parameters {
			if p.Name == ref.Value && p.Default != nil {
				return *p.Default, true
			}
		}
	}
	return "", false
}

// apiRef resolves a RestApiId / ApiId: a Ref to, or the logical id of,
// a SAM API of the template.
func (x *samTransformer) apiRef(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	if ref := yamlx.Lookup(n, "Ref"); ref != nil && len(n.Content) == 2 {
		return ref.Value
	}
	return ""
}

func (x *samTransformer) explicitAPI(r *Resource) {
	field := "Resources." + r.ID + ".Properties"
	a := &samAPI{id: r.ID, http: r.Type == "AWS::Serverless::HttpApi", r: r, field: field}
	kind := "Api"
	if a.http {
		kind = "HttpApi"
	}
	props := r.Properties
	if props == nil {
		props = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: r.Node.Line, Column: r.Node.Column}
	}
	a.props = mergeGlobals(x.globals[kind], props)
	x.newAPI(a)
}

// implicitAPI returns ServerlessRestApi or ServerlessHttpApi, creating it
// for the first event that needs it.
func (x *samTransformer) implicitAPI(http bool, at *yaml.Node) *samAPI {
	id, kind := implicitRestAPI, "Api"
	if http {
		id, kind = implicitHTTPAPI, "HttpApi"
	}
	if a := x.apis[id]; a != nil {
		return a
	}
	if x.ids[id] {
		x.es.Add(at, "Resources."+id, "the implicit API %s of the events conflicts with a resource of the template with that logical id", id)
		return nil
	}
	props := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
	if !http {
		setKey(props, "StageName", str(at, "Prod")) // "The Implicit API has a stage name of "Prod"" (sam-resource-api)
	}
	a := &samAPI{id: id, http: http, field: "Resources." + id, props: mergeGlobals(x.globals[kind], props)}
	x.newAPI(a)
	return a
}

func (x *samTransformer) newAPI(a *samAPI) {
	x.apis[a.id] = a
	x.order = append(x.order, a)
	p := a.props
	if v := yamlx.Lookup(p, "OpenApiVersion"); v != nil {
		a.oas3 = strings.HasPrefix(v.Value, "3")
	}
	if a.http {
		a.oas3 = true
	}
	if body := yamlx.Lookup(p, "DefinitionBody"); body != nil {
		if body.Kind != yaml.MappingNode {
			x.es.Add(body, a.field+".DefinitionBody", "must be an OpenAPI document (a mapping)")
		} else {
			a.body = deepCopy(body)
			a.oas3 = yamlx.Lookup(a.body, "openapi") != nil
		}
	} else if yamlx.Lookup(p, "DefinitionUri") == nil {
		title := smap(p, "Ref", "AWS::StackName")
		if a.oas3 {
			a.body = smap(p, "openapi", "3.0.1", "info", smap(p, "version", "1.0", "title", title), "paths", smap(p))
		} else {
			a.body = smap(p, "swagger", "2.0", "info", smap(p, "version", "1.0", "title", title), "paths", smap(p))
		}
	}
	x.readAuth(a)
	stage := yamlx.Lookup(p, "StageName")
	switch {
	case stage != nil:
		name, ok := x.scalarValue(stage)
		if !ok {
			x.es.Add(stage, a.field+".StageName", "SAM resolves StageName before deployment: give a string or a Ref to a parameter")
		}
		a.stageName = name
	case a.http:
		a.stageName = "$default"
	default:
		x.es.Add(p, a.field, "missing required key \"StageName\" (AWS::Serverless::Api)")
	}
}

func (x *samTransformer) readAuth(a *samAPI) {
	au := &samAuth{authorizers: map[string]*yaml.Node{}, scopes: map[string][]*yaml.Node{}, corsPreflight: true, iam: !a.http}
	a.auth = au
	n := yamlx.Lookup(a.props, "Auth")
	if n == nil {
		return
	}
	f := a.field + ".Auth"
	if n.Kind != yaml.MappingNode {
		x.es.Add(n, f, "must be a mapping")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "DefaultAuthorizer":
			au.defaultAuth = v.Value
		case "Authorizers":
			if v.Kind != yaml.MappingNode {
				x.es.Add(v, f+".Authorizers", "must be a mapping of authorizer names")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				au.authorizers[v.Content[j].Value] = v.Content[j+1]
				if s := yamlx.Lookup(v.Content[j+1], "AuthorizationScopes"); s != nil && s.Kind == yaml.SequenceNode {
					au.scopes[v.Content[j].Value] = s.Content
				}
			}
		case "AddDefaultAuthorizerToCorsPreflight":
			au.corsPreflight = v.Value != "false"
		case "EnableIamAuthorizer":
			if a.http {
				au.iam = v.Value == "true"
			} else {
				x.es.Add(k, f, "EnableIamAuthorizer is for AWS::Serverless::HttpApi")
			}
		case "ApiKeyRequired":
			if v.Value == "true" {
				x.es.Add(v, f+".ApiKeyRequired", "API keys and usage plans are not served; serving the API without its key check would drop its protection")
			}
		case "UsagePlan":
			x.es.Add(k, f+".UsagePlan", "usage plans are not served")
		case "ResourcePolicy":
			x.es.Add(k, f+".ResourcePolicy", "SAM resource policy statements are not translated yet; write the policy in the DefinitionBody (x-amazon-apigateway-policy)")
		case "InvokeRole":
		default:
			x.es.Add(k, f, "unknown key %q (allowed: AddDefaultAuthorizerToCorsPreflight, ApiKeyRequired, Authorizers, DefaultAuthorizer, EnableIamAuthorizer, InvokeRole, ResourcePolicy, UsagePlan)", k.Value)
		}
	}
	if au.defaultAuth != "" && au.defaultAuth != "AWS_IAM" && au.authorizers[au.defaultAuth] == nil {
		x.es.Add(yamlx.Lookup(n, "DefaultAuthorizer"), f+".DefaultAuthorizer", "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'", au.defaultAuth)
	}
	if au.defaultAuth == "AWS_IAM" && !au.iam {
		x.es.Add(yamlx.Lookup(n, "DefaultAuthorizer"), f+".DefaultAuthorizer", "AWS_IAM needs EnableIamAuthorizer: true")
	}
	x.securitySchemes(a, f)
}

// securitySchemes writes the API's authorizers into the body.
func (x *samTransformer) securitySchemes(a *samAPI, f string) {
	au := a.auth
	if a.body == nil || len(au.authorizers) == 0 && !au.iam {
		return
	}
	var schemes *yaml.Node
	if a.oas3 {
		schemes = lookupOrAdd(lookupOrAdd(a.body, "components"), "securitySchemes")
	} else {
		schemes = lookupOrAdd(a.body, "securityDefinitions")
	}
	names := make([]string, 0, len(au.authorizers))
	for name := range au.authorizers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		n := au.authorizers[name]
		af := f + ".Authorizers." + name
		var scheme *yaml.Node
		if a.http {
			scheme = x.httpAuthorizer(n, af)
		} else {
			scheme = x.restAuthorizer(n, af)
		}
		if scheme != nil {
			setKey(schemes, name, scheme)
		}
	}
	if au.iam && yamlx.Lookup(schemes, "AWS_IAM") == nil {
		setKey(schemes, "AWS_IAM", smap(a.props, "type", "apiKey", "name", "Authorization", "in", "header", "x-amazon-apigateway-authtype", "awsSigv4"))
	}
}

// lambdaURI is API Gateway's invocation URI of a function ARN value.
func lambdaURI(at, arn *yaml.Node) *yaml.Node {
	return smap(at, "Fn::Sub", seq(at, str(at, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations"),
		smap(at, "__FunctionArn__", arn)))
}

func (x *samTransformer) restAuthorizer(n *yaml.Node, f string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		x.es.Add(n, f, "must be a mapping")
		return nil
	}
	identity := yamlx.Lookup(n, "Identity")
	ttl := yamlx.Lookup(identity, "ReauthorizeEvery")
	if pool := yamlx.Lookup(n, "UserPoolArn"); pool != nil {
		header := "Authorization"
		if h := yamlx.Lookup(identity, "Header"); h != nil {
			header = h.Value
		}
		pools := pool
		if pool.Kind != yaml.SequenceNode {
			pools = seq(pool, pool)
		}
		az := smap(n, "type", "cognito_user_pools", "providerARNs", pools, "identitySource", "method.request.header."+header)
		if v := yamlx.Lookup(identity, "ValidationExpression"); v != nil {
			setKey(az, "identityValidationExpression", v)
		}
		if ttl != nil {
			setKey(az, "authorizerResultTtlInSeconds", ttl)
		}
		return smap(n, "type", "apiKey", "name", header, "in", "header", "x-amazon-apigateway-authtype", "cognito_user_pools", "x-amazon-apigateway-authorizer", az)
	}
	arn := yamlx.Lookup(n, "FunctionArn")
	if arn == nil {
		x.es.Add(n, f, "an authorizer needs FunctionArn (Lambda) or UserPoolArn (Cognito)")
		return nil
	}
	typ := "TOKEN"
	if t := yamlx.Lookup(n, "FunctionPayloadType"); t != nil {
		typ = t.Value
	}
	switch typ {
	case "TOKEN":
		header := "Authorization"
		if h := yamlx.Lookup(identity, "Header"); h != nil {
			header = h.Value
		}
		az := smap(n, "type", "token", "authorizerUri", lambdaURI(arn, arn), "identitySource", "method.request.header."+header)
		if v := yamlx.Lookup(identity, "ValidationExpression"); v != nil {
			setKey(az, "identityValidationExpression", v)
		}
		if ttl != nil {
			setKey(az, "authorizerResultTtlInSeconds", ttl)
		}
		return smap(n, "type", "apiKey", "name", header, "in", "header", "x-amazon-apigateway-authtype", "custom", "x-amazon-apigateway-authorizer", az)
	case "REQUEST":
		var sources []string
		for _, part := range []struct{ key, prefix string }{{"Headers", "method.request.header."}, {"QueryStrings", "method.request.querystring."},
			{"StageVariables", "stageVariables."}, {"Context", "context."}} {
			if l := yamlx.Lookup(identity, part.key); l != nil {
				for _, c := range l.Content {
					sources = append(sources, part.prefix+c.Value)
				}
			}
		}
		az := smap(n, "type", "request", "authorizerUri", lambdaURI(arn, arn), "identitySource", strings.Join(sources, ", "))
		if ttl != nil {
			setKey(az, "authorizerResultTtlInSeconds", ttl)
		} else if len(sources) == 0 {
			// Without identity sources API Gateway cannot cache; SAM
			// leaves caching to the service default, which then fails.
			setKey(az, "authorizerResultTtlInSeconds", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0", Line: n.Line, Column: n.Column})
		}
		return smap(n, "type", "apiKey", "name", "Unused", "in", "header", "x-amazon-apigateway-authtype", "custom", "x-amazon-apigateway-authorizer", az)
	}
	x.es.Add(yamlx.Lookup(n, "FunctionPayloadType"), f+".FunctionPayloadType", "must be TOKEN or REQUEST, not %q", typ)
	return nil
}

func (x *samTransformer) httpAuthorizer(n *yaml.Node, f string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		x.es.Add(n, f, "must be a mapping")
		return nil
	}
	if jc := yamlx.Lookup(n, "JwtConfiguration"); jc != nil {
		src := yamlx.Lookup(n, "IdentitySource")
		if src == nil {
			src = str(n, "$request.header.Authorization")
		}
		// SAM passes JwtConfiguration through (issuer, audience).
		conf := smap(jc)
		for i := 0; i+1 < len(jc.Content); i += 2 {
			k := jc.Content[i].Value
			setKey(conf, strings.ToLower(k[:1])+k[1:], jc.Content[i+1])
		}
		return smap(n, "type", "oauth2", "x-amazon-apigateway-authorizer", smap(n, "type", "jwt", "jwtConfiguration", conf, "identitySource", src))
	}
	arn := yamlx.Lookup(n, "FunctionArn")
	if arn == nil {
		x.es.Add(n, f, "an authorizer needs JwtConfiguration (OAuth 2.0 / JWT) or FunctionArn (Lambda)")
		return nil
	}
	identity := yamlx.Lookup(n, "Identity")
	var sources []string
	for _, part := range []struct{ key, prefix string }{{"Headers", "$request.header."}, {"QueryStrings", "$request.querystring."},
		{"StageVariables", "$stageVariables."}, {"Context", "$context."}} {
		if l := yamlx.Lookup(identity, part.key); l != nil {
			for _, c := range l.Content {
				sources = append(sources, part.prefix+c.Value)
			}
		}
	}
	az := smap(n, "type", "request", "authorizerUri", lambdaURI(arn, arn), "identitySource", strings.Join(sources, ","))
	if v := yamlx.Lookup(n, "AuthorizerPayloadFormatVersion"); v != nil {
		setKey(az, "authorizerPayloadFormatVersion", str(v, v.Value))
	} else {
		x.es.Add(n, f, "missing required key \"AuthorizerPayloadFormatVersion\" (1.0 or 2.0)")
	}
	if v := yamlx.Lookup(n, "EnableSimpleResponses"); v != nil {
		setKey(az, "enableSimpleResponses", v)
	}
	ttl := yamlx.Lookup(identity, "ReauthorizeEvery")
	if ttl == nil {
		ttl = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0", Line: n.Line, Column: n.Column}
	}
	setKey(az, "authorizerResultTtlInSeconds", ttl)
	return smap(n, "type", "apiKey", "name", "Unused", "in", "header", "x-amazon-apigateway-authorizer", az)
}

var samFunctionDrop = map[string]bool{"Events": true, "CodeUri": true, "InlineCode": true, "Policies": true, "AutoPublishAlias": true,
	"AutoPublishAliasAllProperties": true, "AutoPublishCodeSha256": true, "DeploymentPreference": true, "EventInvokeConfig": true,
	"FunctionUrlConfig": true, "PermissionsBoundary": true, "ProvisionedConcurrencyConfig": true, "AssumeRolePolicyDocument": true,
	"RolePath": true, "Tracing": true, "VersionDescription": true, "DeadLetterQueue": true, "Tags": true, "PropagateTags": true,
	"ImageUri": true, "Connectors": true, "SourceKMSKeyArn": true}

func (x *samTransformer) function(r *Resource) {
	field := "Resources." + r.ID + ".Properties"
	props := r.Properties
	if props == nil {
		props = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: r.Node.Line, Column: r.Node.Column}
	}
	props = mergeGlobals(x.globals["Function"], props)
	fn := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: props.Line, Column: props.Column}
	for i := 0; i+1 < len(props.Content); i += 2 {
		k := props.Content[i].Value
		if !samFunctionDrop[k] {
			fn.Content = append(fn.Content, props.Content[i], props.Content[i+1])
		}
	}
	code := yamlx.Lookup(props, "CodeUri")
	inline := yamlx.Lookup(props, "InlineCode")
	switch {
	case inline != nil && code != nil:
		x.es.Add(inline, field, "Specify either 'InlineCode' or 'CodeUri' property and not both")
	case inline != nil:
		setKey(fn, "Code", smap(inline, "ZipFile", inline))
	case code != nil && code.Kind == yaml.MappingNode && !isIntrinsic(code):
		c := smap(code)
		for _, kk := range [][2]string{{"Bucket", "S3Bucket"}, {"Key", "S3Key"}, {"Version", "S3ObjectVersion"}} {
			if v := yamlx.Lookup(code, kk[0]); v != nil {
				setKey(c, kk[1], v)
			}
		}
		setKey(fn, "Code", c)
	case code != nil && strings.HasPrefix(code.Value, "s3://"):
		bucket, key, _ := strings.Cut(strings.TrimPrefix(code.Value, "s3://"), "/")
		setKey(fn, "Code", smap(code, "S3Bucket", bucket, "S3Key", key))
	case code != nil:
		setKey(fn, "Code", code)
	case yamlx.Lookup(props, "ImageUri") != nil:
		setKey(fn, "Code", smap(props, "ImageUri", yamlx.Lookup(props, "ImageUri")))
	default:
		x.es.Add(props, field, "a function needs CodeUri or InlineCode (here or in Globals.Function)")
	}
	// SAM's defaults (sam-resource-function): 3 s, 128 MB.
	if yamlx.Lookup(fn, "Timeout") == nil {
		setKey(fn, "Timeout", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "3", Line: props.Line, Column: props.Column})
	}
	if yamlx.Lookup(fn, "Role") == nil {
		roleID := r.ID + "Role"
		x.add(&Resource{ID: roleID, Type: "AWS::IAM::Role", Node: r.Node, Condition: r.Condition,
			Properties: smap(props, "AssumeRolePolicyDocument", smap(props, "Version", "2012-10-17"))})
		setKey(fn, "Role", smap(props, "Fn::GetAtt", seq(props, str(props, roleID), str(props, "Arn"))))
	}
	x.out = append(x.out, &Resource{ID: r.ID, Type: "AWS::Lambda::Function", Properties: fn, Metadata: r.Metadata, Condition: r.Condition, DependsOn: r.DependsOn, Node: r.Node})
	if alias := yamlx.Lookup(props, "AutoPublishAlias"); alias != nil {
		name, ok := x.scalarValue(alias)
		if !ok {
			x.es.Add(alias, field+".AutoPublishAlias", "give a string or a Ref to a parameter")
		} else {
			version := r.ID + "Version" + shortHash(r.ID, 10)
			aliasID := r.ID + "Alias" + name
			x.add(&Resource{ID: version, Type: "AWS::Lambda::Version", Node: r.Node, Condition: r.Condition, Properties: smap(props, "FunctionName", smap(props, "Ref", r.ID))})
			x.add(&Resource{ID: aliasID, Type: "AWS::Lambda::Alias", Node: r.Node, Condition: r.Condition, Properties: smap(props, "FunctionName", smap(props, "Ref", r.ID),
				"FunctionVersion", smap(props, "Fn::GetAtt", seq(props, str(props, version), str(props, "Version"))), "Name", name)})
			x.refs[r.ID+".Alias"], x.refs[r.ID+".Version"] = aliasID, version
		}
	}
	events := yamlx.Lookup(props, "Events")
	if events == nil {
		return
	}
	if events.Kind != yaml.MappingNode {
		x.es.Add(events, field+".Events", "must be a mapping of event names")
		return
	}
	for i := 0; i+1 < len(events.Content); i += 2 {
		name, ev := events.Content[i], events.Content[i+1]
		ef := field + ".Events." + name.Value
		typ := yamlx.Lookup(ev, "Type")
		if typ == nil {
			x.es.Add(ev, ef, "missing required key \"Type\"")
			continue
		}
		switch typ.Value {
		case "Api", "HttpApi":
			x.apiEvent(r, name.Value, ev, ef, typ.Value == "HttpApi")
		default:
			x.notice(fmt.Sprintf("event sources other than Api and HttpApi are not emulated (%s.%s: %s)", r.ID, name.Value, typ.Value))
		}
	}
}

func (x *samTransformer) notice(msg string) {
	for _, n := range x.notices {
		if n == msg {
			return
		}
	}
	x.notices = append(x.notices, msg)
}

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

type samEvent struct {
	Path                 string     `yaml:"Path"`
	Method               string     `yaml:"Method"`
	RestAPIID            *yaml.Node `yaml:"RestApiId"`
	APIID                *yaml.Node `yaml:"ApiId"`
	Auth                 *yaml.Node `yaml:"Auth"`
	RequestModel         *yaml.Node `yaml:"RequestModel"`
	RequestParameters    *yaml.Node `yaml:"RequestParameters"`
	PayloadFormatVersion string     `yaml:"PayloadFormatVersion"`
	RouteSettings        *yaml.Node `yaml:"RouteSettings"`
	TimeoutInMillis      *yaml.Node `yaml:"TimeoutInMillis"`
}

func (x *samTransformer) apiEvent(fn *Resource, name string, ev *yaml.Node, ef string, http bool) {
	var d samEvent
	before := x.es.Len()
	if p := yamlx.Lookup(ev, "Properties"); p != nil {
		yamlx.Decode(x.es, p, ef+".Properties", &d)
	}
	for i := 0; i+1 < len(ev.Content); i += 2 {
		if k := ev.Content[i].Value; k != "Type" && k != "Properties" {
			x.es.Add(ev.Content[i], ef, "unknown key %q (allowed: Type, Properties)", k)
		}
	}
	if x.es.Len() > before {
		return
	}
	pf := ef + ".Properties"
	ref := d.RestAPIID
	if http {
		ref = d.APIID
		if d.RestAPIID != nil {
			x.es.Add(d.RestAPIID, pf+".RestApiId", "an HttpApi event names its API with ApiId")
			return
		}
	} else if d.APIID != nil {
		x.es.Add(d.APIID, pf+".ApiId", "an Api event names its API with RestApiId")
		return
	}
	var a *samAPI
	if ref != nil {
		id := x.apiRef(ref)
		a = x.apis[id]
		if a == nil || a.http != http {
			want := "AWS::Serverless::Api"
			if http {
				want = "AWS::Serverless::HttpApi"
			}
			x.es.Add(ref, pf, "%q is not an %s of this template (SAM events reference their API with !Ref or its logical id)", id, want)
			return
		}
	} else if a = x.implicitAPI(http, ev); a == nil {
		return
	}
	a.events++
	method := strings.ToLower(d.Method)
	path := d.Path
	if http && path == "" && method == "" {
		path, method = "$default", "any" // "SAM creates a default API path" (sam-property-function-httpapi)
	}
	if path == "" || method == "" {
		x.es.Add(ev, pf, "an %s event needs Path and Method", map[bool]string{false: "Api", true: "HttpApi"}[http])
		return
	}
	if path != "$default" && !strings.HasPrefix(path, "/") {
		x.es.Add(ev, pf+".Path", "%q must start with /", path)
		return
	}
	opKey := method
	if method == "any" {
		opKey = "x-amazon-apigateway-any-method"
	} else if !openapiMethod(strings.ToUpper(method)) {
		x.es.Add(ev, pf+".Method", "unknown HTTP method %q", d.Method)
		return
	}
	arn := smap(ev, "Fn::GetAtt", seq(ev, str(ev, fn.ID), str(ev, "Arn")))
	integration := smap(ev, "type", "aws_proxy", "httpMethod", "POST", "uri", lambdaURI(ev, arn))
	if http {
		pv := d.PayloadFormatVersion
		if pv == "" {
			pv = "2.0" // the default of HttpApi events
		}
		integration = smap(ev, "type", "aws_proxy", "httpMethod", "POST", "uri", arn, "payloadFormatVersion", pv)
	}
	if d.TimeoutInMillis != nil {
		setKey(integration, "timeoutInMillis", d.TimeoutInMillis)
	}
	if d.RequestModel != nil {
		x.es.Add(d.RequestModel, pf+".RequestModel", "RequestModel is not translated yet; declare the model and validator in the API's DefinitionBody")
		return
	}
	if a.body == nil {
		x.es.Add(ev, pf, "the API %s takes its definition from DefinitionUri, which SAM does not change: the event's path and method must be in that document", a.id)
		return
	}
	paths := lookupOrAdd(a.body, "paths")
	item := lookupOrAdd(paths, path)
	op := yamlx.Lookup(item, opKey)
	if op == nil || op.Kind != yaml.MappingNode {
		op = smap(ev, "responses", smap(ev))
	} else if yamlx.Lookup(op, "x-amazon-apigateway-integration") != nil {
		x.es.Add(ev, pf, "the API %s already has an integration for %s %s", a.id, strings.ToUpper(method), path)
		return
	}
	setKey(op, "x-amazon-apigateway-integration", integration)
	if sec := x.eventSecurity(a, d.Auth, pf+".Auth", ev); sec != nil {
		setKey(op, "security", sec)
	}
	if d.RequestParameters != nil && !http {
		x.requestParameters(op, d.RequestParameters, pf+".RequestParameters", a.oas3)
	}
	if fn.Condition != "" {
		setKey(item, opKey, smap(ev, "Fn::If", seq(ev, str(ev, fn.Condition), op, smap(ev, "Ref", "AWS::NoValue"))))
	} else {
		setKey(item, opKey, op)
	}
	// The permission SAM gives API Gateway to invoke the function.
	arnPath := path
	if path != "$default" {
		var segs []string
		for _, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
			if strings.HasPrefix(s, "{") {
				s = "*"
			}
			segs = append(segs, s)
		}
		arnPath = "/" + strings.Join(segs, "/")
	}
	verb := strings.ToUpper(method)
	if verb == "ANY" {
		verb = "*"
	}
	source := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/" + verb + arnPath
	if path == "$default" {
		source = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/$default"
	}
	x.add(&Resource{ID: fn.ID + name + "Permission", Type: "AWS::Lambda::Permission", Node: fn.Node, Condition: fn.Condition,
		Properties: smap(ev, "Action", "lambda:InvokeFunction", "FunctionName", smap(ev, "Ref", fn.ID), "Principal", "apigateway.amazonaws.com",
			"SourceArn", smap(ev, "Fn::Sub", seq(ev, str(ev, source), smap(ev, "__ApiId__", smap(ev, "Ref", a.id), "__Stage__", "*"))))})
}

// eventSecurity is the security requirement of an event's method: its
// Auth.Authorizer, else the API's default authorizer; nil means none.
func (x *samTransformer) eventSecurity(a *samAPI, auth *yaml.Node, f string, at *yaml.Node) *yaml.Node {
	name := a.auth.defaultAuth
	var scopes *yaml.Node
	if auth != nil {
		for i := 0; i+1 < len(auth.Content); i += 2 {
			k, v := auth.Content[i], auth.Content[i+1]
			switch k.Value {
			case "Authorizer":
				name = v.Value
			case "AuthorizationScopes":
				scopes = v
			case "ApiKeyRequired":
				if v.Value == "true" {
					x.es.Add(v, f+".ApiKeyRequired", "API keys and usage plans are not served; serving the method without its key check would drop its protection")
				}
			case "InvokeRole":
			case "ResourcePolicy":
				x.es.Add(k, f+".ResourcePolicy", "SAM resource policy statements are not translated yet")
			default:
				x.es.Add(k, f, "unknown key %q (allowed: ApiKeyRequired, AuthorizationScopes, Authorizer, InvokeRole, ResourcePolicy)", k.Value)
			}
		}
	}
	switch {
	case name == "" || name == "NONE":
		if a.auth.defaultAuth != "" {
			return seq(at) // no authorization, overriding the default
		}
		return nil
	case name == "AWS_IAM":
		if !a.auth.iam {
			x.es.Add(auth, f+".Authorizer", "AWS_IAM needs EnableIamAuthorizer: true in the HttpApi's Auth (or Globals.HttpApi.Auth)")
			return nil
		}
		return seq(at, smap(at, "AWS_IAM", seq(at)))
	case a.auth.authorizers[name] == nil:
		x.es.Add(auth, f+".Authorizer", "Unable to set Authorizer [%s] on API method because the related API does not define any Authorizers called '%s'", name, name)
		return nil
	}
	if scopes == nil {
		scopes = seq(at, a.auth.scopes[name]...)
	}
	return seq(at, smap(at, name, scopes))
}

// requestParameters adds an Api event's RequestParameters to the
// operation as parameters (a name, or {name: {Required, Caching}}).
func (x *samTransformer) requestParameters(op, n *yaml.Node, f string, oas3 bool) {
	if n.Kind != yaml.SequenceNode {
		x.es.Add(n, f, "must be a list of method.request.{header,querystring,path}.NAME")
		return
	}
	params := yamlx.Lookup(op, "parameters")
	if params == nil {
		params = seq(n)
		setKey(op, "parameters", params)
	}
	for _, p := range n.Content {
		name, required := p.Value, "false"
		if p.Kind == yaml.MappingNode && len(p.Content) == 2 {
			name = p.Content[0].Value
			if r := yamlx.Lookup(p.Content[1], "Required"); r != nil {
				required = r.Value
			}
		}
		rest, ok := strings.CutPrefix(name, "method.request.")
		loc, pname, ok2 := strings.Cut(rest, ".")
		in := map[string]string{"header": "header", "querystring": "query", "path": "path"}[loc]
		if !ok || !ok2 || in == "" {
			x.es.Add(p, f, "%q must be method.request.{header,querystring,path}.NAME", name)
			continue
		}
		param := smap(p, "in", in, "name", pname, "required", required == "true")
		if oas3 {
			setKey(param, "schema", smap(p, "type", "string"))
		} else {
			setKey(param, "type", str(p, "string"))
		}
		params.Content = append(params.Content, param)
	}
}

// finishAPI adds CORS and the default authorizer of preflights to the
// body, and generates the API's CloudFormation resources.
func (x *samTransformer) finishAPI(a *samAPI) {
	p := a.props
	node := p
	if a.r != nil {
		node = a.r.Node
	}
	if a.r == nil && a.events == 0 {
		return
	}
	if a.http {
		x.finishHTTPAPI(a, node)
		return
	}
	x.cors(a)
	api := smap(p)
	if a.body != nil {
		setKey(api, "Body", a.body)
	} else if uri := yamlx.Lookup(p, "DefinitionUri"); uri != nil {
		if uri.Kind != yaml.ScalarNode {
			x.es.Add(uri, a.field+".DefinitionUri", "gatehouse reads a DefinitionUri that is a local path (as sam package takes it), not an S3 location")
		} else {
			setKey(api, "BodyS3Location", smap(uri, "Key", uri))
		}
	}
	for _, k := range []string{"Name", "BinaryMediaTypes", "Description", "DisableExecuteApiEndpoint", "EndpointConfiguration",
		"MinimumCompressionSize", "Mode", "FailOnWarnings", "ApiKeySourceType"} {
		if v := yamlx.Lookup(p, k); v != nil {
			setKey(api, k, v)
		}
	}
	if gr := yamlx.Lookup(p, "GatewayResponses"); gr != nil && a.body != nil {
		x.gatewayResponses(a, gr)
	}
	for _, k := range []string{"Models", "Domain", "CanarySetting"} {
		if v := yamlx.Lookup(p, k); v != nil {
			x.es.Add(v, a.field+"."+k, "%s is not translated yet", k)
		}
	}
	x.add(&Resource{ID: a.id, Type: "AWS::ApiGateway::RestApi", Node: node, Properties: api, Condition: condOf(a.r), DependsOn: dependsOf(a.r), Metadata: metaOf(a.r)})
	deployment := a.id + "Deployment" + shortHash(a.id+"/"+a.stageName, 10)
	dp := smap(p, "RestApiId", smap(p, "Ref", a.id), "Description", "RestApi deployment id: "+shortHash(a.id, 40))
	if yamlx.Lookup(p, "OpenApiVersion") == nil {
		// SAM's documented quirk: without OpenApiVersion the deployment
		// also creates a stage named "Stage" (sam-resource-api,
		// OpenApiVersion).
		setKey(dp, "StageName", str(p, "Stage"))
	}
	x.add(&Resource{ID: deployment, Type: "AWS::ApiGateway::Deployment", Node: node, Properties: dp, Condition: condOf(a.r)})
	stageID := a.id + stageLogicalPart(a.stageName) + "Stage"
	sp := smap(p, "RestApiId", smap(p, "Ref", a.id), "DeploymentId", smap(p, "Ref", deployment), "StageName", yamlx.Lookup(p, "StageName"))
	for _, k := range []string{"Variables", "AccessLogSetting", "MethodSettings", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize"} {
		if v := yamlx.Lookup(p, k); v != nil {
			setKey(sp, k, v)
		}
	}
	if a.stageName == "Stage" {
		delete := dp.Content[:0]
		for i := 0; i+1 < len(dp.Content); i += 2 {
			if dp.Content[i].Value != "StageName" {
				delete = append(delete, dp.Content[i], dp.Content[i+1])
			}
		}
		dp.Content = delete
	}
	x.add(&Resource{ID: stageID, Type: "AWS::ApiGateway::Stage", Node: node, Properties: sp, Condition: condOf(a.r)})
	x.refs[a.id+".Stage"], x.refs[a.id+".Deployment"] = stageID, deployment
}

// stageLogicalPart is the stage name as it appears in the stage's
// logical id (letters and digits).
func stageLogicalPart(name string) string {
	var b strings.Builder
	for _, c := range name {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func condOf(r *Resource) string {
	if r == nil {
		return ""
	}
	return r.Condition
}

func dependsOf(r *Resource) []string {
	if r == nil {
		return nil
	}
	return r.DependsOn
}

func metaOf(r *Resource) *yaml.Node {
	if r == nil {
		return nil
	}
	return r.Metadata
}

func (x *samTransformer) finishHTTPAPI(a *samAPI, node *yaml.Node) {
	p := a.props
	api := smap(p)
	if a.body != nil {
		setKey(api, "Body", a.body)
		if c := yamlx.Lookup(p, "CorsConfiguration"); c != nil {
			x.httpCORS(a, c)
		}
	} else if uri := yamlx.Lookup(p, "DefinitionUri"); uri != nil {
		if uri.Kind != yaml.ScalarNode {
			x.es.Add(uri, a.field+".DefinitionUri", "gatehouse reads a DefinitionUri that is a local path (as sam package takes it), not an S3 location")
		} else {
			setKey(api, "BodyS3Location", smap(uri, "Key", uri))
		}
		if c := yamlx.Lookup(p, "CorsConfiguration"); c != nil {
			x.es.Add(c, a.field+".CorsConfiguration", "CorsConfiguration works only with an inline DefinitionBody (SAM changes the document)")
		}
	}
	if v := yamlx.Lookup(p, "Name"); v != nil {
		setKey(api, "Name", v)
	}
	for _, k := range []string{"Description", "DisableExecuteApiEndpoint", "FailOnWarnings"} {
		if v := yamlx.Lookup(p, k); v != nil {
			setKey(api, k, v)
		}
	}
	if v := yamlx.Lookup(p, "Domain"); v != nil {
		x.es.Add(v, a.field+".Domain", "custom domains are not translated yet")
	}
	x.add(&Resource{ID: a.id, Type: "AWS::ApiGatewayV2::Api", Node: node, Properties: api, Condition: condOf(a.r), DependsOn: dependsOf(a.r), Metadata: metaOf(a.r)})
	stageID := a.id + "ApiGatewayDefaultStage"
	if yamlx.Lookup(p, "StageName") != nil {
		stageID = a.id + stageLogicalPart(a.stageName) + "Stage"
	}
	sn := yamlx.Lookup(p, "StageName")
	if sn == nil {
		sn = str(p, "$default")
	}
	sp := smap(p, "ApiId", smap(p, "Ref", a.id), "StageName", sn, "AutoDeploy", true)
	for _, k := range []string{"StageVariables", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings"} {
		if v := yamlx.Lookup(p, k); v != nil {
			setKey(sp, k, v)
		}
	}
	x.add(&Resource{ID: stageID, Type: "AWS::ApiGatewayV2::Stage", Node: node, Properties: sp, Condition: condOf(a.r)})
	x.refs[a.id+".Stage"] = stageID
}

// httpCORS writes CorsConfiguration as x-amazon-apigateway-cors: true
// allows every origin, header and method; a string is one origin.
func (x *samTransformer) httpCORS(a *samAPI, c *yaml.Node) {
	var conf *yaml.Node
	switch {
	case c.Kind == yaml.ScalarNode && c.Value == "true":
		conf = smap(c, "allowOrigins", seq(c, str(c, "*")), "allowHeaders", seq(c, str(c, "*")), "allowMethods", seq(c, str(c, "*")))
	case c.Kind == yaml.ScalarNode && c.Value == "false":
		return
	case c.Kind == yaml.ScalarNode:
		conf = smap(c, "allowOrigins", seq(c, str(c, strings.Trim(c.Value, "'"))))
	case c.Kind == yaml.MappingNode:
		conf = camelKeys(c)
	default:
		x.es.Add(c, a.field+".CorsConfiguration", "must be true, an origin, or a mapping (AllowOrigins, AllowHeaders, AllowMethods, ExposeHeaders, MaxAge, AllowCredentials)")
		return
	}
	// "If HttpApiCorsConfiguration is set both in OpenAPI and at the
	// property level, AWS SAM merges them with the properties taking
	// precedence."
	if old := yamlx.Lookup(a.body, "x-amazon-apigateway-cors"); old != nil && old.Kind == yaml.MappingNode {
		merged := deepCopy(old)
		for i := 0; i+1 < len(conf.Content); i += 2 {
			setKey(merged, conf.Content[i].Value, conf.Content[i+1])
		}
		conf = merged
	}
	setKey(a.body, "x-amazon-apigateway-cors", conf)
}

// cors adds the OPTIONS method SAM generates for each path of a REST API
// with Cors: a MOCK integration answering with the configured headers.
func (x *samTransformer) cors(a *samAPI) {
	c := yamlx.Lookup(a.props, "Cors")
	if c == nil || a.body == nil {
		if c != nil {
			x.es.Add(c, a.field+".Cors", "Cors works only with an inline DefinitionBody (SAM changes the document)")
		}
		return
	}
	headers := map[string]*yaml.Node{}
	var allowMethods *yaml.Node
	switch c.Kind {
	case yaml.ScalarNode:
		headers["Access-Control-Allow-Origin"] = c
	case yaml.MappingNode:
		if yamlx.Lookup(c, "AllowOrigin") == nil {
			x.es.Add(c, a.field+".Cors", "missing required key \"AllowOrigin\"")
			return
		}
		for i := 0; i+1 < len(c.Content); i += 2 {
			k, v := c.Content[i], c.Content[i+1]
			switch k.Value {
			case "AllowOrigin":
				headers["Access-Control-Allow-Origin"] = v
			case "AllowHeaders":
				headers["Access-Control-Allow-Headers"] = v
			case "AllowMethods":
				allowMethods = v
			case "MaxAge":
				headers["Access-Control-Max-Age"] = v
			case "AllowCredentials":
				if v.Value == "true" {
					headers["Access-Control-Allow-Credentials"] = str(v, "'true'")
				}
			default:
				x.es.Add(k, a.field+".Cors", "unknown key %q (allowed: AllowCredentials, AllowHeaders, AllowMethods, AllowOrigin, MaxAge)", k.Value)
			}
		}
	default:
		x.es.Add(c, a.field+".Cors", "must be an origin string (\"'*'\") or a mapping")
		return
	}
	paths := yamlx.Lookup(a.body, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		if item.Kind != yaml.MappingNode || yamlx.Lookup(item, "options") != nil {
			continue
		}
		h := map[string]*yaml.Node{}
		for k, v := range headers {
			h[k] = v
		}
		methods := allowMethods
		if methods == nil {
			methods = str(c, "'"+pathMethods(item)+"'")
		}
		h["Access-Control-Allow-Methods"] = methods
		names := make([]string, 0, len(h))
		for k := range h {
			names = append(names, k)
		}
		sort.Strings(names)
		params, declared := smap(c), smap(c)
		for _, k := range names {
			setKey(params, "method.response.header."+k, h[k])
			setKey(declared, k, smap(c, "type", "string"))
		}
		integration := smap(c, "type", "mock", "requestTemplates", smap(c, "application/json", "{\n  \"statusCode\" : 200\n}\n"),
			"responses", smap(c, "default", smap(c, "statusCode", "200", "responseParameters", params, "responseTemplates", smap(c, "application/json", "{}\n"))))
		op := smap(c, "summary", "CORS support", "x-amazon-apigateway-integration", integration,
			"responses", smap(c, "200", smap(c, "description", "Default response for CORS method", "headers", declared)))
		if a.auth.defaultAuth != "" && !a.auth.corsPreflight {
			setKey(op, "security", seq(c))
		} else if a.auth.defaultAuth != "" {
			if sec := x.eventSecurity(a, nil, a.field+".Auth", c); sec != nil {
				setKey(op, "security", sec)
			}
		}
		setKey(item, "options", op)
	}
}

// pathMethods lists a path's methods as SAM's Access-Control-Allow-Methods
// default does: upper case, sorted, with OPTIONS; ANY is every method.
func pathMethods(item *yaml.Node) string {
	set := map[string]bool{"OPTIONS": true}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k := item.Content[i].Value
		if k == "x-amazon-apigateway-any-method" {
			for _, m := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"} {
				set[m] = true
			}
		} else if openapiMethod(strings.ToUpper(k)) {
			set[strings.ToUpper(k)] = true
		}
	}
	var out []string
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// gatewayResponses writes an Api's GatewayResponses into the body.
func (x *samTransformer) gatewayResponses(a *samAPI, gr *yaml.Node) {
	if gr.Kind != yaml.MappingNode {
		x.es.Add(gr, a.field+".GatewayResponses", "must be a mapping of response types")
		return
	}
	out := lookupOrAdd(a.body, "x-amazon-apigateway-gateway-responses")
	for i := 0; i+1 < len(gr.Content); i += 2 {
		k, v := gr.Content[i], gr.Content[i+1]
		resp := smap(v)
		if sc := yamlx.Lookup(v, "StatusCode"); sc != nil {
			setKey(resp, "statusCode", str(sc, sc.Value))
		}
		if rp := yamlx.Lookup(v, "ResponseParameters"); rp != nil {
			params := smap(rp)
			for _, part := range []struct{ key, prefix string }{{"Headers", "gatewayresponse.header."}, {"Paths", "gatewayresponse.path."}, {"QueryStrings", "gatewayresponse.querystring."}} {
				if m := yamlx.Lookup(rp, part.key); m != nil {
					for j := 0; j+1 < len(m.Content); j += 2 {
						setKey(params, part.prefix+m.Content[j].Value, m.Content[j+1])
					}
				}
			}
			setKey(resp, "responseParameters", params)
		}
		if rt := yamlx.Lookup(v, "ResponseTemplates"); rt != nil {
			setKey(resp, "responseTemplates", rt)
		}
		setKey(out, k.Value, resp)
	}
}

// replaceRefs rewrites Ref of SAM's referenceable properties
// (MyApi.Stage, MyFunction.Alias) to the generated resources.
func (x *samTransformer) replaceRefs(n *yaml.Node, depth int) {
	if depth > MaxDepth {
		return
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref" {
		if id, ok := x.refs[n.Content[1].Value]; ok {
			n.Content[1] = str(n.Content[1], id)
		}
		return
	}
	for _, c := range n.Content {
		x.replaceRefs(c, depth+1)
	}
}
