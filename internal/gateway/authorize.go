package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Identities finds the IAM caller behind an access key: the IAM store's
// in-memory snapshot. Lookups must not block.
type Identities interface {
	Caller(accessKeyID string) (Caller, bool)
}

// Sessions resolves temporary credentials: an access key together with
// the session token the request carries (X-Amz-Security-Token). An
// Identities that also implements Sessions makes AWS_IAM methods accept
// temporary credentials (issue 9: STS); without it a session token is
// refused as invalid.
type Sessions interface {
	SessionCaller(accessKeyID, sessionToken string) (Caller, bool)
}

// Caller is an IAM principal that signs requests.
type Caller struct {
	AccessKeyID string
	// Secret is the secret access key; it never leaves the gateway.
	Secret    string
	Active    bool
	UserName  string
	UserID    string
	ARN       string
	AccountID string
	// Policies are the caller's identity policies (inline and groups').
	Policies []*iam.Policy

	// SessionToken and Expires are set for temporary credentials; sigv4
	// checks that the request's token is this one and that Expires has
	// not passed (ExpiredTokenException). "" and the zero time for a
	// long-term key.
	SessionToken string
	Expires      time.Time
	// PrincipalType is aws:PrincipalType; "" means "User". A role
	// session is "AssumedRole", its UserID "AROA...:{session}" and its
	// ARN the assumed-role ARN.
	PrincipalType string
	// SessionPolicy narrows Policies for a session (nil: none).
	SessionPolicy *iam.Policy
	// Cognito identity pool callers: $context.identity.cognitoIdentityId,
	// cognitoIdentityPoolId, cognitoAuthenticationType and
	// cognitoAuthenticationProvider; "" for other callers. CognitoAMR is
	// the token's amr (HTTP API 2.0 events).
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	CognitoAuthenticationType     string
	CognitoAuthenticationProvider string
	CognitoAMR                    []string
}

// TrustedProxies lets requests that arrive through a proxy be verified
// against the host they were signed for (seed 001: signed for the public
// host, forwarded to the gateway with another Host).
type TrustedProxies struct {
	// Networks are the proxies' addresses; a request from elsewhere is
	// verified against its own Host only.
	Networks []*net.IPNet
	// Hosts are the public host names a signature may name.
	Hosts []string
}

// trusts reports whether ip is a trusted proxy.
func (t *TrustedProxies) trusts(ip string) bool {
	if t == nil || len(t.Hosts) == 0 {
		return false
	}
	addr := net.ParseIP(ip)
	for _, n := range t.Networks {
		if addr != nil && n.Contains(addr) {
			return true
		}
	}
	return false
}

// executeAPIInvoke is the action every execute-api request needs.
const executeAPIInvoke = "execute-api:Invoke"

// authorizeIAM verifies the request's SigV4 signature and evaluates the
// caller's policies with the API's resource policy, as API Gateway does
// for an AWS_IAM method.
func (g *Gateway) authorizeIAM(ex *exchange) error {
	plan := ex.plan
	ex.identities = g.identities
	var res *sigv4.Result
	var err error
	if plan.proxies.trusts(ex.sourceIP) {
		res, err = g.signer.Verify(ex.in.Context(), ex.in, ex, plan.trustedHosts)
	} else {
		res, err = g.signer.Verify(ex.in.Context(), ex.in, ex)
	}
	if err != nil {
		ex.caller = Caller{}
		var se *sigv4.Error
		if errors.As(err, &se) {
			if se.Type == sigv4.TypeMissingAuthenticationToken && ex.protocol() == model.HTTP {
				return httpForbidden()
			}
			return &gwerr.Error{Status: se.Status, Type: se.Type, Message: se.Message,
				ResponseType: responseTypeFor(se), Err: se.Err}
		}
		return internalError(ex, fmt.Errorf("verify signature: %w", err))
	}
	ex.sig = res

	arn := ex.methodARN()
	// The evaluation context lives in the exchange: no allocation per request.
	ex.secure = ex.in.TLS != nil
	ptype, uname := ex.caller.PrincipalType, ex.caller.UserName
	if ptype == "" {
		ptype = "User"
	} else if ptype != "User" {
		uname = "" // aws:username exists only for IAM users
	}
	ex.iamCtx = iam.Context{
		PrincipalARN:     ex.caller.ARN,
		PrincipalAccount: ex.caller.AccountID,
		PrincipalType:    ptype,
		Username:         uname,
		UserID:           ex.caller.UserID,
		SourceIP:         ex.sourceIP,
		UserAgent:        ex.in.UserAgent(),
		Referer:          ex.in.Referer(),
		CurrentTime:      ex.start,
		SecureTransport:  &ex.secure,
	}
	ex.iamReq = iam.Request{Action: executeAPIInvoke, Resource: arn, Context: &ex.iamCtx}
	req := &ex.iamReq
	in := iam.GatewayInput{
		Auth:         iam.AuthIAM,
		Identity:     iam.EvaluateSession(req, ex.caller.SessionPolicy, ex.caller.Policies...),
		CrossAccount: ex.caller.AccountID != plan.AccountID,
	}
	if rp := ex.api.resourcePolicy; rp != nil {
		in.HasResourcePolicy = true
		in.Resource = rp.Evaluate(req)
	}
	decision := iam.AuthorizeGateway(in)
	if decision.Decision == iam.Allow {
		return nil
	}
	g.log.Debug("AWS_IAM request denied", "requestId", ex.requestID, "caller", ex.caller.ARN, "resource", arn, "decision", decision.String())
	if ex.protocol() == model.HTTP {
		return httpForbidden()
	}
	msg := iam.NotAuthorizedMessage(ex.caller.ARN, arn, decision.Decision)
	return &gwerr.Error{Status: http.StatusForbidden, Type: "AccessDeniedException", Message: msg,
		Body: `{"Message":` + gwerr.Quote(msg) + `}`, ResponseType: "ACCESS_DENIED"}
}

