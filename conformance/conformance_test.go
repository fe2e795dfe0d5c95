// Package conformance runs the mapping-template conformance cases of
// internal/mapping/testdata/conformance end to end: each case becomes an
// API definition (an http integration to a loopback backend that records
// what it receives), the real gateway serves it on loopback
// (testutil.Serve, the command line in-process), the case's request is
// written on the wire as given, and what the backend received (request
// templates) or what the client received (response templates) is compared
// with the case's expected output. internal/mapping runs the same files
// through the template engine alone. docs/mapping-templates.md
// ("Conformance suite") says how to add a case.
package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/testutil"
	"github.com/gatehouse/gatehouse/internal/testutil/tplcase"
	"github.com/gatehouse/gatehouse/sigv4"
)

// casesDir holds the cases, shared with the engine runner.
var casesDir = filepath.Join("..", "internal", "mapping", "testdata", "conformance")

// internalError is API Gateway's answer when a template fails to render.
const internalError = `{"message": "Internal server error"}`

func TestGateway(t *testing.T) {
	cases, err := tplcase.Load(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range cases {
		switch {
		case c.GatewaySkip != "":
			t.Run(c.Name, func(t *testing.T) { t.Skip(c.GatewaySkip) })
		case len(c.Gateway) == 0:
			t.Errorf("%s: no %q line: every case runs at the gateway (request, response or both) or says why not (skip: reason)", c.Name, "% gateway:")
		}
		for _, mode := range c.Gateway {
			ran++
			t.Run(c.Name+"/"+mode, func(t *testing.T) { runCase(t, c, mode) })
		}
	}
	if ran == 0 {
		t.Error("no case ran at the gateway")
	}
}

// setup is what a case needs from the gateway, derived from its input.
type setup struct {
	mode      string // "request" or "response"
	method    string
	resource  string // the resource path, e.g. /pets/{id}
	path      string // the request path below the stage, escaped
	stage     string
	apiID     string // "" lets the gateway derive it
	accountID string
	userAgent string // sent when the case's headers have none

	iam        *iamUser
	authorizer map[string]string // principalId and context keys
	authorDir  string            // an existing authorizer function
	// substitute maps a value of the case's context to the name of what
	// the gateway generates instead (requestId, the IAM user's id).
	substitute map[string]string
}

type iamUser struct {
	name, accessKey string
}

const (
	defaultAccessKey = "AKIAEXAMPLEALICE0001"
	secretKey        = "conformance/Example/Secret/Key/00000000001"
	region           = "us-east-1"
)

var userARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):user/([\w+=,.@-]+)$`)

// derive turns a case's input into a gateway setup. $context values must
// be ones a real request can produce; anything else is an error that
// names the key (the case then says gateway: skip, with the reason).
func derive(c tplcase.Case, in tplcase.Input, mode string) (*setup, error) {
	s := &setup{mode: mode, stage: "prod", substitute: map[string]string{}, authorDir: c.Authorizer}
	keys := make([]string, 0, len(in.Context))
	for k := range in.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	account := func(v string) error {
		if s.accountID != "" && s.accountID != v {
			return fmt.Errorf("the context names two accounts, %s and %s", s.accountID, v)
		}
		s.accountID = v
		return nil
	}
	user := func() *iamUser {
		if s.iam == nil {
			s.iam = &iamUser{name: "alice", accessKey: defaultAccessKey}
		}
		return s.iam
	}
	for _, k := range keys {
		v := in.Context[k]
		var err error
		switch k {
		case "stage":
			s.stage = v
		case "resourcePath":
			s.resource = v
		case "httpMethod":
			s.method = v
		case "apiId":
			s.apiID = v
		case "accountId", "identity.accountId":
			err = account(v)
			if k == "identity.accountId" {
				user()
			}
		case "requestId":
			s.substitute[v] = "requestId"
		case "extendedRequestId":
			s.substitute[v] = "extendedRequestId"
		case "identity.sourceIp":
			if v != "127.0.0.1" {
				err = fmt.Errorf("the client is on 127.0.0.1")
			}
		case "identity.userAgent":
			s.userAgent = v
		case "identity.caller", "identity.user":
			user()
			s.substitute[v] = "userId"
		case "identity.userArn":
			m := userARN.FindStringSubmatch(v)
			if m == nil {
				err = fmt.Errorf("want arn:aws:iam::ACCOUNT:user/NAME")
				break
			}
			user().name = m[2]
			err = account(m[1])
		case "identity.accessKey":
			user().accessKey = v
		default:
			switch {
			case strings.HasPrefix(k, "authorizer.claims."):
				err = fmt.Errorf("claims come from a Cognito user pool authorizer, which REST APIs do not serve yet")
			case strings.HasPrefix(k, "authorizer."):
				if s.authorizer == nil {
					s.authorizer = map[string]string{}
				}
				s.authorizer[strings.TrimPrefix(k, "authorizer.")] = v
			default:
				err = fmt.Errorf("a request cannot set it")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("$context.%s = %q: %w", k, v, err)
		}
	}
	if s.iam != nil && (s.authorizer != nil || s.authorDir != "") {
		return nil, fmt.Errorf("a method has AWS_IAM or a Lambda authorizer, not both: the context has identity.* and authorizer.*")
	}
	if s.authorizer != nil && s.authorizer["principalId"] == "" && s.authorDir == "" {
		return nil, fmt.Errorf("$context.authorizer.* needs authorizer.principalId (the generated authorizer returns it)")
	}
	if s.accountID == "" {
		s.accountID = "123456789012" // gatehouse's default
	}
	if s.method == "" {
		s.method = http.MethodGet
		if mode == "request" && in.Payload() != nil {
			s.method = http.MethodPost
		}
	}
	if s.resource == "" {
		s.resource = "/case"
		for _, p := range in.Path {
			s.resource += "/{" + p[0] + "}"
		}
	}
	s.path = s.resource
	for _, p := range in.Path {
		ph := "{" + p[0] + "}"
		if !strings.Contains(s.path, ph) {
			return nil, fmt.Errorf("path parameter %q is not in the resource path %s", p[0], s.resource)
		}
		s.path = strings.Replace(s.path, ph, url.PathEscape(p[1]), 1)
	}
	if strings.Contains(s.path, "{") {
		return nil, fmt.Errorf("resource path %s has a parameter the input does not give", s.resource)
	}
	for _, h := range in.Headers {
		if strings.EqualFold(h[0], "User-Agent") && s.userAgent != "" && h[1] != s.userAgent {
			return nil, fmt.Errorf("header User-Agent %q and $context.identity.userAgent %q differ", h[1], s.userAgent)
		}
		if strings.EqualFold(h[0], "X-Amz-Date") {
			if s.iam == nil {
				return nil, fmt.Errorf("header X-Amz-Date %q: only a signed (AWS_IAM) request has one; it stands for the signing time", h[1])
			}
			s.substitute[h[1]] = "amzDate"
		}
	}
	return s, nil
}

// override is one line of a case's "#### overrides" section.
type override struct {
	where, name, value string // where: request.header, request.querystring, request.path, response.header, response.status
}

func parseOverrides(s string) ([]override, error) {
	var out []override
	for line := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, " = ")
		if !ok {
			return nil, fmt.Errorf("override line %q", line)
		}
		if key == "response.status" {
			out = append(out, override{where: key, value: value})
			continue
		}
		var o override
		for _, w := range []string{"request.header", "request.querystring", "request.path", "response.header"} {
			if name, ok := strings.CutPrefix(key, w+"."); ok {
				o = override{where: w, name: name, value: value}
			}
		}
		if o.where == "" {
			return nil, fmt.Errorf("override line %q", line)
		}
		out = append(out, o)
	}
	return out, nil
}

// recorded is what the backend received.
type recorded struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
}

// backend is a real HTTP server on loopback that records each request.
// It answers a request template's output with that output (an echo) and,
// for a response template, with the case's payload as the integration
// response.
type backend struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newBackend(t *testing.T, answer []byte) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("backend: read body: %v", err)
		}
		b.mu.Lock()
		b.reqs = append(b.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), body})
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if answer != nil {
			body = answer
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) received() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.reqs...)
}

func runCase(t *testing.T, c tplcase.Case, mode string) {
	in, err := c.DecodeInput()
	if err != nil {
		t.Fatal(err)
	}
	s, err := derive(c, in, mode)
	if err != nil {
		t.Fatalf("%s cannot run at the gateway: %v (say %q with the reason)", c.Name, err, "% gateway: skip")
	}
	wantBody, wantOverrides := tplcase.Split(c.Expected)
	overrides, err := parseOverrides(wantOverrides)
	if err != nil {
		t.Fatal(err)
	}
	failed := strings.HasPrefix(c.Expected, "ERROR: ")

	var answer []byte
	if mode == "response" {
		answer = in.Payload()
		if answer == nil {
			answer = []byte{}
		}
	}
	be := newBackend(t, answer)
	dir := t.TempDir()
	pathNames := integrationPathNames(in, overrides)
	writeFiles(t, dir, c, in, s, be.Listener.Addr().String(), pathNames)
	base := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))

	resp, respBody, amzDate := send(t, base, s, in)
	actual := map[string]string{
		"requestId":         resp.Header.Get("X-Amzn-Requestid"),
		"extendedRequestId": resp.Header.Get("X-Amz-Apigw-Id"),
		"amzDate":           amzDate,
	}
	if s.iam != nil {
		actual["userId"] = userID(t, dir, s.iam.name)
	}
	for from, what := range s.substitute {
		if actual[what] == "" {
			t.Fatalf("no %s to put in place of %q", what, from)
		}
		wantBody = strings.ReplaceAll(wantBody, from, actual[what])
		for i := range overrides {
			overrides[i].value = strings.ReplaceAll(overrides[i].value, from, actual[what])
		}
	}
	reqs := be.received()

	if failed {
		// A render error is API Gateway's 500, and nothing is sent on.
		if resp.StatusCode != http.StatusInternalServerError || respBody != internalError {
			t.Errorf("render error: client got %d %s, want 500 %s", resp.StatusCode, respBody, internalError)
		}
		if mode == "request" && len(reqs) != 0 {
			t.Errorf("render error: the backend was called: %+v", reqs)
		}
		return
	}
	if len(reqs) != 1 {
		t.Fatalf("backend received %d requests, want 1 (client got %d %s)", len(reqs), resp.StatusCode, respBody)
	}
	rec := reqs[0]
	if mode == "request" {
		ok, err := c.EqualBody(string(rec.body), wantBody)
		if err != nil {
			t.Fatalf("backend body: %v\n%s", err, rec.body)
		}
		if !ok {
			t.Errorf("backend received:\n%s\nwant:\n%s", rec.body, wantBody)
		}
		if rec.method != http.MethodPost {
			t.Errorf("backend method %s, want POST (the integration's httpMethod)", rec.method)
		}
		if want := backendPath(in, overrides, pathNames); rec.path != want {
			t.Errorf("backend path %s, want %s", rec.path, want)
		}
		query, err := url.ParseQuery(rec.rawQuery)
		if err != nil {
			t.Errorf("backend query %q: %v", rec.rawQuery, err)
		}
		for _, o := range overrides {
			switch o.where {
			case "request.header":
				if got := strings.Join(rec.header.Values(o.name), ","); got != o.value {
					t.Errorf("backend header %s = %q, want %q (requestOverride)", o.name, got, o.value)
				}
			case "request.querystring":
				if got := strings.Join(query[o.name], ","); got != o.value {
					t.Errorf("backend query %s = %q, want %q (requestOverride)", o.name, got, o.value)
				}
			}
		}
		// No response template: the client gets the backend's answer.
		if resp.StatusCode != http.StatusOK || respBody != string(rec.body) {
			t.Errorf("client got %d %q, want 200 and the backend's echo", resp.StatusCode, respBody)
		}
		return
	}

	status := http.StatusOK
	for _, o := range overrides {
		switch o.where {
		case "response.status":
			if status, err = strconv.Atoi(o.value); err != nil {
				t.Fatal(err)
			}
		case "response.header":
			if got := strings.Join(resp.Header.Values(o.name), ","); got != o.value {
				t.Errorf("response header %s = %q, want %q (responseOverride)", o.name, got, o.value)
			}
		}
	}
	if resp.StatusCode != status {
		t.Errorf("client status %d, want %d", resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("client Content-Type %q, want the template's application/json", ct)
	}
	ok, err := c.EqualBody(respBody, wantBody)
	if err != nil {
		t.Fatalf("client body: %v\n%s", err, respBody)
	}
	if !ok {
		t.Errorf("client received:\n%s\nwant:\n%s", respBody, wantBody)
	}
}

// integrationPathNames are the placeholders of the integration URI: the
// method's path parameters, then the names of requestOverride.path.
func integrationPathNames(in tplcase.Input, overrides []override) []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range in.Path {
		if !seen[p[0]] {
			names, seen[p[0]] = append(names, p[0]), true
		}
	}
	for _, o := range overrides {
		if o.where == "request.path" && !seen[o.name] {
			names, seen[o.name] = append(names, o.name), true
		}
	}
	return names
}

// backendPath is the path the backend should see: /echo and each
// placeholder's value, overridden or the method's parameter.
func backendPath(in tplcase.Input, overrides []override, names []string) string {
	p := "/echo"
	for _, n := range names {
		v := ""
		for _, pp := range in.Path {
			if pp[0] == n {
				v = pp[1]
			}
		}
		for _, o := range overrides {
			if o.where == "request.path" && o.name == n {
				v = o.value
			}
		}
		p += "/" + url.PathEscape(v)
	}
	return p
}

// writeFiles writes gatehouse.yaml, the definition and, for a generated
// authorizer, its function. JSON is YAML, and json.Marshal quotes
// templates correctly.
func writeFiles(t *testing.T, dir string, c tplcase.Case, in tplcase.Input, s *setup, backendAddr string, pathNames []string) {
	uri := "http://" + backendAddr + "/echo"
	for _, n := range pathNames {
		uri += "/{" + n + "}"
	}
	integ := map[string]any{
		"type":                "http",
		"httpMethod":          "POST",
		"uri":                 uri,
		"passthroughBehavior": "when_no_match",
	}
	def200 := map[string]any{"statusCode": "200"}
	if s.mode == "request" {
		integ["requestTemplates"] = map[string]string{"application/json": c.Template}
	} else {
		def200["responseTemplates"] = map[string]string{"application/json": c.Template}
	}
	integ["responses"] = map[string]any{"default": def200}
	op := map[string]any{"x-amazon-apigateway-integration": integ}
	def := map[string]any{
		"openapi": "3.0.1",
		"info":    map[string]string{"title": "conformance " + c.Name, "version": "1"},
		"paths":   map[string]any{s.resource: map[string]any{strings.ToLower(s.method): op}},
	}
	cfg := map[string]any{
		"region":    region,
		"accountId": s.accountID,
	}
	api := map[string]any{
		"name":       "conformance",
		"protocol":   "REST",
		"definition": "api.json",
		"stages":     map[string]any{s.stage: map[string]any{"variables": stageVariables(in)}},
	}
	if s.apiID != "" {
		api["id"] = s.apiID
	}
	cfg["apis"] = []any{api}
	switch {
	case s.iam != nil:
		def["components"] = map[string]any{"securitySchemes": map[string]any{"sigv4": map[string]any{
			"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}
		op["security"] = []any{map[string]any{"sigv4": []string{}}}
		cfg["iam"] = map[string]any{
			"store": "sqlite://" + filepath.Join(dir, "iam.db"),
			"users": []any{map[string]any{
				"name":       s.iam.name,
				"accessKeys": []any{map[string]string{"id": s.iam.accessKey, "secret": secretKey}},
				"policies": []any{map[string]any{"name": "invoke", "document": map[string]any{
					"Version":   "2012-10-17",
					"Statement": []any{map[string]string{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}},
				}}},
			}},
		}
	case s.authorizer != nil || s.authorDir != "":
		code := filepath.Join(dir, "authorizer")
		if s.authorDir != "" {
			abs, err := filepath.Abs(filepath.Join("..", filepath.FromSlash(s.authorDir)))
			if err != nil {
				t.Fatal(err)
			}
			code = abs
		} else {
			writeAuthorizer(t, code, s.authorizer)
		}
		def["components"] = map[string]any{"securitySchemes": map[string]any{"authorizer": map[string]any{
			"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authtype": "custom",
			"x-amazon-apigateway-authorizer": map[string]any{
				"type":                         "request",
				"authorizerUri":                "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/arn:aws:lambda:" + region + ":" + s.accountID + ":function:authorizer/invocations",
				"authorizerResultTtlInSeconds": 0,
			}}}}
		op["security"] = []any{map[string]any{"authorizer": []string{}}}
		cfg["functions"] = []any{map[string]any{"name": "authorizer", "runtime": "nodejs20.x", "handler": "index.handler", "code": code, "concurrency": 1}}
	}
	writeJSON(t, filepath.Join(dir, "api.json"), def)
	writeJSON(t, filepath.Join(dir, "gatehouse.yaml"), cfg)
}

func stageVariables(in tplcase.Input) map[string]string {
	if in.StageVariables == nil {
		return map[string]string{}
	}
	return in.StageVariables
}

func writeJSON(t *testing.T, file string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeAuthorizer writes a REQUEST authorizer that allows the call and
// returns the case's principalId and context. A context value that reads
// as a JSON number or boolean is returned as one, so that the gateway's
// stringification (1 → "1", true → "true") is what the template sees.
func writeAuthorizer(t *testing.T, dir string, values map[string]string) {
	ctx := map[string]any{}
	for k, v := range values {
		if k == "principalId" {
			continue
		}
		var x any
		if err := json.Unmarshal([]byte(v), &x); err == nil {
			switch x.(type) {
			case bool, float64:
				ctx[k] = json.RawMessage(v)
				continue
			}
		}
		ctx[k] = v
	}
	principal, _ := json.Marshal(values["principalId"])
	ctxJSON, err := json.Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := "// Generated by conformance_test.go: allow, with the case's principal and context.\n" +
		"exports.handler = async (event) => ({\n" +
		"  principalId: " + string(principal) + ",\n" +
		"  policyDocument: {Version: '2012-10-17', Statement: [{Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn}]},\n" +
		"  context: " + string(ctxJSON) + "\n" +
		"});\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// userID asks the IAM store, through `gatehouse iam get-user`, for the id
// the gateway gave the seeded user ($context.identity.caller and .user).
func userID(t *testing.T, dir, name string) string {
	var out, errb bytes.Buffer
	if code := cli.RunContext(context.Background(), []string{"iam", "get-user", "--user-name", name, "-c", filepath.Join(dir, "gatehouse.yaml")}, &out, &errb); code != 0 {
		t.Fatalf("gatehouse iam get-user: %d %s", code, errb.String())
	}
	var v struct {
		User struct {
			UserID string `json:"UserId"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.User.UserID == "" {
		t.Fatalf("gatehouse iam get-user: %v %s", err, out.String())
	}
	return v.User.UserID
}

