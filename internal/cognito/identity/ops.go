package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
	"github.com/gatehouse/gatehouse/internal/sts"
)

// Messages Cognito answers with, word for word.
const (
	msgUnauthNotSupported = "Unauthenticated access is not supported for this identity pool."
	msgLoginsDontMatch    = "Logins don't match. Please include at least one valid login for this identity or identity pool."
	msgBadPoolConfig      = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
)

// typeInvalidPoolConfig is the error of a role that does not trust the
// pool, or does not exist.
const typeInvalidPoolConfig = "InvalidIdentityPoolConfigurationException"

var (
	idRE      = regexp.MustCompile(`^[\w-]+:[0-9a-f-]+$`)
	accountRE = regexp.MustCompile(`^\d+$`)
)

// ServeHTTP serves one JSON 1.1 request of the Cognito Identity API. Its
// actions are unsigned (SDKs send them anonymously), so a signature, if
// any, is not checked.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	awsjson.Respond(w, s.log, "cognito-identity", func() (any, *awsjson.Error) { return s.serve(r) })
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
	case "GetId":
		return s.getID(ctx, req)
	case "GetCredentialsForIdentity":
		return s.getCredentials(ctx, req, r)
	case "GetOpenIdToken":
		return s.getOpenIDToken(ctx, req)
	}
	return nil, &awsjson.Error{Status: http.StatusBadRequest, Type: awsjson.TypeUnknownOperation}
}

// checkLogins validates a Logins map's shape (at most 10 entries, keys
// 1..128 and tokens 1..50,000 characters).
func checkLogins(v *awsjson.Validation, logins map[string]string) {
	if len(logins) > 10 {
		v.Fail("{...}", "logins", "Member must have length less than or equal to 10")
	}
	for k, t := range logins {
		v.Length(k, "logins", 1, 128)
		v.Length(t, "logins", 1, 50000)
	}
}

func checkID(v *awsjson.Validation, value *string, field string) {
	if value == nil {
		v.Null(field)
	} else if v.Length(*value, field, 1, 55) {
		v.Pattern(*value, field, `[\w-]+:[0-9a-f-]+`, idRE.MatchString(*value))
	}
}

type getIDInput struct {
	AccountID      *string           `json:"AccountId"`
	IdentityPoolID *string           `json:"IdentityPoolId"`
	Logins         map[string]string `json:"Logins"`
}

type getIDOutput struct {
	IdentityID string `json:"IdentityId"`
}

func (s *Server) getID(ctx context.Context, req *awsjson.Request) (any, *awsjson.Error) {
	var in getIDInput
	if e := req.Decode(&in); e != nil {
		return nil, e
	}
	var v awsjson.Validation
	if in.AccountID != nil && v.Length(*in.AccountID, "accountId", 1, 15) {
		v.Pattern(*in.AccountID, "accountId", `\d+`, accountRE.MatchString(*in.AccountID))
	}
	checkID(&v, in.IdentityPoolID, "identityPoolId")
	checkLogins(&v, in.Logins)
	if e := v.Err(awsjson.TypeInvalidParameter); e != nil {
		return nil, e
	}
	p, ok := s.pools[*in.IdentityPoolID]
	if !ok {
		return nil, awsjson.Errorf(awsjson.TypeResourceNotFound, "IdentityPool '%s' not found.", *in.IdentityPoolID)
	}
	if len(in.Logins) == 0 {
		if p.UnauthenticatedRole == "" {
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgUnauthNotSupported)
		}
		id, err := s.guestID(p)
		if err != nil {
			return nil, awsjson.Internal(err)
		}
		return &getIDOutput{IdentityID: id}, nil
	}
	logins, e := s.verifyLogins(ctx, p, in.Logins)
	if e != nil {
		return nil, e
	}
	return &getIDOutput{IdentityID: s.authenticatedID(p, logins[0].provider.Name, logins[0].sub)}, nil
}

// caller is an identity that proved itself: its pool, id and logins
// (none for a guest).
type caller struct {
	pool   *Pool
	id     string
	logins []login
}

// identify checks that logins prove identityID (or that it is a guest of
// a pool that admits guests).
func (s *Server) identify(ctx context.Context, identityID string, loginTokens map[string]string) (*caller, *awsjson.Error) {
	p, guest, ok := s.parseID(identityID)
	if !ok {
		return nil, awsjson.Errorf(awsjson.TypeResourceNotFound, "Identity '%s' not found.", identityID)
	}
	if len(loginTokens) == 0 {
		switch {
		case !guest:
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Access to Identity '%s' is forbidden.", identityID)
		case p.UnauthenticatedRole == "":
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgUnauthNotSupported)
		}
		return &caller{pool: p, id: identityID}, nil
	}
	logins, e := s.verifyLogins(ctx, p, loginTokens)
	if e != nil {
		return nil, e
	}
	for _, l := range logins {
		if s.authenticatedID(p, l.provider.Name, l.sub) == identityID {
			return &caller{pool: p, id: identityID, logins: logins}, nil
		}
	}
	return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, msgLoginsDontMatch)
}

