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
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
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

// allowedAlgs are the only signature algorithms accepted. none and HS* are
// never accepted: an HMAC "signed" with the public key would otherwise pass
// (the classic RS256→HS256 confusion).
func allowedAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.PS256}
}

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
	algs      []jose.SignatureAlgorithm
	jwks      *jwksCache
	tokens    *tokenCache // nil when off
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
		algs:      allowedAlgs(),
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
	jws, err := jose.ParseSignedCompact(token, v.algs)
	if err != nil {
		var unexpected *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &unexpected) {
			return nil, fail(ReasonUnsupportedAlg, err)
		}
		return nil, fail(ReasonMalformed, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, failf(ReasonMalformed, "%d signatures", len(jws.Signatures))
	}
	hdr := jws.Signatures[0].Header
	if hdr.KeyID == "" {
		return nil, failf(ReasonUnknownKID, "token has no kid")
	}
	keys, err := v.jwks.lookup(ctx, hdr.KeyID)
	if err != nil {
		return nil, err
	}
	payload, err := verifyWith(jws, hdr.Algorithm, keys)
	if err != nil {
		return nil, fail(ReasonBadSignature, err)
	}
	all, err := parseClaims(payload)
	if err != nil {
		return nil, fail(ReasonMalformed, err)
	}
	reg, err := decodeRegistered(all)
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

// verifyWith tries each key published under the token's kid whose type fits
// alg and whose own "alg", when set, equals it.
func verifyWith(jws *jose.JSONWebSignature, alg string, keys []jose.JSONWebKey) ([]byte, error) {
	err := errors.New("no key under this kid fits alg " + alg)
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		switch k.Key.(type) {
		case *rsa.PublicKey:
			if alg[0] != 'R' && alg[0] != 'P' {
				continue
			}
		case *ecdsa.PublicKey:
			if alg[0] != 'E' {
				continue
			}
		default:
			continue
		}
		var payload []byte
		if payload, err = jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, err
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
	if r.hasAud {
		for _, a := range r.aud {
			if slices.Contains(v.audiences, a) {
				return nil
			}
		}
	} else if r.clientID != "" && slices.Contains(v.audiences, r.clientID) {
		return nil
	}
	return failf(ReasonWrongAudience, "aud %q client_id %q", r.aud, r.clientID)
}
