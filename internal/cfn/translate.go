package cfn

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Result is what a stack declares that gatehouse serves.
type Result struct {
	Stack *Stack
	// APIs are the stack's APIs, in template order.
	APIs []*model.API
	// Functions are the stack's Lambda functions, in template order.
	Functions []Function
	// NotEmulated lists the resources gatehouse ignores, one line per
	// type: "AWS::IAM::Role (FnRole, OtherRole)".
	NotEmulated []string
	// Warnings are things that work differently on AWS than they will
	// here, or would fail there (a Lambda function API Gateway has no
	// permission to invoke).
	Warnings []string
}

// Function is a Lambda function a template declares, with its code on
// disk.
type Function struct {
	LogicalID   string
	Name        string // the physical name, as in its ARN
	Runtime     string
	Handler     string
	Code        string // absolute path of a directory or .zip
	Environment map[string]string
	Timeout     int // seconds; 0 means Lambda's default
	MemorySize  int // MB; 0 means 128
	Where       string
}

// TranslateOptions control translation.
type TranslateOptions struct {
	// AllowOutside lets code paths and asset folders leave the
	// template's folder. False (the default) refuses them.
	AllowOutside bool
	// InlineDir is where inline ZipFile code is written; "" means a
	// folder under os.TempDir().
	InlineDir string
}

// Load reads a template, resolves it as a stack and translates it: the
// whole path from a file to the model.
func LoadStack(path string, o Options, to TranslateOptions) (*Result, error) {
	t, err := Load(path)
	if err != nil {
		return nil, err
	}
	for _, x := range t.Transforms {
		if x != SAMTransform {
			return nil, &yamlx.Error{File: path, Field: "Transform", Msg: fmt.Sprintf("transform %q is not supported (CloudFormation macros run in AWS)", x)}
		}
	}
	var notices []string
	if t.HasTransform(SAMTransform) {
		if t, notices, err = transformSAM(t, o.Parameters); err != nil {
			return nil, err
		}
	}
	s, err := NewStack(t, o)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		s.notice(n)
	}
	return Translate(s, to)
}

// translator holds the state of one translation.
type translator struct {
	s   *Stack
	o   TranslateOptions
	es  *yamlx.Errors
	res *Result
	// apis by physical id; integrations, authorizers by physical id.
	apis         map[string]*httpAPI
	integrations map[string]*model.Integration
	authorizers  map[string]*model.Authorizer
	functions    map[string]*Function // by physical name
	permissions  []permission
	// withRole are the integrations with CredentialsArn: API Gateway
	// calls them with that role, so no Lambda permission is needed.
	withRole    map[*model.Integration]bool
	notEmulated map[string][]string
	// rests are the REST APIs by physical id; restResources their
	// AWS::ApiGateway::Resource by physical id.
	rests         map[string]*restAPI
	restResources map[string]*restResource
}

type httpAPI struct {
	api      *model.API
	logical  string
	hasStage bool
}

