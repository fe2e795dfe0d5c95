package sigv4_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42?type=dog&page=2", nil)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0")
	return r
}

func benchSigner() *sigv4.Signer {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	return sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return now }})
}

var benchCreds = sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

// BenchmarkSign measures signing a GET with three headers (warm key cache).
func BenchmarkSign(b *testing.B) {
	s := benchSigner()
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(r, benchCreds); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures verifying a header-form GET with a warm
// signing-key cache: the cost per request on the gateway.
func BenchmarkVerify(b *testing.B) {
	s := benchSigner()
	r := benchRequest()
	if _, err := s.Sign(r, benchCreds); err != nil {
		b.Fatal(err)
	}
	provider := sigv4.StaticCredentials{benchCreds.AccessKeyID: benchCreds}
	ctx := context.Background()
	if _, err := s.Verify(ctx, r, provider); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(ctx, r, provider); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify_presigned measures verifying a presigned URL (warm
// cache).
func BenchmarkVerify_presigned(b *testing.B) {
	s := benchSigner()
	r := benchRequest()
	if _, err := s.Presign(r, benchCreds); err != nil {
		b.Fatal(err)
	}
	r.RequestURI = r.URL.RequestURI()
	provider := sigv4.StaticCredentials{benchCreds.AccessKeyID: benchCreds}
	ctx := context.Background()
	if _, err := s.Verify(ctx, r, provider); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(ctx, r, provider); err != nil {
			b.Fatal(err)
		}
	}
}
