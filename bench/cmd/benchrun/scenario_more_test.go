package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
)

// TestScenarioConfigsLoad loads every scenario's rendered configuration
// as the gateway does at start, so that a bad key or route fails here and
// not two minutes into a run.
func TestScenarioConfigsLoad(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			p := testParams()
			if sc.Issuer != nil {
				p.Issuer = "http://127.0.0.1:8004"
			}
			files, err := sc.render(p)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(filepath.Join(dir, "fn"), 0o755); err != nil { // Setup builds the function there
				t.Fatal(err)
			}
			cfg, err := config.Load(filepath.Join(dir, mainConfig))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := gateway.NewPlan(cfg, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestForwardTemplateInSync: the templates scenario renders the template
// BenchmarkRenderForward measures.
func TestForwardTemplateInSync(t *testing.T) {
	b, err := os.ReadFile("../../../internal/mapping/testdata/forward.vtl")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != forwardTemplate {
		t.Errorf("forwardTemplate differs from internal/mapping/testdata/forward.vtl:\n%s", forwardTemplate)
	}
}

func TestIndent(t *testing.T) {
	if got, want := indent("a\n\n  b\n", 2), "  a\n\n    b\n"; got != want {
		t.Errorf("indent = %q, want %q", got, want)
	}
}

func TestJWTScenarioTargets(t *testing.T) {
	for name, want := range map[string]float64{"jwt_rs256": 0.75, "jwt_es256": 0.55, "jwt_cached": 0.95, "authorizer_cached": 0.95, "mock": 1.20, "templates": 0.85} {
		sc, err := findScenario(scenarios(), name)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Target.MinThroughput != want {
			t.Errorf("%s: throughput target %v, want %v", name, sc.Target.MinThroughput, want)
		}
	}
	for _, tc := range []struct {
		name  string
		cache string
	}{{"jwt_rs256", "enabled: false"}, {"jwt_es256", "enabled: false"}, {"jwt_cached", "enabled: true"}} {
		sc, _ := findScenario(scenarios(), tc.name)
		files, err := sc.render(testParams())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(files[mainConfig]), "jwtCache: {"+tc.cache+"}") {
			t.Errorf("%s: cache not %s:\n%s", tc.name, tc.cache, files[mainConfig])
		}
	}
}

// TestTokenIssuer starts the issuer and verifies its tokens the way the
// gateway will: discovery, JWKS, signature, iss, aud.
func TestTokenIssuer(t *testing.T) {
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		t.Run(string(alg), func(t *testing.T) {
			iss := newTokenIssuer(alg, 3)
			req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
			if err := iss.prepare(req); err == nil {
				t.Error("prepare before start succeeded")
			}
			if err := iss.start(); err != nil {
				t.Fatal(err)
			}
			defer iss.stop()
			if !strings.HasPrefix(iss.URL(), "http://127.0.0.1:") {
				t.Fatalf("URL %q is not loopback", iss.URL())
			}
			resp, err := http.Get(iss.URL() + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), `"jwks_uri":"`+iss.URL()+`/.well-known/jwks.json"`) {
				t.Errorf("discovery document %s", body)
			}
			v := jwtauth.New(jwtauth.Options{Issuer: iss.URL(), Audiences: []string{benchAudience}, TokenCacheSize: -1})
			seen := map[string]bool{}
			for range 6 {
				req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
				if err := iss.prepare(req); err != nil {
					t.Fatal(err)
				}
				h := req.Header.Get("Authorization")
				seen[h] = true
				if _, err := v.Verify(context.Background(), jwtauth.TokenFromHeader(h)); err != nil {
					t.Fatalf("token %q: %v", h, err)
				}
			}
			if len(seen) != 3 {
				t.Errorf("%d distinct tokens in 6 requests, want the 3 rotated", len(seen))
			}
		})
	}
	var nilIssuer *tokenIssuer
	if nilIssuer.URL() != "" {
		t.Error("a nil issuer has a URL")
	}
}
