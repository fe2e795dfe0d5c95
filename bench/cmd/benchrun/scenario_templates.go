package main

import (
	"net/http"
	"strings"
)

// Scenarios of the issue "Mapping templates": a MOCK integration (no
// backend round trip for the gateway) and a non-proxy http integration
// whose request and response pass through VTL templates.

// mockAPI is a REST MOCK integration as AWS exports one: the request
// template selects the 200 integration response, whose template writes a
// body about the size of the backend's (100 bytes) and, like it, names the
// path.
const mockAPI = `openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /hello:
    get:
      responses:
        "200": {description: 200 response}
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: when_no_match
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"message":"hello from the gatehouse mock","path":"$context.resourcePath","requestId":"$context.requestId"}'
`

// forwardTemplate is seed 000's header-forwarding request template, the
// one BenchmarkRenderForward renders (internal/mapping/testdata/
// forward.vtl; TestForwardTemplateInSync keeps the two equal): every
// header, $context.identity.* and the body through $input.json('$').
const forwardTemplate = `{
  "method": "$context.httpMethod",
  "resourcePath": "$context.resourcePath",
  "headers": {
#foreach($param in $input.params().header.keySet())
    "$param": "$util.escapeJavaScript($input.params().header.get($param))"#if($foreach.hasNext),#end

#end
  },
  "identity": {
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "userArn": "$context.identity.userArn",
    "accountId": "$context.identity.accountId"
  },
  "principal": "$context.authorizer.principalId",
  "body": $input.json('$')
}
`

// reshapeTemplate is the response template of the templates scenario: it
// reshapes the backend's JSON (message, path, padding) into another
// object, reading it with $input.json and $input.path.
const reshapeTemplate = `#set($b = $input.path('$'))
{"greeting":$input.json('$.message'),"path":$input.json('$.path'),"size":$b.padding.length(),"requestId":"$context.requestId"}
`

// templatesAPI is a non-proxy http integration: the client's POST is
// turned into the backend's POST /hello by forwardTemplate, and the
// backend's answer reshaped by reshapeTemplate.
func templatesAPI() string {
	return `openapi: 3.0.1
info: {title: bench, version: "1"}
paths:
  /hello:
    post:
      responses:
        "200": {description: 200 response}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/hello
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: |
` + indent(forwardTemplate, 12) + `        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
` + indent(reshapeTemplate, 16)
}

// indent prefixes every line of s with n spaces (a YAML block scalar).
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if l != "\n" {
			b.WriteString(pad)
		}
		b.WriteString(l)
	}
	return b.String()
}

// templatesBody is the JSON the templates scenario POSTs (the body of
// BenchmarkRenderForward).
const templatesBody = `{"order":{"id":"A-1001","items":[{"sku":"X-1","qty":2},{"sku":"Y-7","qty":1}],"note":"leave at the door"},"express":true}`

// templatesHeader are the headers of the templates scenario's requests,
// besides Host, User-Agent and Content-Length: what an SDK client sends.
func templatesHeader() http.Header {
	return http.Header{
		"Content-Type":      {"application/json"},
		"Accept":            {"application/json"},
		"Accept-Language":   {"en-US,en;q=0.9"},
		"X-Request-Id":      {"5d7c6a3e-7d3f-4a55-9a53-0c3c2f6f1e42"},
		"X-Client-Version":  {"bench/1.4.2"},
		"X-Tenant-Id":       {"tenant-0042"},
		"X-Forwarded-Proto": {"https"},
		"Cache-Control":     {"no-cache"},
	}
}

func templateScenarios() []Scenario {
	return []Scenario{
		{
			Name: "mock",
			Description: "GET through a REST MOCK integration: request template {\"statusCode\": 200}, response template writing a ~110-byte JSON body; " +
				"no backend round trip for the gateway, while B0 still proxies to the backend.",
			Path:       "/prod/hello",
			ExpectBody: `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML},
				{Name: "api.yaml", Template: mockAPI},
			},
			// Issue "Mapping templates": at least 1.20× B0's throughput.
			Target: Target{MinThroughput: 1.20, MaxP99: foundationMaxP99},
		},
		{
			Name: "templates",
			Description: "POST of a 120-byte JSON body with 8 extra headers through a REST http (non-proxy) integration: " +
				"seed 000's header-forwarding request template (every header, $context.identity.*, $input.json('$')) " +
				"and a response template reshaping the backend's JSON.",
			Method:     http.MethodPost,
			Path:       "/prod/hello",
			Header:     templatesHeader(),
			Body:       []byte(templatesBody),
			ExpectBody: `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML},
				{Name: "api.yaml", Template: templatesAPI()},
			},
			// Issue "Mapping templates": at least 0.85× B0's throughput.
			Target: Target{MinThroughput: 0.85, MaxP99: 1.50},
		},
	}
}
