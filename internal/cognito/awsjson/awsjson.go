// Package awsjson is the AWS JSON 1.1 protocol as the Cognito services
// speak it: POST / with X-Amz-Target: {Service}.{Operation} and a JSON
// body, answered with a JSON document, or with an error document
// {"__type":"NotAuthorizedException","message":"..."} that the AWS SDKs
// turn into their typed exceptions. Both Cognito Identity and Cognito user
// pools (internal/cognito/identity, internal/cognito/userpool) use it.
package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/uuid"
	"github.com/gatehouse/gatehouse/sigv4"
)

// ContentType is the JSON 1.1 protocol's media type, of requests and
// responses.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds a request body: the largest Cognito input is
// Cognito Identity's Logins map (up to 10 tokens of up to 50,000
// characters). A larger body is refused before it is parsed.
const DefaultMaxBodyBytes = 512 << 10

// Error types every JSON 1.1 service answers with.
const (
	TypeSerialization      = "SerializationException"
	TypeUnknownOperation   = "UnknownOperationException"
	TypeInternalError      = "InternalErrorException"
	TypeRequestTooLarge    = "RequestEntityTooLargeException"
	TypeInvalidParameter   = "InvalidParameterException"
	TypeNotAuthorized      = "NotAuthorizedException"
	TypeResourceNotFound   = "ResourceNotFoundException"
	TypeAccessDenied       = "AccessDeniedException"
	TypeMissingAuthToken   = "MissingAuthenticationTokenException"
	TypeUnrecognizedClient = "UnrecognizedClientException"
)

// Error is a refusal as the service writes it: the HTTP status and the
// __type and message of the error document. Err is a cause for logs,
// never sent.
type Error struct {
	Status  int
	Type    string
	Message string
	Err     error
}

// Error returns the aws CLI's rendering of the error.
func (e *Error) Error() string { return "An error occurred (" + e.Type + "): " + e.Message }

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a 400 error of type typ.
func Errorf(typ, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Internal is the answer to a failure of gatehouse itself; err is logged,
// not sent.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Type: TypeInternalError, Message: "An internal error has occurred", Err: err}
}

// Request is one parsed JSON 1.1 request.
type Request struct {
	// Service and Operation split X-Amz-Target at its first dot.
	Service, Operation string
	// Body is the raw JSON body ("{}" when empty).
	Body []byte
}

// ReadRequest reads and checks a request: POST, an X-Amz-Target of the
// form Service.Operation, and a body of at most maxBytes (0 means
// DefaultMaxBodyBytes). A body larger than that is refused with 413
// before it is read further. On success r.Body is replaced by a reader
// over the bytes read, so that a signature check can hash them again.
func ReadRequest(r *http.Request, maxBytes int64) (*Request, *Error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	if r.Method != http.MethodPost {
		return nil, Errorf(TypeSerialization, "Only POST requests are accepted by the JSON 1.1 protocol, not %s", r.Method)
	}
	service, op, ok := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if !ok || service == "" || op == "" {
		return nil, &Error{Status: http.StatusBadRequest, Type: TypeUnknownOperation}
	}
	tooLarge := &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeRequestTooLarge,
		Message: fmt.Sprintf("Request body must be at most %d bytes", maxBytes)}
	if r.ContentLength > maxBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return nil, Errorf(TypeSerialization, "Could not read the request body")
	}
	if int64(len(body)) > maxBytes {
		return nil, tooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	return &Request{Service: service, Operation: op, Body: body}, nil
}

// Decode unmarshals the body into v (a pointer to a struct of the
// operation's input). Unknown members are ignored, as AWS services do; a
// body that is not a JSON object, or a member of the wrong JSON type, is a
// SerializationException.
func (r *Request) Decode(v any) *Error {
	if !json.Valid(r.Body) {
		return Errorf(TypeSerialization, "The request body is not valid JSON")
	}
	if t := bytes.TrimSpace(r.Body); len(t) == 0 || t[0] != '{' {
		return Errorf(TypeSerialization, "Start of structure or map found where not expected")
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Errorf(TypeSerialization, "Unexpected JSON type for member %s", te.Field)
		}
		return Errorf(TypeSerialization, "The request body could not be deserialized")
	}
	return nil
}

