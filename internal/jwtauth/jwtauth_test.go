package jwtauth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// reasonOf returns the Reason of err, failing the test when err is not *Error.
func reasonOf(t *testing.T, err error) Reason {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *jwtauth.Error", err, err)
	}
	return e.Reason
}

func TestVerify(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.rsa, "rsa1", "RS256"), pub(k.ec, "ec1", "ES256"), pub(k.rsa, "rsa1-ps", ""))
	iss := p.srv.URL
	clk := newClock(t0())
	v := New(Options{Issuer: iss, Audiences: []string{audience, "other"}, Now: clk.Now})
	ctx := context.Background()

	rs := func(payload string) string { return sign(t, jose.RS256, k.rsa, "rsa1", payload) }
	es := func(payload string) string { return sign(t, jose.ES256, k.ec, "ec1", payload) }
	b64 := base64.RawURLEncoding.EncodeToString

	pubDER, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	valid := rs(claimsJSON(iss, `"scope":"read write"`))
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64([]byte(claimsJSON(iss, `"scope":"admin"`))) + "." + parts[2]

	tests := []struct {
		name   string
		token  string
		reason Reason // "" means valid
	}{
		{"RS256 valid", valid, ""},
		{"ES256 cognito access token", es(`{"sub":"u-2","iss":"` + iss + `","client_id":"` + audience +
			`","token_use":"access","scope":"aws.cognito.signin.user.admin","iat":` + itoa(t0Unix) + `,"exp":` + itoa(t0Unix+60) + `}`), ""},
		{"ES256 cognito id token", es(claimsJSON(iss, `"token_use":"id"`)), ""},
		{"PS256 valid", sign(t, jose.PS256, k.rsa, "rsa1-ps", claimsJSON(iss, "")), ""},
		{"aud array second matches", rs(`{"iss":"` + iss + `","aud":["x","other"],"exp":` + itoa(t0Unix+10) + `}`), ""},
		{"exp within leeway", rs(`{"iss":"` + iss + `","aud":"other","exp":` + itoa(t0Unix-4) + `}`), ""},
		{"fractional exp", rs(`{"iss":"` + iss + `","aud":"other","exp":` + itoa(t0Unix) + `.5}`), ""},

		{"expired", rs(`{"iss":"` + iss + `","aud":"other","exp":` + itoa(t0Unix-6) + `}`), ReasonExpired},
		{"no exp", rs(`{"iss":"` + iss + `","aud":"other"}`), ReasonExpired},
		{"nbf in future", rs(claimsJSON(iss, `"nbf":`+itoa(t0Unix+60))), ReasonNotYetValid},
		{"iat in future", rs(`{"iss":"` + iss + `","aud":"other","iat":` + itoa(t0Unix+60) + `,"exp":` + itoa(t0Unix+3600) + `}`), ReasonNotYetValid},
		{"wrong issuer", rs(claimsJSON("https://evil.example.com", "")), ReasonWrongIssuer},
		{"issuer with trailing slash", rs(claimsJSON(iss+"/", "")), ReasonWrongIssuer},
		{"no issuer", rs(`{"aud":"other","exp":` + itoa(t0Unix+10) + `}`), ReasonWrongIssuer},
		{"wrong audience", rs(`{"iss":"` + iss + `","aud":"nope","exp":` + itoa(t0Unix+10) + `}`), ReasonWrongAudience},
		{"aud wins over client_id", rs(`{"iss":"` + iss + `","aud":"nope","client_id":"` + audience + `","exp":` + itoa(t0Unix+10) + `}`), ReasonWrongAudience},
		{"no aud no client_id", rs(`{"iss":"` + iss + `","exp":` + itoa(t0Unix+10) + `}`), ReasonWrongAudience},
		{"token_use refresh", rs(claimsJSON(iss, `"token_use":"refresh"`)), ReasonWrongTokenUse},
		{"alg none", b64([]byte(`{"alg":"none","kid":"rsa1","typ":"JWT"}`)) + "." + b64([]byte(claimsJSON(iss, ""))) + ".", ReasonUnsupportedAlg},
		{"HS256 with public key as secret", sign(t, jose.HS256, pubPEM, "rsa1", claimsJSON(iss, "")), ReasonUnsupportedAlg},
		{"HS256 with public key DER as secret", sign(t, jose.HS256, pubDER, "rsa1", claimsJSON(iss, "")), ReasonUnsupportedAlg},
		{"ES512 not allowed", b64([]byte(`{"alg":"ES512","kid":"ec1"}`)) + "." + b64([]byte(claimsJSON(iss, ""))) + ".AAAA", ReasonUnsupportedAlg},
		{"unknown kid", sign(t, jose.RS256, k.rsa, "nope", claimsJSON(iss, "")), ReasonUnknownKID},
		{"no kid", sign(t, jose.RS256, k.rsa, "", claimsJSON(iss, "")), ReasonUnknownKID},
		{"signed by another key", sign(t, jose.RS256, k.rsa2, "rsa1", claimsJSON(iss, "")), ReasonBadSignature},
		{"tampered payload", tampered, ReasonBadSignature},
		{"RS256 header on EC kid", sign(t, jose.RS256, k.rsa, "ec1", claimsJSON(iss, "")), ReasonBadSignature},
		{"ES256 on key pinned to RS256", sign(t, jose.ES256, k.ec, "rsa1", claimsJSON(iss, "")), ReasonBadSignature},
		{"huge token", rs(claimsJSON(iss, `"pad":"`+strings.Repeat("x", 20000)+`"`)), ReasonTooLarge},
		{"empty", "", ReasonMalformed},
		{"garbage", "not-a-jwt", ReasonMalformed},
		{"JSON serialization", `{"payload":"e30","protected":"eyJhbGciOiJSUzI1NiJ9","signature":"AA"}`, ReasonMalformed},
		{"payload not an object", rs(`["a"]`), ReasonMalformed},
		{"duplicate claim", rs(`{"iss":"` + iss + `","iss":"x","aud":"other","exp":` + itoa(t0Unix+10) + `}`), ReasonMalformed},
		{"exp as string", rs(`{"iss":"` + iss + `","aud":"other","exp":"` + itoa(t0Unix+10) + `"}`), ReasonMalformed},
		{"trailing data", rs(claimsJSON(iss, "") + `{}`), ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := v.Verify(ctx, tc.token)
			if got := reasonOf(t, err); got != tc.reason {
				t.Fatalf("reason = %q, want %q (err: %v)", got, tc.reason, err)
			}
			if (claims == nil) == (err == nil) {
				t.Fatalf("claims %v with err %v", claims, err)
			}
		})
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (unknown kids are rate-limited)", n)
	}
}

