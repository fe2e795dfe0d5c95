package sts

import (
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// Namespace is the xmlns of every STS response document.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Version is the only STS API version.
const Version = "2011-06-15"

// MaxBodyBytes bounds a query-protocol request body. STS's own inputs are
// far smaller (a web identity token is at most 20,000 characters, a
// session policy 2,048); a larger body is refused before it is parsed
// (docs/sts.md).
const MaxBodyBytes = 128 << 10

// readBody reads a request body of at most MaxBodyBytes.
func readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, sender(http.StatusBadRequest, CodeMalformedQueryString, "The request body could not be read")
	}
	if len(b) > MaxBodyBytes {
		return nil, tooLarge()
	}
	return b, nil
}

// ParseParams reads a query-protocol request's parameters: those of the
// query string, then those of an application/x-www-form-urlencoded body
// (the form POST the SDKs and the aws CLI send). A parameter given more
// than once keeps its first value. Malformed percent-encoding is
// MalformedQueryString. The error is always an *Error.
func ParseParams(rawQuery, contentType string, body []byte) (url.Values, error) {
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, sender(http.StatusBadRequest, CodeMalformedQueryString, "The query string is malformed")
	}
	if len(body) == 0 {
		return params, nil
	}
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			// Not a form: the body carries no parameters.
			return params, nil
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, sender(http.StatusBadRequest, CodeMalformedQueryString, "The request body is not valid application/x-www-form-urlencoded")
	}
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	return params, nil
}

// responseMetadata ends every STS response.
type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// errorResponse is STS's error document:
//
//	<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//	  <Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
//	  <RequestId>…</RequestId>
//	</ErrorResponse>
type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeXML writes an STS document with the headers STS sends.
func writeXML(w http.ResponseWriter, status int, requestID string, v any) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte("<ErrorResponse xmlns=\"" + Namespace + "\"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>An internal error has occurred</Message></Error><RequestId>" + requestID + "</RequestId></ErrorResponse>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

func writeError(w http.ResponseWriter, requestID string, e *Error) {
	var doc errorResponse
	doc.Xmlns = Namespace
	doc.Error.Type, doc.Error.Code, doc.Error.Message = e.Type, e.Code, e.Message
	doc.RequestID = requestID
	writeXML(w, e.Status, requestID, &doc)
}

// credentialsXML is the Credentials element.
type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

func credentialsOf(c Credentials) credentialsXML {
	return credentialsXML{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.Expiration.UTC().Format(time.RFC3339)}
}

// MaxSessionTokenBytes is the largest session token STS issues: 4,096
// bytes (SessionTokenUtilization is a percentage of it).
const MaxSessionTokenBytes = 4096

// tokenSizeXML ends the results that issue credentials:
// SessionTokenUtilization (percent of MaxSessionTokenBytes) and
// SessionTokenSize (bytes).
type tokenSizeXML struct {
	SessionTokenUtilization int `xml:"SessionTokenUtilization"`
	SessionTokenSize        int `xml:"SessionTokenSize"`
}

func tokenSize(c Credentials) tokenSizeXML {
	n := len(c.SessionToken)
	return tokenSizeXML{SessionTokenUtilization: (n*100 + MaxSessionTokenBytes - 1) / MaxSessionTokenBytes, SessionTokenSize: n}
}

type assumedRoleUserXML struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type getSessionTokenResponse struct {
	XMLName xml.Name `xml:"GetSessionTokenResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials credentialsXML `xml:"Credentials"`
		tokenSizeXML
	} `xml:"GetSessionTokenResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials      credentialsXML     `xml:"Credentials"`
		AssumedRoleUser  assumedRoleUserXML `xml:"AssumedRoleUser"`
		PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
		SourceIdentity   string             `xml:"SourceIdentity,omitempty"`
		tokenSizeXML
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type assumeRoleWithWebIdentityResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials                 credentialsXML     `xml:"Credentials"`
		SubjectFromWebIdentityToken string             `xml:"SubjectFromWebIdentityToken"`
		AssumedRoleUser             assumedRoleUserXML `xml:"AssumedRoleUser"`
		PackedPolicySize            *int               `xml:"PackedPolicySize,omitempty"`
		Provider                    string             `xml:"Provider"`
		Audience                    string             `xml:"Audience"`
		tokenSizeXML
	} `xml:"AssumeRoleWithWebIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}
