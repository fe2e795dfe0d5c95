package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestRemoteFunction routes an aws_proxy integration to a function behind
// a Lambda Invoke API endpoint (here a loopback server speaking the Invoke
// API), through aws-sdk-go-v2's Lambda client.
func TestRemoteFunction(t *testing.T) {
	var gotPath string
	var gotEvent map[string]any
	invoke := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &gotEvent)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"statusCode": 202, "headers": {"X-From": "remote"}, "body": "queued"}`)
	}))
	defer invoke.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	cfg := `
apis:
  - name: r
    protocol: HTTP
    routes:
      "POST /jobs":
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:jobs", payloadFormatVersion: "2.0"}
functions:
  - name: jobs
    endpoint: ` + invoke.URL + `
    functionName: function
`
	if err := os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	base := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))
	resp, err := http.Post(base+"/jobs", "application/json", strings.NewReader(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 || string(b) != "queued" || resp.Header.Get("X-From") != "remote" {
		t.Errorf("%d %q %v", resp.StatusCode, b, resp.Header)
	}
	if gotPath != "/2015-03-31/functions/function/invocations" || gotEvent["routeKey"] != "POST /jobs" || gotEvent["body"] != `{"n":1}` {
		t.Errorf("Invoke API saw %s %v", gotPath, gotEvent)
	}
}