// Translate maps the stack's resources onto the model. Every problem is
// reported, joined, each naming the logical id and property path.
func Translate(s *Stack, o TranslateOptions) (*Result, error) {
	tr := &translator{s: s, o: o, es: &yamlx.Errors{File: s.T.File}, res: &Result{Stack: s},
		apis: map[string]*httpAPI{}, integrations: map[string]*model.Integration{}, authorizers: map[string]*model.Authorizer{},
		functions: map[string]*Function{}, notEmulated: map[string][]string{}, withRole: map[*model.Integration]bool{},
		rests: map[string]*restAPI{}, restResources: map[string]*restResource{}}
	// Functions first, then APIs, then what hangs off APIs, so that
	// references resolve whatever the template order.
	order := []string{"AWS::Lambda::Function", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Integration",
		"AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Stage",
		"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::RequestValidator",
		"AWS::ApiGateway::Model", "AWS::ApiGateway::GatewayResponse", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
		"AWS::ApiGateway::Stage", "AWS::Lambda::Permission"}
	handled := map[string]bool{"AWS::ApiGatewayV2::Deployment": true, "AWS::Lambda::Alias": true, "AWS::Lambda::Version": true}
	for _, typ := range order {
		handled[typ] = true
		for _, r := range s.T.Resources {
			if r.Type != typ || !s.Active(r) {
				continue
			}
			props, err := s.Properties(r)
			if err != nil {
				tr.es.Append(err)
				continue
			}
			lenient(props)
			tr.resource(r, props)
		}
	}
	tr.checkSiblings()
	tr.uniqueNames()
	for _, r := range s.T.Resources {
		if !handled[r.Type] && s.Active(r) {
			tr.notEmulated[r.Type] = append(tr.notEmulated[r.Type], r.ID)
		}
	}
	types := make([]string, 0, len(tr.notEmulated))
	for t := range tr.notEmulated {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		tr.res.NotEmulated = append(tr.res.NotEmulated, fmt.Sprintf("%s (%s)", t, strings.Join(tr.notEmulated[t], ", ")))
	}
	for _, a := range tr.res.APIs {
		if len(a.Stages) == 0 {
			logical := ""
			if h := tr.apis[a.ID]; h != nil {
				logical = h.logical
			} else if ra := tr.rests[a.ID]; ra != nil {
				logical = ra.logical
			}
			tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("Resources.%s: API %s has no stage, so it is not deployed: AWS serves nothing for it, and neither does gatehouse", logical, a.Name))
		}
	}
	tr.checkPermissions()
	if err := tr.es.Err(); err != nil {
		return nil, err
	}
	return tr.res, nil
}

// uniqueNames gives the APIs that share a name (SAM names every API
// after the stack) the name "{name}-{LogicalId}": AWS allows equal
// names, gatehouse selects and reports APIs by name.
func (tr *translator) uniqueNames() {
	count := map[string]int{}
	for _, a := range tr.res.APIs {
		count[a.Name]++
	}
	for _, a := range tr.res.APIs {
		if count[a.Name] < 2 {
			continue
		}
		if h := tr.apis[a.ID]; h != nil {
			a.Name += "-" + h.logical
		} else if ra := tr.rests[a.ID]; ra != nil {
			a.Name += "-" + ra.logical
		}
	}
}

// lenient rewrites "true" and "false" strings as booleans, as
// CloudFormation accepts them for Boolean properties (Fn::If and
// parameters produce strings).
func lenient(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" && (n.Value == "true" || n.Value == "false") {
			n.Tag = "!!bool"
		}
	case yaml.MappingNode, yaml.SequenceNode:
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue
			}
			lenient(c)
		}
	}
}

func (tr *translator) where(r *Resource) string {
	return fmt.Sprintf("%s:%d:%d", tr.s.T.File, r.Node.Line, r.Node.Column)
}

func (tr *translator) resource(r *Resource, props *yaml.Node) {
	field := "Resources." + r.ID + ".Properties"
	switch r.Type {
	case "AWS::Lambda::Function":
		tr.function(r, props, field)
	case "AWS::ApiGatewayV2::Api":
		tr.httpAPI(r, props, field)
	case "AWS::ApiGatewayV2::Integration":
		tr.integration(r, props, field)
	case "AWS::ApiGatewayV2::Authorizer":
		tr.authorizer(r, props, field)
	case "AWS::ApiGatewayV2::Route":
		tr.route(r, props, field)
	case "AWS::ApiGatewayV2::Stage":
		tr.stage(r, props, field)
	case "AWS::Lambda::Permission":
		tr.permission(r, props, field)
	case "AWS::ApiGateway::RestApi":
		tr.restAPI(r, props, field)
	case "AWS::ApiGateway::Resource":
		tr.restResource(r, props, field)
	case "AWS::ApiGateway::Authorizer":
		tr.restAuthorizer(r, props, field)
	case "AWS::ApiGateway::RequestValidator":
		tr.requestValidator(r, props, field)
	case "AWS::ApiGateway::Model":
		tr.restModel(r, props, field)
	case "AWS::ApiGateway::GatewayResponse":
		tr.gatewayResponse(r, props, field)
	case "AWS::ApiGateway::Method":
		tr.method(r, props, field)
	case "AWS::ApiGateway::Deployment":
		tr.restDeployment(r, props, field)
	case "AWS::ApiGateway::Stage":
		tr.restStage(r, props, field)
	}
}

