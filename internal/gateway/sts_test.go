package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/store"
	gsts "github.com/gatehouse/gatehouse/internal/sts"
)

// storeSessions adapts the store and STS's authority to the gateway, as
// cmd does: long-term keys and temporary credentials.
type storeSessions struct {
	storeCallers
	auth *gsts.Authority
}

var _ gateway.Sessions = storeSessions{}

func (ss storeSessions) SessionCaller(id, token string) (gateway.Caller, bool) {
	p, ok := ss.auth.Principal(id, token)
	if !ok {
		return gateway.Caller{}, false
	}
	c := gateway.Caller{AccessKeyID: p.AccessKeyID, Secret: p.Secret, Active: true, UserName: p.UserName, UserID: p.UserID, ARN: p.ARN,
		AccountID: p.AccountID, Policies: p.Policies, SessionToken: p.SessionToken, Expires: p.Expires, PrincipalType: p.Type, SessionPolicy: p.SessionPolicy}
	if ci, ok := p.Web.Cognito(); ok {
		c.CognitoIdentityID, c.CognitoIdentityPoolID, c.CognitoAuthenticationType, c.CognitoAuthenticationProvider = ci.IdentityID, ci.PoolID, ci.AuthenticationType, ci.AuthenticationProvider
		c.CognitoAMR = p.Web.AMR
	}
	return c, true
}

// Temporary credentials from a Cognito identity pool's web identity fill
// $context.identity as API Gateway does for identity pool callers.
func TestCognitoIdentityPoolCaller(t *testing.T) {
	ctx := context.Background()
	be := echoBackend(t)
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "iam.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const pool = "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + pool + `"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`
	if err := st.ApplyRoles(ctx, []store.SeedRole{{Name: "CognitoAuthRole", AssumeRolePolicy: []byte(trust), Policies: []store.SeedPolicy{{Name: "all", Document: []byte(allowAll)}}}}); err != nil {
		t.Fatal(err)
	}
	auth, err := gsts.NewAuthority(st, st.DeriveKey(gsts.TokenKeyPurpose), nil)
	if err != nil {
		t.Fatal(err)
	}

	// The identity pool's OpenID token issuer, on loopback, standing in
	// for https://cognito-identity.amazonaws.com.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			json.NewEncoder(w).Encode(map[string]string{"jwks_uri": "http://" + r.Host + "/jwks"})
			return
		}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k", Algorithm: "ES256", Use: "sig"}}})
	}))
	defer idp.Close()
	to, _ := url.Parse(idp.URL)
	const iss = "https://cognito-identity.amazonaws.com"
	verifier := jwtauth.New(jwtauth.Options{Issuer: iss, HTTPClient: &http.Client{Transport: toLoopback{to}, Timeout: 5 * time.Second}})
	stsSrv, err := gsts.New(gsts.Options{Region: "us-east-1", Authority: auth, Providers: []gsts.WebIdentityProvider{
		{Issuer: iss, Principal: gsts.CognitoIdentity, KeyPrefix: gsts.CognitoIdentity, Verifier: verifier}}})
	if err != nil {
		t.Fatal(err)
	}
	stsURL := httptest.NewServer(stsSrv)
	defer stsURL.Close()
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
	amr := []string{"authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1:CognitoSignIn:sub-1"}
	tok, err := jwt.Signed(signer).Claims(map[string]any{"iss": iss, "sub": "us-east-1:identity-1", "aud": pool, "amr": amr,
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(stsURL.URL), Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	out, err := client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/CognitoAuthRole"),
		RoleSessionName: aws.String("CognitoIdentityCredentials"), WebIdentityToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(out.Credentials.SessionToken)}

	os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte(`
apis:
  - name: h
    id: httpapi001
    protocol: HTTP
    routes:
      "GET /me":
        authorizationType: AWS_IAM
        integration: {type: http_proxy, httpMethod: GET, uri: "http://`+be.Listener.Addr().String()+`/me"}
    stages:
      $default:
        accessLog: {format: '$context.identity.caller|$context.identity.user|$context.identity.userArn|$context.identity.accountId|$context.identity.accessKey|$context.identity.cognitoIdentityId|$context.identity.cognitoIdentityPoolId|$context.identity.cognitoAuthenticationType|$context.identity.cognitoAuthenticationProvider'}
`), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	sinks := gateway.NewLogSinks(logs)
	logs.close = sinks.Close
	plan, err := gateway.NewPlan(cfg, sinks)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(plan, gateway.Options{Identities: storeSessions{storeCallers{st}, auth}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body := doReq(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /me: %d %s", resp.StatusCode, body)
	}
	sinks.Close()
	role, _ := st.Role("CognitoAuthRole")
	want := role.RoleID + ":CognitoIdentityCredentials|" + role.RoleID + ":CognitoIdentityCredentials|arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials|123456789012|" +
		creds.AccessKeyID + "|us-east-1:identity-1|" + pool + "|authenticated|" + strings.Join(amr[1:], ",")
	if got := strings.TrimSpace(logs.String()); got != want {
		t.Errorf("access log\n got %s\nwant %s", got, want)
	}
}

// toLoopback sends every request to the loopback IdP.
type toLoopback struct{ to *url.URL }

func (l toLoopback) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = l.to.Scheme, l.to.Host
	return http.DefaultTransport.RoundTrip(r)
}
