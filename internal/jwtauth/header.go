package jwtauth

import "strings"

// TokenFromHeader extracts the JWT from an Authorization header value (or
// whatever identitySource names). API Gateway HTTP APIs accept both
// "Bearer <jwt>" (the scheme is matched case-insensitively and stripped) and a
// bare token. Any other scheme ("Basic …") or an empty value yields "".
func TokenFromHeader(value string) string {
	value = strings.TrimSpace(value)
	scheme, rest, found := strings.Cut(value, " ")
	if !found {
		return value
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if strings.ContainsAny(rest, " \t") {
		return ""
	}
	return rest
}