// at returns the node of a property, or the mapping when it is absent.
func at(props *yaml.Node, key string) *yaml.Node {
	if v := yamlx.Lookup(props, key); v != nil {
		return v
	}
	return props
}

// apiOf finds the HTTP API an ApiId names.
func (tr *translator) apiOf(props *yaml.Node, field, id string) *httpAPI {
	a := tr.apis[id]
	if a == nil {
		tr.es.Add(at(props, "ApiId"), field+".ApiId", "%q is not an AWS::ApiGatewayV2::Api of this template (use !Ref of the API)", id)
	}
	return a
}

type httpAPIProps struct {
	Name                      string     `yaml:"Name"`
	ProtocolType              string     `yaml:"ProtocolType"`
	Body                      *yaml.Node `yaml:"Body"`
	BodyS3Location            *yaml.Node `yaml:"BodyS3Location"`
	BasePath                  string     `yaml:"BasePath"`
	CorsConfiguration         *yaml.Node `yaml:"CorsConfiguration"`
	CredentialsArn            string     `yaml:"CredentialsArn"`
	Description               string     `yaml:"Description"`
	DisableExecuteAPIEndpoint bool       `yaml:"DisableExecuteApiEndpoint"`
	DisableSchemaValidation   bool       `yaml:"DisableSchemaValidation"`
	FailOnWarnings            bool       `yaml:"FailOnWarnings"`
	IPAddressType             string     `yaml:"IpAddressType"`
	RouteKey                  string     `yaml:"RouteKey"`
	RouteSelectionExpression  string     `yaml:"RouteSelectionExpression"`
	APIKeySelectionExpression string     `yaml:"ApiKeySelectionExpression"`
	Tags                      *yaml.Node `yaml:"Tags"`
	Target                    string     `yaml:"Target"`
	Version                   string     `yaml:"Version"`
}

func (tr *translator) httpAPI(r *Resource, props *yaml.Node, field string) {
	var d httpAPIProps
	if !tr.decode(props, field, &d) {
		return
	}
	id, _ := tr.s.physicalID(r, r.Node, field)
	api := &model.API{Name: d.Name, ID: id, Protocol: model.HTTP, Source: tr.s.T.File}
	if api.Name == "" {
		api.Name = r.ID
	}
	switch {
	case d.Body != nil || d.BodyS3Location != nil:
		def, title := tr.apiDefinition(d.Body, d.BodyS3Location, field, model.HTTP)
		if def == nil {
			return
		}
		api.Routes, api.Authorizers, api.CORS = def.Routes, def.Authorizers, def.CORS
		if title != nil && d.Name == "" {
			api.Name = title.Value // as an import names the API
		}
	case d.ProtocolType != "HTTP":
		if d.ProtocolType == "WEBSOCKET" {
			tr.es.Add(at(props, "ProtocolType"), field+".ProtocolType", "WebSocket APIs are not supported (served: HTTP)")
		} else {
			tr.es.Add(at(props, "ProtocolType"), field+".ProtocolType", "must be HTTP (or give Body, an OpenAPI document), not %q", d.ProtocolType)
		}
		return
	}
	if d.CorsConfiguration != nil {
		if api.CORS != nil {
			tr.es.Add(d.CorsConfiguration, field+".CorsConfiguration", "the Body already has x-amazon-apigateway-cors; set CORS in one place")
		} else {
			api.CORS = openapi.DecodeCORS(tr.es, camelKeys(d.CorsConfiguration), field+".CorsConfiguration", model.HTTP)
		}
	}
	a := &httpAPI{api: api, logical: r.ID}
	if d.Target != "" {
		// Quick create: a $default route (or RouteKey) to the target and
		// a $default stage that deploys automatically.
		key := d.RouteKey
		if key == "" {
			key = model.DefaultRouteKey
		}
		in := &model.Integration{Type: model.HTTPProxy, HTTPMethod: model.MethodAny, URI: d.Target, Timeout: model.DefaultHTTPAPITimeout, PayloadFormatVersion: "1.0"}
		if strings.HasPrefix(d.Target, "arn:") {
			fn, ok := tr.lambdaFunction(props, field, "Target", d.Target)
			if !ok {
				return
			}
			// Quick create uses payload format 2.0 for Lambda targets.
			in = &model.Integration{Type: model.AWSProxy, HTTPMethod: "POST", URI: d.Target, Function: fn, Timeout: model.DefaultHTTPAPITimeout, PayloadFormatVersion: "2.0"}
		}
		rt := tr.routeFromKey(at(props, "RouteKey"), field+".RouteKey", key, tr.where(r))
		if rt == nil {
			return
		}
		rt.Integration, rt.Authorization = in, model.AuthNone
		api.Routes = append(api.Routes, rt)
		api.Stages = append(api.Stages, &model.Stage{Name: model.DefaultStage})
		a.hasStage = true
	} else if d.RouteKey != "" {
		tr.es.Add(at(props, "RouteKey"), field+".RouteKey", "RouteKey is for quick create; it needs Target")
	}
	tr.apis[id] = a
	tr.res.APIs = append(tr.res.APIs, api)
}

