package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/sigv4"
)

// recorder is a real backend that records the requests that reached it.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []recorded
}

type recorded struct {
	method, path, body string
	header             http.Header
}

func recordingBackend(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, recorded{r.Method, r.URL.Path, string(b), r.Header.Clone()})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"reached":"backend"}`)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// take returns and forgets what reached the backend.
func (rec *recorder) take() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.seen
	rec.seen = nil
	return out
}

const validationConfig = `
apis:
  - name: v
    protocol: REST
    definition: api.yaml
    stages:
      prod:
        accessLog:
          format: '$context.status $context.error.responseType $context.error.validationErrorString'
`

// validationDefinition exercises AWS's rules: the API's default validator
// and per-method overrides, required parameters of the path item and the
// operation, models by content type with a $default one, and a method
// parameter mapped from the body (read once, validated, forwarded).
const validationDefinition = `
openapi: 3.0.1
info: {title: v, version: "1"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  params: {validateRequestBody: false, validateRequestParameters: true}
  off: {validateRequestBody: false, validateRequestParameters: false}
x-amazon-apigateway-request-validator: all
paths:
  /nested/{test}:
    post:
      parameters:
        - {name: test, in: path, required: true, schema: {type: string}}
        - {name: issuer, in: path, required: true, schema: {type: string}}
        - {name: qs1, in: query, required: true, schema: {type: string}}
        - {name: x-header-param, in: header, required: true, schema: {type: string}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://{{backend}}/nested"}
  /items:
    parameters:
      - {name: x-api-version, in: header, required: true, schema: {type: string}}
    post:
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer}}
        - {name: opt, in: query, schema: {type: string}}
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Item'}}
          $default: {schema: {type: object, required: [raw]}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: POST
        uri: "http://{{backend}}/items"
        requestParameters:
          integration.request.header.x-item-name: method.request.body.name
    put:
      x-amazon-apigateway-request-validator: "off"
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: PUT, uri: "http://{{backend}}/items"}
    patch:
      x-amazon-apigateway-request-validator: params
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: PATCH, uri: "http://{{backend}}/items"}
  /xml:
    post:
      requestBody: {content: {application/xml: {schema: {$ref: '#/components/schemas/Item'}}}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://{{backend}}/xml"}
components:
  schemas:
    Item:
      $schema: http://json-schema.org/draft-04/schema#
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 2}
        qty: {type: integer, minimum: 1}
      additionalProperties: false
