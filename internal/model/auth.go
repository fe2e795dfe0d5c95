package model

import (
	"fmt"
	"strings"
)

// AuthCognito is a REST method guarded by a COGNITO_USER_POOLS authorizer:
// a user pool token in the authorizer's identity source, verified against
// the pools of its provider ARNs (docs/cognito-authorizers.md).
const AuthCognito AuthorizationType = "COGNITO_USER_POOLS"

// AuthorizerCognito is the Type of a Cognito user pool authorizer.
const AuthorizerCognito = "cognito_user_pools"

// CORS is an HTTP API's CORS configuration (x-amazon-apigateway-cors, or
// CorsConfiguration of AWS::ApiGatewayV2::Api). With it, API Gateway
// answers preflight requests that no route takes and adds the configured
// headers to every response (docs/http-api-cors.md).
type CORS struct {
	// AllowOrigins are origins ("https://app.example.com"), "*", or a
	// prefix ending in "*" ("https://*").
	AllowOrigins []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true.
	AllowCredentials bool
	// ExposeHeaders is Access-Control-Expose-Headers of actual responses.
	ExposeHeaders []string
	// MaxAge is Access-Control-Max-Age in seconds; nil omits it.
	MaxAge *int
	// AllowMethods are methods or "*" (Access-Control-Allow-Methods).
	AllowMethods []string
	// AllowHeaders are header names or "*" (Access-Control-Allow-Headers).
	AllowHeaders []string
}

// ParseUserPoolARN splits a Cognito user pool ARN,
// arn:{partition}:cognito-idp:{region}:{account}:userpool/{poolId}, into
// its region and pool id. The pool id may be a ${stageVariables.x}
// reference, resolved per stage by the caller.
func ParseUserPoolARN(arn string) (region, poolID string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "cognito-idp" || parts[3] == "" {
		return "", "", fmt.Errorf("provider ARN %q is not arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}", arn)
	}
	id, ok := strings.CutPrefix(parts[5], "userpool/")
	if !ok || id == "" || strings.ContainsAny(id, "/ ") {
		return "", "", fmt.Errorf("provider ARN %q does not name a user pool (…:userpool/{poolId})", arn)
	}
	return parts[3], id, nil
}