// apiDefinition decodes an API's OpenAPI document, Body or the file
// BodyS3Location names, for HTTP and REST APIs alike. It returns nil
// after reporting a problem; title is the document's info.title (nil
// when absent), which names an API without Name as an import does.
func (tr *translator) apiDefinition(body, bodyS3Location *yaml.Node, field string, protocol model.Protocol) (def *openapi.Definition, title *yaml.Node) {
	if body == nil {
		if body = tr.bodyFile(bodyS3Location, field+".BodyS3Location"); body == nil {
			return nil, nil
		}
	}
	if body.Kind != yaml.MappingNode {
		tr.es.Add(body, field+".Body", "must be an OpenAPI document (a mapping)")
		return nil, nil
	}
	def, err := openapi.Decode(tr.s.T.File, body, protocol)
	if err != nil {
		tr.es.Append(err)
		return nil, nil
	}
	return def, yamlx.Lookup(yamlx.Lookup(body, "info"), "title")
}

// bodyFile reads an OpenAPI body named by BodyS3Location: gatehouse
// takes its Key as a path relative to the template (there is no S3).
func (tr *translator) bodyFile(loc *yaml.Node, field string) *yaml.Node {
	var d struct {
		Bucket  string `yaml:"Bucket"`
		Key     string `yaml:"Key,required"`
		Etag    string `yaml:"Etag"`
		Version string `yaml:"Version"`
	}
	if !tr.decode(loc, field, &d) {
		return nil
	}
	path, err := tr.localPath(d.Key)
	if err != nil {
		tr.es.Add(loc, field+".Key", "%v", err)
		return nil
	}
	root, err := yamlx.ReadFile(path)
	if err != nil {
		tr.es.Add(loc, field+".Key", "%v (gatehouse reads BodyS3Location's Key as a path beside the template)", err)
		return nil
	}
	return root
}

// camelKeys copies a mapping with its keys' first letters lowered
// (AllowOrigins → allowOrigins), the OpenAPI extension's spelling.
func camelKeys(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return n
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		if i%2 == 0 && c.Value != "" {
			k := *c
			k.Value = strings.ToLower(c.Value[:1]) + c.Value[1:]
			c = &k
		}
		out.Content[i] = c
	}
	return &out
}

type integrationProps struct {
	ApiID                       string                       `yaml:"ApiId,required"`
	IntegrationType             string                       `yaml:"IntegrationType,required"`
	IntegrationURI              string                       `yaml:"IntegrationUri"`
	IntegrationMethod           string                       `yaml:"IntegrationMethod"`
	IntegrationSubtype          string                       `yaml:"IntegrationSubtype"`
	PayloadFormatVersion        string                       `yaml:"PayloadFormatVersion"`
	TimeoutInMillis             int                          `yaml:"TimeoutInMillis"`
	RequestParameters           map[string]string            `yaml:"RequestParameters"`
	ResponseParameters          map[string]responseParamsDoc `yaml:"ResponseParameters"`
	ConnectionType              string                       `yaml:"ConnectionType"`
	ConnectionID                string                       `yaml:"ConnectionId"`
	CredentialsArn              string                       `yaml:"CredentialsArn"`
	Description                 string                       `yaml:"Description"`
	PassthroughBehavior         string                       `yaml:"PassthroughBehavior"`
	RequestTemplates            map[string]string            `yaml:"RequestTemplates"`
	TemplateSelectionExpression string                       `yaml:"TemplateSelectionExpression"`
	ContentHandlingStrategy     string                       `yaml:"ContentHandlingStrategy"`
	TLSConfig                   *yaml.Node                   `yaml:"TlsConfig"`
}

