package gateway

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// anonymous is how API Gateway names a caller without an IAM identity in
// its resource policy denials: NONE, Lambda authorizer and Cognito
// methods ("User: anonymous is not authorized to perform: ...").
const anonymous = "anonymous"

// resourcePolicyResult evaluates the REST API's resource policy for a
// caller without an IAM identity: no principal, only the request's own
// condition keys (source IP, user agent, referer, time, TLS). ok is false
// when the API has no resource policy.
func (ex *exchange) resourcePolicyResult() (res iam.Result, ok bool) {
	rp := ex.api.resourcePolicy
	if rp == nil {
		return iam.Result{}, false
	}
	ex.secure = ex.in.TLS != nil
	ex.iamCtx = iam.Context{
		PrincipalType:   "Anonymous",
		SourceIP:        ex.sourceIP,
		UserAgent:       ex.in.UserAgent(),
		Referer:         ex.in.Referer(),
		CurrentTime:     ex.start,
		SecureTransport: &ex.secure,
	}
	ex.iamReq = iam.Request{Action: executeAPIInvoke, Resource: ex.methodARN(), Context: &ex.iamCtx}
	return rp.Evaluate(&ex.iamReq), true
}

// resourcePolicyDenied is REST's 403 for a caller the resource policy
// does not let in: {"Message":"User: anonymous is not authorized to
// perform: execute-api:Invoke on resource: {arn}"}, with " with an
// explicit deny" when a Deny statement matched (AWS Knowledge Center,
// "403 Forbidden errors when using a Lambda authorizer").
func (g *Gateway) resourcePolicyDenied(ex *exchange, d iam.Result) error {
	g.log.Debug("resource policy denied", "requestId", ex.requestID, "resource", ex.iamReq.Resource, "decision", d.String())
	msg := iam.NotAuthorizedMessage(anonymous, ex.iamReq.Resource, d.Decision)
	return &gwerr.Error{Status: http.StatusForbidden, Type: "AccessDeniedException", Message: msg,
		Body: `{"Message":` + gwerr.Quote(msg) + `}`, ResponseType: "ACCESS_DENIED"}
}

// authorizeResourcePolicy guards a method without authorization on a
// REST API with a resource policy: the policy must allow the call
// explicitly ("API Gateway resource policy only" in the authorization
// workflow page).
func (g *Gateway) authorizeResourcePolicy(ex *exchange) error {
	res, ok := ex.resourcePolicyResult()
	if !ok {
		return nil
	}
	d := iam.AuthorizeGateway(iam.GatewayInput{Auth: iam.AuthNone, Resource: res, HasResourcePolicy: true})
	if d.Decision == iam.Allow {
		return nil
	}
	return g.resourcePolicyDenied(ex, d)
}
