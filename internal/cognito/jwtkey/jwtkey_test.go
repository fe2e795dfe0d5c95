package jwtkey_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/jwtkey"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
)

// The same seed gives the same key on every node; another seed another
// key. Tokens verify with jwtauth through the JWKS.
func TestDerive(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	a, err := jwtkey.Derive(seed, jwtkey.RS256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jwtkey.Derive(seed, jwtkey.RS256)
	c, _ := jwtkey.Derive(bytes.Repeat([]byte{8}, 32), jwtkey.RS256)
	if a.Public().N.Cmp(b.Public().N) != 0 || a.KeyID() != b.KeyID() {
		t.Error("one seed, two keys")
	}
	if a.Public().N.Cmp(c.Public().N) == 0 || a.KeyID() == c.KeyID() || a.Public().N.BitLen() != jwtkey.Bits {
		t.Error("two seeds, one key (or a short key)")
	}
	if _, err := jwtkey.Derive(seed[:16], jwtkey.RS256); err == nil {
		t.Error("short seed accepted")
	}
	now := time.Now().Unix()
	tok, err := a.Sign([]byte(`{"iss":"https://issuer.test","exp":` + itoa(now+60) + `,"aud":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	jwks := jwtkey.JWKS(a)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) })
	v := jwtauth.New(jwtauth.Options{Issuer: "https://issuer.test", JWKSURI: "https://issuer.test/keys", HTTPClient: jwtkey.HandlerClient(h)})
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Errorf("verify: %v", err)
	}
	other, _ := c.Sign([]byte(`{"iss":"https://issuer.test","exp":` + itoa(now+60) + `}`))
	if _, err := v.Verify(context.Background(), other); err == nil {
		t.Error("a token of another key verified")
	}
}

func itoa(n int64) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
