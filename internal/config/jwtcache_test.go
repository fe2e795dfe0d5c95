package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestJWTCache(t *testing.T) {
	const api = `
apis: [{name: x, protocol: HTTP, routes: {$default: {integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:1"}}}}]
`
	for _, tt := range []struct {
		name, yaml string
		want       JWTCache
		size       int
	}{
		{"absent: on, default size", "", JWTCache{}, 0},
		{"off", "jwtCache: {enabled: false}\n", JWTCache{Disabled: true}, -1},
		{"on, sized", "jwtCache: {enabled: true, maxTokens: 500}\n", JWTCache{MaxTokens: 500}, 500},
		{"sized", "jwtCache: {maxTokens: 20}\n", JWTCache{MaxTokens: 20}, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "gatehouse.yaml")
			if err := os.WriteFile(file, []byte(tt.yaml+api), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if c.JWTCache != tt.want || c.JWTCache.TokenCacheSize() != tt.size {
				t.Errorf("JWTCache = %+v (size %d), want %+v (size %d)", c.JWTCache, c.JWTCache.TokenCacheSize(), tt.want, tt.size)
			}
		})
	}
}