// openIDToken signs the pool's OpenID token for c: sub the identity id,
// aud the pool id, amr "authenticated" (or "unauthenticated") and the
// login providers, as Cognito writes them.
func (s *Server) openIDToken(c *caller) (string, error) {
	amr := []string{"unauthenticated"}
	if len(c.logins) > 0 {
		amr = []string{"authenticated"}
		for _, l := range c.logins {
			amr = append(amr, l.provider.Name)
		}
		for _, l := range c.logins {
			if l.provider.UserPool {
				amr = append(amr, l.provider.Name+":CognitoSignIn:"+l.sub)
			} else {
				amr = append(amr, l.provider.Name+":OpenIdConnect:"+l.sub)
			}
		}
	}
	now := s.now().Unix()
	b, err := json.Marshal(struct {
		Sub string   `json:"sub"`
		Aud string   `json:"aud"`
		AMR []string `json:"amr"`
		Iss string   `json:"iss"`
		Exp int64    `json:"exp"`
		Iat int64    `json:"iat"`
	}{c.id, c.pool.ID, amr, Issuer, now + int64(OpenIDTokenValidity/time.Second), now})
	if err != nil {
		return "", err
	}
	return s.key.Sign(b)
}

type identityInput struct {
	IdentityID    *string           `json:"IdentityId"`
	Logins        map[string]string `json:"Logins"`
	CustomRoleArn *string           `json:"CustomRoleArn"`
}

type openIDTokenOutput struct {
	IdentityID string `json:"IdentityId"`
	Token      string `json:"Token"`
}

func (s *Server) readIdentityInput(req *awsjson.Request) (identityInput, *awsjson.Error) {
	var in identityInput
	if e := req.Decode(&in); e != nil {
		return in, e
	}
	var v awsjson.Validation
	checkID(&v, in.IdentityID, "identityId")
	checkLogins(&v, in.Logins)
	if in.CustomRoleArn != nil {
		v.Length(*in.CustomRoleArn, "customRoleArn", 20, 2048)
	}
	return in, v.Err(awsjson.TypeInvalidParameter)
}

func (s *Server) getOpenIDToken(ctx context.Context, req *awsjson.Request) (any, *awsjson.Error) {
	in, e := s.readIdentityInput(req)
	if e != nil {
		return nil, e
	}
	c, e := s.identify(ctx, *in.IdentityID, in.Logins)
	if e != nil {
		return nil, e
	}
	tok, err := s.openIDToken(c)
	if err != nil {
		return nil, awsjson.Internal(err)
	}
	return &openIDTokenOutput{IdentityID: c.id, Token: tok}, nil
}

// credentialsJSON is Credentials; Expiration is a JSON 1.1 timestamp
// (epoch seconds).
type credentialsJSON struct {
	AccessKeyID  string  `json:"AccessKeyId"`
	Expiration   float64 `json:"Expiration"`
	SecretKey    string  `json:"SecretKey"`
	SessionToken string  `json:"SessionToken"`
}

type credentialsOutput struct {
	Credentials credentialsJSON `json:"Credentials"`
	IdentityID  string          `json:"IdentityId"`
}

// roleARN resolves a configured role (a name or an ARN).
func (s *Server) roleARN(role string) (string, bool) {
	if strings.HasPrefix(role, "arn:") {
		return role, true
	}
	if s.roles == nil {
		return "", false
	}
	return s.roles.RoleARN(role)
}

func (s *Server) getCredentials(ctx context.Context, req *awsjson.Request, r *http.Request) (any, *awsjson.Error) {
	in, e := s.readIdentityInput(req)
	if e != nil {
		return nil, e
	}
	c, e := s.identify(ctx, *in.IdentityID, in.Logins)
	if e != nil {
		return nil, e
	}
	role := c.pool.AuthenticatedRole
	if len(c.logins) == 0 {
		role = c.pool.UnauthenticatedRole
	}
	arn, ok := s.roleARN(role)
	if !ok || s.sts == nil {
		return nil, awsjson.Errorf(typeInvalidPoolConfig, msgBadPoolConfig)
	}
	if in.CustomRoleArn != nil && *in.CustomRoleArn != arn {
		return nil, awsjson.Errorf(awsjson.TypeInvalidParameter,
			"gatehouse's identity pools have no role mappings: CustomRoleArn must be the pool's role for this identity (docs/cognito.md)")
	}
	tok, err := s.openIDToken(c)
	if err != nil {
		return nil, awsjson.Internal(err)
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	out, err := s.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: arn, RoleSessionName: SessionName,
		WebIdentityToken: tok, DurationSeconds: CredentialsDuration, SourceIP: host, UserAgent: r.UserAgent(), SecureTransport: r.TLS != nil})
	if err != nil {
		var se *sts.Error
		if errors.As(err, &se) && se.Status < 500 {
			// The role does not trust this pool (or this caller's amr),
			// or does not exist.
			return nil, &awsjson.Error{Status: http.StatusBadRequest, Type: typeInvalidPoolConfig, Message: msgBadPoolConfig, Err: err}
		}
		return nil, awsjson.Internal(err)
	}
	cr := out.Credentials
	return &credentialsOutput{IdentityID: c.id, Credentials: credentialsJSON{AccessKeyID: cr.AccessKeyID,
		Expiration: float64(cr.Expiration.Unix()), SecretKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}}, nil
}

// expiry reads a token's exp without verifying it, for the message of an
// (already refused) expired token.
func expiry(token string) (int64, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0, false
	}
	var c struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return 0, false
	}
	f, err := c.Exp.Float64()
	return int64(f), err == nil
}
