package userpool

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/sts"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Service is the X-Amz-Target prefix of the user pools API.
const Service = "AWSCognitoIdentityProviderService"

// Auth flows (AuthFlowType).
const (
	FlowUserPassword      = "USER_PASSWORD_AUTH"
	FlowAdminUserPassword = "ADMIN_USER_PASSWORD_AUTH"
	FlowAdminNoSRP        = "ADMIN_NO_SRP_AUTH" // the legacy name of ADMIN_USER_PASSWORD_AUTH
	FlowRefreshToken      = "REFRESH_TOKEN_AUTH"
	FlowRefreshTokenAlias = "REFRESH_TOKEN"
)

// authFlows is AuthFlowType's enum, in the service model's order.
const authFlows = "[USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"

// knownFlow reports whether f is in AuthFlowType's enum.
func knownFlow(f string) bool {
	for _, k := range strings.Split(strings.Trim(authFlows, "[]"), ", ") {
		if f == k {
			return true
		}
	}
	return false
}

// Messages Cognito answers with, word for word.
const (
	msgIncorrect      = "Incorrect username or password."
	msgInvalidRefresh = "Invalid Refresh Token"
	msgRefreshExpired = "Refresh Token has expired"
	msgNotSupported   = "Initiate Auth method not supported."
)

var (
	clientIDRE = regexp.MustCompile(`^[\w+]+$`)
	poolIDRE   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
)

// ServeHTTP serves one JSON 1.1 request of the user pools API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	awsjson.Respond(w, s.log, "cognito-idp", func() (any, *awsjson.Error) { return s.serve(r) })
}

func (s *Server) serve(r *http.Request) (any, *awsjson.Error) {
	req, e := awsjson.ReadRequest(r, awsjson.DefaultMaxBodyBytes)
	if e != nil {
		return nil, e
	}
	if req.Service != Service {
		return nil, &awsjson.Error{Status: http.StatusBadRequest, Type: awsjson.TypeUnknownOperation}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	switch req.Operation {
	case "InitiateAuth":
		return s.initiateAuth(ctx, req, false, r)
	case "AdminInitiateAuth":
		return s.initiateAuth(ctx, req, true, r)
	}
	return nil, &awsjson.Error{Status: http.StatusBadRequest, Type: awsjson.TypeUnknownOperation}
}

// initiateAuthInput is InitiateAuth's and AdminInitiateAuth's input.
// AnalyticsMetadata, ClientMetadata, ContextData and UserContextData are
// accepted and ignored (they feed Lambda triggers and threat protection,
// which gatehouse does not have).
type initiateAuthInput struct {
	AuthFlow       *string           `json:"AuthFlow"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientID       *string           `json:"ClientId"`
	UserPoolID     *string           `json:"UserPoolId"`
}

// initiateAuthOutput is the successful answer: tokens, no challenge.
type initiateAuthOutput struct {
	AuthenticationResult *result           `json:"AuthenticationResult"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
}

func (s *Server) initiateAuth(ctx context.Context, req *awsjson.Request, admin bool, r *http.Request) (any, *awsjson.Error) {
	var in initiateAuthInput
	if e := req.Decode(&in); e != nil {
		return nil, e
	}
	var v awsjson.Validation
	if admin {
		if in.UserPoolID == nil {
			v.Null("userPoolId")
		} else if v.Length(*in.UserPoolID, "userPoolId", 1, 55) {
			v.Pattern(*in.UserPoolID, "userPoolId", `[\w-]+_[0-9a-zA-Z]+`, poolIDRE.MatchString(*in.UserPoolID))
		}
	}
	if in.ClientID == nil {
		v.Null("clientId")
	} else if v.Length(*in.ClientID, "clientId", 1, 128) {
		v.Pattern(*in.ClientID, "clientId", `[\w+]+`, clientIDRE.MatchString(*in.ClientID))
	}
	if in.AuthFlow == nil {
		v.Null("authFlow")
	} else if !knownFlow(*in.AuthFlow) {
		v.Fail(*in.AuthFlow, "authFlow", "Member must satisfy enum value set: "+authFlows)
	}
	if e := v.Err(awsjson.TypeInvalidParameter); e != nil {
		return nil, e
	}

	var p *pool
	if admin {
		// The caller must be an IAM principal allowed
		// cognito-idp:AdminInitiateAuth on the pool.
		pr, e := s.verifySigned(ctx, r)
		if e != nil {
			return nil, e
		}
		var ok bool
		if p, ok = s.pools[*in.UserPoolID]; !ok {
			return nil, awsjson.Errorf(awsjson.TypeResourceNotFound, "User pool %s does not exist.", *in.UserPoolID)
		}
		if e := s.authorize(&pr, "cognito-idp:AdminInitiateAuth", p.arn, r); e != nil {
			return nil, e
		}
		if _, ok := p.clients[*in.ClientID]; !ok {
			return nil, awsjson.Errorf(awsjson.TypeResourceNotFound, "User pool client %s does not exist.", *in.ClientID)
		}
	} else {
		var ok bool
		if p, ok = s.byClient[*in.ClientID]; !ok {
			return nil, awsjson.Errorf(awsjson.TypeResourceNotFound, "User pool client %s does not exist.", *in.ClientID)
		}
	}
	client := p.clients[*in.ClientID]
	if in.AuthParameters == nil {
		in.AuthParameters = map[string]string{}
	}
	if _, ok := in.AuthParameters["SECRET_HASH"]; ok {
		// gatehouse's app clients have no secret; Cognito refuses a
		// SECRET_HASH for such a client the same way.
		return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Client %s is configured without secret.", client.ID)
	}
	now := s.now().UTC()
	flow := *in.AuthFlow
	switch {
	case flow == FlowRefreshToken || flow == FlowRefreshTokenAlias:
		return s.refreshAuth(p, client, in.AuthParameters, now)
	case !admin && flow == FlowUserPassword, admin && (flow == FlowAdminUserPassword || flow == FlowAdminNoSRP):
		return s.passwordAuth(p, client, in.AuthParameters, now)
	case flow == FlowUserPassword, flow == FlowAdminUserPassword, flow == FlowAdminNoSRP:
		return nil, awsjson.Errorf(awsjson.TypeInvalidParameter, msgNotSupported)
	}
	return nil, awsjson.Errorf(awsjson.TypeInvalidParameter, "gatehouse does not support the %s flow; use USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH (docs/cognito.md)", flow)
}

// passwordAuth checks USERNAME and PASSWORD. An unknown user is answered
// exactly as a wrong password, after the same work (a check against a
// dummy hash), as Cognito does with PreventUserExistenceErrors, the
// default of new app clients.
func (s *Server) passwordAuth(p *pool, client Client, params map[string]string, now time.Time) (any, *awsjson.Error) {
	username, ok := params["USERNAME"]
	if !ok {
		return nil, awsjson.Errorf(awsjson.TypeInvalidParameter, "Missing required parameter USERNAME")
	}
	pw, ok := params["PASSWORD"]
	if !ok {
		return nil, awsjson.Errorf(awsjson.TypeInvalidParameter, "Missing required parameter PASSWORD")
	}
	u, found := p.users[strings.ToLower(username)]
	hash := s.dummyHash
	if found {
		hash = u.PasswordHash
	}
	if !password.Verify(hash, pw) || !found {
		return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgIncorrect)
	}
	ev := &authEvent{pool: p, client: client, user: u, sub: s.subject(p.ID, u.Username), authTime: now.Unix(),
		origin: awsjson.NewRequestID(), event: awsjson.NewRequestID()}
	res, err := s.tokens(ev, now, true)
	if err != nil {
		return nil, awsjson.Internal(err)
	}
	return &initiateAuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// refreshAuth trades a refresh token for new ID and access tokens.
func (s *Server) refreshAuth(p *pool, client Client, params map[string]string, now time.Time) (any, *awsjson.Error) {
	token, ok := params["REFRESH_TOKEN"]
	if !ok {
		return nil, awsjson.Errorf(awsjson.TypeInvalidParameter, "Missing required parameter REFRESH_TOKEN")
	}
	rc, ok := s.openRefresh(token)
	if !ok || rc.Pool != p.ID || rc.Client != client.ID {
		return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgInvalidRefresh)
	}
	if now.Unix() >= rc.Expires {
		return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgRefreshExpired)
	}
	u, found := p.users[strings.ToLower(rc.Username)]
	if !found || s.subject(p.ID, u.Username) != rc.Sub {
		// The user was removed: its refresh tokens are revoked with it.
		return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgInvalidRefresh)
	}
	ev := &authEvent{pool: p, client: client, user: u, sub: rc.Sub, authTime: rc.AuthTime, origin: rc.Origin, event: rc.Event}
	res, err := s.tokens(ev, now, false)
	if err != nil {
		return nil, awsjson.Internal(err)
	}
	return &initiateAuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// verifySigned checks the request's SigV4 signature (service
