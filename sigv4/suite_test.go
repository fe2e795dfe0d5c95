package sigv4_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

// suiteDir is the AWS SigV4 test suite (aws-c-auth), shared by the
// project and never copied into it.
const suiteDir = "../../shared/testdata/aws-signing-test-suite/v4"

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int    `json:"expiration_in_seconds"`
	Normalize        bool   `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	Timestamp        string `json:"timestamp"`
	OmitSessionToken bool   `json:"omit_session_token"`
}

// suiteRequest is a request.txt: raw request target, headers in order
// (names as written) and body.
type suiteRequest struct {
	method, target string
	headers        [][2]string
	body           string
}

func parseSuiteRequest(t *testing.T, text string) suiteRequest {
	t.Helper()
	var r suiteRequest
	head, body, _ := strings.Cut(text, "\n\n")
	r.body = body
	lines := strings.Split(head, "\n")
	first := lines[0]
	sp := strings.IndexByte(first, ' ')
	if sp < 0 || !strings.HasSuffix(first, " HTTP/1.1") {
		t.Fatalf("bad request line %q", first)
	}
	r.method = first[:sp]
	r.target = strings.TrimSuffix(first[sp+1:], " HTTP/1.1")
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			r.headers[len(r.headers)-1][1] += "\n" + l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		r.headers = append(r.headers, [2]string{name, value})
	}
	return r
}

// httpRequest builds the *http.Request a server would hand over for r:
// RequestURI is the raw target, Host is out of the header map.
func (r suiteRequest) httpRequest() *http.Request {
	path, query, _ := strings.Cut(r.target, "?")
	req := &http.Request{
		Method:     r.method,
		RequestURI: path,
		URL:        &url.URL{Path: path, RawQuery: query},
		Header:     http.Header{},
		Body:       http.NoBody,
	}
	if query != "" {
		req.RequestURI += "?" + query
	}
	for _, h := range r.headers {
		if strings.EqualFold(h[0], "host") {
			req.Host = h[1]
			continue
		}
		// Names as written: the canonicalization must not depend on case.
		req.Header[h[0]] = append(req.Header[h[0]], h[1])
	}
	if r.body != "" {
		req.Body = io.NopCloser(strings.NewReader(r.body))
		req.ContentLength = int64(len(r.body))
	}
	return req
}

// headerMultiset is the headers of a request as "lowercase-name:value",
// sorted: the suite compares headers as an unordered multiset.
func headerMultiset(host string, h http.Header) []string {
	var out []string
	if host != "" {
		out = append(out, "host:"+host)
	}
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, strings.ToLower(k)+":"+v)
		}
	}
	slices.Sort(out)
	return out
}

func suiteMultiset(r suiteRequest) []string {
	var out []string
	for _, h := range r.headers {
		out = append(out, strings.ToLower(h[0])+":"+h[1])
	}
	slices.Sort(out)
	return out
}

func querySet(q string) []string {
	out := strings.Split(q, "&")
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r", "")
}

// TestSuite runs every case of the AWS SigV4 test suite in both forms:
// canonical request, string to sign, signature and signed request must
// match byte for byte, Verify must accept the signed request and refuse it
// tampered with.
func TestSuite(t *testing.T) {
	cases, err := os.ReadDir(suiteDir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("AWS signing test suite not found at %s (it lives in the shared testdata beside the repository)", suiteDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		dir := filepath.Join(suiteDir, c.Name())
		if _, err := os.Stat(filepath.Join(dir, "header-signature.txt")); err != nil {
			continue // incomplete case (see the suite's README)
		}
		n++
		for _, form := range []sigv4.Form{sigv4.HeaderForm, sigv4.QueryForm} {
			t.Run(c.Name()+"/"+form.String(), func(t *testing.T) {
				t.Parallel()
				runSuiteCase(t, dir, form)
			})
		}
	}
	if n != 38 {
		t.Errorf("ran %d v4 cases, the suite has 38", n)
	}
}

func runSuiteCase(t *testing.T, dir string, form sigv4.Form) {
	var sc suiteContext
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "context.json"))), &sc); err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, sc.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	creds := sigv4.Credentials{
		AccessKeyID:     sc.Credentials.AccessKeyID,
		SecretAccessKey: sc.Credentials.SecretAccessKey,
		SessionToken:    sc.Credentials.Token,
	}
	opts := sigv4.Options{
		Region:               sc.Region,
		Service:              sc.Service,
		Now:                  func() time.Time { return ts },
		DisableNormalization: !sc.Normalize,
		OmitSessionToken:     sc.OmitSessionToken,
		Expires:              time.Duration(sc.Expiration) * time.Second,
		ContentSHA256Header:  sc.SignBody && form == sigv4.HeaderForm,
	}
	signer := sigv4.New(opts)
	prefix := form.String() + "-"
	want := func(name string) string { return readFile(t, filepath.Join(dir, prefix+name)) }

	in := parseSuiteRequest(t, readFile(t, filepath.Join(dir, "request.txt")))
	req := in.httpRequest()
	var sg *sigv4.Signing
	if form == sigv4.HeaderForm {
		sg, err = signer.Sign(req, creds)
	} else {
		sg, err = signer.Presign(req, creds)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, w := sg.CanonicalRequest, want("canonical-request.txt"); got != w {
		t.Errorf("canonical request:\n got %q\nwant %q", got, w)
	}
	if got, w := sg.StringToSign, want("string-to-sign.txt"); got != w {
		t.Errorf("string to sign:\n got %q\nwant %q", got, w)
	}
	if got, w := sg.Signature, want("signature.txt"); got != w {
		t.Errorf("signature: got %s want %s", got, w)
	}

	signedText := want("signed-request.txt")
	exp := parseSuiteRequest(t, signedText)
	expPath, expQuery, _ := strings.Cut(exp.target, "?")
	gotPath, _, _ := strings.Cut(req.RequestURI, "?")
	if req.Method != exp.method || gotPath != expPath {
		t.Errorf("signed request line: got %s %s want %s %s", req.Method, gotPath, exp.method, expPath)
	}
	if got, w := querySet(req.URL.RawQuery), querySet(expQuery); !slices.Equal(got, w) {
		t.Errorf("signed query:\n got %q\nwant %q", got, w)
	}
	if got, w := headerMultiset(req.Host, req.Header), suiteMultiset(exp); !slices.Equal(got, w) {
		t.Errorf("signed headers:\n got %q\nwant %q", got, w)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != exp.body {
		t.Errorf("body after signing: got %q want %q", body, exp.body)
	}

	// Verify the expected signed request, as it would arrive.
	provider := sigv4.StaticCredentials{creds.AccessKeyID: creds}
	arrived := exp.httpRequest()
	res, err := signer.Verify(context.Background(), arrived, provider)
	if sc.OmitSessionToken && form == sigv4.QueryForm {
		// The token was added to the query after signing, but a verifier
		// signs every parameter but X-Amz-Signature, as AWS does: the
		// signature cannot match.
		var e *sigv4.Error
		if !errors.As(err, &e) || e.Type != sigv4.TypeInvalidSignature {
			t.Fatalf("verify of a URL with an unsigned token: got %v, want InvalidSignatureException", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if res.AccessKeyID != creds.AccessKeyID || res.SessionToken != creds.SessionToken || !res.SigningTime.Equal(ts) {
		t.Errorf("verify result: %+v", res)
	}
	rest, _ := io.ReadAll(arrived.Body)
	if string(rest) != exp.body {
		t.Errorf("body after verify: got %q want %q", rest, exp.body)
	}

	// Tampered: one more query parameter.
	tampered := exp.httpRequest()
	tampered.URL.RawQuery = strings.TrimPrefix(tampered.URL.RawQuery+"&tampered=1", "&")
	tampered.RequestURI = expPath + "?" + tampered.URL.RawQuery
	_, err = signer.Verify(context.Background(), tampered, provider)
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Type != sigv4.TypeInvalidSignature || !strings.Contains(e.Message, "tampered=1") {
		t.Fatalf("verify of a tampered request: got %v, want a mismatch quoting the canonical request", err)
	}
	if e.CanonicalRequest == "" || !strings.Contains(e.Message, "\n\nThe String-to-Sign should have been\n'"+e.StringToSign+"'\n") {
		t.Errorf("mismatch error does not quote the string to sign: %q", e.Message)
	}
}
