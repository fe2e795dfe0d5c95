package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

const (
	cognitoPool     = "us-east-1_Gatehouse1"
	cognitoClient   = "3n4b5urk1ft4fl3mg5e62d9ado"
	cognitoIdentity = "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b"
	cognitoLogin    = "cognito-idp.us-east-1.amazonaws.com/" + cognitoPool
	bobPassword     = "Passw0rd!seed-001"
	restHost        = "secureapi1.execute-api.localhost"
)

// freePort returns a loopback port that was free a moment ago: the HTTP
// API's JWT authorizer names the pool's issuer, so the awsEndpoints port
// must be known before the config is written.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// cognitoConfig writes seed 001's set-up: a hosted user pool with bob, an
// identity pool whose authenticated role may invoke the REST API's
// AWS_IAM route, a Cognito authorizer on another route, and an HTTP API
// with a JWT authorizer whose issuer is the pool.
func cognitoConfig(t *testing.T, backend, awsPort string) string {
	t.Helper()
	return cognitoConfigFor(t, backend, awsPort, "http://127.0.0.1:"+awsPort+"/"+cognitoPool, "sqlite://iam.db")
}

// cognitoConfigFor is cognitoConfig with the pool's issuer and the store
// given (nodes sharing a store publish one issuer URL).
func cognitoConfigFor(t *testing.T, backend, awsPort, issuer, storeDSN string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"gatehouse.yaml": `
listen: 127.0.0.1:0
admin: 127.0.0.1:0
awsEndpoints:
  listen: 127.0.0.1:` + awsPort + `
apis:
  - name: secure
    id: secureapi1
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "` + backend + `"}
  - name: web
    id: webapi0000
    protocol: HTTP
    authorizers:
      pool: {type: jwt, issuer: "` + issuer + `", audience: [` + cognitoClient + `]}
    routes:
      "GET /me":
        authorizationType: JWT
        authorizer: pool
        integration: {type: http_proxy, httpMethod: GET, uri: "http://` + backend + `/me"}
iam:
  store: ` + storeDSN + `
  roles:
    - name: CognitoAuthRole
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": "` + cognitoIdentity + `"}
              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}
      policies:
        - name: invoke
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/*/pets/*"}]}
cognito:
  userPools:
    - id: ` + cognitoPool + `
      issuer: ` + issuer + `
      clients: [{id: ` + cognitoClient + `, name: web}]
      users:
        - username: bob
          password: "` + bobPassword + `"
          attributes: {email: bob@example.com, email_verified: "true"}
  identityPools:
    - id: "` + cognitoIdentity + `"
      providers: [{userPool: ` + cognitoPool + `, clientId: ` + cognitoClient + `}]
      authenticatedRole: CognitoAuthRole
`,
		"api.yaml": `
openapi: 3.0.1
info: {title: secure, version: "1"}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/` + cognitoPool + `]
paths:
  /pets/{id}:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/pets/{id}
        requestParameters:
          integration.request.path.id: method.request.path.id
          integration.request.header.x-caller-arn: context.identity.userArn
          integration.request.header.x-cognito-id: context.identity.cognitoIdentityId
          integration.request.header.x-cognito-pool: context.identity.cognitoIdentityPoolId
          integration.request.header.x-cognito-type: context.identity.cognitoAuthenticationType
          integration.request.header.x-cognito-provider: context.identity.cognitoAuthenticationProvider
  /profile:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/profile
        requestParameters:
          integration.request.header.x-email: context.authorizer.claims.email
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "gatehouse.yaml")
}

// startCognito starts gatehouse with cognitoConfig and returns it and the
// awsEndpoints URL.
func startCognito(t *testing.T, backend string) (*process, string) {
	t.Helper()
	port := freePort(t)
	return start(t, "serve", "-c", cognitoConfig(t, backend, port)), "http://127.0.0.1:" + port
}

// Seed 001 end to end with aws-sdk-go-v2 and nothing else on the client
// side: InitiateAuth (user pool) → GetId → GetCredentialsForIdentity
// (identity pool) → a SigV4-signed call to the AWS_IAM route with the
// temporary credentials; the backend sees the Cognito identity. The
// same ID token passes the REST Cognito authorizer and the HTTP API JWT
// authorizer, which verify it through the pool's discovery document.
func TestCognitoSeed001EndToEnd(t *testing.T) {
	be := headersBackend(t)
	p, awsURL := startCognito(t, be.Listener.Addr().String())
	ctx := context.Background()
	up := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(awsURL), RetryMaxAttempts: 1})
	auth, err := up.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(cognitoClient),
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": bobPassword}})
	if err != nil {
		t.Fatal(err)
	}
	idToken := aws.ToString(auth.AuthenticationResult.IdToken)

	idp := ci.New(ci.Options{Region: "us-east-1", BaseEndpoint: aws.String(awsURL), RetryMaxAttempts: 1})
	logins := map[string]string{cognitoLogin: idToken}
	got, err := idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(cognitoIdentity), Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: got.IdentityId, Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	c := creds.Credentials
	session := awsCreds{id: aws.ToString(c.AccessKeyId), secret: aws.ToString(c.SecretKey), token: aws.ToString(c.SessionToken)}
	if !strings.HasPrefix(session.id, "ASIA") {
		t.Fatalf("credentials: %+v", c)
	}
	status, body, _ := signed(t, "GET", p.api+"/prod/pets/7", "", session, time.Now(), restHost)
	if status != 200 {
		t.Fatalf("signed GET: %d %s", status, body)
	}
	var seen struct {
		Path    string      `json:"path"`
		Headers http.Header `json:"headers"`
	}
	json.Unmarshal([]byte(body), &seen)
	var sub string
	if parts := strings.Split(idToken, "."); len(parts) == 3 {
		sub = claimOf(t, parts[1], "sub")
	}
	h := seen.Headers
	if seen.Path != "/pets/7" || h.Get("X-Caller-Arn") != "arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials" ||
		h.Get("X-Cognito-Id") != aws.ToString(got.IdentityId) || h.Get("X-Cognito-Pool") != cognitoIdentity ||
		h.Get("X-Cognito-Type") != "authenticated" ||
		h.Get("X-Cognito-Provider") != cognitoLogin+","+cognitoLogin+":CognitoSignIn:"+sub {
		t.Errorf("backend saw %s %v", seen.Path, h)
	}
	// The session token belongs to that key only.
	forged := session
	forged.token = forged.token[:40] + strings.Repeat("A", 8) + forged.token[48:]
	if status, body, _ := signed(t, "GET", p.api+"/prod/pets/7", "", forged, time.Now(), restHost); status != 403 ||
		body != `{"message":"The security token included in the request is invalid."}` {
		t.Errorf("altered session token: %d %s", status, body)
	}

	// The REST Cognito authorizer and the HTTP API JWT authorizer accept
	// the pool's ID token.
	req, _ := http.NewRequest("GET", p.api+"/prod/profile", nil)
	req.Host = restHost
	req.Header.Set("Authorization", idToken)
	status, body, _ = send(t, req)
	json.Unmarshal([]byte(body), &seen)
	if status != 200 || seen.Headers.Get("X-Email") != "bob@example.com" {
		t.Errorf("Cognito authorizer: %d %s", status, body)
	}
	req, _ = http.NewRequest("GET", p.api+"/me", nil)
	req.Host = "webapi0000.execute-api.localhost"
	req.Header.Set("Authorization", "Bearer "+idToken)
	if status, body, _ := send(t, req); status != 200 {
		t.Errorf("JWT authorizer refused the pool's ID token: %d %s", status, body)
	}
}

func claimOf(t *testing.T, payload, name string) string {
	t.Helper()
	var m map[string]any
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &m)
	s, _ := m[name].(string)
	return s
}

// Two gateway processes on one PostgreSQL store (one issuer URL, as
// behind a load balancer): a user signs in on node 1, trades the token
// on node 2, and the credentials work on both.
func TestCognitoAcrossNodes(t *testing.T) {
	dsn := postgresDSN(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("GATEHOUSE_STORE_KEY", base64.StdEncoding.EncodeToString(key))
	be := headersBackend(t)
	port1, port2 := freePort(t), freePort(t)
	issuer := "http://127.0.0.1:" + port1 + "/" + cognitoPool
	node1 := start(t, "serve", "-c", cognitoConfigFor(t, be.Listener.Addr().String(), port1, issuer, dsn))
	node2 := start(t, "serve", "-c", cognitoConfigFor(t, be.Listener.Addr().String(), port2, issuer, dsn))
	ctx := context.Background()
	up := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:" + port1), RetryMaxAttempts: 1})
	auth, err := up.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(cognitoClient),
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": bobPassword}})
	if err != nil {
		t.Fatal(err)
	}
	logins := map[string]string{cognitoLogin: aws.ToString(auth.AuthenticationResult.IdToken)}
	var ids []string
	var creds *ci.GetCredentialsForIdentityOutput
	for _, port := range []string{port1, port2} {
		idp := ci.New(ci.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:" + port), RetryMaxAttempts: 1})
		got, err := idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(cognitoIdentity), Logins: logins})
		if err != nil {
			t.Fatalf("node on %s: %v", port, err)
		}
		ids = append(ids, aws.ToString(got.IdentityId))
		if creds, err = idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: got.IdentityId, Logins: logins}); err != nil {
			t.Fatalf("node on %s: %v", port, err)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("the nodes give one user two identities: %v", ids)
	}
	c := creds.Credentials
	session := awsCreds{id: aws.ToString(c.AccessKeyId), secret: aws.ToString(c.SecretKey), token: aws.ToString(c.SessionToken)}
	for _, n := range []*process{node1, node2} {
		if status, body, _ := signed(t, "GET", n.api+"/prod/pets/3", "", session, time.Now(), restHost); status != 200 {
			t.Errorf("node %s: %d %s", n.api, status, body)
		}
	}
}