// httpForbidden is an HTTP API's answer to an unsigned or denied request
// on an AWS_IAM route: 403 {"message":"Forbidden"} (HTTP APIs do not
// explain; REST APIs do, see docs/iam-auth.md).
func httpForbidden() *gwerr.Error {
	return &gwerr.Error{Status: http.StatusForbidden, Message: "Forbidden", ResponseType: "ACCESS_DENIED"}
}

func responseTypeFor(se *sigv4.Error) string {
	switch se.Type {
	case sigv4.TypeMissingAuthenticationToken:
		return "MISSING_AUTHENTICATION_TOKEN"
	case "InvalidSignatureException", "IncompleteSignatureException":
		return "INVALID_SIGNATURE"
	case "UnrecognizedClientException":
		return "UNAUTHORIZED"
	}
	if se.Status == http.StatusRequestEntityTooLarge {
		return "REQUEST_TOO_LARGE"
	}
	return "DEFAULT_4XX"
}

// methodARN is the execute-api resource of the request:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}.
func (ex *exchange) methodARN() string {
	path := strings.TrimPrefix(ex.path, "/")
	var b strings.Builder
	b.Grow(64 + len(path))
	b.WriteString("arn:aws:execute-api:")
	b.WriteString(ex.plan.Region)
	b.WriteByte(':')
	b.WriteString(ex.plan.AccountID)
	b.WriteByte(':')
	b.WriteString(ex.api.api.ID)
	b.WriteByte('/')
	b.WriteString(ex.stage.name)
	b.WriteByte('/')
	b.WriteString(ex.in.Method)
	b.WriteByte('/')
	b.WriteString(path)
	return b.String()
}

// identityValue returns $context.identity.<name> for an AWS_IAM caller.
func (ex *exchange) identityValue(name string) (string, bool) {
	if ex.sig == nil {
		return "", false
	}
	switch name {
	case "accessKey":
		return ex.sig.AccessKeyID, true
	case "caller", "user":
		return ex.caller.UserID, true
	case "userArn":
		return ex.caller.ARN, true
	case "accountId":
		return ex.caller.AccountID, true
	case "cognitoIdentityId":
		return ex.caller.CognitoIdentityID, ex.caller.CognitoIdentityID != ""
	case "cognitoIdentityPoolId":
		return ex.caller.CognitoIdentityPoolID, ex.caller.CognitoIdentityPoolID != ""
	case "cognitoAuthenticationType":
		return ex.caller.CognitoAuthenticationType, ex.caller.CognitoAuthenticationType != ""
	case "cognitoAuthenticationProvider":
		return ex.caller.CognitoAuthenticationProvider, ex.caller.CognitoAuthenticationProvider != ""
	}
	return "", false
}

// Credentials serves the signature check from the IAM store: the
// exchange is the sigv4.CredentialsProvider of its own request, so that no
// closure is allocated per request.
func (ex *exchange) Credentials(ctx context.Context, id string) (sigv4.Credentials, error) {
	return ex.SessionCredentials(ctx, id, "")
}

// SessionCredentials resolves long-term keys through Identities and
// temporary credentials (a session token) through Sessions.
func (ex *exchange) SessionCredentials(_ context.Context, id, token string) (sigv4.Credentials, error) {
	var c Caller
	var ok bool
	if token == "" {
		c, ok = ex.identities.Caller(id)
	} else if s, isSessions := ex.identities.(Sessions); isSessions {
		c, ok = s.SessionCaller(id, token)
	}
	if !ok || !c.Active {
		// An inactive key is as unknown as a missing one to AWS, and so
		// is a token that does not belong to the key.
		return sigv4.Credentials{}, sigv4.ErrAccessKeyNotFound
	}
	ex.caller = c
	return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.Secret, SessionToken: c.SessionToken, Expires: c.Expires}, nil
}
