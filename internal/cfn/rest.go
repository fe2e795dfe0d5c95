package cfn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// restAPI is an AWS::ApiGateway::RestApi being translated, with what
// hangs off it by physical id.
type restAPI struct {
	api     *model.API
	logical string
	rootID  string // RootResourceId
	// validators are the AWS::ApiGateway::RequestValidator of the API by
	// physical id.
	validators map[string]model.RequestValidation
	// methods are the logical ids of the API's AWS::ApiGateway::Method
	// resources, for the deployment check.
	methods []string
}

// restResource is an AWS::ApiGateway::Resource: a path part under a
// parent resource.
type restResource struct {
	r        *Resource
	api      string // RestApiId
	parent   string // ParentId
	pathPart string
	node     *yaml.Node // PathPart, for messages
	path     string     // resolved; "" until then
	state    int        // 1 while resolving (cycle check)
}

type restAPIProps struct {
	Name                      string     `yaml:"Name"`
	Body                      *yaml.Node `yaml:"Body"`
	BodyS3Location            *yaml.Node `yaml:"BodyS3Location"`
	BinaryMediaTypes          *yaml.Node `yaml:"BinaryMediaTypes"`
	Policy                    *yaml.Node `yaml:"Policy"`
	Mode                      string     `yaml:"Mode"`
	CloneFrom                 string     `yaml:"CloneFrom"`
	Description               string     `yaml:"Description"`
	APIKeySourceType          string     `yaml:"ApiKeySourceType"`
	DisableExecuteAPIEndpoint bool       `yaml:"DisableExecuteApiEndpoint"`
	EndpointConfiguration     *yaml.Node `yaml:"EndpointConfiguration"`
	FailOnWarnings            bool       `yaml:"FailOnWarnings"`
	MinimumCompressionSize    *int       `yaml:"MinimumCompressionSize"`
	Parameters                *yaml.Node `yaml:"Parameters"`
	Tags                      *yaml.Node `yaml:"Tags"`
}

// restAPIOf finds the REST API a RestApiId names.
func (tr *translator) restAPIOf(props *yaml.Node, field, id string) *restAPI {
	a := tr.rests[id]
	if a == nil {
		tr.es.Add(at(props, "RestApiId"), field+".RestApiId", "%q is not an AWS::ApiGateway::RestApi of this template (use !Ref of the API)", id)
	}
	return a
}

// rootResourceID is the RootResourceId attribute of a RestApi.
func (s *Stack) rootResourceID(r *Resource) string {
	return shortID(s.Name+"/"+r.ID+"/root", 10)
}

func (tr *translator) restAPI(r *Resource, props *yaml.Node, field string) {
	var d restAPIProps
	if !tr.decode(props, field, &d) {
		return
	}
	id, _ := tr.s.physicalID(r, r.Node, field)
	api := &model.API{Name: d.Name, ID: id, Protocol: model.REST, Source: tr.s.T.File}
	if d.CloneFrom != "" {
		tr.es.Add(at(props, "CloneFrom"), field+".CloneFrom", "cloning an existing API is not supported (there is no account to clone from); give Body or the API's resources")
		return
	}
	switch d.Mode {
	case "", "overwrite", "merge":
	default:
		tr.es.Add(at(props, "Mode"), field+".Mode", "must be overwrite or merge, not %q", d.Mode)
	}
	if d.Body != nil || d.BodyS3Location != nil {
		def, title := tr.apiDefinition(d.Body, d.BodyS3Location, field, model.REST)
		if def == nil {
			return
		}
		api.Routes, api.Authorizers, api.GatewayResponses = def.Routes, def.Authorizers, def.GatewayResponses
		api.BinaryMediaTypes, api.Models, api.ResourcePolicy = def.BinaryMediaTypes, def.Models, def.ResourcePolicy
		if title != nil && d.Name == "" {
			api.Name = title.Value // as an import names the API
		}
	} else if d.Name == "" {
		tr.es.Add(props, field, "missing required key \"Name\" (a REST API without Body needs a name)")
		return
	}
	if api.Name == "" {
		api.Name = r.ID
	}
	if d.BinaryMediaTypes != nil {
		// With Body, the default mode merges the API's container
		// properties with the definition's (RestApi, Mode).
		api.BinaryMediaTypes = mergeStrings(api.BinaryMediaTypes, tr.binaryMediaTypes(d.BinaryMediaTypes, field+".BinaryMediaTypes"))
	}
	if d.Policy != nil && api.ResourcePolicy == nil {
		// A policy in the Body takes precedence ("the new API definition
		// takes precedence", RestApi Mode).
		b, err := policyJSON(d.Policy)
		if err != nil {
			tr.es.Add(d.Policy, field+".Policy", "%v", err)
			return
		}
		api.ResourcePolicy = b
	}
	if d.DisableExecuteAPIEndpoint {
		tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("Resources.%s: DisableExecuteApiEndpoint is true: AWS answers 403 on the execute-api endpoint (a custom domain serves it); gatehouse serves it on its listener", r.ID))
	}
	tr.rests[id] = &restAPI{api: api, logical: r.ID, rootID: tr.s.rootResourceID(r), validators: map[string]model.RequestValidation{}}
	tr.res.APIs = append(tr.res.APIs, api)
}

