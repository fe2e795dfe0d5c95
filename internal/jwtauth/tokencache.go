package jwtauth

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// DefaultTokenCacheSize is the number of verified tokens a Verifier
// remembers when Options.TokenCacheSize is 0.
const DefaultTokenCacheSize = 10000

// tokenCache remembers the claims of tokens that passed every check, so
// that a client presenting the same token again (every request of a
// session does) costs a hash and a map lookup instead of a signature
// verification. It is gatehouse's own: AWS documents no such cache for JWT
// authorizers, and nothing a client can observe changes, because
//
//   - only successes are cached, each until the token's exp (never past
//     it, so the answer after exp is the full check's), and at most for
//     the JWKS refresh interval, so a key withdrawn from the JWKS stops
//     working as late as it would without the cache;
//   - the entry is keyed by the SHA-256 of the whole token: a token that
//     differs in any byte (another signature, a tampered payload) is
//     another key and goes through every check. A lookup compares
//     digests, so its timing tells nothing about the tokens stored: an
//     attacker would need a SHA-256 preimage to use one;
//   - the claims of a token depend only on its bytes and the Verifier's
//     fixed configuration (issuer, audiences), both part of the key.
//
// It holds at most max entries; a full cache first drops expired entries,
// then an eighth of the others. It is safe for concurrent use.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	maxAge  time.Duration
	entries map[[sha256.Size]byte]tokenEntry
}

type tokenEntry struct {
	claims  *Claims
	expires time.Time
}

// newTokenCache returns a cache of up to size tokens, or nil (no cache)
// for a negative size. Zero means DefaultTokenCacheSize.
func newTokenCache(size int, maxAge time.Duration) *tokenCache {
	switch {
	case size < 0:
		return nil
	case size == 0:
		size = DefaultTokenCacheSize
	}
	return &tokenCache{max: size, maxAge: maxAge, entries: make(map[[sha256.Size]byte]tokenEntry)}
}

// tokenKey hashes a token without allocating for tokens of up to 2 KiB
// (Cognito's are about 1 KiB).
func tokenKey(token string) [sha256.Size]byte {
	var buf [2048]byte
	if len(token) <= len(buf) {
		return sha256.Sum256(append(buf[:0], token...))
	}
	return sha256.Sum256([]byte(token))
}

// get returns the claims of a token verified before and not expired at
// now, or nil. A nil cache has nothing.
func (c *tokenCache) get(key *[sha256.Size]byte, now time.Time) *Claims {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	e, ok := c.entries[*key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil
	}
	return e.claims
}

// put remembers the claims of a verified token whose exp (seconds since
// the epoch) is exp, verified at now.
func (c *tokenCache) put(key *[sha256.Size]byte, claims *Claims, exp float64, now time.Time) {
	if c == nil {
		return
	}
	expires := now.Add(c.maxAge)
	if exp < float64(expires.Unix()) {
		sec, frac := math.Modf(exp)
		expires = time.Unix(int64(sec), int64(frac*1e9))
	}
	if !now.Before(expires) {
		return // accepted within the leeway after exp: not worth keeping
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[*key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[*key] = tokenEntry{claims: claims, expires: expires}
}

// evict makes room: expired entries go first, then, if the cache is still
// full, an eighth of it, picked by map order (no bookkeeping on the hit
// path). Called with mu held.
func (c *tokenCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max-c.max/8 {
			break
		}
		delete(c.entries, k)
	}
}

// len returns the number of entries, expired or not.
func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
