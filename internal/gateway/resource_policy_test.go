package gateway_test

import (
	"testing"

	"github.com/go-jose/go-jose/v4"
)

const policyConfig = `
apis:
  - name: guarded
    id: guarded001
    definition: api.yaml
    stages: {prod: {}}
functions:
  - {name: tokens, runtime: nodejs20.x, handler: index.handler, code: tokens, concurrency: 1}
cognito:
  userPools:
    - id: us-east-1_Gatehouse1
      issuer: "{{idp}}/us-east-1_Gatehouse1"
`

// policyDefinition has a resource policy that allows one IAM user
// everywhere (which matches no caller of a Lambda or Cognito method:
// they have no IAM identity), allows everyone a few resources, and denies
// loopback callers the */blocked resources; and methods without
// authorization, with a Lambda TOKEN authorizer and with a Cognito one.
const policyDefinition = `
swagger: "2.0"
info: {title: guarded, version: "1"}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}, Action: "execute-api:Invoke", Resource: "execute-api:/*"}
    - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: ["execute-api:/*/GET/open", "execute-api:/*/POST/lambda/public", "execute-api:/*/GET/cognito/open"]}
    - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*/blocked", Condition: {IpAddress: {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}
securityDefinitions:
  tok:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:tokens/invocations
      authorizerResultTtlInSeconds: 0
  pool:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer:
      type: cognito_user_pools
      providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Gatehouse1]
paths:
  /open:
    get:
      x-amazon-apigateway-integration: &ok
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"principal": "$context.authorizer.principalId"}'}}}
  /closed:
    get:
      x-amazon-apigateway-integration: *ok
  /lambda/{item}:
    x-amazon-apigateway-any-method:
      security: [{tok: []}]
      x-amazon-apigateway-integration: *ok
  /cognito/{item}:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration: *ok
`

// tokensJS is a TOKEN authorizer: "allow" allows the stage, "get-only"
// allows its GETs, "deny" denies it, "boom" fails (500), and anything
// else is Unauthorized (401).
const tokensJS = `exports.handler = async (event) => {
  const stage = event.methodArn.split('/').slice(0, 2).join('/');
  const policy = (effect, resource) => ({principalId: 'user-1', policyDocument: {Version: '2012-10-17',
    Statement: [{Action: 'execute-api:Invoke', Effect: effect, Resource: resource}]}});
  switch (event.authorizationToken) {
    case 'allow': return policy('Allow', stage + '/*');
    case 'get-only': return policy('Allow', stage + '/GET/*');
    case 'deny': return policy('Deny', stage + '/*');
    case 'boom': throw new Error('boom');
  }
  throw new Error('Unauthorized');
};
`

// TestResourcePolicyWithAuthorizers checks API Gateway's authorization
// workflow with a resource policy (docs/authorizers.md,
// docs/cognito-authorizers.md): no authorizer needs the policy's Allow; a
// Lambda authorizer is preceded by the policy's explicit Deny and then
// combined with it by table A (either Allow suffices); a Cognito
// authorizer authenticates first, then needs the policy's Allow.
func TestResourcePolicyWithAuthorizers(t *testing.T) {
	needNode(t)
	idp := newUserPoolIdP(t)
	base, _ := serveFiles(t, map[string]string{"gatehouse.yaml": policyConfig, "api.yaml": policyDefinition, "tokens/index.js": tokensJS},
		map[string]string{"{{idp}}": idp.srv.URL})
	tt := newTokenTimes()
	id := signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "web-client", ""))
	arn := "arn:aws:execute-api:us-east-1:123456789012:guarded001/prod/"
	denied := func(resource string, explicit bool) string {
		msg := `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ` + arn + resource
		if explicit {
			msg += " with an explicit deny"
		}
		return msg + `"}`
	}
	for _, c := range []struct {
		name, method, path, auth string
		status                   int
		body                     string
	}{
		{"no authorizer, allowed", "GET", "/open", "", 200, `{"principal": ""}`},
		{"no authorizer, not allowed", "GET", "/closed", "", 403, denied("GET/closed", false)},

		{"Lambda allows, policy silent", "GET", "/lambda/data", "allow", 200, `{"principal": "user-1"}`},
		{"Lambda silent, policy allows", "POST", "/lambda/public", "get-only", 200, `{"principal": "user-1"}`},
		{"both silent", "POST", "/lambda/data", "get-only", 403, `{"Message":"User is not authorized to access this resource"}`},
		{"Lambda denies", "GET", "/lambda/data", "deny", 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		{"Lambda allows, policy denies the source IP", "GET", "/lambda/blocked", "allow", 403, denied("GET/lambda/blocked", true)},
		// Pre-auth: the function, which would fail, is not called.
		{"policy denies before the authorizer runs", "GET", "/lambda/blocked", "boom", 403, denied("GET/lambda/blocked", true)},
		{"the failing authorizer elsewhere", "GET", "/lambda/data", "boom", 500, `{"message": null}`},
		{"policy denies, no token", "GET", "/lambda/blocked", "", 403, denied("GET/lambda/blocked", true)},

		{"Cognito token, policy allows", "GET", "/cognito/open", id, 200, `{"principal": ""}`},
		{"Cognito token, policy silent", "GET", "/cognito/data", id, 403, denied("GET/cognito/data", false)},
		{"Cognito token, policy denies", "GET", "/cognito/blocked", id, 403, denied("GET/cognito/blocked", true)},
		{"Cognito authenticates first", "GET", "/cognito/blocked", "bad.token.here", 401, `{"message":"Unauthorized"}`},
	} {
		var h []string
		if c.auth != "" {
			h = []string{"Authorization", c.auth}
		}
		resp, body := do(t, c.method, base+"/prod"+c.path, "", h...)
		if resp.StatusCode != c.status || body != c.body {
			t.Errorf("%s: %d %s\nwant %d %s", c.name, resp.StatusCode, body, c.status, c.body)
		}
		if c.status == 403 && resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
			t.Errorf("%s: x-amzn-ErrorType %q", c.name, resp.Header.Get("X-Amzn-Errortype"))
		}
	}
}
