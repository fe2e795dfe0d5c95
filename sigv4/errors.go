package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// Error types, as API Gateway sends them in the x-amzn-ErrorType header.
const (
	TypeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	TypeIncompleteSignature        = "IncompleteSignatureException"
	TypeInvalidSignature           = "InvalidSignatureException"
	TypeUnrecognizedClient         = "UnrecognizedClientException"
	TypeExpiredToken               = "ExpiredTokenException"
)

// Error is the error Verify returns when it refuses a request. Status,
// Type and Message are what API Gateway answers for the same request: the
// HTTP status, the x-amzn-ErrorType header and the "message" of the JSON
// body, word for word (see docs/sigv4-errors.md for the source of each
// text).
//
// When the signature does not match, CanonicalRequest and StringToSign hold
// what gatehouse computed (they are also quoted in Message, as AWS does), so
// that an --explain mode can print them. Err, when set, is an underlying
// cause, such as the error of a CredentialsProvider.
type Error struct {
	Status  int    // HTTP status code, 403 for every authentication refusal
	Type    string // value of the x-amzn-ErrorType header; "" means none
	Message string // AWS's message, word for word

	CanonicalRequest string // set on a signature mismatch
	StringToSign     string // set on a signature mismatch

	Err error // underlying cause, if any
}

// Error returns Type and Message, as "Type: Message".
func (e *Error) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// notFound is the type of ErrAccessKeyNotFound. Being a string type, the
// sentinel can be a constant, so nothing at package level is mutable.
type notFound string

func (e notFound) Error() string { return string(e) }

// ErrAccessKeyNotFound is the error a CredentialsProvider returns (possibly
// wrapped) when it knows no access key with the given id. Verify turns it
// into AWS's UnrecognizedClientException; any other provider error becomes
// a 500 InternalFailure that wraps it.
const ErrAccessKeyNotFound = notFound("sigv4: access key not found")

// Messages that never vary.
const (
	msgMissingToken    = "Missing Authentication Token"
	msgInvalidToken    = "The security token included in the request is invalid."
	msgExpiredToken    = "The security token included in the request is expired"
	msgFoundBoth       = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgMismatchPrefix  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'"
	msgMismatchMiddle  = "'\n\nThe String-to-Sign should have been\n'"
	msgMismatchSuffix  = "'\n"
	msgPresignExpired  = "Request has expired"
	msgExpiresNumber   = "X-Amz-Expires should be a number"
	msgExpiresNegative = "X-Amz-Expires must be non-negative"
	msgExpiresTooLarge = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
	msgTooLarge        = "Request Too Long"
	msgInternal        = "Internal server error"
)

func newError(status int, typ, msg string) *Error {
	return &Error{Status: status, Type: typ, Message: msg}
}

func errMissingToken() *Error {
	return newError(http.StatusForbidden, TypeMissingAuthenticationToken, msgMissingToken)
}

func errIncomplete(msg string) *Error {
	return newError(http.StatusForbidden, TypeIncompleteSignature, msg)
}

func errInvalid(msg string) *Error {
	return newError(http.StatusForbidden, TypeInvalidSignature, msg)
}

func errUnrecognized(err error) *Error {
	e := newError(http.StatusForbidden, TypeUnrecognizedClient, msgInvalidToken)
	e.Err = err
	return e
}

// hashForMessage is how API Gateway quotes an Authorization header in its
// messages since it stopped echoing credentials: base64(sha256(value)).
func hashForMessage(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// errMissingEqual is the error for a token of the Authorization header that
// has no '='. pair is that token and header the whole header value.
func errMissingEqual(pair, header string, legacy bool) *Error {
	if legacy {
		return errIncomplete("'" + pair + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + header + "'.")
	}
	return errIncomplete("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + hashForMessage(header) + "'.")
}

// errMissingParams is the error for an Authorization header without some
// of its parameters or without a date header. msgs holds one
// "... requires ... " sentence per missing piece, each ending in ". ".
func errMissingParams(msgs, header string, legacy bool) *Error {
	if legacy {
		return errIncomplete(msgs + "Authorization=" + header)
	}
	return errIncomplete(msgs + "(Hashed with SHA-256 and encoded with Base64) Authorization=" + hashForMessage(header))
}

func errBadDate(got string) *Error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '" + got + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func errBadCredential(cred string) *Error {
	return errIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'")
}

// skewText writes a whole number of minutes as AWS does ("5 min."), or
// seconds when the skew is not a whole number of minutes.
func skewText(skew time.Duration) string {
	if skew%time.Minute == 0 {
		return strconv.FormatInt(int64(skew/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(skew/time.Second), 10) + " sec."
}

func errExpired(signed, now time.Time, skew time.Duration) *Error {
	return errInvalid("Signature expired: " + formatTime(signed) + " is now earlier than " +
		formatTime(now.Add(-skew)) + " (" + formatTime(now) + " - " + skewText(skew) + ")")
}

func errNotYetCurrent(signed, now time.Time, skew time.Duration) *Error {
	return errInvalid("Signature not yet current: " + formatTime(signed) + " is still later than " +
		formatTime(now.Add(skew)) + " (" + formatTime(now) + " + " + skewText(skew) + ")")
}

func errMismatch(canonical, stringToSign string) *Error {
	e := errInvalid(msgMismatchPrefix + canonical + msgMismatchMiddle + stringToSign + msgMismatchSuffix)
	e.CanonicalRequest = canonical
	e.StringToSign = stringToSign
	return e
}

func errTooLarge() *Error {
	return newError(http.StatusRequestEntityTooLarge, "", msgTooLarge)
}

func errInternal(err error) *Error {
	e := newError(http.StatusInternalServerError, "InternalFailure", msgInternal)
	e.Err = err
	return e
}
