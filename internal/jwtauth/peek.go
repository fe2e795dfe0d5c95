package jwtauth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// PeekIssuer returns the iss claim of a compact JWS without verifying
// anything, or "" when token is not one (or larger than
// DefaultMaxTokenSize). It only chooses which Verifier to ask, among the
// several user pools of one Cognito authorizer; the chosen Verifier then
// checks everything, iss included, so a forged iss gains nothing.
func PeekIssuer(token string) string {
	if len(token) > DefaultMaxTokenSize {
		return ""
	}
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return ""
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return ""
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.Iss
}
