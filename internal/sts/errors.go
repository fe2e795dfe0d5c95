package sts

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/sigv4"
)

// STS error codes, as the ErrorResponse's Code carries them (the STS API
// Reference's Common Errors and each action's Errors section).
const (
	CodeAccessDenied               = "AccessDenied"
	CodeExpiredToken               = "ExpiredToken"
	CodeExpiredTokenException      = "ExpiredTokenException"
	CodeIDPCommunicationError      = "IDPCommunicationError"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInternalFailure            = "InternalFailure"
	CodeInvalidAction              = "InvalidAction"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeInvalidIdentityToken       = "InvalidIdentityToken"
	CodeInvalidParameterValue      = "InvalidParameterValue"
	CodeMalformedPolicyDocument    = "MalformedPolicyDocument"
	CodeMalformedQueryString       = "MalformedQueryString"
	CodeMissingAction              = "MissingAction"
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeRequestEntityTooLarge      = "RequestEntityTooLarge"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeValidationError            = "ValidationError"
)

// Error is an STS error: the HTTP status and the Type ("Sender" or
// "Receiver"), Code and Message of the XML ErrorResponse STS writes for
// the same request. Every refusal the Server makes is an *Error; Err is
// an underlying cause for logs, never sent.
type Error struct {
	Status  int
	Type    string
	Code    string
	Message string
	Err     error
}

// Error returns the aws CLI's rendering, without the operation name.
func (e *Error) Error() string { return "An error occurred (" + e.Code + "): " + e.Message }

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

func sender(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Type: "Sender", Code: code, Message: fmt.Sprintf(format, args...)}
}

func internalFailure(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Type: "Receiver", Code: CodeInternalFailure,
		Message: "An internal error has occurred", Err: err}
}

// accessDenied is STS's AccessDenied for AssumeRole, word for word:
// "User: {caller} is not authorized to perform: sts:AssumeRole on
// resource: {role}".
func accessDenied(caller, action, resource string) *Error {
	return sender(http.StatusForbidden, CodeAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", caller, action, resource)
}

// fromSigV4 turns a signature refusal into the query-protocol error STS
// sends: the same messages as execute-api, under STS's codes.
func fromSigV4(err error) *Error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return internalFailure(err)
	}
	switch {
	case se.Type == sigv4.TypeMissingAuthenticationToken:
		return sender(http.StatusForbidden, CodeMissingAuthenticationToken, "Request is missing Authentication Token")
	case se.Type == sigv4.TypeIncompleteSignature:
		return &Error{Status: http.StatusBadRequest, Type: "Sender", Code: CodeIncompleteSignature, Message: se.Message}
	case se.Type == sigv4.TypeUnrecognizedClient:
		return &Error{Status: http.StatusForbidden, Type: "Sender", Code: CodeInvalidClientTokenID, Message: se.Message}
	case se.Type == sigv4.TypeExpiredToken:
		return &Error{Status: http.StatusForbidden, Type: "Sender", Code: CodeExpiredToken, Message: se.Message}
	case se.Type == sigv4.TypeInvalidSignature:
		return &Error{Status: http.StatusForbidden, Type: "Sender", Code: CodeSignatureDoesNotMatch, Message: se.Message}
	case se.Status == http.StatusRequestEntityTooLarge:
		return tooLarge()
	}
	return internalFailure(err)
}

func tooLarge() *Error {
	return sender(http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge, "Request body must be at most %d bytes", MaxBodyBytes)
}

// validation collects parameter constraint violations and renders them
// as AWS's ValidationError: "1 validation error detected: Value 'x' at
// 'roleSessionName' failed to satisfy constraint: ...", several joined
// with "; " under "N validation errors detected: ".
type validation []string

// null records a missing required parameter.
func (v *validation) null(field string) {
	*v = append(*v, "Value null at '"+field+"' failed to satisfy constraint: Member must not be null")
}

// fail records a constraint a value breaks.
func (v *validation) fail(value, field, constraint string) {
	*v = append(*v, "Value '"+strings.ToValidUTF8(value, "\uFFFD")+"' at '"+field+"' failed to satisfy constraint: "+constraint)
}

// length checks a string's length bounds.
func (v *validation) length(value, field string, minLen, maxLen int) bool {
	n := len([]rune(value))
	switch {
	case n < minLen:
		v.fail(value, field, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.fail(value, field, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	default:
		return true
	}
	return false
}

// pattern checks that every byte of value is allowed by ok; re names the
// pattern in the message.
func (v *validation) pattern(value, field, re string, ok func(byte) bool) {
	for i := 0; i < len(value); i++ {
		if !ok(value[i]) {
			v.fail(value, field, "Member must satisfy regular expression pattern: "+re)
			return
		}
	}
}

func (v validation) err() *Error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return sender(http.StatusBadRequest, CodeValidationError, "1 validation error detected: %s", v[0])
	}
	return sender(http.StatusBadRequest, CodeValidationError, "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// isNameChar matches [\w+=,.@-] with ASCII \w: role session names and
// source identities.
func isNameChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("_+=,.@-", c) >= 0
}

// isExternalIDChar matches [\w+=,.@:\/-].
func isExternalIDChar(c byte) bool { return isNameChar(c) || c == ':' || c == '/' }
