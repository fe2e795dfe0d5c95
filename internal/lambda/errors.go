package lambda

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Code is the AWS exception name of an error of the Invoke API itself: the
// function did not run, or its result was thrown away. A Code is an error, so
// callers match it with errors.Is(err, lambda.CodeThrottled).
//
// API Gateway answers every such error the same way: 500 with
// {"message": "Internal server error"} (gateway response type
// INTEGRATION_FAILURE), including throttling — see docs/lambda-runtime.md.
type Code string

// Invoke API error codes, as Lambda names them.
const (
	// CodeThrottled: every concurrent slot is busy and the queue is full
	// (Lambda: 429 TooManyRequestsException, Reason ReservedFunctionConcurrentInvocationLimitExceeded).
	CodeThrottled Code = "TooManyRequestsException"
	// CodeNotFound: no function of that name (Lambda: 404).
	CodeNotFound Code = "ResourceNotFoundException"
	// CodeRequestTooLarge: the payload is over 6,291,456 bytes (Lambda: 413).
	CodeRequestTooLarge Code = "RequestTooLargeException"
	// CodeInvalidRequestContent: the payload is not JSON (Lambda: 400).
	CodeInvalidRequestContent Code = "InvalidRequestContentException"
	// CodeService: gatehouse could not run the function (host closed, the
	// interpreter could not be started); Lambda: 500 ServiceException.
	CodeService Code = "ServiceException"
)

// Error implements error.
func (c Code) Error() string { return string(c) }

// StatusCode is the HTTP status the Lambda Invoke API returns for c.
func (c Code) StatusCode() int {
	switch c {
	case CodeThrottled:
		return http.StatusTooManyRequests
	case CodeNotFound:
		return http.StatusNotFound
	case CodeRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeInvalidRequestContent:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// InvokeError is an error of the Invoke API with its AWS code and message.
// errors.Is(err, CodeThrottled) reports whether an InvokeError has that code.
type InvokeError struct {
	Code    Code
	Message string
	// Err is the underlying cause, if any.
	Err error
}

func (e *InvokeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is reports whether target is e's Code.
func (e *InvokeError) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// Unwrap returns the underlying cause.
func (e *InvokeError) Unwrap() error { return e.Err }

// Values of FunctionError.Kind, the X-Amz-Function-Error header of Invoke.
const (
	// Unhandled is what Lambda reports for every error of today's runtimes:
	// a thrown exception, callback(err), a timeout, a crash, an init error.
	Unhandled = "Unhandled"
	// Handled is the legacy value of the Node.js 0.10 context.fail era; it is
	// never produced, and kept so callers can name it.
	Handled = "Handled"
)

// FunctionError reports that the function ran and failed. Invoke returns the
// error document (the Invoke response payload) both as its result and in
// Payload; the gateway sends it where Lambda's caller would see it (for
// example API Gateway answers a Lambda proxy integration with 502, and
// non-proxy integrations match errorMessage against selection patterns).
type FunctionError struct {
	// Kind is the X-Amz-Function-Error value: always Unhandled.
	Kind string
	// Type and Message are the errorType and errorMessage of Payload ("" if
	// the runtime sent something else).
	Type    string
	Message string
	// Payload is the error document exactly as Lambda's Invoke returns it,
	// e.g. {"errorType":"Error","errorMessage":"boom","trace":[...]}.
	Payload []byte
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error (%s) %s: %s", e.Kind, e.Type, e.Message)
}

// newFunctionError builds a FunctionError from a payload, reading its
// errorType and errorMessage when it is a JSON object.
func newFunctionError(payload []byte) *FunctionError {
	fe := &FunctionError{Kind: Unhandled, Payload: payload}
	var doc struct {
		Type    any `json:"errorType"`
		Message any `json:"errorMessage"`
	}
	if json.Unmarshal(payload, &doc) == nil {
		if s, ok := doc.Type.(string); ok {
			fe.Type = s
		}
		if s, ok := doc.Message.(string); ok {
			fe.Message = s
		}
	}
	return fe
}

// platformError is an error document written by gatehouse itself (timeouts,
// crashes, size limits), in Lambda's {"errorType","errorMessage"} shape.
func platformError(errorType, message string) *FunctionError {
	doc := struct {
		Type    string `json:"errorType,omitempty"`
		Message string `json:"errorMessage"`
	}{errorType, message}
	b, _ := json.Marshal(doc) // strings only: cannot fail
	return &FunctionError{Kind: Unhandled, Type: errorType, Message: message, Payload: b}
}