`

func TestRequestValidation(t *testing.T) {
	be := recordingBackend(t)
	base, logs := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": validationConfig, "api.yaml": validationDefinition})
	var wantLog []string // access log lines, read once the requests are done
	const (
		params  = "BAD_REQUEST_PARAMETERS"
		body    = "BAD_REQUEST_BODY"
		reached = ""
	)
	for _, c := range []struct {
		name, method, path, body string
		header                   []string
		// want is the gateway's answer, or "" when the request must reach
		// the backend.
		want, responseType, validationError string
	}{
		{name: "all missing, in AWS's order", method: "POST", path: "/nested/v",
			want: `{"message": "Missing required request parameters: [x-header-param, issuer, qs1]"}`, responseType: params,
			validationError: "Missing required request parameters: [x-header-param, issuer, qs1]"},
		{name: "path parameter not in the resource path", method: "POST", path: "/nested/v?qs1=a", header: []string{"x-header-param", "h"},
			want: `{"message": "Missing required request parameters: [issuer]"}`, responseType: params},
		{name: "path item and operation parameters", method: "POST", path: "/items", body: `{"name":"ab"}`,
			want: `{"message": "Missing required request parameters: [limit, x-api-version]"}`, responseType: params},
		{name: "blank values are missing", method: "POST", path: "/items?limit=1&limit=", body: `{"name":"ab"}`, header: []string{"X-Api-Version", "  "},
			want: `{"message": "Missing required request parameters: [limit, x-api-version]"}`, responseType: params},
		{name: "parameters before the body", method: "POST", path: "/items", body: `{"name":1}`, header: []string{"x-api-version", "1"},
			want: `{"message": "Missing required request parameters: [limit]"}`, responseType: params},
		{name: "valid, header name in any case", method: "POST", path: "/items?limit=5", body: `{"name":"ab","qty":2}`,
			header: []string{"X-API-VERSION", "1", "Content-Type", "application/json"}, want: reached},
		{name: "invalid against the json model", method: "POST", path: "/items?limit=5", body: `{"name":"a"}`, header: []string{"x-api-version", "1", "Content-Type", "application/json"},
			want: `{"message": "Invalid request body"}`, responseType: body,
			validationError: `[string \"a\" is too short (length: 1, required minimum: 2)]`},
		{name: "media type parameters and case ignored", method: "POST", path: "/items?limit=5", body: `{"name":"ab","x":1}`,
			header: []string{"x-api-version", "1", "Content-Type", "Application/JSON; charset=utf-8"},
			want:   `{"message": "Invalid request body"}`, responseType: body,
			validationError: `[object instance has properties which are not allowed by the schema: [\"x\"]]`},
		{name: "no content type is application/json", method: "POST", path: "/items?limit=5", body: `{}`, header: []string{"x-api-version", "1"},
			want: `{"message": "Invalid request body"}`, responseType: body},
		{name: "empty body", method: "POST", path: "/items?limit=5", header: []string{"x-api-version", "1", "Content-Type", "application/json"},
			want: `{"message": "Invalid request body"}`, responseType: body, validationError: "[Unknown error parsing request body]"},
		{name: "not JSON", method: "POST", path: "/items?limit=5", body: `name=ab`, header: []string{"x-api-version", "1", "Content-Type", "application/json"},
			want: `{"message": "Invalid request body"}`, responseType: body, validationError: "[Unknown error parsing request body]"},
		{name: "other content type uses $default", method: "POST", path: "/items?limit=5", body: `hello`, header: []string{"x-api-version", "1", "Content-Type", "text/plain"},
			want: `{"message": "Invalid request body"}`, responseType: body},
		{name: "valid against $default", method: "POST", path: "/items?limit=5", body: `{"raw":1}`, header: []string{"x-api-version", "1", "Content-Type", "text/plain"},
			want: reached},
		{name: "validator off", method: "PUT", path: "/items", body: `{"name":1}`, want: reached},
		{name: "params-only validator skips the body", method: "PATCH", path: "/items", body: `{"name":1}`, header: []string{"x-api-version", "1"}, want: reached},
		{name: "params-only validator checks parameters", method: "PATCH", path: "/items", body: `{"name":"ab"}`,
			want: `{"message": "Missing required request parameters: [x-api-version]"}`, responseType: params},
		{name: "no model for the content type", method: "POST", path: "/xml", body: `{"not":"checked"`, header: []string{"Content-Type", "application/json"}, want: reached},
		{name: "model for the content type", method: "POST", path: "/xml", body: `<item/>`, header: []string{"Content-Type", "application/xml"},
			want: `{"message": "Invalid request body"}`, responseType: body},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, got := do(t, c.method, base+"/prod"+c.path, c.body, c.header...)
			seen := be.take()
			if c.want == reached {
				if resp.StatusCode != 200 || got != `{"reached":"backend"}` || len(seen) != 1 {
					t.Fatalf("want the backend's answer: %d %s (backend saw %d)", resp.StatusCode, got, len(seen))
				}
				if seen[0].body != c.body {
					t.Errorf("backend got body %q, want %q", seen[0].body, c.body)
				}
				return
			}
			if len(seen) != 0 {
				t.Errorf("a rejected request reached the backend: %+v", seen)
			}
			if resp.StatusCode != 400 || got != c.want {
				t.Errorf("got %d %s, want 400 %s", resp.StatusCode, got, c.want)
			}
			if et := resp.Header.Get("x-amzn-ErrorType"); et != "BadRequestException" {
				t.Errorf("x-amzn-ErrorType = %q", et)
			}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			if c.validationError != "" {
				wantLog = append(wantLog, "400 "+c.responseType+" "+c.validationError+"\n")
			}
		})
	}
	all := logs.String()
	for _, line := range wantLog {
		if !strings.Contains(all, line) {
			t.Errorf("access log lacks %q:\n%s", line, all)
		}
	}
}