// responseParamsDoc is one status code's ResponseParameters entry.
type responseParamsDoc struct {
	ResponseParameters []struct {
		Destination string `yaml:"Destination,required"`
		Source      string `yaml:"Source,required"`
	} `yaml:"ResponseParameters"`
}

func (tr *translator) integration(r *Resource, props *yaml.Node, field string) {
	var d integrationProps
	if !tr.decode(props, field, &d) {
		return
	}
	if tr.apiOf(props, field, d.ApiID) == nil {
		return
	}
	in := &model.Integration{URI: d.IntegrationURI, HTTPMethod: strings.ToUpper(d.IntegrationMethod), Timeout: model.DefaultHTTPAPITimeout,
		RequestParameters: d.RequestParameters, PayloadFormatVersion: d.PayloadFormatVersion, ConnectionType: strings.ToUpper(d.ConnectionType)}
	switch strings.ToUpper(d.IntegrationType) {
	case "AWS_PROXY":
		in.Type = model.AWSProxy
		if d.IntegrationSubtype != "" {
			tr.es.Add(at(props, "IntegrationSubtype"), field+".IntegrationSubtype", "AWS service integrations (%s) are not supported (served: Lambda AWS_PROXY, HTTP_PROXY)", d.IntegrationSubtype)
			return
		}
		fn, ok := tr.lambdaFunction(props, field, "IntegrationUri", d.IntegrationURI)
		if !ok {
			return
		}
		in.Function = fn
		if in.HTTPMethod == "" {
			in.HTTPMethod = "POST"
		}
		if d.PayloadFormatVersion == "" {
			// "If you create a Lambda integration by using the AWS CLI,
			// CloudFormation, or an SDK, you must specify a
			// payloadFormatVersion" (http-api-develop-integrations-lambda).
			tr.es.Add(props, field, "missing required key \"PayloadFormatVersion\" (1.0 or 2.0) for a Lambda proxy integration")
		}
	case "HTTP_PROXY":
		in.Type = model.HTTPProxy
		if in.HTTPMethod == "" {
			tr.es.Add(props, field, "missing required key \"IntegrationMethod\" for an HTTP_PROXY integration")
		}
		if !strings.HasPrefix(d.IntegrationURI, "http://") && !strings.HasPrefix(d.IntegrationURI, "https://") {
			tr.es.Add(at(props, "IntegrationUri"), field+".IntegrationUri", "%q must be an http:// or https:// URL (VPC links are not served)", d.IntegrationURI)
		}
		if in.PayloadFormatVersion == "" {
			in.PayloadFormatVersion = "1.0"
		}
	case "AWS", "HTTP", "MOCK":
		tr.es.Add(at(props, "IntegrationType"), field+".IntegrationType", "%s integrations are for WebSocket APIs; HTTP APIs use AWS_PROXY or HTTP_PROXY", d.IntegrationType)
		return
	default:
		tr.es.Add(at(props, "IntegrationType"), field+".IntegrationType", "unknown integration type %q (allowed: AWS_PROXY, HTTP_PROXY)", d.IntegrationType)
		return
	}
	switch in.PayloadFormatVersion {
	case "", "1.0", "2.0":
	default:
		tr.es.Add(at(props, "PayloadFormatVersion"), field+".PayloadFormatVersion", "must be 1.0 or 2.0, not %q", in.PayloadFormatVersion)
	}
	if in.ConnectionType != "" && in.ConnectionType != "INTERNET" {
		tr.es.Add(at(props, "ConnectionType"), field+".ConnectionType", "connection type %q is not supported (allowed: INTERNET)", d.ConnectionType)
	}
	if d.TimeoutInMillis != 0 {
		if d.TimeoutInMillis < 50 || d.TimeoutInMillis > 30000 {
			tr.es.Add(at(props, "TimeoutInMillis"), field+".TimeoutInMillis", "must be between 50 and 30000, not %d", d.TimeoutInMillis)
		}
		in.Timeout = time.Duration(d.TimeoutInMillis) * time.Millisecond
	}
	if len(d.ResponseParameters) > 0 {
		in.ResponseParameters = map[string]map[string]string{}
		for status, rp := range d.ResponseParameters {
			m := map[string]string{}
			for _, p := range rp.ResponseParameters {
				m[p.Destination] = p.Source
			}
			in.ResponseParameters[status] = m
		}
	}
	if d.CredentialsArn != "" {
		tr.withRole[in] = true
	}
	id, _ := tr.s.physicalID(r, r.Node, field)
	tr.integrations[id] = in
}

