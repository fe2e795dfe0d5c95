// Package iam_test runs the AWS_IAM example as its README describes.
package iam_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/examples/petstore/backend"
	"github.com/gatehouse/gatehouse/internal/cli"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- cli.RunContext(ctx, []string{"serve", "-c", filepath.Join(dir, "gatehouse.yaml"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, io.Discard, stderr)
	}()
	listen := regexp.MustCompile(`msg="gatehouse serving" .*listen=(\S+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listen.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("gateway did not start:\n%s", stderr.String())
	}
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
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d:\n%s", code, stderr.String())
	}
}
