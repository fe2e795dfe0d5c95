package openapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

func decodeREST(t *testing.T, doc string) *Definition {
	t.Helper()
	root, err := yamlx.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Decode("t.yaml", root, model.REST)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func routeValidation(def *Definition, key string) *model.RequestValidation {
	for _, r := range def.Routes {
		if r.Key == key {
			return r.Validation
		}
	}
	return nil
}

// TestRequestValidationSwagger2 reads AWS's Swagger 2 form: validators,
// the API default and a method override, $ref parameters, path item
// parameters overridden by the operation's, and the body parameter's model
// for each media type the operation consumes.
func TestRequestValidationSwagger2(t *testing.T) {
	def := decodeREST(t, `{
  "swagger": "2.0",
  "info": {"title": "t", "version": "1"},
  "consumes": ["application/json"],
  "x-amazon-apigateway-request-validators": {
    "basic": {"validateRequestBody": true, "validateRequestParameters": true},
    "params-only": {"validateRequestBody": false, "validateRequestParameters": true}
  },
  "x-amazon-apigateway-request-validator": "basic",
  "parameters": {"Limit": {"name": "limit", "in": "query", "required": true, "type": "integer"}},
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
                     {"name": "x-trace", "in": "header", "required": true, "type": "string"}],
      "post": {
        "consumes": ["application/json", "application/x-pet"],
        "parameters": [{"$ref": "#/parameters/Limit"},
                       {"name": "x-trace", "in": "header", "required": false, "type": "string"},
                       {"in": "body", "name": "Pet", "required": true, "schema": {"$ref": "#/definitions/Pet"}}],
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "POST", "uri": "http://a/"}
      },
      "get": {
        "x-amazon-apigateway-request-validator": "params-only",
        "parameters": [{"in": "body", "name": "Pet", "schema": {"$ref": "#/definitions/Pet"}}],
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://a/"}
      }
    }
  },
  "definitions": {"Pet": {"type": "object", "properties": {"price": {"type": "number", "minimum": 1.50}}}}
}`)
	post := routeValidation(def, "POST /pets/{id}")
	want := &model.RequestValidation{Validator: "basic", ValidateBody: true, ValidateParameters: true,
		Parameters: []model.RequestParameter{{In: model.InPath, Name: "id", Required: true}, {In: model.InHeader, Name: "x-trace"},
			{In: model.InQuery, Name: "limit", Required: true}},
		Models: map[string]string{"application/json": "Pet", "application/x-pet": "Pet"}}
	if !reflect.DeepEqual(post, want) {
		t.Errorf("POST validation = %+v\nwant %+v", post, want)
	}
	get := routeValidation(def, "GET /pets/{id}")
	if get == nil || get.Validator != "params-only" || get.ValidateBody || get.Models != nil || len(get.Parameters) != 2 {
		t.Errorf("GET validation = %+v", get)
	}
	if m := def.Models["Pet"]; m == nil || string(m.Schema) != `{"type":"object","properties":{"price":{"type":"number","minimum":1.50}}}` || m.Where != "t.yaml:29:19" {
		t.Errorf("model Pet = %+v", m)
	}
}

// TestRequestValidationOpenAPI3 reads requestBody content (with a $ref
// request body and an inline schema, which becomes a model of its own) and
// components.parameters.
func TestRequestValidationOpenAPI3(t *testing.T) {
	def := decodeREST(t, `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}
paths:
  /a:
    post:
      x-amazon-apigateway-request-validator: all
      parameters: [{$ref: '#/components/parameters/Q'}, {name: c, in: cookie, required: true}]
      requestBody: {$ref: '#/components/requestBodies/Body'}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://a/"}
    put:
      requestBody:
        content:
          Text/Plain: {schema: {type: string, maxLength: 3}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: PUT, uri: "http://a/"}
components:
  parameters:
    Q: {name: q, in: query, required: true, schema: {type: string}}
  requestBodies:
    Body:
      content:
        application/json: {schema: {$ref: '#/components/schemas/Item'}}
        $default: {schema: {$ref: 'https://apigateway.amazonaws.com/restapis/a1b2c3d4e5/models/Item'}}
  schemas:
    Item: {type: object}
`)
	post := routeValidation(def, "POST /a")
	want := &model.RequestValidation{Validator: "all", ValidateBody: true, ValidateParameters: true,
		Parameters: []model.RequestParameter{{In: model.InQuery, Name: "q", Required: true}},
		Models:     map[string]string{"application/json": "Item", "$default": "Item"}}
	if !reflect.DeepEqual(post, want) {
		t.Errorf("POST validation = %+v\nwant %+v", post, want)
	}
	if put := routeValidation(def, "PUT /a"); put != nil {
		t.Errorf("PUT has no validator, got %+v", put)
	}
	if len(def.Models) != 1 {
		t.Errorf("models = %v (a method without a validator makes no inline model)", def.Models)
	}
}

func TestRequestValidationInlineModel(t *testing.T) {
	def := decodeREST(t, `
openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: false}}
x-amazon-apigateway-request-validator: all
paths:
  /a:
    put:
      requestBody:
        content:
          Text/Plain: {schema: {type: string, maxLength: 3, enum: [yes, 0x10, 1e3, ~]}}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: PUT, uri: "http://a/"}
`)
	put := routeValidation(def, "PUT /a")
	name := put.Models["text/plain"]
	if name != "inline PUT /a Text/Plain" || put.ValidateParameters {
		t.Fatalf("PUT validation = %+v", put)
	}
	if got := string(def.Models[name].Schema); got != `{"type":"string","maxLength":3,"enum":["yes",16,1e3,null]}` {
		t.Errorf("schema = %s", got)
	}
}

// TestModelsNeedValidators: without request validators, schemas are not
// read, so definitions that loaded before still do.
func TestModelsNeedValidators(t *testing.T) {
	def := decodeREST(t, "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\ncomponents: {schemas: {A: {items: {$ref: 'other.yaml#/B'}, maximum: .inf}}}\npaths: {}\n")
	if def.Models != nil {
		t.Errorf("models = %v", def.Models)
	}
}

func TestRequestValidationErrors(t *testing.T) {
	head := "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\n"
	integ := "x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://a/'}"
	validators := "x-amazon-apigateway-request-validators: {a: {validateRequestBody: true}}\n"
	for name, c := range map[string]struct{ doc, want string }{
		"validators not a mapping": {head + "x-amazon-apigateway-request-validators: [a]\npaths: {}", "must be a mapping from validator name"},
		"unknown validator key":    {head + "x-amazon-apigateway-request-validators: {a: {validateBody: true}}\npaths: {}", `unknown key "validateBody"`},
		"undefined default":        {head + "x-amazon-apigateway-request-validator: a\npaths: {}", `no request validator "a" under x-amazon-apigateway-request-validators (none is defined)`},
		"dangling parameter ref": {head + "x-amazon-apigateway-request-validators: {a: {validateRequestParameters: true}}\nx-amazon-apigateway-request-validator: a\npaths: {/x: {get: {parameters: [{$ref: '#/components/parameters/P'}], " + integ + "}}}",
			`$ref "#/components/parameters/P" points at nothing`},
		"unsupported ref": {head + validators + "components: {schemas: {A: {items: {$ref: 'other.yaml#/B'}}}}\npaths: {}", `$ref "other.yaml#/B" is not supported`},
		"model url":       {head + validators + "components: {schemas: {A: {items: {$ref: 'https://apigateway.amazonaws.com/restapis/x/models/B'}}}}\npaths: {}", `no model "B"`},
		"infinite number": {head + validators + "components: {schemas: {A: {maximum: .inf}}}\npaths: {}", `.inf is not a JSON number`},
	} {
		t.Run(name, func(t *testing.T) {
			root, err := yamlx.Parse("t.yaml", []byte(c.doc))
			if err == nil {
				_, err = Decode("t.yaml", root, model.REST)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}
