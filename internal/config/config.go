// Package config loads gatehouse.yaml: the listener, region and account,
// the APIs with their stages and definitions, and custom domains. Loading
// is strict: unknown keys and bad values are errors with file, line,
// column and field path, all reported in one run.
package config

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Defaults for keys left out of gatehouse.yaml.
const (
	DefaultListen    = "127.0.0.1:8080"
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Config is a loaded and validated gatehouse.yaml.
type Config struct {
	File      string
	Listen    string
	Admin     string // "" means no admin listener
	Region    string
	AccountID string
	APIs      []*model.API
	Domains   []Domain
	// Functions are the Lambda functions integrations call.
	Functions []Function
	// IAM is the IAM store and its seed data.
	IAM IAM
	// AWSEndpoints is the listener of the AWS service APIs (STS); its
	// zero value means none (docs/sts.md).
	AWSEndpoints AWSEndpoints
	// IdentityForwarding configures the tokens of identity forwarding.
	IdentityForwarding IdentityForwarding
	// Stacks are the CloudFormation templates served (stacks: and -t).
	Stacks []Stack
	// TrustedProxies lets a request that comes from one of Networks be
	// verified against a signature made for one of Hosts (a proxy or CDN in
	// front of the gateway, seed 001). Empty means no proxy is trusted.
	TrustedProxies TrustedProxies
	// Cognito lists the user pools that Cognito authorizers verify tokens
	// against (docs/cognito-authorizers.md).
	Cognito Cognito
	// JWTCache configures the verified-token cache of JWT authorizers.
	JWTCache JWTCache
}

// Function is a Lambda function: local (Runtime, Handler, Code) or
// remote (Endpoint).
type Function struct {
	Name        string
	Runtime     string
	Handler     string
	Code        string // absolute path
	Environment map[string]string
	Timeout     int // seconds; 0 means Lambda's default (3)
	MemorySize  int // MB; 0 means 128
	Concurrency int // warm processes; 0 means the number of CPUs
	// Endpoint is a Lambda Invoke API (the Runtime Interface Emulator,
	// LocalStack, AWS); FunctionName is the function's name there ("" means
	// Name) and Region its region ("" means the gateway's).
	Endpoint     string
	FunctionName string
	Region       string
	Where        string // file:line for messages
}

// IAM configures the IAM store that AWS_IAM methods check callers against.
type IAM struct {
	// Store is the store's DSN: sqlite://path (relative to the config
	// file) or postgres://...; "" means DefaultStore beside the config.
	Store string
	// Users are applied to the store idempotently at start.
	Users []SeedUser
	// Roles are applied to the store idempotently at start.
	Roles []SeedRole
	// OIDCProviders are the OpenID Connect identity providers
	// AssumeRoleWithWebIdentity trusts.
	OIDCProviders []OIDCProvider
}

// DefaultStore is the IAM store used when iam.store is not set.
const DefaultStore = "sqlite://gatehouse.db"

// SeedUser is a user of iam.users.
type SeedUser struct {
	Name       string
	AccessKeys []SeedAccessKey
	Policies   []SeedPolicy
}

// SeedAccessKey is an access key of a seed user.
type SeedAccessKey struct {
	ID     string
	Secret string
}

// SeedPolicy is an inline policy of a seed user; Document is JSON.
type SeedPolicy struct {
	Name     string
	Document []byte
}

// IdentityForwarding configures forwarded identity tokens (mode jwt).
type IdentityForwarding struct {
	// KeyFile is a PEM ECDSA P-256 private key; "" means a new key each
	// start (backends refetch the JWKS).
	KeyFile string
	// Issuer is the tokens' iss; "" means the admin listener's URL.
	Issuer string
	// Audience is the tokens' aud; "" means none.
	Audience string
	// TTLSeconds is the token lifetime; 0 means 60.
	TTLSeconds int
}

// TrustedProxies are the proxies whose requests may be signed for a
// public host name.
type TrustedProxies struct {
	Networks []*net.IPNet
	Hosts    []string
}

// Domain is a custom domain name with its base path mappings.
type Domain struct {
	Name     string
	Mappings []BasePathMapping
}

// BasePathMapping maps the first path segment(s) of a custom domain to an
// API stage, as API Gateway's base path mappings do. An empty BasePath is
// the root mapping ("(none)" on AWS).
type BasePathMapping struct {
	BasePath string
	API      *model.API
	Stage    string
}

// fileDoc is gatehouse.yaml as written.
type fileDoc struct {
	Listen     string         `yaml:"listen"`
	Admin      string         `yaml:"admin"`
	Region     string         `yaml:"region"`
	AccountID  string         `yaml:"accountId"`
	APIs       []apiDoc       `yaml:"apis"`
	Domains    []domainDoc    `yaml:"domains"`
	Proxies    *proxiesDoc    `yaml:"trustedProxies"`
	Forwarding *forwardingDoc `yaml:"identityForwarding"`
	IAM        *iamDoc        `yaml:"iam"`
	AWS        *awsDoc        `yaml:"awsEndpoints"`
	Functions  []functionDoc  `yaml:"functions"`
	Cognito    *cognitoDoc    `yaml:"cognito"`
	Stacks     []stackDoc     `yaml:"stacks"`
	JWTCache   *jwtCacheDoc   `yaml:"jwtCache"`
}

type functionDoc struct {
	Name         string            `yaml:"name,required"`
	Runtime      string            `yaml:"runtime"`
	Handler      string            `yaml:"handler"`
	Code         string            `yaml:"code"`
	Environment  map[string]string `yaml:"environment"`
	Timeout      int               `yaml:"timeout"`
	MemorySize   int               `yaml:"memorySize"`
	Concurrency  int               `yaml:"concurrency"`
	Endpoint     string            `yaml:"endpoint"`
	FunctionName string            `yaml:"functionName"`
	Region       string            `yaml:"region"`
}

var functionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type iamDoc struct {
	Store         string            `yaml:"store"`
	Users         []seedUserDoc     `yaml:"users"`
	Roles         []seedRoleDoc     `yaml:"roles"`
	OIDCProviders []oidcProviderDoc `yaml:"oidcProviders"`
}

type seedUserDoc struct {
	Name       string       `yaml:"name,required"`
	AccessKeys []seedKeyDoc `yaml:"accessKeys"`
	Policies   []seedPolDoc `yaml:"policies"`
}

type seedKeyDoc struct {
	ID     string `yaml:"id,required"`
	Secret string `yaml:"secret,required"`
}

type seedPolDoc struct {
	Name     string     `yaml:"name,required"`
	Document *yaml.Node `yaml:"document,required"`
}

type forwardingDoc struct {
	KeyFile    string `yaml:"keyFile"`
	Issuer     string `yaml:"issuer"`
	Audience   string `yaml:"audience"`
	TTLSeconds int    `yaml:"ttlSeconds"`
}

type proxiesDoc struct {
	Networks []string `yaml:"networks,required"`
	Hosts    []string `yaml:"hosts,required"`
}

type apiDoc struct {
	Name       string     `yaml:"name,required"`
	ID         string     `yaml:"id"`
	Protocol   string     `yaml:"protocol"`
	Definition string     `yaml:"definition"`
	Routes     *yaml.Node `yaml:"routes"`
	// Authorizers are the inline form's authorizers by name.
	Authorizers map[string]inlineAuthorizerDoc `yaml:"authorizers"`
	Stages      map[string]stageDoc            `yaml:"stages"`
	// ForwardIdentity is the identity forwarding mode of the API's
	// integrations that do not set x-gatehouse-forward-identity.
	ForwardIdentity string `yaml:"forwardIdentity"`
	// CORS is an HTTP API's CORS configuration, with the keys of
	// x-amazon-apigateway-cors.
	CORS *yaml.Node `yaml:"cors"`
}

type stageDoc struct {
	Variables map[string]string `yaml:"variables"`
	AccessLog *accessLogDoc     `yaml:"accessLog"`
}

type accessLogDoc struct {
	Format      string `yaml:"format"`
	Destination string `yaml:"destination"`
}

type domainDoc struct {
	Name             string       `yaml:"name,required"`
	BasePathMappings []mappingDoc `yaml:"basePathMappings,required"`
}

type mappingDoc struct {
	BasePath string `yaml:"basePath"`
	API      string `yaml:"api,required"`
	Stage    string `yaml:"stage,required"`
}

// inlineRouteDoc is one entry of an API's inline routes.
type inlineRouteDoc struct {
	Integration         *yaml.Node `yaml:"integration,required"`
	AuthorizationType   string     `yaml:"authorizationType"`
	Authorizer          string     `yaml:"authorizer"`
	AuthorizationScopes []string   `yaml:"authorizationScopes"`
}

// inlineAuthorizerDoc is an HTTP API authorizer of the inline form, with
// the keys of AWS::ApiGatewayV2::Authorizer.
type inlineAuthorizerDoc struct {
	Type                           string   `yaml:"type,required"` // request or jwt
	Function                       string   `yaml:"function"`
	IdentitySource                 string   `yaml:"identitySource"`
	AuthorizerResultTTLInSeconds   *int     `yaml:"authorizerResultTtlInSeconds"`
	AuthorizerPayloadFormatVersion string   `yaml:"authorizerPayloadFormatVersion"`
	EnableSimpleResponses          bool     `yaml:"enableSimpleResponses"`
	Issuer                         string   `yaml:"issuer"`
	Audience                       []string `yaml:"audience"`
}

var (
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	accountRE   = regexp.MustCompile(`^\d{12}$`)
	apiIDRE     = regexp.MustCompile(`^[a-z0-9]{10}$`)
	stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	varNameRE   = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	// AWS allows these characters in stage variable values.
	varValueRE = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{0,512}$`)
	routeKeyRE = regexp.MustCompile(`^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|ANY) (/\S*)$`)
)

// Load reads and validates the config file at path, loading every API
// definition it names (relative paths are relative to the file).
func Load(path string) (*Config, error) {
	root, err := yamlx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, root)
}

// Decode validates a parsed config document.
func Decode(file string, root *yaml.Node) (*Config, error) {
	return DecodeWith(file, root, Overrides{})
}

// DecodeWith is Decode with command-line overrides (stacks.go).
func DecodeWith(file string, root *yaml.Node, o Overrides) (*Config, error) {
	es := &yamlx.Errors{File: file}
	var d fileDoc
	yamlx.Decode(es, root, "", &d)
	c := &Config{File: file, Listen: d.Listen, Admin: d.Admin, Region: d.Region, AccountID: d.AccountID}
	if o.Region != "" {
		c.Region = o.Region
	}
	if o.AccountID != "" {
		c.AccountID = o.AccountID
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	at := func(key string) *yaml.Node {
		if n := yamlx.Lookup(root, key); n != nil {
			return n
		}
		return root
	}
	if err := CheckListen(c.Listen); err != nil {
		es.Add(at("listen"), "listen", "%v", err)
	}
	if c.Admin != "" {
		if err := CheckListen(c.Admin); err != nil {
			es.Add(at("admin"), "admin", "%v", err)
		}
	}
	if !regionRE.MatchString(c.Region) {
		es.Add(at("region"), "region", "%q is not a region name like us-east-1", c.Region)
	}
	if !accountRE.MatchString(c.AccountID) {
		es.Add(at("accountId"), "accountId", "%q must be 12 digits (quote it in YAML)", c.AccountID)
	}
	apisNode := yamlx.Lookup(root, "apis")
	if len(d.APIs) == 0 && len(d.Stacks) == 0 && len(o.Templates) == 0 && es.Len() == 0 {
		es.Add(root, "apis", "at least one API (apis:) or template (stacks:) is required")
	}
	dir := filepath.Dir(file)
	names := map[string]bool{}
	ids := map[string]bool{}
	for i, ad := range d.APIs {
		field := fmt.Sprintf("apis[%d]", i)
		var n *yaml.Node = root
		if apisNode != nil && i < len(apisNode.Content) {
			n = apisNode.Content[i]
		}
		api := decodeAPI(es, n, field, dir, ad)
		if api == nil {
			continue
		}
		if names[api.Name] {
			es.Add(n, field+".name", "duplicate API name %q", api.Name)
		}
		if ids[api.ID] {
			es.Add(n, field+".id", "duplicate API id %q", api.ID)
		}
		names[api.Name], ids[api.ID] = true, true
		c.APIs = append(c.APIs, api)
	}
	stackFunctions := decodeStacks(es, yamlx.Lookup(root, "stacks"), d.Stacks, o, dir, c, names, ids)
	c.Domains = decodeDomains(es, yamlx.Lookup(root, "domains"), d.Domains, c.APIs)
	c.Functions = decodeFunctions(es, yamlx.Lookup(root, "functions"), d.Functions, filepath.Dir(file))
	c.Functions = appendStackFunctions(es, c.Functions, stackFunctions)
	checkFunctionRefs(es, c)
	c.Cognito = decodeCognito(es, yamlx.Lookup(root, "cognito"), d.Cognito)
	c.IAM.Store = DefaultStore
	if d.IAM != nil {
		if d.IAM.Store != "" {
			c.IAM.Store = d.IAM.Store
		}
		for i, u := range d.IAM.Users {
			su := SeedUser{Name: u.Name}
			for _, k := range u.AccessKeys {
				su.AccessKeys = append(su.AccessKeys, SeedAccessKey(k))
			}
			for j, p := range u.Policies {
				if p.Document == nil {
					continue
				}
				doc, err := policyJSON(p.Document)
				if err != nil {
					es.Add(p.Document, fmt.Sprintf("iam.users[%d].policies[%d].document", i, j), "%v", err)
					continue
				}
				su.Policies = append(su.Policies, SeedPolicy{Name: p.Name, Document: doc})
			}
			c.IAM.Users = append(c.IAM.Users, su)
		}
	}
	decodeAWSEndpoints(es, root, &d, c)
	checkCognitoHosting(es, yamlx.Lookup(root, "cognito"), c)
	if strings.HasPrefix(c.IAM.Store, "sqlite://") {
		path := strings.TrimPrefix(c.IAM.Store, "sqlite://")
		if path == "" {
			es.Add(at("iam"), "iam.store", "sqlite:// needs a file path, e.g. sqlite://gatehouse.db")
		} else if !filepath.IsAbs(path) {
			c.IAM.Store = "sqlite://" + filepath.Join(filepath.Dir(file), path)
		}
	} else if !strings.HasPrefix(c.IAM.Store, "postgres://") && !strings.HasPrefix(c.IAM.Store, "postgresql://") {
		es.Add(at("iam"), "iam.store", "%q must be sqlite://path or postgres://...", c.IAM.Store)
	}
	if f := d.Forwarding; f != nil {
		c.IdentityForwarding = IdentityForwarding{KeyFile: f.KeyFile, Issuer: f.Issuer, Audience: f.Audience, TTLSeconds: f.TTLSeconds}
		if f.KeyFile != "" && !filepath.IsAbs(f.KeyFile) {
			c.IdentityForwarding.KeyFile = filepath.Join(filepath.Dir(file), f.KeyFile)
		}
		if f.TTLSeconds < 0 || f.TTLSeconds > 3600 {
			es.Add(at("identityForwarding"), "identityForwarding.ttlSeconds", "must be between 1 and 3600, not %d", f.TTLSeconds)
		}
	}
	if d.Proxies != nil {
		for i, n := range d.Proxies.Networks {
			if !strings.Contains(n, "/") {
				if ip := net.ParseIP(n); ip != nil && ip.To4() != nil {
					n += "/32"
				} else {
					n += "/128"
				}
			}
			_, ipnet, err := net.ParseCIDR(n)
			if err != nil {
				es.Add(at("trustedProxies"), fmt.Sprintf("trustedProxies.networks[%d]", i), "%q is not an IP address or CIDR block", d.Proxies.Networks[i])
				continue
			}
			c.TrustedProxies.Networks = append(c.TrustedProxies.Networks, ipnet)
		}
		for i, h := range d.Proxies.Hosts {
			if h == "" || strings.ContainsAny(h, "/ ") {
				es.Add(at("trustedProxies"), fmt.Sprintf("trustedProxies.hosts[%d]", i), "%q is not a host name (host or host:port)", h)
				continue
			}
			c.TrustedProxies.Hosts = append(c.TrustedProxies.Hosts, strings.ToLower(h))
		}
	}
	c.JWTCache = decodeJWTCache(es, yamlx.Lookup(root, "jwtCache"), d.JWTCache)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckListen validates a host:port listen address.
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", addr, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil || port == "" {
		return fmt.Errorf("%q has no valid port", addr)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Errorf("%q: host must be an IP address or localhost", addr)
	}
	return nil
}

func decodeAPI(es *yamlx.Errors, n *yaml.Node, field, dir string, ad apiDoc) *model.API {
	at := func(key string) *yaml.Node {
		if v := yamlx.Lookup(n, key); v != nil {
			return v
		}
		return n
	}
	api := &model.API{Name: ad.Name, ID: ad.ID, Protocol: model.Protocol(strings.ToUpper(ad.Protocol))}
	if api.Name == "" {
		return nil // already reported as missing
	}
	if api.ID == "" {
		api.ID = DeriveID(api.Name)
	} else if !apiIDRE.MatchString(api.ID) {
		es.Add(at("id"), field+".id", "%q must be 10 characters [a-z0-9]", api.ID)
	}
	switch api.Protocol {
	case "":
		api.Protocol = model.REST
	case model.REST, model.HTTP:
	default:
		es.Add(at("protocol"), field+".protocol", "unknown protocol %q (allowed: REST, HTTP)", ad.Protocol)
		return nil
	}
	switch {
	case ad.Definition != "" && ad.Routes != nil:
		es.Add(n, field, `set "definition" or "routes", not both`)
	case ad.Definition != "":
		path := ad.Definition
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		api.Source = path
		def, err := openapi.Load(path, api.Protocol)
		var pe *yamlx.Error
		if errors.As(err, &pe) && pe.File == path {
			es.Append(err) // positions in the definition speak for themselves
		} else if err != nil {
			es.Add(at("definition"), field+".definition", "%v", err)
		}
		if def != nil {
			api.Routes, api.ResourcePolicy, api.Authorizers = def.Routes, def.ResourcePolicy, def.Authorizers
			api.CORS = def.CORS
			api.GatewayResponses, api.BinaryMediaTypes = def.GatewayResponses, def.BinaryMediaTypes
			api.Models = def.Models
		}
	case ad.Routes != nil:
		if api.Protocol != model.HTTP {
			es.Add(at("routes"), field+".routes", "inline routes are for HTTP APIs (protocol: HTTP); REST APIs take a definition")
			break
		}
		api.Source = es.File
		api.Routes = decodeInlineRoutes(es, ad.Routes, field+".routes")
		api.Authorizers = decodeInlineAuthorizers(es, at("authorizers"), field+".authorizers", ad.Authorizers)
		for _, r := range api.Routes {
			if r.Authorizer != "" && api.Authorizers[r.Authorizer] == nil {
				es.Append(fmt.Errorf("%s: route %s: no authorizer %q under authorizers", r.Where, r.Key, r.Authorizer))
			}
		}
	default:
		es.Add(n, field, `needs "definition" (an OpenAPI file) or "routes"`)
	}
	api.CORS = decodeAPICORS(es, ad.CORS, field+".cors", api)
	api.Stages = decodeStages(es, at("stages"), field+".stages", api.Protocol, ad.Stages)
	if mode, err := model.ParseForwardMode(ad.ForwardIdentity); err != nil {
		es.Add(at("forwardIdentity"), field+".forwardIdentity", "%v", err)
	} else if mode != model.ForwardNone {
		for _, r := range api.Routes {
			if r.Integration != nil && r.Integration.ForwardIdentity == model.ForwardNone {
				r.Integration.ForwardIdentity = mode
			}
		}
	}
	return api
}

func decodeInlineRoutes(es *yamlx.Errors, n *yaml.Node, field string) []*model.Route {
	if n.Kind != yaml.MappingNode {
		es.Add(n, field, `must be a mapping of route keys ("GET /pets/{id}", "$default") to routes`)
		return nil
	}
	var routes []*model.Route
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		r := &model.Route{Key: k.Value, Where: fmt.Sprintf("%s:%d:%d", es.File, k.Line, k.Column)}
		if k.Value == model.DefaultRouteKey {
			r.Method = model.MethodAny
		} else {
			m := routeKeyRE.FindStringSubmatch(k.Value)
			if m == nil {
				es.Add(k, f, `route key must be "METHOD /path" (METHOD: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH or ANY) or "$default"`)
				continue
			}
			r.Method, r.Path = m[1], m[2]
			if err := openapi.CheckPathTemplate(r.Path); err != nil {
				es.Add(k, f, "%v", err)
				continue
			}
		}
		var d inlineRouteDoc
		before := es.Len()
		yamlx.Decode(es, v, f, &d)
		if es.Len() > before {
			continue
		}
		switch strings.ToUpper(d.AuthorizationType) {
		case "", "NONE":
			r.Authorization = model.AuthNone
		case "AWS_IAM":
			r.Authorization = model.AuthIAM
		case "CUSTOM", "JWT":
			r.Authorization = model.AuthorizationType(strings.ToUpper(d.AuthorizationType))
			r.Authorizer, r.AuthorizationScopes = d.Authorizer, d.AuthorizationScopes
			if d.Authorizer == "" {
				es.Add(v, f+".authorizer", "authorization type %s needs an authorizer name", r.Authorization)
			}
		default:
			es.Add(v, f+".authorizationType", "unknown authorization type %q (allowed: NONE, AWS_IAM, CUSTOM, JWT)", d.AuthorizationType)
		}
		r.Integration = openapi.DecodeIntegration(es, d.Integration, f+".integration", model.HTTP)
		if r.Integration != nil {
			routes = append(routes, r)
		}
	}
	return routes
}

func decodeInlineAuthorizers(es *yamlx.Errors, n *yaml.Node, field string, docs map[string]inlineAuthorizerDoc) map[string]*model.Authorizer {
	if len(docs) == 0 {
		return nil
	}
	out := make(map[string]*model.Authorizer, len(docs))
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := docs[name]
		a := &model.Authorizer{Name: name, Type: strings.ToLower(d.Type), IdentitySource: d.IdentitySource, ResultTTL: 300,
			PayloadFormatVersion: d.AuthorizerPayloadFormatVersion, EnableSimpleResponses: d.EnableSimpleResponses,
			JWTIssuer: d.Issuer, JWTAudience: d.Audience, Where: fmt.Sprintf("%s:%d", es.File, n.Line)}
		if d.AuthorizerResultTTLInSeconds != nil {
			a.ResultTTL = *d.AuthorizerResultTTLInSeconds
		}
		switch a.Type {
		case "request":
			if d.Function == "" {
				es.Add(n, field+"."+name, `a request authorizer needs "function"`)
			}
			a.Function = d.Function
			if a.PayloadFormatVersion == "" {
				a.PayloadFormatVersion = "2.0"
			}
		case "jwt":
			if a.IdentitySource == "" {
				a.IdentitySource = "$request.header.Authorization"
			}
		default:
			es.Add(n, field+"."+name+".type", "unknown authorizer type %q (allowed: request, jwt)", d.Type)
			continue
		}
		out[name] = a
	}
	return out
}

func decodeStages(es *yamlx.Errors, n *yaml.Node, field string, protocol model.Protocol, docs map[string]stageDoc) []*model.Stage {
	if len(docs) == 0 {
		if protocol == model.HTTP {
			return []*model.Stage{{Name: model.DefaultStage}}
		}
		es.Add(n, field, "a REST API needs at least one stage, e.g. stages: {prod: {}}")
		return nil
	}
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	stages := make([]*model.Stage, 0, len(docs))
	for _, name := range names {
		sd := docs[name]
		f := field + "." + name
		sn := n
		if v := yamlx.Lookup(n, name); v != nil {
			sn = v
		}
		if name == model.DefaultStage {
			if protocol != model.HTTP {
				es.Add(sn, f, "the $default stage exists only for HTTP APIs")
			}
		} else if !stageNameRE.MatchString(name) {
			es.Add(sn, f, "stage names use letters, digits, '-' and '_' (at most 128)")
		}
		varNames := make([]string, 0, len(sd.Variables))
		for k := range sd.Variables {
			varNames = append(varNames, k)
		}
		sort.Strings(varNames)
		for _, k := range varNames {
			v := sd.Variables[k]
			if !varNameRE.MatchString(k) {
				es.Add(sn, f+".variables."+k, "variable names use letters, digits and '_' (at most 64)")
			}
			if !varValueRE.MatchString(v) {
				es.Add(sn, f+".variables."+k, "value %q has characters AWS does not allow in stage variables (allowed: letters, digits and -._~:/?#&=,)", v)
			}
		}
		st := &model.Stage{Name: name, Variables: sd.Variables}
		if sd.AccessLog != nil {
			st.AccessLog = model.AccessLog{Format: sd.AccessLog.Format, Destination: sd.AccessLog.Destination}
			if strings.ContainsAny(st.AccessLog.Format, "\n\r") {
				es.Add(sn, f+".accessLog.format", "must be one line")
			}
		}
		stages = append(stages, st)
	}
	return stages
}

func decodeDomains(es *yamlx.Errors, n *yaml.Node, docs []domainDoc, apis []*model.API) []Domain {
	var out []Domain
	seen := map[string]bool{}
	for i, dd := range docs {
		field := fmt.Sprintf("domains[%d]", i)
		dn := n
		if n != nil && i < len(n.Content) {
			dn = n.Content[i]
		}
		name := strings.ToLower(dd.Name)
		if seen[name] {
			es.Add(dn, field+".name", "duplicate domain %q", dd.Name)
		}
		seen[name] = true
		d := Domain{Name: name}
		paths := map[string]bool{}
		for j, md := range dd.BasePathMappings {
			f := fmt.Sprintf("%s.basePathMappings[%d]", field, j)
			bp := strings.Trim(md.BasePath, "/")
			if bp == "(none)" {
				bp = ""
			}
			if paths[bp] {
				es.Add(dn, f+".basePath", "duplicate base path %q", md.BasePath)
			}
			paths[bp] = true
			var api *model.API
			for _, a := range apis {
				if a.Name == md.API || a.ID == md.API {
					api = a
				}
			}
			if api == nil {
				es.Add(dn, f+".api", "no API named %q", md.API)
				continue
			}
			found := false
			for _, s := range api.Stages {
				found = found || s.Name == md.Stage
			}
			if !found {
				es.Add(dn, f+".stage", "API %q has no stage %q", md.API, md.Stage)
				continue
			}
			d.Mappings = append(d.Mappings, BasePathMapping{BasePath: bp, API: api, Stage: md.Stage})
		}
		out = append(out, d)
	}
	return out
}

func decodeFunctions(es *yamlx.Errors, n *yaml.Node, docs []functionDoc, dir string) []Function {
	var out []Function
	seen := map[string]bool{}
	for i, d := range docs {
		field := fmt.Sprintf("functions[%d]", i)
		fn := n
		if n != nil && i < len(n.Content) {
			fn = n.Content[i]
		}
		f := Function{Name: d.Name, Runtime: d.Runtime, Handler: d.Handler, Environment: d.Environment, Timeout: d.Timeout,
			MemorySize: d.MemorySize, Concurrency: d.Concurrency, Endpoint: d.Endpoint, FunctionName: d.FunctionName, Region: d.Region,
			Where: fmt.Sprintf("%s:%d", es.File, fn.Line)}
		if !functionNameRE.MatchString(d.Name) {
			es.Add(fn, field+".name", "%q: function names use letters, digits, '-' and '_' (at most 64)", d.Name)
		}
		if seen[d.Name] {
			es.Add(fn, field+".name", "duplicate function %q", d.Name)
		}
		seen[d.Name] = true
		if d.Endpoint != "" {
			if d.Runtime != "" || d.Code != "" || d.Handler != "" {
				es.Add(fn, field, "a remote function (endpoint) has no runtime, handler or code")
			}
			if u, err := url.Parse(d.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				es.Add(fn, field+".endpoint", "%q must be an http(s) URL of a Lambda Invoke API", d.Endpoint)
			}
		} else {
			if d.Runtime == "" || d.Code == "" {
				es.Add(fn, field, `a local function needs "runtime" and "code" (or "endpoint" for a remote one)`)
			}
			if d.Code != "" {
				f.Code = d.Code
				if !filepath.IsAbs(f.Code) {
					f.Code = filepath.Join(dir, f.Code)
				}
				if _, err := os.Stat(f.Code); err != nil {
					es.Add(fn, field+".code", "%v", err)
				}
			}
		}
		if d.Timeout < 0 || d.Timeout > 900 {
			es.Add(fn, field+".timeout", "must be 1 to 900 seconds, not %d", d.Timeout)
		}
		if d.MemorySize != 0 && (d.MemorySize < 128 || d.MemorySize > 10240) {
			es.Add(fn, field+".memorySize", "must be 128 to 10240 MB, not %d", d.MemorySize)
		}
		out = append(out, f)
	}
	return out
}

// checkFunctionRefs reports Lambda integrations whose function is not
// among functions:, for every stage (stage variables included).
func checkFunctionRefs(es *yamlx.Errors, c *Config) {
	names := map[string]bool{}
	for _, f := range c.Functions {
		names[f.Name] = true
	}
	for _, api := range c.APIs {
		for _, a := range api.Authorizers {
			if a.Type == "jwt" || a.Type == model.AuthorizerCognito {
				continue // no function
			}
			for _, st := range api.Stages {
				if name := ResolveFunction(a.Function, st.Variables); !names[name] {
					es.Append(fmt.Errorf("%s: authorizer %s, stage %s: Lambda function %q is not defined in functions", a.Where, a.Name, st.Name, name))
				}
			}
		}
		for _, r := range api.Routes {
			if r.Integration == nil || (r.Integration.Type != model.AWSProxy && r.Integration.Type != model.AWS) {
				continue
			}
			for _, st := range api.Stages {
				name := ResolveFunction(r.Integration.Function, st.Variables)
				if !names[name] {
					es.Append(fmt.Errorf("%s: route %s, stage %s: Lambda function %q is not defined in functions", r.Where, r.Key, st.Name, name))
				}
			}
		}
	}
}

// ResolveFunction substitutes a stage variable in a function reference.
func ResolveFunction(ref string, vars map[string]string) string {
	if name, ok := strings.CutPrefix(ref, "${stageVariables."); ok {
		return vars[strings.TrimSuffix(name, "}")]
	}
	return ref
}

// policyJSON turns a policy written as YAML, inline JSON or a JSON string
// into JSON.
func policyJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok {
		if !json.Valid([]byte(s)) {
			return nil, errors.New("policy document is not valid JSON")
		}
		return []byte(s), nil
	}
	return json.Marshal(v)
}

// DeriveID returns the stable 10-character [a-z0-9] API id for a name.
func DeriveID(name string) string {
	sum := sha256.Sum256([]byte("gatehouse-api:" + name))
	s := new(big.Int).SetBytes(sum[:]).Text(36)
	for len(s) < 10 {
		s = "0" + s
	}
	return s[:10]
}
