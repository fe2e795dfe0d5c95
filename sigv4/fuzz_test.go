package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

// fuzzSigner verifies at the suite's time, so fuzzed inputs built from the
// seeds get past the clock checks.
func fuzzSigner() *sigv4.Signer {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	return sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }, KeyCacheSize: 8})
}

var fuzzProvider = sigv4.StaticCredentials{"AKIDEXAMPLE": {SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}

// checkErr is the property: any refusal is a *sigv4.Error with a status.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Status == 0 || e.Message == "" {
		t.Fatalf("error %v (%T) is not a complete *sigv4.Error", err, err)
	}
}

// FuzzParseAuthorization feeds arbitrary Authorization and X-Amz-Date
// headers to ParseAuthorization, ParseScope and Verify: they must never
// panic, and every error must be a *sigv4.Error.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20150830T123600Z")
	s := fuzzSigner()
	f.Fuzz(func(t *testing.T, authz, date string) {
		h := http.Header{}
		h.Set("X-Amz-Date", date)
		for _, legacy := range []bool{false, true} {
			a, err := sigv4.ParseAuthorization(authz, h, legacy)
			checkErr(t, err)
			if err == nil {
				_, err = sigv4.ParseScope(a.Credential)
				checkErr(t, err)
			}
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/prod/x"}, Host: "h", Header: h.Clone(), Body: http.NoBody}
		r.Header["Authorization"] = []string{authz}
		_, err := s.Verify(context.Background(), r, fuzzProvider)
		checkErr(t, err)
	})
}

// FuzzParsePresigned feeds arbitrary raw queries to ParsePresigned and
// Verify: they must never panic, and every error must be a *sigv4.Error.
func FuzzParsePresigned(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=60&X-Amz-Signature=00")
	s := fuzzSigner()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		a, err := sigv4.ParsePresigned(rawQuery)
		checkErr(t, err)
		if err == nil {
			_, err = sigv4.ParseScope(a.Credential)
			checkErr(t, err)
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/prod/x", RawQuery: rawQuery}, Host: "h", Header: http.Header{}, Body: http.NoBody}
		_, err = s.Verify(context.Background(), r, fuzzProvider)
		checkErr(t, err)
	})
}
