package sigv4_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

// Example signs a request as a client would and verifies it as the
// gateway does.
func Example() {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	s := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }})
	creds := sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

	r := httptest.NewRequest("GET", "https://api.example.com/prod/pets?type=dog", nil)
	if _, err := s.Sign(r, creds); err != nil {
		panic(err)
	}
	fmt.Println(r.Header.Get("Authorization"))

	res, err := s.Verify(context.Background(), r, sigv4.StaticCredentials{creds.AccessKeyID: creds})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.AccessKeyID, res.CredentialScope, res.SignedHeaders)
	// Output:
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=d97037b705bb51b4c06834e7d76dbc6186a0ef3685d35618d8485e8cb774c755
	// AKIDEXAMPLE 20150830/us-east-1/execute-api/aws4_request [host x-amz-date]
}

// ExampleSigner_Verify_error shows the error a refused request gets: its
// status, x-amzn-ErrorType and message are API Gateway's.
func ExampleSigner_Verify_error() {
	now := time.Date(2015, 8, 30, 12, 46, 0, 0, time.UTC)
	s := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }})
	creds := sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}

	r := httptest.NewRequest("GET", "https://api.example.com/prod/pets", nil)
	signedAt := func(o *sigv4.Options) { o.Now = func() time.Time { return now.Add(-10 * time.Minute) } }
	if _, err := s.Sign(r, creds, signedAt); err != nil {
		panic(err)
	}
	_, err := s.Verify(context.Background(), r, sigv4.StaticCredentials{creds.AccessKeyID: creds})
	var e *sigv4.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Type)
		fmt.Println(e.Message)
	}
	// Output:
	// 403 InvalidSignatureException
	// Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)
}

// ExampleSigner_Presign makes a presigned URL.
func ExampleSigner_Presign() {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	s := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }, Expires: time.Hour})
	creds := sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

	r := httptest.NewRequest("GET", "https://api.example.com/prod/pets", nil)
	if _, err := s.Presign(r, creds); err != nil {
		panic(err)
	}
	fmt.Println(r.URL.String())
	// Output:
	// https://api.example.com/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=4bcc6d1f2d09778edaf1b8d5c3d0e2077b3bdb656edb19d48cd60e466212d50f
}

// ExampleSigner_Build prints the canonical request and the string to sign,
// as an --explain mode would.
func ExampleSigner_Build() {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	s := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }})
	creds := sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}

	r := httptest.NewRequest("GET", "https://api.example.com/prod/a%20b/./c?z=1&a=x+y", nil)
	sg, err := s.Build(r, creds, sigv4.HeaderForm)
	if err != nil {
		panic(err)
	}
	fmt.Println(sg.CanonicalRequest)
	// Output:
	// GET
	// /prod/a%2520b/c
	// a=x%20y&z=1
	// host:api.example.com
	// x-amz-date:20150830T123600Z
	//
	// host;x-amz-date
	// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}
