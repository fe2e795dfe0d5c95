// Package cdk_test serves seed 003's synthesized CDK template with the
// real gateway, its own Lambda code on the local Node.js runtime, and
// calls it as the seed's clients do.
package cdk_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// copyExample copies gatehouse.yaml and cdk.out into a fresh folder, so
// that the IAM store the run creates stays out of the tree.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".db") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSeed003Template(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := copyExample(t)
	base := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))
	creds := aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE0001", SecretAccessKey: "alice/Example/Secret/Key/0000000000000001"}
	call := func(method, path, body string, sign bool, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if sign {
			// As the seed's Go program signs: the hex SHA-256 of the body.
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	read := func(resp *http.Response) string {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	t.Run("unsigned", func(t *testing.T) {
		resp := call("GET", "/test-me-bro", "", false)
		if body := read(resp); resp.StatusCode != 403 || body != `{"message":"Forbidden"}` {
			t.Errorf("unsigned: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("signed GET", func(t *testing.T) {
		resp := call("GET", "/test-me-bro", "", true)
		body := read(resp)
		want := "{\n    \"method\": \"GET\",\n    \"path\": \"/test-me-bro\",\n    \"body\": \"\"\n}"
		if resp.StatusCode != 200 || body != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("signed GET: %d %q %v", resp.StatusCode, body, resp.Header)
		}
	})
	t.Run("signed POST", func(t *testing.T) {
		resp := call("POST", "/", `{"message":"Hello from LearnAWS.io"}`, true, "Content-Type", "application/json")
		body := read(resp)
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("signed POST: %d %s", resp.StatusCode, body)
		}
		if got["method"] != "POST" || got["path"] != "/" || !bytes.Contains([]byte(body), []byte(`"message": "Hello from LearnAWS.io"`)) {
			t.Errorf("signed POST body: %s", body)
		}
	})
	t.Run("preflight", func(t *testing.T) {
		// OPTIONS /{proxy+} has no authorization: the browser's preflight
		// reaches the handler, which answers 204.
		resp := call("OPTIONS", "/test-me-bro", "", false, "Origin", "http://localhost:5173",
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,x-amz-date")
		body := read(resp)
		h := resp.Header
		if resp.StatusCode != 204 || body != "" || h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
			h.Get("Access-Control-Allow-Methods") != "*" || h.Get("Access-Control-Max-Age") != "86400" ||
			h.Get("Access-Control-Allow-Headers") != "authorization,x-amz-date,content-type,x-requested-with" {
			t.Errorf("preflight: %d %q %v", resp.StatusCode, body, h)
		}
	})
	t.Run("signed POST from the browser origin", func(t *testing.T) {
		resp := call("POST", "/", `{"message":"hi"}`, true, "Content-Type", "application/json", "Origin", "http://localhost:5173")
		body := read(resp)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || !strings.Contains(body, `"message": "hi"`) {
			t.Errorf("POST with Origin: %d %s %v", resp.StatusCode, body, resp.Header)
		}
	})
	t.Run("other origin", func(t *testing.T) {
		resp := call("OPTIONS", "/x", "", false, "Origin", "http://evil.example", "Access-Control-Request-Method", "POST")
		read(resp)
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a foreign origin got CORS headers: %v", resp.Header)
		}
	})
}

// TestServeTemplateFlag serves the template with -t and no gatehouse.yaml:
// the open OPTIONS route answers, and the AWS_IAM routes refuse an
// unsigned call (the IAM store is created in the working directory).
func TestServeTemplateFlag(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := copyExample(t)
	t.Chdir(dir)
	base := testutil.ServeArgs(t, "-t", "cdk.out/ApiGwIamAuthStack.template.json", "--region", "eu-west-1", "--account-id", "111122223333")
	resp, err := http.Get(base + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("unsigned GET: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("OPTIONS", base+"/anything", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Errorf("OPTIONS: %d", resp.StatusCode)
	}
}
