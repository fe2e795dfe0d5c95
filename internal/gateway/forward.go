package gateway

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/idtoken"
	"github.com/gatehouse/gatehouse/internal/model"
)

// Identity forwarding headers (gatehouse's own, not AWS's). Clients can
// never set them: every X-Gatehouse-* header from a client is dropped
// before the integration request is built.
const (
	forwardedPrefix        = "X-Gatehouse-"
	HeaderIdentityToken    = "X-Gatehouse-Identity"
	HeaderCallerARN        = "X-Gatehouse-Caller-Arn"
	HeaderCallerAccount    = "X-Gatehouse-Caller-Account-Id"
	HeaderCallerUserID     = "X-Gatehouse-Caller-User-Id"
	HeaderCallerUserName   = "X-Gatehouse-Caller-User-Name"
	HeaderCallerAccessKey  = "X-Gatehouse-Caller-Access-Key"
	HeaderCallerSourceIP   = "X-Gatehouse-Caller-Source-Ip"
	headerSecurityToken    = "X-Amz-Security-Token"
	headerAuthorizationKey = "Authorization"
)

// prepareIdentityHeaders removes what the backend must not see and adds
// the forwarded identity the integration asks for. For AWS_IAM methods
// API Gateway consumes the Authorization header (and the session token):
// the backend never gets the caller's signature.
func (g *Gateway) prepareIdentityHeaders(ex *exchange, h http.Header) error {
	for name := range h {
		if strings.HasPrefix(name, forwardedPrefix) {
			delete(h, name)
		}
	}
	if ex.route.route.Authorization == model.AuthIAM {
		delete(h, headerAuthorizationKey)
		delete(h, headerSecurityToken)
	}
	if ex.sig == nil {
		return nil // no verified caller to forward
	}
	switch ex.route.integ.ForwardIdentity {
	case model.ForwardHeaders:
		h.Set(HeaderCallerARN, ex.caller.ARN)
		h.Set(HeaderCallerAccount, ex.caller.AccountID)
		h.Set(HeaderCallerUserID, ex.caller.UserID)
		h.Set(HeaderCallerUserName, ex.caller.UserName)
		h.Set(HeaderCallerAccessKey, ex.sig.AccessKeyID)
		h.Set(HeaderCallerSourceIP, ex.sourceIP)
	case model.ForwardJWT:
		tok, err := g.issuer.Mint(idtoken.Claims{
			Subject: ex.caller.ARN, Audience: g.audience, RequestID: ex.requestID,
			AccountID: ex.caller.AccountID, UserID: ex.caller.UserID, UserName: ex.caller.UserName,
			AccessKey: ex.sig.AccessKeyID, SourceIP: ex.sourceIP, APIID: ex.api.api.ID, Stage: ex.stage.name,
		})
		if err != nil {
			return internalError(ex, err)
		}
		h.Set(HeaderIdentityToken, tok)
	}
	return nil
}
