package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/sigv4"
)

// storeCallers adapts the real IAM store to the gateway, as cmd does.
type storeCallers struct{ s *store.Store }

func (sc storeCallers) Caller(id string) (gateway.Caller, bool) {
	i, ok := sc.s.Identity(id)
	if !ok {
		return gateway.Caller{}, false
	}
	return gateway.Caller{AccessKeyID: i.AccessKeyID, Secret: string(i.Secret), Active: i.Active(), UserName: i.UserName,
		UserID: i.UserID, ARN: i.UserARN, AccountID: i.AccountID, Policies: i.Policies}, true
}

const (
	userKey    = "AKIAGATEWAYTESTUSER1"
	userSecret = "gatewayTestSecret000000000000000000000001"
)

// iamGateway serves files with a real SQLite IAM store holding one user
// whose policy is policy.
func iamGateway(t *testing.T, backend string, files map[string]string, policy string) (string, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "iam.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Apply(context.Background(), []store.SeedUser{{Name: "ana", AccessKeys: []store.SeedAccessKey{{ID: userKey, Secret: store.Secret(userSecret)}},
		Policies: []store.SeedPolicy{{Name: "p", Document: []byte(policy)}}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		content = strings.ReplaceAll(content, "{{backend}}", backend)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	sinks := gateway.NewLogSinks(logs)
	logs.close = sinks.Close
	plan, err := gateway.NewPlan(cfg, sinks)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(plan, gateway.Options{Identities: storeCallers{st}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(func() { srv.Close(); gw.Close(); _ = sinks.Close() })
	return srv.URL, logs
}

func signedGet(t *testing.T, url string, presign bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	s := sigv4.New(sigv4.Options{Region: "us-east-1"})
	creds := sigv4.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}
	var err error
	if presign {
		_, err = s.Presign(req, creds)
	} else {
		_, err = s.Sign(req, creds)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, body := doReq(t, req)
	return resp.StatusCode, body
}

func doReq(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`

func TestResourcePolicy(t *testing.T) {
	be := echoBackend(t)
	files := map[string]string{
		"gatehouse.yaml": "apis: [{name: r, id: resapi0001, definition: api.yaml, stages: {prod: {variables: {b: \"{{backend}}\"}}}}]\n",
		"api.yaml": `
swagger: "2.0"
info: {title: r, version: "1"}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}
    - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*/GET/blocked", Condition: {IpAddress: {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-auth: {type: AWS_IAM}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://${stageVariables.b}/{proxy}"}
`,
	}
	// The user's own policy allows nothing: the resource policy's Allow
	// is enough for a same-account caller, and its IP Deny wins.
	base, _ := iamGateway(t, be.Listener.Addr().String(), files, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	if status, body := signedGet(t, base+"/prod/open", false); status != 200 {
		t.Errorf("allowed by the resource policy: %d %s", status, body)
	}
	status, body := signedGet(t, base+"/prod/blocked", false)
	want := `{"Message":"User: arn:aws:iam::123456789012:user/ana is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:resapi0001/prod/GET/blocked with an explicit deny"}`
	if status != 403 || body != want {
		t.Errorf("denied by source IP: %d %s", status, body)
	}
}

func TestPresignedAndHeaderForwarding(t *testing.T) {
	be := echoBackend(t)
	files := map[string]string{
		"gatehouse.yaml": `
apis:
  - name: h
    id: httpapi001
    protocol: HTTP
    forwardIdentity: headers
    routes:
      "GET /me":
        authorizationType: AWS_IAM
        integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/me"}
    stages:
      $default:
        accessLog: {format: '$context.identity.userArn $context.identity.accessKey $context.identity.caller $context.identity.sourceIp $context.status'}
`,
	}
	base, logs := iamGateway(t, be.Listener.Addr().String(), files, allowAll)
	for _, presign := range []bool{false, true} {
		status, body := signedGet(t, base+"/me", presign)
		if status != 200 {
			t.Fatalf("presign=%v: %d %s", presign, status, body)
		}
		var e echoed
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		if e.Headers.Get("X-Gatehouse-Caller-Arn") != "arn:aws:iam::123456789012:user/ana" || e.Headers.Get("X-Gatehouse-Caller-Access-Key") != userKey ||
			e.Headers.Get("X-Gatehouse-Caller-Account-Id") != "123456789012" || !strings.HasPrefix(e.Headers.Get("X-Gatehouse-Caller-User-Id"), "AIDA") {
			t.Errorf("forwarded headers: %v", e.Headers)
		}
		if presign && strings.Contains(e.Query, "X-Amz-Signature") == false {
			t.Errorf("presigned query not passed: %q", e.Query)
		}
	}
	// Unsigned on an HTTP API IAM route: 403 with the HTTP API body.
	resp, body := doReq(t, mustRequest(t, base+"/me"))
	if resp.StatusCode != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("unsigned: %d %s", resp.StatusCode, body)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "arn:aws:iam::123456789012:user/ana "+userKey+" AIDA") || !strings.HasSuffix(lines[0], " 127.0.0.1 200") || lines[2] != "- - - 127.0.0.1 403" {
		t.Errorf("access log:\n%s", strings.Join(lines, "\n"))
	}
}

func TestPresignedExpiry(t *testing.T) {
	be := echoBackend(t)
	files := map[string]string{"gatehouse.yaml": `
apis:
  - name: h
    protocol: HTTP
    routes:
      "GET /me": {authorizationType: AWS_IAM, integration: {type: http_proxy, httpMethod: GET, uri: "http://{{backend}}/me"}}
`}
	base, _ := iamGateway(t, be.Listener.Addr().String(), files, allowAll)
	for _, c := range []struct{ expires, want string }{
		{"0", "X-Amz-Expires must be non-negative"},
		{"604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
	} {
		req, _ := http.NewRequest(http.MethodGet, base+"/me", nil)
		s := sigv4.New(sigv4.Options{Region: "us-east-1"})
		if _, err := s.Presign(req, sigv4.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}, func(o *sigv4.Options) { o.Expires = time.Hour }); err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "X-Amz-Expires=3600", "X-Amz-Expires="+c.expires, 1)
		resp, body := doReq(t, req)
		if resp.StatusCode != 403 || !strings.Contains(body, c.want) {
			t.Errorf("X-Amz-Expires=%s: %d %s", c.expires, resp.StatusCode, body)
		}
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestAuthorizationBadInput sends malformed, oversized, repeated and
// non-UTF-8 Authorization headers: each gets an AWS-shaped 403, and a
// signed request with a unicode path still works afterwards.
func TestAuthorizationBadInput(t *testing.T) {
	be := echoBackend(t)
	files := map[string]string{"gatehouse.yaml": `
apis:
  - name: r
    definition: api.yaml
    stages: {prod: {variables: {b: "{{backend}}"}}}
`, "api.yaml": `
openapi: 3.0.1
info: {title: r, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-auth: {type: AWS_IAM}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://${stageVariables.b}/{proxy}"}
`}
	base, _ := iamGateway(t, be.Listener.Addr().String(), files, allowAll)
	valid := func() http.Header {
		req, _ := http.NewRequest(http.MethodGet, base+"/prod/x", nil)
		if _, err := sigv4.New(sigv4.Options{Region: "us-east-1"}).Sign(req, sigv4.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}); err != nil {
			t.Fatal(err)
		}
		return req.Header
	}
	for name, mutate := range map[string]func(h http.Header){
		"garbage":       func(h http.Header) { h.Set("Authorization", "garbage") },
		"no credential": func(h http.Header) { h.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc") },
		"repeated":      func(h http.Header) { h.Add("Authorization", h.Get("Authorization")) },
		"oversized":     func(h http.Header) { h.Set("Authorization", h.Get("Authorization")+strings.Repeat("a", 50<<10)) },
		"non-UTF-8": func(h http.Header) {
			h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=\xff\xfe/20261125/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00")
		},
		"empty": func(h http.Header) { h.Set("Authorization", "") },
		"wrong region": func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), "us-east-1", "eu-west-1", 1))
		},
		"wrong service": func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), "execute-api", "s3", 1))
		},
		"bad date":      func(h http.Header) { h.Set("X-Amz-Date", "yesterday") },
		"both forms":    func(h http.Header) { h.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256") },
		"session token": func(h http.Header) { h.Set("X-Amz-Security-Token", "forged") },
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/prod/x", nil)
			req.Header = valid()
			mutate(req.Header)
			if name == "both forms" {
				req.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			}
			resp, body := doReq(t, req)
			if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") == "" || !strings.HasPrefix(body, `{"message":"`) {
				t.Errorf("%d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body)
			}
		})
	}
	if status, body := signedGet(t, base+"/prod/r%C3%A9sum%C3%A9/%E1%88%B4", false); status != 200 || !strings.Contains(body, `"path":"/r%C3%A9sum%C3%A9/%E1%88%B4"`) {
		t.Errorf("unicode path: %d %s", status, body)
	}
}