// binaryMediaTypes reads BinaryMediaTypes (image~1png is image/png, as
// CloudFormation escapes a slash).
func (tr *translator) binaryMediaTypes(n *yaml.Node, field string) []string {
	var list []string
	yamlx.Decode(tr.es, n, field, &list)
	var out []string
	for i, mt := range list {
		mt = strings.ReplaceAll(mt, "~1", "/")
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || typ == "" || sub == "" || strings.ContainsAny(mt, " ;,") {
			tr.es.Add(n.Content[i], fmt.Sprintf("%s[%d]", field, i), "%q is not a media type (type/subtype, * as a wildcard: image/png, image/*, */*)", list[i])
			continue
		}
		out = append(out, mt)
	}
	return out
}

func mergeStrings(a, b []string) []string {
	for _, s := range b {
		if !contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

// policyJSON converts a policy document (a mapping, or JSON text) to JSON.
func policyJSON(n *yaml.Node) ([]byte, error) {
	if n.Kind == yaml.ScalarNode {
		if !json.Valid([]byte(n.Value)) {
			return nil, fmt.Errorf("the policy is not a JSON document")
		}
		return []byte(n.Value), nil
	}
	return nodeToJSON(n)
}

// nodeToJSON converts an evaluated value to JSON, keeping the order of
// keys and numbers as written.
func nodeToJSON(n *yaml.Node) ([]byte, error) {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		if depth > MaxDepth {
			return fmt.Errorf("value nests deeper than %d levels", MaxDepth)
		}
		switch n.Kind {
		case yaml.AliasNode:
			return walk(n.Alias, depth+1)
		case yaml.MappingNode:
			b.WriteByte('{')
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteByte(':')
				if err := walk(n.Content[i+1], depth+1); err != nil {
					return err
				}
			}
			b.WriteByte('}')
		case yaml.SequenceNode:
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		default:
			switch n.Tag {
			case "!!int", "!!float", "!!bool":
				if json.Valid([]byte(n.Value)) {
					b.WriteString(n.Value)
					return nil
				}
			case "!!null":
				b.WriteString("null")
				return nil
			}
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		}
		return nil
	}
	if err := walk(n, 0); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

type restResourceProps struct {
	RestAPIID string `yaml:"RestApiId,required"`
	ParentID  string `yaml:"ParentId,required"`
	PathPart  string `yaml:"PathPart,required"`
}

func (tr *translator) restResource(r *Resource, props *yaml.Node, field string) {
	var d restResourceProps
	if !tr.decode(props, field, &d) {
		return
	}
	if tr.restAPIOf(props, field, d.RestAPIID) == nil {
		return
	}
	if d.PathPart == "" || strings.Contains(d.PathPart, "/") {
		tr.es.Add(at(props, "PathPart"), field+".PathPart", "%q must be one path segment, without '/'", d.PathPart)
		return
	}
	id, _ := tr.s.physicalID(r, r.Node, field)
	tr.restResources[id] = &restResource{r: r, api: d.RestAPIID, parent: d.ParentID, pathPart: d.PathPart, node: at(props, "PathPart")}
}

// resourcePath is the path of a resource id of the API: "/" for its root
// resource, else its parent's path and its path part. It reports
// unknown parents, other APIs' resources and cycles once.
func (tr *translator) resourcePath(a *restAPI, id string, n *yaml.Node, field string) (string, bool) {
	if id == a.rootID {
		return "/", true
	}
	rr := tr.restResources[id]
	if rr == nil {
		tr.es.Add(n, field, "%q is not an AWS::ApiGateway::Resource of this template nor the API's RootResourceId (use !Ref of the resource or !GetAtt %s.RootResourceId)", id, a.logical)
		return "", false
	}
	if rr.api != a.api.ID {
		tr.es.Add(n, field, "resource %s belongs to another REST API", rr.r.ID)
		return "", false
	}
	if rr.path != "" {
		return rr.path, true
	}
	if rr.state == 1 {
		tr.es.Add(rr.node, "Resources."+rr.r.ID+".Properties.ParentId", "resource %s is its own ancestor", rr.r.ID)
		return "", false
	}
	rr.state = 1
	defer func() { rr.state = 0 }()
	parent, ok := tr.resourcePath(a, rr.parent, at(rr.r.Properties, "ParentId"), "Resources."+rr.r.ID+".Properties.ParentId")
	if !ok {
		return "", false
	}
	p := strings.TrimSuffix(parent, "/") + "/" + rr.pathPart
	if err := openapi.CheckPathTemplate(p); err != nil {
		tr.es.Add(rr.node, "Resources."+rr.r.ID+".Properties.PathPart", "%v", err)
		return "", false
	}
	rr.path = p
	return p, true
}

// checkSiblings reports two variable path parts under one parent, which
// API Gateway refuses ("A sibling ({id}) of this resource already has a
// variable path part -- only one is allowed").
func (tr *translator) checkSiblings() {
	ids := make([]string, 0, len(tr.restResources))
	for id := range tr.restResources {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return tr.restResources[ids[i]].r.Node.Line < tr.restResources[ids[j]].r.Node.Line
	})
	seen := map[string]*restResource{}
	for _, id := range ids {
		rr := tr.restResources[id]
		if !strings.HasPrefix(rr.pathPart, "{") {
			continue
		}
		key := rr.api + "/" + rr.parent
		if other := seen[key]; other != nil && other.pathPart != rr.pathPart {
			tr.es.Add(rr.node, "Resources."+rr.r.ID+".Properties.PathPart", "A sibling (%s, resource %s) of this resource already has a variable path part -- only one is allowed", other.pathPart, other.r.ID)
			continue
		}
		seen[key] = rr
	}
}

