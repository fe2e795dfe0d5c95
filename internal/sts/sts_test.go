package sts_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/store"
	gsts "github.com/gatehouse/gatehouse/internal/sts"
)

const (
	region     = "us-east-1"
	account    = "123456789012"
	aliceKey   = "AKIAEXAMPLEALICE0001"
	aliceSec   = "alice/Example/Secret/Key/0000000000000001"
	bobKey     = "AKIAEXAMPLEBOB000001"
	bobSec     = "bob/Example/Secret/Key/00000000000000001"
	invokerARN = "arn:aws:iam::123456789012:role/Invoker"
)

// aliceMay lets alice assume Invoker and call the API.
const aliceMay = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/*"},
 {"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`

const trustAlice = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`

const trustBob = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sts:AssumeRole"}]}`

const invokePets = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/GET/pets"}]}`

// env is a real SQLite store and a real STS server on loopback.
type env struct {
	store *store.Store
	auth  *gsts.Authority
	url   string
}

func newEnv(t *testing.T, opts ...func(*gsts.Options)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "gatehouse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Apply(ctx, []store.SeedUser{
		{Name: "alice", AccessKeys: []store.SeedAccessKey{{ID: aliceKey, Secret: aliceSec}}, Policies: []store.SeedPolicy{{Name: "may", Document: []byte(aliceMay)}}},
		{Name: "bob", AccessKeys: []store.SeedAccessKey{{ID: bobKey, Secret: bobSec}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.ApplyRoles(ctx, []store.SeedRole{
		{Name: "Invoker", AssumeRolePolicy: []byte(trustAlice), Policies: []store.SeedPolicy{{Name: "pets", Document: []byte(invokePets)}}},
		{Name: "BobsRole", AssumeRolePolicy: []byte(trustBob)},
		{Name: "Long", AssumeRolePolicy: []byte(trustAlice), Options: store.RoleOptions{MaxSessionDuration: 7200}},
	})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := gsts.NewAuthority(st, st.DeriveKey(gsts.TokenKeyPurpose), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := gsts.Options{Region: region, Authority: auth}
	for _, f := range opts {
		f(&o)
	}
	srv, err := gsts.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{store: st, auth: auth, url: ts.URL}
}

// client is aws-sdk-go-v2's STS client pointed at the server.
func (e *env) client(p aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(e.url), Credentials: p,
		RetryMaxAttempts: 1})
}

func static(id, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, token)
}

// apiError returns the code and message of an SDK error.
func apiError(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an API error, got %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestGetCallerIdentity(t *testing.T) {
	e := newEnv(t)
	out, err := e.client(static(aliceKey, aliceSec, "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := e.store.User("alice")
	if aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/alice" || aws.ToString(out.Account) != account || aws.ToString(out.UserId) != u.UserID {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
	}
	_, err = e.client(static(aliceKey, "wrong-secret", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if code, msg := apiError(t, err); code != "SignatureDoesNotMatch" || !strings.HasPrefix(msg, "The request signature we calculated does not match") {
		t.Errorf("wrong secret: %s %q", code, msg)
	}
	_, err = e.client(static("AKIAUNKNOWNKEY000001", "x", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if code, msg := apiError(t, err); code != "InvalidClientTokenId" || msg != "The security token included in the request is invalid." {
		t.Errorf("unknown key: %s %q", code, msg)
	}
}

// stscreds.AssumeRoleProvider, unchanged, gets credentials that sign
// further calls; the session is the role's.
func TestAssumeRoleProvider(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := stscreds.NewAssumeRoleProvider(e.client(static(aliceKey, aliceSec, "")), invokerARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "alice-session"
	})
	creds, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || len(creds.AccessKeyID) != 20 || len(creds.SecretAccessKey) != 40 || creds.SessionToken == "" {
		t.Errorf("credentials = %s / %d-char secret / token %d bytes", creds.AccessKeyID, len(creds.SecretAccessKey), len(creds.SessionToken))
	}
	// stscreds asks for 15 minutes unless told otherwise.
	if d := time.Until(creds.Expires); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expires in %v, want stscreds' default 15 minutes", d)
	}
	out, err := e.client(aws.NewCredentialsCache(p)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	role, _ := e.store.Role("Invoker")
	if aws.ToString(out.Arn) != "arn:aws:sts::123456789012:assumed-role/Invoker/alice-session" || aws.ToString(out.UserId) != role.RoleID+":alice-session" {
		t.Errorf("caller = %s %s", aws.ToString(out.Arn), aws.ToString(out.UserId))
	}

	// The token must go with its own key.
	_, err = e.client(static(aliceKey, aliceSec, creds.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, msg := apiError(t, err); code != "InvalidClientTokenId" || msg != "The security token included in the request is invalid." {
		t.Errorf("token with a long-term key: %s %q", code, msg)
	}
	other, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]aws.Credentials{
		"forged":              {AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: "IQoJb3JpZ2luX2VjEA8aCWV1LXdlc3QtMyJHMEUCIQC4kHasZrfnaMezJkcPtDD8YizZlKE="},
		"truncated":           {AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken[:len(creds.SessionToken)-8]},
		"altered":             {AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: flip(creds.SessionToken)},
		"another key's token": {AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: other.SessionToken},
		"missing":             {AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
	} {
		_, err := e.client(static(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if code, msg := apiError(t, err); code != "InvalidClientTokenId" || msg != "The security token included in the request is invalid." {
			t.Errorf("%s token: %s %q", name, code, msg)
		}
	}

	// Role chaining: the session may assume a role that trusts it, for at
	// most an hour.
	_, err = e.client(aws.NewCredentialsCache(p)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("chained")})
	if code, msg := apiError(t, err); code != "AccessDenied" ||
		msg != "User: arn:aws:sts::123456789012:assumed-role/Invoker/alice-session is not authorized to perform: sts:AssumeRole on resource: "+invokerARN {
		t.Errorf("chained without permission: %s %q", code, msg)
	}
}

func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.client(static(aliceKey, aliceSec, ""))
	cases := []struct {
		name      string
		client    *sts.Client
		in        sts.AssumeRoleInput
		code, msg string
	}{
		{"duration too short", alice, sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(100)},
			"ValidationError", "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"duration above the role's maximum", alice, sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)},
			"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"duration above 12 hours", alice, sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)},
			"ValidationError", "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"bad session name", alice, sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("a b")},
			"ValidationError", `1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"two problems", alice, sts.AssumeRoleInput{RoleArn: aws.String("arn:short"), RoleSessionName: aws.String("x")},
			"ValidationError", "2 validation errors detected: Value 'arn:short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"trust policy does not trust alice", alice, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/BobsRole"), RoleSessionName: aws.String("s1")},
			"AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/BobsRole"},
		{"bob's own policies do not allow it", e.client(static(bobKey, bobSec, "")), sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/BobsRole"), RoleSessionName: aws.String("s1")},
			"AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/BobsRole"},
		{"no such role", alice, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Nobody"), RoleSessionName: aws.String("s1")},
			"AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Nobody"},
		{"malformed session policy", alice, sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("s1"), Policy: aws.String(`{"Statement":[{"Effect":"Allow","Action":"x"}]}`)},
			"MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iamservice, sdb, ec2, etc."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := c.client.AssumeRole(ctx, &c.in)
			if err == nil {
				t.Fatalf("issued %s; want %s", aws.ToString(out.Credentials.AccessKeyId), c.code)
			}
			if code, msg := apiError(t, err); code != c.code || msg != c.msg {
				t.Errorf("got %s %q\nwant %s %q", code, msg, c.code, c.msg)
			}
		})
	}

	// Within the role's MaxSessionDuration, with a session policy.
	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Long"), RoleSessionName: aws.String("long"),
		DurationSeconds: aws.Int32(7200), Policy: aws.String(invokePets), SourceIdentity: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(aws.ToTime(out.Credentials.Expiration)); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("expires in %v, want 2 h", d)
	}
	n := len(aws.ToString(out.Credentials.SessionToken))
	if int(aws.ToInt32(out.SessionTokenSize)) != n || int(aws.ToInt32(out.SessionTokenUtilization)) != (n*100+4095)/4096 || aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("SessionTokenSize %d (token %d), SessionTokenUtilization %d, SourceIdentity %q",
			aws.ToInt32(out.SessionTokenSize), n, aws.ToInt32(out.SessionTokenUtilization), aws.ToString(out.SourceIdentity))
	}
	padded, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("padded"), MinimumSessionTokenSize: aws.Int32(4000)})
	if err != nil || len(aws.ToString(padded.Credentials.SessionToken)) < 4000 || len(aws.ToString(padded.Credentials.SessionToken)) > 4096 {
		t.Errorf("MinimumSessionTokenSize 4000: %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.client(static(aliceKey, aliceSec, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if d := time.Until(aws.ToTime(c.Expiration)); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expires in %v", d)
	}
	session := e.client(static(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	id, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/alice" {
		t.Errorf("session caller = %v, %v", aws.ToString(id.Arn), err)
	}
	_, err = session.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if code, msg := apiError(t, err); code != "AccessDenied" || msg != "Cannot call GetSessionToken with session credentials" {
		t.Errorf("GetSessionToken with session credentials: %s %q", code, msg)
	}
	// A user session may assume a role as the user.
	if _, err := session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("from-session")}); err != nil {
		t.Errorf("AssumeRole from a user session: %v", err)
	}
	_, err = e.client(static(aliceKey, aliceSec, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
	if code, msg := apiError(t, err); code != "ValidationError" || msg != "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600" {
		t.Errorf("too long: %s %q", code, msg)
	}
}

// Credentials past their expiry are refused with ExpiredToken, after the
// signature check.
func TestExpiredCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	past, err := gsts.NewAuthority(e.store, e.store.DeriveKey(gsts.TokenKeyPurpose), func() time.Time { return time.Now().Add(-16 * time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gsts.New(gsts.Options{Region: region, Authority: past})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	old := sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(ts.URL), Credentials: static(aliceKey, aliceSec, "")})
	out, err := old.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(invokerARN), RoleSessionName: aws.String("old"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	_, err = e.client(static(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, msg := apiError(t, err); code != "ExpiredToken" || msg != "The security token included in the request is expired" {
		t.Errorf("expired: %s %q", code, msg)
	}
	_, err = e.client(static(aws.ToString(c.AccessKeyId), "wrong", aws.ToString(c.SessionToken))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, _ := apiError(t, err); code != "SignatureDoesNotMatch" {
		t.Errorf("expired, wrong secret: %s (the signature is checked first)", code)
	}
}

// The XML documents, byte for byte, for requests the SDK would not send.
func TestQueryProtocol(t *testing.T) {
	e := newEnv(t)
	post := func(body string) (int, http.Header, string) {
		resp, err := http.Post(e.url, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, string(b)
	}
	errDoc := func(typ, code, msg, id string) string {
		return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` + "\n" +
			"  <Error>\n    <Type>" + typ + "</Type>\n    <Code>" + code + "</Code>\n    <Message>" + msg + "</Message>\n  </Error>\n" +
			"  <RequestId>" + id + "</RequestId>\n</ErrorResponse>\n"
	}
	cases := []struct {
		name, body      string
		status          int
		typ, code, mesg string
	}{
		{"unsigned", "Action=GetCallerIdentity&Version=2011-06-15", 403, "Sender", "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"no action", "Version=2011-06-15", 400, "Sender", "MissingAction", "Missing Action"},
		{"unknown action", "Action=GetFederationToken&Version=2011-06-15", 400, "Sender", "InvalidAction", "Could not find operation GetFederationToken for version 2011-06-15"},
		{"wrong version", "Action=GetCallerIdentity&Version=2010-05-08", 400, "Sender", "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-05-08"},
		{"bad encoding", "Action=%zz", 400, "Sender", "MalformedQueryString", "The request body is not valid application/x-www-form-urlencoded"},
		{"1 MB body", "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + strings.Repeat("a", 1<<20), 413, "Sender", "RequestEntityTooLarge", "Request body must be at most 131072 bytes"},
		{"web identity without token", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + invokerARN + "&RoleSessionName=web", 400, "Sender", "ValidationError",
			"1 validation error detected: Value null at &#39;webIdentityToken&#39; failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := post(c.body)
			id := h.Get("x-amzn-RequestId")
			if len(id) != 36 || h.Get("Content-Type") != "text/xml" {
				t.Errorf("headers: %v", h)
			}
			if want := errDoc(c.typ, c.code, c.mesg, id); status != c.status || body != want {
				t.Errorf("got %d\n%s\nwant %d\n%s", status, body, c.status, want)
			}
		})
	}
}
