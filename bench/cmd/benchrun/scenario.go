package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/gatehouse/gatehouse/sigv4"
)

// Scenario is one row of the benchmark table: what the gateway is configured
// with, what each request looks like and what the gateway must achieve
// against B0. Add a scenario by adding a row to scenarios.
type Scenario struct {
	// Name selects the scenario with -scenario and keys its section of
	// RESULTS.md.
	Name string
	// Description is one sentence for the report.
	Description string
	// Method is the request method; "" means GET.
	Method string
	// Path is the request path including the stage, e.g. /prod/hello. B0
	// strips the first segment as the gateway does.
	Path string
	// Header is added to every request; nil means none.
	Header http.Header
	// Body is sent with every request (and the readiness probe); nil
	// means none.
	Body []byte
	// Prepare, if not nil, is called on every request just before it is
	// sent, for both B0 and gatehouse, e.g. to sign it with SigV4. nil
	// means none.
	Prepare func(*http.Request) error
	// ExpectBody must occur in the body of the readiness probe's 200
	// response, through B0 and through the gateway; "" means any body.
	ExpectBody string
	// Files are the gateway's configuration files, as text/template sources
	// rendered with GatewayParams. They must include mainConfig.
	Files []File
	// Target is what the gateway must achieve relative to B0.
	Target Target
	// Setup, if not nil, prepares the gateway's directory after the files
	// are written (e.g. builds a Lambda function into it).
	Setup func(ctx context.Context, dir string) error
	// Issuer, if not nil, is a JWT identity provider that the harness
	// serves on loopback for the whole run (GatewayParams.Issuer is its
	// URL); Prepare sends its tokens.
	Issuer *tokenIssuer
	// Variant, if not nil, is a second way of calling the same gateway
	// process, measured as a third system in the same rounds (B0,
	// gatehouse, variant) and compared with the gateway. Only full runs
	// (neither -only nor -aa) measure it.
	Variant *Variant
}

// Variant is a third system of a scenario: the same gateway process and
// route, with requests prepared otherwise (e.g. signed with temporary
// credentials instead of a long-term key).
type Variant struct {
	// Label names the system in the report, e.g. "gh-session".
	Label string
	// Description is one sentence for the report.
	Description string
	// Start is called once the gateway is ready and returns the hook
	// that prepares the variant's requests (e.g. after getting temporary
	// credentials from the gateway's STS on GatewayParams.AWS).
	Start func(ctx context.Context, p GatewayParams) (func(*http.Request) error, error)
	// MinRatio is the target: the variant's median throughput must be at
	// least MinRatio times the gateway's, measured in the same run.
	MinRatio float64
}

// targetString describes the scenario's target, with its variant's.
func (s *Scenario) targetString() string {
	if s.Variant == nil {
		return s.Target.String()
	}
	return fmt.Sprintf("%s; %s throughput ≥ %.0f%% of gatehouse's", s.Target, s.Variant.Label, s.Variant.MinRatio*100)
}

// File is one configuration file written into the gateway's directory.
type File struct {
	// Name is the file name, relative to the configuration directory.
	Name string
	// Template is the text/template source, executed with GatewayParams.
	Template string
}

// GatewayParams are the values the configuration templates may use.
type GatewayParams struct {
	// Listen is the gateway's loopback address, host:port.
	Listen string
	// Admin is the admin listener's loopback address; it serves /healthz.
	Admin string
	// Backend is the benchmark backend's loopback address.
	Backend string
	// Issuer is the URL of the scenario's JWT issuer, "" if it has none.
	Issuer string
	// AWS is a free loopback address, host:port, for the gateway's
	// awsEndpoints listener (STS, Cognito), should the scenario use it.
	AWS string
}

// Target is a scenario's goal: the gateway's median throughput must be at
// least MinThroughput times B0's, and its median p99 latency at most MaxP99
// times B0's.
type Target struct {
	MinThroughput float64
	MaxP99        float64
}

