package mapping

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

func render(t *testing.T, src string, vars map[string]any) string {
	t.Helper()
	tp, err := vtl.Parse("t", src)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tp.Render(vars, vtl.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResponseOverrideStatus(t *testing.T) {
	for src, want := range map[string]string{
		`#set($context.responseOverride.status = 400)`:      "400",
		`#set($context.responseOverride.status = "404")`:    "404",
		`#set($context.responseOverride.status = 42)`:       "error",
		`#set($context.responseOverride.status = "teapot")`: "error",
		`nothing`: "0",
	} {
		ctx := NewTemplateContext(nil)
		render(t, src, Vars(nil, ctx, nil))
		r, err := ctx.ResponseOverrides()
		got := "error"
		if err == nil {
			got = strings.TrimSpace(strings.Repeat(" ", 0) + itoa(r.Status))
		}
		if got != want {
			t.Errorf("%s: got %s, want %s (err %v)", src, got, want, err)
		}
	}
}

func itoa(n int) string { return plainString(int64(n)) }

func TestResponseOverrideHeaders(t *testing.T) {
	ctx := NewTemplateContext(nil)
	render(t, `#set($context.responseOverride.header.X-A = "1")#set($context.responseOverride.header['X-B'] = ["a", 2])`, Vars(nil, ctx, nil))
	r, err := ctx.ResponseOverrides()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Header) != 2 || r.Header[0].Name != "X-A" || r.Header[0].Values[0] != "1" ||
		r.Header[1].Name != "X-B" || strings.Join(r.Header[1].Values, ",") != "a,2" {
		t.Errorf("headers = %+v", r.Header)
	}
	if got := ctx.RequestOverrides(); got.Header != nil {
		t.Errorf("request overrides = %+v", got)
	}
}

func TestContextKeySet(t *testing.T) {
	src := mapSource{"authorizer.principalId": "me", "authorizer.tenant": "t1", "authorizer.claims.sub": "s"}
	got := render(t, `$context.authorizer.keySet() $context.authorizer.claims.keySet() $context.authorizer.get('tenant') $context.identity.containsKey('sourceIp') $context.identity.size()`,
		Vars(nil, NewTemplateContext(src), nil))
	if want := "[principalId, tenant] [sub] t1 true 14"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestConcurrentRenders shares one parsed template between goroutines, each
// with its own Input and Context (run with -race).
func TestConcurrentRenders(t *testing.T) {
	tp, err := vtl.Parse("passthrough", `#set($r = $input.path('$'))$r.a $input.json('$.b') $input.params('h') $context.requestId $util.escapeJavaScript($r.a)#set($context.requestOverride.header.x = $r.a)`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := itoa(i)
			in := NewInput(InputData{Body: []byte(`{"a":"` + v + `","b":[1,2]}`), Header: []Param{{"h", v}}})
			ctx := NewTemplateContext(mapSource{"requestId": "r" + v})
			out, err := tp.Render(Vars(in, ctx, nil), vtl.Limits{})
			if err != nil {
				t.Error(err)
				return
			}
			if want := v + " [1,2] " + v + " r" + v + " " + v; out != want {
				t.Errorf("got %q, want %q", out, want)
			}
			if o := ctx.RequestOverrides().Header; len(o) != 1 || o[0].Values[0] != v {
				t.Errorf("overrides %+v", o)
			}
		}()
	}
	wg.Wait()
}

// TestRepeatedOverride: AWS answers 5XX when a template overrides the same
// parameter twice (apigateway-override-request-response-parameters); the
// render fails with an error wrapping ErrRepeatedOverride.
func TestRepeatedOverride(t *testing.T) {
	cases := []struct {
		name, src string
		repeated  bool
	}{
		{"header twice", `#set($context.requestOverride.header.h = "1")#set($context.requestOverride.header.h = "2")`, true},
		{"header in other case", `#set($context.requestOverride.header.X-A = "1")#set($context.requestOverride.header['x-a'] = "2")`, true},
		{"header via put", `#set($h = $context.requestOverride.header)$h.put('A', 1)$h.put('a', 2)`, true},
		{"querystring twice", `#set($context.requestOverride.querystring.q = "1")#set($context.requestOverride.querystring.q = "2")`, true},
		{"querystring in other case", `#set($context.requestOverride.querystring.q = "1")#set($context.requestOverride.querystring.Q = "2")`, false},
		{"path twice", `#set($context.requestOverride.path.id = "1")#set($context.requestOverride.path.id = "1")`, true},
		{"same name, header and querystring", `#set($context.requestOverride.header.q = "1")#set($context.requestOverride.querystring.q = "2")`, false},
		{"status twice", `#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 400)`, true},
		{"response header twice", `#set($context.responseOverride.header.A = "1")#set($context.responseOverride.header.a = "2")`, true},
		{"in a loop", `#foreach($i in [1, 2])#set($context.responseOverride.header.X = $i)#end`, true},
		{"null value is no write", `#set($context.requestOverride.header.h = $nothing)#set($context.requestOverride.header.h = "1")`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := vtl.Parse("t", c.src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tp.Render(Vars(nil, NewTemplateContext(nil), nil), vtl.Limits{})
			if got := errors.Is(err, ErrRepeatedOverride); got != c.repeated {
				t.Fatalf("repeated = %v (err %v), want %v", got, err, c.repeated)
			}
			var ve *vtl.Error
			if c.repeated && !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *vtl.Error", err)
			}
		})
	}
}

