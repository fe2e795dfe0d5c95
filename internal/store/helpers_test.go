package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const envPostgresDSN = "GATEHOUSE_TEST_POSTGRES_DSN"

// backend is one database a test runs against: a DSN and the store key
// every Store opened on it must share (nil: the SQLite key file).
type backend struct {
	name string
	dsn  string
	key  []byte
}

func (b backend) open(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.EncryptionKey == nil {
		opts.EncryptionKey = b.key
	}
	s, err := Open(context.Background(), b.dsn, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", b.name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteBackend(t testing.TB) backend {
	return backend{name: "sqlite", dsn: "sqlite://" + filepath.Join(t.TempDir(), "gatehouse.db")}
}

// postgresBackend returns a backend in a schema of its own (dropped at
// cleanup), or skips the test without GATEHOUSE_TEST_POSTGRES_DSN.
func postgresBackend(t testing.TB) backend {
	t.Helper()
	base := os.Getenv(envPostgresDSN)
	if base == "" {
		if os.Getenv("GATEHOUSE_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal(envPostgresDSN + " not set, and GATEHOUSE_TEST_REQUIRE_SERVICES says services must be tested")
		}
		t.Skip(envPostgresDSN + " not set: e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", envPostgresDSN, err)
	}
	defer conn.Close(ctx)
	schema := "gh_store_test_" + hex.EncodeToString(randBytes(t, 6))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("cleanup: drop schema: %v", err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return backend{name: "postgres", dsn: base + sep + "search_path=" + schema, key: randBytes(t, KeySize)}
}

// forEachBackend runs f against SQLite and, when configured, PostgreSQL.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, postgresBackend(t)) })
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not seen within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s: seen after %v", what, time.Since(start).Round(time.Millisecond))
}

const invokePolicy = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*/prod/*"}]
}`

const denyPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}}`
