package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// tokenIssuer is the JWT identity provider of the JWT scenarios. For the
// run it serves, on a loopback port, the OIDC discovery document and the
// JWKS that the gateway's JWT authorizer fetches, and it signs a handful of
// distinct tokens (one per user) that prepare rotates through, so that
// every request carries a valid bearer token, to B0 and the gateway alike.
type tokenIssuer struct {
	alg      jose.SignatureAlgorithm // RS256 (RSA-2048) or ES256 (P-256)
	audience string
	n        int // distinct tokens

	url    string // http://127.0.0.1:port, the iss of the tokens
	srv    *http.Server
	tokens []string // "Bearer …", set by start before any request
	next   atomic.Uint64
}

// benchAudience is the aud of the issued tokens and the authorizer's
// jwtConfiguration.audience.
const benchAudience = "gatehouse-bench"

// issuerKID is the kid of the issuer's only key.
const issuerKID = "bench-1"

func newTokenIssuer(alg jose.SignatureAlgorithm, n int) *tokenIssuer {
	return &tokenIssuer{alg: alg, audience: benchAudience, n: n}
}

// URL returns the issuer's URL once started, "" before or for a nil
// issuer.
func (ti *tokenIssuer) URL() string {
	if ti == nil {
		return ""
	}
	return ti.url
}

// start generates the key, serves the discovery document and the JWKS on
// 127.0.0.1 and signs the tokens.
func (ti *tokenIssuer) start() error {
	key, err := newSigningKey(ti.alg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ti.url = "http://" + ln.Addr().String()
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: key.Public(), KeyID: issuerKID, Algorithm: string(ti.alg), Use: "sig"},
	}})
	if err != nil {
		ln.Close()
		return err
	}
	discovery, err := json.Marshal(map[string]string{"issuer": ti.url, "jwks_uri": ti.url + "/.well-known/jwks.json"})
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	}
	mux.Handle("GET /.well-known/openid-configuration", serve(discovery))
	mux.Handle("GET /.well-known/jwks.json", serve(jwks))
	ti.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ti.srv.Serve(ln) }()

	now := time.Now()
	ti.tokens = make([]string, ti.n)
	for i := range ti.tokens {
		tok, err := ti.sign(key, i, now)
		if err != nil {
			ti.stop()
			return err
		}
		ti.tokens[i] = "Bearer " + tok
	}
	return nil
}

// stop closes the server.
func (ti *tokenIssuer) stop() {
	if ti.srv != nil {
		_ = ti.srv.Close()
	}
}

// newSigningKey generates a key for alg.
func newSigningKey(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("unsupported alg %s", alg)
}

// sign returns user i's token: a Cognito-like access token valid for two
// hours, longer than any run.
func (ti *tokenIssuer) sign(key crypto.Signer, i int, now time.Time) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: ti.alg, Key: jose.JSONWebKey{Key: key, KeyID: issuerKID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(tokenClaims{
		Sub:      fmt.Sprintf("3f9c2a6e-0000-4000-8000-%012d", i),
		Iss:      ti.url,
		Aud:      ti.audience,
		TokenUse: "access",
		Scope:    "bench/read bench/write",
		AuthTime: now.Unix(),
		Iat:      now.Unix(),
		Exp:      now.Add(2 * time.Hour).Unix(),
		JTI:      fmt.Sprintf("bench-%d-%d", now.UnixNano(), i),
		Username: fmt.Sprintf("bench-user-%d", i),
	})
	if err != nil {
		return "", err
	}
	obj, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// tokenClaims are the claims of an issued token, in this order.
type tokenClaims struct {
	Sub      string `json:"sub"`
	Iss      string `json:"iss"`
	Aud      string `json:"aud"`
	TokenUse string `json:"token_use"`
	Scope    string `json:"scope"`
	AuthTime int64  `json:"auth_time"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
	JTI      string `json:"jti"`
	Username string `json:"username"`
}

// prepare sets the next token, round robin, as the request's bearer token.
func (ti *tokenIssuer) prepare(r *http.Request) error {
	if len(ti.tokens) == 0 {
		return errors.New("the JWT issuer is not started")
	}
	i := ti.next.Add(1) % uint64(len(ti.tokens))
	r.Header.Set("Authorization", ti.tokens[i])
	return nil
}