// TestRequestValidationReadsBodyOnce: the validated body reaches the
// backend whole, and a mapping from the body still sees it.
func TestRequestValidationReadsBodyOnce(t *testing.T) {
	be := recordingBackend(t)
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": validationConfig, "api.yaml": validationDefinition})
	item := `{"name":"` + strings.Repeat("x", 1<<20) + `","qty":3}`
	resp, got := do(t, "POST", base+"/prod/items?limit=1", item, "x-api-version", "1", "Content-Type", "application/json")
	seen := be.take()
	if resp.StatusCode != 200 || len(seen) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	if seen[0].body != item || seen[0].header.Get("x-item-name") != strings.Repeat("x", 1<<20) {
		t.Errorf("backend got %d bytes, x-item-name of %d bytes", len(seen[0].body), len(seen[0].header.Get("x-item-name")))
	}
}

// TestRequestValidationGatewayResponses customises BAD_REQUEST_BODY and
// BAD_REQUEST_PARAMETERS with templates that use
// $context.error.validationErrorString, as API owners do to tell callers
// what was wrong.
func TestRequestValidationGatewayResponses(t *testing.T) {
	be := recordingBackend(t)
	def := validationDefinition + `
x-amazon-apigateway-gateway-responses:
  BAD_REQUEST_BODY:
    statusCode: "422"
    responseParameters:
      gatewayresponse.header.x-validation: "'body'"
    responseTemplates:
      application/json: '{"message": $context.error.messageString, "type": "$context.error.responseType", "details": "$context.error.validationErrorString"}'
  DEFAULT_4XX:
    responseTemplates:
      application/json: '{"error": "$context.error.validationErrorString"}'
`
	base, _ := gatewayFor(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": validationConfig, "api.yaml": def})
	resp, got := do(t, "POST", base+"/prod/items?limit=5", `{"name":"a","qty":0}`, "x-api-version", "1", "Content-Type", "application/json")
	want := `{"message": "Invalid request body", "type": "BAD_REQUEST_BODY", "details": "[string \"a\" is too short (length: 1, required minimum: 2), numeric instance is lower than the required minimum (minimum: 1, found: 0)]"}`
	if resp.StatusCode != 422 || got != want || resp.Header.Get("x-validation") != "body" {
		t.Errorf("BAD_REQUEST_BODY: %d %s %v\nwant 422 %s", resp.StatusCode, got, resp.Header, want)
	}
	resp, got = do(t, "POST", base+"/prod/items?limit=5", `{"name":"a"}`, "x-api-version", "1", "Content-Type", "application/json")
	var v map[string]string
	if err := json.Unmarshal([]byte(got), &v); err != nil || v["details"] != `[string "a" is too short (length: 1, required minimum: 2)]` {
		t.Errorf("the escaped string must make valid JSON: %d %s (%v)", resp.StatusCode, got, err)
	}
	resp, got = do(t, "POST", base+"/prod/items", `{"name":"ab"}`)
	if want := `{"error": "Missing required request parameters: [limit, x-api-version]"}`; resp.StatusCode != 400 || got != want {
		t.Errorf("DEFAULT_4XX for BAD_REQUEST_PARAMETERS: %d %s, want %s", resp.StatusCode, got, want)
	}
	if seen := be.take(); len(seen) != 0 {
		t.Errorf("rejected requests reached the backend: %d", len(seen))
	}
}

// TestRequestValidationAfterAuthorization: API Gateway authorizes before
// it validates, so an unsigned request with a bad body gets the
// authorizer's answer, and a signed one the validator's.
func TestRequestValidationAfterAuthorization(t *testing.T) {
	be := recordingBackend(t)
	def := `
openapi: 3.0.1
info: {title: v, version: "1"}
x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}
x-amazon-apigateway-request-validator: all
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
  schemas:
    Item: {type: object, required: [name]}
paths:
  /items:
    post:
      security: [{sigv4: []}]
      parameters: [{name: limit, in: query, required: true}]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://{{backend}}/items"}
`
	base, _ := iamGateway(t, be.Listener.Addr().String(), map[string]string{"gatehouse.yaml": "apis: [{name: v, definition: api.yaml, stages: {prod: {}}}]\n", "api.yaml": def}, allowAll)
	resp, got := do(t, "POST", base+"/prod/items", `{}`, "Content-Type", "application/json")
	if resp.StatusCode != 403 || got != `{"message":"Missing Authentication Token"}` {
		t.Errorf("unsigned: %d %s, want the authorizer's 403", resp.StatusCode, got)
	}
	signed := func(url, body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if _, err := sigv4.New(sigv4.Options{Region: "us-east-1"}).Sign(req, sigv4.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}); err != nil {
			t.Fatal(err)
		}
		return doReq(t, req)
	}
	resp, got = signed(base+"/prod/items", `{}`)
	if resp.StatusCode != 400 || got != `{"message": "Missing required request parameters: [limit]"}` {
		t.Errorf("signed, no limit: %d %s", resp.StatusCode, got)
	}
	resp, got = signed(base+"/prod/items?limit=1", `{}`)
	if resp.StatusCode != 400 || got != `{"message": "Invalid request body"}` {
		t.Errorf("signed, bad body: %d %s", resp.StatusCode, got)
	}
	resp, got = signed(base+"/prod/items?limit=1", `{"name":"n"}`)
	if seen := be.take(); resp.StatusCode != 200 || len(seen) != 1 || seen[0].body != `{"name":"n"}` {
		t.Errorf("signed, valid: %d %s (backend saw %d)", resp.StatusCode, got, len(seen))
	}
}