func TestVerifyClaims(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.ec, "ec1", ""))
	v := New(Options{Issuer: p.srv.URL, Now: newClock(t0()).Now}) // no audiences: REST Cognito authorizer
	payload := `{"z":1,  "iss":"` + p.srv.URL + `","exp":` + itoa(t0Unix+60) +
		`,"cognito:groups":["a", "b"],"a":{"n":null},"scp":["read:x", "write:y"]}`
	claims, err := v.Verify(context.Background(), sign(t, jose.ES256, k.ec, "ec1", payload))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range claims.All {
		got = append(got, c.Name+"="+string(c.Value))
	}
	want := `z=1 iss="` + p.srv.URL + `" exp=` + itoa(t0Unix+60) + ` cognito:groups=["a","b"] a={"n":null} scp=["read:x","write:y"]`
	if g := strings.Join(got, " "); g != want {
		t.Errorf("claims\n got %s\nwant %s", g, want)
	}
	if g := strings.Join(claims.Scopes, ","); g != "read:x,write:y" {
		t.Errorf("scopes = %q", g)
	}
	if s, ok := claims.String("iss"); !ok || s != p.srv.URL {
		t.Errorf("String(iss) = %q, %v", s, ok)
	}
	if _, ok := claims.String("z"); ok {
		t.Error("String(z) of a number reported ok")
	}
}

