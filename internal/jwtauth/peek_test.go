package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestPeekIssuer(t *testing.T) {
	k := newKeys(t)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, c := range map[string]struct{ token, want string }{
		"signed":          {sign(t, jose.ES256, k.ec, "ec1", `{"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A","exp":1}`), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"},
		"unsigned":        {b64(`{"alg":"none"}`) + "." + b64(`{"iss":"x"}`) + ".", "x"},
		"no iss":          {b64(`{}`) + "." + b64(`{"sub":"a"}`) + ".sig", ""},
		"iss not string":  {b64(`{}`) + "." + b64(`{"iss":1}`) + ".sig", ""},
		"padded base64":   {b64(`{}`) + "." + base64.URLEncoding.EncodeToString([]byte(`{"iss":"x"}`)) + ".sig", ""},
		"not json":        {b64(`{}`) + "." + b64(`iss`) + ".sig", ""},
		"one part":        {"abc", ""},
		"two parts":       {"abc." + b64(`{"iss":"x"}`), ""},
		"empty":           {"", ""},
		"over size limit": {b64(`{}`) + "." + b64(`{"iss":"x","pad":"`+strings.Repeat("a", DefaultMaxTokenSize)+`"}`) + ".sig", ""},
	} {
		if got := PeekIssuer(c.token); got != c.want {
			t.Errorf("%s: PeekIssuer = %q, want %q", name, got, c.want)
		}
	}
}

// TestJWKSURI: with JWKSURI set, keys come from it and discovery is never
// asked.
func TestJWKSURI(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.rsa, "rsa1", "RS256"))
	const iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1"
	v := New(Options{Issuer: iss, JWKSURI: p.srv.URL + "/keys", Now: newClock(t0()).Now})
	tok := sign(t, jose.RS256, k.rsa, "rsa1", claimsJSON(iss, `"token_use":"id"`))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if d, j := p.discovHits.Load(), p.jwksHits.Load(); d != 0 || j != 1 {
		t.Errorf("discovery hits %d, jwks hits %d; want 0, 1", d, j)
	}
	// The configured URL is not a fallback: when it fails, discovery is
	// not tried either.
	bad := New(Options{Issuer: p.srv.URL, JWKSURI: p.srv.URL + "/missing", Now: newClock(t0()).Now})
	_, err := bad.Verify(context.Background(), sign(t, jose.RS256, k.rsa, "rsa1", claimsJSON(p.srv.URL, "")))
	if r := reasonOf(t, err); r != ReasonJWKSUnavailable || p.discovHits.Load() != 0 {
		t.Errorf("reason %q, discovery hits %d; want %q, 0", r, p.discovHits.Load(), ReasonJWKSUnavailable)
	}
}

// FuzzPeekIssuer: PeekIssuer never panics, and a non-empty result is the
// iss string of a JSON payload in the token's second part.
func FuzzPeekIssuer(f *testing.F) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	f.Add(b64(`{"alg":"RS256"}`) + "." + b64(`{"iss":"https://idp.example/pool"}`) + ".c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Add(b64(`{}`) + "." + b64(`{"iss":"a","iss":"b"}`) + ".")
	f.Fuzz(func(t *testing.T, token string) {
		iss := PeekIssuer(token)
		if iss == "" {
			return
		}
		parts := strings.Split(token, ".")
		if len(parts) < 3 {
			t.Fatalf("issuer %q from a token with %d parts", iss, len(parts))
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatalf("issuer %q from an undecodable payload: %v", iss, err)
		}
		var c struct {
			Iss string `json:"iss"`
		}
		if err := json.Unmarshal(raw, &c); err != nil || c.Iss != iss {
			t.Fatalf("issuer %q, payload says %q (%v)", iss, c.Iss, err)
		}
	})
}
