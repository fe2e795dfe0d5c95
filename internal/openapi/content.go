package openapi

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// binaryMediaTypesKey is the REST API's list of binary media types.
const binaryMediaTypesKey = "x-amazon-apigateway-binary-media-types"

// decodeBinaryMediaTypes reads x-amazon-apigateway-binary-media-types: a
// list of media types such as "image/png", "image/*" or "*/*". HTTP APIs
// have no binary media types (they decide by content type themselves).
func decodeBinaryMediaTypes(es *yamlx.Errors, n *yaml.Node, protocol model.Protocol) []string {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if protocol != model.REST {
		es.Add(n, binaryMediaTypesKey, "binary media types exist only for REST APIs; HTTP APIs base64-encode non-text bodies by themselves")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		es.Add(n, binaryMediaTypesKey, "must be a list of media types such as image/png or */*")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		// CloudFormation writes a slash as ~1 (image~1png); accept both.
		mt := strings.ReplaceAll(c.Value, "~1", "/")
		typ, sub, ok := strings.Cut(mt, "/")
		if c.Kind != yaml.ScalarNode || !ok || typ == "" || sub == "" || strings.ContainsAny(mt, " ;,") {
			es.Add(c, binaryMediaTypesKey, "%q is not a media type (type/subtype, * as a wildcard: image/png, image/*, */*)", c.Value)
			continue
		}
		out = append(out, mt)
	}
	return out
}

// decodeContentHandling checks a contentHandling value. Exports write it
// upper case; the case is not significant here, as for passthroughBehavior.
func decodeContentHandling(es *yamlx.Errors, n *yaml.Node, field, v string) string {
	switch up := strings.ToUpper(v); up {
	case "", model.ConvertToText, model.ConvertToBinary:
		return up
	}
	es.Add(n, field, "unknown value %q (allowed: CONVERT_TO_TEXT, CONVERT_TO_BINARY)", v)
	return ""
}

// isLambdaInvocationURI reports whether an AWS integration URI invokes a
// Lambda function (the only AWS service gatehouse serves).
func isLambdaInvocationURI(uri string) bool {
	return strings.HasPrefix(uri, "arn:aws:apigateway:") && strings.Contains(uri, ":lambda:path/")
}
