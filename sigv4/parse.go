package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Authorization is a parsed SigV4 signature, from an Authorization header
// or from the X-Amz-* parameters of a presigned URL. Its strings are as the
// client sent them (query parameters decoded).
type Authorization struct {
	Form          Form
	Algorithm     string // AWS4-HMAC-SHA256
	Credential    string // accessKeyID/date/region/service/aws4_request
	SignedHeaders string // lowercase names separated by ';'
	Signature     string // hex
	Date          string // X-Amz-Date (or the Date header, in header form)
	SecurityToken string // X-Amz-Security-Token, if any
	// Expires is X-Amz-Expires as sent ("" when absent); query form only.
	Expires string
	// ContentSHA256 is X-Amz-Content-Sha256 as sent, if any.
	ContentSHA256 string
	// dateFromHTTP is true when Date came from an RFC 1123 Date header.
	dateFromHTTP bool
}

// Scope is the credential of a signature split in its five parts.
type Scope struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string // aws4_request
}

// String returns the credential scope date/region/service/terminator
// (without the access key id).
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Terminator
}

// ParseScope splits a credential into its five slash-separated parts.
// Trailing slashes are ignored, as AWS ignores them. An error is AWS's
// IncompleteSignatureException.
func ParseScope(credential string) (Scope, error) {
	c := strings.TrimRight(credential, "/")
	var parts [5]string
	for i := range parts {
		j := strings.IndexByte(c, '/')
		if i == len(parts)-1 {
			if j >= 0 {
				return Scope{}, errBadCredential(credential)
			}
			parts[i] = c
			break
		}
		if j < 0 {
			return Scope{}, errBadCredential(credential)
		}
		parts[i], c = c[:j], c[j+1:]
	}
	return Scope{parts[0], parts[1], parts[2], parts[3], parts[4]}, nil
}

// ParseAuthorization parses an Authorization header value the way API
// Gateway does. dates are the request's headers, for X-Amz-Date or Date
// (AWS requires one of them), X-Amz-Security-Token and
// X-Amz-Content-Sha256; legacy selects the pre-2024 wording of the
// errors. The error, if any, is an *Error with AWS's message: a token
// without '=' or missing Credential, Signature or SignedHeaders parameters
// (IncompleteSignatureException), or an algorithm other than
// AWS4-HMAC-SHA256 (MissingAuthenticationTokenException, as API Gateway
// answers).
func ParseAuthorization(header string, dates http.Header, legacy bool) (Authorization, error) {
	a := Authorization{Form: HeaderForm}
	v := strings.TrimLeft(header, " \t")
	alg, rest, _ := strings.Cut(v, " ")
	a.Algorithm = alg
	for rest != "" {
		i := strings.IndexAny(rest, ", \t")
		var tok string
		if i < 0 {
			tok, rest = rest, ""
		} else {
			tok, rest = rest[:i], rest[i+1:]
		}
		if tok == "" {
			continue
		}
		k, val, ok := strings.Cut(tok, "=")
		if !ok {
			return a, errMissingEqual(tok, header, legacy)
		}
		switch k {
		case "Credential":
			a.Credential = val
		case "SignedHeaders":
			a.SignedHeaders = val
		case "Signature":
			a.Signature = val
		}
	}
	var missing string
	if a.Credential == "" {
		missing += "Authorization header requires 'Credential' parameter. "
	}
	if a.Signature == "" {
		missing += "Authorization header requires 'Signature' parameter. "
	}
	if a.SignedHeaders == "" {
		missing += "Authorization header requires 'SignedHeaders' parameter. "
	}
	a.Date = dates.Get(HeaderDate)
	if a.Date == "" {
		a.Date = dates.Get("Date")
		a.dateFromHTTP = a.Date != ""
	}
	a.SecurityToken = dates.Get(HeaderSecurityToken)
	a.ContentSHA256 = dates.Get(HeaderContentSHA256)
	if a.Date == "" {
		missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	}
	if missing != "" {
		return a, errMissingParams(missing, header, legacy)
	}
	if a.Algorithm != Algorithm {
		return a, errMissingToken()
	}
	return a, nil
}

// ParsePresigned parses the X-Amz-* parameters of a presigned URL's raw
// query, as API Gateway does. The error, if any, is an *Error with AWS's
// message: missing parameters (IncompleteSignatureException), an algorithm
// other than AWS4-HMAC-SHA256 (MissingAuthenticationTokenException) or a
// malformed X-Amz-Expires.
func ParsePresigned(rawQuery string) (Authorization, error) {
	a := Authorization{Form: QueryForm}
	for q := rawQuery; q != ""; {
		var part string
		part, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(part, "=")
		if len(k) < 6 || !strings.EqualFold(k[:6], "X-Amz-") {
			continue
		}
		var dst *string
		switch k {
		case ParamAlgorithm:
			dst = &a.Algorithm
		case ParamCredential:
			dst = &a.Credential
		case ParamSignedHeaders:
			dst = &a.SignedHeaders
		case ParamSignature:
			dst = &a.Signature
		case ParamDate:
			dst = &a.Date
		case ParamSecurityToken:
			dst = &a.SecurityToken
		case ParamExpires:
			dst = &a.Expires
		case ParamContentSHA256:
			dst = &a.ContentSHA256
		default:
			continue
		}
		*dst = unescapeQuery(v)
	}
	var missing string
	for _, p := range [...]struct{ name, value string }{
		{ParamAlgorithm, a.Algorithm},
		{ParamCredential, a.Credential},
		{ParamSignature, a.Signature},
		{ParamSignedHeaders, a.SignedHeaders},
		{ParamDate, a.Date},
	} {
		if p.value == "" {
			missing += "AWS query-string parameters must include '" + p.name + "'. "
		}
	}
	if missing != "" {
		return a, errIncomplete(missing + "Re-examine the query-string parameters.")
	}
	if a.Algorithm != Algorithm {
		return a, errMissingToken()
	}
	if a.Expires != "" {
		if _, err := a.expires(); err != nil {
			return a, err
		}
	}
	return a, nil
}

// expires returns X-Amz-Expires as a duration, or AWS's error.
func (a *Authorization) expires() (time.Duration, error) {
	n, err := strconv.ParseInt(a.Expires, 10, 64)
	switch {
	case err != nil:
		return 0, errIncomplete(msgExpiresNumber)
	case n <= 0:
		return 0, errIncomplete(msgExpiresNegative)
	case n > int64(MaxPresignExpires/time.Second):
		return 0, errIncomplete(msgExpiresTooLarge)
	}
	return time.Duration(n) * time.Second, nil
}

// unescapeQuery decodes a query component, returning it unchanged (no
// allocation) when it has nothing to decode or is malformed.
func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