type restAuthorizerProps struct {
	RestAPIID                    string   `yaml:"RestApiId,required"`
	Name                         string   `yaml:"Name,required"`
	Type                         string   `yaml:"Type,required"`
	AuthType                     string   `yaml:"AuthType"`
	AuthorizerCredentials        string   `yaml:"AuthorizerCredentials"`
	AuthorizerResultTTLInSeconds *int     `yaml:"AuthorizerResultTtlInSeconds"`
	AuthorizerURI                string   `yaml:"AuthorizerUri"`
	IdentitySource               string   `yaml:"IdentitySource"`
	IdentityValidationExpression string   `yaml:"IdentityValidationExpression"`
	ProviderARNs                 []string `yaml:"ProviderARNs"`
}

func (tr *translator) restAuthorizer(r *Resource, props *yaml.Node, field string) {
	var d restAuthorizerProps
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	az := &model.Authorizer{Name: d.Name, IdentitySource: strings.TrimSpace(d.IdentitySource), IdentityValidationExpression: d.IdentityValidationExpression,
		ResultTTL: 300, Where: tr.where(r)}
	if d.AuthorizerResultTTLInSeconds != nil {
		az.ResultTTL = *d.AuthorizerResultTTLInSeconds
		if az.ResultTTL < 0 || az.ResultTTL > 3600 {
			tr.es.Add(at(props, "AuthorizerResultTtlInSeconds"), field+".AuthorizerResultTtlInSeconds", "must be between 0 and 3600, not %d", az.ResultTTL)
		}
	}
	if d.IdentityValidationExpression != "" {
		if _, err := regexp.Compile(d.IdentityValidationExpression); err != nil {
			tr.es.Add(at(props, "IdentityValidationExpression"), field+".IdentityValidationExpression", "%q is not a regular expression gatehouse can run (Go RE2 syntax): %v", d.IdentityValidationExpression, err)
		}
	}
	switch d.Type {
	case "TOKEN", "REQUEST":
		fn, ok := tr.lambdaFunction(props, field, "AuthorizerUri", d.AuthorizerURI)
		if !ok {
			return
		}
		az.Type, az.Function = strings.ToLower(d.Type), fn
		if d.Type == "TOKEN" {
			if _, ok := strings.CutPrefix(az.IdentitySource, "method.request.header."); !ok {
				tr.es.Add(at(props, "IdentitySource"), field+".IdentitySource", "a TOKEN authorizer reads one header: method.request.header.NAME, not %q", az.IdentitySource)
				return
			}
		} else if az.IdentitySource == "" && az.ResultTTL > 0 {
			tr.es.Add(props, field, "a REQUEST authorizer with caching (AuthorizerResultTtlInSeconds > 0) needs IdentitySource")
			return
		}
	case "COGNITO_USER_POOLS":
		az.Type, az.ProviderARNs = model.AuthorizerCognito, d.ProviderARNs
		if len(d.ProviderARNs) == 0 {
			tr.es.Add(props, field, "a COGNITO_USER_POOLS authorizer needs ProviderARNs (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId})")
			return
		}
		for i, arn := range d.ProviderARNs {
			if _, _, err := model.ParseUserPoolARN(arn); err != nil {
				tr.es.Add(at(props, "ProviderARNs"), fmt.Sprintf("%s.ProviderARNs[%d]", field, i), "%v", err)
				return
			}
		}
		if h, ok := strings.CutPrefix(az.IdentitySource, "method.request.header."); !ok || h == "" || strings.ContainsAny(h, ", ") {
			tr.es.Add(at(props, "IdentitySource"), field+".IdentitySource", "a COGNITO_USER_POOLS authorizer reads one header: method.request.header.NAME, not %q", az.IdentitySource)
			return
		}
		if d.AuthorizerURI != "" {
			tr.es.Add(at(props, "AuthorizerUri"), field+".AuthorizerUri", "a COGNITO_USER_POOLS authorizer calls no function; remove AuthorizerUri")
			return
		}
	default:
		tr.es.Add(at(props, "Type"), field+".Type", "unknown authorizer type %q (allowed: TOKEN, REQUEST, COGNITO_USER_POOLS)", d.Type)
		return
	}
	tr.addAuthorizer(a.api, az, r, props, field)
}

