package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/sigv4"
)

var sdkTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

type sdkCase struct {
	name     string
	method   string
	url      string
	header   map[string][]string
	body     string
	token    string
	unsigned bool
}

func sdkCases() []sdkCase {
	return []sdkCase{
		{name: "vanilla", method: "GET", url: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets"},
		{name: "query", method: "GET", url: "https://api.example.com/prod/pets?type=dog&page=2&limit=10"},
		{name: "unicode path", method: "GET", url: "https://api.example.com/prod/%E1%88%B4/r%C3%A9sum%C3%A9"},
		{name: "space in path and query", method: "GET", url: "https://api.example.com/prod/a%20b/c?q=a%20b&r=x+y"},
		{name: "reserved characters", method: "GET", url: "https://api.example.com/prod/a:b/c@d/e$f/g%2Fh?k=%2F%3F%26&m=%E2%9C%93"},
		{name: "repeated query keys", method: "GET", url: "https://api.example.com/prod/items?a=2&a=1&b=&a=10"},
		{name: "session token", method: "GET", url: "https://api.example.com/prod/me", token: "IQoJb3JpZ2luX2VjEA8aCWV1LXdlc3QtMyJHMEUCIQC4kHasZrfnaMezJkcPtDD8YizZlKESas/a5N9juG+wIQIg=="},
		{name: "unsigned payload", method: "PUT", url: "https://api.example.com/prod/blob", body: "large body", unsigned: true,
			header: map[string][]string{"Content-Type": {"application/octet-stream"}}},
		{name: "json body", method: "POST", url: "https://api.example.com/prod/pets", body: `{"name":"Rex","tags":["a b"]}`,
			header: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "header values", method: "GET", url: "https://api.example.com/prod/h",
			header: map[string][]string{"X-Custom": {"  a   b  ", "c"}, "Accept": {"application/json, text/plain, */*"}, "User-Agent": {"curl/8"}}},
		{name: "port", method: "GET", url: "http://127.0.0.1:8080/prod/pets"},
	}
}

func (c sdkCase) request(t *testing.T) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	r, err := http.NewRequest(c.method, c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if c.unsigned {
		r.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
	}
	return r
}

func (c sdkCase) payloadHash() string {
	if c.unsigned {
		return sigv4.UnsignedPayload
	}
	sum := sha256.Sum256([]byte(c.body))
	return hex.EncodeToString(sum[:])
}

func sdkCreds(token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: token}
}

func ourCreds(token string) sigv4.Credentials {
	c := sdkCreds(token)
	return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: token}
}

// TestSignMatchesSDK checks that Sign writes the same headers as
// aws-sdk-go-v2's signer for the same request.
func TestSignMatchesSDK(t *testing.T) {
	sdk := sdkv4.NewSigner()
	ours := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return sdkTime }})
	for _, c := range sdkCases() {
		t.Run(c.name, func(t *testing.T) {
			want := c.request(t)
			if err := sdk.SignHTTP(context.Background(), sdkCreds(c.token), want, c.payloadHash(), "execute-api", "us-east-1", sdkTime); err != nil {
				t.Fatal(err)
			}
			got := c.request(t)
			sg, err := ours.Sign(got, ourCreds(c.token), func(o *sigv4.Options) { o.UnsignedPayload = c.unsigned })
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
				if g, w := got.Header.Get(h), want.Header.Get(h); g != w {
					t.Errorf("%s:\n got %q\nwant %q\ncanonical request:\n%s", h, g, w, sg.CanonicalRequest)
				}
			}
			if got.Host != want.Host && want.Host != "" {
				t.Errorf("Host: got %q want %q", got.Host, want.Host)
			}
		})
	}
}

// verifyServer is a loopback server that verifies every request it gets
// and records the outcome.
type verifyServer struct {
	*httptest.Server
	mu   sync.Mutex
	res  *sigv4.Result
	err  error
	body string
}

func newVerifyServer(t *testing.T, s *sigv4.Signer, provider sigv4.CredentialsProvider, optFns ...func(*sigv4.Options)) *verifyServer {
	vs := &verifyServer{}
	vs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := s.Verify(r.Context(), r, provider, optFns...)
		body, _ := io.ReadAll(r.Body)
		vs.mu.Lock()
		vs.res, vs.err, vs.body = res, err, string(body)
		vs.mu.Unlock()
	}))
	t.Cleanup(vs.Close)
	return vs
}

