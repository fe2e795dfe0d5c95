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

// envAWSCLI, when set, names the aws CLI to test with; otherwise `aws`
// is looked up in PATH. .ci/run installs Debian's awscli when there is
// none and sets GATEHOUSE_TEST_REQUIRE_SERVICES, so CI never skips.
const envAWSCLI = "GATEHOUSE_TEST_AWS_CLI"

// awsCLIExtra completes iamConfig for the aws CLI: alice may assume
// Invoker (the first line continues her policy's statements), and a
// hosted user pool with bob and an identity pool whose role may call
// the API, all on the awsEndpoints listener.
const awsCLIExtra = `              - {Effect: Allow, Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/*"}
  roles:
    - name: Invoker
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}, Action: "sts:AssumeRole"}]
      policies:
        - name: get-pets
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/*"}]}
    - name: CognitoAuthRole
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": "` + cognitoIdentity + `"}
              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}
      policies:
        - name: get-pets
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/*"}]}
awsEndpoints:
  listen: 127.0.0.1:0
cognito:
  passwordHashing: {memoryKiB: 4096, iterations: 1}
  userPools:
    - id: ` + cognitoPool + `
      clients: [{id: ` + cognitoClient + `, name: cli}]
      users: [{username: bob, password: "` + bobPassword + `"}]
  identityPools:
    - id: "` + cognitoIdentity + `"
      providers: [{userPool: ` + cognitoPool + `, clientId: ` + cognitoClient + `}]
      authenticatedRole: CognitoAuthRole
`

// awsCLI returns the aws CLI's path, or skips (fails when
// GATEHOUSE_TEST_REQUIRE_SERVICES is set: .ci/run installs it).
func awsCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(envAWSCLI); p != "" {
		return p
	}
	p, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("GATEHOUSE_TEST_REQUIRE_SERVICES") != "" {
			t.Fatalf("the aws CLI is not installed (and GATEHOUSE_TEST_REQUIRE_SERVICES says it must be tested; .ci/run installs Debian's awscli)")
		}
		t.Skipf("the aws CLI is not installed: apt-get install awscli (or pip install awscli), or set %s", envAWSCLI)
	}
	return p
}

// awsRunner runs the aws CLI with an environment that points only at
// loopback: no configuration or credentials files, no instance metadata,
// no proxy, one attempt per call.
type awsRunner struct {
	t   *testing.T
	bin string
	env []string
}

func newAWSRunner(t *testing.T, bin string) *awsRunner {
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1",
		"AWS_RETRY_MODE=standard", "AWS_PAGER=", "NO_PROXY=*", "LANG=C.UTF-8"}
	// pyenv shims (a pip-installed CLI) need their root.
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return &awsRunner{t: t, bin: bin, env: env}
}

// run runs aws args... with the credentials c (none if c.id is "") and
// decodes its JSON output into out.
func (r *awsRunner) run(c awsCreds, out any, args ...string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, append(args, "--output", "json")...)
	cmd.Env = r.env
	if c.id != "" {
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+c.id, "AWS_SECRET_ACCESS_KEY="+c.secret)
		if c.token != "" {
			cmd.Env = append(cmd.Env, "AWS_SESSION_TOKEN="+c.token)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, b, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		r.t.Fatalf("aws %s: %v in %s", strings.Join(args, " "), err, b)
	}
}

// The aws CLI, unchanged but for --endpoint-url: get-caller-identity and
// assume-role on STS, then seed 001's flow with cognito-idp
// initiate-auth and cognito-identity get-id / get-credentials-for-identity;
// both sets of temporary credentials sign calls to the AWS_IAM route.
func TestAWSCLI(t *testing.T) {
	bin := awsCLI(t)
	be := headersBackend(t)
	cfg, _ := iamConfig(t, be.Listener.Addr().String(), awsCLIExtra)
	p := start(t, "serve", "-c", cfg)
	endpoint := stsURL(t, p)
	aws := newAWSRunner(t, bin)
	alice := awsCreds{id: aliceKey, secret: aliceSecret}

	var who struct{ UserId, Account, Arn string }
	aws.run(alice, &who, "sts", "get-caller-identity", "--endpoint-url", endpoint)
	if who.Arn != "arn:aws:iam::123456789012:user/alice" || who.Account != "123456789012" || !strings.HasPrefix(who.UserId, "AIDA") {
		t.Errorf("get-caller-identity: %+v", who)
	}

	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	aws.run(alice, &assumed, "sts", "assume-role", "--endpoint-url", endpoint,
		"--role-arn", "arn:aws:iam::123456789012:role/Invoker", "--role-session-name", "cli-session", "--duration-seconds", "900")
	c := assumed.Credentials
	session := awsCreds{id: c.AccessKeyId, secret: c.SecretAccessKey, token: c.SessionToken}
	if !strings.HasPrefix(session.id, "ASIA") || session.token == "" ||
		assumed.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/Invoker/cli-session" {
		t.Fatalf("assume-role: %+v", assumed)
	}
	aws.run(session, &who, "sts", "get-caller-identity", "--endpoint-url", endpoint)
	if who.Arn != "arn:aws:sts::123456789012:assumed-role/Invoker/cli-session" || !strings.HasSuffix(who.UserId, ":cli-session") {
		t.Errorf("get-caller-identity with the session: %+v", who)
	}
	if status, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", session, time.Now(), ""); status != 200 {
		t.Errorf("GET with the assumed role's credentials: %d %s", status, body)
	}

	var auth struct {
		AuthenticationResult struct {
			IdToken, AccessToken, RefreshToken, TokenType string
			ExpiresIn                                     int
		}
	}
	aws.run(awsCreds{}, &auth, "cognito-idp", "initiate-auth", "--endpoint-url", endpoint, "--auth-flow", "USER_PASSWORD_AUTH",
		"--client-id", cognitoClient, "--auth-parameters", "USERNAME=bob,PASSWORD="+bobPassword)
	ar := auth.AuthenticationResult
	if ar.IdToken == "" || ar.AccessToken == "" || ar.RefreshToken == "" || ar.TokenType != "Bearer" || ar.ExpiresIn != 3600 {
		t.Fatalf("initiate-auth: %+v", ar)
	}
	logins := cognitoLogin + "=" + ar.IdToken
	var id struct{ IdentityId string }
	aws.run(awsCreds{}, &id, "cognito-identity", "get-id", "--endpoint-url", endpoint, "--identity-pool-id", cognitoIdentity, "--logins", logins)
	var creds struct {
		IdentityId  string
		Credentials struct {
			AccessKeyId, SecretKey, SessionToken string
			Expiration                           any
		}
	}
	aws.run(awsCreds{}, &creds, "cognito-identity", "get-credentials-for-identity", "--endpoint-url", endpoint,
		"--identity-id", id.IdentityId, "--logins", logins)
	cc := creds.Credentials
	if creds.IdentityId != id.IdentityId || !strings.HasPrefix(cc.AccessKeyId, "ASIA") || cc.SessionToken == "" {
		t.Fatalf("get-credentials-for-identity: %+v", creds)
	}
	cognito := awsCreds{id: cc.AccessKeyId, secret: cc.SecretKey, token: cc.SessionToken}
	aws.run(cognito, &who, "sts", "get-caller-identity", "--endpoint-url", endpoint)
	if who.Arn != "arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials" {
		t.Errorf("get-caller-identity with identity pool credentials: %+v", who)
	}
	if status, body, _ := signed(t, "GET", p.api+"/prod/pets/2", "", cognito, time.Now(), ""); status != 200 {
		t.Errorf("GET with identity pool credentials: %d %s", status, body)
	}
}
