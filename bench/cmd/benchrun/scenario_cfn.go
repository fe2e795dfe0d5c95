package main

// Scenarios of issue 10, "CloudFormation, SAM and CDK templates": the
// same HTTP API route served from a CloudFormation template (cfn_http)
// and from an OpenAPI definition (openapi_http). The harness measures two
// systems per run (B0 and gatehouse), so the twins are two scenarios, each
// against its own B0: their gatehouse/B0 ratios must be the same, since a
// template and an OpenAPI definition compile to the same plan.

// cfnHTTPConfig serves template.yaml as a stack, with the backend as a
// template parameter.
const cfnHTTPConfig = `listen: {{.Listen}}
admin: {{.Admin}}
stacks:
  - template: template.yaml
    name: BenchStack
    parameters: {Backend: "{{.Backend}}"}
`

// cfnHTTPTemplate is an HTTP API from parts, as the CDK's HttpApi with an
// HttpUrlIntegration writes it: a greedy ANY route with an HTTP_PROXY
// integration, on stage prod.
const cfnHTTPTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: bench, ProtocolType: HTTP}
  ProxyIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: !Sub "http://${Backend}/{proxy}"
      PayloadFormatVersion: "1.0"
  ProxyRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: ANY /{proxy+}
      AuthorizationType: NONE
      Target: !Join ["", ["integrations/", !Ref ProxyIntegration]]
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: prod, AutoDeploy: true}
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
`

// openapiHTTPConfig is the OpenAPI twin of cfnHTTPConfig.
var openapiHTTPConfig = benchConfig("HTTP")

// openapiHTTPAPI is the HTTP API of cfnHTTPTemplate as API Gateway
// exports it.
const openapiHTTPAPI = `openapi: 3.0.1
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
        payloadFormatVersion: "1.0"
`

// cfnScenarios are the template rows and their OpenAPI twin.
func cfnScenarios() []Scenario {
	target := Target{MinThroughput: foundationMinThroughput, MaxP99: foundationMaxP99}
	return []Scenario{
		{
			Name:        "cfn_http",
			Description: "GET through an HTTP API declared in a CloudFormation template (stacks:, AWS::ApiGatewayV2::Api/Route/Integration/Stage): a greedy ANY /{proxy+} HTTP_PROXY route, no auth; the OpenAPI twin is openapi_http, whose ratio to B0 must be the same.",
			Path:        "/prod/hello",
			ExpectBody:  `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: cfnHTTPConfig},
				{Name: "template.yaml", Template: cfnHTTPTemplate},
			},
			Target: target,
		},
		{
			Name:        "openapi_http",
			Description: "GET through the HTTP API of cfn_http defined in OpenAPI instead (x-amazon-apigateway-integration http_proxy, payload 1.0): the twin cfn_http's ratio to B0 is compared with.",
			Path:        "/prod/hello",
			ExpectBody:  `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: openapiHTTPConfig},
				{Name: "api.yaml", Template: openapiHTTPAPI},
			},
			Target: target,
		},
	}
}
