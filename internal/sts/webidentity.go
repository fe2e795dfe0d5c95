package sts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
)

// CognitoIdentity is the Federated principal, and the condition key
// prefix, of tokens issued by Cognito identity pools (GetOpenIdToken).
const CognitoIdentity = "cognito-identity.amazonaws.com"

// TokenVerifier verifies a web identity token's signature, issuer,
// expiry and (when configured) audience, and returns its claims.
// *jwtauth.Verifier implements it; a local Cognito identity pool can
// implement it over its own signing keys. Errors of type *jwtauth.Error
// are answered with their Reason's STS error; others as an invalid token.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (*jwtauth.Claims, error)
}

// WebIdentityProvider is an identity provider AssumeRoleWithWebIdentity
// trusts: IAM's OIDC provider (CreateOpenIDConnectProvider), or the
// Cognito identity service.
type WebIdentityProvider struct {
	// Issuer is the exact iss of the provider's tokens.
	Issuer string
	// Principal is what a trust policy's Federated principal names:
	// "arn:aws:iam::{account}:oidc-provider/{host/path}", or
	// CognitoIdentity.
	Principal string
	// KeyPrefix prefixes the condition keys the token's claims fill:
	// "{host/path}:aud", ":sub", ":amr" (CognitoIdentity for Cognito).
	KeyPrefix string
	// Verifier checks tokens. Required.
	Verifier TokenVerifier
}

// OIDCProvider is the provider IAM's CreateOpenIDConnectProvider
// registers for an issuer URL and its client ids (the audiences a token
// may have; none means any), verifying tokens through the issuer's
// OpenID discovery document and JWKS. An issuer whose host is
// cognito-identity.amazonaws.com is Cognito's built-in principal. client
// nil means jwtauth's default (5 s timeout).
func OIDCProvider(account, issuerURL string, clientIDs []string, client *http.Client) WebIdentityProvider {
	hostPath := strings.TrimSuffix(issuerURL, "/")
	for _, scheme := range []string{"https://", "http://"} {
		hostPath = strings.TrimPrefix(hostPath, scheme)
	}
	p := WebIdentityProvider{
		Issuer:    issuerURL,
		Principal: "arn:aws:iam::" + account + ":oidc-provider/" + hostPath,
		KeyPrefix: hostPath,
		Verifier:  jwtauth.New(jwtauth.Options{Issuer: issuerURL, Audiences: clientIDs, HTTPClient: client}),
	}
	if hostPath == CognitoIdentity {
		p.Principal = CognitoIdentity
	}
	return p
}

// unverifiedIssuer reads the iss claim of a compact JWS without checking
// anything: only to choose the provider whose verifier then checks the
// token (iss included).
func unverifiedIssuer(token string) (string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Iss == "" {
		return "", false
	}
	return claims.Iss, true
}

func (s *Server) provider(iss string) (*WebIdentityProvider, bool) {
	for i := range s.providers {
		if s.providers[i].Issuer == iss {
			return &s.providers[i], true
		}
	}
	return nil, false
}