func TestScopes(t *testing.T) {
	tests := []struct {
		name, extra, want string
	}{
		{"scope", `"scope":"a  b c"`, "a,b,c"},
		{"scp string", `"scp":"x y"`, "x,y"},
		{"scope wins over scp", `"scp":["x"],"scope":"a"`, "a"},
		{"none", ``, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, r, _, err := parseClaims([]byte(claimsJSON("i", tc.extra)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(r.scopes, ","); g != tc.want {
				t.Errorf("scopes = %q, want %q", g, tc.want)
			}
		})
	}
}

func TestTokenFromHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bearer abc.def.ghi", "abc.def.ghi"},
		{"bearer abc.def.ghi", "abc.def.ghi"},
		{"BEARER   abc.def.ghi  ", "abc.def.ghi"},
		{"abc.def.ghi", "abc.def.ghi"},
		{"  abc.def.ghi ", "abc.def.ghi"},
		{"Basic dXNlcjpwYXNz", ""},
		{"Bearer a b", ""},
		{"Bearer", "Bearer"}, // a bare token that happens to read "Bearer": Verify rejects it
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := TokenFromHeader(tc.in); got != tc.want {
				t.Errorf("TokenFromHeader(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDiscoveryFallback(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.ec, "ec1", "ES256"))
	p.discovery = false
	v := New(Options{Issuer: p.srv.URL + "/", Now: newClock(t0()).Now}) // trailing slash: URL joins cleanly
	tok := sign(t, jose.ES256, k.ec, "ec1", claimsJSON(p.srv.URL+"/", ""))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if d, j := p.discovHits.Load(), p.jwksHits.Load(); d != 1 || j != 1 {
		t.Errorf("discovery hits %d, jwks hits %d; want 1, 1", d, j)
	}
}

func TestJWKSDownAfterFirstFetch(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.rsa, "rsa1", "RS256"))
	clk := newClock(t0())
	v := New(Options{Issuer: p.srv.URL, Audiences: []string{audience}, Now: clk.Now})
	long := `{"iss":"` + p.srv.URL + `","aud":"` + audience + `","exp":` + itoa(t0Unix+86400) + `}`
	tok := sign(t, jose.RS256, k.rsa, "rsa1", long)
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	p.srv.Close()
	clk.Add(2 * time.Hour) // past RefreshInterval: a background refresh is tried and fails
	for range 3 {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("cached key stopped working: %v", err)
		}
	}
	clk.Add(2 * time.Minute)
	_, err := v.Verify(ctx, sign(t, jose.RS256, k.rsa2, "rsa2", long))
	if r := reasonOf(t, err); r != ReasonUnknownKID {
		t.Fatalf("reason = %q, want unknown kid (err %v)", r, err)
	}
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("cached key stopped working after failed refetch: %v", err)
	}
}

func TestJWKSSlow(t *testing.T) {
	k := newKeys(t)
	tok := func(iss string) string { return sign(t, jose.ES256, k.ec, "ec1", claimsJSON(iss, "")) }

	t.Run("cold cache bounded by client timeout", func(t *testing.T) {
		p := newIDP(t, pub(k.ec, "ec1", ""))
		p.slow(t)
		v := New(Options{Issuer: p.srv.URL, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}, Now: newClock(t0()).Now})
		start := time.Now()
		_, err := v.Verify(context.Background(), tok(p.srv.URL))
		if r := reasonOf(t, err); r != ReasonJWKSUnavailable {
			t.Fatalf("reason = %q, want jwks unavailable (err %v)", r, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Verify took %v with a 200ms client timeout", d)
		}
	})
	t.Run("cold cache bounded by ctx", func(t *testing.T) {
		p := newIDP(t, pub(k.ec, "ec1", ""))
		p.slow(t)
		v := New(Options{Issuer: p.srv.URL, Now: newClock(t0()).Now})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := v.Verify(ctx, tok(p.srv.URL))
		if r := reasonOf(t, err); r != ReasonJWKSUnavailable || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("reason = %q, err %v; want jwks unavailable wrapping DeadlineExceeded", r, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Verify took %v with a 100ms ctx", d)
		}
	})
	t.Run("warm cache does not wait for a slow refresh", func(t *testing.T) {
		p := newIDP(t, pub(k.ec, "ec1", ""))
		clk := newClock(t0())
		v := New(Options{Issuer: p.srv.URL, HTTPClient: &http.Client{Timeout: 2 * time.Second}, Now: clk.Now})
		token := tok(p.srv.URL)
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		p.slow(t)
		clk.Add(DefaultRefreshInterval + time.Second)
		start := time.Now()
		if _, err := v.Verify(context.Background(), sign(t, jose.ES256, k.ec, "ec1",
			`{"iss":"`+p.srv.URL+`","exp":`+itoa(t0Unix+7200)+`}`)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Verify waited %v for the background refresh", d)
		}
	})
}

