package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/store"
	gsts "github.com/gatehouse/gatehouse/internal/sts"
)

// stsExtra adds a seeded role Invoker (trusting alice, allowed to GET
// pets) and the awsEndpoints listener to iamConfig's config.
const stsExtra = `  roles:
    - name: Invoker
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}, Action: "sts:AssumeRole"}]
      policies:
        - name: get-pets
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/*"}]}
awsEndpoints:
  listen: 127.0.0.1:0
`

var awsEndpointsLine = regexp.MustCompile(`awsEndpoints=(http://\S+)`)

func stsURL(t *testing.T, p *process) string {
	t.Helper()
	m := awsEndpointsLine.FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("no awsEndpoints line in:\n%s", p.stderr.String())
	}
	return m[1]
}

func stsClient(url string, c aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: c, RetryMaxAttempts: 1})
}

func tempCreds(c aws.Credentials) awsCreds {
	return awsCreds{id: c.AccessKeyID, secret: c.SecretAccessKey, token: c.SessionToken}
}

// Seed 001's last step with STS: aws-sdk-go-v2's AssumeRoleProvider gets
// temporary credentials from the awsEndpoints listener, and they sign
// calls to an AWS_IAM route; the role's policies (narrowed by a session
// policy) decide.
func TestTemporaryCredentialsEndToEnd(t *testing.T) {
	be := headersBackend(t)
	cfg, dir := iamConfig(t, be.Listener.Addr().String(), stsExtra)
	p := start(t, "serve", "-c", cfg)
	stsEndpoint := stsURL(t, p)
	ctx := context.Background()
	alice := credentials.NewStaticCredentialsProvider(aliceKey, aliceSecret, "")

	assume := filepath.Join(dir, "assume.json")
	os.WriteFile(assume, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/*"}]}`), 0o644)
	runCLI(t, 0, "iam", "put-user-policy", "-c", cfg, "--user-name", "alice", "--policy-name", "assume", "--policy-document", "file://"+assume)

	var creds aws.Credentials
	waitFor(t, "alice's sts:AssumeRole permission", func() bool {
		var err error
		creds, err = stscreds.NewAssumeRoleProvider(stsClient(stsEndpoint, alice), "arn:aws:iam::123456789012:role/Invoker",
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "alice-app" }).Retrieve(ctx)
		return err == nil
	})
	session := tempCreds(creds)
	status, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", session, time.Now(), "")
	if status != 200 {
		t.Fatalf("GET with temporary credentials: %d %s", status, body)
	}
	var seen struct {
		Headers http.Header `json:"headers"`
	}
	json.Unmarshal([]byte(body), &seen)
	if seen.Headers.Get("X-Caller-Arn") != "arn:aws:sts::123456789012:assumed-role/Invoker/alice-app" || seen.Headers.Get("X-Caller-Key") != creds.AccessKeyID ||
		seen.Headers.Get("X-Amz-Security-Token") != "" {
		t.Errorf("backend saw %v", seen.Headers)
	}

	// Presigned, with the token in the query.
	req, _ := http.NewRequest("GET", p.api+"/prod/pets/2", nil)
	u, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, emptySHA256, "execute-api", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL has no token: %s", u)
	}
	req, _ = http.NewRequest("GET", u, nil)
	if status, body, _ := send(t, req); status != 200 {
		t.Errorf("presigned GET: %d %s", status, body)
	}

	// A session policy narrows the role: only /pets/1.
	_, err = stsClient(stsEndpoint, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Invoker"),
		RoleSessionName: aws.String("narrow"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*/prod/GET/pets/1"}]}`)})
	if err == nil {
		t.Fatal("a session policy resource that is not an ARN must be refused")
	}
	narrowed, err := stsClient(stsEndpoint, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Invoker"),
		RoleSessionName: aws.String("narrow"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/GET/pets/1"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	nc := awsCreds{id: aws.ToString(narrowed.Credentials.AccessKeyId), secret: aws.ToString(narrowed.Credentials.SecretAccessKey), token: aws.ToString(narrowed.Credentials.SessionToken)}
	if status, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", nc, time.Now(), ""); status != 200 {
		t.Errorf("narrowed session, allowed path: %d %s", status, body)
	}

	// An expired session, minted by another process sharing the store
	// (as another node would): the gateway verifies it and answers as AWS.
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "iam.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	past, _ := gsts.NewAuthority(st, st.DeriveKey(gsts.TokenKeyPurpose), func() time.Time { return time.Now().Add(-20 * time.Minute) })
	other, _ := gsts.New(gsts.Options{Region: "us-east-1", Authority: past})
	ots := httptest.NewServer(other)
	defer ots.Close()
	old, err := stscreds.NewAssumeRoleProvider(stsClient(ots.URL, alice), "arn:aws:iam::123456789012:role/Invoker").Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, path   string
		creds        awsCreds
		errType, msg string
	}{
		{"role policy denies", "/prod/pets/new", session, "AccessDeniedException",
			`{"Message":"User: arn:aws:sts::123456789012:assumed-role/Invoker/alice-app is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/POST/pets/new"}`},
		{"session policy narrows", "/prod/pets/2", nc, "AccessDeniedException",
			`{"Message":"User: arn:aws:sts::123456789012:assumed-role/Invoker/narrow is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:secureapi1/prod/GET/pets/2"}`},
		{"expired", "/prod/pets/1", tempCreds(old), "ExpiredTokenException", `{"message":"The security token included in the request is expired"}`},
		{"token of another session", "/prod/pets/1", awsCreds{session.id, session.secret, nc.token}, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`},
		{"no token", "/prod/pets/1", awsCreds{session.id, session.secret, ""}, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`},
		{"truncated token", "/prod/pets/1", awsCreds{session.id, session.secret, session.token[:len(session.token)/2]}, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`},
		{"token with a long-term key", "/prod/pets/1", awsCreds{aliceKey, aliceSecret, session.token}, "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			method := "GET"
			if strings.HasSuffix(c.path, "/new") {
				method = "POST"
			}
			status, body, h := signed(t, method, p.api+c.path, "", c.creds, time.Now(), "")
			if status != 403 || h.Get("X-Amzn-Errortype") != c.errType || body != c.msg {
				t.Errorf("%d %s %s\nwant 403 %s %s", status, h.Get("X-Amzn-Errortype"), body, c.errType, c.msg)
			}
		})
	}

	// Roles made with the CLI work in the running gateway within a second,
	// and a role policy change applies to existing sessions.
	trust := filepath.Join(dir, "trust.json")
	os.WriteFile(trust, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`), 0o644)
	out := runCLI(t, 0, "iam", "create-role", "-c", cfg, "--role-name", "Writer", "--assume-role-policy-document", "file://"+trust, "--max-session-duration", "7200")
	if !strings.Contains(out, `"Arn": "arn:aws:iam::123456789012:role/Writer"`) || !strings.Contains(out, `"MaxSessionDuration": 7200`) ||
		!strings.Contains(out, `"Principal": {`) || !strings.Contains(out, "+00:00") {
		t.Errorf("create-role output:\n%s", out)
	}
	all := filepath.Join(dir, "all.json")
	os.WriteFile(all, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`), 0o644)
	runCLI(t, 0, "iam", "put-role-policy", "-c", cfg, "--role-name", "Writer", "--policy-name", "all", "--policy-document", "file://"+all)
	var writer aws.Credentials
	waitFor(t, "the new role", func() bool {
		var err error
		writer, err = stscreds.NewAssumeRoleProvider(stsClient(stsEndpoint, alice), "arn:aws:iam::123456789012:role/Writer").Retrieve(ctx)
		return err == nil
	})
	if status, body, _ := signed(t, "POST", p.api+"/prod/pets/new", "{}", tempCreds(writer), time.Now(), ""); status != 200 {
		t.Errorf("Writer POST: %d %s", status, body)
	}
	runCLI(t, 0, "iam", "delete-role-policy", "-c", cfg, "--role-name", "Writer", "--policy-name", "all")
	waitFor(t, "the removed role policy to deny the existing session", func() bool {
		status, _, _ := signed(t, "POST", p.api+"/prod/pets/new", "{}", tempCreds(writer), time.Now(), "")
		return status == 403
	})
	out = runCLI(t, 0, "iam", "list-roles", "-c", cfg)
	if !strings.Contains(out, `"RoleName": "Invoker"`) || !strings.Contains(out, `"RoleName": "Writer"`) {
		t.Errorf("list-roles:\n%s", out)
	}
	runCLI(t, 0, "iam", "delete-role", "-c", cfg, "--role-name", "Writer")
	waitFor(t, "the deleted role's session to be refused", func() bool {
		_, body, _ := signed(t, "GET", p.api+"/prod/pets/1", "", tempCreds(writer), time.Now(), "")
		return strings.Contains(body, "The security token included in the request is invalid.")
	})
	var errOut strings.Builder
	if code := runCLIErr(&errOut, "iam", "delete-role", "-c", cfg, "--role-name", "Invoker"); code != 254 ||
		!strings.Contains(errOut.String(), "An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must delete policies first.") {
		t.Errorf("delete-role with policies: %d %q", code, errOut.String())
	}
}

// TestTemporaryCredentialsAcrossNodes runs two gateway processes on one
// PostgreSQL store: credentials issued by one node's STS sign calls that
// the other node accepts.
func TestTemporaryCredentialsAcrossNodes(t *testing.T) {
	dsn := postgresDSN(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("GATEHOUSE_STORE_KEY", base64.StdEncoding.EncodeToString(key))
	be := headersBackend(t)
	cfg, _ := iamConfig(t, be.Listener.Addr().String(), stsExtra)
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "store: sqlite://iam.db", "store: "+dsn, 1)), 0o644)
	node1 := start(t, "serve", "-c", cfg)
	node2 := start(t, "serve", "-c", cfg)
	ctx := context.Background()
	alice := credentials.NewStaticCredentialsProvider(aliceKey, aliceSecret, "")
	runCLI(t, 0, "iam", "put-user-policy", "-c", cfg, "--user-name", "alice", "--policy-name", "assume", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	var creds aws.Credentials
	waitFor(t, "alice's sts:AssumeRole permission on node 1", func() bool {
		var err error
		creds, err = stscreds.NewAssumeRoleProvider(stsClient(stsURL(t, node1), alice), "arn:aws:iam::123456789012:role/Invoker").Retrieve(ctx)
		return err == nil
	})
	for _, n := range []*process{node1, node2} {
		if status, body, _ := signed(t, "GET", n.api+"/prod/pets/1", "", tempCreds(creds), time.Now(), ""); status != 200 {
			t.Errorf("node %s: %d %s", n.api, status, body)
		}
	}
	out, err := stsClient(stsURL(t, node2), aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken))).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || !strings.HasPrefix(aws.ToString(out.Arn), "arn:aws:sts::123456789012:assumed-role/Invoker/") {
		t.Errorf("node 2 GetCallerIdentity with node 1's credentials: %v %v", out, err)
	}
}

func runCLIErr(errOut *strings.Builder, args ...string) int {
	var out strings.Builder
	return cli.Run(args, &out, errOut)
}