func (tr *translator) requestValidator(r *Resource, props *yaml.Node, field string) {
	var d struct {
		RestAPIID                 string `yaml:"RestApiId,required"`
		Name                      string `yaml:"Name"`
		ValidateRequestBody       bool   `yaml:"ValidateRequestBody"`
		ValidateRequestParameters bool   `yaml:"ValidateRequestParameters"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	if d.Name == "" {
		d.Name = r.ID
	}
	id, _ := tr.s.physicalID(r, r.Node, field)
	a.validators[id] = model.RequestValidation{Validator: d.Name, ValidateBody: d.ValidateRequestBody, ValidateParameters: d.ValidateRequestParameters}
}

// builtinModels are the models every REST API has.
var builtinModels = map[string]string{
	"Empty": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Empty Schema","type":"object"}`,
	"Error": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Error Schema","type":"object","properties":{"message":{"type":"string"}}}`,
}

var modelNameRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func (tr *translator) restModel(r *Resource, props *yaml.Node, field string) {
	var d struct {
		RestAPIID   string     `yaml:"RestApiId,required"`
		Name        string     `yaml:"Name"`
		ContentType string     `yaml:"ContentType"`
		Description string     `yaml:"Description"`
		Schema      *yaml.Node `yaml:"Schema"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	name, _ := tr.s.physicalID(r, r.Node, field)
	if !modelNameRE.MatchString(name) {
		tr.es.Add(at(props, "Name"), field+".Name", "model names are alphanumeric, not %q", name)
		return
	}
	schema := []byte(`{}`)
	if d.Schema != nil {
		var err error
		if d.Schema.Kind == yaml.ScalarNode {
			if !json.Valid([]byte(d.Schema.Value)) {
				err = fmt.Errorf("the schema is not a JSON document")
			}
			schema = []byte(d.Schema.Value)
		} else {
			schema, err = nodeToJSON(d.Schema)
		}
		if err != nil {
			tr.es.Add(d.Schema, field+".Schema", "%v", err)
			return
		}
	}
	if a.api.Models == nil {
		a.api.Models = map[string]*model.Model{}
	}
	if a.api.Models[name] != nil {
		tr.es.Add(at(props, "Name"), field+".Name", "the API already has a model named %q", name)
		return
	}
	a.api.Models[name] = &model.Model{Name: name, Schema: schema, Where: tr.where(r)}
}

// gatewayResponseTypes are API Gateway's gateway response types.
var gatewayResponseTypes = []string{"ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR",
	"AUTHORIZER_FAILURE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
	"INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE", "MISSING_AUTHENTICATION_TOKEN",
	"QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED"}

func (tr *translator) gatewayResponse(r *Resource, props *yaml.Node, field string) {
	var d struct {
		RestAPIID          string            `yaml:"RestApiId,required"`
		ResponseType       string            `yaml:"ResponseType,required"`
		StatusCode         string            `yaml:"StatusCode"`
		ResponseParameters map[string]string `yaml:"ResponseParameters"`
		ResponseTemplates  *yaml.Node        `yaml:"ResponseTemplates"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	before := tr.es.Len()
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	if !contains(gatewayResponseTypes, d.ResponseType) {
		tr.es.Add(at(props, "ResponseType"), field+".ResponseType", "unknown gateway response type %q (allowed: %s)", d.ResponseType, strings.Join(gatewayResponseTypes, ", "))
		return
	}
	for name := range d.ResponseParameters {
		if !strings.HasPrefix(name, "gatewayresponse.header.") {
			tr.es.Add(at(props, "ResponseParameters"), field+".ResponseParameters", "target %q must be gatewayresponse.header.NAME", name)
		}
	}
	if d.StatusCode != "" {
		if c, err := strconv.Atoi(d.StatusCode); err != nil || c < 100 || c > 599 {
			tr.es.Add(at(props, "StatusCode"), field+".StatusCode", "%q is not an HTTP status code", d.StatusCode)
		}
	}
	templates := tr.templates(d.ResponseTemplates, field+".ResponseTemplates")
	if tr.es.Len() > before {
		return
	}
	if a.api.GatewayResponses == nil {
		a.api.GatewayResponses = map[string]*model.GatewayResponse{}
	}
	if a.api.GatewayResponses[d.ResponseType] != nil {
		tr.es.Add(at(props, "ResponseType"), field+".ResponseType", "the API already has a %s gateway response", d.ResponseType)
		return
	}
	a.api.GatewayResponses[d.ResponseType] = &model.GatewayResponse{StatusCode: d.StatusCode, Parameters: d.ResponseParameters, Templates: templates, Where: tr.where(r)}
}

// templates reads a content type → template mapping; keys are lower
// case, as requests' media types are compared.
func (tr *translator) templates(n *yaml.Node, field string) map[string]model.Template {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		tr.es.Add(n, field, "must be a mapping from content type to template")
		return nil
	}
	out := map[string]model.Template{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			tr.es.Add(v, field+"."+k.Value, "a template must be a string")
			continue
		}
		src := v.Value
		if v.Tag == "!!null" {
			src = ""
		}
		out[strings.ToLower(k.Value)] = model.Template{Source: src, Where: fmt.Sprintf("%s:%d:%d", tr.s.T.File, v.Line, v.Column)}
	}
	return out
}

type methodProps struct {
	RestAPIID           string            `yaml:"RestApiId,required"`
	ResourceID          string            `yaml:"ResourceId,required"`
	HTTPMethod          string            `yaml:"HttpMethod,required"`
	AuthorizationType   string            `yaml:"AuthorizationType"`
	AuthorizerID        string            `yaml:"AuthorizerId"`
	AuthorizationScopes []string          `yaml:"AuthorizationScopes"`
	APIKeyRequired      bool              `yaml:"ApiKeyRequired"`
	Integration         *yaml.Node        `yaml:"Integration"`
	MethodResponses     []methodResponse  `yaml:"MethodResponses"`
	OperationName       string            `yaml:"OperationName"`
	RequestModels       map[string]string `yaml:"RequestModels"`
	RequestParameters   *yaml.Node        `yaml:"RequestParameters"`
	RequestValidatorID  string            `yaml:"RequestValidatorId"`
}

