package awscurl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/awscurl"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Test credentials. The server knows both keys; the temporary one only
// with its session token.
const (
	keyID       = "AKIDTESTEXAMPLE00001"
	secret      = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTSECRET"
	tempKeyID   = "ASIATESTEXAMPLE00002"
	tempSecret  = "tEmPsEcReT/K7MDENG+bPxRfiCYTEMPORARYKEY"
	tempToken   = "IQoJb3JpZ2luX2VjEA8aCXRlc3QtdG9rZW4="
	otherKeyID  = "AKIDPROFILEOTHER0003"
	otherSecret = "pRoFiLeSeCrEt/K7MDENG+bPxRfiCYPROFILE"
)

// awsEnv lists every environment variable through which the AWS SDK could
// find credentials, a region or an endpoint on this machine.
func awsEnv() []string {
	return []string{
		"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_ACCOUNT_ID",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_SDK_LOAD_CONFIG",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	}
}

// isolate clears the AWS environment and points HOME and the shared config
// and credentials files at empty temporary files, so that the user's real
// ~/.aws is never read. It returns the paths of the config and credentials
// files, for the test to fill.
func isolate(t *testing.T) (configFile, credsFile string) {
	t.Helper()
	for _, k := range awsEnv() {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	configFile = filepath.Join(dir, "config")
	credsFile = filepath.Join(dir, "credentials")
	for _, f := range []string{configFile, credsFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	return configFile, credsFile
}

// withEnvCreds isolates the test and sets the long-term test key in the
// environment.
func withEnvCreds(t *testing.T) {
	t.Helper()
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
}

// seen is what the test server reports about a request it verified.
type seen struct {
	Method        string   `json:"method"`
	Path          string   `json:"path"`
	Query         string   `json:"query"`
	Host          string   `json:"host"`
	Body          string   `json:"body"`
	ContentType   string   `json:"contentType"`
	Custom        []string `json:"custom"`
	AccessKeyID   string   `json:"accessKeyId"`
	SessionToken  string   `json:"sessionToken"`
	TokenHeader   string   `json:"tokenHeader"`
	ContentSHA256 string   `json:"contentSha256"`
	SignedHeaders []string `json:"signedHeaders"`
	SignedHost    string   `json:"signedHost"`
	Form          string   `json:"form"`
}

// newServer starts a loopback server that verifies every request with
// sigv4 as API Gateway does (region us-east-1, service execute-api) and
// answers AWS's 403 error or 200 with a JSON description of the request.
// hosts, when given, are the only hosts a signature may be made for
// (sigv4.Options.Hosts). /fixed answers a fixed body, for output tests.
func newServer(t *testing.T, hosts ...string) *httptest.Server {
	t.Helper()
	v := sigv4.New(sigv4.Options{Region: "us-east-1", Service: sigv4.ServiceExecuteAPI, Hosts: hosts})
	provider := sigv4.StaticCredentials{
		keyID:      {AccessKeyID: keyID, SecretAccessKey: secret},
		tempKeyID:  {AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken},
		otherKeyID: {AccessKeyID: otherKeyID, SecretAccessKey: otherSecret},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil // fixed output
		res, err := v.Verify(r.Context(), r, provider)
		if err != nil {
			var e *sigv4.Error
			if !errors.As(err, &e) {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			body, _ := json.Marshal(map[string]string{"message": e.Message})
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", e.Type)
			w.WriteHeader(e.Status)
			w.Write(body)
			return
		}
		switch r.URL.Path {
		case "/fixed":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("X-Test", "ok")
			io.WriteString(w, "hello\n")
			return
		case "/notfound":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"Not Found"}`)
			return
		case "/slow":
			<-r.Context().Done()
			return
		}
		body, _ := io.ReadAll(r.Body)
		out, _ := json.Marshal(seen{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Host: r.Host,
			Body: string(body), ContentType: r.Header.Get("Content-Type"), Custom: r.Header.Values("X-Custom"),
			AccessKeyID: res.AccessKeyID, SessionToken: res.SessionToken,
			TokenHeader: r.Header.Get("X-Amz-Security-Token"), ContentSHA256: r.Header.Get("X-Amz-Content-Sha256"),
			SignedHeaders: res.SignedHeaders, SignedHost: res.Host, Form: res.Form.String(),
		})
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// result is the outcome of one Run.
type result struct {
	code           int
	stdout, stderr string
}

// run runs gatehouse curl with args and stdin.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := awscurl.Run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// mustSeen runs args and decodes the server's description of the request,
// failing unless the request was verified.
func mustSeen(t *testing.T, stdin string, args ...string) seen {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var s seen
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("server did not verify the request: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return s
}

// checkNoSecret fails if any output holds a secret access key.
func checkNoSecret(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{secret, tempSecret, otherSecret} {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("output contains the secret access key %q", s)
		}
	}
}

func TestRun_requests(t *testing.T) {
	dir := t.TempDir()
	dataFile := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(dataFile, []byte("line1\r\nline2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string // the server URL is appended
		path  string
		want  seen // the fields compared: Method, Path, Query, Body, ContentType, Custom
	}{
		{name: "GET with query", args: nil, path: "/prod/pets?type=dog&limit=2&q=a+b",
			want: seen{Method: "GET", Path: "/prod/pets", Query: "type=dog&limit=2&q=a+b"}},
		{name: "GET with encoded path", path: "/prod/a%20b/c",
			want: seen{Method: "GET", Path: "/prod/a%20b/c"}},
		{name: "POST -d string", args: []string{"-d", "name=rex&kind=dog"}, path: "/prod/pets",
			want: seen{Method: "POST", Path: "/prod/pets", Body: "name=rex&kind=dog", ContentType: "application/x-www-form-urlencoded"}},
		{name: "POST --data twice joins with &", args: []string{"--data", "a=1", "--data", "b=2"}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "a=1&b=2", ContentType: "application/x-www-form-urlencoded"}},
		{name: "POST -d @file strips CR LF", args: []string{"-d", "@" + dataFile}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "line1line2", ContentType: "application/x-www-form-urlencoded"}},
		{name: "POST --data-binary @file keeps bytes", args: []string{"--data-binary", "@" + dataFile}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "line1\r\nline2\n", ContentType: "application/x-www-form-urlencoded"}},
		{name: "POST -d @- reads stdin", stdin: `{"name":"rex"}`, args: []string{"-d", "@-", "-H", "Content-Type: application/json"}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: `{"name":"rex"}`, ContentType: "application/json"}},
		{name: "--data-raw keeps @", args: []string{"--data-raw", "@notafile"}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "@notafile", ContentType: "application/x-www-form-urlencoded"}},
		{name: "-X PUT with data", args: []string{"-X", "PUT", "-d", "x"}, path: "/p",
			want: seen{Method: "PUT", Path: "/p", Body: "x", ContentType: "application/x-www-form-urlencoded"}},
		{name: "--request DELETE", args: []string{"--request", "DELETE"}, path: "/p",
			want: seen{Method: "DELETE", Path: "/p"}},
		{name: "-XPATCH attached", args: []string{"-XPATCH", "-d", "x"}, path: "/p",
			want: seen{Method: "PATCH", Path: "/p", Body: "x", ContentType: "application/x-www-form-urlencoded"}},
		{name: "headers are sent and signed", args: []string{"-H", "X-Custom: one", "--header", "x-custom:  two ", "-H", "Content-Type: application/json", "-d", "{}"}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "{}", ContentType: "application/json", Custom: []string{"one", "two"}}},
		{name: "Name: removes a default header", args: []string{"-H", "Content-Type:", "-d", "x"}, path: "/p",
			want: seen{Method: "POST", Path: "/p", Body: "x"}},
		{name: "Name; sends an empty header", args: []string{"-H", "X-Custom;"}, path: "/p",
			want: seen{Method: "GET", Path: "/p", Custom: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withEnvCreds(t)
			srv := newServer(t)
			got := mustSeen(t, tt.stdin, append(tt.args, srv.URL+tt.path)...)
			cmp := seen{Method: got.Method, Path: got.Path, Query: got.Query, Body: got.Body, ContentType: got.ContentType, Custom: got.Custom}
			if fmt.Sprint(cmp) != fmt.Sprint(tt.want) {
				t.Errorf("server saw\n%+v\nwant\n%+v", cmp, tt.want)
			}
			if got.AccessKeyID != keyID || got.Form != "header" {
				t.Errorf("signed by %q in %s form, want %q in header form", got.AccessKeyID, got.Form, keyID)
			}
			if len(got.Custom) > 0 && !strings.Contains(strings.Join(got.SignedHeaders, ";"), "x-custom") {
				t.Errorf("X-Custom not signed: %v", got.SignedHeaders)
			}
		})
	}
}

func TestRun_flagsAfterURL(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	got := mustSeen(t, "", srv.URL+"/p", "--request", "POST", "-H", "X-Custom: after")
	if got.Method != "POST" || len(got.Custom) != 1 || got.Custom[0] != "after" {
		t.Errorf("server saw %+v", got)
	}
}

func TestRun_include(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	r := run(t, "", "-i", srv.URL+"/fixed")
	want := "HTTP/1.1 200 OK\r\n" +
		"Content-Length: 6\r\n" +
		"Content-Type: text/plain\r\n" +
		"X-Test: ok\r\n" +
		"\r\n" +
		"hello\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%q\nwant:\n%q\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}

	r = run(t, "", "-I", srv.URL+"/fixed")
	if want := strings.TrimSuffix(want, "hello\n"); r.code != 0 || r.stdout != want {
		t.Errorf("-I: exit %d, stdout:\n%q\nwant:\n%q", r.code, r.stdout, want)
	}
}

func TestRun_output(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	out := filepath.Join(t.TempDir(), "body.txt")
	r := run(t, "", "-o", out, srv.URL+"/fixed")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "hello\n" {
		t.Errorf("output file: %q, %v", b, err)
	}

	r = run(t, "", "-o", filepath.Join(t.TempDir(), "no", "such", "dir"), srv.URL+"/fixed")
	if r.code != 23 || !strings.HasPrefix(r.stderr, "gatehouse curl: (23) ") {
		t.Errorf("unwritable output: exit %d, stderr %q, want 23", r.code, r.stderr)
	}
}

func TestRun_fail(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	badSecret := func(t *testing.T) { t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret") }
	tests := []struct {
		name       string
		setup      func(*testing.T)
		args       []string
		path       string
		wantCode   int
		wantStdout string // "" means empty; "*" means anything containing wantInBody
		wantInBody string
		wantStderr string
	}{
		{name: "403 without --fail exits 0 with AWS's body", setup: badSecret, path: "/p",
			wantStdout: "*", wantInBody: `{"message":"The request signature we calculated does not match the signature you provided.`},
		{name: "403 with --fail exits 22", setup: badSecret, args: []string{"--fail"}, path: "/p",
			wantCode: 22, wantStderr: "gatehouse curl: (22) the requested URL returned error: 403\n"},
		{name: "404 with -f exits 22", args: []string{"-f"}, path: "/notfound",
			wantCode: 22, wantStderr: "gatehouse curl: (22) the requested URL returned error: 404\n"},
		{name: "-fs is silent", args: []string{"-fs"}, path: "/notfound", wantCode: 22},
		{name: "-fsS shows the error", args: []string{"-fsS"}, path: "/notfound",
			wantCode: 22, wantStderr: "gatehouse curl: (22) the requested URL returned error: 404\n"},
		{name: "--fail-with-body prints the body", args: []string{"--fail-with-body"}, path: "/notfound",
			wantCode: 22, wantStdout: `{"message":"Not Found"}`, wantStderr: "gatehouse curl: (22) the requested URL returned error: 404\n"},
		{name: "--fail with 200 exits 0", args: []string{"--fail"}, path: "/fixed", wantStdout: "hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			r := run(t, "", append(tt.args, srv.URL+tt.path)...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantStdout == "*" {
				if !strings.Contains(r.stdout, tt.wantInBody) {
					t.Errorf("stdout %q does not contain %q", r.stdout, tt.wantInBody)
				}
			} else if r.stdout != tt.wantStdout {
				t.Errorf("stdout %q, want %q", r.stdout, tt.wantStdout)
			}
			if r.stderr != tt.wantStderr {
				t.Errorf("stderr %q, want %q", r.stderr, tt.wantStderr)
			}
			checkNoSecret(t, r)
		})
	}
}

// TestRun_signHost is seed 001: the API accepts only signatures made for
// its own name (api.example.com) while the client connects to another
// address (here 127.0.0.1, a proxy in the seed).
func TestRun_signHost(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t, "api.example.com")

	got := mustSeen(t, "", "--sign-host", "api.example.com", srv.URL+"/prod/pets")
	if got.SignedHost != "api.example.com" || got.Host != "api.example.com" {
		t.Errorf("signed for %q, sent Host %q; want api.example.com for both", got.SignedHost, got.Host)
	}

	// With -H Host, that Host is sent and the signature stays made for
	// --sign-host (a proxy that routes on its own name).
	got = mustSeen(t, "", "--sign-host", "api.example.com", "-H", "Host: proxy.example.net", srv.URL+"/prod/pets")
	if got.SignedHost != "api.example.com" || got.Host != "proxy.example.net" {
		t.Errorf("signed for %q, sent Host %q; want api.example.com and proxy.example.net", got.SignedHost, got.Host)
	}

	// Signed for the address connected to: refused.
	r := run(t, "", "-f", srv.URL+"/prod/pets")
	if r.code != 22 {
		t.Errorf("without --sign-host: exit %d, want 22 (stdout %q, stderr %q)", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", srv.URL+"/prod/pets")
	if !strings.Contains(r.stdout, "The request signature we calculated does not match") {
		t.Errorf("without --sign-host: stdout %q, want AWS's signature mismatch", r.stdout)
	}
}

func TestRun_presign(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		args         []string
		wantInURL    []string
		wantKeyID    string
		wantToken    string
		wantUnsigned bool
	}{
		{name: "default expiry", args: nil,
			wantInURL: []string{"X-Amz-Expires=900", "X-Amz-SignedHeaders=host", "a=1"}, wantKeyID: keyID},
		{name: "--expires", args: []string{"--expires", "60"},
			wantInURL: []string{"X-Amz-Expires=60"}, wantKeyID: keyID},
		{name: "session token", env: map[string]string{"AWS_ACCESS_KEY_ID": tempKeyID, "AWS_SECRET_ACCESS_KEY": tempSecret, "AWS_SESSION_TOKEN": tempToken},
			wantInURL: []string{"X-Amz-Security-Token="}, wantKeyID: tempKeyID, wantToken: tempToken},
		{name: "--unsigned-payload", args: []string{"--unsigned-payload"},
			wantInURL: []string{"X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"}, wantKeyID: keyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withEnvCreds(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			srv := newServer(t)
			r := run(t, "", append(tt.args, "--presign", srv.URL+"/prod/pets?a=1")...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			checkNoSecret(t, r)
			u := strings.TrimSuffix(r.stdout, "\n")
			if !strings.HasPrefix(u, srv.URL+"/prod/pets?a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&") || strings.Contains(u, "\n") {
				t.Fatalf("presigned URL %q", r.stdout)
			}
			for _, s := range tt.wantInURL {
				if !strings.Contains(u, s) {
					t.Errorf("URL %q does not contain %q", u, s)
				}
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var got seen
			if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
				t.Fatalf("GET presigned URL: %s %s", resp.Status, body)
			}
			if got.Form != "query" || got.AccessKeyID != tt.wantKeyID || got.SessionToken != tt.wantToken {
				t.Errorf("verified as form %s, key %q, token %q; want query, %q, %q", got.Form, got.AccessKeyID, got.SessionToken, tt.wantKeyID, tt.wantToken)
			}
		})
	}
}

func TestRun_sessionToken(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", tempKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", tempSecret)
	t.Setenv("AWS_SESSION_TOKEN", tempToken)
	srv := newServer(t)
	got := mustSeen(t, "", srv.URL+"/p")
	if got.TokenHeader != tempToken || got.SessionToken != tempToken || got.AccessKeyID != tempKeyID {
		t.Errorf("X-Amz-Security-Token %q, verified token %q, key %q", got.TokenHeader, got.SessionToken, got.AccessKeyID)
	}
	if !strings.Contains(strings.Join(got.SignedHeaders, ";"), "x-amz-security-token") {
		t.Errorf("token not signed: %v", got.SignedHeaders)
	}
}

func TestRun_unsignedPayload(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	got := mustSeen(t, "", "--unsigned-payload", "-d", "body", srv.URL+"/p")
	if got.ContentSHA256 != sigv4.UnsignedPayload || got.Body != "body" {
		t.Errorf("X-Amz-Content-Sha256 %q, body %q", got.ContentSHA256, got.Body)
	}
}

func TestRun_profile(t *testing.T) {
	configFile, credsFile := isolate(t)
	creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"+
		"[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"+
		"[temp]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n",
		keyID, secret, otherKeyID, otherSecret, tempKeyID, tempSecret, tempToken)
	config := "[default]\nregion = us-east-1\n\n[profile other]\nregion = us-east-1\n\n[profile west]\nregion = eu-west-1\n"
	if err := os.WriteFile(credsFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)

	if got := mustSeen(t, "", srv.URL+"/p"); got.AccessKeyID != keyID {
		t.Errorf("default profile: key %q, want %q", got.AccessKeyID, keyID)
	}
	if got := mustSeen(t, "", "--profile", "other", srv.URL+"/p"); got.AccessKeyID != otherKeyID {
		t.Errorf("--profile other: key %q, want %q", got.AccessKeyID, otherKeyID)
	}
	if got := mustSeen(t, "", "--profile", "temp", srv.URL+"/p"); got.AccessKeyID != tempKeyID || got.TokenHeader != tempToken {
		t.Errorf("--profile temp: key %q token %q", got.AccessKeyID, got.TokenHeader)
	}

	r := run(t, "", "--profile", "nosuch", srv.URL+"/p")
	if r.code != 2 || !strings.HasPrefix(r.stderr, "gatehouse curl: load AWS config: ") || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("--profile nosuch: exit %d, stderr %q; want 2 naming the profile", r.code, r.stderr)
	}

	t.Run("AWS_PROFILE", func(t *testing.T) {
		t.Setenv("AWS_PROFILE", "other")
		if got := mustSeen(t, "", srv.URL+"/p"); got.AccessKeyID != otherKeyID {
			t.Errorf("key %q, want %q", got.AccessKeyID, otherKeyID)
		}
	})
}

func TestRun_region(t *testing.T) {
	configFile, credsFile := isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	if err := os.WriteFile(configFile, []byte("[profile west]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A profile named explicitly takes its credentials from the files,
	// not from the environment (as the aws CLI does).
	westCreds := fmt.Sprintf("[west]\naws_access_key_id = %s\naws_secret_access_key = %s\n", keyID, secret)
	if err := os.WriteFile(credsFile, []byte(westCreds), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)
	scope := func(t *testing.T, args ...string) string {
		t.Helper()
		r := run(t, "", append(args, "--presign", srv.URL+"/p")...)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		_, after, _ := strings.Cut(r.stdout, "X-Amz-Credential="+keyID+"%2F")
		parts := strings.Split(after, "%2F")
		if len(parts) < 3 {
			t.Fatalf("no credential scope in %q", r.stdout)
		}
		return parts[1] + " " + parts[2]
	}
	if got := scope(t); got != "us-east-1 execute-api" {
		t.Errorf("default: %s", got)
	}
	if got := scope(t, "--profile", "west"); got != "eu-west-1 execute-api" {
		t.Errorf("profile region: %s", got)
	}
	if got := scope(t, "--profile", "west", "--region", "ap-south-1", "--service", "lambda"); got != "ap-south-1 lambda" {
		t.Errorf("--region and --service: %s", got)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	if got := scope(t); got != "us-west-2 execute-api" {
		t.Errorf("AWS_REGION: %s", got)
	}
}

func TestRun_missingCredentials(t *testing.T) {
	isolate(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()

	start := time.Now()
	r := run(t, "", srv.URL+"/p")
	if r.code != 2 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", r.code, r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "gatehouse curl: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Errorf("stderr %q", r.stderr)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the request was sent %d times without credentials", n)
	}
	// IMDS is disabled: the chain gives up at once instead of waiting for
	// 169.254.169.254.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// -s does not hide it.
	if r := run(t, "", "-s", srv.URL+"/p"); r.code != 2 || r.stderr == "" {
		t.Errorf("-s: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRun_containerCredentials uses the SDK's container-credentials
// provider: a loopback endpoint works, and any other address is refused
// before a connection is attempted.
func TestRun_containerCredentials(t *testing.T) {
	isolate(t)
	credSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"AccessKeyId":%q,"SecretAccessKey":%q,"Token":%q,"Expiration":%q}`,
			tempKeyID, tempSecret, tempToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer credSrv.Close()
	srv := newServer(t)

	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", credSrv.URL+"/creds")
	if got := mustSeen(t, "", srv.URL+"/p"); got.AccessKeyID != tempKeyID || got.TokenHeader != tempToken {
		t.Errorf("key %q token %q", got.AccessKeyID, got.TokenHeader)
	}

	// 203.0.113.1 is TEST-NET-3: the dialer's guard refuses it before
	// connect, so no packet leaves the machine.
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://203.0.113.1/creds")
	r := run(t, "", "--max-time", "20", srv.URL+"/p")
	if r.code != 2 || !strings.Contains(r.stderr, "only lets the AWS credential chain reach loopback addresses") {
		t.Errorf("exit %d, stderr %q; want 2 and the loopback guard", r.code, r.stderr)
	}
}

func TestRun_connectionRefused(t *testing.T) {
	withEnvCreds(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := run(t, "", "http://"+addr+"/p")
	if r.code != 7 || !strings.HasPrefix(r.stderr, "gatehouse curl: (7) failed to connect to "+addr+": ") {
		t.Errorf("exit %d, stderr %q; want 7", r.code, r.stderr)
	}
	if r := run(t, "", "-s", "http://"+addr+"/p"); r.code != 7 || r.stderr != "" {
		t.Errorf("-s: exit %d, stderr %q; want 7 and nothing", r.code, r.stderr)
	}
}

func TestRun_maxTime(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	start := time.Now()
	r := run(t, "", "--max-time", "0.3", srv.URL+"/slow")
	if r.code != 28 || !strings.HasPrefix(r.stderr, "gatehouse curl: (28) operation timed out after 300ms") {
		t.Errorf("exit %d, stderr %q; want 28", r.code, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestRun_verbose(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", tempKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", tempSecret)
	t.Setenv("AWS_SESSION_TOKEN", tempToken)
	srv := newServer(t)
	r := run(t, "", "-v", "-d", "x=1", srv.URL+"/prod/pets?b=2&a=1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkNoSecret(t, r)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, want := range []string{
		"* Credentials: access key " + tempKeyID + " from EnvConfigCredentials, with a session token\n",
		"* Signing for host " + host + ", region us-east-1, service execute-api (header form)\n",
		"* Canonical request:\n*   POST\n*   /prod/pets\n*   a=1&b=2\n*   accept:*/*\n*   content-length:3\n*   content-type:application/x-www-form-urlencoded\n*   host:" + host + "\n",
		"*   x-amz-security-token:" + tempToken + "\n*\n*   accept;content-length;content-type;host;x-amz-date;x-amz-security-token\n",
		"* String to sign:\n*   AWS4-HMAC-SHA256\n",
		"> POST /prod/pets?b=2&a=1 HTTP/1.1\n> Host: " + host + "\n",
		"> Authorization: AWS4-HMAC-SHA256 Credential=" + tempKeyID + "/",
		"< HTTP/1.1 200 OK\n< Content-Length: ",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
		}
	}
}

func TestRun_usage(t *testing.T) {
	isolate(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no URL", []string{"-v"}, "gatehouse curl: no URL specified\n"},
		{"unknown long flag", []string{"--nope", "http://127.0.0.1/"}, "gatehouse curl: option --nope: is unknown\n"},
		{"unknown short flag", []string{"-Z", "http://127.0.0.1/"}, "gatehouse curl: option -Z: is unknown\n"},
		{"missing value", []string{"http://127.0.0.1/", "-X"}, "gatehouse curl: option -X: requires a value (method)\n"},
		{"bad header", []string{"-H", "nocolon", "http://127.0.0.1/"}, "gatehouse curl: option --header: \"nocolon\" is not 'Name: value'\n"},
		{"bad max-time", []string{"--max-time", "soon", "http://127.0.0.1/"}, "gatehouse curl: option --max-time: \"soon\" is not a positive number of seconds\n"},
		{"bad expires", []string{"--presign", "--expires", "604801", "http://127.0.0.1/"}, "gatehouse curl: option --expires: \"604801\" is not a whole number of seconds from 1 to 604800\n"},
		{"expires without presign", []string{"--expires", "60", "http://127.0.0.1/"}, "gatehouse curl: option --expires: only with --presign\n"},
		{"two URLs", []string{"http://127.0.0.1/a", "http://127.0.0.1/b"}, "gatehouse curl: one URL at a time, got 2: http://127.0.0.1/a http://127.0.0.1/b\n"},
		{"bad sign-host", []string{"--sign-host", "https://api.example.com/", "http://127.0.0.1/"}, "gatehouse curl: option --sign-host: \"https://api.example.com/\" is not host[:port]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", tt.args...)
			want := tt.want + "gatehouse curl: try 'gatehouse curl --help' for more information\n"
			if r.code != 2 || r.stderr != want || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", r.code, r.stderr, r.stdout, want)
			}
		})
	}

	r := run(t, "", "--help")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: gatehouse curl [flags] URL\n") || !strings.Contains(r.stdout, "--sign-host host[:port]") {
		t.Errorf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestRun_badURL(t *testing.T) {
	withEnvCreds(t)
	tests := []struct {
		url  string
		code int
	}{
		{"ftp://127.0.0.1/x", 1},
		{"http://[::1/x", 3},
		{"http:///x", 3},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if r := run(t, "", tt.url); r.code != tt.code || !strings.HasPrefix(r.stderr, "gatehouse curl: ") {
				t.Errorf("exit %d, stderr %q; want %d", r.code, r.stderr, tt.code)
			}
		})
	}
}

func TestRun_readDataError(t *testing.T) {
	withEnvCreds(t)
	r := run(t, "", "-d", "@"+filepath.Join(t.TempDir(), "missing"), "http://127.0.0.1:1/")
	if r.code != 26 || !strings.HasPrefix(r.stderr, "gatehouse curl: (26) read data: ") {
		t.Errorf("exit %d, stderr %q; want 26", r.code, r.stderr)
	}
}

// TestRun_presignHeaders: headers given with --presign are signed, the
// user is told so, and the URL verifies when they are sent.
func TestRun_presignHeaders(t *testing.T) {
	withEnvCreds(t)
	srv := newServer(t)
	r := run(t, "", "--presign", "-H", "X-Custom: v", srv.URL+"/p")
	if r.code != 0 || r.stderr != "gatehouse curl: note: the URL signs the headers host, x-custom; send them with the same values\n" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSpace(r.stdout), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Custom", "v")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the header: %s", resp.Status)
	}
	resp, err = http.Get(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the header: %s, want 403", resp.Status)
	}

	if r := run(t, "", "-s", "--presign", "-H", "X-Custom: v", srv.URL+"/p"); r.code != 0 || r.stderr != "" {
		t.Errorf("-s: exit %d, stderr %q", r.code, r.stderr)
	}
}
