package authorizer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// countingInvoker counts the invocations of the Invoker it wraps.
type countingInvoker struct {
	inv   Invoker
	calls atomic.Int64
}

func (c *countingInvoker) Invoke(ctx context.Context, fn string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	c.calls.Add(1)
	return c.inv.Invoke(ctx, fn, payload)
}

// nodeHost starts a real Lambda host with the Node.js authorizers of
// testdata/node, and seed 002's and the simple-response one from
// examples/authorizer.
func nodeHost(t *testing.T) *lambda.Host {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs("testdata/node")
	if err != nil {
		t.Fatal(err)
	}
	fn := func(name, handler string, timeout int) lambda.Function {
		return lambda.Function{Name: name, Runtime: "nodejs20.x", Handler: handler, Code: dir, Concurrency: 2, Timeout: timeout}
	}
	// Seed 002's authorizer is the one the example serves: one copy.
	seed, err := filepath.Abs("../../examples/authorizer/authorizer")
	if err != nil {
		t.Fatal(err)
	}
	request := fn("request", "index.handler", 3)
	request.Code = seed
	// The HTTP API simple-response authorizer is the example's too.
	simple := fn("simple", "index.handler", 3)
	if simple.Code, err = filepath.Abs("../../examples/authorizer/simple"); err != nil {
		t.Fatal(err)
	}
	h, err := lambda.New([]lambda.Function{
		request,
		fn("token", "token.handler", 1),
		simple,
	}, lambda.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

const arnBase = "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/"

// restRequest is the AWS REQUEST-authorizer example request, GET /request,
// with the seed's identity values.
func restRequest(header, query, stageVar string) *Request {
	return &Request{
		Event: &proxyevent.Request{
			Method: "GET", Resource: "/request", Path: "/request", Stage: "test",
			Headers:        []proxyevent.Param{{Name: "headerauth1", Value: header}},
			Query:          []proxyevent.Param{{Name: "QueryString1", Value: query}},
			RawQuery:       "QueryString1=" + query,
			StageVariables: []proxyevent.Param{{Name: "StageVar1", Value: stageVar}},
			Context: proxyevent.RequestContext{RequestID: "req-1", AccountID: "123456789012", APIID: "s4x3opwd6i",
				ResourceID: "05c7jb", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"},
		},
		MethodARN: arnBase + "GET/request",
	}
}

func tokenRequest(method, path, token string) *Request {
	r := &Request{
		Event:     &proxyevent.Request{Method: method, Resource: path, Path: path, Stage: "test"},
		MethodARN: arnBase + method + path,
	}
	if token != "" {
		r.Event.Headers = []proxyevent.Param{{Name: "Authorization", Value: token}}
	}
	return r
}

// wantErr checks a denial's status, x-amzn-ErrorType and body bytes.
func wantErr(t *testing.T, err error, status int, typ, body string) {
	t.Helper()
	var ge *gwerr.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a *gwerr.Error %d", err, status)
	}
	if ge.Status != status || ge.Type != typ || ge.JSON() != body {
		t.Fatalf("got %d %q %s, want %d %q %s (cause: %v)", ge.Status, ge.Type, ge.JSON(), status, typ, body, ge.Err)
	}
}

const (
	restUnauthorized = `{"message":"Unauthorized"}`
	restExplicitDeny = `{"Message":"User is not authorized to access this resource with an explicit deny"}`
	restImplicitDeny = `{"Message":"User is not authorized to access this resource"}`
	restConfigError  = `{"message": null}`
)

func TestNodeRESTRequestAuthorizer(t *testing.T) {
	h := nodeHost(t)
	cfg := Config{Name: "seed002", Protocol: model.REST, Type: TypeRequest, Function: "request",
		IdentitySource: "method.request.header.headerauth1, method.request.querystring.QueryString1, stageVariables.StageVar1",
		ResultTTL:      300}
	inv := &countingInvoker{inv: h}
	a, err := New(cfg, inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	t.Run("allow", func(t *testing.T) {
		res, err := a.Authorize(ctx, restRequest("headerValue1", "queryValue1", "stageValue1"))
		if err != nil {
			t.Fatal(err)
		}
		if res.PrincipalID != "me" {
			t.Errorf("principalId = %q", res.PrincipalID)
		}
		want := []KV{{"stringKey", `"stringval"`, "stringval"}, {"numberKey", "123", "123"}, {"booleanKey", "true", "true"}}
		if len(res.Context) != len(want) {
			t.Fatalf("context = %+v", res.Context)
		}
		for i := range want {
			if res.Context[i] != want[i] {
				t.Errorf("context[%d] = %+v, want %+v", i, res.Context[i], want[i])
			}
		}
	})
	t.Run("cache hit", func(t *testing.T) {
		before := inv.calls.Load()
		if _, err := a.Authorize(ctx, restRequest("headerValue1", "queryValue1", "stageValue1")); err != nil {
			t.Fatal(err)
		}
		if n := inv.calls.Load() - before; n != 0 {
			t.Errorf("function called %d times on a cache hit", n)
		}
	})
	t.Run("wrong values", func(t *testing.T) {
		before := inv.calls.Load()
		for range 2 {
			_, err := a.Authorize(ctx, restRequest("headerValue1", "wrong", "stageValue1"))
			wantErr(t, err, 401, "UnauthorizedException", restUnauthorized)
		}
		// 401 answers are not cached: both requests called the function.
		if n := inv.calls.Load() - before; n != 2 {
			t.Errorf("function called %d times, want 2", n)
		}
	})
	t.Run("missing identity source", func(t *testing.T) {
		before := inv.calls.Load()
		for _, r := range []*Request{restRequest("", "queryValue1", "stageValue1"), restRequest("headerValue1", "queryValue1", "")} {
			_, err := a.Authorize(ctx, r)
			wantErr(t, err, 401, "UnauthorizedException", restUnauthorized)
		}
		r := restRequest("headerValue1", "queryValue1", "stageValue1")
		r.Event.Headers = nil
		_, err := a.Authorize(ctx, r)
		wantErr(t, err, 401, "UnauthorizedException", restUnauthorized)
		if n := inv.calls.Load() - before; n != 0 {
			t.Errorf("function called %d times without identity", n)
		}
	})
}

func TestNodeRESTTokenAuthorizer(t *testing.T) {
	h := nodeHost(t)
	newAuth := func(t *testing.T, ttl int, expr string) (*Authorizer, *countingInvoker) {
		inv := &countingInvoker{inv: h}
		a, err := New(Config{Name: "tok", Protocol: model.REST, Type: TypeToken, Function: "token",
			IdentitySource: "method.request.header.Authorization", IdentityValidationExpression: expr, ResultTTL: ttl}, inv, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return a, inv
	}
	ctx := t.Context()
	tests := []struct {
		name, token string
		status      int
		typ, body   string
		calls       int64
	}{
		{"allow", "allow", 200, "", "", 1},
		{"deny", "deny", 403, "AccessDeniedException", restExplicitDeny, 1},
		{"callback Unauthorized", "unauthorized", 401, "UnauthorizedException", restUnauthorized, 1},
		{"throw Unauthorized", "throw-unauthorized", 401, "UnauthorizedException", restUnauthorized, 1},
		{"other error", "other", 500, "AuthorizerConfigurationException", restConfigError, 1},
		{"no principalId", "no-principal", 500, "AuthorizerConfigurationException", restConfigError, 1},
		{"bad policy", "bad-policy", 500, "AuthorizerConfigurationException", restConfigError, 1},
		{"object context", "object-context", 500, "AuthorizerConfigurationException", restConfigError, 1},
		{"timeout", "slow", 500, "AuthorizerConfigurationException", restConfigError, 1},
		{"missing token", "", 401, "UnauthorizedException", restUnauthorized, 0},
		{"not matching expression", "bad token!", 401, "UnauthorizedException", restUnauthorized, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, inv := newAuth(t, 0, `[a-z-]+`)
			res, err := a.Authorize(ctx, tokenRequest("GET", "/pets", tc.token))
			if tc.status == 200 {
				if err != nil || res.PrincipalID != "user" {
					t.Fatalf("res %+v, err %v", res, err)
				}
			} else {
				wantErr(t, err, tc.status, tc.typ, tc.body)
			}
			if n := inv.calls.Load(); n != tc.calls {
				t.Errorf("function called %d times, want %d", n, tc.calls)
			}
		})
	}
	t.Run("ttl 0 calls every time", func(t *testing.T) {
		a, inv := newAuth(t, 0, "")
		for range 3 {
			if _, err := a.Authorize(ctx, tokenRequest("GET", "/pets", "allow")); err != nil {
				t.Fatal(err)
			}
		}
		if n := inv.calls.Load(); n != 3 {
			t.Errorf("function called %d times, want 3", n)
		}
	})
	t.Run("cached policy evaluated per method", func(t *testing.T) {
		a, inv := newAuth(t, 300, "")
		if _, err := a.Authorize(ctx, tokenRequest("GET", "/pets", "allow")); err != nil {
			t.Fatal(err)
		}
		// The cached policy names GET /pets only: POST /pets is denied
		// from the cache without calling the function.
		_, err := a.Authorize(ctx, tokenRequest("POST", "/pets", "allow"))
		wantErr(t, err, 403, "AccessDeniedException", restImplicitDeny)
		if n := inv.calls.Load(); n != 1 {
			t.Errorf("function called %d times, want 1", n)
		}
		// A wildcard policy admits every method from one call.
		for _, m := range []string{"GET", "POST", "DELETE"} {
			if _, err := a.Authorize(ctx, tokenRequest(m, "/pets/1", "wildcard")); err != nil {
				t.Fatal(m, err)
			}
		}
		_, err = a.Authorize(ctx, tokenRequest("DELETE", "/pets", "get-only"))
		wantErr(t, err, 403, "AccessDeniedException", restImplicitDeny)
		if _, err := a.Authorize(ctx, tokenRequest("GET", "/a/b/c", "get-only")); err != nil {
			t.Fatal(err)
		}
		if n := inv.calls.Load(); n != 3 {
			t.Errorf("function called %d times, want 3", n)
		}
	})
}

func TestNodeHTTPSimpleResponses(t *testing.T) {
	h := nodeHost(t)
	inv := &countingInvoker{inv: h}
	a, err := New(Config{Name: "simple", Protocol: model.HTTP, Type: TypeRequest, Function: "simple",
		IdentitySource: "$request.header.Authorization", PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
		ResultTTL: 300}, inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := func(token string) *Request {
		r := &Request{
			Event: &proxyevent.Request{Method: "GET", RouteKey: "GET /pets", Path: "/pets", Stage: "$default",
				Context: proxyevent.RequestContext{RequestID: "id", APIID: "api", AccountID: "123456789012"}},
			MethodARN: "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/pets",
		}
		if token != "" {
			r.Event.Headers = []proxyevent.Param{{Name: "authorization", Value: token}}
		}
		return r
	}
	ctx := t.Context()
	res, err := a.Authorize(ctx, req("secretToken"))
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, kv := range res.Context {
		got += kv.Key + "=" + kv.JSON + "|" + kv.String + " "
	}
	want := `stringKey="value"|value numberKey=1|1 booleanKey=true|true arrayKey=["value1","value2"]|["value1","value2"] mapKey={"value1":"value2"}|{"value1":"value2"} `
	if got != want {
		t.Errorf("context\n got %s\nwant %s", got, want)
	}
	_, err = a.Authorize(ctx, req("wrong"))
	wantErr(t, err, 403, "", `{"message":"Forbidden"}`)
	_, err = a.Authorize(ctx, req("wrong")) // a cached isAuthorized false
	wantErr(t, err, 403, "", `{"message":"Forbidden"}`)
	_, err = a.Authorize(ctx, req(""))
	wantErr(t, err, 401, "", `{"message":"Unauthorized"}`)
	if n := inv.calls.Load(); n != 2 {
		t.Errorf("function called %d times, want 2", n)
	}
}

func TestNodeHTTPPolicyErrors(t *testing.T) {
	h := nodeHost(t)
	// The token authorizer reads authorizationToken, which 1.0 events
	// carry (the identity sources joined with commas).
	a, err := New(Config{Name: "v1", Protocol: model.HTTP, Type: TypeRequest, Function: "token",
		IdentitySource: "$request.header.Authorization", PayloadFormatVersion: "1.0"}, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := func(tok string) *Request {
		return &Request{Event: &proxyevent.Request{Method: "GET", RouteKey: "GET /pets", Path: "/pets", Stage: "$default",
			Headers: []proxyevent.Param{{Name: "Authorization", Value: tok}}},
			MethodARN: "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/pets"}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if res, err := a.Authorize(ctx, r("allow")); err != nil || res.PrincipalID != "user" {
		t.Fatalf("allow: %+v %v", res, err)
	}
	_, err = a.Authorize(ctx, r("deny"))
	wantErr(t, err, 403, "", `{"message":"Forbidden"}`)
	_, err = a.Authorize(ctx, r("unauthorized"))
	wantErr(t, err, 401, "", `{"message":"Unauthorized"}`)
	_, err = a.Authorize(ctx, r("other"))
	wantErr(t, err, 500, "", `{"message":"Internal Server Error"}`)
}
