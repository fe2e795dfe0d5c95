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
	out, e := s.webIdentity(c.r.Context(), webIdentityCall{
		token: token, roleARN: sr.roleARN, sessionName: sr.sessionName, duration: sr.duration, minSize: sr.minSize,
		policy: sr.compact, sourceIP: sourceIP(c.r), userAgent: c.r.UserAgent(), secure: c.r.TLS != nil, now: c.now,
	})
	if e != nil {
		return e
	}
	creds, role, sub, aud, iss := out.Credentials, out.role, out.Subject, out.Audience, out.Provider
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
