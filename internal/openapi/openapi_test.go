package openapi

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

func keys(routes []*model.Route) string {
	var out []string
	for _, r := range routes {
		out = append(out, r.Key)
	}
	return strings.Join(out, ", ")
}

func TestHTTPAPIExport(t *testing.T) {
	def, err := Load("testdata/http-api-export.yaml", model.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	routes := def.Routes
	if got := keys(routes); got != "GET /hello/{name}, $default" {
		t.Fatalf("routes = %s", got)
	}
	hello := routes[0].Integration
	if hello.Type != model.HTTPProxy || hello.URI != "https://example.com/hello/{name}" || hello.Timeout != 15*time.Second || hello.PayloadFormatVersion != "1.0" || hello.ConnectionType != "INTERNET" {
		t.Errorf("integration = %+v", hello)
	}
	if def := routes[1]; def.Method != model.MethodAny || def.Path != "" || def.Integration.Timeout != model.DefaultHTTPAPITimeout {
		t.Errorf("$default = %+v", def)
	}
}

func TestSwagger2JSON(t *testing.T) {
	def, err := Load("testdata/swagger2.json", model.REST)
	if err != nil {
		t.Fatal(err)
	}
	routes := def.Routes
	if got := keys(routes); got != "GET /, GET /pets/{petId}, OPTIONS /pets/{petId}" {
		t.Fatalf("routes = %s", got)
	}
	root := routes[0].Integration
	if root.Type != model.HTTPPlain || len(root.Responses) != 1 || root.Responses[0].StatusCode != "200" || root.Timeout != model.DefaultTimeout {
		t.Errorf("root integration = %+v", root)
	}
	if routes[1].Integration.RequestParameters["integration.request.path.petId"] != "method.request.path.petId" {
		t.Errorf("requestParameters = %v", routes[1].Integration.RequestParameters)
	}
	if !strings.HasPrefix(routes[1].Where, "testdata/swagger2.json:") {
		t.Errorf("Where = %q", routes[1].Where)
	}
}

func TestSelectionPatternOrder(t *testing.T) {
	doc := `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /x:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://127.0.0.1:1/
        responses:
          default: {statusCode: "200"}
          "4\\d{2}": {statusCode: "400"}
          "5\\d{2}": {statusCode: "500"}
`
	root, err := yamlx.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Decode("t.yaml", root, model.REST)
	if err != nil {
		t.Fatal(err)
	}
	rs := def.Routes[0].Integration.Responses
	if len(rs) != 3 || rs[2].Pattern != "" {
		t.Fatalf("default must come last: %+v", rs)
	}
	for status, want := range map[string]string{"404": "400", "503": "500", "200": "200", "4000": "200"} {
		for _, r := range rs {
			if r.Match(status) {
				if r.StatusCode != want {
					t.Errorf("status %s selects %s, want %s", status, r.StatusCode, want)
				}
				break
			}
		}
	}
}

func TestCheckPathTemplate(t *testing.T) {
	for path, ok := range map[string]bool{
		"/": true, "/pets": true, "/pets/{id}": true, "/{proxy+}": true, "/a/{b}/c/{d+}": true,
		"/a.b-c_d:e": true, "pets": false, "/pets/": false, "//pets": false, "/{id": false,
		"/id}": false, "/a{b}": false, "/{}": false, "/{+}": false, "/{a+}/b": false,
		"/{a b}": false, "/a b": false, "/a?b": false, "/a%20": false, "/{{a}}": false,
	} {
		err := CheckPathTemplate(path)
		if (err == nil) != ok {
			t.Errorf("CheckPathTemplate(%q) = %v, want ok=%v", path, err, ok)
		}
	}
}

func TestRejectsUnsupported(t *testing.T) {
	for name, c := range map[string]struct{ doc, want string }{
		"no version":               {"paths: {}", `neither "openapi" (3.0) nor "swagger" (2.0)`},
		"openapi 2":                {"openapi: 2.0\npaths: {}", `version "2.0" is not supported`},
		"no paths":                 {"openapi: 3.0.1", `missing required key "paths"`},
		"vpc link":                 {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/', connectionType: VPC_LINK}}}}", `connection type "VPC_LINK" is not supported`},
		"bad method":               {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: FETCH, uri: 'http://a/'}}}}", `unknown HTTP method "FETCH"`},
		"bad pattern":              {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://a/', responses: {'(': {statusCode: '500'}}}}}}", `selection pattern "("`},
		"http on HTTP":             {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://a/'}}}}", `is a REST API integration`},
		"HTTP API mapping on REST": {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/', requestParameters: {'overwrite:path': '/x'}}}}}", `target "overwrite:path" must be integration.request`},
		"bad target":               {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/', requestParameters: {'integration.request.body': 'x'}}}}}", `must be integration.request.{header,querystring,path}.NAME`},
		"undefined scheme":         {"openapi: 3.0.1\npaths: {/x: {get: {security: [{sigv4: []}], x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/'}}}}", `security scheme "sigv4" is not defined`},
		"authorizer":               {"openapi: 3.0.1\ncomponents: {securitySchemes: {auth: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authorizer: {type: token}}}}\npaths: {/x: {get: {security: [{auth: []}], x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/'}}}}", `authorizerUri: lambda integration URI "" does not name a function`},
		"jwt authorizer":           {"openapi: 3.0.1\ncomponents: {securitySchemes: {jwt: {type: oauth2, x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.Authorization}}}}\npaths: {/x: {get: {security: [{jwt: []}], x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/'}}}}", `security scheme "jwt" (JWT/Cognito authorizer) is not supported yet`},
		"auth type":                {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-auth: {type: CUSTOM}, x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/'}}}}", `authorization type "CUSTOM" is not supported yet`},
	} {
		t.Run(name, func(t *testing.T) {
			protocol := model.REST
			if name == "http on HTTP" {
				protocol = model.HTTP
			}
			root, err := yamlx.Parse("t.yaml", []byte(c.doc))
			if err == nil {
				_, err = Decode("t.yaml", root, protocol)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	doc := `
swagger: "2.0"
info: {title: t, version: "1"}
securityDefinitions:
  sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
security: [{sigv4: []}]
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement: [{Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}]
paths:
  /inherit:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
  /open:
    get:
      security: []
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
  /ext:
    get:
      x-amazon-apigateway-auth: {type: NONE}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://a/"}
`
	root, err := yamlx.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Decode("t.yaml", root, model.REST)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.AuthorizationType{}
	for _, r := range def.Routes {
		got[r.Path] = r.Authorization
	}
	if got["/inherit"] != model.AuthIAM || got["/open"] != model.AuthNone || got["/ext"] != model.AuthNone {
		t.Errorf("authorization = %v", got)
	}
	if !strings.Contains(string(def.ResourcePolicy), `"Resource":"execute-api:/*"`) {
		t.Errorf("resource policy = %s", def.ResourcePolicy)
	}
}

// FuzzDecode feeds arbitrary documents to the definition loader: routes
// or an error, never a panic, and every route it returns is servable.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("openapi: 3.0.1\npaths: {/x/{id}: {get: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/{id}'}}}}"))
	f.Add([]byte(`{"swagger":"2.0","paths":{"/{proxy+}":{"x-amazon-apigateway-any-method":{"x-amazon-apigateway-integration":{"type":"http","httpMethod":"ANY","uri":"http://a/","responses":{"default":{"statusCode":"200"}}}}}}}`))
	f.Add([]byte("openapi: 3.0.1\npaths: {$default: {x-amazon-apigateway-any-method: {x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: 'http://a'}}}}"))
	f.Add([]byte("openapi: 3.0.1\npaths: {/a: &a {get: *a}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := yamlx.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, protocol := range []model.Protocol{model.REST, model.HTTP} {
			def, err := Decode("fuzz.yaml", root, protocol)
			if err != nil {
				continue
			}
			for _, r := range def.Routes {
				if r.Integration == nil || (r.Key != model.DefaultRouteKey && CheckPathTemplate(r.Path) != nil) {
					t.Fatalf("unservable route %+v", r)
				}
			}
		}
	})
}