type methodResponse struct {
	StatusCode         string          `yaml:"StatusCode,required"`
	ResponseModels     *yaml.Node      `yaml:"ResponseModels"`
	ResponseParameters map[string]bool `yaml:"ResponseParameters"`
}

func (tr *translator) method(r *Resource, props *yaml.Node, field string) {
	var d methodProps
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	a.methods = append(a.methods, r.ID)
	path, ok := tr.resourcePath(a, d.ResourceID, at(props, "ResourceId"), field+".ResourceId")
	if !ok {
		return
	}
	method := strings.ToUpper(d.HTTPMethod)
	if !openapiMethod(method) {
		tr.es.Add(at(props, "HttpMethod"), field+".HttpMethod", "unknown HTTP method %q (GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH or ANY)", d.HTTPMethod)
		return
	}
	rt := &model.Route{Method: method, Path: path, Key: method + " " + path, Where: tr.where(r)}
	if !tr.methodAuth(a, rt, &d, props, field) {
		return
	}
	if d.APIKeyRequired {
		tr.es.Add(at(props, "ApiKeyRequired"), field+".ApiKeyRequired", "API keys and usage plans are not served; serving the method without its key check would drop its protection")
		return
	}
	if d.Integration == nil {
		tr.es.Add(props, field, "no Integration: API Gateway refuses to deploy a method without one (No integration defined for method)")
		return
	}
	rt.Integration = tr.methodIntegration(d.Integration, field+".Integration")
	if rt.Integration == nil {
		return
	}
	tr.checkMethodResponses(r, rt, d.MethodResponses, d.Integration, field+".Integration")
	rt.Validation = tr.methodValidation(a, &d, props, field, rt.Key)
	for _, existing := range a.api.Routes {
		if existing.Key == rt.Key {
			tr.es.Add(at(props, "HttpMethod"), field+".HttpMethod", "the API already has a method %s (%s): Method already exists for this resource", rt.Key, existing.Where)
			return
		}
	}
	a.api.Routes = append(a.api.Routes, rt)
}

// methodAuth sets the route's authorization from AuthorizationType,
// AuthorizerId and AuthorizationScopes.
func (tr *translator) methodAuth(a *restAPI, rt *model.Route, d *methodProps, props *yaml.Node, field string) bool {
	typ := strings.ToUpper(d.AuthorizationType)
	if typ == "" {
		typ = "NONE"
	}
	if d.AuthorizerID != "" && typ != "CUSTOM" && typ != "COGNITO_USER_POOLS" {
		tr.es.Add(at(props, "AuthorizationType"), field+".AuthorizationType", "with AuthorizerId, AuthorizationType must be CUSTOM or COGNITO_USER_POOLS, not %s", typ)
		return false
	}
	if len(d.AuthorizationScopes) > 0 && typ != "COGNITO_USER_POOLS" {
		tr.es.Add(at(props, "AuthorizationScopes"), field+".AuthorizationScopes", "authorization scopes apply to COGNITO_USER_POOLS methods only")
		return false
	}
	switch typ {
	case "NONE":
		rt.Authorization = model.AuthNone
	case "AWS_IAM":
		rt.Authorization = model.AuthIAM
	case "CUSTOM", "COGNITO_USER_POOLS":
		if d.AuthorizerID == "" {
			tr.es.Add(props, field, "authorization type %s needs AuthorizerId", typ)
			return false
		}
		az := tr.authorizers[d.AuthorizerID]
		if az == nil || a.api.Authorizers[az.Name] != az {
			tr.es.Add(at(props, "AuthorizerId"), field+".AuthorizerId", "%q is not an AWS::ApiGateway::Authorizer of this API (use !Ref of the authorizer)", d.AuthorizerID)
			return false
		}
		if (az.Type == model.AuthorizerCognito) != (typ == "COGNITO_USER_POOLS") {
			tr.es.Add(at(props, "AuthorizationType"), field+".AuthorizationType", "%s does not match authorizer %s (type %s)", typ, az.Name, strings.ToUpper(az.Type))
			return false
		}
		rt.Authorization, rt.Authorizer, rt.AuthorizationScopes = model.AuthorizationType(typ), az.Name, d.AuthorizationScopes
		if typ == "CUSTOM" {
			rt.Authorization = model.AuthCustom
		}
	default:
		tr.es.Add(at(props, "AuthorizationType"), field+".AuthorizationType", "unknown authorization type %q (allowed: NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS)", d.AuthorizationType)
		return false
	}
	return true
}

// integrationKeys maps the properties of a Method's Integration to the
// keys of x-amazon-apigateway-integration, which openapi decodes.
var integrationKeys = map[string]string{
	"Type": "type", "Uri": "uri", "IntegrationHttpMethod": "httpMethod", "RequestTemplates": "requestTemplates",
	"RequestParameters": "requestParameters", "PassthroughBehavior": "passthroughBehavior", "ContentHandling": "contentHandling",
	"TimeoutInMillis": "timeoutInMillis", "ConnectionType": "connectionType", "ConnectionId": "connectionId",
	"Credentials": "credentials", "CacheKeyParameters": "cacheKeyParameters", "CacheNamespace": "cacheNamespace",
}

