package mapping

import (
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