// TestRequestValidationLoadErrors: an unknown validator, a $ref to a
// missing model and an invalid schema are load errors that say where.
func TestRequestValidationLoadErrors(t *testing.T) {
	head := "openapi: 3.0.1\ninfo: {title: v, version: \"1\"}\nx-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}\n"
	op := "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: 'http://127.0.0.1:1/'}\n"
	for _, c := range []struct{ name, def, protocol, want string }{
		{"unknown validator", head + "paths:\n  /x:\n    post:\n      x-amazon-apigateway-request-validator: body\n" + op, "REST",
			`api.yaml:7:46: paths./x.post.x-amazon-apigateway-request-validator: no request validator "body" under x-amazon-apigateway-request-validators (defined: all)`},
		{"missing model", head + "x-amazon-apigateway-request-validator: all\npaths:\n  /x:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n" + op, "REST",
			`api.yaml:8:65: paths./x.post.requestBody.content.application/json.schema.$ref: $ref "#/components/schemas/Pet": no model "Pet" under definitions or components.schemas`},
		{"ref inside a model", head + "components: {schemas: {A: {properties: {b: {$ref: '#/components/schemas/B'}}}}}\npaths: {}\n", "REST",
			`api.yaml:4:51: components.schemas.A.properties.b.$ref: $ref "#/components/schemas/B": no model "B" under definitions or components.schemas`},
		{"invalid schema", head + "x-amazon-apigateway-request-validator: all\ncomponents:\n  schemas:\n    Pet: {type: object, properties: {age: {type: int}}}\npaths:\n  /x:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n" + op, "REST",
			`api.yaml:7:5: model Pet: /properties/age/type: unknown type "int" (allowed: array, boolean, integer, null, number, object, string)`},
		{"unsupported pattern", head + "x-amazon-apigateway-request-validator: all\npaths:\n  /x:\n    post:\n      requestBody: {content: {application/json: {schema: {type: string, pattern: '^(?!admin)'}}}}\n" + op, "REST",
			`model inline POST /x application/json: /pattern: pattern "^(?!admin)": lookahead "(?!" is not supported`},
		{"HTTP API", head + "paths: {}\n", "HTTP",
			`api.yaml:3:41: x-amazon-apigateway-request-validators: request validation exists only for REST APIs`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "api.yaml", c.def)
			writeFile(t, dir, "gatehouse.yaml", "apis: [{name: v, protocol: "+c.protocol+", definition: api.yaml, stages: {prod: {}}}]\n")
			cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
			if err == nil {
				_, err = gateway.NewPlan(cfg, nil)
			}
			if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), dir+string(os.PathSeparator), ""), c.want) {
				t.Errorf("err = %v\nwant it to contain %s", err, c.want)
			}
		})
	}
}