// send writes the case's request on a new connection exactly as the case
// gives it (header names as written, in order, repeated names repeated),
// so that the gateway sees what an HTTP client sent: no header a Go
// client would add. A request body gets a Content-Length; AWS_IAM
// requests get X-Amz-Date and Authorization last.
func send(t *testing.T, base string, s *setup, in tplcase.Input) (resp *http.Response, body string, amzDate string) {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var q []string
	for _, p := range in.Query {
		q = append(q, escapeQuery(p[0])+"="+escapeQuery(p[1]))
	}
	target := "/" + s.stage + s.path
	if len(q) > 0 {
		target += "?" + strings.Join(q, "&")
	}
	host := u.Host
	headers := make([][2]string, 0, len(in.Headers)+4)
	hasUA := false
	for _, h := range in.Headers {
		switch {
		case strings.EqualFold(h[0], "Host"):
			host = h[1]
		default:
			hasUA = hasUA || strings.EqualFold(h[0], "User-Agent")
			headers = append(headers, h)
		}
	}
	if !hasUA && s.userAgent != "" {
		headers = append(headers, [2]string{"User-Agent", s.userAgent})
	}
	var payload []byte
	if s.mode == "request" {
		payload = in.Payload()
	}
	if s.iam != nil {
		req, err := http.NewRequest(s.method, "http://"+host+target, bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range headers {
			if !strings.EqualFold(h[0], "X-Amz-Date") {
				req.Header.Add(h[0], h[1])
			}
		}
		signer := sigv4.New(sigv4.Options{Region: region})
		if _, err := signer.Sign(req, sigv4.Credentials{AccessKeyID: s.iam.accessKey, SecretAccessKey: secretKey}); err != nil {
			t.Fatal(err)
		}
		// The case's X-Amz-Date, if it has one, keeps its place and takes
		// the signing time.
		amzDate = req.Header.Get("X-Amz-Date")
		placed := false
		for i, h := range headers {
			if strings.EqualFold(h[0], "X-Amz-Date") {
				headers[i][1], placed = amzDate, true
			}
		}
		if !placed {
			headers = append(headers, [2]string{"X-Amz-Date", amzDate})
		}
		headers = append(headers, [2]string{"Authorization", req.Header.Get("Authorization")})
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "%s %s HTTP/1.1\r\nHost: %s\r\n", s.method, target, host)
	for _, h := range headers {
		fmt.Fprintf(&w, "%s: %s\r\n", h[0], h[1])
	}
	if payload != nil {
		fmt.Fprintf(&w, "Content-Length: %d\r\n", len(payload))
	}
	w.WriteString("\r\n")
	w.Write(payload)

	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(w.Bytes()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: s.method})
	if err != nil {
		t.Fatalf("read response: %v\nrequest:\n%s", err, w.Bytes())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b), amzDate
}

// escapeQuery escapes a query name or value with %20 for a space (no '+',
// which reads as a space too, but only in query strings).
func escapeQuery(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