// integrationResponseKeys maps IntegrationResponses' properties likewise.
var integrationResponseKeys = map[string]string{
	"StatusCode": "statusCode", "ResponseParameters": "responseParameters", "ResponseTemplates": "responseTemplates",
	"ContentHandling": "contentHandling",
}

// methodIntegration decodes a Method's Integration with the code that
// reads x-amazon-apigateway-integration: the properties are renamed
// (IntegrationResponses, a list, becomes responses keyed by selection
// pattern), and the field paths of errors are named back.
func (tr *translator) methodIntegration(n *yaml.Node, field string) *model.Integration {
	if n.Kind != yaml.MappingNode {
		tr.es.Add(n, field, "must be a mapping")
		return nil
	}
	before := tr.es.Len()
	doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	// patterns are the keys of responses: IntegrationResponses' indexes
	// by selection pattern, to name errors back.
	patterns := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "IntegrationResponses":
			doc.Content = append(doc.Content, str(k, "responses"), tr.integrationResponses(v, field+".IntegrationResponses", patterns))
		case "IntegrationTarget":
			tr.es.Add(v, field+".IntegrationTarget", "private integrations (VPC links to load balancers) are not served")
		case "ResponseTransferMode":
			if v.Value != "BUFFERED" {
				tr.es.Add(v, field+".ResponseTransferMode", "response streaming is not served (allowed: BUFFERED)")
			}
		default:
			key, ok := integrationKeys[k.Value]
			if !ok {
				names := make([]string, 0, len(integrationKeys)+3)
				for name := range integrationKeys {
					names = append(names, name)
				}
				names = append(names, "IntegrationResponses", "IntegrationTarget", "ResponseTransferMode")
				sort.Strings(names)
				tr.es.Add(k, field, "unknown key %q (allowed: %s)", k.Value, strings.Join(names, ", "))
				continue
			}
			doc.Content = append(doc.Content, str(k, key), v)
		}
	}
	if tr.es.Len() > before {
		return nil
	}
	if yamlx.Lookup(n, "Type") == nil {
		tr.es.Add(n, field, "missing required key \"Type\"")
		return nil
	}
	es := &yamlx.Errors{File: tr.s.T.File}
	in := openapi.DecodeIntegration(es, doc, field, model.REST)
	if in != nil && yamlx.Lookup(n, "Credentials") != nil {
		tr.withRole[in] = true // invoked with the role, not a Lambda permission
	}
	if err := es.Err(); err != nil {
		for _, e := range unwrapAll(err) {
			if ye, ok := e.(*yamlx.Error); ok {
				if rest, ok := strings.CutPrefix(ye.Field, field+"."); ok {
					ye.Field = field + "." + propertyPath(rest, patterns)
				}
			}
			tr.es.Append(e)
		}
		return nil
	}
	return in
}

// propertyPath names an x-amazon-apigateway-integration field path (uri,
// responses.PATTERN.responseTemplates) as the Integration property path
// (Uri, IntegrationResponses[1].ResponseTemplates).
func propertyPath(path string, patterns map[string]int) string {
	var prefix string
	if rest, ok := strings.CutPrefix(path, "responses."); ok {
		best := -1
		for p, i := range patterns {
			if (rest == p || strings.HasPrefix(rest, p+".")) && len(p) > best {
				best, prefix, path = len(p), fmt.Sprintf("IntegrationResponses[%d]", i), strings.TrimPrefix(rest[len(p):], ".")
			}
		}
		if best < 0 {
			return "IntegrationResponses"
		}
		if path == "" {
			return prefix
		}
		prefix += "."
	}
	names := map[string]string{}
	for k, v := range integrationKeys {
		names[v] = k
	}
	for k, v := range integrationResponseKeys {
		names[v] = k
	}
	parts := strings.SplitN(path, ".", 2)
	if name, ok := names[parts[0]]; ok {
		parts[0] = name
	}
	return prefix + strings.Join(parts, ".")
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// integrationResponses turns the IntegrationResponses list into the
// responses mapping of x-amazon-apigateway-integration.
func (tr *translator) integrationResponses(n *yaml.Node, field string, patterns map[string]int) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	if n.Kind != yaml.SequenceNode {
		tr.es.Add(n, field, "must be a list of integration responses")
		return out
	}
	statuses := map[string]int{}
	defaults := -1
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		var d struct {
			StatusCode         string     `yaml:"StatusCode,required"`
			SelectionPattern   string     `yaml:"SelectionPattern"`
			ResponseParameters *yaml.Node `yaml:"ResponseParameters"`
			ResponseTemplates  *yaml.Node `yaml:"ResponseTemplates"`
			ContentHandling    *yaml.Node `yaml:"ContentHandling"`
		}
		before := tr.es.Len()
		yamlx.Decode(tr.es, item, f, &d)
		if tr.es.Len() > before {
			continue
		}
		if j, dup := statuses[d.StatusCode]; dup {
			tr.es.Add(item, f+".StatusCode", "IntegrationResponses[%d] already maps status %s (integration responses are keyed by status code)", j, d.StatusCode)
			continue
		}
		statuses[d.StatusCode] = i
		pattern := d.SelectionPattern
		if pattern == "" {
			if defaults >= 0 {
				tr.es.Add(item, f, "IntegrationResponses[%d] is already the default response (no SelectionPattern)", defaults)
				continue
			}
			defaults, pattern = i, "default"
		}
		key := str(item, pattern)
		resp := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: item.Line, Column: item.Column}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			if name, ok := integrationResponseKeys[k.Value]; ok {
				resp.Content = append(resp.Content, str(k, name), v)
			}
		}
		patterns[pattern] = i
		out.Content = append(out.Content, key, resp)
	}
	return out
}

