package jwtauth

import (
	"context"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// BenchmarkVerify measures Verify with a warm JWKS: parse, signature check,
// claim decoding and validation, no I/O. The verified-token cache is off;
// cache=on measures a token seen before (a hash and a map lookup).
func BenchmarkVerify(b *testing.B) {
	k := newKeys(b)
	p := newIDP(b, pub(k.rsa, "rsa1", "RS256"), pub(k.ec, "ec1", "ES256"))
	v := New(Options{Issuer: p.srv.URL, Audiences: []string{audience}, Now: newClock(t0()).Now, TokenCacheSize: -1})
	cached := New(Options{Issuer: p.srv.URL, Audiences: []string{audience}, Now: newClock(t0()).Now})
	payload := claimsJSON(p.srv.URL, `"token_use":"access","scope":"read write","cognito:groups":["admins"]`)
	for _, bc := range []struct {
		alg jose.SignatureAlgorithm
		key any
		kid string
	}{
		{jose.RS256, k.rsa, "rsa1"},
		{jose.ES256, k.ec, "ec1"},
	} {
		b.Run("alg="+string(bc.alg), func(b *testing.B) {
			tok := sign(b, bc.alg, bc.key, bc.kid, payload)
			ctx := context.Background()
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("alg="+string(bc.alg)+"/cache=on", func(b *testing.B) {
			tok := sign(b, bc.alg, bc.key, bc.kid, payload)
			ctx := context.Background()
			if _, err := cached.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cached.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
