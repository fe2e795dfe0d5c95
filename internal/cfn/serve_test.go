package cfn_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/cfn"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// iamConfig is a gatehouse.yaml with one IAM user allowed to invoke
// every API; the templates are given with -t.
const iamConfig = `
iam:
  store: sqlite://gatehouse.db
  users:
    - name: alice
      accessKeys:
        - {id: AKIAEXAMPLEALICE0001, secret: alice/Example/Secret/Key/0000000000000001}
      policies:
        - name: invoke
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*"}
`

var alice = aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE0001", SecretAccessKey: "alice/Example/Secret/Key/0000000000000001"}

// writeFiles writes files (path → content) under a new folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type response struct {
	status int
	header http.Header
	body   string
}

// call sends a request, SigV4-signed with alice's key when sign is set.
func call(t *testing.T, method, url, body string, sign bool, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	if sign {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), alice, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// petsHandler is a Lambda proxy handler that answers with what API
// Gateway sent it.
const petsHandler = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: {"Content-Type": "application/json"},
  body: JSON.stringify({resource: event.resource, path: event.path, stage: event.requestContext.stage,
    id: event.pathParameters && event.pathParameters.id, color: event.stageVariables && event.stageVariables.color}),
});
`

// echoHandler is a Lambda function of a non-proxy (AWS) integration: it
// gets what the request template builds and fails on request.
const echoHandler = `exports.handler = async (event) => {
  if (event.name === "missing") throw new Error("not found: " + event.name);
  return {greeting: "hello " + event.name};
};
`

// restTemplate declares a REST API from parts: a Lambda proxy method, a
// MOCK CORS preflight, an AWS_IAM method and a non-proxy Lambda method
// with request and response templates.
var restTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: pets}
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: pets}
  Pet:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Pets, PathPart: "{id}"}
  Admin:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: admin}
  Greet:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: greet}
  PetsFunction:
    Type: AWS::Lambda::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, Code: ./pets, Role: arn:aws:iam::123456789012:role/r}
  EchoFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          ` + strings.ReplaceAll(strings.TrimSpace(echoHandler), "\n", "\n          ") + `
  GetPet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pet
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${PetsFunction.Arn}/invocations"
  PetOptions:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pet
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: "200"
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: "'http://localhost:5173'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,Authorization,X-Amz-Date'"
            ResponseTemplates: {application/json: ""}
      MethodResponses:
        - StatusCode: "200"
          ResponseParameters:
            method.response.header.Access-Control-Allow-Origin: false
            method.response.header.Access-Control-Allow-Methods: false
            method.response.header.Access-Control-Allow-Headers: false
  AdminGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Admin
      HttpMethod: GET
      AuthorizationType: AWS_IAM
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: "200"
            ResponseTemplates: {application/json: '{"caller": "$context.identity.userArn"}'}
      MethodResponses: [{StatusCode: "200"}]
  GreetPost:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Greet
      HttpMethod: POST
      Integration:
        Type: AWS
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFunction.Arn}/invocations"
        PassthroughBehavior: NEVER
        RequestTemplates:
          application/json: '{"name": $input.json(''$.name'')}'
        IntegrationResponses:
          - StatusCode: "200"
            ResponseTemplates: {application/json: '{"message": $input.json(''$.greeting'')}'}
          - StatusCode: "404"
            SelectionPattern: "not found.*"
            ResponseTemplates: {application/json: '{"error": $input.json(''$.errorMessage'')}'}
      MethodResponses: [{StatusCode: "200"}, {StatusCode: "404"}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetPet, PetOptions, AdminGet, GreetPost]
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      StageDescription: {Variables: {color: blue}}
  PetsPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref PetsFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
  EchoPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt EchoFunction.Arn
      Principal: apigateway.amazonaws.com
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/prod/"
`

