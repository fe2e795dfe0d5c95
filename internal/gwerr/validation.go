package gwerr

import "net/http"

// BadRequestParameters answers a request that lacks a required request
// parameter: 400 {"message": "Missing required request parameters: [a, b]"}
// (the BAD_REQUEST_PARAMETERS gateway response). msg is the whole message.
func BadRequestParameters(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: msg,
		Body: `{"message": ` + Quote(msg) + `}`, ResponseType: "BAD_REQUEST_PARAMETERS"}
}

// BadRequestBody answers a body that does not match its model: 400
// {"message": "Invalid request body"} (the BAD_REQUEST_BODY gateway
// response).
func BadRequestBody() *Error {
	return &Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "Invalid request body",
		Body: `{"message": "Invalid request body"}`, ResponseType: "BAD_REQUEST_BODY"}
}
