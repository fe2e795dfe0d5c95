// Package iam_test runs the AWS_IAM example as its README describes.
package iam_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/examples/petstore/backend"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

func TestIAMExample(t *testing.T) {
	be := httptest.NewServer(backend.Handler())
	defer be.Close()
	dir := t.TempDir()
	for _, name := range []string{"gatehouse.yaml", "petstore-iam.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "backend: 127.0.0.1:9000", "backend: "+be.Listener.Addr().String())
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))
	ctx := context.Background()
	creds := aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE0001", SecretAccessKey: "alice/Example/Secret/Key/0000000000000001"}
	call := func(method, path, body string, sign bool) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if sign {
			sum := sha256.Sum256([]byte(body))
			hash := hex.EncodeToString(sum[:])
			if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "execute-api", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := call("GET", "/prod/pets", "", true); status != 200 || !strings.Contains(body, `"type":"dog"`) {
		t.Errorf("signed GET: %d %s", status, body)
	}
	if status, body := call("GET", "/prod/pets", "", false); status != 403 || body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("unsigned GET: %d %s", status, body)
	}
	if status, body := call("GET", "/prod/status", "", false); status != 200 {
		t.Errorf("open /status: %d %s", status, body)
	}
	// POST is denied twice over: alice's policy allows GET only, and the
	// resource policy denies POST from outside 10.0.0.0/8 explicitly.
	status, body := call("POST", "/prod/pets", `{"type":"cat"}`, true)
	if status != 403 || !strings.HasSuffix(body, `petstore02/prod/POST/pets with an explicit deny"}`) {
		t.Errorf("signed POST: %d %s", status, body)
	}
}
