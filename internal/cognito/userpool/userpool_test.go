package userpool_test

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
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/awsapi"
	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/cognito/userpool"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

const (
	poolID     = "us-east-1_Gatehouse1"
	clientID   = "3n4b5urk1ft4fl3mg5e62d9ado"
	otherID    = "7otherclient0000000000000"
	adminKey   = "AKIAGATEHOUSEADMIN01"
	adminSec   = "adminSecretKey000000000000000000000000001"
	plainKey   = "AKIAGATEHOUSEPLAIN01"
	plainSec   = "plainSecretKey000000000000000000000000001"
	alicePass  = "correct horse battery staple"
	storeFile  = "g.db"
	testRegion = "us-east-1"
)

// env is a user pools service on a loopback listener, over a real SQLite
// store.
type env struct {
	url    string
	st     *store.Store
	srv    *userpool.Server
	client *cip.Client
}

func newStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func start(t *testing.T, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	err := st.Apply(ctx, []store.SeedUser{
		{Name: "admin", AccessKeys: []store.SeedAccessKey{{ID: adminKey, Secret: adminSec}},
			Policies: []store.SeedPolicy{{Name: "auth", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cognito-idp:AdminInitiateAuth","Resource":"arn:aws:cognito-idp:us-east-1:123456789012:userpool/` + poolID + `"}]}`)}}},
		{Name: "plain", AccessKeys: []store.SeedAccessKey{{ID: plainKey, Secret: plainSec}}},
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
	hash, err := password.Hash(alicePass, password.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := userpool.New(userpool.Options{Region: testRegion, AccountID: "123456789012", DeriveKey: st.DeriveKey, Principals: auth,
		Pools: []userpool.Pool{{ID: poolID, Issuer: url + "/" + poolID,
			Clients: []userpool.Client{{ID: clientID, Name: "web"}, {ID: otherID, Name: "other"}},
			Users: []userpool.User{{Username: "alice", PasswordHash: hash,
				Attributes: map[string]string{"email": "alice@example.com", "email_verified": "true", "custom:tier": "gold"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	paths := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.ServePath(w, r) {
			http.NotFound(w, r)
		}
	})
	ts.Config.Handler = &awsapi.Handler{CognitoIdentityProvider: srv, Paths: paths}
	ts.Start()
	t.Cleanup(ts.Close)
	client := cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(adminKey, adminSec, "")})
	return &env{url: url, st: st, srv: srv, client: client}
}

func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func (e *env) signIn(t *testing.T, user, pass string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	return e.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(clientID), AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": pass}})
}

// aws-sdk-go-v2 signs in with USER_PASSWORD_AUTH; the tokens carry
// Cognito's claims and verify through the pool's discovery document and
// JWKS, as API Gateway's authorizers verify them.
func TestInitiateAuthTokens(t *testing.T) {
	e := start(t, newStore(t, filepath.Join(t.TempDir(), storeFile)))
	out, err := e.signIn(t, "Alice", alicePass) // user names are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	r := out.AuthenticationResult
	if r == nil || r.ExpiresIn != 3600 || aws.ToString(r.TokenType) != "Bearer" || r.RefreshToken == nil || out.ChallengeName != "" {
		t.Fatalf("result: %+v", out)
	}
	ctx := context.Background()
	v := jwtauth.New(jwtauth.Options{Issuer: e.url + "/" + poolID, Audiences: []string{clientID}})
	claims, err := v.Verify(ctx, aws.ToString(r.IdToken))
	if err != nil {
		t.Fatalf("ID token does not verify through discovery: %v", err)
	}
	names := make([]string, 0, len(claims.All))
	for _, c := range claims.All {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "sub,custom:tier,email,email_verified,iss,cognito:username,origin_jti,aud,event_id,token_use,auth_time,exp,iat,jti" {
		t.Errorf("ID token claims in order: %s", got)
	}
	id := payload(t, aws.ToString(r.IdToken))
	if id["iss"] != e.url+"/"+poolID || id["aud"] != clientID || id["token_use"] != "id" || id["cognito:username"] != "alice" ||
		id["email"] != "alice@example.com" || id["email_verified"] != true || id["custom:tier"] != "gold" ||
		id["exp"].(float64)-id["iat"].(float64) != 3600 || id["auth_time"] != id["iat"] {
		t.Errorf("ID token: %v", id)
	}
	ac := payload(t, aws.ToString(r.AccessToken))
	if ac["sub"] != id["sub"] || ac["client_id"] != clientID || ac["token_use"] != "access" || ac["username"] != "alice" ||
		ac["scope"] != "aws.cognito.signin.user.admin" || ac["aud"] != nil || ac["origin_jti"] != id["origin_jti"] || ac["jti"] == id["jti"] {
		t.Errorf("access token: %v", ac)
	}
	if _, err := v.Verify(ctx, aws.ToString(r.AccessToken)); err != nil {
		t.Errorf("access token (client_id) does not verify: %v", err)
	}

	// REFRESH_TOKEN_AUTH: new tokens, the same session.
	time.Sleep(1100 * time.Millisecond)
	ref, err := e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(r.RefreshToken)}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.AuthenticationResult.RefreshToken != nil {
		t.Error("a refresh issued a new refresh token (no rotation)")
	}
	id2 := payload(t, aws.ToString(ref.AuthenticationResult.IdToken))
	if id2["sub"] != id["sub"] || id2["origin_jti"] != id["origin_jti"] || id2["auth_time"] != id["auth_time"] || id2["iat"] == id["iat"] || id2["jti"] == id["jti"] {
		t.Errorf("refreshed ID token: %v vs %v", id2, id)
	}

	// The well-known documents.
	resp, err := http.Get(e.url + "/" + poolID + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if disc["issuer"] != e.url+"/"+poolID || disc["jwks_uri"] != e.url+"/"+poolID+"/.well-known/jwks.json" {
		t.Errorf("discovery: %v", disc)
	}
	resp, _ = http.Get(e.url + "/us-east-1_Unknown/.well-known/jwks.json")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown pool's JWKS: %d", resp.StatusCode)
	}
}

// Errors are Cognito's __type and message, as the SDK reads them.
func TestInitiateAuthErrors(t *testing.T) {
	e := start(t, newStore(t, filepath.Join(t.TempDir(), storeFile)))
	ctx := context.Background()
	_, err := e.signIn(t, "alice", "wrong")
	apiError(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = e.signIn(t, "mallory", alicePass)
	apiError(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String("nosuchclient"),
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": alicePass}})
	apiError(t, err, "ResourceNotFoundException", "User pool client nosuchclient does not exist.")
	_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": "alice"}})
	apiError(t, err, "InvalidParameterException", "Missing required parameter PASSWORD")
	_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": alicePass}})
	apiError(t, err, "InvalidParameterException", "Initiate Auth method not supported.")
	_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: "NOPE", ClientId: aws.String("bad client")})
	apiError(t, err, "InvalidParameterException", "2 validation errors detected: Value 'bad client' at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+; Value 'NOPE' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]")

	// Refresh tokens: forged, altered, for another client.
	out, err := e.signIn(t, "alice", alicePass)
	if err != nil {
		t.Fatal(err)
	}
	rt := aws.ToString(out.AuthenticationResult.RefreshToken)
	altered := rt[:len(rt)-3] + "AAA"
	if altered == rt {
		altered = rt[:len(rt)-3] + "BBB"
	}
	for name, tc := range map[string]struct{ client, token string }{
		"forged":       {clientID, "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.a.b.c.d"},
		"altered":      {clientID, altered},
		"other client": {otherID, rt},
	} {
		_, err = e.client.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: aws.String(tc.client),
			AuthParameters: map[string]string{"REFRESH_TOKEN": tc.token}})
		t.Run(name, func(t *testing.T) { apiError(t, err, "NotAuthorizedException", "Invalid Refresh Token") })
	}

	// The raw document, and a 1 MB body.
	post := func(body string) (int, string) {
		req, _ := http.NewRequest("POST", e.url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + clientID + `","AuthParameters":{"USERNAME":"alice","PASSWORD":"x"}}`); status != 400 ||
		body != `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}` {
		t.Errorf("wrong password: %d %s", status, body)
	}
	if status, body := post(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + strings.Repeat("a", 1<<20) + `"}`); status != 413 ||
		body != `{"__type":"RequestEntityTooLargeException","message":"Request body must be at most 524288 bytes"}` {
		t.Errorf("1 MB body: %d %.200s", status, body)
	}
	if status, body := post(`{"AuthFlow":`); status != 400 || !strings.HasPrefix(body, `{"__type":"SerializationException"`) {
		t.Errorf("truncated JSON: %d %s", status, body)
	}
	if status, body := post(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":7}`); status != 400 || !strings.HasPrefix(body, `{"__type":"SerializationException"`) {
		t.Errorf("wrong type: %d %s", status, body)
	}
}

// AdminInitiateAuth needs a SigV4 signature of an IAM principal allowed
// cognito-idp:AdminInitiateAuth on the pool.
func TestAdminInitiateAuth(t *testing.T) {
	e := start(t, newStore(t, filepath.Join(t.TempDir(), storeFile)))
	ctx := context.Background()
	in := &cip.AdminInitiateAuthInput{AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, ClientId: aws.String(clientID), UserPoolId: aws.String(poolID),
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": alicePass}}
	out, err := e.client.AdminInitiateAuth(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if id := payload(t, aws.ToString(out.AuthenticationResult.IdToken)); id["cognito:username"] != "alice" {
		t.Errorf("ID token: %v", id)
	}

	plain := cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(plainKey, plainSec, "")})
	_, err = plain.AdminInitiateAuth(ctx, in)
	apiError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/plain is not authorized to perform: cognito-idp:AdminInitiateAuth on resource: arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+poolID)
	forged := cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(adminKey, "wrong-secret", "")})
	_, err = forged.AdminInitiateAuth(ctx, in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("wrong secret: %v", err)
	}
	anon := cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
	_, err = anon.AdminInitiateAuth(ctx, in)
	apiError(t, err, "MissingAuthenticationTokenException", "Missing Authentication Token")

	other := *in
	other.UserPoolId = aws.String("us-east-1_Unknown")
	_, err = e.client.AdminInitiateAuth(ctx, &other)
	apiError(t, err, "ResourceNotFoundException", "User pool us-east-1_Unknown does not exist.")
	other = *in
	other.AuthFlow = types.AuthFlowTypeUserPasswordAuth
	_, err = e.client.AdminInitiateAuth(ctx, &other)
	apiError(t, err, "InvalidParameterException", "Initiate Auth method not supported.")
	other = *in
	other.AuthParameters = map[string]string{"USERNAME": "alice", "PASSWORD": "nope"}
	_, err = e.client.AdminInitiateAuth(ctx, &other)
	apiError(t, err, "NotAuthorizedException", "Incorrect username or password.")
}

// Two nodes on one store (two Servers over the same store key) publish
// the same keys and derive the same sub, and one node's refresh token
// works on the other: nothing lives in one process's memory.
func TestNodesAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), storeFile)
	a := start(t, newStore(t, path))
	b := start(t, newStore(t, path))
	keys := func(url string) string {
		resp, err := http.Get(url + "/" + poolID + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var doc struct {
			Keys []struct{ Kid, N string }
		}
		json.Unmarshal(body, &doc)
		if len(doc.Keys) != 1 || len(doc.Keys[0].N) < 340 {
			t.Fatalf("JWKS: %s", body)
		}
		return doc.Keys[0].Kid + doc.Keys[0].N
	}
	if keys(a.url) != keys(b.url) {
		t.Error("nodes on one store publish different keys")
	}
	outA, err := a.signIn(t, "alice", alicePass)
	if err != nil {
		t.Fatal(err)
	}
	outB, err := b.signIn(t, "alice", alicePass)
	if err != nil {
		t.Fatal(err)
	}
	if payload(t, aws.ToString(outA.AuthenticationResult.IdToken))["sub"] != payload(t, aws.ToString(outB.AuthenticationResult.IdToken))["sub"] {
		t.Error("nodes derive different subs")
	}
	if _, err := b.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		ClientId: aws.String(clientID), AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(outA.AuthenticationResult.RefreshToken)}}); err != nil {
		t.Errorf("node b refuses node a's refresh token: %v", err)
	}
	// Another store (another key): another key set, and a refusal.
	c := start(t, newStore(t, filepath.Join(t.TempDir(), storeFile)))
	if keys(c.url) == keys(a.url) {
		t.Error("another store has the same keys")
	}
	_, err = c.client.InitiateAuth(context.Background(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		ClientId: aws.String(clientID), AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(outA.AuthenticationResult.RefreshToken)}})
	apiError(t, err, "NotAuthorizedException", "Invalid Refresh Token")
}