// TestServeRestTemplate serves a REST API declared from parts with
// serve -t, its functions on the local Node.js runtime, and calls it.
func TestServeRestTemplate(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := writeFiles(t, map[string]string{
		"template.yaml":  restTemplate,
		"pets/index.js":  petsHandler,
		"gatehouse.yaml": iamConfig,
	})
	base := testutil.ServeArgs(t, "-c", filepath.Join(dir, "gatehouse.yaml"), "-t", filepath.Join(dir, "template.yaml"))

	t.Run("lambda proxy", func(t *testing.T) {
		r := call(t, "GET", base+"/prod/pets/7", "", false)
		want := `{"resource":"/pets/{id}","path":"/pets/7","stage":"prod","id":"7","color":"blue"}`
		if r.status != 200 || r.body != want || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("got %d %s %v", r.status, r.body, r.header)
		}
	})
	t.Run("mock CORS preflight", func(t *testing.T) {
		r := call(t, "OPTIONS", base+"/prod/pets/7", "", false, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET")
		if r.status != 200 || r.body != "" || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
			r.header.Get("Access-Control-Allow-Methods") != "GET,OPTIONS" || r.header.Get("Access-Control-Allow-Headers") != "Content-Type,Authorization,X-Amz-Date" {
			t.Errorf("got %d %q %v", r.status, r.body, r.header)
		}
	})
	t.Run("AWS_IAM unsigned", func(t *testing.T) {
		r := call(t, "GET", base+"/prod/admin", "", false)
		if r.status != 403 || r.body != `{"message":"Missing Authentication Token"}` || r.header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Errorf("got %d %s %v", r.status, r.body, r.header)
		}
	})
	t.Run("AWS_IAM signed", func(t *testing.T) {
		r := call(t, "GET", base+"/prod/admin", "", true)
		if r.status != 200 || r.body != `{"caller": "arn:aws:iam::123456789012:user/alice"}` {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("AWS lambda integration", func(t *testing.T) {
		r := call(t, "POST", base+"/prod/greet", `{"name": "Ada"}`, false, "Content-Type", "application/json")
		if r.status != 200 || r.body != `{"message": "hello Ada"}` {
			t.Errorf("got %d %s", r.status, r.body)
		}
		r = call(t, "POST", base+"/prod/greet", `{"name": "missing"}`, false, "Content-Type", "application/json")
		if r.status != 404 || r.body != `{"error": "not found: missing"}` {
			t.Errorf("error response: got %d %s", r.status, r.body)
		}
	})
	t.Run("no such stage", func(t *testing.T) {
		r := call(t, "GET", base+"/dev/pets/7", "", false)
		if r.status != 403 || r.body != `{"message":"Missing Authentication Token"}` {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}

// TestServeSAMTemplate serves testdata/sam/template.yaml (assembled from
// the AWS SAM Developer Guide's examples; the pages are cited in it) with
// serve -t: an explicit Api with a Lambda TOKEN authorizer and CORS, the
// implicit ServerlessRestApi and ServerlessHttpApi, and an AWS_IAM route.
func TestServeSAMTemplate(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := writeFiles(t, map[string]string{"gatehouse.yaml": iamConfig})
	tmpl, err := filepath.Abs("testdata/sam/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := testutil.ServeArgs(t, "-c", filepath.Join(dir, "gatehouse.yaml"), "-t", tmpl)
	// Three APIs: each is reached by its id in the Host.
	host := func(logicalID string) string { return cfn.APIID("template", logicalID) + ".execute-api.localhost" }
	myAPI, restAPI, httpAPI := host("MyApi"), host("ServerlessRestApi"), host("ServerlessHttpApi")

	t.Run("token authorizer", func(t *testing.T) {
		r := call(t, "GET", base+"/Prod/", "", false, "Host", myAPI)
		if r.status != 401 || r.body != `{"message":"Unauthorized"}` {
			t.Errorf("no token: %d %s", r.status, r.body)
		}
		r = call(t, "GET", base+"/Prod/", "", false, "Host", myAPI, "Authorization", "Bearer bad")
		if r.status != 403 {
			t.Errorf("denied: %d %s", r.status, r.body)
		}
		r = call(t, "GET", base+"/Prod/", "", false, "Host", myAPI, "Authorization", "Bearer good")
		m := decodeJSON(t, r.body)
		if r.status != 200 || m["route"] != "/" || m["stage"] != "Prod" || m["principal"] != "user-1" ||
			m["message"] != "Hello From SAM" || m["table"] != "data-table" {
			t.Errorf("allowed: %d %s", r.status, r.body)
		}
	})
	t.Run("cors preflight without the authorizer", func(t *testing.T) {
		r := call(t, "OPTIONS", base+"/Prod/", "", false, "Host", myAPI, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET")
		h := r.header
		if r.status != 200 || h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || h.Get("Access-Control-Allow-Methods") != "GET,OPTIONS" ||
			h.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type" || h.Get("Access-Control-Max-Age") != "600" || r.body != "{}\n" {
			t.Errorf("got %d %q %v", r.status, r.body, h)
		}
	})
	t.Run("implicit REST API", func(t *testing.T) {
		for _, stage := range []string{"Prod", "Stage"} { // SAM's extra "Stage" stage, without OpenApiVersion
			r := call(t, "GET", base+"/"+stage+"/hello/ada", "", false, "Host", restAPI)
			m := decodeJSON(t, r.body)
			if r.status != 200 || m["route"] != "/hello/{name}" || m["stage"] != stage || m["name"] != "ada" || m["principal"] != nil {
				t.Errorf("%s: %d %s", stage, r.status, r.body)
			}
		}
	})
	t.Run("implicit HTTP API", func(t *testing.T) {
		r := call(t, "GET", base+"/hi", "", false, "Host", httpAPI)
		m := decodeJSON(t, r.body)
		if r.status != 200 || m["version"] != "2.0" || m["route"] != "GET /hi" || m["stage"] != "$default" {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("AWS_IAM route", func(t *testing.T) {
		r := call(t, "GET", base+"/iam", "", false, "Host", httpAPI)
		if r.status != 403 || r.body != `{"message":"Forbidden"}` {
			t.Errorf("unsigned: %d %s", r.status, r.body)
		}
		r = call(t, "GET", base+"/iam", "", true, "Host", httpAPI) // the Host is signed
		if r.status != 200 || decodeJSON(t, r.body)["route"] != "GET /iam" {
			t.Errorf("signed: %d %s", r.status, r.body)
		}
	})
}

// decodeJSON decodes a response body.
func decodeJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m
}
