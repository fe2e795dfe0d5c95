package lambda

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// invokeAPIServer is a Lambda Invoke API (2015-03-31) written for the tests:
// POST /2015-03-31/functions/{name}/invocations runs a real local function
// through Host.Invoke and answers as Lambda does. A few names answer
// canned failures that a Host cannot produce.
type invokeAPIServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seenRequest
}

// seenRequest is what the server saw of one request (no body kept beyond
// the test).
type seenRequest struct {
	Name   string
	Header http.Header
	Body   []byte
}

// Names served without a Host.
const (
	fakeServiceError = "service-error" // 500 ServiceException
	fakeBadGateway   = "bad-gateway"   // 502 with an HTML body, as a proxy in front would send
	fakeHandled      = "handled"       // 200 with X-Amz-Function-Error: Handled
)

func newInvokeAPIServer(t *testing.T, h *Host) *invokeAPIServer {
	t.Helper()
	s := &invokeAPIServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, seenRequest{Name: name, Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
		w.Header().Set("X-Amzn-Requestid", "11111111-2222-4333-8444-555555555555")
		switch name {
		case fakeServiceError:
			writeAWSError(w, http.StatusInternalServerError, "ServiceException", "Lambda was unable to process the request.")
			return
		case fakeBadGateway:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
			return
		case fakeHandled:
			w.Header().Set("X-Amz-Function-Error", Handled)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"errorMessage":"legacy failure","errorType":"Error"}`)
			return
		}
		res, fe, err := h.Invoke(r.Context(), name, body)
		var ie *InvokeError
		switch {
		case errors.As(err, &ie):
			writeAWSError(w, ie.Code.StatusCode(), string(ie.Code), ie.Message)
			return
		case err != nil: // the client went away
			writeAWSError(w, http.StatusInternalServerError, string(CodeService), err.Error())
			return
		case fe != nil:
			w.Header().Set("X-Amz-Function-Error", fe.Kind)
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(res)
	})
	s.Server = httptest.NewServer(mux) // 127.0.0.1:0
	t.Cleanup(s.Close)
	return s
}

// writeAWSError writes Lambda's REST-JSON error: the type in
// X-Amzn-ErrorType, {"Type","message"} in the body, and for throttling the
// Reason Lambda gives.
func writeAWSError(w http.ResponseWriter, status int, errType, message string) {
	doc := map[string]string{"Type": "User", "message": message}
	if status >= 500 {
		doc["Type"] = "Service"
	}
	if errType == string(CodeThrottled) {
		doc["Reason"] = "ReservedFunctionConcurrentInvocationLimitExceeded"
	}
	b, _ := json.Marshal(doc)
	w.Header().Set("X-Amzn-Errortype", errType)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// last returns the last request the server saw.
func (s *invokeAPIServer) last(t *testing.T) seenRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("the server saw no request")
	}
	return s.reqs[len(s.reqs)-1]
}

func (s *invokeAPIServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// testCreds are static test credentials; the secret must never reach a
// log.
func testCreds() RemoteCredentials {
	return RemoteCredentials{AccessKeyID: "AKIDREMOTETEST", SecretAccessKey: "secret-7e1f9c-never-logged", SessionToken: "token-3b8d"}
}

// sinkText is everything written to s so far.
func sinkText(s *logSink) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func newTestRemote(t *testing.T, opts RemoteOptions) *Remote {
	t.Helper()
	r, err := NewRemote(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func remoteInvoke(t *testing.T, r *Remote, fn, payload string) ([]byte, *FunctionError, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, fe, err := r.Invoke(ctx, fn, []byte(payload))
	if fe != nil && string(res) != string(fe.Payload) {
		t.Fatalf("result %s differs from the function error payload %s", res, fe.Payload)
	}
	if err != nil && (res != nil || fe != nil) {
		t.Fatalf("an error with a result: %q %v %v", res, fe, err)
	}
	return res, fe, err
}

// wantInvokeError checks that err is an *InvokeError with code and a cause.
func wantInvokeError(t *testing.T, err error, code Code) *InvokeError {
	t.Helper()
	var ie *InvokeError
	if !errors.As(err, &ie) || !errors.Is(err, code) {
		t.Fatalf("err = %v, want an *InvokeError %s", err, code)
	}
	if ie.Err == nil {
		t.Errorf("%s has no underlying cause", code)
	}
	return ie
}

func TestRemote(t *testing.T) {
	t.Parallel()
	py := pythonFunction("py", "app.handler", "python")
	py.Concurrency = 2
	pySlow := pythonFunction("pyslow", "app.handler", "python")
	pySlow.QueueLimit = -1 // Concurrency 1, no queue: throttle as Lambda does
	pySleep := pythonFunction("pysleep", "app.handler", "python")
	pySleep.Concurrency = 2
	node := nodeFunction("node", "app.handler", "node")
	h, _ := newTestHost(t, Options{Region: "eu-west-3", AccountID: "111122223333"}, py, pySlow, pySleep, node)
	srv := newInvokeAPIServer(t, h)

	logs := &logSink{}
	r := newTestRemote(t, RemoteOptions{Endpoint: srv.URL, Region: "eu-west-3", Credentials: testCreds(),
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	t.Run("echo", func(t *testing.T) {
		const payload = `{"a": [1, 2], "b": "c", "marker": "payload-5d2a"}`
		res, fe, err := remoteInvoke(t, r, "py", payload)
		if err != nil || fe != nil || string(res) != payload {
			t.Fatalf("got %s %v %v, want %s", res, fe, err, payload)
		}
		req := srv.last(t)
		if req.Name != "py" || string(req.Body) != payload {
			t.Errorf("server saw %q %s", req.Name, req.Body)
		}
		if got := req.Header.Get("X-Amz-Invocation-Type"); got != "RequestResponse" {
			t.Errorf("X-Amz-Invocation-Type = %q", got)
		}
		auth := req.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDREMOTETEST/") ||
			!strings.Contains(auth, "/eu-west-3/lambda/aws4_request, SignedHeaders=") {
			t.Errorf("Authorization = %q, want SigV4 for AKIDREMOTETEST in eu-west-3/lambda", auth)
		}
		if got := req.Header.Get("X-Amz-Security-Token"); got != testCreds().SessionToken {
			t.Errorf("X-Amz-Security-Token = %q", got)
		}
	})
	t.Run("empty payload is {}", func(t *testing.T) {
		res, fe, err := remoteInvoke(t, r, "py", "")
		if err != nil || fe != nil || string(res) != "{}" || string(srv.last(t).Body) != "{}" {
			t.Fatalf("got %s %v %v; server saw %s", res, fe, err, srv.last(t).Body)
		}
	})
	t.Run("function name mapping", func(t *testing.T) {
		mapped := newTestRemote(t, RemoteOptions{Endpoint: srv.URL + "/", FunctionName: "py", Credentials: testCreds()})
		res, _, err := remoteInvoke(t, mapped, "api-handler", `{"mapped":true}`)
		if err != nil || string(res) != `{"mapped": true}` || srv.last(t).Name != "py" {
			t.Fatalf("got %s %v; server saw %q", res, err, srv.last(t).Name)
		}
		if auth := srv.last(t).Header.Get("Authorization"); !strings.Contains(auth, "/"+DefaultRemoteRegion+"/lambda/") {
			t.Errorf("region default: Authorization = %q", auth)
		}
	})
	t.Run("function error python", func(t *testing.T) {
		_, fe, err := remoteInvoke(t, r, "py", `{"action":"raise"}`)
		if err != nil {
			t.Fatal(err)
		}
		doc := mustFail(t, fe, "ValueError")
		if fe.Message != "bad value" || doc["stackTrace"] == nil {
			t.Errorf("message %q, document %s", fe.Message, fe.Payload)
		}
	})
	t.Run("function error node", func(t *testing.T) {
		_, fe, err := remoteInvoke(t, r, "node", `{"action":"throw"}`)
		if err != nil {
			t.Fatal(err)
		}
		doc := mustFail(t, fe, "TypeError")
		if fe.Message != "bad thing" || doc["trace"] == nil {
			t.Errorf("message %q, document %s", fe.Message, fe.Payload)
		}
	})
	t.Run("function error handled", func(t *testing.T) {
		_, fe, err := remoteInvoke(t, r, fakeHandled, `{}`)
		if err != nil || fe == nil {
			t.Fatalf("%v %v", fe, err)
		}
		if fe.Kind != Handled || fe.Type != "Error" || fe.Message != "legacy failure" {
			t.Errorf("got %+v", fe)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, _, err := remoteInvoke(t, r, "nope", `{}`)
		ie := wantInvokeError(t, err, CodeNotFound)
		if want := "Function not found: arn:aws:lambda:eu-west-3:111122223333:function:nope"; ie.Message != want {
			t.Errorf("message %q, want %q", ie.Message, want)
		}
	})
	t.Run("request too large", func(t *testing.T) {
		big := `"` + strings.Repeat("x", MaxRequestSize) + `"`
		_, _, err := remoteInvoke(t, r, "py", big)
		wantInvokeError(t, err, CodeRequestTooLarge)
	})
	t.Run("invalid request content", func(t *testing.T) {
		_, _, err := remoteInvoke(t, r, "py", `this is not json`)
		ie := wantInvokeError(t, err, CodeInvalidRequestContent)
		if ie.Message != "Could not parse request body into json" {
			t.Errorf("message %q", ie.Message)
		}
	})
	t.Run("throttled", func(t *testing.T) {
		// Two overlapping invocations of a function with one slot and no
		// queue: the Host throttles one, the server answers 429, and the
		// Remote does not retry it.
		before := srv.count()
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = r.Invoke(context.Background(), "pyslow", []byte(`{"action":"sleep","millis":700}`))
			})
		}
		wg.Wait()
		var ok, throttled int
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, CodeThrottled):
				throttled++
				if ie := wantInvokeError(t, err, CodeThrottled); ie.Message != "Rate Exceeded." {
					t.Errorf("message %q", ie.Message)
				}
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 || throttled != 1 {
			t.Errorf("%d succeeded and %d were throttled, want 1 and 1", ok, throttled)
		}
		if n := srv.count() - before; n != 2 {
			t.Errorf("the server saw %d requests, want 2 (no retry)", n)
		}
	})
	t.Run("service exception", func(t *testing.T) {
		before := srv.count()
		_, _, err := remoteInvoke(t, r, fakeServiceError, `{}`)
		wantInvokeError(t, err, CodeService)
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ServiceException" {
			t.Errorf("cause %v, want the SDK's ServiceException", err)
		}
		if n := srv.count() - before; n != 1 {
			t.Errorf("the server saw %d requests, want 1 (no retry)", n)
		}
	})
	t.Run("bad gateway", func(t *testing.T) {
		_, _, err := remoteInvoke(t, r, fakeBadGateway, `{}`)
		wantInvokeError(t, err, CodeService)
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadGateway {
			t.Errorf("cause %v, want status 502", err)
		}
	})
	t.Run("ctx cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(150*time.Millisecond, cancel)
		start := time.Now()
		res, fe, err := r.Invoke(ctx, "pysleep", []byte(`{"action":"sleep","millis":1500}`))
		var ie *InvokeError
		if !errors.Is(err, context.Canceled) || errors.As(err, &ie) || res != nil || fe != nil {
			t.Fatalf("got %s %v %v, want the ctx error", res, fe, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("returned after %s", d)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		short := newTestRemote(t, RemoteOptions{Endpoint: srv.URL, Credentials: testCreds(), Timeout: 200 * time.Millisecond})
		start := time.Now()
		_, _, err := remoteInvoke(t, short, "pysleep", `{"action":"sleep","millis":1500}`)
		ie := wantInvokeError(t, err, CodeService)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(ie.Message, "did not answer within 200ms") {
			t.Errorf("err %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("returned after %s", d)
		}
	})
	t.Run("server down", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		down := newTestRemote(t, RemoteOptions{Endpoint: "http://" + addr, Credentials: testCreds()})
		_, _, err = remoteInvoke(t, down, "py", `{}`)
		ie := wantInvokeError(t, err, CodeService)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("cause %v, want connection refused", err)
		}
		if !strings.Contains(ie.Message, "http://"+addr) {
			t.Errorf("message %q does not name the endpoint", ie.Message)
		}
	})

	// The Remote logged failures at Debug, but never a payload or a secret.
	logged := sinkText(logs)
	if !strings.Contains(logged, "remote invoke failed") {
		t.Errorf("no failure was logged:\n%s", logged)
	}
	for _, secret := range []string{"payload-5d2a", "sleep", "not json", testCreds().SecretAccessKey, testCreds().SessionToken} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logged)
		}
	}
}

func TestNewRemoteInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts RemoteOptions
		want string
	}{
		{"no scheme", RemoteOptions{FunctionName: "f", Endpoint: "127.0.0.1:9001", Credentials: testCreds()},
			`remote function f: endpoint "127.0.0.1:9001": parse "127.0.0.1:9001": first path segment in URL cannot contain colon`},
		{"wrong scheme", RemoteOptions{FunctionName: "f", Endpoint: "ftp://127.0.0.1:9001", Credentials: testCreds()},
			`remote function f: endpoint "ftp://127.0.0.1:9001": want http:// or https:// with a host, and no user, query or fragment`},
		{"user info", RemoteOptions{FunctionName: "f", Endpoint: "http://u:p@127.0.0.1:9001", Credentials: testCreds()},
			`remote function f: endpoint "http://u:p@127.0.0.1:9001": want http:// or https:// with a host, and no user, query or fragment`},
		{"half credentials and a negative timeout", RemoteOptions{FunctionName: "f", Endpoint: "http://127.0.0.1:9001",
			Timeout: -time.Second, Credentials: RemoteCredentials{AccessKeyID: "AKID"}},
			"remote function f: timeout -1s is negative\ncredentials need both an access key id and a secret access key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRemote(context.Background(), tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestRemoteCredentialsRedacted(t *testing.T) {
	t.Parallel()
	opts := RemoteOptions{Endpoint: "http://127.0.0.1:9001", Credentials: testCreds()}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("opts", "credentials", opts.Credentials)
	for _, s := range []string{fmt.Sprintf("%v", opts), fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts), logged.String()} {
		if strings.Contains(s, testCreds().SecretAccessKey) || strings.Contains(s, testCreds().SessionToken) ||
			strings.Contains(s, testCreds().AccessKeyID) || !strings.Contains(s, "<redacted>") {
			t.Errorf("not redacted: %s", s)
		}
	}
}

// isolateAWSConfig points the AWS credential chain at an empty
// configuration, so the tests do not depend on the machine's.
func isolateAWSConfig(t *testing.T) string {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_EC2_METADATA_DISABLED":              "true",
	} {
		t.Setenv(k, v)
	}
	return dir
}

