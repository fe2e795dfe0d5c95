package jwtauth

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// cacheFixture is a verifier over an RS256 IdP with the given cache size.
type cacheFixture struct {
	k   testKeys
	p   *idp
	clk *clock
	v   *Verifier
}

func newCacheFixture(t *testing.T, size int) *cacheFixture {
	t.Helper()
	f := &cacheFixture{k: newKeys(t), clk: newClock(t0())}
	f.p = newIDP(t, pub(f.k.rsa, "rsa1", "RS256"))
	f.v = New(Options{Issuer: f.p.srv.URL, Audiences: []string{audience}, Now: f.clk.Now, TokenCacheSize: size})
	return f
}

func (f *cacheFixture) token(t *testing.T, extra string) string {
	return sign(t, jose.RS256, f.k.rsa, "rsa1", claimsJSON(f.p.srv.URL, extra))
}

func (f *cacheFixture) verify(t *testing.T, tok string) *Claims {
	t.Helper()
	c, err := f.v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTokenCacheHit(t *testing.T) {
	f := newCacheFixture(t, 0)
	tok := f.token(t, `"scope":"read"`)
	first := f.verify(t, tok)
	if again := f.verify(t, tok); again != first {
		t.Error("the second Verify of a token checked it again; want the cached claims")
	}
	if f.v.tokens.len() != 1 {
		t.Errorf("cache holds %d tokens, want 1", f.v.tokens.len())
	}
	if n := testing.AllocsPerRun(50, func() { f.verify(t, tok) }); n != 0 {
		t.Errorf("a cache hit allocates %v times", n)
	}
}

func TestTokenCacheOff(t *testing.T) {
	f := newCacheFixture(t, -1)
	tok := f.token(t, "")
	first := f.verify(t, tok)
	if second := f.verify(t, tok); second == first {
		t.Error("with the cache off, Verify returned the same claims twice")
	}
	if f.v.tokens != nil {
		t.Error("cache allocated although off")
	}
}

// TestTokenCacheExpiry: an entry lives until the token's exp, never
// longer, and the answer after that is the full check's (leeway included).
func TestTokenCacheExpiry(t *testing.T) {
	f := newCacheFixture(t, 0)
	tok := f.token(t, "") // exp t0+1h
	first := f.verify(t, tok)
	f.clk.Add(3600*time.Second - time.Millisecond)
	if f.verify(t, tok) != first {
		t.Error("miss before exp")
	}
	f.clk.Add(time.Millisecond) // exactly exp: within the leeway, checked again
	if f.verify(t, tok) == first {
		t.Error("hit at exp")
	}
	f.clk.Add(Leeway + time.Second)
	_, err := f.v.Verify(context.Background(), tok)
	if r := reasonOf(t, err); r != ReasonExpired {
		t.Fatalf("reason = %q, want expired", r)
	}
}

// TestTokenCacheMaxAge: a long-lived token is checked again after the JWKS
// refresh interval, so a key withdrawn from the JWKS stops working as it
// would without the cache.
func TestTokenCacheMaxAge(t *testing.T) {
	f := newCacheFixture(t, 0)
	tok := sign(t, jose.RS256, f.k.rsa, "rsa1", `{"iss":"`+f.p.srv.URL+`","aud":"`+audience+`","exp":`+itoa(t0Unix+10*3600)+`}`)
	first := f.verify(t, tok)
	f.clk.Add(DefaultRefreshInterval - time.Second)
	if f.verify(t, tok) != first {
		t.Error("miss before the refresh interval")
	}
	f.clk.Add(time.Second)
	if f.verify(t, tok) == first {
		t.Error("hit after the refresh interval")
	}
}

// TestTokenCacheOnlyExactTokens: a token that differs in any byte from a
// cached one is checked in full; failures are never cached.
func TestTokenCacheOnlyExactTokens(t *testing.T) {
	f := newCacheFixture(t, 0)
	tok := f.token(t, "")
	f.verify(t, tok)
	// Another signature over the same header and payload.
	i := strings.LastIndexByte(tok, '.')
	sig := []byte(tok[i+1:])
	if sig[10] == 'A' { // another base64url letter, so the token still parses
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}
	tampered := tok[:i+1] + string(sig)
	other := sign(t, jose.RS256, f.k.rsa2, "rsa1", claimsJSON(f.p.srv.URL, ""))
	wrongAud := sign(t, jose.RS256, f.k.rsa, "rsa1", strings.Replace(claimsJSON(f.p.srv.URL, ""), audience, "other", 1))
	for _, tc := range []struct {
		name, tok string
		want      Reason
	}{
		{"tampered signature", tampered, ReasonBadSignature},
		{"other key", other, ReasonBadSignature},
		{"wrong audience", wrongAud, ReasonWrongAudience},
		{"wrong audience again", wrongAud, ReasonWrongAudience},
		{"trailing byte", tok + "A", ReasonBadSignature},
	} {
		_, err := f.v.Verify(context.Background(), tc.tok)
		if r := reasonOf(t, err); r != tc.want {
			t.Errorf("%s: reason %q, want %q", tc.name, r, tc.want)
		}
	}
	if n := f.v.tokens.len(); n != 1 {
		t.Errorf("cache holds %d tokens, want only the valid one", n)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	f := newCacheFixture(t, 8)
	for i := range 20 {
		f.verify(t, f.token(t, `"n":`+itoa(int64(i))))
		if n := f.v.tokens.len(); n > 8 {
			t.Fatalf("cache holds %d tokens, limit 8", n)
		}
	}
}

func TestTokenCacheEvictsExpiredFirst(t *testing.T) {
	c := newTokenCache(4, time.Hour)
	now := t0()
	key := func(i int) *[sha256.Size]byte { k := tokenKey(string(rune('a' + i))); return &k }
	cl := &Claims{}
	c.put(key(0), cl, float64(t0Unix+10), now) // expires soon
	for i := 1; i < 4; i++ {
		c.put(key(i), cl, float64(t0Unix+3600), now)
	}
	later := now.Add(time.Minute)
	c.put(key(4), cl, float64(t0Unix+3600), later)
	if c.get(key(0), later) != nil {
		t.Error("expired entry still served")
	}
	for i := 1; i <= 4; i++ {
		if c.get(key(i), later) == nil {
			t.Errorf("entry %d evicted although an expired one was there", i)
		}
	}
	// Past exp (within the leeway, or a clock behind the IdP's) nothing
	// is stored; a huge exp is capped at the maximum age.
	c.put(key(5), cl, float64(t0Unix), later)
	if c.get(key(5), later) != nil {
		t.Error("stored a token past its exp")
	}
	c.put(key(6), cl, 1e300, later)
	if c.get(key(6), later.Add(59*time.Minute)) == nil || c.get(key(6), later.Add(time.Hour)) != nil {
		t.Error("huge exp not capped at the maximum age")
	}
}

func TestTokenCacheConcurrent(t *testing.T) {
	f := newCacheFixture(t, 4)
	toks := make([]string, 6)
	for i := range toks {
		toks[i] = f.token(t, `"n":`+itoa(int64(i)))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := f.v.Verify(context.Background(), toks[(g+i)%len(toks)]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
