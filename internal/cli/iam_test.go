package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/cli"
)

const (
	aliceKey    = "AKIAGATEHOUSEALICE01"
	aliceSecret = "aliceSecretKey0000000000000000000000000001"
)

// iamConfig is a REST API with AWS_IAM methods, an IAM store in dir and a
// seeded user alice allowed to GET /pets*, denied /pets/secret.
func iamConfig(t *testing.T, backend, extra string) (cfgPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"gatehouse.yaml": `
listen: 127.0.0.1:0
admin: 127.0.0.1:0
apis:
  - name: secure
    id: secureapi1
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "` + backend + `"}
iam:
  store: sqlite://iam.db
  users:
    - name: alice
      accessKeys: [{id: ` + aliceKey + `, secret: ` + aliceSecret + `}]
      policies:
        - name: invoke
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/*/pets*"}
              - {Effect: Deny, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/secret"}
` + extra,
		"api.yaml": `
openapi: 3.0.1
info: {title: secure, version: "1"}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /pets/{proxy+}:
    x-amazon-apigateway-any-method:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters:
          integration.request.header.x-caller-arn: context.identity.userArn
          integration.request.header.x-caller-key: context.identity.accessKey
        x-gatehouse-forward-identity: jwt
  /public:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/public"}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "gatehouse.yaml"), dir
}

// headersBackend answers with the headers it received, as JSON.
func headersBackend(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "headers": r.Header})
	}))
	t.Cleanup(srv.Close)
	return srv
}

type awsCreds struct{ id, secret, token string }

// signed sends a request signed by aws-sdk-go-v2's signer.
func signed(t *testing.T, method, url, body string, c awsCreds, at time.Time, host string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token},
		req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestAWSIAMEndToEnd(t *testing.T) {
	be := headersBackend(t)
	cfg, dir := iamConfig(t, be.Listener.Addr().String(), "")
	p := start(t, "serve", "-c", cfg)
	alice := awsCreds{id: aliceKey, secret: aliceSecret}
	now := time.Now()

	// Signed and allowed: 200, with the caller in $context.identity.
	status, body, _ := signed(t, "GET", p.api+"/prod/pets/1?x=a%20b", "", alice, now, "")
	if status != 200 {
		t.Fatalf("signed GET: %d %s", status, body)
	}
	var seen struct {
		Path    string      `json:"path"`
		Headers http.Header `json:"headers"`
	}
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Path != "/1" || seen.Headers.Get("X-Caller-Arn") != "arn:aws:iam::123456789012:user/alice" || seen.Headers.Get("X-Caller-Key") != aliceKey {
		t.Errorf("backend saw %+v", seen)
	}
	if seen.Headers.Get("Authorization") != "" || seen.Headers.Get("X-Amz-Date") == "" {
		t.Errorf("the Authorization header must be consumed on AWS_IAM methods: %v", seen.Headers)
	}
	// Identity forwarding as a JWT, verified with the JWKS the admin
	// listener publishes.
	verifyForwardedToken(t, p.admin, seen.Headers.Get("X-Gatehouse-Identity"), "arn:aws:iam::123456789012:user/alice")

	// POST with a body.
	if status, body, _ := signed(t, "POST", p.api+"/prod/pets/new", `{"name":"rex"}`, alice, now, ""); status != 200 {
		t.Errorf("signed POST: %d %s", status, body)
	}

	for _, c := range []struct {
		name       string
		status     int
		errType    string
		bodyPrefix string
		do         func() (int, string, http.Header)
	}{
		{"unsigned", 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`, func() (int, string, http.Header) {
			req, _ := http.NewRequest("GET", p.api+"/prod/pets/1", nil)
			return send(t, req)
		}},
		{"unknown key", 403, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`, func() (int, string, http.Header) {
			return signed(t, "GET", p.api+"/prod/pets/1", "", awsCreds{id: "AKIANOBODY0000000000", secret: aliceSecret}, now, "")
		}},
		{"wrong secret", 403, "InvalidSignatureException", `{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/prod/pets/1\n`, func() (int, string, http.Header) {
			return signed(t, "GET", p.api+"/prod/pets/1", "", awsCreds{id: aliceKey, secret: "wrong"}, now, "")
		}},
		{"clock skew", 403, "InvalidSignatureException", `{"message":"Signature expired: `, func() (int, string, http.Header) {
			return signed(t, "GET", p.api+"/prod/pets/1", "", alice, now.Add(-10*time.Minute), "")
		}},
		{"explicit deny", 403, "AccessDeniedException", `{"Message":"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/secret with an explicit deny"}`, func() (int, string, http.Header) {
			return signed(t, "GET", p.api+"/prod/pets/secret", "", alice, now, "")
		}},
		{"signed for another host", 403, "InvalidSignatureException", `{"message":"The request signature we calculated does not match`, func() (int, string, http.Header) {
			req, _ := http.NewRequest("GET", p.api+"/prod/pets/1", nil)
			req.Host = "api.example.com"
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}, req, emptySHA256, "execute-api", "us-east-1", now); err != nil {
				t.Fatal(err)
			}
			req.Host = "" // arrives with the gateway's own host, as through a proxy
			return send(t, req)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body, h := c.do()
			if status != c.status || h.Get("X-Amzn-Errortype") != c.errType || !strings.HasPrefix(body, c.bodyPrefix) {
				t.Errorf("%d %s %q\nwant %d %s %q...", status, h.Get("X-Amzn-Errortype"), body, c.status, c.errType, c.bodyPrefix)
			}
		})
	}

	// A NONE method beside them stays open and keeps Authorization.
	req, _ := http.NewRequest("GET", p.api+"/prod/public", nil)
	req.Header.Set("Authorization", "Bearer abc")
	req.Header.Set("X-Gatehouse-Caller-Arn", "spoofed")
	status, body, _ = send(t, req)
	if status != 200 || !strings.Contains(body, `"Authorization":["Bearer abc"]`) || strings.Contains(body, "spoofed") {
		t.Errorf("public: %d %s", status, body)
	}

	// The CLI changes the store of the running gateway: a new user with a
	// new key is refused until a policy allows it, within a second.
	bob := createUserWithKey(t, cfg, "bob")
	if status, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", bob, time.Now(), ""); status != 403 ||
		body != `{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/1"}` {
		// The key may not have reached the snapshot yet: then it is unknown.
		if !strings.Contains(body, "security token included in the request is invalid") {
			t.Errorf("bob without policy: %d %s", status, body)
		}
	}
	policy := filepath.Join(dir, "bob.json")
	os.WriteFile(policy, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`), 0o644)
	runCLI(t, 0, "iam", "put-user-policy", "-c", cfg, "--user-name", "bob", "--policy-name", "all", "--policy-document", "file://"+policy)
	waitFor(t, "bob's policy to take effect", func() bool {
		status, _, _ := signed(t, "GET", p.api+"/prod/pets/1", "", bob, time.Now(), "")
		return status == 200
	})
	runCLI(t, 0, "iam", "update-access-key", "-c", cfg, "--user-name", "bob", "--access-key-id", bob.id, "--status", "Inactive")
	waitFor(t, "the inactive key to be refused", func() bool {
		_, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", bob, time.Now(), "")
		return strings.Contains(body, "The security token included in the request is invalid.")
	})

	// gatehouse curl signs with the standard credential chain.
	t.Setenv("AWS_ACCESS_KEY_ID", aliceKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", aliceSecret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	out := runCLI(t, 0, "curl", "-s", p.api+"/prod/pets/curl")
	if !strings.Contains(out, `"path":"/curl"`) {
		t.Errorf("gatehouse curl: %s", out)
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestTrustedProxyHostAlias(t *testing.T) {
	be := headersBackend(t)
	cfg, _ := iamConfig(t, be.Listener.Addr().String(), "trustedProxies:\n  networks: [127.0.0.1]\n  hosts: [api.example.com]\n")
	p := start(t, "serve", "-c", cfg)
	req, _ := http.NewRequest("GET", p.api+"/prod/pets/1", nil)
	req.Host = "api.example.com"
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}, req, emptySHA256, "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	req.Host = "" // forwarded by the proxy to the gateway's own address
	if status, body, _ := send(t, req); status != 200 {
		t.Errorf("signed for the public host through a trusted proxy: %d %s", status, body)
	}
}

func verifyForwardedToken(t *testing.T, admin, token, wantSubject string) {
	t.Helper()
	if token == "" {
		t.Fatal("no X-Gatehouse-Identity token forwarded")
	}
	resp, err := http.Get(admin + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	err = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.Claims
	var extra map[string]any
	if err := tok.Claims(set, &claims, &extra); err != nil {
		t.Fatalf("token does not verify with the published JWKS: %v", err)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: admin, Time: time.Now()}, 0); err != nil {
		t.Errorf("claims: %v", err)
	}
	if claims.Subject != wantSubject || extra["accessKey"] != aliceKey || extra["apiId"] != "secureapi1" {
		t.Errorf("claims %+v %v", claims, extra)
	}
	// A tampered token must not verify.
	if bad, err := jwt.ParseSigned(token[:len(token)-4]+"AAAA", []jose.SignatureAlgorithm{jose.ES256}); err == nil {
		if err := bad.Claims(set, &claims); err == nil {
			t.Error("a tampered token verified")
		}
	}
}

func createUserWithKey(t *testing.T, cfg, name string) awsCreds {
	t.Helper()
	out := runCLI(t, 0, "iam", "create-user", "-c", cfg, "--user-name", name)
	if !strings.Contains(out, `"UserName": "`+name+`"`) || !strings.Contains(out, `"Arn": "arn:aws:iam::123456789012:user/`+name+`"`) || !strings.Contains(out, "+00:00") {
		t.Errorf("create-user output:\n%s", out)
	}
	out = runCLI(t, 0, "iam", "create-access-key", "-c", cfg, "--user-name", name)
	var key struct {
		AccessKey struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			Status          string
		}
	}
	if err := json.Unmarshal([]byte(out), &key); err != nil || key.AccessKey.Status != "Active" || !strings.HasPrefix(key.AccessKey.AccessKeyID, "AKIA") {
		t.Fatalf("create-access-key output %q: %v", out, err)
	}
	return awsCreds{id: key.AccessKey.AccessKeyID, secret: key.AccessKey.SecretAccessKey}
}

func runCLI(t *testing.T, wantCode int, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.Run(args, &out, &errOut); code != wantCode {
		t.Fatalf("gatehouse %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out.String(), errOut.String())
	}
	return out.String()
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second) // changes must show within 1 s
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIAMCommandErrors(t *testing.T) {
	store := "sqlite://" + filepath.Join(t.TempDir(), "iam.db")
	var out, errOut bytes.Buffer
	if code := cli.Run([]string{"iam", "get-user", "--store", store, "--user-name", "nobody"}, &out, &errOut); code != 254 ||
		!strings.Contains(errOut.String(), "An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found.") {
		t.Errorf("get-user: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := cli.Run([]string{"iam", "create-user", "--store", store}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--user-name") {
		t.Errorf("missing flag: %d %q", code, errOut.String())
	}
	runCLI(t, 0, "iam", "create-user", "--store", store, "--user-name", "carol")
	errOut.Reset()
	if code := cli.Run([]string{"iam", "put-user-policy", "--store", store, "--user-name", "carol", "--policy-name", "p", "--policy-document", `{"Statement": "nope"`}, &out, &errOut); code != 254 ||
		!strings.Contains(errOut.String(), "MalformedPolicyDocument") {
		t.Errorf("bad policy: %d %q", code, errOut.String())
	}
	if out := runCLI(t, 0, "iam", "list-users", "--store", store); !strings.Contains(out, `"UserName": "carol"`) {
		t.Errorf("list-users: %s", out)
	}
}
