package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

var (
	errNow    = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	errCreds  = sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	errSigner = sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return errNow }})
)

func b64sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// signed returns a GET request signed at signTime with the given options.
func signed(t *testing.T, form sigv4.Form, signTime time.Time, optFns ...func(*sigv4.Options)) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "https://api.example.com/prod/pets?type=dog", nil)
	optFns = append([]func(*sigv4.Options){func(o *sigv4.Options) { o.Now = func() time.Time { return signTime } }}, optFns...)
	var err error
	if form == sigv4.HeaderForm {
		_, err = errSigner.Sign(r, errCreds, optFns...)
	} else {
		_, err = errSigner.Presign(r, errCreds, optFns...)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.RequestURI = r.URL.RequestURI()
	return r
}

func withAuth(value string, header ...string) *http.Request {
	r := httptest.NewRequest("GET", "https://api.example.com/prod/pets", nil)
	r.Header.Set("Authorization", value)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func withQuery(q string) *http.Request {
	return httptest.NewRequest("GET", "https://api.example.com/prod/pets?"+q, nil)
}

func replaceAuth(r *http.Request, old, new string) *http.Request {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	return r
}

func replaceQuery(r *http.Request, old, new string) *http.Request {
	r.URL.RawQuery = strings.Replace(r.URL.RawQuery, old, new, 1)
	r.RequestURI = r.URL.RequestURI()
	return r
}

// TestVerifyErrors compares whole messages, types and statuses of every
// refusal with API Gateway's (docs/sigv4-errors.md gives the sources).
func TestVerifyErrors(t *testing.T) {
	const legacy = true
	jwt := "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI5ZDQzIn0.4f1JhoEZYj16T9Cfe_8"
	later := errNow.Add(10 * time.Minute)
	tests := []struct {
		name    string
		req     *http.Request
		opts    func(*sigv4.Options)
		status  int
		typ     string
		message string
	}{
		{name: "no signature", req: httptest.NewRequest("GET", "/prod/pets", nil),
			status: 403, typ: "MissingAuthenticationTokenException", message: "Missing Authentication Token"},
		{name: "bearer token", req: withAuth("Bearer " + jwt),
			status: 403, typ: "IncompleteSignatureException",
			message: "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + b64sha("Bearer "+jwt) + "'."},
		{name: "bearer token legacy", req: withAuth("Bearer " + jwt), opts: func(o *sigv4.Options) { o.LegacyErrorMessages = legacy },
			status: 403, typ: "IncompleteSignatureException",
			message: "'" + jwt + "' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer " + jwt + "'."},
		{name: "bare token", req: withAuth(jwt),
			status: 403, typ: "IncompleteSignatureException",
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. (Hashed with SHA-256 and encoded with Base64) Authorization=" + b64sha(jwt)},
		{name: "bare token legacy", req: withAuth(jwt), opts: func(o *sigv4.Options) { o.LegacyErrorMessages = legacy },
			status: 403, typ: "IncompleteSignatureException",
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + jwt},
		{name: "basic with date", req: withAuth("Basic dXNlcjpwYXNzd29yZA==", "X-Amz-Date", "20150830T123600Z"), opts: func(o *sigv4.Options) { o.LegacyErrorMessages = legacy },
			status: 403, typ: "IncompleteSignatureException",
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Basic dXNlcjpwYXNzd29yZA=="},
		{name: "other algorithm", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
			status: 403, typ: "MissingAuthenticationTokenException", message: "Missing Authentication Token"},
		{name: "both forms", req: func() *http.Request {
			r := signed(t, sigv4.QueryForm, errNow)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}(),
			status: 403, typ: "InvalidSignatureException", message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "bad date", req: withAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc", "X-Amz-Date", "2015-08-30T12:36:00Z"),
			status: 403, typ: "IncompleteSignatureException", message: "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "expired", req: signed(t, sigv4.HeaderForm, errNow), opts: func(o *sigv4.Options) { o.Now = func() time.Time { return later } },
			status: 403, typ: "InvalidSignatureException", message: "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)"},
		{name: "not yet current", req: signed(t, sigv4.HeaderForm, later),
			status: 403, typ: "InvalidSignatureException", message: "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)"},
		{name: "host not signed", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "SignedHeaders=host;", "SignedHeaders="),
			status: 403, typ: "InvalidSignatureException", message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "four-part credential", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "/aws4_request", ""),
			status: 403, typ: "IncompleteSignatureException", message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/execute-api'"},
		{name: "wrong region", req: signed(t, sigv4.HeaderForm, errNow, func(o *sigv4.Options) { o.Region = "eu-west-1" }),
			status: 403, typ: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{name: "wrong service", req: signed(t, sigv4.HeaderForm, errNow, func(o *sigv4.Options) { o.Service = "apigateway" }),
			status: 403, typ: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'execute-api'. "},
		{name: "bad terminator", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "aws4_request", "aws5_request"),
			status: 403, typ: "InvalidSignatureException", message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "date mismatch", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "/20150830/", "/20150829/"),
			status: 403, typ: "InvalidSignatureException", message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'."},
		{name: "whole scope wrong", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "/20150830/us-east-1/execute-api/aws4_request", "/b/c/d/e"),
			status: 403, typ: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'execute-api'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20150830', from '20150830T123600Z'."},
		{name: "unknown access key", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "AKIDEXAMPLE", "AKIDUNKNOWN"),
			status: 403, typ: "UnrecognizedClientException", message: "The security token included in the request is invalid."},
		{name: "signature mismatch", req: replaceAuth(signed(t, sigv4.HeaderForm, errNow), "Signature=", "Signature=0"),
			status: 403, typ: "InvalidSignatureException",
			message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
				"The Canonical String for this request should have been\n'GET\n/prod/pets\ntype=dog\nhost:api.example.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\n" +
				"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/execute-api/aws4_request\n" + sha("GET\n/prod/pets\ntype=dog\nhost:api.example.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") + "'\n"},
		{name: "foreign session token", req: func() *http.Request {
			r := signed(t, sigv4.HeaderForm, errNow)
			r.Header.Set("X-Amz-Security-Token", "not-ours")
			return r
		}(),
			status: 403, typ: "UnrecognizedClientException", message: "The security token included in the request is invalid."},
		{name: "query missing parameters", req: withQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z"),
			status: 403, typ: "IncompleteSignatureException", message: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "query other algorithm", req: replaceQuery(signed(t, sigv4.QueryForm, errNow), "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
			status: 403, typ: "MissingAuthenticationTokenException", message: "Missing Authentication Token"},
		{name: "expires zero", req: replaceQuery(signed(t, sigv4.QueryForm, errNow), "X-Amz-Expires=900", "X-Amz-Expires=0"),
			status: 403, typ: "IncompleteSignatureException", message: "X-Amz-Expires must be non-negative"},
		{name: "expires over a week", req: replaceQuery(signed(t, sigv4.QueryForm, errNow), "X-Amz-Expires=900", "X-Amz-Expires=604801"),
			status: 403, typ: "IncompleteSignatureException", message: "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{name: "expires not a number", req: replaceQuery(signed(t, sigv4.QueryForm, errNow), "X-Amz-Expires=900", "X-Amz-Expires=ten"),
			status: 403, typ: "IncompleteSignatureException", message: "X-Amz-Expires should be a number"},
		{name: "presigned expired", req: signed(t, sigv4.QueryForm, errNow), opts: func(o *sigv4.Options) { o.Now = func() time.Time { return errNow.Add(16 * time.Minute) } },
			status: 403, typ: "InvalidSignatureException", message: "Request has expired"},
		{name: "presigned not yet current", req: signed(t, sigv4.QueryForm, later),
			status: 403, typ: "InvalidSignatureException", message: "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)"},
		{name: "body too large", req: func() *http.Request {
			r := httptest.NewRequest("PUT", "https://api.example.com/prod/blob", strings.NewReader(strings.Repeat("x", 11)))
			if _, err := errSigner.Sign(r, errCreds, func(o *sigv4.Options) { o.PayloadHash = sigv4.EmptyPayloadHash }); err != nil {
				t.Fatal(err)
			}
			return r
		}(), opts: func(o *sigv4.Options) { o.MaxBodyBytes = 10 },
			status: 413, message: "Request Too Long"},
	}
	provider := sigv4.StaticCredentials{errCreds.AccessKeyID: errCreds}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*sigv4.Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			res, err := errSigner.Verify(context.Background(), tc.req, provider, opts...)
			var e *sigv4.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %+v; want *sigv4.Error", err, res)
			}
			if e.Status != tc.status || e.Type != tc.typ {
				t.Errorf("got %d %s, want %d %s", e.Status, e.Type, tc.status, tc.typ)
			}
			if e.Message != tc.message {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tc.message)
			}
		})
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum)
}

