package cdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil"
	"github.com/gatehouse/gatehouse/internal/testutil/browser"
	"github.com/gatehouse/gatehouse/internal/testutil/cdk"
)

const (
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "alice/Example/Secret/Key/0000000000000001"
)

// handlerAnswer is what seed 003's handler returns.
type handlerAnswer struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body"`
}

func parseAnswer(t *testing.T, who, out string) handlerAnswer {
	t.Helper()
	var a handlerAnswer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%s: the answer is not the handler's JSON: %v\n%s", who, err, out)
	}
	return a
}

// TestSeed003Synthesized is issue 10's seed 003 end to end: the seed's CDK
// app synthesized by the real CDK CLI, served with -t beside a config that
// only adds an IAM user, and called by the seed's own clients — curl
// --aws-sigv4, its Go program, its Node.js aws4fetch script, and its
// browser form in headless Chromium from http://localhost:5173.
func TestSeed003Synthesized(t *testing.T) {
	template := cdk.SynthSeed003(t)
	dir := t.TempDir()
	config := fmt.Sprintf(`stacks:
  - template: %s
iam:
  store: sqlite://%s
  users:
    - name: alice
      accessKeys: [{id: %s, secret: %s}]
      policies:
        - name: invoke
          document:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*"}]
`, template, filepath.Join(dir, "iam.db"), aliceKey, aliceSecret)
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	base := testutil.Serve(t, cfgPath)
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+aliceKey, "AWS_SECRET_ACCESS_KEY="+aliceSecret,
		"AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "API_URL="+base+"/")
	run := func(t *testing.T, dir string, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}

	t.Run("unsigned", func(t *testing.T) {
		out := run(t, "", "curl", "-s", "-w", " %{http_code}", base+"/test-me-bro")
		if out != `{"message":"Forbidden"} 403` {
			t.Errorf("unsigned: %s", out)
		}
	})
	t.Run("curl --aws-sigv4", func(t *testing.T) {
		// The seed's two curl commands.
		got := parseAnswer(t, "curl GET", run(t, "", "curl", "-s", base+"/test-me-bro",
			"--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", aliceKey+":"+aliceSecret))
		if got.Method != "GET" || got.Path != "/test-me-bro" || got.Body != "" {
			t.Errorf("curl GET: %+v", got)
		}
		got = parseAnswer(t, "curl POST", run(t, "", "curl", "-s", base+"/",
			"--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", aliceKey+":"+aliceSecret,
			"--data", `{"msg":"cURL you are the best!"}`, "--header", "Content-Type: application/json"))
		if body, _ := got.Body.(map[string]any); got.Method != "POST" || got.Path != "/" || body["msg"] != "cURL you are the best!" {
			t.Errorf("curl POST: %+v", got)
		}
	})
	t.Run("Go program", func(t *testing.T) {
		got := parseAnswer(t, "seedclient", run(t, "", "go", "run", "./seedclient"))
		if body, _ := got.Body.(map[string]any); got.Method != "POST" || got.Path != "/" || body["message"] != "Hello from LearnAWS.io" {
			t.Errorf("Go program: %+v", got)
		}
	})
	t.Run("Node.js aws4fetch", func(t *testing.T) {
		got := parseAnswer(t, "seed003-node.mjs", run(t, browser.Dir(t), "node", "seed003-node.mjs"))
		if body, _ := got.Body.(map[string]any); got.Method != "POST" || got.Path != "/" || body["message"] != "Hello from LearnAWS.io" {
			t.Errorf("Node.js: %+v", got)
		}
	})
	t.Run("browser", func(t *testing.T) {
		// The React form's POST, preflight first. It goes to /test-me-bro:
		// a preflight to / would reach the IAM-protected $default route
		// (docs/http-api-cors.md).
		origin := browser.ServePage(t)
		a := browser.Submit(t, browser.PageURL(origin, base+"/test-me-bro", aliceKey, aliceSecret))
		if a.Error != "" || a.Status != 200 {
			t.Fatalf("browser: %s", a)
		}
		got := parseAnswer(t, "browser", a.Body)
		if got.Method != "POST" || got.Path != "/test-me-bro" {
			t.Errorf("browser: %+v", got)
		}
	})
}
