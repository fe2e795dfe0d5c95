package config

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// TestCognitoAndCORS loads the cognito: section and an inline API's cors:
// as README shows them.
func TestCognitoAndCORS(t *testing.T) {
	root, err := yamlx.Parse("inline.yaml", []byte(`
apis:
  - name: web
    protocol: HTTP
    cors: {allowOrigins: ["http://localhost:5173"], allowMethods: ["*", get], allowHeaders: [Authorization], maxAge: 0}
    routes: {$default: {integration: {type: HTTP_PROXY, httpMethod: ANY, uri: "http://127.0.0.1:1"}}}
cognito:
  userPools:
    - id: us-east-1_Gatehouse1
      issuer: http://127.0.0.1:9229/us-east-1_Gatehouse1
      jwksUri: http://127.0.0.1:9229/keys
      clients: [{id: web-client, name: web}, {id: cli}]
    - id: eu-west-2_AbC123
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode("inline.yaml", root)
	if err != nil {
		t.Fatal(err)
	}
	cors := c.APIs[0].CORS
	if cors == nil || cors.AllowOrigins[0] != "http://localhost:5173" || cors.AllowMethods[0] != "*" || cors.AllowMethods[1] != "GET" ||
		cors.AllowHeaders[0] != "authorization" || cors.MaxAge == nil || *cors.MaxAge != 0 || cors.AllowCredentials {
		t.Errorf("cors = %+v", cors)
	}
	p, ok := c.Cognito.UserPool("us-east-1_Gatehouse1")
	if !ok || p.Issuer != "http://127.0.0.1:9229/us-east-1_Gatehouse1" || p.JWKSURI != "http://127.0.0.1:9229/keys" ||
		len(p.Clients) != 2 || p.Clients[0] != (UserPoolClient{ID: "web-client", Name: "web"}) || p.Clients[1].ID != "cli" {
		t.Errorf("pool 1 = %+v, %v", p, ok)
	}
	if p, ok := c.Cognito.UserPool("eu-west-2_AbC123"); !ok || p.Issuer != "" || p.JWKSURI != "" || p.Clients != nil {
		t.Errorf("pool 2 = %+v, %v", p, ok)
	}
	if _, ok := c.Cognito.UserPool("us-east-1_Missing"); ok {
		t.Error("an unlisted pool was found")
	}
}