func (vs *verifyServer) do(t *testing.T, r *http.Request) (*sigv4.Result, string, error) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	vs.mu.Lock()
	defer vs.mu.Unlock()
	return vs.res, vs.body, vs.err
}

// retarget points a signed request at the test server, keeping the Host it
// was signed for: the server sees exactly what API Gateway would.
func retarget(r *http.Request, srv string) {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	r.Host = host
	r.URL.Scheme = "http"
	r.URL.Host = strings.TrimPrefix(srv, "http://")
}

// TestVerifySDKSigned sends requests signed and presigned by aws-sdk-go-v2
// over loopback and verifies them with Verify.
func TestVerifySDKSigned(t *testing.T) {
	sdk := sdkv4.NewSigner()
	ours := sigv4.New(sigv4.Options{Region: "us-east-1", Now: func() time.Time { return sdkTime.Add(time.Minute) }})
	provider := sigv4.StaticCredentials{"AKIDEXAMPLE": ourCreds("")}
	for _, c := range sdkCases() {
		t.Run(c.name, func(t *testing.T) {
			p := provider
			if c.token != "" {
				p = sigv4.StaticCredentials{"AKIDEXAMPLE": ourCreds(c.token)}
			}
			srv := newVerifyServer(t, ours, p)

			r := c.request(t)
			if err := sdk.SignHTTP(context.Background(), sdkCreds(c.token), r, c.payloadHash(), "execute-api", "us-east-1", sdkTime); err != nil {
				t.Fatal(err)
			}
			retarget(r, srv.URL)
			res, body, err := srv.do(t, r)
			if err != nil {
				t.Fatalf("header form: %v", err)
			}
			if res.AccessKeyID != "AKIDEXAMPLE" || res.SessionToken != c.token || res.Form != sigv4.HeaderForm {
				t.Errorf("result: %+v", res)
			}
			if body != c.body {
				t.Errorf("body after verify: got %q want %q", body, c.body)
			}

			if c.body != "" {
				return // presigned URLs carry no body here
			}
			pr := c.request(t)
			uri, hdr, err := sdk.PresignHTTP(context.Background(), sdkCreds(c.token), pr, c.payloadHash(), "execute-api", "us-east-1", sdkTime,
				func(o *sdkv4.SignerOptions) {})
			if err != nil {
				t.Fatal(err)
			}
			get, err := http.NewRequest(c.method, uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range hdr {
				if k != "Host" {
					get.Header[k] = vs
				}
			}
			retarget(get, srv.URL)
			res, _, err = srv.do(t, get)
			if err != nil {
				t.Fatalf("query form: %v\nurl %s", err, uri)
			}
			if res.Form != sigv4.QueryForm || res.SessionToken != c.token {
				t.Errorf("presigned result: %+v", res)
			}
		})
	}
}

// TestRoundTripLoopback signs with Sign and Presign, sends over loopback
// and verifies, including through a host alias.
func TestRoundTripLoopback(t *testing.T) {
	s := sigv4.New(sigv4.Options{Region: "eu-west-3", Now: func() time.Time { return sdkTime }})
	provider := sigv4.StaticCredentials{"AKIDEXAMPLE": ourCreds("tok")}
	srv := newVerifyServer(t, s, provider, func(o *sigv4.Options) { o.Hosts = []string{"", "api.example.com"} })

	r, _ := http.NewRequest("POST", srv.URL+"/prod/a%20b/./c?x=1&x=0", strings.NewReader("hello"))
	if _, err := s.Sign(r, ourCreds("tok")); err != nil {
		t.Fatal(err)
	}
	if res, body, err := srv.do(t, r); err != nil || body != "hello" || res.Host != r.URL.Host {
		t.Fatalf("signed: %v %q %+v", err, body, res)
	}

	// Signed for the public host, sent to the gateway's address (seed 001).
	r, _ = http.NewRequest("GET", "https://api.example.com/prod/pets", nil)
	if _, err := s.Presign(r, ourCreds("tok")); err != nil {
		t.Fatal(err)
	}
	retarget(r, srv.URL)
	r.Host = "" // arrives with the proxy's Host
	res, _, err := srv.do(t, r)
	if err != nil || res.Host != "api.example.com" {
		t.Fatalf("presigned through an alias: %v %+v", err, res)
	}
}
