package authorizer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// funcInvoker is a fast in-process Invoker.
type funcInvoker struct {
	calls atomic.Int64
	f     func(payload []byte) ([]byte, *lambda.FunctionError, error)
}

func (fi *funcInvoker) Invoke(_ context.Context, _ string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	fi.calls.Add(1)
	return fi.f(payload)
}

const allowAll = `{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/*"}]},"context":{"k":"v"}}`

// benchAllow is bench/lambdafn's answer (aws-lambda-go's encoding).
const benchAllow = `{"principalId":"bench-user","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*"]}]},"context":{"beta":true,"quota":1000,"tier":"gold"}}`

func allowInvoker() *funcInvoker {
	return &funcInvoker{f: func([]byte) ([]byte, *lambda.FunctionError, error) { return []byte(allowAll), nil, nil }}
}

func tokenConfig(ttl int) Config {
	return Config{Name: "t", Protocol: model.REST, Type: TypeToken, Function: "fn",
		IdentitySource: "method.request.header.Authorization", ResultTTL: ttl}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"token ok", tokenConfig(300), ""},
		{"request without sources, no cache", Config{Protocol: model.REST, Type: TypeRequest, Function: "f"}, ""},
		{"request without sources, cache", Config{Protocol: model.REST, Type: TypeRequest, Function: "f", ResultTTL: 300},
			"identitySource: is required when authorizerResultTtlInSeconds is not 0"},
		{"token with query", Config{Protocol: model.REST, Type: TypeToken, Function: "f", IdentitySource: "method.request.querystring.a"},
			"a TOKEN authorizer's identity source must be method.request.header.{name}"},
		{"token two headers", Config{Protocol: model.REST, Type: TypeToken, Function: "f", IdentitySource: "method.request.header.a,method.request.header.b"},
			"needs exactly one"},
		{"bad source", Config{Protocol: model.REST, Type: TypeRequest, Function: "f", IdentitySource: "$request.header.a"},
			`"$request.header.a" is not one of method.request.header.{name}`},
		{"http bad source", Config{Protocol: model.HTTP, Type: TypeRequest, Function: "f", PayloadFormatVersion: "2.0", IdentitySource: "method.request.header.a"},
			`is not one of $request.header.{name}`},
		{"ttl too big", Config{Protocol: model.REST, Type: TypeToken, Function: "f", IdentitySource: "method.request.header.a", ResultTTL: 3601},
			"authorizerResultTtlInSeconds: is 3601; must be 0 to 3600"},
		{"bad regexp", Config{Protocol: model.REST, Type: TypeToken, Function: "f", IdentitySource: "method.request.header.a", IdentityValidationExpression: "("},
			"identityValidationExpression: error parsing regexp"},
		{"expression on request", Config{Protocol: model.REST, Type: TypeRequest, Function: "f", IdentityValidationExpression: "a"},
			"identityValidationExpression: is for TOKEN authorizers only"},
		{"http token", Config{Protocol: model.HTTP, Type: TypeToken, Function: "f", PayloadFormatVersion: "2.0", IdentitySource: "$request.header.a"},
			"type: must be request"},
		{"http no version", Config{Protocol: model.HTTP, Type: TypeRequest, Function: "f"},
			`authorizerPayloadFormatVersion: is ""; must be 1.0 or 2.0`},
		{"simple on 1.0", Config{Protocol: model.HTTP, Type: TypeRequest, Function: "f", PayloadFormatVersion: "1.0", EnableSimpleResponses: true},
			"enableSimpleResponses: requires authorizerPayloadFormatVersion 2.0"},
		{"no function", Config{Protocol: model.REST, Type: TypeRequest}, "authorizerUri: names no Lambda function"},
		{"no type", Config{Protocol: model.REST, Function: "f"}, "type: must be token or request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestExtensionConfig(t *testing.T) {
	e := Extension{Type: "token", IdentitySource: "method.request.header.Authorization"}
	c := e.Config("auth", model.REST, "fn")
	if c.ResultTTL != DefaultTTL || c.Type != TypeToken || c.Validate() != nil {
		t.Fatalf("%+v: %v", c, c.Validate())
	}
	zero := 0
	e.AuthorizerResultTTLInSeconds = &zero
	if c := e.Config("auth", model.REST, "fn"); c.ResultTTL != 0 {
		t.Fatalf("ttl = %d", c.ResultTTL)
	}
}