type authorizerProps struct {
	ApiID                          string     `yaml:"ApiId,required"`
	AuthorizerType                 string     `yaml:"AuthorizerType,required"`
	Name                           string     `yaml:"Name,required"`
	AuthorizerURI                  string     `yaml:"AuthorizerUri"`
	AuthorizerCredentialsArn       string     `yaml:"AuthorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion string     `yaml:"AuthorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int       `yaml:"AuthorizerResultTtlInSeconds"`
	EnableSimpleResponses          bool       `yaml:"EnableSimpleResponses"`
	IdentitySource                 []string   `yaml:"IdentitySource"`
	IdentityValidationExpression   string     `yaml:"IdentityValidationExpression"`
	JWTConfiguration               *yaml.Node `yaml:"JwtConfiguration"`
}

func (tr *translator) authorizer(r *Resource, props *yaml.Node, field string) {
	var d authorizerProps
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.apiOf(props, field, d.ApiID)
	if a == nil {
		return
	}
	az := &model.Authorizer{Name: d.Name, IdentitySource: strings.Join(d.IdentitySource, ","), Where: tr.where(r),
		IdentityValidationExpression: d.IdentityValidationExpression}
	switch strings.ToUpper(d.AuthorizerType) {
	case "JWT":
		var jc struct {
			Issuer   string   `yaml:"Issuer"`
			Audience []string `yaml:"Audience"`
		}
		if d.JWTConfiguration == nil {
			tr.es.Add(props, field, "a JWT authorizer needs JwtConfiguration (Issuer, Audience)")
			return
		}
		yamlx.Decode(tr.es, d.JWTConfiguration, field+".JwtConfiguration", &jc)
		if jc.Issuer == "" {
			tr.es.Add(d.JWTConfiguration, field+".JwtConfiguration", "missing required key \"Issuer\"")
		}
		az.Type, az.JWTIssuer, az.JWTAudience = "jwt", jc.Issuer, jc.Audience
		if az.IdentitySource == "" {
			az.IdentitySource = "$request.header.Authorization"
		}
	case "REQUEST":
		fn, ok := tr.lambdaFunction(props, field, "AuthorizerUri", d.AuthorizerURI)
		if !ok {
			return
		}
		az.Type, az.Function = "request", fn
		az.PayloadFormatVersion, az.EnableSimpleResponses = d.AuthorizerPayloadFormatVersion, d.EnableSimpleResponses
		switch az.PayloadFormatVersion {
		case "1.0", "2.0":
		case "":
			tr.es.Add(props, field, "missing required key \"AuthorizerPayloadFormatVersion\" (1.0 or 2.0) for a REQUEST authorizer")
		default:
			tr.es.Add(at(props, "AuthorizerPayloadFormatVersion"), field+".AuthorizerPayloadFormatVersion", "must be 1.0 or 2.0, not %q", az.PayloadFormatVersion)
		}
		az.ResultTTL = 0 // HTTP API authorizers cache only when told to
		if d.AuthorizerResultTTLInSeconds != nil {
			az.ResultTTL = *d.AuthorizerResultTTLInSeconds
		}
	default:
		tr.es.Add(at(props, "AuthorizerType"), field+".AuthorizerType", "unknown authorizer type %q (allowed: JWT, REQUEST)", d.AuthorizerType)
		return
	}
	tr.addAuthorizer(a.api, az, r, props, field)
}