func TestKeyRotation(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.rsa, "old", "RS256"))
	clk := newClock(t0())
	v := New(Options{Issuer: p.srv.URL, Audiences: []string{audience}, Now: clk.Now})
	ctx := context.Background()
	payload := `{"iss":"` + p.srv.URL + `","aud":"` + audience + `","exp":` + itoa(t0Unix+3600) + `}`
	oldTok := sign(t, jose.RS256, k.rsa, "old", payload)
	newTok := sign(t, jose.RS256, k.rsa2, "new", payload)

	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatal(err)
	}
	p.setKeys(pub(k.rsa, "old", "RS256"), pub(k.rsa2, "new", "RS256"))

	// Within a minute of the last fetch an unknown kid does not refetch.
	_, err := v.Verify(ctx, newTok)
	if r := reasonOf(t, err); r != ReasonUnknownKID {
		t.Fatalf("reason = %q, want unknown kid", r)
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Fatalf("JWKS hits = %d, want 1", n)
	}

	clk.Add(61 * time.Second)
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS hits = %d, want 2", n)
	}
	// A forged kid right after the refetch costs nothing.
	for range 5 {
		_, err := v.Verify(ctx, sign(t, jose.RS256, k.rsa2, "forged", payload))
		if r := reasonOf(t, err); r != ReasonUnknownKID {
			t.Fatalf("reason = %q, want unknown kid", r)
		}
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS hits = %d after forged kids, want 2", n)
	}
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatalf("old key after rotation: %v", err)
	}
}

func TestConcurrentColdStartFetchesOnce(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t, pub(k.ec, "ec1", "ES256"))
	v := New(Options{Issuer: p.srv.URL, Now: newClock(t0()).Now})
	tok := sign(t, jose.ES256, k.ec, "ec1", claimsJSON(p.srv.URL, ""))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("JWKS hits = %d, want 1", n)
	}
}

func TestJWKSSkipsUnusableKeys(t *testing.T) {
	k := newKeys(t)
	p := newIDP(t,
		jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "hmac", Algorithm: "HS256"},
		jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "enc", Use: "enc"},
		pub(k.ec, "ec1", "ES256"))
	v := New(Options{Issuer: p.srv.URL, Now: newClock(t0()).Now})
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, jose.ES256, k.ec, "ec1", claimsJSON(p.srv.URL, ""))); err != nil {
		t.Fatal(err)
	}
	for _, kid := range []string{"hmac", "enc"} {
		_, err := v.Verify(ctx, sign(t, jose.RS256, k.rsa, kid, claimsJSON(p.srv.URL, "")))
		if r := reasonOf(t, err); r != ReasonUnknownKID {
			t.Errorf("kid %s: reason = %q, want unknown kid", kid, r)
		}
	}
}

func TestErrorString(t *testing.T) {
	err := error(failf(ReasonExpired, "exp %d", 1))
	if got, want := err.Error(), "jwt: expired: exp 1"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&Error{Reason: ReasonMalformed}).Error(), "jwt: malformed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