// TestVerifyProviderError checks that a failing store is a 500 that wraps
// the cause, and that a wrapped not-found is still AWS's 403.
func TestVerifyProviderError(t *testing.T) {
	boom := errors.New("store down")
	r := signed(t, sigv4.HeaderForm, errNow)
	_, err := errSigner.Verify(context.Background(), r, sigv4.CredentialsFunc(func(context.Context, string) (sigv4.Credentials, error) {
		return sigv4.Credentials{}, boom
	}))
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Status != 500 || !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	_, err = errSigner.Verify(context.Background(), r, sigv4.CredentialsFunc(func(_ context.Context, id string) (sigv4.Credentials, error) {
		return sigv4.Credentials{}, fmt.Errorf("key %s: %w", id, sigv4.ErrAccessKeyNotFound)
	}))
	if !errors.As(err, &e) || e.Type != sigv4.TypeUnrecognizedClient || !errors.Is(err, sigv4.ErrAccessKeyNotFound) {
		t.Fatalf("got %v", err)
	}
	// Expired temporary credentials.
	expired := errCreds
	expired.Expires = errNow
	_, err = errSigner.Verify(context.Background(), r, sigv4.StaticCredentials{errCreds.AccessKeyID: expired})
	if !errors.As(err, &e) || e.Type != sigv4.TypeExpiredToken || e.Message != "The security token included in the request is expired" {
		t.Fatalf("got %v", err)
	}
}