// TestRemoteCredentialChain is not parallel: it changes the environment.
func TestRemoteCredentialChain(t *testing.T) {
	h, _ := newTestHost(t, testOpts(), pythonFunction("py", "app.handler", "python"))
	srv := newInvokeAPIServer(t, h)
	credential := func(t *testing.T) string {
		t.Helper()
		auth := srv.last(t).Header.Get("Authorization")
		key, _, _ := strings.Cut(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential="), "/")
		return key
	}

	t.Run("nothing on loopback: placeholder", func(t *testing.T) {
		isolateAWSConfig(t)
		logs := &logSink{}
		r := newTestRemote(t, RemoteOptions{Endpoint: srv.URL, FunctionName: "py",
			Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		for range 2 {
			if _, _, err := remoteInvoke(t, r, "gw", `{"k":1}`); err != nil {
				t.Fatal(err)
			}
		}
		if got := credential(t); got != PlaceholderAccessKeyID {
			t.Errorf("signed with %q, want the placeholder", got)
		}
		var notices int
		for _, rec := range logs.records() {
			if strings.Contains(rec.Msg, "placeholder credentials") {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d placeholder notices, want 1:\n%s", notices, sinkText(logs))
		}
	})
	t.Run("nothing elsewhere: error", func(t *testing.T) {
		isolateAWSConfig(t)
		for _, endpoint := range []string{"", "http://192.0.2.10:9001", "https://lambda.example.com"} {
			// NewRemote sends nothing to the endpoint, so these are never
			// contacted.
			_, err := NewRemote(context.Background(), RemoteOptions{Endpoint: endpoint, FunctionName: "f"})
			var none *noCredentialsError
			if !errors.As(err, &none) {
				t.Errorf("endpoint %q: err = %v, want no credentials", endpoint, err)
			}
		}
	})
	t.Run("environment", func(t *testing.T) {
		isolateAWSConfig(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
		r := newTestRemote(t, RemoteOptions{Endpoint: srv.URL, FunctionName: "py"})
		if _, _, err := remoteInvoke(t, r, "gw", `{}`); err != nil {
			t.Fatal(err)
		}
		if got := credential(t); got != "AKIDFROMENV" {
			t.Errorf("signed with %q", got)
		}
	})
	t.Run("shared profile", func(t *testing.T) {
		dir := isolateAWSConfig(t)
		creds := "[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n"
		if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("AWS_PROFILE", "dev")
		r := newTestRemote(t, RemoteOptions{Endpoint: srv.URL, FunctionName: "py"})
		if _, _, err := remoteInvoke(t, r, "gw", `{}`); err != nil {
			t.Fatal(err)
		}
		if got := credential(t); got != "AKIDFROMPROFILE" {
			t.Errorf("signed with %q", got)
		}
	})
	t.Run("configured source fails: error, even on loopback", func(t *testing.T) {
		dir := isolateAWSConfig(t)
		conf := "[profile broken]\ncredential_process = false\n"
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("AWS_PROFILE", "broken")
		_, err := NewRemote(context.Background(), RemoteOptions{Endpoint: srv.URL, FunctionName: "py"})
		var none *noCredentialsError
		if err == nil || errors.As(err, &none) {
			t.Fatalf("err = %v, want the credential_process failure", err)
		}
	})
}

// The AWS Lambda Runtime Interface Emulator (RIE), built from its Go module
// at a pinned version. Only its source comes from the module proxy; the
// binary is built into the temporary directory and never committed.
const (
	rieModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"
)

// skipOrFail skips, unless GATEHOUSE_TEST_REQUIRE_SERVICES is set: then a
// step that should work on any machine with the module fails the test.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("GATEHOUSE_TEST_REQUIRE_SERVICES") != "" {
		t.Fatalf(format+" (GATEHOUSE_TEST_REQUIRE_SERVICES is set)", args...)
	}
	t.Skipf(format, args...)
}

// fetchFailure reports whether go command output is about reaching the
// module proxy or checksum database rather than about the build itself.
func fetchFailure(out string) bool {
	for _, m := range []string{"dial tcp", "no such host", "i/o timeout", "connection refused", "connection reset",
		"TLS handshake", "proxyconnect", "reading https://", "GOPROXY", "GOSUMDB", "module lookup disabled",
		"verifying ", "unrecognized import path", "410 Gone", "403 Forbidden", "404 Not Found", "502 Bad Gateway",
		"503 Service Unavailable", "504 Gateway Timeout", "context deadline exceeded"} {
		if strings.Contains(out, m) {
			return true
		}
	}
	return false
}

// buildRIE builds aws-lambda-rie once per version into a shared cache
// directory under $TMPDIR, as buildGoFunction does for the Go function. A
// failure to download the module is a skip (no network to the proxy); a
// failure to build it is a skip, or a failure under
// GATEHOUSE_TEST_REQUIRE_SERVICES.
func buildRIE(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "gatehouse-lambda-rie-"+rieVersion)
	bin := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gobin, err := os.MkdirTemp(dir, "gobin-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(gobin)
	goCmd := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = t.TempDir() // outside gatehouse's module
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return out, fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return out, err
	}
	if out, err := goCmd("mod", "download", "-json", rieModule+"@"+rieVersion); err != nil {
		t.Skipf("RIE step 1/3 (download %s@%s from the module proxy) failed, so the RIE test cannot run here: %v\n%s",
			rieModule, rieVersion, err, out)
	}
	if out, err := goCmd("install", rieModule+"/cmd/aws-lambda-rie@"+rieVersion); err != nil {
		if fetchFailure(string(out)) || errors.Is(err, context.DeadlineExceeded) {
			t.Skipf("RIE step 2/3 (go install, fetching its dependencies) failed: no network to the module proxy? %v\n%s", err, out)
		}
		skipOrFail(t, "RIE step 2/3 (go install %s/cmd/aws-lambda-rie@%s) failed to build: %v\n%s", rieModule, rieVersion, err, out)
	}
	if err := os.Rename(filepath.Join(gobin, "aws-lambda-rie"), bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// freeLoopbackAddr returns a 127.0.0.1 address that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, p)
		}
	}
	return kids
}

// rieProcess is a running aws-lambda-rie.
type rieProcess struct {
	endpoint   string // http://127.0.0.1:<port>
	runtimeAPI string // 127.0.0.1:<port> of its Runtime API
	output     *logSink
}

// startRIE runs aws-lambda-rie on loopback with codeDir/bootstrap as the
// runtime. Both its Invoke endpoint (8080 on all interfaces by default) and
// its Runtime API (127.0.0.1:9001 by default) get free loopback ports. The
// environment is built from scratch: the RIE passes its own on to the
// function, and no credentials of the machine's should reach it.
func startRIE(t *testing.T, bin, codeDir string) *rieProcess {
	t.Helper()
	var lastErr error
	for range 3 { // a port taken between freeLoopbackAddr and the RIE's bind
		p := &rieProcess{runtimeAPI: freeLoopbackAddr(t), output: &logSink{}}
		invokeAddr := freeLoopbackAddr(t)
		p.endpoint = "http://" + invokeAddr
		cmd := exec.Command(bin, "--runtime-interface-emulator-address", invokeAddr,
			"--runtime-api-address", p.runtimeAPI, "--log-level", "info", filepath.Join(codeDir, "bootstrap"))
		cmd.Dir = codeDir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_NAME=gofn",
			"AWS_LAMBDA_FUNCTION_TIMEOUT=10", "AWS_REGION=us-east-1"}
		cmd.Stdout, cmd.Stderr = p.output, p.output
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			skipOrFail(t, "RIE step 3/3: aws-lambda-rie cannot start here: %v", err)
		}
		done := make(chan struct{})
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(done) }()
		t.Cleanup(func() { stopRIE(t, cmd.Process.Pid, done) })

		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				lastErr = fmt.Errorf("exited: %v\n%s", waitErr, sinkText(p.output))
			default:
			}
			if lastErr != nil {
				break
			}
			if c, err := net.DialTimeout("tcp", invokeAddr, 200*time.Millisecond); err == nil {
				c.Close()
				return p
			}
			time.Sleep(20 * time.Millisecond)
		}
		if lastErr == nil {
			skipOrFail(t, "RIE step 3/3: aws-lambda-rie did not listen on %s within 10s:\n%s", invokeAddr, sinkText(p.output))
		}
	}
	skipOrFail(t, "RIE step 3/3: aws-lambda-rie cannot run here: %v", lastErr)
	return nil
}

