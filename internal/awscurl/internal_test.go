package awscurl

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // fmt %+v of selected fields
	}{
		{"URL only", []string{"http://h/p"},
			"url=http://h/p method= headers=[] data=[] include=false silent=false showError=false fail=false verbose=false"},
		{"cluster of switches", []string{"-sSifv", "http://h/p"},
			"url=http://h/p method= headers=[] data=[] include=true silent=true showError=true fail=true verbose=true"},
		{"value attached to a cluster", []string{"-sXPOST", "http://h/p"},
			"url=http://h/p method=POST headers=[] data=[] include=false silent=true showError=false fail=false verbose=false"},
		{"--long=value and flags after the URL", []string{"http://h/p", "--request=PUT", "-H", "A: b", "--header", "C;"},
			"url=http://h/p method=PUT headers=[A: b C;] data=[] include=false silent=false showError=false fail=false verbose=false"},
		{"data kinds in order", []string{"-d", "@f", "--data-binary", "@-", "--data-raw", "@x", "h"},
			"url=h method= headers=[] data=[{0 @f} {1 @-} {2 @x}] include=false silent=false showError=false fail=false verbose=false"},
		{"value that looks like a flag", []string{"-d", "-x", "h"},
			"url=h method= headers=[] data=[{0 -x}] include=false silent=false showError=false fail=false verbose=false"},
		{"-- ends flags", []string{"-i", "--", "-weird-host"},
			"url=-weird-host method= headers=[] data=[] include=true silent=false showError=false fail=false verbose=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("url=%s method=%s headers=%v data=%v include=%v silent=%v showError=%v fail=%v verbose=%v",
				o.url, o.method, o.headers, o.data, o.include, o.silent, o.showError, o.fail, o.verbose)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseArgs_values(t *testing.T) {
	o, err := parseArgs([]string{"-m", "1.5", "--expires", "60", "--presign", "--region", "eu-west-1",
		"--service", "lambda", "--profile", "p", "--sign-host", "api.example.com:8443", "-o", "out",
		"--unsigned-payload", "-k", "--fail-with-body", "-I", "u"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%v %v %v %s %s %s %s %s %v %v %v %v %v",
		o.maxTime, o.expires, o.presign, o.region, o.service, o.profile, o.signHost, o.output,
		o.unsigned, o.insecure, o.fail, o.failBody, o.head)
	want := "1.5s 1m0s true eu-west-1 lambda p api.example.com:8443 out true true true true true"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestFlagDefs_allSettable checks that set knows every flag of the table.
func TestFlagDefs_allSettable(t *testing.T) {
	values := map[string]string{"max-time": "1", "expires": "1", "sign-host": "h", "header": "A: b", "request": "GET"}
	for _, d := range flagDefs() {
		v := ""
		if d.arg != "" {
			v = values[d.long]
			if v == "" {
				v = "x"
			}
		}
		if err := (&options{}).set(d.long, v); err != nil {
			t.Errorf("--%s: %v", d.long, err)
		}
		if !strings.Contains(usageText(), "--"+d.long) {
			t.Errorf("usage does not mention --%s", d.long)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:4566", true},
		{"127.0.0.53:53", true},
		{"[::1]:80", true},
		{"169.254.169.254:80", false}, // EC2 instance metadata
		{"169.254.170.2:80", false},   // ECS task metadata
		{"203.0.113.1:443", false},
		{"[2001:db8::1]:443", false},
		{"localhost:80", false}, // only resolved addresses reach Control
		{"garbage", false},
	}
	for _, tt := range tests {
		err := loopbackOnly("tcp", tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("loopbackOnly(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
		if err != nil && tt.addr != "garbage" && !errors.Is(err, errNotLoopback) {
			t.Errorf("loopbackOnly(%s) = %v, want errNotLoopback", tt.addr, err)
		}
	}
}

// TestCredentialsHTTPClient_refusesRemote dials through the SDK client the
// credential chain uses: the guard fails the connection before it is
// attempted.
func TestCredentialsHTTPClient_refusesRemote(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := newGetRequest(ctx, "http://203.0.113.1/latest/meta-data/")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := credentialsHTTPClient().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("request to 203.0.113.1 succeeded")
	}
	if !errors.Is(err, errNotLoopback) {
		t.Errorf("err = %v, want errNotLoopback", err)
	}
}

func TestClassify(t *testing.T) {
	u := &url.URL{Scheme: "https", Host: "api.example.com"}
	o := &options{maxTime: time.Second}
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: u.String(), Err: err} }
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"dns", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example.com", IsNotFound: true}}), exitResolve},
		{"refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}), exitConnect},
		{"deadline", wrap(context.DeadlineExceeded), exitTimeout},
		{"unknown authority", wrap(x509.UnknownAuthorityError{}), exitPeerCert},
		{"hostname", wrap(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}), exitPeerCert},
		{"empty reply", wrap(io.EOF), exitEmptyReply},
		{"other", wrap(errors.New("boom")), exitRecv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(context.Background(), o, u, tt.err)
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit %d (%v), want %d", got, err, tt.code)
			}
			if strings.Contains(err.Error(), `Get "`) {
				t.Errorf("message repeats the url.Error: %v", err)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in, name, value string
		empty, bad      bool
	}{
		{in: "A: b", name: "A", value: "b"},
		{in: "A:b:c", name: "A", value: "b:c"},
		{in: "  A :  b  ", name: "A", value: "b"},
		{in: "A:", name: "A"},
		{in: "A;", name: "A", empty: true},
		{in: "A", bad: true},
		{in: "A B: c", bad: true},
		{in: ": c", bad: true},
	}
	for _, tt := range tests {
		name, value, empty, err := parseHeader(tt.in)
		if (err != nil) != tt.bad || name != tt.name || value != tt.value || empty != tt.empty {
			t.Errorf("parseHeader(%q) = %q, %q, %v, %v", tt.in, name, value, empty, err)
		}
	}
}

// TestExplain_fixedTime checks the whole -v explanation for a fixed
// signing time, and that it never holds the secret.
func TestExplain_fixedTime(t *testing.T) {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	var stderr strings.Builder
	e := &env{stderr: &stderr, now: func() time.Time { return now }}
	o := &options{url: "https://api.example.com/prod/pets?type=dog", presign: true}
	req, _, err := e.buildRequest(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	id := &awsIdentity{region: "us-east-1", source: "test",
		creds: credsForTest("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")}
	sg, err := e.signer(o, id).Build(req, id.creds, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.explain(req, o, id, sg)
	want := `* Credentials: access key AKIDEXAMPLE from test
* Signing for host api.example.com, region us-east-1, service execute-api (header form)
* Canonical request:
*   GET
*   /prod/pets
*   type=dog
*   host:api.example.com
*   x-amz-date:20150830T123600Z
*
*   host;x-amz-date
*   e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
* String to sign:
*   AWS4-HMAC-SHA256
*   20150830T123600Z
*   20150830/us-east-1/execute-api/aws4_request
*   ` + sha256Hex(sg.CanonicalRequest) + "\n"
	if got := stderr.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(stderr.String(), "EXAMPLEKEY") {
		t.Error("explanation contains the secret")
	}
}

func newGetRequest(ctx context.Context, u string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
}

func credsForTest(id, secret string) sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