// TestOverrideNames: names keep the case the template wrote (#set on the
// override objects reaches put("name", v), as in Velocity 1.7), and the
// override maps read back like maps.
func TestOverrideNames(t *testing.T) {
	ctx := NewTemplateContext(nil)
	got := render(t, `#set($context.requestOverride.header.X-Amz-Target = "t")#set($context.requestOverride.querystring.pageSize = 5)`+
		`$context.requestOverride.header.x-amz-target $context.requestOverride.header.get('X-AMZ-TARGET') `+
		`$context.requestOverride.header.containsKey('x-amz-target') $context.requestOverride.querystring.keySet() `+
		`$context.requestOverride.querystring.size() $context.requestOverride.path.isEmpty() $context.requestOverride.querystring.pagesize`,
		Vars(nil, ctx, nil))
	if want := "t t true [pageSize] 1 true $context.requestOverride.querystring.pagesize"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	r := ctx.RequestOverrides()
	if len(r.Header) != 1 || r.Header[0].Name != "X-Amz-Target" || len(r.Querystring) != 1 || r.Querystring[0].Name != "pageSize" || r.Querystring[0].Values[0] != "5" {
		t.Errorf("overrides = %+v", r)
	}
	// The fixed sub-maps cannot be replaced.
	ctx = NewTemplateContext(nil)
	render(t, `#set($context.requestOverride.header = {"a": "b"})#set($context.requestOverride.header.c = "d")`, Vars(nil, ctx, nil))
	if r := ctx.RequestOverrides(); len(r.Header) != 1 || r.Header[0].Name != "c" {
		t.Errorf("overrides = %+v", r)
	}
}

// TestOverrideCycle: a template's cyclic list as an override value is
// bounded (Java would overflow its stack; here the value is empty).
func TestOverrideCycle(t *testing.T) {
	ctx := NewTemplateContext(nil)
	render(t, `#set($l = [1])#set($x = $l.add($l))#set($context.requestOverride.header.h = $l)`, Vars(nil, ctx, nil))
	r := ctx.RequestOverrides()
	if len(r.Header) != 1 || strings.Join(r.Header[0].Values, ",") != "1," {
		t.Errorf("overrides = %+v", r)
	}
}

func TestQualified(t *testing.T) {
	for _, tt := range []struct{ prefix, name, want string }{
		{"identity.", "caller", "identity.caller"},
		{"identity.", "userArn", "identity.userArn"},
		{"authorizer.", "principalId", "authorizer.principalId"},
		{"authorizer.", "custom", "authorizer.custom"},
		{"authorizer.claims.", "sub", "authorizer.claims.sub"},
		{"error.", "message", "error.message"},
		{"identity.", "", "identity."},
	} {
		if got := qualified(tt.prefix, tt.name); got != tt.want {
			t.Errorf("qualified(%q, %q) = %q, want %q", tt.prefix, tt.name, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = qualified("identity.", "sourceIp") }); n != 0 {
		t.Errorf("qualified allocates %v times for a documented name", n)
	}
}
