package jwtauth

import (
	"context"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzVerify checks that Verify never panics and that its result is exactly
// one of: claims whose iss is the issuer, or an *Error. The JWKS is warm and
// the clock fixed, so unknown kids are rate-limited and no input causes I/O.
func FuzzVerify(f *testing.F) {
	k := newKeys(f)
	p := newIDP(f, pub(k.rsa, "rsa1", "RS256"), pub(k.ec, "ec1", "ES256"))
	v := New(Options{Issuer: p.srv.URL, Audiences: []string{audience}, Now: newClock(t0()).Now})
	ctx := context.Background()
	valid := sign(f, jose.RS256, k.rsa, "rsa1", claimsJSON(p.srv.URL, `"scope":"a b"`))
	if _, err := v.Verify(ctx, valid); err != nil { // warms the JWKS
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(sign(f, jose.ES256, k.ec, "ec1", claimsJSON(p.srv.URL, `"scp":["x"],"token_use":"id"`)))
	f.Add(sign(f, jose.ES256, k.ec, "ec1", `{"iss":"`+p.srv.URL+`","exp":1e400}`))
	f.Add(sign(f, jose.RS256, k.rsa, "rsa1", `{"iss":"`+p.srv.URL+`","aud":[1],"exp":`+itoa(t0Unix+5)+`}`))

	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(ctx, token)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("error %v (%T) is not a *jwtauth.Error with a reason", err, err)
			}
			if claims != nil {
				t.Fatal("claims returned with an error")
			}
			return
		}
		if iss, ok := claims.String("iss"); !ok || iss != p.srv.URL {
			t.Fatalf("accepted a token with iss %q", iss)
		}
	})
}
