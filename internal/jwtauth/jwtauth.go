// Package jwtauth verifies the JWTs accepted by API Gateway's HTTP API JWT
// authorizers and REST API COGNITO_USER_POOLS authorizers.
//
// A Verifier is built once per authorizer at load and shared by every
// request; it caches the issuer's JWKS. Every failure is an *Error whose
// Reason is for logs only: callers answer 401 {"message":"Unauthorized"}.
//
// See docs/jwt-authorizers.md for the decisions behind the checks.
package jwtauth

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultRefreshInterval = time.Hour
	DefaultMaxTokenSize    = 16 << 10
	DefaultHTTPTimeout     = 5 * time.Second
	// Leeway is the clock skew tolerated on exp, nbf and iat. AWS does not
	// publish its value; 5 s absorbs NTP drift between the identity provider
	// and the gateway without meaningfully extending a token's life.
	Leeway = 5 * time.Second
)

// Options configure a Verifier.
type Options struct {
	// Issuer is the exact value the iss claim must have, and the base URL of
	// the discovery document, e.g.
	// https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123. Required.
	Issuer string
	// Audiences is jwtConfiguration.audience of an HTTP API authorizer: the
	// token's aud (or, for Cognito access tokens, client_id) must match one.
	// Empty means no audience check, as for REST COGNITO_USER_POOLS
	// authorizers, which do not check it.
	Audiences []string
	// JWKSURI is the URL of the issuer's key set. Empty means discovery:
	// {Issuer}/.well-known/openid-configuration's jwks_uri, else
	// {Issuer}/.well-known/jwks.json. Set it when the keys are served
	// apart from the issuer (a local stand-in for a Cognito user pool).
	JWKSURI string
	// HTTPClient fetches the discovery document and the JWKS. Nil means a
	// client with a DefaultHTTPTimeout (5 s) timeout.
	HTTPClient *http.Client
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// RefreshInterval is how long a fetched JWKS is used before it is
	// refreshed in the background. Zero means DefaultRefreshInterval (1 h).
	RefreshInterval time.Duration
	// MaxTokenSize is the longest token, in bytes, that is parsed at all.
	// Zero means DefaultMaxTokenSize (16 KiB).
	MaxTokenSize int
	// TokenCacheSize bounds the cache of verified tokens (see tokenCache):
	// a token seen before and not expired is answered without checking its
	// signature again. Zero means DefaultTokenCacheSize (10,000 tokens); a
	// negative value turns the cache off.
	TokenCacheSize int
}

// Verifier checks tokens from one issuer. It is safe for concurrent use.
type Verifier struct {
	issuer    string
	audiences []string
	now       func() time.Time
	maxSize   int
	jwks      *jwksCache
	tokens    *tokenCache // nil when off
	scratch   sync.Pool   // of *scratch, the buffers of one Verify
}

// New returns a Verifier for opts. It does no I/O: the JWKS is fetched by the
// first Verify. An empty Issuer makes every Verify fail with ReasonWrongIssuer;
// config validation is expected to reject it before.
func New(opts Options) *Verifier {
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	refresh := opts.RefreshInterval
	if refresh <= 0 {
		refresh = DefaultRefreshInterval
	}
	maxSize := opts.MaxTokenSize
	if maxSize <= 0 {
		maxSize = DefaultMaxTokenSize
	}
	return &Verifier{
		issuer:    opts.Issuer,
		audiences: slices.Clone(opts.Audiences),
		now:       now,
		maxSize:   maxSize,
		jwks:      &jwksCache{issuer: opts.Issuer, jwksURI: opts.JWKSURI, client: client, now: now, refresh: refresh},
		tokens:    newTokenCache(opts.TokenCacheSize, refresh),
	}
}