// String describes t as in the report.
func (t Target) String() string {
	return fmt.Sprintf("gatehouse throughput ≥ %.0f%% of B0, p99 ≤ %.2f× B0", t.MinThroughput*100, t.MaxP99)
}

// mainConfig is the file the gateway is started with: gatehouse serve -c
// <dir>/gatehouse.yaml.
const mainConfig = "gatehouse.yaml"

// The foundation target, the goal of the plain proxy route: the gateway
// costs at most 5% of throughput and 20% of p99 over a bare ReverseProxy.
const (
	foundationMinThroughput = 0.95
	foundationMaxP99        = 1.20
)

// gatehouseYAML is the main configuration shared by the scenarios: one REST
// API "bench" with stage prod whose variable backend is the bench backend.
var gatehouseYAML = benchConfig("REST")

// benchConfig is the main configuration of one API "bench" of protocol
// (REST or HTTP) defined in api.yaml, with stage prod whose variable
// backend is the bench backend.
func benchConfig(protocol string) string {
	return `listen: {{.Listen}}
admin: {{.Admin}}
apis:
  - name: bench
    protocol: ` + protocol + `
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "{{.Backend}}"}
`
}

// httpProxyAPI is a greedy http_proxy route to the backend, as AWS exports it.
var httpProxyAPI = restProxyAPI("", "")

// iamProxyAPI is httpProxyAPI with AWS_IAM authorization.
var iamProxyAPI = restProxyAPI("", "      x-amazon-apigateway-auth: {type: AWS_IAM}\n")

// restProxyAPI is the OpenAPI document of the REST scenarios: a greedy
// http_proxy route to the backend, as AWS exports it. components (the
// lines of a top-level components object) and methodAuth (lines of the
// method object, six spaces in) say how the method is authorized.
func restProxyAPI(components, methodAuth string) string {
	return `openapi: 3.0.1
info: {title: bench, version: "1"}
` + components + `paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
` + methodAuth + `      parameters:
        - {name: proxy, in: path, required: true, schema: {type: string}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
        passthroughBehavior: when_no_match
`
}

// Benchmark credentials: a seeded user whose 10-statement policy allows
// the route with its last statement.
const (
	benchAccessKey = "AKIABENCHGATEHOUSE01"
	benchSecret    = "benchSecretKey000000000000000000000000001"
)

const iamSeed = `iam:
  store: sqlite://iam.db
  users:
    - name: bench
      accessKeys: [{id: ` + benchAccessKey + `, secret: ` + benchSecret + `}]
      policies:
        - name: invoke
          document:
            Version: "2012-10-17"
            Statement:` + benchStatements

// benchStatements are the 10 statements of the benchmark user's identity
// policy (a YAML list, 14 spaces in); the last one allows the route.
const benchStatements = `
              - {Effect: Deny, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/DELETE/*"}
              - {Effect: Deny, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/*/admin/*"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/dev/*"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/test/*"}
              - {Effect: Allow, Action: "s3:GetObject", Resource: "*"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/POST/orders"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/PUT/orders/*"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/GET/orders/*", Condition: {IpAddress: {"aws:SourceIp": "10.0.0.0/8"}}}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/GET/pets*"}
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/prod/GET/hello*"}
`

// lambdaProxyAPI sends every path to the bench function.
const lambdaProxyAPI = `openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bench/invocations
`

const lambdaFunctions = `functions:
  - name: bench
    runtime: provided.al2023
    handler: bootstrap
    code: fn
`

// buildLambdaFunction builds bench/lambdafn (its own module, with
// aws-lambda-go) into dir/fn/bootstrap.
func buildLambdaFunction(ctx context.Context, dir string) error {
	out := filepath.Join(dir, "fn", "bootstrap")
	src, err := filepath.Abs(filepath.Join("bench", "lambdafn"))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the bench Lambda function (run benchrun from the repository root): %w\n%s", err, b)
	}
	return nil
}

