package main

import (
	"strings"
	"testing"
)

func testParams() GatewayParams {
	return GatewayParams{Listen: "127.0.0.1:8001", Admin: "127.0.0.1:8002", Backend: "127.0.0.1:8003", Issuer: "http://127.0.0.1:8004", AWS: "127.0.0.1:8005"}
}

func TestScenariosRender(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Name == "" || seen[sc.Name] {
				t.Fatalf("scenario name %q empty or repeated", sc.Name)
			}
			seen[sc.Name] = true
			if !strings.HasPrefix(sc.Path, "/") || strings.Count(sc.Path, "/") < 2 {
				t.Errorf("Path %q: want /<stage>/<resource>", sc.Path)
			}
			// A gateway may beat B0 (mock: no backend round trip), not
			// by much more than the backend's share of the work.
			if sc.Target.MinThroughput <= 0 || sc.Target.MinThroughput > 2 || sc.Target.MaxP99 < 1 {
				t.Errorf("Target %+v out of range", sc.Target)
			}
			files, err := sc.render(testParams())
			if err != nil {
				t.Fatal(err)
			}
			main := string(files[mainConfig])
			for _, want := range []string{"listen: " + testParams().Listen, "admin: " + testParams().Admin, testParams().Backend} {
				if !strings.Contains(main, want) {
					t.Errorf("%s lacks %q:\n%s", mainConfig, want, main)
				}
			}
			for name, b := range files {
				if strings.Contains(string(b), "<no value>") || strings.Contains(string(b), "{{") {
					t.Errorf("%s not fully rendered:\n%s", name, b)
				}
			}
		})
	}
}

func TestHTTPProxyScenarioFiles(t *testing.T) {
	sc, err := findScenario(scenarios(), "http_proxy")
	if err != nil {
		t.Fatal(err)
	}
	files, err := sc.render(testParams())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"gatehouse.yaml": `listen: 127.0.0.1:8001
admin: 127.0.0.1:8002
apis:
  - name: bench
    protocol: REST
    definition: api.yaml
    stages:
      prod:
        variables: {backend: "127.0.0.1:8003"}
`,
		"api.yaml": `openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - {name: proxy, in: path, required: true, schema: {type: string}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
        passthroughBehavior: when_no_match
`,
	}
	if len(files) != len(want) {
		t.Errorf("rendered %d files, want %d", len(files), len(want))
	}
	for name, w := range want {
		if got := string(files[name]); got != w {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", name, got, w)
		}
	}
	if sc.Path != "/prod/hello" || sc.Target.MinThroughput != 0.95 || sc.Target.MaxP99 != 1.20 {
		t.Errorf("Path %q, Target %+v; want /prod/hello, 0.95, 1.20", sc.Path, sc.Target)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []File
		want  string
	}{
		{"no main config", []File{{Name: "api.yaml", Template: "x"}}, "no gatehouse.yaml"},
		{"unknown field", []File{{Name: mainConfig, Template: "{{.Nope}}"}}, "Nope"},
		{"bad template", []File{{Name: mainConfig, Template: "{{"}}, "parse gatehouse.yaml"},
		{"path in name", []File{{Name: "../x", Template: ""}}, "plain file name"},
		{"twice", []File{{Name: mainConfig}, {Name: mainConfig}}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Scenario{Name: "t", Files: tt.files}
			_, err := sc.render(testParams())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestFindScenario(t *testing.T) {
	if _, err := findScenario(scenarios(), "nope"); err == nil || !strings.Contains(err.Error(), "http_proxy") {
		t.Errorf("err = %v, want it to list the scenarios", err)
	}
}