// Verify checks token (without "Bearer "; see TokenFromHeader) and returns
// its claims. Checks, in order: size, compact JWS syntax, alg allow list,
// kid in the JWKS, signature, iss, exp, nbf, iat, token_use, aud/client_id.
// The error is always an *Error. Claims may be shared with other calls
// (the verified-token cache): callers must not modify them.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > v.maxSize {
		return nil, failf(ReasonTooLarge, "token is %d bytes, limit %d", len(token), v.maxSize)
	}
	var key [32]byte
	if v.tokens != nil {
		key = tokenKey(token)
		if c := v.tokens.get(&key, v.now()); c != nil {
			return c, nil
		}
	}
	sc := v.getScratch()
	defer v.putScratch(sc)
	jws, err := parseCompact(sc, token)
	if err != nil {
		return nil, err
	}
	if len(jws.kid) == 0 {
		return nil, failf(ReasonUnknownKID, "token has no kid")
	}
	keys, err := v.jwks.lookup(ctx, jws.kid)
	if err != nil {
		return nil, err
	}
	hashed := digest(jws.alg.hash, jws.signed, &sc.sum)
	if err := verifySignature(sc, jws.alg, keys, hashed, jws.sig); err != nil {
		return nil, fail(ReasonBadSignature, err)
	}
	all, reg, members, err := parseClaims(jws.payload, sc.members)
	sc.members = members[:0]
	if err != nil {
		return nil, fail(ReasonMalformed, err)
	}
	if err := v.check(&reg); err != nil {
		return nil, err
	}
	claims := &Claims{All: all, Scopes: reg.scopes}
	v.tokens.put(&key, claims, reg.exp, v.now())
	return claims, nil
}

func (v *Verifier) getScratch() *scratch {
	if sc, ok := v.scratch.Get().(*scratch); ok {
		return sc
	}
	return new(scratch)
}

// putScratch returns sc to the pool unless a large token grew it.
func (v *Verifier) putScratch(sc *scratch) {
	if cap(sc.tok) > maxPooledToken || cap(sc.hdr) > maxPooledToken || cap(sc.sig) > maxPooledToken || cap(sc.members) > 1024 {
		return
	}
	v.scratch.Put(sc)
}

func (v *Verifier) check(r *registered) error {
	if !r.hasIss || v.issuer == "" || r.iss != v.issuer {
		return failf(ReasonWrongIssuer, "iss %q", r.iss)
	}
	now := float64(v.now().UnixNano()) / 1e9
	leeway := Leeway.Seconds()
	if !r.hasExp {
		return failf(ReasonExpired, "no exp claim")
	}
	if now > r.exp+leeway {
		return failf(ReasonExpired, "exp %.0f is before now %.0f", r.exp, now)
	}
	if r.hasNbf && r.nbf > now+leeway {
		return failf(ReasonNotYetValid, "nbf %.0f is after now %.0f", r.nbf, now)
	}
	if r.hasIat && r.iat > now+leeway {
		return failf(ReasonNotYetValid, "iat %.0f is after now %.0f", r.iat, now)
	}
	if r.tokenUse != "" && r.tokenUse != "id" && r.tokenUse != "access" {
		return failf(ReasonWrongTokenUse, "token_use %q", r.tokenUse)
	}
	if len(v.audiences) == 0 {
		return nil
	}
	// "API Gateway validates client_id only if aud is not present. When
	// both aud and client_id are present, API Gateway evaluates aud."
	// (HTTP API JWT authorizer troubleshooting guide.)
	switch {
	case r.audList:
		for _, a := range r.aud {
			if slices.Contains(v.audiences, a) {
				return nil
			}
		}
	case r.hasAud:
		if slices.Contains(v.audiences, r.aud1) {
			return nil
		}
	case r.clientID != "" && slices.Contains(v.audiences, r.clientID):
		return nil
	}
	aud := slices.Clone(r.aud)
	if r.hasAud && !r.audList {
		aud = []string{r.aud1}
	}
	return failf(ReasonWrongAudience, "aud %q client_id %q", aud, r.clientID)
}