// addAuthorizer adds the authorizer resource r declares to its API
// (HTTP or REST), which refuses a second of the same name, and records
// it by physical id for the routes and methods that name it.
func (tr *translator) addAuthorizer(api *model.API, az *model.Authorizer, r *Resource, props *yaml.Node, field string) {
	if api.Authorizers == nil {
		api.Authorizers = map[string]*model.Authorizer{}
	}
	if api.Authorizers[az.Name] != nil {
		tr.es.Add(at(props, "Name"), field+".Name", "the API already has an authorizer named %q", az.Name)
		return
	}
	api.Authorizers[az.Name] = az
	id, _ := tr.s.physicalID(r, r.Node, field)
	tr.authorizers[id] = az
}

type routeProps struct {
	ApiID                            string     `yaml:"ApiId,required"`
	RouteKey                         string     `yaml:"RouteKey,required"`
	Target                           string     `yaml:"Target"`
	AuthorizationType                string     `yaml:"AuthorizationType"`
	AuthorizerID                     string     `yaml:"AuthorizerId"`
	AuthorizationScopes              []string   `yaml:"AuthorizationScopes"`
	APIKeyRequired                   bool       `yaml:"ApiKeyRequired"`
	ModelSelectionExpression         string     `yaml:"ModelSelectionExpression"`
	OperationName                    string     `yaml:"OperationName"`
	RequestModels                    *yaml.Node `yaml:"RequestModels"`
	RequestParameters                *yaml.Node `yaml:"RequestParameters"`
	RouteResponseSelectionExpression string     `yaml:"RouteResponseSelectionExpression"`
}

// routeFromKey parses an HTTP API route key into a route without its
// integration.
func (tr *translator) routeFromKey(n *yaml.Node, field, key, where string) *model.Route {
	r := &model.Route{Key: key, Where: where}
	if key == model.DefaultRouteKey {
		r.Method = model.MethodAny
		return r
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok || !openapiMethod(method) || strings.Contains(path, " ") {
		tr.es.Add(n, field, "route key %q must be \"METHOD /path\" (METHOD: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH or ANY) or \"$default\"", key)
		return nil
	}
	if err := openapi.CheckPathTemplate(path); err != nil {
		tr.es.Add(n, field, "%v", err)
		return nil
	}
	r.Method, r.Path = method, path
	return r
}

func openapiMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY":
		return true
	}
	return false
}

