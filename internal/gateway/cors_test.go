package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sigv4"
)

// corsDefinition is an HTTP API export with x-amazon-apigateway-cors and
// a JWT authorizer on its routes: GET /pets (no route takes OPTIONS
// /pets) and ANY /things (which does).
const corsDefinition = `
openapi: 3.0.1
info: {title: cors, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: [https://app.example.com, "http://localhost:*"]
  allowCredentials: true
  allowMethods: [GET, POST]
  allowHeaders: [Authorization, Content-Type]
  exposeHeaders: [X-Request-Id]
  maxAge: 300
components:
  securitySchemes:
    jwt-auth:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration: {issuer: "http://127.0.0.1:1/never-asked", audience: [web]}
paths:
  /pets:
    get:
      security: [{jwt-auth: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/pets", payloadFormatVersion: "1.0"}
  /things:
    x-amazon-apigateway-any-method:
      security: [{jwt-auth: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://{{backend}}/things", payloadFormatVersion: "1.0"}
  /open:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/open", payloadFormatVersion: "1.0"}
`

func TestHTTPAPICORS(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// CORS headers of its own, which API Gateway ignores.
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.Header().Set("Access-Control-Allow-Methods", "DELETE")
		w.Header().Set("X-Request-Id", "r-1")
		_, _ = w.Write([]byte("open"))
	}))
	defer be.Close()
	base, _ := serveFiles(t, map[string]string{
		"gatehouse.yaml": "apis: [{name: cors, protocol: HTTP, definition: api.yaml}]\n",
		"api.yaml":       corsDefinition,
	}, map[string]string{"{{backend}}": be.Listener.Addr().String()})
	preflight := []string{"Origin", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}

	// No route takes OPTIONS /pets: the gateway answers, before (and
	// without) the route's authorizer.
	resp, body := do(t, http.MethodOptions, base+"/pets", "", preflight...)
	wantHeaders(t, "preflight", resp, 204, map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "authorization,content-type",
		"Access-Control-Max-Age": "300", "Access-Control-Expose-Headers": "", "Content-Type": "",
	})
	if body != "" || resp.Header.Get("Apigw-Requestid") == "" {
		t.Errorf("preflight body %q, headers %v", body, resp.Header)
	}
	// A prefix origin is reflected; an origin not allowed gets no CORS
	// headers, but the preflight is still answered.
	resp, _ = do(t, http.MethodOptions, base+"/pets", "", "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST")
	wantHeaders(t, "prefix origin", resp, 204, map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"})
	resp, _ = do(t, http.MethodOptions, base+"/pets", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	wantHeaders(t, "origin not allowed", resp, 204, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""})
	// OPTIONS that is not a preflight finds no route.
	resp, body = do(t, http.MethodOptions, base+"/pets", "", "Origin", "https://app.example.com")
	if resp.StatusCode != 404 || body != `{"message":"Not Found"}` {
		t.Errorf("OPTIONS without Access-Control-Request-Method: %d %s", resp.StatusCode, body)
	}

	// The method stays protected, and its 401 carries the CORS headers.
	resp, body = get(t, base+"/pets", "Origin", "https://app.example.com")
	wantHeaders(t, "GET without token", resp, 401, map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Expose-Headers": "x-request-id",
		"Access-Control-Allow-Methods": "",
	})
	if body != `{"message":"Unauthorized"}` {
		t.Errorf("GET without token: %s", body)
	}
	// ANY /things takes OPTIONS too: its authorizer runs on the preflight,
	// as on AWS.
	resp, _ = do(t, http.MethodOptions, base+"/things", "", preflight...)
	wantHeaders(t, "preflight on an ANY route", resp, 401, map[string]string{"Access-Control-Allow-Origin": "https://app.example.com"})

	// The integration's CORS headers are replaced by the configuration's.
	resp, body = get(t, base+"/open", "Origin", "https://app.example.com")
	wantHeaders(t, "integration response", resp, 200, map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "", "X-Request-Id": "r-1",
	})
	if body != "open" {
		t.Errorf("integration body %q", body)
	}
	resp, _ = get(t, base+"/open")
	wantHeaders(t, "no Origin", resp, 200, map[string]string{"Access-Control-Allow-Origin": ""})
}