// checkMethodResponses applies API Gateway's deployment rules to the
// integration responses of a non-proxy integration: a response
// parameter needs its header declared by the method response of the same
// status; a status without a method response deploys but fails the call.
func (tr *translator) checkMethodResponses(r *Resource, rt *model.Route, mrs []methodResponse, integration *yaml.Node, field string) {
	in := rt.Integration
	if in.Type == model.AWSProxy || in.Type == model.HTTPProxy {
		return
	}
	byStatus := map[string]methodResponse{}
	for _, mr := range mrs {
		byStatus[mr.StatusCode] = mr
	}
	for _, ir := range in.Responses {
		mr, ok := byStatus[ir.StatusCode]
		if !ok {
			tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("%s: method %s: integration response %s has no method response with that status code; on AWS a call that selects it fails with 500 (Output mapping refers to an invalid method response: %s)",
				tr.where(r), rt.Key, ir.StatusCode, ir.StatusCode))
			continue
		}
		names := make([]string, 0, len(ir.Parameters))
		for p := range ir.Parameters {
			names = append(names, p)
		}
		sort.Strings(names)
		n, f := integration, field
		if list := yamlx.Lookup(integration, "IntegrationResponses"); list != nil {
			for i, item := range list.Content {
				if st := yamlx.Lookup(item, "StatusCode"); st != nil && st.Value == ir.StatusCode {
					n, f = at(item, "ResponseParameters"), fmt.Sprintf("%s.IntegrationResponses[%d].ResponseParameters", field, i)
				}
			}
		}
		for _, p := range names {
			if _, declared := mr.ResponseParameters[p]; !declared {
				tr.es.Add(n, f,
					"Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: %s] (the method response %s does not declare it in ResponseParameters)", p, ir.StatusCode)
			}
		}
	}
}

// methodValidation is the method's request validation: its validator
// with the method's request parameters and models.
func (tr *translator) methodValidation(a *restAPI, d *methodProps, props *yaml.Node, field, label string) *model.RequestValidation {
	var params []model.RequestParameter
	if n := d.RequestParameters; n != nil {
		if n.Kind != yaml.MappingNode {
			tr.es.Add(n, field+".RequestParameters", "must be a mapping from method.request.{path,querystring,header}.NAME to true (required) or false")
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f := field + ".RequestParameters." + k.Value
			rest, ok := strings.CutPrefix(k.Value, "method.request.")
			loc, name, ok2 := strings.Cut(rest, ".")
			var in model.ParameterLocation
			switch loc {
			case "path":
				in = model.InPath
			case "querystring", "multivaluequerystring":
				in = model.InQuery
			case "header", "multivalueheader":
				in = model.InHeader
			default:
				ok = false
			}
			if !ok || !ok2 || name == "" {
				tr.es.Add(k, f, "%q must be method.request.{path,querystring,header}.NAME", k.Value)
				continue
			}
			required, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				tr.es.Add(v, f, "must be true (required) or false, not %q", v.Value)
				continue
			}
			params = append(params, model.RequestParameter{In: in, Name: name, Required: required})
		}
	}
	for ct, m := range d.RequestModels {
		if a.api.Models[m] == nil {
			if src, ok := builtinModels[m]; ok {
				if a.api.Models == nil {
					a.api.Models = map[string]*model.Model{}
				}
				a.api.Models[m] = &model.Model{Name: m, Schema: []byte(src), Where: "built-in model " + m}
				continue
			}
			tr.es.Add(at(props, "RequestModels"), field+".RequestModels."+ct, "no model %q in the API (AWS::ApiGateway::Model Name, or the built-in Empty and Error)", m)
		}
	}
	if d.RequestValidatorID == "" {
		return nil
	}
	v, ok := a.validators[d.RequestValidatorID]
	if !ok {
		tr.es.Add(at(props, "RequestValidatorId"), field+".RequestValidatorId", "%q is not an AWS::ApiGateway::RequestValidator of this API (use !Ref of the validator)", d.RequestValidatorID)
		return nil
	}
	if !v.ValidateBody && !v.ValidateParameters {
		return nil
	}
	v.Parameters = params
	for ct, m := range d.RequestModels {
		if v.Models == nil {
			v.Models = map[string]string{}
		}
		if ct != model.DefaultContentType {
			ct = strings.ToLower(strings.TrimSpace(ct))
		}
		v.Models[ct] = m
	}
	return &v
}

type restStageDoc struct {
	Variables        map[string]string  `yaml:"Variables"`
	AccessLogSetting *accessLogSettings `yaml:"AccessLogSetting"`
}

var stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// addRestStage adds a stage to a REST API.
func (tr *translator) addRestStage(a *restAPI, name string, d restStageDoc, n *yaml.Node, field string) {
	if !stageNameRE.MatchString(name) {
		tr.es.Add(n, field, "stage name %q: REST API stage names use letters, digits, '-' and '_'", name)
		return
	}
	for _, s := range a.api.Stages {
		if s.Name == name {
			tr.es.Add(n, field, "the API already has a stage %q (Stage already exists)", name)
			return
		}
	}
	st := &model.Stage{Name: name, Variables: d.Variables}
	if d.AccessLogSetting != nil {
		// The log group is CloudWatch's; locally the lines go to stdout.
		st.AccessLog = model.AccessLog{Format: d.AccessLogSetting.Format}
	}
	a.api.Stages = append(a.api.Stages, st)
}

func (tr *translator) restDeployment(r *Resource, props *yaml.Node, field string) {
	var d struct {
		RestAPIID                string     `yaml:"RestApiId,required"`
		StageName                string     `yaml:"StageName"`
		StageDescription         *yaml.Node `yaml:"StageDescription"`
		Description              string     `yaml:"Description"`
		DeploymentCanarySettings *yaml.Node `yaml:"DeploymentCanarySettings"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	tr.checkDeploymentOrder(r, a)
	if d.StageName == "" {
		return // a Stage names this deployment
	}
	var sd restStageDoc
	if d.StageDescription != nil {
		// StageDescription has many more settings (caching, throttling,
		// tracing); the ones gatehouse serves are read.
		sd.Variables = decodeStringMap(tr.es, yamlx.Lookup(d.StageDescription, "Variables"), field+".StageDescription.Variables")
		if al := yamlx.Lookup(d.StageDescription, "AccessLogSetting"); al != nil {
			if f := yamlx.Lookup(al, "Format"); f != nil {
				sd.AccessLogSetting = &accessLogSettings{Format: f.Value}
			}
		}
	}
	tr.addRestStage(a, d.StageName, sd, at(props, "StageName"), field+".StageName")
}

func decodeStringMap(es *yamlx.Errors, n *yaml.Node, field string) map[string]string {
	if n == nil {
		return nil
	}
	var m map[string]string
	yamlx.Decode(es, n, field, &m)
	return m
}

// checkDeploymentOrder warns when a deployment depends on none of its
// API's methods: CloudFormation may then create it first, and API
// Gateway refuses to deploy an API without methods ("The REST API
// doesn't contain any methods") or deploys it without the later ones.
func (tr *translator) checkDeploymentOrder(r *Resource, a *restAPI) {
	if len(a.methods) == 0 {
		return // a Body API, or methods not read yet: nothing to say
	}
	for _, m := range a.methods {
		if tr.dependsOn(r.ID, m, map[string]bool{}) {
			return
		}
	}
	tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("Resources.%s: the deployment does not depend on the API's methods (DependsOn); CloudFormation may create it before them, and API Gateway then fails it (The REST API doesn't contain any methods) or deploys the API without them. gatehouse serves every method", r.ID))
}

// dependsOn reports whether resource a depends on b through DependsOn,
// Ref, Fn::GetAtt or Fn::Sub.
func (tr *translator) dependsOn(a, b string, seen map[string]bool) bool {
	if seen[a] {
		return false
	}
	seen[a] = true
	r := tr.s.T.Resource(a)
	if r == nil {
		return false
	}
	deps := append([]string{}, r.DependsOn...)
	if r.Properties != nil {
		tr.s.collectRefs(&yamlx.Errors{}, r.Properties, "", &deps, 0)
	}
	for _, d := range deps {
		if d == b || tr.dependsOn(d, b, seen) {
			return true
		}
	}
	return false
}

func (tr *translator) restStage(r *Resource, props *yaml.Node, field string) {
	var d struct {
		RestAPIID            string            `yaml:"RestApiId,required"`
		StageName            string            `yaml:"StageName,required"`
		DeploymentID         string            `yaml:"DeploymentId"`
		Variables            map[string]string `yaml:"Variables"`
		AccessLogSetting     *yaml.Node        `yaml:"AccessLogSetting"`
		CacheClusterEnabled  bool              `yaml:"CacheClusterEnabled"`
		CacheClusterSize     string            `yaml:"CacheClusterSize"`
		CanarySetting        *yaml.Node        `yaml:"CanarySetting"`
		ClientCertificateID  string            `yaml:"ClientCertificateId"`
		Description          string            `yaml:"Description"`
		DocumentationVersion string            `yaml:"DocumentationVersion"`
		MethodSettings       *yaml.Node        `yaml:"MethodSettings"`
		Tags                 *yaml.Node        `yaml:"Tags"`
		TracingEnabled       bool              `yaml:"TracingEnabled"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	a := tr.restAPIOf(props, field, d.RestAPIID)
	if a == nil {
		return
	}
	sd := restStageDoc{Variables: d.Variables}
	if d.AccessLogSetting != nil {
		var al accessLogSettings
		yamlx.Decode(tr.es, d.AccessLogSetting, field+".AccessLogSetting", &al)
		sd.AccessLogSetting = &al
	}
	tr.addRestStage(a, d.StageName, sd, at(props, "StageName"), field+".StageName")
}
