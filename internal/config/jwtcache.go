package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// JWTCache is the jwtCache: section: the cache of verified tokens that
// JWT authorizers keep (docs/jwt-authorizers.md, "Verified-token cache").
// It is gatehouse's own and changes no answer; the zero value is the
// default, on with jwtauth's size.
type JWTCache struct {
	// Disabled turns the cache off (enabled: false): every request's
	// token is verified in full.
	Disabled bool
	// MaxTokens bounds each authorizer's cache; 0 means the default
	// (jwtauth.DefaultTokenCacheSize, 10,000).
	MaxTokens int
}

// TokenCacheSize is the value of jwtauth.Options.TokenCacheSize: negative
// when off, 0 for the default.
func (c JWTCache) TokenCacheSize() int {
	if c.Disabled {
		return -1
	}
	return c.MaxTokens
}

type jwtCacheDoc struct {
	Enabled   *bool `yaml:"enabled"`
	MaxTokens int   `yaml:"maxTokens"`
}

// maxJWTCacheTokens bounds jwtCache.maxTokens: each entry holds a token's
// claims, so a million is already hundreds of megabytes.
const maxJWTCacheTokens = 1_000_000

func decodeJWTCache(es *yamlx.Errors, n *yaml.Node, d *jwtCacheDoc) JWTCache {
	if d == nil {
		return JWTCache{}
	}
	c := JWTCache{Disabled: d.Enabled != nil && !*d.Enabled, MaxTokens: d.MaxTokens}
	if d.MaxTokens < 0 || d.MaxTokens > maxJWTCacheTokens {
		es.Add(yamlx.Lookup(n, "maxTokens"), "jwtCache.maxTokens", "must be between 1 and %d (0 or absent for the default), not %d", maxJWTCacheTokens, d.MaxTokens)
	}
	return c
}
