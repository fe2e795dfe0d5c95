package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	maxJWKSBody = 1 << 20 // bytes read from the discovery document and the JWKS
	// fetchTimeout bounds one refresh (discovery + JWKS) even when the
	// caller's HTTPClient has no Timeout; the refresh outlives the request
	// that started it (see fetch), so it needs a bound of its own.
	fetchTimeout = 10 * time.Second
	// minRefetch is how often an unknown kid, or a stale cache, may cause
	// another fetch; it stops a flood of forged kids from becoming a flood of
	// requests to the identity provider.
	minRefetch = time.Minute
	// minRSABits rejects weak RSA keys in a JWKS.
	minRSABits = 2048
)

// keySet is one immutable snapshot of the issuer's signing keys.
type keySet struct {
	keys    map[string][]verifyKey // by kid
	fetched time.Time
}

// flight is one in-progress fetch shared by every caller that waits for it.
type flight struct {
	done chan struct{}
	err  error // set before done is closed
}

// jwksCache holds the current keySet and makes sure at most one fetch runs.
type jwksCache struct {
	issuer  string
	client  *http.Client
	now     func() time.Time
	refresh time.Duration

	current atomic.Pointer[keySet]

	mu          sync.Mutex
	inflight    *flight
	lastAttempt time.Time // start of the last fetch, successful or not
	jwksURI     string    // discovered jwks_uri, reused once it worked
}

// lookup returns the keys for kid. A stale cache is refreshed in the
// background while the cached keys keep verifying; an empty cache or an
// unknown kid waits for one fetch, rate-limited to one per minRefetch.
// kid may point into a scratch buffer: it is not kept.
func (c *jwksCache) lookup(ctx context.Context, kid []byte) ([]verifyKey, error) {
	set := c.current.Load()
	if set != nil {
		if keys, ok := set.keys[string(kid)]; ok {
			if c.now().Sub(set.fetched) >= c.refresh {
				c.start(ctx, false) // background; never blocks the request
			}
			return keys, nil
		}
	}
	f := c.start(ctx, set == nil)
	if f == nil {
		return nil, failf(ReasonUnknownKID, "kid %q not in JWKS (refetch rate-limited)", string(kid))
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, fail(ReasonJWKSUnavailable, ctx.Err())
	}
	set = c.current.Load()
	if set == nil {
		return nil, fail(ReasonJWKSUnavailable, f.err)
	}
	if keys, ok := set.keys[string(kid)]; ok {
		return keys, nil
	}
	if f.err != nil {
		return nil, fail(ReasonUnknownKID, fmt.Errorf("kid %q not in cached JWKS; refetch failed: %w", string(kid), f.err))
	}
	return nil, failf(ReasonUnknownKID, "kid %q not in JWKS", string(kid))
}

// start joins the running fetch or starts one. It returns nil when no fetch
// is running and the rate limit forbids a new one; force (empty cache)
// bypasses the limit so a cold verifier never refuses without trying.
func (c *jwksCache) start(ctx context.Context, force bool) *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight
	}
	now := c.now()
	if !force && !c.lastAttempt.IsZero() && now.Sub(c.lastAttempt) < minRefetch {
		return nil
	}
	c.lastAttempt = now
	f := &flight{done: make(chan struct{})}
	c.inflight = f
	// The fetch is shared by every waiter, so the request that happened to
	// start it must not cancel it for the others: keep ctx's values (trace
	// IDs) but not its cancellation, and bound it by fetchTimeout instead.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	go func() {
		defer cancel()
		set, err := c.fetch(fctx)
		if err == nil {
			set.fetched = c.now()
			c.current.Store(set)
		}
		c.mu.Lock()
		c.inflight = nil
		c.mu.Unlock()
		f.err = err
		close(f.done)
	}()
	return f
}

// fetch discovers jwks_uri from {issuer}/.well-known/openid-configuration,
// falling back to {issuer}/.well-known/jwks.json, and loads the key set.
func (c *jwksCache) fetch(ctx context.Context) (*keySet, error) {
	c.mu.Lock()
	uri := c.jwksURI
	c.mu.Unlock()
	base := strings.TrimSuffix(c.issuer, "/")
	var discoverErr error
	if uri == "" {
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		discoverErr = c.getJSON(ctx, base+"/.well-known/openid-configuration", &doc)
		if discoverErr == nil && doc.JWKSURI == "" {
			discoverErr = errors.New("openid-configuration has no jwks_uri")
		}
		uri = doc.JWKSURI
		if discoverErr != nil {
			uri = base + "/.well-known/jwks.json"
		}
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := c.getJSON(ctx, uri, &raw); err != nil {
		if discoverErr != nil {
			return nil, errors.Join(fmt.Errorf("discovery: %w", discoverErr), err)
		}
		return nil, err
	}
	set := &keySet{keys: make(map[string][]verifyKey)}
	for _, k := range raw.Keys {
		var jwk jose.JSONWebKey
		// Keys this verifier cannot use (encryption keys, unknown kty,
		// symmetric keys, weak RSA) are skipped, not fatal: one exotic key
		// must not take the whole issuer down.
		if json.Unmarshal(k, &jwk) != nil {
			continue
		}
		if vk, ok := toVerifyKey(&jwk); ok {
			set.keys[jwk.KeyID] = append(set.keys[jwk.KeyID], vk)
		}
	}
	if len(set.keys) == 0 {
		return nil, fmt.Errorf("GET %s: no usable signing keys", uri)
	}
	c.mu.Lock()
	c.jwksURI = uri
	c.mu.Unlock()
	return set, nil
}

// toVerifyKey converts jwk, when it can verify one of the allowed
// algorithms, to the public key Verify uses: a private key published by
// mistake is reduced to its public half.
func toVerifyKey(jwk *jose.JSONWebKey) (verifyKey, bool) {
	if jwk.Use != "" && jwk.Use != "sig" {
		return verifyKey{}, false
	}
	vk := verifyKey{alg: jwk.Algorithm}
	switch k := jwk.Public().Key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return verifyKey{}, false
		}
		vk.rsa = k
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			vk.ecSize = 32
		case elliptic.P384():
			vk.ecSize = 48
		default:
			return verifyKey{}, false
		}
		vk.ec = k
	default:
		return verifyKey{}, false
	}
	return vk, true
}

func (c *jwksCache) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxJWKSBody))
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxJWKSBody {
		return fmt.Errorf("GET %s: body larger than %d bytes", url, maxJWKSBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
