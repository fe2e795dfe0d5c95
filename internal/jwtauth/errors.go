package jwtauth

import "fmt"

// Reason says why a token was rejected. It is for logs and metrics only:
// API Gateway answers every failed JWT check with 401 {"message":"Unauthorized"}
// and never tells the client which check failed.
type Reason string

// The reasons a token can be rejected.
const (
	ReasonMalformed       Reason = "malformed"        // not a compact JWS, bad base64/JSON, claim of the wrong type
	ReasonTooLarge        Reason = "too large"        // longer than Options.MaxTokenSize
	ReasonUnsupportedAlg  Reason = "unsupported alg"  // none, HS*, or any alg outside the allow list
	ReasonUnknownKID      Reason = "unknown kid"      // missing kid, or kid not in the JWKS (after the rate-limited refetch)
	ReasonBadSignature    Reason = "bad signature"    // the signature does not verify with the selected key
	ReasonExpired         Reason = "expired"          // exp missing or in the past
	ReasonNotYetValid     Reason = "not yet valid"    // nbf or iat in the future
	ReasonWrongIssuer     Reason = "wrong issuer"     // iss missing or not exactly Options.Issuer
	ReasonWrongAudience   Reason = "wrong audience"   // neither aud nor client_id is in Options.Audiences
	ReasonWrongTokenUse   Reason = "wrong token_use"  // token_use present and neither "id" nor "access"
	ReasonJWKSUnavailable Reason = "jwks unavailable" // no cached keys and the JWKS could not be fetched
)

// Error is the only error type Verify returns. Match it with errors.As and
// switch on Reason; never compare error strings.
type Error struct {
	Reason Reason
	Err    error // the underlying cause, may be nil
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "jwt: " + string(e.Reason)
	}
	return fmt.Sprintf("jwt: %s: %v", e.Reason, e.Err)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func fail(r Reason, err error) *Error { return &Error{Reason: r, Err: err} }

func failf(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Err: fmt.Errorf(format, args...)}
}