func wantHeaders(t *testing.T, name string, resp *http.Response, status int, want map[string]string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d", name, resp.StatusCode, status)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", name, k, got, v)
		}
	}
}

// seed003Config is seed 003's CDK app as gatehouse.yaml: an HTTP API with
// corsPreflight, IAM on the $default route, and an OPTIONS /{proxy+}
// route without authorizer whose function answers 204.
const seed003Config = `
apis:
  - name: only-auth-api
    protocol: HTTP
    cors:
      allowHeaders: [Authorization, X-Amz-Date, Content-Type, x-requested-with]
      allowMethods: ["*"]
      allowOrigins: ["http://localhost:5173"]
      maxAge: 86400
    routes:
      "OPTIONS /{proxy+}":
        authorizationType: NONE
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:apigw-handler", payloadFormatVersion: "2.0"}
      $default:
        authorizationType: AWS_IAM
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:apigw-handler", payloadFormatVersion: "2.0"}
functions:
  - {name: apigw-handler, runtime: nodejs20.x, handler: index.handler, code: handler, concurrency: 1}
iam:
  store: "sqlite://{{dir}}/iam.db"
  users:
    - name: web
      accessKeys: [{id: AKIAEXAMPLESEED00003, secret: "seed003/Example/Secret/Key/000000000003"}]
      policies:
        - name: invoke
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ["execute-api:Invoke"], Resource: "arn:aws:execute-api:*:*:*"}]}
`

// seed003Handler is the seed's api-handler-fn, with its OPTIONS check.
const seed003Handler = `exports.handler = async (e) => {
  if (e.requestContext.http.method === "OPTIONS") {
    return { statusCode: 204 };
  }
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ method: e.requestContext.http.method, path: e.requestContext.http.path, body: e.body ? JSON.parse(e.body) : "" }, null, 4),
  };
};
`

// TestSeed003CORSWithIAM: the browser's preflight reaches the OPTIONS
// route without a signature and gets 204 with the CORS headers; every
// other method still needs SigV4 on $default.
func TestSeed003CORSWithIAM(t *testing.T) {
	needNode(t)
	base, _ := serveFiles(t, map[string]string{"gatehouse.yaml": seed003Config, "handler/index.js": seed003Handler}, nil)
	resp, body := do(t, http.MethodOptions, base+"/test-me-bro", "",
		"Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,x-amz-date,content-type")
	wantHeaders(t, "preflight", resp, 204, map[string]string{
		"Access-Control-Allow-Origin": "http://localhost:5173", "Access-Control-Allow-Methods": "*",
		"Access-Control-Allow-Headers": "authorization,x-amz-date,content-type,x-requested-with", "Access-Control-Max-Age": "86400",
	})
	if body != "" {
		t.Errorf("preflight body %q", body)
	}
	resp, body = do(t, http.MethodPost, base+"/test-me-bro", `{"msg":"hi"}`, "Origin", "http://localhost:5173", "Content-Type", "application/json")
	wantHeaders(t, "unsigned POST", resp, 403, map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"})
	if body != `{"message":"Forbidden"}` {
		t.Errorf("unsigned POST: %s", body)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/test-me-bro", strings.NewReader(`{"msg":"hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://localhost:5173")
	s := sigv4.New(sigv4.Options{Region: "us-east-1"})
	if _, err := s.Sign(req, sigv4.Credentials{AccessKeyID: "AKIAEXAMPLESEED00003", SecretAccessKey: "seed003/Example/Secret/Key/000000000003"}); err != nil {
		t.Fatal(err)
	}
	resp, body = doReq(t, req)
	wantHeaders(t, "signed POST", resp, 200, map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"})
	if !strings.Contains(body, `"method": "POST"`) || !strings.Contains(body, `"msg": "hi"`) {
		t.Errorf("signed POST: %s", body)
	}
	// The preflight of the root path is $default's: IAM applies, as AWS
	// documents for $default routes.
	resp, _ = do(t, http.MethodOptions, base+"/", "", "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST")
	wantHeaders(t, "preflight of /", resp, 403, map[string]string{"Access-Control-Allow-Origin": "http://localhost:5173"})
}
