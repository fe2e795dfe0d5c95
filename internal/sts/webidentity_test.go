package sts_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/store"
	gsts "github.com/gatehouse/gatehouse/internal/sts"
)

// idp is a real OpenID provider on loopback: discovery and a JWKS with
// one ES256 key.
type idp struct {
	url string
	key *ecdsa.PrivateKey
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": p.url, "jwks_uri": "http://" + r.Host + "/jwks.json"})
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// token signs claims with key (the IdP's, or another).
func token(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rewrite sends every request to the loopback IdP, whatever its URL
// names: the IdP plays https://cognito-identity.amazonaws.com.
type rewrite struct{ to *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = rw.to.Scheme, rw.to.Host
	return http.DefaultTransport.RoundTrip(r)
}

const cognitoPool = "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b"

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	oidc := newIDP(t)
	cognito := newIDP(t)
	to, _ := url.Parse(cognito.url)
	const cognitoIss = "https://cognito-identity.amazonaws.com"
	hostPath := strings.TrimPrefix(oidc.url, "http://")
	e := newEnv(t, func(o *gsts.Options) {
		o.Providers = []gsts.WebIdentityProvider{
			gsts.OIDCProvider(account, oidc.url, []string{"client-1"}, nil),
			{Issuer: cognitoIss, Principal: gsts.CognitoIdentity, KeyPrefix: gsts.CognitoIdentity,
				Verifier: jwtauth.New(jwtauth.Options{Issuer: cognitoIss, HTTPClient: &http.Client{Transport: rewrite{to}, Timeout: 5 * time.Second}})},
		}
	})
	ctx := context.Background()
	trustOIDC := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/` + hostPath + `"},
	  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + hostPath + `:sub":"user-1"}}}]}`
	trustCognito := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
	  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"` + cognitoPool + `"},
	  "ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`
	if err := e.store.ApplyRoles(ctx, []store.SeedRole{
		{Name: "WebRole", AssumeRolePolicy: []byte(trustOIDC)},
		{Name: "CognitoAuthRole", AssumeRolePolicy: []byte(trustCognito), Policies: []store.SeedPolicy{{Name: "pets", Document: []byte(invokePets)}}},
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	oidcClaims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": oidc.url, "sub": "user-1", "aud": "client-1", "exp": now + 600, "iat": now}
		if mod != nil {
			mod(c)
		}
		return c
	}
	cognitoClaims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": cognitoIss, "sub": "us-east-1:identity-1", "aud": cognitoPool, "exp": now + 600, "iat": now,
			"amr": []string{"authenticated", "cognito-idp.us-east-1.amazonaws.com", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1:CognitoSignIn:sub-1"}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	anon := e.client(nil)

	// stscreds.WebIdentityRoleProvider, unchanged.
	p := stscreds.NewWebIdentityRoleProvider(anon, "arn:aws:iam::123456789012:role/CognitoAuthRole",
		tokenFunc(token(t, cognito.key, cognitoClaims(nil))), func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "CognitoIdentityCredentials" })
	creds, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pr, ok := e.auth.Principal(creds.AccessKeyID, creds.SessionToken)
	if !ok || pr.ARN != "arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials" || pr.Web == nil ||
		pr.Web.Subject != "us-east-1:identity-1" || pr.Web.Provider != gsts.CognitoIdentity || len(pr.Web.AMR) != 3 || len(pr.Policies) != 1 {
		t.Errorf("principal = %+v (web %+v), %v", pr, pr.Web, ok)
	}

	out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/WebRole"),
		RoleSessionName: aws.String("web"), WebIdentityToken: aws.String(token(t, oidc.key, oidcClaims(nil)))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Provider) != oidc.url || aws.ToString(out.Audience) != "client-1" || aws.ToString(out.SubjectFromWebIdentityToken) != "user-1" ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::123456789012:assumed-role/WebRole/web" {
		t.Errorf("response = %+v", out)
	}

	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	noneToken := b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(`{"iss":"`+oidc.url+`","sub":"user-1","aud":"client-1","exp":`+itoa(now+600)+`}`) + "."
	cases := []struct {
		name, role, token string
		code, msg         string
	}{
		{"wrong audience", "WebRole", token(t, oidc.key, oidcClaims(func(c map[string]any) { c["aud"] = "other" })), "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", "WebRole", token(t, oidc.key, oidcClaims(func(c map[string]any) { c["exp"] = now - 60 })), "ExpiredTokenException",
			"Token expired: current date/time " + itoa(now) + " must be before the expiration date/time" + itoa(now-60)},
		{"alg none", "WebRole", noneToken, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."},
		{"signed by another key", "WebRole", token(t, other, oidcClaims(nil)), "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."},
		{"unknown issuer", "WebRole", token(t, oidc.key, oidcClaims(func(c map[string]any) { c["iss"] = "https://idp.example.com" })), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://idp.example.com"},
		{"not a JWT", "WebRole", "not-a-jwt", "InvalidIdentityToken", "Couldn't parse the JWT"},
		{"trust condition on sub", "WebRole", token(t, oidc.key, oidcClaims(func(c map[string]any) { c["sub"] = "user-2" })), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"unauthenticated identity", "CognitoAuthRole", token(t, cognito.key, cognitoClaims(func(c map[string]any) { c["amr"] = []string{"unauthenticated"} })), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"identity of another pool", "CognitoAuthRole", token(t, cognito.key, cognitoClaims(func(c map[string]any) { c["aud"] = "us-east-1:other-pool" })), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"provider the trust policy does not name", "CognitoAuthRole", token(t, oidc.key, oidcClaims(nil)), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/" + c.role),
				RoleSessionName: aws.String("web"), WebIdentityToken: aws.String(c.token)})
			if err == nil {
				t.Fatalf("issued %s", aws.ToString(out.Credentials.AccessKeyId))
			}
			code, msg := apiError(t, err)
			// The expiry message quotes the server's clock.
			if c.code == "ExpiredTokenException" {
				msg = strings.Replace(msg, "date/time "+itoa(time.Now().Unix()), "date/time "+itoa(now), 1)
			}
			if code != c.code || msg != c.msg {
				t.Errorf("got %s %q\nwant %s %q", code, msg, c.code, c.msg)
			}
		})
	}
}

type tokenFunc string

func (f tokenFunc) GetIdentityToken() ([]byte, error) { return []byte(f), nil }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