func TestSingleflight(t *testing.T) {
	release := make(chan struct{})
	inv := &funcInvoker{f: func([]byte) ([]byte, *lambda.FunctionError, error) {
		<-release
		return []byte(allowAll), nil, nil
	}}
	a, err := New(tokenConfig(300), inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := a.Authorize(t.Context(), tokenRequest("GET", "/pets", "tok"))
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := inv.calls.Load(); n != 1 {
		t.Fatalf("function called %d times for one key, want 1", n)
	}
}

// blockInvoker blocks every call until release is closed or the call's
// context ends, as *lambda.Host does, then allows.
type blockInvoker struct {
	calls   atomic.Int64
	release chan struct{}
}

func (bi *blockInvoker) Invoke(ctx context.Context, _ string, _ []byte) ([]byte, *lambda.FunctionError, error) {
	bi.calls.Add(1)
	select {
	case <-bi.release:
		return []byte(allowAll), nil, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func TestWaiterContextCanceled(t *testing.T) {
	t.Run("leader", func(t *testing.T) {
		inv := &blockInvoker{release: make(chan struct{})}
		defer close(inv.release)
		a, _ := New(tokenConfig(300), inv, Options{})
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err := a.Authorize(ctx, tokenRequest("GET", "/pets", "tok"))
		wantErr(t, err, 500, "AuthorizerConfigurationException", restConfigError)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cause = %v", err)
		}
	})
	t.Run("waiter", func(t *testing.T) {
		inv := &blockInvoker{release: make(chan struct{})}
		a, _ := New(tokenConfig(300), inv, Options{})
		leader := make(chan error, 1)
		go func() {
			_, err := a.Authorize(t.Context(), tokenRequest("GET", "/pets", "tok"))
			leader <- err
		}()
		for inv.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err := a.Authorize(ctx, tokenRequest("GET", "/pets", "tok"))
		wantErr(t, err, 500, "AuthorizerConfigurationException", restConfigError)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cause = %v", err)
		}
		close(inv.release)
		if err := <-leader; err != nil {
			t.Fatalf("leader: %v", err)
		}
		if n := inv.calls.Load(); n != 1 {
			t.Fatalf("calls = %d, want 1", n)
		}
	})
	// The leader's client goes away during the call: the others are not
	// failed by it, one of them calls again.
	t.Run("leader gone, waiter served", func(t *testing.T) {
		inv := &blockInvoker{release: make(chan struct{})}
		a, _ := New(tokenConfig(300), inv, Options{})
		lctx, lcancel := context.WithCancel(t.Context())
		leader := make(chan error, 1)
		go func() {
			_, err := a.Authorize(lctx, tokenRequest("GET", "/pets", "tok"))
			leader <- err
		}()
		for inv.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		waiter := make(chan error, 1)
		go func() {
			_, err := a.Authorize(t.Context(), tokenRequest("GET", "/pets", "tok"))
			waiter <- err
		}()
		time.Sleep(20 * time.Millisecond) // the waiter joins the leader's call
		lcancel()
		err := <-leader
		wantErr(t, err, 500, "AuthorizerConfigurationException", restConfigError)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("leader's cause = %v", err)
		}
		for inv.calls.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
		close(inv.release)
		if err := <-waiter; err != nil {
			t.Fatalf("waiter: %v", err)
		}
		if n := inv.calls.Load(); n != 2 {
			t.Fatalf("calls = %d, want 2", n)
		}
		if _, err := a.Authorize(t.Context(), tokenRequest("GET", "/pets", "tok")); err != nil || inv.calls.Load() != 2 {
			t.Fatalf("after: %v, %d calls (want the waiter's result cached)", err, inv.calls.Load())
		}
	})
}

func TestCacheExpiryAndEviction(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	inv := allowInvoker()
	a, _ := New(tokenConfig(60), inv, Options{MaxEntries: 2, Now: func() time.Time { return now }})
	auth := func(tok string) {
		t.Helper()
		if _, err := a.Authorize(t.Context(), tokenRequest("GET", "/pets", tok)); err != nil {
			t.Fatal(err)
		}
	}
	auth("a")
	auth("a")
	if n := inv.calls.Load(); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
	now = now.Add(59 * time.Second)
	auth("a")
	if n := inv.calls.Load(); n != 1 {
		t.Fatalf("calls = %d before the TTL, want 1", n)
	}
	now = now.Add(time.Second)
	auth("a") // expired at 60s
	if n := inv.calls.Load(); n != 2 {
		t.Fatalf("calls = %d after the TTL, want 2", n)
	}
	auth("b")
	auth("a") // a is now the most recent; c evicts b
	auth("c")
	if l := a.cache.len(); l != 2 {
		t.Fatalf("cache holds %d entries, want 2", l)
	}
	before := inv.calls.Load()
	auth("a")
	if inv.calls.Load() != before {
		t.Fatal("a was evicted, want b evicted")
	}
	auth("b")
	if inv.calls.Load() != before+1 {
		t.Fatal("b was still cached")
	}
}