// newRequestSigner returns a hook that signs each benchmark request with
// SigV4 for execute-api, as a client SDK would, with the public sigv4
// package. The Signer is shared by the load generator's workers (it is
// safe for concurrent use and caches the derived key).
func newRequestSigner() func(*http.Request) error {
	signer := sigv4.New(sigv4.Options{Region: "us-east-1"})
	return func(r *http.Request) error {
		_, err := signer.Sign(r, sigv4.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecret})
		return err
	}
}

// scenarios returns the benchmark table. Later rows (SigV4 route, Lambda,
// MOCK, authorizers) set Header or Prepare and their own Files and Target;
// the mapping-template, authorizer and CloudFormation rows are in
// scenario_templates.go, scenario_auth.go and scenario_cfn.go.
func scenarios() []Scenario {
	return slices.Concat(coreScenarios(), templateScenarios(), authorizerScenarios(), cfnScenarios(), stsScenarios())
}

// coreScenarios are the proxy, SigV4 and Lambda rows.
func coreScenarios() []Scenario {
	return []Scenario{
		{
			Name:        "sigv4_iam",
			Description: "GET through the same http_proxy route with AWS_IAM: each request signed with SigV4 (client side, for B0 too), verified by the gateway against its SQLite IAM store and checked against a 10-statement identity policy.",
			Path:        "/prod/hello",
			Prepare:     newRequestSigner(),
			ExpectBody:  `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML + iamSeed},
				{Name: "api.yaml", Template: iamProxyAPI},
			},
			Target: Target{MinThroughput: 0.90, MaxP99: 1.20},
		},
		{
			Name:        "lambda_go",
			Description: "GET through a greedy {proxy+} aws_proxy route to a local Go Lambda function (aws-lambda-go, provided.al2023, one warm process per CPU), against B0 proxying to the same answer served as a plain HTTP backend.",
			Path:        "/prod/hello",
			ExpectBody:  `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML + lambdaFunctions},
				{Name: "api.yaml", Template: lambdaProxyAPI},
			},
			Setup:  buildLambdaFunction,
			Target: Target{MinThroughput: 0.50, MaxP99: 3.0},
		},
		{
			Name:        "http_proxy",
			Description: "GET through a greedy {proxy+} http_proxy route with a stage variable, no auth; the gateway writes its JSON access log to a file.",
			Path:        "/prod/hello",
			ExpectBody:  `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML},
				{Name: "api.yaml", Template: httpProxyAPI},
			},
			Target: Target{MinThroughput: foundationMinThroughput, MaxP99: foundationMaxP99},
		},
	}
}

// findScenario returns the scenario called name.
func findScenario(list []Scenario, name string) (Scenario, error) {
	names := make([]string, 0, len(list))
	for _, s := range list {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return Scenario{}, fmt.Errorf("unknown scenario %q (have: %s)", name, strings.Join(names, ", "))
}

// render executes the scenario's configuration templates. It returns the
// file contents by name.
func (s *Scenario) render(p GatewayParams) (map[string][]byte, error) {
	out := make(map[string][]byte, len(s.Files))
	for _, f := range s.Files {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\`) {
			return nil, fmt.Errorf("scenario %s: file name %q: need a plain file name", s.Name, f.Name)
		}
		if _, dup := out[f.Name]; dup {
			return nil, fmt.Errorf("scenario %s: file %s listed twice", s.Name, f.Name)
		}
		t, err := template.New(f.Name).Option("missingkey=error").Parse(f.Template)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: parse %s: %w", s.Name, f.Name, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, p); err != nil {
			return nil, fmt.Errorf("scenario %s: render %s: %w", s.Name, f.Name, err)
		}
		out[f.Name] = buf.Bytes()
	}
	if _, ok := out[mainConfig]; !ok {
		return nil, fmt.Errorf("scenario %s: no %s among its files", s.Name, mainConfig)
	}
	return out, nil
}
