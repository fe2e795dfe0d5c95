package gateway

import (
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// TestAuthorizerParams checks that the identity sources an authorizer
// reads from the exchange are the values of the event it would build
// (eventRequest), for both protocols' rules: REST takes a repeated
// header's or parameter's last value, HTTP APIs join them with ",".
func TestAuthorizerParams(t *testing.T) {
	in := httptest.NewRequest("GET", "http://api.example.com/prod/pets?q=cats&page=2&q=dogs&a+b=c%20d&bad=%zz&e=%C3%A9&&empty=&&=x", nil)
	in.Header["X-Key"] = []string{"k1", "k2"}
	in.Header["headerauth1"] = []string{"raw"} // set in-process, not canonical
	in.Header.Set("Authorization", "Bearer t")
	in.Header["X-Empty"] = []string{""}
	for _, proto := range []model.Protocol{model.REST, model.HTTP} {
		api := &model.API{ID: "api1", Protocol: proto}
		ex := &exchange{
			plan:  &Plan{AccountID: "123456789012"},
			in:    in,
			api:   &apiPlan{api: api},
			stage: &stagePlan{name: "prod", variables: map[string]string{"v": "sv", "w": ""}},
			route: &routePlan{route: &model.Route{Path: "/pets", Key: "GET /pets", Authorization: model.AuthCustom}},
			path:  "/pets",
		}
		ev := ex.eventRequest(nil)
		p := (*authorizerParams)(ex)
		join := proto != model.REST
		for _, name := range []string{"x-key", "X-KEY", "headerauth1", "HeaderAuth1", "authorization", "Host", "host", "X-Empty", "missing"} {
			want := eventValue(ev.Headers, name, true, join)
			if got := p.Header(textproto.CanonicalMIMEHeaderKey(name), join); got != want {
				t.Errorf("%s header %s = %q, event has %q", proto, name, got, want)
			}
		}
		for _, name := range []string{"q", "Q", "page", "a b", "bad", "e", "empty", "", "missing"} {
			want := eventValue(ev.Query, name, false, join)
			if got := p.Query(name, join); got != want {
				t.Errorf("%s query %q = %q, event has %q", proto, name, got, want)
			}
		}
		for _, name := range []string{"v", "w", "missing"} {
			want := eventValue(ev.StageVariables, name, false, false)
			if got := p.StageVariable(name); got != want {
				t.Errorf("%s stage variable %s = %q, event has %q", proto, name, got, want)
			}
		}
		if got := p.ContextValue("stage"); got != ev.Stage {
			t.Errorf("stage = %q, event has %q", got, ev.Stage)
		}
	}
}

// eventValue is a parameter's value as the authorizer reads it from an
// event: the last one, or all joined with ",".
func eventValue(ps []proxyevent.Param, name string, fold, join bool) string {
	var vs []string
	for _, p := range ps {
		if p.Name == name || (fold && strings.EqualFold(p.Name, name)) {
			vs = append(vs, p.Value)
		}
	}
	return pick(vs, join)
}
