package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// DefaultKeyCacheSize is the number of derived signing keys a Signer made
// by New keeps when Options.KeyCacheSize is 0.
const DefaultKeyCacheSize = 4096

// signingKey is a derived key kSigning, kept as the two HMAC pads so that a
// signature costs two SHA-256 runs and no allocation.
type signingKey struct {
	ipad [sha256.BlockSize]byte
	opad [sha256.BlockSize]byte
}

func newSigningKey(k []byte) signingKey {
	var sk signingKey
	// k is 32 bytes, shorter than the block: no pre-hash needed.
	copy(sk.ipad[:], k)
	copy(sk.opad[:], k)
	for i := range sk.ipad {
		sk.ipad[i] ^= 0x36
		sk.opad[i] ^= 0x5c
	}
	return sk
}

// sum returns HMAC-SHA256(key, msg). scratch is reused to hold the inner
// block and must have room for BlockSize+len(msg) bytes to avoid growing.
func (k *signingKey) sum(msg, scratch []byte) ([sha256.Size]byte, []byte) {
	scratch = append(scratch[:0], k.ipad[:]...)
	scratch = append(scratch, msg...)
	inner := sha256.Sum256(scratch)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], k.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:]), scratch
}

// deriveKey computes kSigning = HMAC chain over "AWS4"+secret, date,
// region, service and "aws4_request".
func deriveKey(secret, date, region, service string) signingKey {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	k = mac(k, "aws4_request")
	return newSigningKey(k)
}

type cacheKey struct {
	accessKeyID, date, region, service string
}

type cacheEntry struct {
	secret string
	key    signingKey
}

// keyCache holds derived signing keys, one per access key id, date, region
// and service, so a key is derived once a day and not once per request. It
// is bounded: when full, an arbitrary entry makes room (Go's map order is
// random, which makes this random eviction). It is safe for concurrent use.
type keyCache struct {
	mu  sync.Mutex
	max int
	m   map[cacheKey]*cacheEntry
}

func newKeyCache(size int) *keyCache {
	if size <= 0 {
		size = DefaultKeyCacheSize
	}
	return &keyCache{max: size, m: make(map[cacheKey]*cacheEntry, min(size, 64))}
}

// get returns the signing key for the scope, deriving it on a miss. The
// secret is stored with the key: a rotated secret for the same access key
// id replaces the entry. (Both secrets come from the credential store, not
// from the request, so the plain comparison leaks nothing to a client.)
func (c *keyCache) get(creds *Credentials, date, region, service string) signingKey {
	if c == nil {
		return deriveKey(creds.SecretAccessKey, date, region, service)
	}
	k := cacheKey{creds.AccessKeyID, date, region, service}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && e.secret == creds.SecretAccessKey {
		return e.key
	}
	e = &cacheEntry{secret: creds.SecretAccessKey, key: deriveKey(creds.SecretAccessKey, date, region, service)}
	// Keys may be substrings of a request header: clone them so the cache
	// does not pin whole requests in memory.
	k = cacheKey{strings.Clone(k.accessKeyID), strings.Clone(k.date), strings.Clone(k.region), strings.Clone(k.service)}
	c.mu.Lock()
	if _, present := c.m[k]; !present && len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = e
	c.mu.Unlock()
	return e.key
}

// len returns the number of cached keys.
func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
