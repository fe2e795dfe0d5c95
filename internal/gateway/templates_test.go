package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"os"
	"path/filepath"

	"fmt"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const templatesDefinition = `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /pets:
    options:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        passthroughBehavior: when_no_match
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'"
              method.response.header.Access-Control-Allow-Origin: "'*'"
            responseTemplates:
              application/json: ""
  /mock/{id}:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: |
            #if($input.params('id') == "0")
            {"statusCode": 404}
            #else
            {"statusCode": 200}
            #end
        responses:
          "404":
            statusCode: "404"
            responseTemplates:
              application/json: '{"message": "no pet $input.params(''id'')"}'
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"id": "$input.params(''id'')", "stage": "$context.stage", "who": "$stageVariables.who"}'
  /transform:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/transform
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: |
            #set($root = $input.path('$'))
            {"name": "$util.escapeJavaScript($root.name)", "caller": "$input.params('x-user')"}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                #set($r = $input.path('$'))
                {"got": $input.json('$.body'), "count": $r.count}
  /override:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                #set($context.responseOverride.status = 418)
                #set($context.responseOverride.header.X-Teapot = "yes")
                {"teapot": true}
`

func TestMockAndTemplates(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"body": %s, "count": 2}`, b)
	}))
	defer be.Close()
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": templatesDefinition})

	resp, body := do(t, http.MethodOptions, base+"/prod/pets", "")
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Methods") != "GET,OPTIONS" {
		t.Errorf("CORS preflight: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = get(t, base+"/prod/mock/7")
	if resp.StatusCode != 200 || body != `{"id": "7", "stage": "prod", "who": "prod-stage"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("mock: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = get(t, base+"/prod/mock/0")
	if resp.StatusCode != 404 || body != `{"message": "no pet 0"}` {
		t.Errorf("mock 404: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, http.MethodPost, base+"/prod/transform", `{"name": "rex \"the dog\""}`, "Content-Type", "application/json", "X-User", "ana")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"got": {"name":"rex \"the dog\"","caller":"ana"}, "count": 2}` {
		t.Errorf("http with templates: %d %q", resp.StatusCode, body)
	}
	// when_no_templates with templates defined: another content type is 415.
	resp, body = do(t, http.MethodPost, base+"/prod/transform", `a=b`, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 415 || body != `{"message": "Unsupported Media Type"}` {
		t.Errorf("415: %d %q", resp.StatusCode, body)
	}
	resp, body = get(t, base+"/prod/override")
	if resp.StatusCode != 418 || resp.Header.Get("X-Teapot") != "yes" || strings.TrimSpace(body) != `{"teapot": true}` {
		t.Errorf("responseOverride: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestTemplateSyntaxErrorAtLoad(t *testing.T) {
	dir := t.TempDir()
	def := "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates:\n          application/json: '#if($a {\"statusCode\": 200}'\n"
	writeFile(t, dir, "api.yaml", def)
	writeFile(t, dir, "gatehouse.yaml", "apis: [{name: a, definition: api.yaml, stages: {prod: {}}}]\n")
	cfg, err := config.Load(dir + "/gatehouse.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = gateway.NewPlan(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "api.yaml:9:29") {
		t.Errorf("err = %v, want the template's position api.yaml:9:29", err)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBodyParameterMappings(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count": 3, "tags": ["a","b"], "echo": %q, "name": %q}`, b, r.Header.Get("X-Name"))
	}))
	defer be.Close()
	def := `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /m:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/m
        requestParameters:
          integration.request.header.x-name: method.request.body.pet.name
          integration.request.header.x-whole: method.request.body
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Count: integration.response.body.count
              method.response.header.X-Tags: integration.response.body.tags
`
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": def})
	resp, body := do(t, http.MethodPost, base+"/prod/m", `{"pet": {"name": "rex"}}`, "Content-Type", "application/json")
	if resp.StatusCode != 200 || resp.Header.Get("X-Count") != "3" || resp.Header.Get("X-Tags") != `["a","b"]` {
		t.Errorf("response mappings: %d %v", resp.StatusCode, resp.Header)
	}
	want := `{"count": 3, "tags": ["a","b"], "echo": "{\"pet\": {\"name\": \"rex\"}}", "name": "rex"}`
	if body != want {
		t.Errorf("body %s\nwant %s", body, want)
	}
}

func TestHTTPAPIParameterMapping(t *testing.T) {
	be := echoBackend(t)
	cfg := `
apis:
  - name: h
    protocol: HTTP
    stages:
      $default: {variables: {env: test}}
    routes:
      "POST /users/{id}":
        integration:
          type: http_proxy
          httpMethod: POST
          uri: "http://{{backend}}/ignored"
          requestParameters:
            "overwrite:path": "/v2/users/$request.path.id"
            "append:header.x-env": "$stageVariables.env"
            "overwrite:header.x-user": "user-${request.body.name}-${request.querystring.tag}"
            "remove:header.x-secret": "''"
            "append:querystring.from": "$context.requestId"
            "remove:querystring.drop": "''"
          responseParameters:
            "200":
              "overwrite:statuscode": "201"
              "append:header.x-backend-host": "$response.header.Content-Type"
              "remove:header.server": "''"
`
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": cfg})
	resp, body := do(t, http.MethodPost, base+"/users/42?tag=t1&drop=x", `{"name":"ana"}`, "X-Secret", "s", "X-Env", "prod")
	if resp.StatusCode != 201 || resp.Header.Get("X-Backend-Host") != "application/json" || resp.Header.Get("Server") != "" {
		t.Errorf("response mappings: %d %v", resp.StatusCode, resp.Header)
	}
	e := decodeEcho(t, body)
	if e.Path != "/v2/users/42" || e.Headers.Get("X-Secret") != "" || strings.Join(e.Headers.Values("X-Env"), ",") != "prod,test" ||
		e.Headers.Get("X-User") != "user-ana-t1" || strings.Contains(e.Query, "drop=") || !strings.Contains(e.Query, "from=") || e.Body != `{"name":"ana"}` {
		t.Errorf("backend saw %+v", e)
	}
}

func TestGatewayResponses(t *testing.T) {
	def := `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
      gatewayresponse.header.X-Request-Path: method.request.path.proxy
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: 404
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
    responseTemplates:
      application/json: '{"error": $context.error.messageString, "type": "$context.error.responseType", "stage": "$context.stage"}'
  DEFAULT_5XX:
    responseTemplates:
      application/json: '{"oops": true}'
paths:
  /never:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/x
        passthroughBehavior: never
        requestTemplates: {application/json: '{}'}
        responses: {default: {statusCode: "200"}}
  /down:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:1/"}
`
	base, _ := gatewayFor(t, "127.0.0.1:1", map[string]string{"gatehouse.yaml": petsConfig, "pets.yaml": def})
	resp, body := get(t, base+"/prod/nothing")
	if resp.StatusCode != 404 || body != `{"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN", "stage": "prod"}` ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" {
		t.Errorf("missing token: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do(t, http.MethodPost, base+"/prod/never", "a=b", "Content-Type", "text/plain")
	if resp.StatusCode != 415 || body != `{"message": "Unsupported Media Type"}` || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("DEFAULT_4XX headers only: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = get(t, base+"/prod/down")
	if resp.StatusCode != 500 || body != `{"oops": true}` {
		t.Errorf("DEFAULT_5XX: %d %s", resp.StatusCode, body)
	}
}

func TestJWTAuthorizer(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var idp *httptest.Server
	idp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer": %q, "jwks_uri": %q}`, idp.URL, idp.URL+"/jwks")
		case "/jwks":
			_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer idp.Close()
	sign := func(claims map[string]any) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(s).Claims(claims).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	be := echoBackend(t)
	def := `
openapi: 3.0.1
info: {title: t, version: "1"}
components:
  securitySchemes:
    jwt-auth:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: ` + idp.URL + `
          audience: [my-client]
paths:
  /me:
    get:
      security: [{jwt-auth: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://{{backend}}/me
        payloadFormatVersion: "1.0"
        requestParameters:
          "overwrite:header.x-sub": "$context.authorizer.claims.sub"
  /admin:
    get:
      security: [{jwt-auth: [admin]}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/admin", payloadFormatVersion: "1.0"}
`
	cfg := "apis: [{name: j, protocol: HTTP, definition: api.yaml}]\n"
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": cfg, "api.yaml": def})
	now := time.Now().Unix()
	good := sign(map[string]any{"iss": idp.URL, "aud": "my-client", "sub": "user-1", "exp": now + 300, "scope": "read"})
	resp, body := get(t, base+"/me", "Authorization", "Bearer "+good)
	if resp.StatusCode != 200 || decodeEcho(t, body).Headers.Get("X-Sub") != "user-1" {
		t.Errorf("valid token: %d %s", resp.StatusCode, body)
	}
	for name, c := range map[string]struct {
		path, header string
		status       int
		body         string
	}{
		"no token":      {"/me", "", 401, `{"message":"Unauthorized"}`},
		"expired":       {"/me", "Bearer " + sign(map[string]any{"iss": idp.URL, "aud": "my-client", "exp": now - 60}), 401, `{"message":"Unauthorized"}`},
		"wrong aud":     {"/me", "Bearer " + sign(map[string]any{"iss": idp.URL, "aud": "other", "exp": now + 60}), 401, `{"message":"Unauthorized"}`},
		"garbage":       {"/me", "Bearer abc.def.ghi", 401, `{"message":"Unauthorized"}`},
		"missing scope": {"/admin", "Bearer " + good, 403, `{"message":"Forbidden"}`},
	} {
		var h []string
		if c.header != "" {
			h = []string{"Authorization", c.header}
		}
		if resp, body := get(t, base+c.path, h...); resp.StatusCode != c.status || body != c.body {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	admin := sign(map[string]any{"iss": idp.URL, "aud": "my-client", "exp": now + 60, "scope": "read admin"})
	if resp, body := get(t, base+"/admin", "Authorization", "Bearer "+admin); resp.StatusCode != 200 {
		t.Errorf("admin scope: %d %s", resp.StatusCode, body)
	}
}
