package openapi

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

func TestCognitoAuthorizer(t *testing.T) {
	doc := `
openapi: 3.0.1
info: {title: t, version: "1"}
components:
  securitySchemes:
    pool:
      type: apiKey
      name: X-Id-Token
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: COGNITO_USER_POOLS
        providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Gatehouse1", "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/${stageVariables.pool}"]
        identityValidationExpression: "web-.*"
    tok:
      type: apiKey
      name: X-Token
      in: header
      x-amazon-apigateway-authorizer: {type: token, authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"}
security: [{pool: []}]
paths:
  /me:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
  /orders:
    get:
      security: [{pool: [orders/read, orders/write]}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
  /lambda:
    get:
      security: [{tok: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
`
	root, err := yamlx.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Decode("t.yaml", root, model.REST)
	if err != nil {
		t.Fatal(err)
	}
	a := def.Authorizers["pool"]
	if a == nil || a.Type != model.AuthorizerCognito || a.IdentitySource != "method.request.header.X-Id-Token" ||
		len(a.ProviderARNs) != 2 || a.IdentityValidationExpression != "web-.*" {
		t.Fatalf("authorizer = %+v", a)
	}
	if tok := def.Authorizers["tok"]; tok == nil || tok.IdentitySource != "method.request.header.X-Token" {
		t.Errorf("token authorizer without identitySource = %+v", tok)
	}
	got := map[string]*model.Route{}
	for _, r := range def.Routes {
		got[r.Path] = r
	}
	if r := got["/me"]; r.Authorization != model.AuthCognito || r.Authorizer != "pool" || len(r.AuthorizationScopes) != 0 {
		t.Errorf("/me = %+v", r)
	}
	if r := got["/orders"]; r.Authorization != model.AuthCognito || strings.Join(r.AuthorizationScopes, " ") != "orders/read orders/write" {
		t.Errorf("/orders = %+v", r)
	}
	// An HTTP API has no Cognito authorizers.
	if _, err := Decode("t.yaml", root, model.HTTP); err == nil || !strings.Contains(err.Error(), "cognito_user_pools authorizers exist only for REST APIs") {
		t.Errorf("HTTP API: %v", err)
	}
}

func TestDecodeCORS(t *testing.T) {
	root, err := yamlx.Parse("t.yaml", []byte(`
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["https://a.example", "https://*"]
  allowCredentials: true
  exposeHeaders: [X-Request-Id]
  maxAge: -1
  allowMethods: [get, OPTIONS, "*"]
  allowHeaders: [Content-Type]
paths:
  /x:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
`))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Decode("t.yaml", root, model.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	c := def.CORS
	if c == nil || strings.Join(c.AllowOrigins, " ") != "https://a.example https://*" || !c.AllowCredentials ||
		strings.Join(c.ExposeHeaders, " ") != "x-request-id" || c.MaxAge == nil || *c.MaxAge != -1 ||
		strings.Join(c.AllowMethods, " ") != "GET OPTIONS *" || strings.Join(c.AllowHeaders, " ") != "content-type" {
		t.Errorf("cors = %+v", c)
	}
	for name, c := range map[string]struct{ cors, want string }{
		"unknown key": {`{allowOrigin: ["*"]}`, `unknown key "allowOrigin"`},
		"ANY method":  {`{allowMethods: [ANY]}`, `"ANY" is not an HTTP method or *`},
		"credentials": {`{allowOrigins: ["*"], allowCredentials: true}`, `allow-credentials is not supported if 'allow-origin' is *`},
		"max age":     {`{maxAge: -2}`, `must be between -1 and 86400 seconds, not -2`},
		"not a map":   {`[1]`, `must be a mapping`},
	} {
		root, err := yamlx.Parse("t.yaml", []byte("openapi: 3.0.1\nx-amazon-apigateway-cors: "+c.cors+"\npaths: {}\n"))
		if err == nil {
			_, err = Decode("t.yaml", root, model.HTTP)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