// claimStrings reads a claim that is a string or an array of strings.
func claimStrings(c *jwtauth.Claims, name string) []string {
	raw, ok := c.Get(name)
	if !ok {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// tokenError answers a token the verifier refused, as STS words it.
func (s *Server) tokenError(err error, now time.Time) *Error {
	var je *jwtauth.Error
	if !errors.As(err, &je) {
		return &Error{Status: http.StatusBadRequest, Type: "Sender", Code: CodeInvalidIdentityToken, Err: err,
			Message: "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."}
	}
	e := &Error{Status: http.StatusBadRequest, Type: "Sender", Code: CodeInvalidIdentityToken, Err: err}
	switch je.Reason {
	case jwtauth.ReasonExpired:
		e.Code = CodeExpiredTokenException
		e.Message = "Token expired: current date/time " + strconv.FormatInt(now.Unix(), 10) + " must be before the expiration date/time"
	case jwtauth.ReasonWrongAudience:
		e.Message = "Incorrect token audience"
	case jwtauth.ReasonJWKSUnavailable:
		e.Code = CodeIDPCommunicationError
		e.Message = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	case jwtauth.ReasonWrongIssuer:
		e.Message = "Issuer in the token does not match the provider"
	default:
		e.Message = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."
	}
	return e
}

func (s *Server) assumeRoleWithWebIdentity(c *call, requestID string) *Error {
	var v validation
	sr := readSessionRequest(c, &v)
	token, ok := c.param("WebIdentityToken")
	if !ok {
		v.null("webIdentityToken")
	} else {
		v.length(token, "webIdentityToken", 4, 20000)
	}
	if e := v.err(); e != nil {
		return e
	}
	if e := unsupported(c, "PolicyArns", "ProviderId"); e != nil {
		return e
	}
	packed, e := sr.sessionPolicy()
	if e != nil {
		return e
	}
	iss, ok := unverifiedIssuer(token)
	if !ok {
		return sender(http.StatusBadRequest, CodeInvalidIdentityToken, "Couldn't parse the JWT")
	}
	prov, ok := s.provider(iss)
	if !ok {
		return sender(http.StatusBadRequest, CodeInvalidIdentityToken, "No OpenIDConnect provider found in your account for %s", iss)
	}
	claims, err := prov.Verifier.Verify(c.r.Context(), token)
	if err != nil {
		e := s.tokenError(err, c.now)
		if e.Code == CodeExpiredTokenException {
			if exp, ok := expiryOf(token); ok {
				e.Message += strconv.FormatInt(exp, 10)
			}
		}
		return e
	}
	sub, _ := claims.String("sub")
	aud := claimStrings(claims, "aud")
	amr := claimStrings(claims, "amr")

	denied := sender(http.StatusForbidden, CodeAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	name, ok := s.roleFromARN(sr.roleARN)
	if !ok {
		return denied
	}
	role, ok := s.auth.dir.Role(name)
	if !ok {
		return denied
	}
	ictx := iam.Context{FederatedProvider: prov.Principal, PrincipalType: "WebIdentityUser", SourceIP: sourceIP(c.r),
		UserAgent: c.r.UserAgent(), CurrentTime: c.now, SecureTransport: iam.BoolPtr(c.r.TLS != nil)}
	ictx.Set("sts:RoleSessionName", sr.sessionName)
	ictx.Set(prov.KeyPrefix+":sub", sub)
	ictx.Set(prov.KeyPrefix+":aud", aud...)
	ictx.Set(prov.KeyPrefix+":amr", amr...)
	if azp, ok := claims.String("azp"); ok {
		ictx.Set(prov.KeyPrefix+":azp", azp)
	}
	req := iam.Request{Action: "sts:AssumeRoleWithWebIdentity", Context: &ictx}
	if role.Trust.Evaluate(&req).Decision != iam.Allow {
		return denied
	}
	if sr.duration > role.MaxSessionDuration {
		return sender(http.StatusBadRequest, CodeValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	web := &WebIdentity{Provider: prov.Principal, Issuer: iss, Subject: sub, Audience: aud, AMR: amr}
	sess := &session{Kind: kindRole, Name: role.RoleName, ID: role.RoleID, SessionName: sr.sessionName, Policy: sr.compact, Web: web}
	creds, err := s.auth.issue(sess, time.Duration(sr.duration)*time.Second, sr.minSize)
	if err != nil {
		return internalFailure(err)
	}
	var doc assumeRoleWithWebIdentityResponse
	doc.Xmlns = Namespace
	doc.Result.SubjectFromWebIdentityToken = sub
	if len(aud) > 0 {
		doc.Result.Audience = aud[0]
	}
	doc.Result.AssumedRoleUser = assumedRoleUserXML{Arn: AssumedRoleARN(role.AccountID, role.RoleName, sr.sessionName), AssumedRoleID: role.RoleID + ":" + sr.sessionName}
	doc.Result.Credentials = credentialsOf(creds)
	doc.Result.PackedPolicySize = packed
	doc.Result.Provider = iss
	doc.Result.tokenSizeXML = tokenSize(creds)
	doc.Metadata.RequestID = requestID
	c.result = &doc
	return nil
}

// expiryOf reads an (already refused as expired) token's exp for the
// message.
func expiryOf(token string) (int64, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return 0, false
	}
	f, err := claims.Exp.Float64()
	return int64(f), err == nil
}
