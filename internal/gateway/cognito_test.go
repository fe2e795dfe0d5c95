package gateway_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// userPoolIdP stands in for Cognito on loopback: pool us-east-1_Gatehouse1
// publishes its discovery document and key set under its issuer, as
// Cognito does; /keys2 is a second pool's key set, configured by URL.
type userPoolIdP struct {
	srv        *httptest.Server
	key, key2  *rsa.PrivateKey
	issuer     string // pool 1's issuer, {srv}/us-east-1_Gatehouse1
	jwksCalls  atomic.Int64
	pool2Calls atomic.Int64
}

func newUserPoolIdP(t *testing.T) *userPoolIdP {
	t.Helper()
	p := &userPoolIdP{key: rsaKey(t), key2: rsaKey(t)}
	mux := http.NewServeMux()
	keys := func(k *rsa.PrivateKey, kid string) []byte {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
		return b
	}
	mux.HandleFunc("GET /us-east-1_Gatehouse1/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": p.issuer, "jwks_uri": p.issuer + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /us-east-1_Gatehouse1/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		p.jwksCalls.Add(1)
		_, _ = w.Write(keys(p.key, "k1"))
	})
	mux.HandleFunc("GET /keys2", func(w http.ResponseWriter, r *http.Request) {
		p.pool2Calls.Add(1)
		_, _ = w.Write(keys(p.key2, "k2"))
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL + "/us-east-1_Gatehouse1"
	return p
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signToken signs payload, used verbatim (claim order under the test's
// control), as a compact JWS.
func signToken(t *testing.T, alg jose.SignatureAlgorithm, key any, kid, payload string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenTimes are the auth_time, iat and exp of the test tokens.
type tokenTimes struct{ now, exp int64 }

func newTokenTimes() tokenTimes {
	now := time.Now().Unix()
	return tokenTimes{now: now, exp: now + 3600}
}

// idToken is a Cognito ID token's payload, claims in Cognito's order.
func (tt tokenTimes) idToken(iss, aud, extra string) string {
	return `{"sub":"u-1","cognito:groups":["admin","staff"],"email_verified":true,"iss":"` + iss + `","cognito:username":"alice","aud":"` + aud +
		`","token_use":"id","auth_time":` + itoa(tt.now) + `,"exp":` + itoa(tt.exp) + `,"iat":` + itoa(tt.now) + `,"email":"alice@example.com"` + extra + `}`
}

// accessToken is a Cognito access token's payload.
func (tt tokenTimes) accessToken(iss, client, scope string) string {
	return `{"sub":"u-1","iss":"` + iss + `","client_id":"` + client + `","token_use":"access","scope":"` + scope +
		`","auth_time":` + itoa(tt.now) + `,"exp":` + itoa(tt.exp) + `,"iat":` + itoa(tt.now) + `,"username":"alice"}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// javaDate is how REST APIs render exp and iat in claims.
func javaDate(sec int64) string {
	return time.Unix(sec, 0).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
}

// serveFiles writes files (paths may have directories; {{dir}} is the
// temp dir, and each key of repl is replaced by its value) and runs
// `gatehouse serve` on the gatehouse.yaml among them.
func serveFiles(t *testing.T, files, repl map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	pairs := []string{"{{dir}}", dir}
	for k, v := range repl {
		pairs = append(pairs, k, v)
	}
	r := strings.NewReplacer(pairs...)
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(r.Replace(content)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml")), dir
}

func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
}

const cognitoConfig = `
apis:
  - name: pools
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "{{backend}}", pool: us-east-1_Jwksonly1}
        accessLog:
          format: '$context.authorizer.claims.sub $context.authorizer.claims.email $context.status'
          destination: "{{dir}}/access.log"
functions:
  - {name: echo, runtime: nodejs20.x, handler: index.handler, code: echo, concurrency: 1}
cognito:
  userPools:
    - id: us-east-1_Gatehouse1
      issuer: "{{idp}}/us-east-1_Gatehouse1"
      clients: [{id: web-client, name: web}, {id: cli-client}]
    - id: us-east-1_Jwksonly1
      jwksUri: "{{idp}}/keys2"
`

// cognitoDefinition is a REST API as get-export writes one with a
// Cognito authorizer over two pools (the second named by a stage
// variable), a method with authorizationScopes, and one whose authorizer
// reads another header and validates aud.
const cognitoDefinition = `
swagger: "2.0"
info: {title: pools, version: "1"}
x-amazon-apigateway-gateway-responses:
  UNAUTHORIZED:
    responseParameters: {gatewayresponse.header.WWW-Authenticate: "'Bearer realm=pools'"}
securityDefinitions:
  pool:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer:
      type: cognito_user_pools
      providerARNs:
        - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Gatehouse1
        - arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.pool}
  webonly:
    type: apiKey
    name: X-Token
    in: header
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer:
      type: cognito_user_pools
      providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Gatehouse1]
      identityValidationExpression: "web-.*"
paths:
  /me:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"sub": "$context.authorizer.claims.sub", "groups": "$context.authorizer.claims.get(''cognito:groups'')", "exp": "$context.authorizer.claims.exp", "verified": "$context.authorizer.claims.email_verified", "keys": $context.authorizer.claims.keySet().size()}'
  /orders:
    get:
      security: [{pool: [orders/read, orders/write]}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://${stageVariables.backend}/orders
        requestParameters:
          integration.request.header.x-user: context.authorizer.claims.username
  /event:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations
  /web:
    get:
      security: [{webonly: []}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
`

// echoAuthorizerJS answers with the proxy event's requestContext.authorizer.
const echoAuthorizerJS = `exports.handler = async (event) => ({statusCode: 200, body: JSON.stringify(event.requestContext.authorizer)});
`

func TestCognitoAuthorizer(t *testing.T) {
	needNode(t)
	idp := newUserPoolIdP(t)
	be := echoBackend(t)
	base, dir := serveFiles(t, map[string]string{
		"gatehouse.yaml": cognitoConfig, "api.yaml": cognitoDefinition, "echo/index.js": echoAuthorizerJS,
	}, map[string]string{"{{idp}}": idp.srv.URL, "{{backend}}": be.Listener.Addr().String()})
	tt := newTokenTimes()
	const pool2 = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Jwksonly1"
	id := signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "web-client", ""))
	access := signToken(t, jose.RS256, idp.key, "k1", tt.accessToken(idp.issuer, "web-client", "openid orders/read"))

	t.Run("claims in templates", func(t *testing.T) {
		for _, auth := range []string{id, "Bearer " + id} {
			resp, body := get(t, base+"/prod/me", "Authorization", auth)
			want := `{"sub": "u-1", "groups": "admin,staff", "exp": "` + javaDate(tt.exp) + `", "verified": "true", "keys": 11}`
			if resp.StatusCode != 200 || body != want {
				t.Errorf("%.10s…: %d %s\nwant %s", auth, resp.StatusCode, body, want)
			}
		}
	})

	t.Run("claims in the proxy event", func(t *testing.T) {
		resp, body := get(t, base+"/prod/event", "Authorization", id)
		want := `{"claims":{"sub":"u-1","cognito:groups":"admin,staff","email_verified":"true","iss":"` + idp.issuer +
			`","cognito:username":"alice","aud":"web-client","token_use":"id","auth_time":"` + itoa(tt.now) +
			`","exp":"` + javaDate(tt.exp) + `","iat":"` + javaDate(tt.now) + `","email":"alice@example.com"}}`
		if resp.StatusCode != 200 || body != want {
			t.Errorf("%d %s\nwant %s", resp.StatusCode, body, want)
		}
	})

	t.Run("second pool by stage variable and key set URL", func(t *testing.T) {
		tok := signToken(t, jose.RS256, idp.key2, "k2", tt.idToken(pool2, "any-client", ""))
		if resp, body := get(t, base+"/prod/me", "Authorization", tok); resp.StatusCode != 200 {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		if n := idp.pool2Calls.Load(); n != 1 {
			t.Errorf("pool 2 key set fetched %d times, want 1", n)
		}
	})

	t.Run("scopes", func(t *testing.T) {
		resp, body := get(t, base+"/prod/orders", "Authorization", access)
		if resp.StatusCode != 200 || decodeEcho(t, body).Headers.Get("X-User") != "alice" {
			t.Errorf("access token with orders/read: %d %s", resp.StatusCode, body)
		}
		for name, tok := range map[string]string{
			"ID token on a method with scopes":    id,
			"access token without the scopes":     signToken(t, jose.RS256, idp.key, "k1", tt.accessToken(idp.issuer, "web-client", "openid profile")),
			"access token with a scope's prefix":  signToken(t, jose.RS256, idp.key, "k1", tt.accessToken(idp.issuer, "web-client", "orders/re")),
			"access token of a client not listed": signToken(t, jose.RS256, idp.key, "k1", tt.accessToken(idp.issuer, "other-client", "orders/read")),
		} {
			resp, body := get(t, base+"/prod/orders", "Authorization", tok)
			if resp.StatusCode != 401 || body != `{"message":"Unauthorized"}` {
				t.Errorf("%s: %d %s", name, resp.StatusCode, body)
			}
		}
		resp, body = get(t, base+"/prod/me", "Authorization", access)
		if resp.StatusCode != 401 || body != `{"message":"Unauthorized"}` {
			t.Errorf("access token on a method without scopes: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("identityValidationExpression on aud", func(t *testing.T) {
		if resp, body := get(t, base+"/prod/web", "X-Token", id); resp.StatusCode != 200 {
			t.Errorf("aud web-client: %d %s", resp.StatusCode, body)
		}
		cli := signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "cli-client", ""))
		if resp, body := get(t, base+"/prod/web", "X-Token", cli); resp.StatusCode != 401 {
			t.Errorf("aud cli-client: %d %s", resp.StatusCode, body)
		}
		if resp, body := get(t, base+"/prod/web", "Authorization", id); resp.StatusCode != 401 {
			t.Errorf("token in the wrong header: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("bad tokens", func(t *testing.T) {
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		der, err := x509.MarshalPKIXPublicKey(&idp.key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		other := rsaKey(t)
		for name, auth := range map[string]string{
			"no token":                      "",
			"Basic scheme":                  "Basic " + id,
			"garbage":                       "abc.def.ghi",
			"alg none":                      b64(`{"alg":"none","kid":"k1"}`) + "." + b64(tt.idToken(idp.issuer, "web-client", "")) + ".",
			"wrong kid":                     signToken(t, jose.RS256, idp.key, "k9", tt.idToken(idp.issuer, "web-client", "")),
			"other key":                     signToken(t, jose.RS256, other, "k1", tt.idToken(idp.issuer, "web-client", "")),
			"HS256, public key":             signToken(t, jose.HS256, pubPEM, "k1", tt.idToken(idp.issuer, "web-client", "")),
			"HS256, DER key":                signToken(t, jose.HS256, der, "k1", tt.idToken(idp.issuer, "web-client", "")),
			"expired":                       signToken(t, jose.RS256, idp.key, "k1", newTokenTimesAt(-7200).idToken(idp.issuer, "web-client", "")),
			"future nbf":                    signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "web-client", `,"nbf":`+itoa(tt.now+600))),
			"wrong issuer":                  signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.srv.URL+"/us-east-1_Other0001", "web-client", "")),
			"issuer with slash":             signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer+"/", "web-client", "")),
			"pool 2's issuer, pool 1's key": signToken(t, jose.RS256, idp.key, "k1", tt.idToken(pool2, "web-client", "")),
			"wrong audience":                signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "other-client", "")),
			"refresh token use":             signToken(t, jose.RS256, idp.key, "k1", strings.Replace(tt.idToken(idp.issuer, "web-client", ""), `"token_use":"id"`, `"token_use":"refresh"`, 1)),
			"huge token":                    signToken(t, jose.RS256, idp.key, "k1", tt.idToken(idp.issuer, "web-client", `,"pad":"`+strings.Repeat("x", 20000)+`"`)),
		} {
			var h []string
			if auth != "" {
				h = []string{"Authorization", auth}
			}
			resp, body := get(t, base+"/prod/me", h...)
			if resp.StatusCode != 401 || body != `{"message":"Unauthorized"}` || resp.Header.Get("X-Amzn-Errortype") != "UnauthorizedException" ||
				resp.Header.Get("Www-Authenticate") != "Bearer realm=pools" {
				t.Errorf("%s: %d %s %v", name, resp.StatusCode, body, resp.Header)
			}
		}
	})

	t.Run("access log", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) > 1 && lines[0] == "u-1 alice@example.com 200" && strings.Contains(string(b), "\n- - 401\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("access log:\n%s", b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	if n := idp.jwksCalls.Load(); n != 1 {
		t.Errorf("pool 1 key set fetched %d times, want 1 (cached)", n)
	}
}

func newTokenTimesAt(offset int64) tokenTimes {
	now := time.Now().Unix() + offset
	return tokenTimes{now: now, exp: now + 3600}
}