// cognito-idp) and returns the signer.
func (s *Server) verifySigned(ctx context.Context, r *http.Request) (sts.Principal, *awsjson.Error) {
	lk := &lookup{auth: s.auth}
	if _, err := s.signer.Verify(ctx, r, lk); err != nil {
		return sts.Principal{}, awsjson.FromSigV4(err)
	}
	return lk.principal, nil
}

// authorize evaluates the principal's identity policies for action on
// resource.
func (s *Server) authorize(p *sts.Principal, action, resource string, r *http.Request) *awsjson.Error {
	var ictx iam.Context
	p.Context(&ictx)
	ictx.SourceIP, ictx.UserAgent, ictx.CurrentTime = remoteIP(r), r.UserAgent(), s.now()
	ictx.SecureTransport = iam.BoolPtr(r.TLS != nil)
	req := iam.Request{Action: action, Resource: resource, Context: &ictx}
	if p.Evaluate(&req).Decision != iam.Allow {
		return awsjson.Errorf(awsjson.TypeAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", p.ARN, action, resource)
	}
	return nil
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// lookup resolves signing keys for sigv4 and keeps the principal found.
type lookup struct {
	auth      Principals
	principal sts.Principal
}

// SessionCredentials resolves long-term and temporary credentials.
func (l *lookup) SessionCredentials(_ context.Context, accessKeyID, token string) (sigv4.Credentials, error) {
	if l.auth == nil {
		return sigv4.Credentials{}, sigv4.ErrAccessKeyNotFound
	}
	p, ok := l.auth.Principal(accessKeyID, token)
	if !ok {
		return sigv4.Credentials{}, sigv4.ErrAccessKeyNotFound
	}
	l.principal = p
	return sigv4.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.Secret, SessionToken: p.SessionToken, Expires: p.Expires}, nil
}

// Credentials resolves a long-term key.
func (l *lookup) Credentials(ctx context.Context, accessKeyID string) (sigv4.Credentials, error) {
	return l.SessionCredentials(ctx, accessKeyID, "")
}
