package openapi

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// cognitoAuthorizer reads a REST COGNITO_USER_POOLS authorizer, as `aws
// apigateway get-export` writes it:
//
//	MyPool:
//	  type: apiKey
//	  name: Authorization
//	  in: header
//	  x-amazon-apigateway-authtype: cognito_user_pools
//	  x-amazon-apigateway-authorizer:
//	    type: cognito_user_pools
//	    providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc]
//
// The identity source is identitySource, else the scheme's header (name
// with in: header), else the Authorization header. It returns nil after
// adding the problems to es.
func cognitoAuthorizer(es *yamlx.Errors, name string, scheme, an *yaml.Node, ad *authorizerDoc, field string, protocol model.Protocol) *model.Authorizer {
	before := es.Len()
	if protocol != model.REST {
		es.Add(an, field+".type", "cognito_user_pools authorizers exist only for REST APIs; an HTTP API uses a jwt authorizer whose issuer is the user pool")
		return nil
	}
	if len(ad.ProviderARNs) == 0 {
		es.Add(an, field, `a cognito_user_pools authorizer needs "providerARNs" (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId})`)
	}
	for i, arn := range ad.ProviderARNs {
		if _, _, err := model.ParseUserPoolARN(arn); err != nil {
			es.Add(an, fmt.Sprintf("%s.providerARNs[%d]", field, i), "%v", err)
		}
	}
	src := ad.IdentitySource
	if src == "" {
		src = schemeHeader(scheme)
	}
	if src == "" {
		src = "method.request.header.Authorization"
	}
	if h, ok := strings.CutPrefix(strings.TrimSpace(src), "method.request.header."); !ok || h == "" || strings.ContainsAny(h, ", ") {
		es.Add(an, field+".identitySource", "%q: a cognito_user_pools authorizer reads one header, method.request.header.NAME", src)
	}
	if ad.IdentityValidationExpression != "" {
		if _, err := regexp.Compile(ad.IdentityValidationExpression); err != nil {
			es.Add(an, field+".identityValidationExpression", "%q is not a regular expression gatehouse can run (Go RE2 syntax): %v", ad.IdentityValidationExpression, err)
		}
	}
	if ad.AuthorizerURI != "" {
		es.Add(an, field+".authorizerUri", "a cognito_user_pools authorizer calls no function; remove authorizerUri")
	}
	if es.Len() > before {
		return nil
	}
	return &model.Authorizer{Name: name, Type: model.AuthorizerCognito, IdentitySource: strings.TrimSpace(src),
		IdentityValidationExpression: ad.IdentityValidationExpression, ProviderARNs: ad.ProviderARNs,
		Where: fmt.Sprintf("%s:%d:%d", es.File, an.Line, an.Column)}
}

// schemeHeader is the identity source a security scheme names with
// "name" and "in: header" (method.request.header.{name}), or "".
func schemeHeader(scheme *yaml.Node) string {
	if in := yamlx.Lookup(scheme, "in"); in != nil && strings.EqualFold(in.Value, "header") {
		if h := yamlx.Lookup(scheme, "name"); h != nil && h.Value != "" {
			return "method.request.header." + h.Value
		}
	}
	return ""
}
