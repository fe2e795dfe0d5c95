package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/awsapi"
	"github.com/gatehouse/gatehouse/internal/cognito/identity"
	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/cognito/userpool"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

const (
	userPool  = "us-east-1_Gatehouse1"
	clientID  = "3n4b5urk1ft4fl3mg5e62d9ado"
	otherID   = "7otherclient0000000000000"
	poolA     = "us-east-1:11111111-1111-4111-8111-111111111111"
	poolB     = "us-east-1:22222222-2222-4222-8222-222222222222"
	alicePass = "correct horse battery staple"
	loginKey  = "cognito-idp.us-east-1.amazonaws.com/" + userPool
)

// trust is a role trust policy for Cognito identity pool poolID and amr.
func trust(poolID, amr string) []byte {
	return []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + poolID + `"},` +
		`"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"` + amr + `"}}}]}`)
}

type env struct {
	url  string
	st   *store.Store
	auth *sts.Authority
	idp  *ci.Client
	up   *cip.Client
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// start serves STS, a user pool and identity pools A (authenticated and
// guest roles, trusting A) and B (the same authenticated role, which
// does not trust B; no guests) on a loopback listener. now shifts the
// user pool's clock (to mint expired tokens); issuer "" is the
// listener's.
func start(t *testing.T, st *store.Store, now func() time.Time, issuer string) *env {
	t.Helper()
	ctx := context.Background()
	err := st.ApplyRoles(ctx, []store.SeedRole{
		{Name: "CognitoAuthRole", AssumeRolePolicy: trust(poolA, "authenticated"),
			Policies: []store.SeedPolicy{{Name: "invoke", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)}}},
		{Name: "CognitoUnauthRole", AssumeRolePolicy: trust(poolA, "unauthenticated")},
	})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := sts.NewAuthority(st, st.DeriveKey(sts.TokenKeyPurpose), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	if issuer == "" {
		issuer = url + "/" + userPool
	}
	hash, _ := password.Hash(alicePass, password.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1})
	up, err := userpool.New(userpool.Options{Region: "us-east-1", AccountID: "123456789012", DeriveKey: st.DeriveKey, Now: now,
		Pools: []userpool.Pool{{ID: userPool, Issuer: issuer, Clients: []userpool.Client{{ID: clientID}, {ID: otherID}},
			Users: []userpool.User{{Username: "alice", PasswordHash: hash}}}}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := up.Verifier(userPool, []string{clientID})
	prov := identity.Provider{Name: loginKey, UserPool: true, Verifier: v}
	idp, err := identity.New(identity.Options{DeriveKey: st.DeriveKey, Pools: []identity.Pool{
		{ID: poolA, Providers: []identity.Provider{prov}, AuthenticatedRole: "CognitoAuthRole", UnauthenticatedRole: "CognitoUnauthRole"},
		{ID: poolB, Providers: []identity.Provider{prov}, AuthenticatedRole: "CognitoAuthRole"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	stsSrv, err := sts.New(sts.Options{Region: "us-east-1", Authority: auth, Providers: []sts.WebIdentityProvider{idp.WebIdentityProvider()}})
	if err != nil {
		t.Fatal(err)
	}
	idp.SetCredentials(stsSrv, roles{st})
	paths := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.ServePath(w, r) && !idp.ServePath(w, r) {
			http.NotFound(w, r)
		}
	})
	ts.Config.Handler = &awsapi.Handler{STS: stsSrv, CognitoIdentity: idp, CognitoIdentityProvider: up, Paths: paths}
	ts.Start()
	t.Cleanup(ts.Close)
	return &env{url: url, st: st, auth: auth,
		idp: ci.New(ci.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}}),
		up:  cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})}
}

type roles struct{ s *store.Store }

func (r roles) RoleARN(name string) (string, bool) {
	role, ok := r.s.Role(name)
	return role.ARN, ok
}

