package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envCognitoJS is testdata/cognito-js with its npm packages installed
// (.ci/run runs npm ci there and sets it).
const envCognitoJS = "GATEHOUSE_TEST_COGNITO_JS_DIR"

// cognitoJSDir returns the Node project of seed 001's script, or skips
// (fails in CI, where GATEHOUSE_TEST_REQUIRE_SERVICES is set).
func cognitoJSDir(t *testing.T) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("GATEHOUSE_TEST_REQUIRE_SERVICES") != "" {
			t.Fatalf(format+" (and GATEHOUSE_TEST_REQUIRE_SERVICES says it must be tested)", args...)
		}
		t.Skipf(format, args...)
	}
	dir := os.Getenv(envCognitoJS)
	if dir == "" {
		skip("%s not set: run `npm ci` in testdata/cognito-js and set %s=$PWD/testdata/cognito-js (.ci/run does both)", envCognitoJS, envCognitoJS)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed")
	}
	dir, _ = filepath.Abs(dir)
	for _, p := range []string{"node_modules/@aws-sdk/client-cognito-identity-provider/package.json", "node_modules/aws-sdk/package.json", "seed001.mjs"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Fatalf("%s=%s, but %s is missing: run `npm ci` there (%v)", envCognitoJS, dir, p, err)
		}
	}
	return dir
}

// Seed 001 with the AWS SDK for JavaScript v3 (and the seed's own aws-sdk
// v2 getCredentialsForIdentity), changing only endpoints: sign in, get
// credentials, sign with @smithy/signature-v4 for the API's host and send
// to the gateway.
func TestCognitoSeed001JavaScript(t *testing.T) {
	dir := cognitoJSDir(t)
	be := headersBackend(t)
	p, awsURL := startCognito(t, be.Listener.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "seed001.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"AWS_ENDPOINT="+awsURL, "REGION=us-east-1", "CLIENT_ID="+cognitoClient, "USER_POOL_ID="+cognitoPool,
		"IDENTITY_POOL_ID="+cognitoIdentity, "COGNITO_USERNAME=bob", "COGNITO_PASSWORD="+bobPassword,
		"API_HOST="+restHost, "GATEWAY_URL="+p.api, "API_PATH=/prod/pets/9",
		// The SDKs must not find credentials or config of this machine.
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node seed001.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	var got struct {
		TokenType, WrongPassword, IdentityID, AccessKeyPrefix, V2Expiration string
		V3, V2                                                              struct {
			Status int
			Body   string
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if got.TokenType != "Bearer" || got.WrongPassword != "NotAuthorizedException: Incorrect username or password." ||
		!strings.HasPrefix(got.IdentityID, "us-east-1:") || got.AccessKeyPrefix != "ASIA" || got.V2Expiration != "Date" {
		t.Errorf("script: %s", out)
	}
	for name, r := range map[string]struct {
		Status int
		Body   string
	}{"v3": got.V3, "v2": got.V2} {
		var seen struct {
			Path    string              `json:"path"`
			Headers map[string][]string `json:"headers"`
		}
		json.Unmarshal([]byte(r.Body), &seen)
		if r.Status != 200 || seen.Path != "/pets/9" || len(seen.Headers["X-Cognito-Id"]) != 1 || seen.Headers["X-Cognito-Id"][0] != got.IdentityID {
			t.Errorf("%s signed call: %d %s", name, r.Status, r.Body)
		}
	}
}
