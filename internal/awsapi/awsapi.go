// Package awsapi is the awsEndpoints listener's front door: it routes each
// request to the AWS service API gatehouse implements for it, the way AWS
// SDKs address them with an endpoint override. JSON 1.1 services are
// chosen by their X-Amz-Target prefix (Cognito Identity:
// "AWSCognitoIdentityService.GetId"; Cognito user pools:
// "AWSCognitoIdentityProviderService.InitiateAuth"); everything else that
// is a POST or GET to "/" speaks the query protocol, which is STS.
package awsapi

import (
	"net/http"
	"strings"
)

// X-Amz-Target prefixes of the JSON 1.1 services.
const (
	TargetCognitoIdentity         = "AWSCognitoIdentityService"
	TargetCognitoIdentityProvider = "AWSCognitoIdentityProviderService"
)

// Handler routes awsEndpoints requests. A nil field is a service that is
// not served: its requests get the answer AWS gives an unknown operation.
type Handler struct {
	// STS serves the query protocol (Action=...&Version=2011-06-15) at
	// "/".
	STS http.Handler
	// CognitoIdentity serves X-Amz-Target: AWSCognitoIdentityService.*.
	CognitoIdentity http.Handler
	// CognitoIdentityProvider serves X-Amz-Target:
	// AWSCognitoIdentityProviderService.*.
	CognitoIdentityProvider http.Handler
	// Paths serves requests with no X-Amz-Target to a path other than "/"
	// (a user pool's /{userPoolId}/.well-known/jwks.json). Nil answers 404.
	Paths http.Handler
}

// ServeHTTP routes one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		service, _, _ := strings.Cut(target, ".")
		var next http.Handler
		switch service {
		case TargetCognitoIdentity:
			next = h.CognitoIdentity
		case TargetCognitoIdentityProvider:
			next = h.CognitoIdentityProvider
		}
		if next == nil {
			unknownOperation(w)
			return
		}
		next.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/" || r.URL.Path == "" {
		if h.STS == nil {
			http.NotFound(w, r)
			return
		}
		h.STS.ServeHTTP(w, r)
		return
	}
	if h.Paths != nil {
		h.Paths.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

// unknownOperation is the JSON 1.1 protocol's answer to a target no
// service here implements.
func unknownOperation(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"__type":"UnknownOperationException"}`))
}