func (e *env) signIn(t *testing.T, client string) (id, access string) {
	t.Helper()
	out, err := e.up.InitiateAuth(context.Background(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(client), AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": alicePass}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), aws.ToString(out.AuthenticationResult.AccessToken)
}

func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Errorf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// Seed 001's steps 1 and 2 with aws-sdk-go-v2: sign in, GetId,
// GetCredentialsForIdentity; the credentials are the authenticated
// role's, for the identity, and STS says who they are.
func TestEnhancedFlow(t *testing.T) {
	e := start(t, openStore(t, filepath.Join(t.TempDir(), "g.db")), nil, "")
	ctx := context.Background()
	idToken, _ := e.signIn(t, clientID)
	logins := map[string]string{loginKey: idToken}
	got, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	identityID := aws.ToString(got.IdentityId)
	if !strings.HasPrefix(identityID, "us-east-1:") || len(identityID) != len("us-east-1:")+36 {
		t.Fatalf("identity id %q", identityID)
	}
	// Stable: the same login gives the same id; another pool another id.
	idToken2, _ := e.signIn(t, clientID)
	again, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{loginKey: idToken2}})
	if err != nil || aws.ToString(again.IdentityId) != identityID {
		t.Errorf("second GetId: %v %v", again, err)
	}
	inB, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolB), Logins: logins})
	if err != nil || aws.ToString(inB.IdentityId) == identityID {
		t.Errorf("GetId in pool B: %v %v", inB, err)
	}

	creds, err := e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityID), Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	c := creds.Credentials
	if aws.ToString(creds.IdentityId) != identityID || !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || c.Expiration == nil ||
		time.Until(*c.Expiration) < 59*time.Minute || time.Until(*c.Expiration) > 61*time.Minute {
		t.Fatalf("credentials: %+v", c)
	}
	stsc := awssts.New(awssts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretKey), aws.ToString(c.SessionToken))})
	who, err := stsc.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials" {
		t.Errorf("caller: %s", aws.ToString(who.Arn))
	}
	p, ok := e.auth.Principal(aws.ToString(c.AccessKeyId), aws.ToString(c.SessionToken))
	info, isCognito := p.Web.Cognito()
	sub := claim(t, idToken, "sub")
	if !ok || !isCognito || info.IdentityID != identityID || info.PoolID != poolA || info.AuthenticationType != "authenticated" ||
		info.AuthenticationProvider != loginKey+","+loginKey+":CognitoSignIn:"+sub {
		t.Errorf("cognito identity of the session: %+v", info)
	}

	// GetOpenIdToken: the pool's own token.
	oid, err := e.idp.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: aws.String(identityID), Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	tok := aws.ToString(oid.Token)
	if claim(t, tok, "iss") != identity.Issuer || claim(t, tok, "aud") != poolA || claim(t, tok, "sub") != identityID {
		t.Errorf("OpenID token: %s", tok)
	}
	resp, err := http.Get(e.url + "/.well-known/jwks_uri")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"alg":"RS512"`) {
		t.Errorf("jwks_uri: %s", body)
	}

	// Pool B's role does not trust pool B: nothing is issued.
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: inB.IdentityId, Logins: logins})
	apiError(t, err, "InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
}

func claim(t *testing.T, token, name string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	json.Unmarshal(b, &m)
	s, _ := m[name].(string)
	return s
}

// Guests get the unauthenticated role's credentials only where the pool
// has one.
func TestGuests(t *testing.T) {
	e := start(t, openStore(t, filepath.Join(t.TempDir(), "g.db")), nil, "")
	ctx := context.Background()
	g1, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA)})
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA)})
	if aws.ToString(g1.IdentityId) == aws.ToString(g2.IdentityId) {
		t.Error("two guests got one identity")
	}
	creds, err := e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: g1.IdentityId})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.auth.Principal(aws.ToString(creds.Credentials.AccessKeyId), aws.ToString(creds.Credentials.SessionToken))
	if info, _ := p.Web.Cognito(); p.RoleName != "CognitoUnauthRole" || info.AuthenticationType != "unauthenticated" || info.IdentityID != aws.ToString(g1.IdentityId) {
		t.Errorf("guest session: %+v %+v", p, info)
	}
	_, err = e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolB)})
	apiError(t, err, "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")

	// An authenticated identity without its login.
	idToken, _ := e.signIn(t, clientID)
	got, _ := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{loginKey: idToken}})
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: got.IdentityId})
	apiError(t, err, "NotAuthorizedException", "Access to Identity '"+aws.ToString(got.IdentityId)+"' is forbidden.")
}

// Bad input: ID tokens with a wrong aud, expired, alg none, signed by
// another key, an access token; unknown pools and identities; an
// identity id of another pool; a 1 MB body. Nothing is issued.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	e := start(t, openStore(t, filepath.Join(dir, "g.db")), nil, "")
	ctx := context.Background()
	good, access := e.signIn(t, clientID)
	wrongAud, _ := e.signIn(t, otherID)
	past := start(t, openStore(t, filepath.Join(dir, "g.db")), func() time.Time { return time.Now().Add(-2 * time.Hour) }, e.url+"/"+userPool)
	expired, _ := past.signIn(t, clientID)
	foreign := start(t, openStore(t, filepath.Join(t.TempDir(), "g.db")), nil, e.url+"/"+userPool)
	otherKey, _ := foreign.signIn(t, clientID)
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."

	for _, tc := range []struct{ name, token, code, msg string }{
		{"wrong aud", wrongAud, "NotAuthorizedException", "Token is not from a supported provider of this identity pool."},
		{"expired", expired, "NotAuthorizedException", ""},
		{"alg none", none, "NotAuthorizedException", "Invalid login token. Couldn't verify signed token."},
		{"another key", otherKey, "NotAuthorizedException", "Invalid login token. Couldn't verify signed token."},
		{"access token", access, "NotAuthorizedException", "Invalid login token. Missing a required claim: aud"},
		{"not a JWT", "hello", "NotAuthorizedException", "Invalid login token. Not a valid OpenId Connect identity token."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{loginKey: tc.token}})
			apiError(t, err, tc.code, tc.msg)
			if tc.name == "expired" {
				var ae smithy.APIError
				if errors.As(err, &ae) && !strings.HasPrefix(ae.ErrorMessage(), "Invalid login token. Token expired: ") {
					t.Errorf("expired: %q", ae.ErrorMessage())
				}
			}
		})
	}
	_, err := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{"accounts.google.com": good}})
	apiError(t, err, "NotAuthorizedException", "Token is not from a supported provider of this identity pool.")
	unknownPool := "us-east-1:33333333-3333-4333-8333-333333333333"
	_, err = e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(unknownPool)})
	apiError(t, err, "ResourceNotFoundException", "IdentityPool '"+unknownPool+"' not found.")
	_, err = e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String("us-east-1_NotAnIdentityPool")})
	apiError(t, err, "InvalidParameterException", "1 validation error detected: Value 'us-east-1_NotAnIdentityPool' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+")
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(unknownPool)})
	apiError(t, err, "ResourceNotFoundException", "Identity '"+unknownPool+"' not found.")

	// An identity id of pool B with pool A's... rather: pool B's id, whose
	// logins prove pool A's identity only.
	logins := map[string]string{loginKey: good}
	inA, _ := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: logins})
	inB, _ := e.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolB), Logins: logins})
	// Tamper with A's id: keep its pool tag, change the rest.
	idA := aws.ToString(inA.IdentityId)
	forged := idA[:len(idA)-4] + "0000"
	if forged == idA {
		forged = idA[:len(idA)-4] + "1111"
	}
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(forged), Logins: logins})
	apiError(t, err, "NotAuthorizedException", "Logins don't match. Please include at least one valid login for this identity or identity pool.")
	// A real identity of another pool on another store: unknown here.
	other, _ := foreign.idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{loginKey: otherKey}})
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: other.IdentityId, Logins: logins})
	apiError(t, err, "ResourceNotFoundException", "Identity '"+aws.ToString(other.IdentityId)+"' not found.")
	// Pool B's identity is not pool A's: its credentials are B's role's
	// (refused by the trust policy), never A's.
	_, err = e.idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: inB.IdentityId, Logins: logins})
	apiError(t, err, "InvalidIdentityPoolConfigurationException", "")

	req, _ := http.NewRequest("POST", e.url+"/", strings.NewReader(`{"IdentityPoolId":"`+strings.Repeat("a", 1<<20)+`"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.GetId")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), "RequestEntityTooLargeException") {
		t.Errorf("1 MB body: %d %s", resp.StatusCode, body)
	}
}