// PasswordParams (cognito.passwordHashing) sets the dummy hash's
// parameters only: users' hashes made under other settings still verify,
// and an unknown user is refused as a wrong password is.
func TestPasswordParams(t *testing.T) {
	st := newStore(t, filepath.Join(t.TempDir(), storeFile))
	old, err := password.Hash(alicePass, password.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	srv, err := userpool.New(userpool.Options{Region: testRegion, AccountID: "123456789012", DeriveKey: st.DeriveKey,
		PasswordParams: password.Params{MemoryKiB: 4096, Iterations: 1, Parallelism: 1},
		Pools: []userpool.Pool{{ID: poolID, Issuer: url + "/" + poolID, Clients: []userpool.Client{{ID: clientID}},
			Users: []userpool.User{{Username: "alice", PasswordHash: old}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = &awsapi.Handler{CognitoIdentityProvider: srv}
	ts.Start()
	t.Cleanup(ts.Close)
	e := &env{url: url, st: st, srv: srv, client: cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})}
	if _, err := e.signIn(t, "alice", alicePass); err != nil {
		t.Errorf("a hash made under the default parameters: %v", err)
	}
	_, err = e.signIn(t, "alice", "wrong")
	apiError(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = e.signIn(t, "mallory", alicePass)
	apiError(t, err, "NotAuthorizedException", "Incorrect username or password.")
	if _, err := userpool.New(userpool.Options{Region: testRegion, AccountID: "123456789012", DeriveKey: st.DeriveKey,
		PasswordParams: password.Params{MemoryKiB: 4096, Iterations: 99, Parallelism: 1}}); err == nil {
		t.Error("out-of-bounds PasswordParams accepted")
	}
}
