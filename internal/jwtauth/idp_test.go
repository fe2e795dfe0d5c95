package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// t0 is the fixed "now" of every test: 2026-03-01T12:00:00Z.
const t0Unix = 1772366400

func t0() time.Time { return time.Unix(t0Unix, 0).UTC() }

const audience = "client-abc"

// clock is a settable Now for Options.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// testKeys are keys generated for one test.
type testKeys struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	rsa2 *rsa.PrivateKey // the rotated-in key
}

func newKeys(tb testing.TB) testKeys {
	tb.Helper()
	r1, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	r2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return testKeys{rsa: r1, ec: ec, rsa2: r2}
}

// idp is an identity provider on 127.0.0.1 serving discovery and a JWKS.
type idp struct {
	srv        *httptest.Server
	mu         sync.Mutex
	keys       []jose.JSONWebKey
	discovery  bool          // serve /.well-known/openid-configuration
	delay      chan struct{} // when non-nil, JWKS requests block until it is closed or the client gives up
	jwksHits   atomic.Int64
	discovHits atomic.Int64
}

func newIDP(tb testing.TB, keys ...jose.JSONWebKey) *idp {
	tb.Helper()
	p := &idp{keys: keys, discovery: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discovHits.Add(1)
		p.mu.Lock()
		on := p.discovery
		p.mu.Unlock()
		if !on {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/keys"})
	})
	serveKeys := func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		delay := p.delay
		set := jose.JSONWebKeySet{Keys: p.keys}
		p.mu.Unlock()
		if delay != nil {
			select {
			case <-delay:
			case <-r.Context().Done():
				return
			}
		}
		_ = json.NewEncoder(w).Encode(set)
	}
	mux.HandleFunc("GET /keys", serveKeys)
	mux.HandleFunc("GET /.well-known/jwks.json", serveKeys)
	p.srv = httptest.NewServer(mux) // binds 127.0.0.1
	tb.Cleanup(p.srv.Close)
	return p
}

func (p *idp) setKeys(keys ...jose.JSONWebKey) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

// slow makes JWKS requests hang until the test ends or the client gives up.
func (p *idp) slow(tb testing.TB) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.delay = ch
	p.mu.Unlock()
	tb.Cleanup(func() { close(ch) }) // runs before srv.Close
}

func pub(key any, kid, alg string) jose.JSONWebKey {
	k := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"}
	return k.Public()
}

// sign returns a compact JWS of payload (used verbatim, so claim order and
// oddities are under the test's control).
func sign(tb testing.TB, alg jose.SignatureAlgorithm, key any, kid, payload string) string {
	tb.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := s.Sign([]byte(payload))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// claimsJSON is a standard payload for issuer iss valid at t0.
func claimsJSON(iss string, extra string) string {
	b, _ := json.Marshal(iss)
	p := `{"sub":"u-1","iss":` + string(b) + `,"aud":"` + audience + `","iat":` +
		itoa(t0Unix-60) + `,"exp":` + itoa(t0Unix+3600)
	if extra != "" {
		p += "," + extra
	}
	return p + "}"
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
