package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresDSN returns a DSN in a fresh schema (dropped at cleanup), or
// skips without GATEHOUSE_TEST_POSTGRES_DSN (fails in CI, where
// GATEHOUSE_TEST_REQUIRE_SERVICES is set).
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_POSTGRES_DSN")
	if base == "" {
		if os.Getenv("GATEHOUSE_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("GATEHOUSE_TEST_POSTGRES_DSN not set, and GATEHOUSE_TEST_REQUIRE_SERVICES says services must be tested")
		}
		t.Skip("GATEHOUSE_TEST_POSTGRES_DSN not set: e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "gh_cli_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// TestTwoGatewaysShareOnePostgresStore runs two gateway processes on one
// PostgreSQL store: a user created with the CLI is served by both within
// a second.
func TestTwoGatewaysShareOnePostgresStore(t *testing.T) {
	dsn := postgresDSN(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("GATEHOUSE_STORE_KEY", base64.StdEncoding.EncodeToString(key))
	be := headersBackend(t)
	cfg, dir := iamConfig(t, be.Listener.Addr().String(), "")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "store: sqlite://iam.db", "store: "+dsn, 1)), 0o644)

	node1 := start(t, "serve", "-c", cfg)
	node2 := start(t, "serve", "-c", cfg)
	alice := awsCreds{id: aliceKey, secret: aliceSecret}
	for _, n := range []*process{node1, node2} {
		if status, body, _ := signed(t, "GET", n.api+"/prod/pets/1", "", alice, time.Now(), ""); status != 200 {
			t.Fatalf("seeded user on %s: %d %s", n.api, status, body)
		}
	}
	dave := createUserWithKey(t, cfg, "dave")
	policy := filepath.Join(dir, "dave.json")
	os.WriteFile(policy, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`), 0o644)
	runCLI(t, 0, "iam", "put-user-policy", "-c", cfg, "--user-name", "dave", "--policy-name", "all", "--policy-document", "file://"+policy)
	for _, n := range []*process{node1, node2} {
		waitFor(t, "dave on "+n.api, func() bool {
			status, _, _ := signed(t, "GET", n.api+"/prod/pets/2", "", dave, time.Now(), "")
			return status == 200
		})
	}
}
