// Package gwerr holds the errors the gateway answers with: an HTTP status,
// AWS's x-amzn-ErrorType and the exact JSON body API Gateway sends.
package gwerr

import (
	"net/http"
	"strconv"
)

// Error is an API Gateway error response. Stages of the pipeline return it
// (wrapped or not); one renderer writes it.
type Error struct {
	Status int
	// Type is the x-amzn-ErrorType header value; empty sends none.
	Type string
	// Message is $context.error.message.
	Message string
	// Body is the exact response body; empty means {"message":"<Message>"}.
	Body string
	// ResponseType is the gateway response type (DEFAULT_4XX,
	// MISSING_AUTHENTICATION_TOKEN, INTEGRATION_TIMEOUT, ...), for
	// $context.error.responseType.
	ResponseType string
	// Err is the underlying cause, for logs only; never sent to clients.
	Err error
}

func (e *Error) Error() string {
	s := strconv.Itoa(e.Status) + " " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// WithCause returns a copy of e with its cause set.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// JSON returns the response body.
func (e *Error) JSON() string {
	if e.Body != "" {
		return e.Body
	}
	return `{"message":` + Quote(e.Message) + `}`
}

// Quote quotes s as a JSON string the way API Gateway writes messages:
// quotes, backslashes and control characters escaped, everything else
// (including non-ASCII and <>&) as is.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

const hexDigits = "0123456789abcdef"

// MissingAuthenticationToken is REST's answer for an unknown route (and
// for an unsigned request to an AWS_IAM method).
func MissingAuthenticationToken() *Error {
	return &Error{Status: http.StatusForbidden, Type: "MissingAuthenticationTokenException",
		Message: "Missing Authentication Token", ResponseType: "MISSING_AUTHENTICATION_TOKEN"}
}

// NotFound is the HTTP API answer for an unknown route.
func NotFound() *Error {
	return &Error{Status: http.StatusNotFound, Message: "Not Found", ResponseType: "RESOURCE_NOT_FOUND"}
}

// RESTInternal is REST's 500 for integration and configuration failures.
func RESTInternal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Type: "InternalServerErrorException",
		Message: "Internal server error", Body: `{"message": "Internal server error"}`,
		ResponseType: "DEFAULT_5XX", Err: cause}
}

// HTTPInternal is the HTTP API's 500.
func HTTPInternal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal Server Error",
		ResponseType: "DEFAULT_5XX", Err: cause}
}

// RESTTimeout is REST's 504 when the integration exceeds its timeout.
func RESTTimeout(cause error) *Error {
	return &Error{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out",
		Body: `{"message": "Endpoint request timed out"}`, ResponseType: "INTEGRATION_TIMEOUT", Err: cause}
}

// HTTPTimeout is the HTTP API's answer when the integration times out: 503
// Service Unavailable.
func HTTPTimeout(cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Message: "Service Unavailable",
		ResponseType: "INTEGRATION_TIMEOUT", Err: cause}
}

// RequestTooLarge answers a body over the 10 MB payload limit.
func RequestTooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request Too Long", ResponseType: "REQUEST_TOO_LARGE"}
}

// UnsupportedMediaType answers passthroughBehavior NEVER without a template.
func UnsupportedMediaType() *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Message: "Unsupported Media Type",
		Body: `{"message": "Unsupported Media Type"}`, ResponseType: "UNSUPPORTED_MEDIA_TYPE"}
}