func (tr *translator) route(r *Resource, props *yaml.Node, field string) {
	var d routeProps
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.apiOf(props, field, d.ApiID)
	if a == nil {
		return
	}
	rt := tr.routeFromKey(at(props, "RouteKey"), field+".RouteKey", d.RouteKey, tr.where(r))
	if rt == nil {
		return
	}
	if d.Target == "" {
		tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("Resources.%s: route %s has no Target (integration); it is not served", r.ID, d.RouteKey))
		return
	}
	id, ok := strings.CutPrefix(d.Target, "integrations/")
	in := tr.integrations[id]
	if !ok || in == nil {
		tr.es.Add(at(props, "Target"), field+".Target", "%q must be integrations/{IntegrationId} of an AWS::ApiGatewayV2::Integration of this template", d.Target)
		return
	}
	rt.Integration = in
	switch strings.ToUpper(d.AuthorizationType) {
	case "", "NONE":
		rt.Authorization = model.AuthNone
	case "AWS_IAM":
		rt.Authorization = model.AuthIAM
	case "JWT", "CUSTOM":
		rt.Authorization = model.AuthorizationType(strings.ToUpper(d.AuthorizationType))
		az := tr.authorizers[d.AuthorizerID]
		if d.AuthorizerID == "" {
			tr.es.Add(props, field, "authorization type %s needs AuthorizerId", rt.Authorization)
			return
		}
		if az == nil {
			tr.es.Add(at(props, "AuthorizerId"), field+".AuthorizerId", "%q is not an AWS::ApiGatewayV2::Authorizer of this template (use !Ref of the authorizer)", d.AuthorizerID)
			return
		}
		if (az.Type == "jwt") != (rt.Authorization == model.AuthJWT) {
			tr.es.Add(at(props, "AuthorizationType"), field+".AuthorizationType", "%s does not match authorizer %s (type %s)", d.AuthorizationType, az.Name, strings.ToUpper(az.Type))
			return
		}
		rt.Authorizer, rt.AuthorizationScopes = az.Name, d.AuthorizationScopes
	default:
		tr.es.Add(at(props, "AuthorizationType"), field+".AuthorizationType", "unknown authorization type %q (allowed: NONE, AWS_IAM, JWT, CUSTOM)", d.AuthorizationType)
		return
	}
	if d.APIKeyRequired {
		tr.es.Add(at(props, "ApiKeyRequired"), field+".ApiKeyRequired", "HTTP APIs have no API keys")
		return
	}
	for _, existing := range a.api.Routes {
		if existing.Key == rt.Key {
			tr.es.Add(at(props, "RouteKey"), field+".RouteKey", "the API already has a route %s (%s)", rt.Key, existing.Where)
			return
		}
	}
	a.api.Routes = append(a.api.Routes, rt)
}

type stageProps struct {
	ApiID                string            `yaml:"ApiId,required"`
	StageName            string            `yaml:"StageName,required"`
	AutoDeploy           bool              `yaml:"AutoDeploy"`
	StageVariables       map[string]string `yaml:"StageVariables"`
	AccessLogSettings    *yaml.Node        `yaml:"AccessLogSettings"`
	AccessPolicyID       string            `yaml:"AccessPolicyId"`
	ClientCertificateID  string            `yaml:"ClientCertificateId"`
	DefaultRouteSettings *yaml.Node        `yaml:"DefaultRouteSettings"`
	DeploymentID         string            `yaml:"DeploymentId"`
	Description          string            `yaml:"Description"`
	RouteSettings        *yaml.Node        `yaml:"RouteSettings"`
	Tags                 *yaml.Node        `yaml:"Tags"`
}

func (tr *translator) stage(r *Resource, props *yaml.Node, field string) {
	var d stageProps
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.apiOf(props, field, d.ApiID)
	if a == nil {
		return
	}
	st := &model.Stage{Name: d.StageName, Variables: d.StageVariables}
	if d.AccessLogSettings != nil {
		var al accessLogSettings
		yamlx.Decode(tr.es, d.AccessLogSettings, field+".AccessLogSettings", &al)
		// The log group is CloudWatch's; locally the lines go to stdout.
		st.AccessLog = model.AccessLog{Format: al.Format}
	}
	for _, s := range a.api.Stages {
		if s.Name == st.Name {
			tr.es.Add(at(props, "StageName"), field+".StageName", "the API already has a stage %q", st.Name)
			return
		}
	}
	a.api.Stages = append(a.api.Stages, st)
	a.hasStage = true
}

// accessLogSettings is a stage's access log setting, the same document
// for HTTP API stages (AccessLogSettings) and REST ones
// (AccessLogSetting).
type accessLogSettings struct {
	DestinationArn string `yaml:"DestinationArn"`
	Format         string `yaml:"Format"`
}

// lambdaFunction is the function a Lambda ARN or invocation URI property
// names; a malformed one is reported at the property.
func (tr *translator) lambdaFunction(props *yaml.Node, field, key, uri string) (string, bool) {
	fn, err := openapi.LambdaFunction(uri)
	if err != nil {
		tr.es.Add(at(props, key), field+"."+key, "%v", err)
		return "", false
	}
	return fn, true
}

// decode decodes a resource's properties into d, and reports whether
// that added no error.
func (tr *translator) decode(props *yaml.Node, field string, d any) bool {
	before := tr.es.Len()
	yamlx.Decode(tr.es, props, field, d)
	return tr.es.Len() == before
}