func TestIdentitySources(t *testing.T) {
	var seen []byte
	inv := &funcInvoker{f: func(p []byte) ([]byte, *lambda.FunctionError, error) {
		seen = append(seen[:0], p...)
		return []byte(`{"isAuthorized":true}`), nil, nil
	}}
	a, err := New(Config{Name: "h", Protocol: model.HTTP, Type: TypeRequest, Function: "f", PayloadFormatVersion: "2.0",
		EnableSimpleResponses: true, ResultTTL: 300,
		IdentitySource: "$request.header.X-Key, $context.routeKey, $stageVariables.v, $request.querystring.q"}, inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{
		Event: &proxyevent.Request{Method: "GET", RouteKey: "GET /a", Path: "/a", Stage: "$default",
			Headers:        []proxyevent.Param{{Name: "x-key", Value: "k1"}, {Name: "X-KEY", Value: "k2"}},
			Query:          []proxyevent.Param{{Name: "q", Value: "1"}},
			StageVariables: []proxyevent.Param{{Name: "v", Value: "sv"}}},
		MethodARN: "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/a",
		ContextVar: func(name string) (string, bool) {
			if name == "routeKey" {
				return "GET /a", true
			}
			return "", false
		},
	}
	if _, err := a.Authorize(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if want := `"identitySource":["k1,k2","GET /a","sv","1"]`; !strings.Contains(string(seen), want) {
		t.Errorf("event %s\nlacks %s", seen, want)
	}
	// The query name is case-sensitive: Q is not q.
	r.Event.Query = []proxyevent.Param{{Name: "Q", Value: "1"}}
	_, err = a.Authorize(t.Context(), r)
	wantErr(t, err, 401, "", `{"message":"Unauthorized"}`)
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		payload string
		err     string
	}{
		{"ok", PolicyREST, allowAll, ""},
		{"not an object", PolicyREST, `"Unauthorized"`, "not a JSON object"},
		{"null", PolicyREST, `null`, "not a JSON object"},
		{"no principal", PolicyREST, `{"policyDocument":{"Statement":[]}}`, "principalId is missing"},
		{"number principal", PolicyREST, `{"principalId":1,"policyDocument":{"Statement":[]}}`, "principalId is 1, not a string"},
		{"no policy", PolicyREST, `{"principalId":"p"}`, "policyDocument is missing"},
		{"bad policy", PolicyREST, `{"principalId":"p","policyDocument":{"Statement":[{"Effect":"Maybe"}]}}`, "could not parse policy"},
		{"array context REST", PolicyREST, `{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":[1]}}`, "must be a string, number or boolean"},
		{"null context value REST", PolicyREST, `{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":null}}`, "must be a string, number or boolean"},
		{"array context HTTP", PolicyHTTP, `{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":[1, 2]}}`, ""},
		{"simple", Simple, `{"isAuthorized":false}`, ""},
		{"simple string", Simple, `{"isAuthorized":"true"}`, "not a boolean"},
		{"simple missing", Simple, `{"context":{}}`, "isAuthorized is missing"},
		{"trailing data", Simple, `{"isAuthorized":true} x`, "invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ParseOutput(tc.mode, "p", []byte(tc.payload))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.mode != Simple && out.Policy == nil {
					t.Fatal("no policy")
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want a *MalformedError containing %q", err, tc.err)
			}
		})
	}
}

func TestUsageIdentifierKeyAndContextOrder(t *testing.T) {
	out, err := ParseOutput(PolicyREST, "p", []byte(`{"principalId":"u","usageIdentifierKey":"key-1",
		"policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]},
		"context":{"z":"1","a":2.50,"m":false,"z":"last"}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := out.result()
	if r.UsageIdentifierKey != "key-1" || r.PrincipalID != "u" {
		t.Fatalf("%+v", r)
	}
	want := []KV{{"z", `"last"`, "last"}, {"a", "2.50", "2.50"}, {"m", "false", "false"}}
	for i := range want {
		if r.Context[i] != want[i] {
			t.Errorf("context[%d] = %+v, want %+v", i, r.Context[i], want[i])
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	b.Run("cache=hit", func(b *testing.B) {
		a, _ := New(tokenConfig(300), allowInvoker(), Options{})
		r := tokenRequest("GET", "/pets", "allow-token-0123456789")
		ctx := context.Background()
		if _, err := a.Authorize(ctx, r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Authorize(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache=miss", func(b *testing.B) {
		a, _ := New(tokenConfig(0), allowInvoker(), Options{})
		r := tokenRequest("GET", "/pets", "allow-token-0123456789")
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Authorize(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A REQUEST miss of the authorizer_cached request with the bench
	// function's answer: the event, the call, the parse.
	b.Run("cache=miss/type=REQUEST", func(b *testing.B) {
		inv := &funcInvoker{f: func([]byte) ([]byte, *lambda.FunctionError, error) { return []byte(benchAllow), nil, nil }}
		a, _ := New(Config{Name: "r", Protocol: model.REST, Type: TypeRequest, Function: "f",
			IdentitySource: "method.request.header.Authorization"}, inv, Options{})
		r := missRequest()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Authorize(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache=hit/sources=3", func(b *testing.B) {
		a, _ := New(Config{Name: "r", Protocol: model.REST, Type: TypeRequest, Function: "f", ResultTTL: 300,
			IdentitySource: "method.request.header.headerauth1, method.request.querystring.QueryString1, stageVariables.StageVar1"},
			allowInvoker(), Options{})
		r := restRequest("headerValue1", "queryValue1", "stageValue1")
		ctx := context.Background()
		if _, err := a.Authorize(ctx, r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Authorize(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