// stopRIE ends the RIE and the runtime it started. The RIE puts the runtime
// in a process group of its own, so that group is killed too.
func stopRIE(t *testing.T, pid int, done <-chan struct{}) {
	kids := childPIDs(pid)
	_ = syscall.Kill(pid, syscall.SIGTERM) // the RIE kills its runtime and exits
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for _, k := range kids {
		_ = syscall.Kill(-k, syscall.SIGKILL)
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for _, k := range kids {
		for !processGone(k) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !processGone(k) {
			t.Errorf("process %d started by the RIE is still running", k)
		}
	}
}

// TestRemoteRuntimeInterfaceEmulator invokes the aws-lambda-go test function
// through the official AWS Lambda Runtime Interface Emulator, a real
// implementation of the Invoke API.
func TestRemoteRuntimeInterfaceEmulator(t *testing.T) {
	t.Parallel()
	bin := buildRIE(t)
	code := buildGoFunction(t)
	rie := startRIE(t, bin, code)
	defer func() {
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", sinkText(rie.output))
		}
	}()
	r := newTestRemote(t, RemoteOptions{Endpoint: rie.endpoint, FunctionName: "function",
		Credentials: testCreds(), Timeout: 20 * time.Second})

	// The RIE runs one invocation at a time, so these run in order.
	t.Run("echo", func(t *testing.T) {
		const payload = `{"hello":"world","n":[1,2,3]}`
		res, fe, err := remoteInvoke(t, r, "gofn", payload)
		if err != nil || fe != nil || string(res) != payload {
			t.Fatalf("got %s %v %v", res, fe, err)
		}
	})
	t.Run("runtime API on loopback", func(t *testing.T) {
		res, fe, err := remoteInvoke(t, r, "gofn", `{"action":"env"}`)
		if err != nil || fe != nil {
			t.Fatalf("%v %v", fe, err)
		}
		env := decode(t, res)
		if env["AWS_LAMBDA_RUNTIME_API"] != rie.runtimeAPI || env["AWS_LAMBDA_FUNCTION_NAME"] != "gofn" {
			t.Errorf("AWS_LAMBDA_RUNTIME_API %v (want %s), AWS_LAMBDA_FUNCTION_NAME %v",
				env["AWS_LAMBDA_RUNTIME_API"], rie.runtimeAPI, env["AWS_LAMBDA_FUNCTION_NAME"])
		}
		if env["AWS_SECRET_ACCESS_KEY"] != "" {
			t.Errorf("the function sees credentials")
		}
	})
	t.Run("function error", func(t *testing.T) {
		// The pinned RIE answers a function error with 200 and the error
		// document but no X-Amz-Function-Error header, so it reaches the
		// caller as a result (docs/lambda-runtime.md, Remote functions).
		res, fe, err := remoteInvoke(t, r, "gofn", `{"action":"error"}`)
		if err != nil || fe != nil {
			t.Fatalf("%v %v", fe, err)
		}
		if doc := decode(t, res); doc["errorType"] != "errorString" || doc["errorMessage"] != "boom" {
			t.Errorf("document %s", res)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		// The RIE serves only "function"; other names get a plain-text 404
		// with no AWS error type, which is not ResourceNotFoundException.
		other := newTestRemote(t, RemoteOptions{Endpoint: rie.endpoint, Credentials: testCreds()})
		_, _, err := remoteInvoke(t, other, "gofn", `{}`)
		wantInvokeError(t, err, CodeService)
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
			t.Errorf("cause %v, want status 404", err)
		}
	})
	t.Run("START and REPORT", func(t *testing.T) {
		sc := bufio.NewScanner(strings.NewReader(sinkText(rie.output)))
		var start, report int
		for sc.Scan() {
			switch {
			case strings.HasPrefix(sc.Text(), "START RequestId: "):
				start++
			case strings.HasPrefix(sc.Text(), "REPORT RequestId: "):
				report++
			}
		}
		if start < 3 || report < 3 {
			t.Errorf("%d START and %d REPORT lines from the RIE, want 3 or more", start, report)
		}
	})
}
