package sts

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// WebIdentityInput is AssumeRoleWithWebIdentity for a caller in the same
// process: Cognito identity's GetCredentialsForIdentity (the enhanced
// flow), which trades its own OpenID token for a role's credentials
// exactly as the STS action does, trust policy conditions included.
type WebIdentityInput struct {
	// RoleARN is the role to assume (arn:aws:iam::{account}:role{path}{name}).
	RoleARN string
	// RoleSessionName is the session name (Cognito uses
	// "CognitoIdentityCredentials").
	RoleSessionName string
	// WebIdentityToken is the OIDC token; its iss picks the provider.
	WebIdentityToken string
	// DurationSeconds is the session's length; 0 means 3600.
	DurationSeconds int
	// SourceIP and UserAgent are the original caller's, for aws:SourceIp
	// and aws:UserAgent in the trust policy.
	SourceIP, UserAgent string
	// SecureTransport is aws:SecureTransport.
	SecureTransport bool
}

// WebIdentityOutput is what AssumeRoleWithWebIdentity issued.
type WebIdentityOutput struct {
	Credentials Credentials
	// AssumedRoleARN and AssumedRoleID name the session
	// (arn:aws:sts::{account}:assumed-role/{role}/{session}, AROA...:{session}).
	AssumedRoleARN, AssumedRoleID string
	// Subject is the token's sub, Audience its aud, Provider its iss.
	Subject  string
	Audience []string
	Provider string

	role store.RoleIdentity // for the STS response
}

// AssumeRoleWithWebIdentity verifies in.WebIdentityToken with the
// provider its iss names, evaluates the role's trust policy with the
// token's claims as condition keys, and issues the role's credentials,
// as the STS action of the same name does. Refusals are *Error with
// STS's codes and messages (the caller translates them to its own
// protocol).
func (s *Server) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (WebIdentityOutput, error) {
	d := in.DurationSeconds
	if d == 0 {
		d = defRoleDuration
	}
	if d < minDuration || d > maxRoleDuration {
		return WebIdentityOutput{}, sender(http.StatusBadRequest, CodeValidationError,
			"1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", d, minDuration, maxRoleDuration)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultActionTimeout)
	defer cancel()
	out, e := s.webIdentity(ctx, webIdentityCall{token: in.WebIdentityToken, roleARN: in.RoleARN, sessionName: in.RoleSessionName,
		duration: d, sourceIP: in.SourceIP, userAgent: in.UserAgent, secure: in.SecureTransport, now: s.now()})
	if e != nil {
		return WebIdentityOutput{}, e
	}
	return out, nil
}

// webIdentityCall is one AssumeRoleWithWebIdentity, its parameters
// already validated.
type webIdentityCall struct {
	token, roleARN, sessionName string
	duration, minSize           int
	policy                      json.RawMessage
	sourceIP, userAgent         string
	secure                      bool
	now                         time.Time
}

// webIdentity is AssumeRoleWithWebIdentity past parameter validation:
// the token, the trust policy, the duration, the credentials.
func (s *Server) webIdentity(ctx context.Context, c webIdentityCall) (WebIdentityOutput, *Error) {
	iss, ok := unverifiedIssuer(c.token)
	if !ok {
		return WebIdentityOutput{}, sender(http.StatusBadRequest, CodeInvalidIdentityToken, "Couldn't parse the JWT")
	}
	prov, ok := s.provider(iss)
	if !ok {
		return WebIdentityOutput{}, sender(http.StatusBadRequest, CodeInvalidIdentityToken, "No OpenIDConnect provider found in your account for %s", iss)
	}
	claims, err := prov.Verifier.Verify(ctx, c.token)
	if err != nil {
		e := s.tokenError(err, c.now)
		if e.Code == CodeExpiredTokenException {
			if exp, ok := expiryOf(c.token); ok {
				e.Message += strconv.FormatInt(exp, 10)
			}
		}
		return WebIdentityOutput{}, e
	}
	sub, _ := claims.String("sub")
	aud := claimStrings(claims, "aud")
	amr := claimStrings(claims, "amr")

	denied := sender(http.StatusForbidden, CodeAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	name, ok := s.roleFromARN(c.roleARN)
	if !ok {
		return WebIdentityOutput{}, denied
	}
	role, ok := s.auth.dir.Role(name)
	if !ok {
		return WebIdentityOutput{}, denied
	}
	ictx := iam.Context{FederatedProvider: prov.Principal, PrincipalType: "WebIdentityUser", SourceIP: c.sourceIP,
		UserAgent: c.userAgent, CurrentTime: c.now, SecureTransport: iam.BoolPtr(c.secure)}
	ictx.Set("sts:RoleSessionName", c.sessionName)
	ictx.Set(prov.KeyPrefix+":sub", sub)
	ictx.Set(prov.KeyPrefix+":aud", aud...)
	ictx.Set(prov.KeyPrefix+":amr", amr...)
	if azp, ok := claims.String("azp"); ok {
		ictx.Set(prov.KeyPrefix+":azp", azp)
	}
	req := iam.Request{Action: "sts:AssumeRoleWithWebIdentity", Context: &ictx}
	if role.Trust.Evaluate(&req).Decision != iam.Allow {
		return WebIdentityOutput{}, denied
	}
	if c.duration > role.MaxSessionDuration {
		return WebIdentityOutput{}, sender(http.StatusBadRequest, CodeValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	web := &WebIdentity{Provider: prov.Principal, Issuer: iss, Subject: sub, Audience: aud, AMR: amr}
	sess := &session{Kind: kindRole, Name: role.RoleName, ID: role.RoleID, SessionName: c.sessionName, Policy: c.policy, Web: web}
	creds, err := s.auth.issue(sess, time.Duration(c.duration)*time.Second, c.minSize)
	if err != nil {
		return WebIdentityOutput{}, internalFailure(err)
	}
	return WebIdentityOutput{Credentials: creds, AssumedRoleARN: AssumedRoleARN(role.AccountID, role.RoleName, c.sessionName),
		AssumedRoleID: role.RoleID + ":" + c.sessionName, Subject: sub, Audience: aud, Provider: iss, role: role}, nil
}