// WriteResult writes a 200 response with v as the JSON document.
func WriteResult(w http.ResponseWriter, requestID string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, requestID, Internal(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// WriteError writes e as the JSON 1.1 error document, with the
// x-amzn-ErrorType header the SDKs also read. An error with no message
// has no message member (as UnknownOperationException comes).
func WriteError(w http.ResponseWriter, requestID string, e *Error) {
	doc := struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{e.Type, e.Message}
	b, _ := json.Marshal(doc) // two strings: never fails
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("x-amzn-RequestId", requestID)
	h.Set("x-amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// NewRequestID returns a random UUID (version 4), as x-amzn-RequestId.
func NewRequestID() string { return uuid.New() }

// Validation collects constraint violations of an operation's input and
// renders them as AWS's message: "1 validation error detected: Value 'x'
// at 'clientId' failed to satisfy constraint: ...", several joined with
// "; " under "N validation errors detected: ".
type Validation []string

// Null records a missing required member.
func (v *Validation) Null(field string) {
	*v = append(*v, "Value null at '"+field+"' failed to satisfy constraint: Member must not be null")
}

// Fail records a constraint value breaks.
func (v *Validation) Fail(value, field, constraint string) {
	*v = append(*v, "Value '"+strings.ToValidUTF8(value, "\uFFFD")+"' at '"+field+"' failed to satisfy constraint: "+constraint)
}

// Length checks a string's length bounds, in characters.
func (v *Validation) Length(value, field string, minLen, maxLen int) bool {
	n := len([]rune(value))
	switch {
	case n < minLen:
		v.Fail(value, field, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.Fail(value, field, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	default:
		return true
	}
	return false
}

// Pattern checks that ok accepts value; re names the pattern in the
// message.
func (v *Validation) Pattern(value, field, re string, ok bool) bool {
	if !ok {
		v.Fail(value, field, "Member must satisfy regular expression pattern: "+re)
	}
	return ok
}

// Err returns the collected violations as one error of type typ (Cognito
// uses InvalidParameterException), or nil.
func (v Validation) Err(typ string) *Error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return Errorf(typ, "1 validation error detected: %s", v[0])
	}
	return Errorf(typ, "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// FromSigV4 turns a signature refusal into the JSON 1.1 error AWS's JSON
// services send: sigv4's type and message, with status 400 (as DynamoDB
// and Cognito answer them), or 413 for a body too large to hash.
func FromSigV4(err error) *Error {
	var se *sigv4.Error
	if !errors.As(err, &se) || se.Type == "" {
		if se != nil && se.Status == http.StatusRequestEntityTooLarge {
			return &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeRequestTooLarge, Message: se.Message}
		}
		return Internal(err)
	}
	e := &Error{Status: http.StatusBadRequest, Type: se.Type, Message: se.Message, Err: err}
	if se.Type == sigv4.TypeMissingAuthenticationToken {
		e.Message = "Missing Authentication Token"
	}
	return e
}

// Respond answers one request with serve's result, or with its error as
// the service writes errors; name ("cognito-idp") starts the log line of
// a refusal (debug) or an internal failure (error).
func Respond(w http.ResponseWriter, log *slog.Logger, name string, serve func() (any, *Error)) {
	requestID := NewRequestID()
	out, e := serve()
	if e != nil {
		if e.Status >= 500 {
			log.Error(name+": internal failure", "requestId", requestID, "err", e.Err)
		} else {
			log.Debug(name+": refused", "requestId", requestID, "type", e.Type, "message", e.Message)
		}
		WriteError(w, requestID, e)
		return
	}
	WriteResult(w, requestID, out)
}
