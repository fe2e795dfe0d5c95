package iam

// Authorization is a method's authorization type, which decides how API
// Gateway combines the API's resource policy with the caller's policies,
// as drawn in "How API Gateway resource policies affect authorization
// workflow"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html).
// The zero value is AuthNone.
type Authorization uint8

const (
	// AuthNone: no authorizer. With a resource policy, the resource policy
	// must explicitly allow; without one, the request is allowed.
	AuthNone Authorization = iota
	// AuthIAM: AWS_IAM (SigV4). The caller's identity policies and the
	// resource policy combine as in tables A (same account) and B (cross
	// account).
	AuthIAM
	// AuthLambda: a Lambda authorizer, whose returned policy plays the part
	// of the identity policy (table A). Before calling the authorizer,
	// the gateway should evaluate the resource policy alone and stop on an
	// ExplicitDeny ("pre-auth" phase).
	AuthLambda
	// AuthCognito: a Cognito user pool authorizer. The token was already
	// verified; with a resource policy, the resource policy must explicitly
	// allow.
	AuthCognito
)

// GatewayInput is what API Gateway knows when it combines policies for one
// request.
type GatewayInput struct {
	// Auth is the method's authorization type.
	Auth Authorization
	// Identity is the result of evaluating the caller's identity policies
	// (AuthIAM) or the Lambda authorizer's policy (AuthLambda) with
	// Evaluate. It is ignored for AuthNone and AuthCognito. The zero
	// Result is an implicit deny.
	Identity Result
	// Resource is the result of evaluating the API's resource policy. It
	// is ignored when HasResourcePolicy is false.
	Resource Result
	// HasResourcePolicy says whether the API has a resource policy.
	HasResourcePolicy bool
	// CrossAccount is true when the caller's account is not the API
	// owner's. Cross-account callers need an explicit allow from both the
	// identity policy and the resource policy (table B); without a
	// resource policy they are denied.
	CrossAccount bool
}

// AuthorizeGateway combines the policy results of one request the way API
// Gateway does, and returns the final decision with the statement that
// decided it.
//
// Tables A and B of the authorization-flow page, for AuthIAM and
// AuthLambda:
//
//	identity   resource   same account   cross account
//	Allow      Allow      Allow          Allow
//	Allow      Neither    Allow          ImplicitDeny
//	Neither    Allow      Allow          ImplicitDeny
//	Neither    Neither    ImplicitDeny   ImplicitDeny
//	any        Deny       ExplicitDeny   ExplicitDeny
//	Deny       any        ExplicitDeny   ExplicitDeny
//
// The gateway renders ExplicitDeny as
// "User: {caller} is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny"
// and ImplicitDeny as the same message without " with an explicit deny"
// (see NotAuthorizedMessage). When both policies deny explicitly, the
// resource policy's statement is reported, as it is evaluated first.
// An Allow with Matched false means no policy was involved (no authorizer
// and no resource policy).
func AuthorizeGateway(in GatewayInput) Result {
	res := in.Resource
	if !in.HasResourcePolicy {
		res = Result{}
	}
	if res.Decision == ExplicitDeny {
		return res
	}
	switch in.Auth {
	case AuthIAM, AuthLambda:
	default:
		if !in.HasResourcePolicy {
			return Result{Decision: Allow}
		}
		return res
	}
	id := in.Identity
	if id.Decision == ExplicitDeny {
		return id
	}
	if !in.HasResourcePolicy {
		if in.CrossAccount {
			return Result{Decision: ImplicitDeny}
		}
		return id
	}
	if in.CrossAccount {
		if id.Decision == Allow && res.Decision == Allow {
			return res
		}
		return Result{Decision: ImplicitDeny}
	}
	if id.Decision == Allow {
		return id
	}
	if res.Decision == Allow {
		return res
	}
	return Result{Decision: ImplicitDeny}
}

// NotAuthorizedMessage returns API Gateway's 403 message for a denied
// AWS_IAM request: "User: {principalARN} is not authorized to perform:
// execute-api:Invoke on resource: {resourceARN}", followed by
// " with an explicit deny" when d is ExplicitDeny. It returns "" for
// Allow.
func NotAuthorizedMessage(principalARN, resourceARN string, d Decision) string {
	if d == Allow {
		return ""
	}
	msg := "User: " + principalARN + " is not authorized to perform: execute-api:Invoke on resource: " + resourceARN
	if d == ExplicitDeny {
		msg += " with an explicit deny"
	}
	return msg
}
