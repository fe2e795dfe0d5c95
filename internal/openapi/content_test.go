package openapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

func decodeString(t *testing.T, doc string, protocol model.Protocol) (*Definition, error) {
	t.Helper()
	root, err := yamlx.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return Decode("t.yaml", root, protocol)
}

func TestLambdaCustomIntegration(t *testing.T) {
	def, err := decodeString(t, `
swagger: "2.0"
x-amazon-apigateway-binary-media-types: [image/png, "image~1*", "*/*"]
paths:
  /items:
    post:
      x-amazon-apigateway-integration:
        type: AWS
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations
        contentHandling: convert_to_text
        responses:
          '.*\[BadRequest\].*': {statusCode: "400", contentHandling: CONVERT_TO_BINARY}
          default: {statusCode: "200"}
`, model.REST)
	if err != nil {
		t.Fatal(err)
	}
	in := def.Routes[0].Integration
	if in.Type != model.AWS || in.Function != "${stageVariables.fn}" || in.HTTPMethod != "POST" || in.ContentHandling != model.ConvertToText {
		t.Errorf("integration = %+v", in)
	}
	if len(in.Responses) != 2 || in.Responses[0].ContentHandling != model.ConvertToBinary || !in.Responses[0].Match("[BadRequest] x") || in.Responses[0].Match("x") {
		t.Errorf("responses = %+v", in.Responses)
	}
	if want := []string{"image/png", "image/*", "*/*"}; !reflect.DeepEqual(def.BinaryMediaTypes, want) {
		t.Errorf("binary media types = %q, want %q", def.BinaryMediaTypes, want)
	}
}

func TestContentRejects(t *testing.T) {
	const integ = "x-amazon-apigateway-integration: {type: aws, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations'"
	for name, c := range map[string]struct {
		doc      string
		protocol model.Protocol
		want     string
	}{
		"S3 service":              {"openapi: 3.0.1\npaths: {/x: {get: {x-amazon-apigateway-integration: {type: aws, httpMethod: GET, uri: 'arn:aws:apigateway:us-east-1:s3:path/bucket/key'}}}}", model.REST, `AWS service integration "arn:aws:apigateway:us-east-1:s3:path/bucket/key" is not supported yet`},
		"aws on HTTP API":         {"openapi: 3.0.1\npaths: {/x: {get: {" + integ + "}}}}", model.HTTP, `type "aws" is a REST API integration; HTTP APIs use aws_proxy`},
		"bad contentHandling":     {"openapi: 3.0.1\npaths: {/x: {get: {" + integ + ", contentHandling: CONVERT_TO_JSON}}}}", model.REST, `contentHandling: unknown value "CONVERT_TO_JSON"`},
		"bad response handling":   {"openapi: 3.0.1\npaths: {/x: {get: {" + integ + ", responses: {default: {statusCode: '200', contentHandling: TEXT}}}}}}", model.REST, `responses.default.contentHandling: unknown value "TEXT"`},
		"types not a list":        {"openapi: 3.0.1\npaths: {}\nx-amazon-apigateway-binary-media-types: image/png", model.REST, "must be a list of media types"},
		"not a media type":        {"openapi: 3.0.1\npaths: {}\nx-amazon-apigateway-binary-media-types: [png]", model.REST, `"png" is not a media type`},
		"binary types on HTTP":    {"openapi: 3.0.1\npaths: {}\nx-amazon-apigateway-binary-media-types: ['*/*']", model.HTTP, "binary media types exist only for REST APIs"},
		"media type with a comma": {"openapi: 3.0.1\npaths: {}\nx-amazon-apigateway-binary-media-types: ['image/png,image/gif']", model.REST, `"image/png,image/gif" is not a media type`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeString(t, c.doc, c.protocol)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}
