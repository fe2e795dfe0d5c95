package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A second Store on the same database (the CLI process, or another
// gateway node) writes; the first store's snapshot shows it within 1 s.
func TestChangesPropagate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		gateway := b.open(t, Options{})
		cli := b.open(t, Options{})
		const within = time.Second
		const akid = "AKIAPROPAGATION00001"

		if _, err := cli.CreateUser(ctx, "carol", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := cli.ImportAccessKey(ctx, "carol", akid, "carol-secret"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, within, "new key", func() bool {
			id, ok := gateway.Identity(akid)
			return ok && id.Active() && string(id.Secret) == "carol-secret" && id.UserName == "carol"
		})

		if err := cli.UpdateAccessKey(ctx, "carol", akid, StatusInactive); err != nil {
			t.Fatal(err)
		}
		waitFor(t, within, "deactivation", func() bool {
			id, _ := gateway.Identity(akid)
			return id.Status == StatusInactive
		})

		if err := cli.PutUserPolicy(ctx, "carol", "invoke", []byte(invokePolicy)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, within, "user policy", func() bool {
			id, _ := gateway.Identity(akid)
			return len(id.Policies) == 1
		})

		if _, err := cli.CreateGroup(ctx, "devs", ""); err != nil {
			t.Fatal(err)
		}
		if err := cli.PutGroupPolicy(ctx, "devs", "deny", []byte(denyPolicy)); err != nil {
			t.Fatal(err)
		}
		if err := cli.AddUserToGroup(ctx, "devs", "carol"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, within, "group policy", func() bool {
			id, _ := gateway.Identity(akid)
			return len(id.Policies) == 2
		})

		if err := cli.DeleteAccessKey(ctx, "carol", akid); err != nil {
			t.Fatal(err)
		}
		waitFor(t, within, "key deletion", func() bool {
			_, ok := gateway.Identity(akid)
			return !ok
		})
		if gateway.Revision() != cli.Revision() {
			t.Errorf("revisions differ: %d vs %d", gateway.Revision(), cli.Revision())
		}
	})
}

// Readers on the hot path while writers change the store: for -race.
func TestConcurrentReadsAndWrites(t *testing.T) {
	ctx := context.Background()
	b := sqliteBackend(t)
	s := b.open(t, Options{PollInterval: 20 * time.Millisecond})
	other := b.open(t, Options{})
	if _, err := s.CreateUser(ctx, "dave", ""); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if id, ok := s.Identity("AKIACONCURRENT000001"); ok && id.UserName != "dave" {
					t.Error("torn identity")
					return
				}
			}
		}()
	}
	var werr error
	for i := range 10 {
		w := s
		if i%2 == 1 {
			w = other // another connection pool writing the same file
		}
		if _, err := w.ImportAccessKey(ctx, "dave", "AKIACONCURRENT000001", "s"); err != nil {
			werr = err
			break
		}
		if err := w.DeleteAccessKey(ctx, "dave", "AKIACONCURRENT000001"); err != nil {
			werr = err
			break
		}
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}
}

func TestApply(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Options{})
		seed := []SeedUser{{
			Name:       "alice",
			AccessKeys: []SeedAccessKey{{ID: "AKIAEXAMPLEALICE0001", Secret: "alice-secret"}},
			Policies:   []SeedPolicy{{Name: "invoke", Document: []byte(invokePolicy)}},
		}, {
			Name: "bob",
		}}
		if err := s.Apply(ctx, seed); err != nil {
			t.Fatal(err)
		}
		id, ok := s.Identity("AKIAEXAMPLEALICE0001")
		if !ok || string(id.Secret) != "alice-secret" || len(id.Policies) != 1 || id.Policies[0].Name() != "invoke" {
			t.Fatalf("Identity after Apply: ok=%v policies=%d", ok, len(id.Policies))
		}
		if _, err := s.GetUser(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		// Applying again writes nothing.
		rev := s.Revision()
		if err := s.Apply(ctx, seed); err != nil {
			t.Fatal(err)
		}
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Revision() != rev {
			t.Errorf("re-applying the same seed bumped the revision %d -> %d", rev, s.Revision())
		}
		// A changed document and secret are applied; nothing is removed.
		if _, err := s.CreateAccessKey(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		seed[0].AccessKeys[0].Secret = "alice-secret-2"
		seed[0].Policies[0].Document = []byte(denyPolicy)
		if err := s.Apply(ctx, seed); err != nil {
			t.Fatal(err)
		}
		id, _ = s.Identity("AKIAEXAMPLEALICE0001")
		if string(id.Secret) != "alice-secret-2" {
			t.Error("changed secret not applied")
		}
		if p, _ := s.GetUserPolicy(ctx, "alice", "invoke"); string(p.PolicyDocument) != denyPolicy {
			t.Error("changed document not applied")
		}
		if keys, _ := s.ListAccessKeys(ctx, "bob"); len(keys) != 1 {
			t.Error("Apply removed a key the seed does not mention")
		}

		// Bad entries: every problem reported, nothing written.
		rev = s.Revision()
		err := s.Apply(ctx, []SeedUser{
			{Name: "ok-user"},
			{Name: "bad name"},
			{Name: "erin", Policies: []SeedPolicy{{Name: "p", Document: []byte(`{`)}}},
			{Name: "frank", AccessKeys: []SeedAccessKey{{ID: "short", Secret: "x"}}},
		})
		if err == nil {
			t.Fatal("Apply accepted bad entries")
		}
		for _, want := range []string{
			"iam.users[1] (bad name): An error occurred (ValidationError)",
			"iam.users[2] (erin): policies[0]: An error occurred (MalformedPolicyDocument) when calling the PutUserPolicy operation: Syntax errors in policy.",
			"iam.users[3] (frank): accessKeys[0]: An error occurred (ValidationError)",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Apply error lacks %q:\n%v", want, err)
			}
		}
		if _, err := s.GetUser(ctx, "ok-user"); ErrorCode(err) != CodeNoSuchEntity {
			t.Error("Apply wrote part of a bad seed")
		}
		// A key id owned by another user fails the whole seed, atomically.
		err = s.Apply(ctx, []SeedUser{{Name: "grace"}, {Name: "bob", AccessKeys: []SeedAccessKey{{ID: "AKIAEXAMPLEALICE0001", Secret: "x"}}}})
		if ErrorCode(err) != CodeEntityAlreadyExists {
			t.Errorf("Apply with a stolen key id: %v", err)
		}
		if _, err := s.GetUser(ctx, "grace"); ErrorCode(err) != CodeNoSuchEntity {
			t.Error("a failed Apply was not rolled back")
		}
		if s.Revision() != rev {
			t.Error("a failed Apply bumped the revision")
		}
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name    string
		dsn     string
		opts    Options
		wantErr string
	}{
		{"bare path", filepath.Join(dir, "bare.db"), Options{}, ""},
		{"sqlite url", "sqlite://" + filepath.Join(dir, "url.db"), Options{}, ""},
		{"unknown scheme", "mysql://x/y", Options{}, "unsupported DSN scheme"},
		{"query in path", "sqlite://" + filepath.Join(dir, "x.db?mode=ro"), Options{}, "without '?'"},
		{"missing directory", filepath.Join(dir, "nope", "x.db"), Options{}, "SQLite database directory"},
		{"bad account", filepath.Join(dir, "acct.db"), Options{AccountID: "12345"}, "want 12 digits"},
		{"postgres without key", "postgres://u@127.0.0.1:1/db", Options{}, "needs an explicit encryption key"},
		{"postgres bad dsn", "postgres://u:hunter2@127.0.0.1:notaport/db", Options{EncryptionKey: make([]byte, KeySize)}, "invalid PostgreSQL DSN"},
		{"short key", filepath.Join(dir, "short.db"), Options{EncryptionKey: make([]byte, 16)}, "want 32 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.dsn, tc.opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.AccountID() != DefaultAccountID {
					t.Errorf("account %s", s.AccountID())
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil { // idempotent
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the DSN password: %v", err)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	if got := len(migrations()); got != SchemaVersion {
		t.Fatalf("SchemaVersion %d, %d migrations", SchemaVersion, got)
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		// Two stores opening a new database at once both succeed.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, b.dsn, Options{EncryptionKey: b.key})
				if err == nil {
					s.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		s := b.open(t, Options{})
		var v int
		if err := s.rdb.QueryRowContext(ctx, s.q(`SELECT version FROM store_schema WHERE component = ?`), schemaComponent).Scan(&v); err != nil || v != SchemaVersion {
			t.Fatalf("schema version %d, %v", v, err)
		}
		// A newer schema is refused rather than misread.
		if _, err := s.wdb.ExecContext(ctx, `UPDATE store_schema SET version = 99`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(ctx, b.dsn, Options{EncryptionKey: b.key}); err == nil || !strings.Contains(err.Error(), "schema version 99, newer than this gatehouse") {
			t.Errorf("Open on a newer schema: %v", err)
		}
	})
}

// The watcher logs a failure once and keeps serving the last snapshot.
func TestWatcherKeepsSnapshotOnFailure(t *testing.T) {
	ctx := context.Background()
	b := sqliteBackend(t)
	s := b.open(t, Options{PollInterval: 10 * time.Millisecond})
	// Another process, configured with another key, shares the file.
	other := b.open(t, Options{EncryptionKey: randBytes(t, KeySize)})
	if _, err := s.CreateUser(ctx, "erin", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportAccessKey(ctx, "erin", "AKIAWATCHERTEST00001", "s"); err != nil {
		t.Fatal(err)
	}
	// It writes a key this store cannot decrypt.
	if _, err := other.CreateUser(ctx, "zed", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ImportAccessKey(ctx, "zed", "AKIAWATCHERTEST00002", "t"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "revision", func() bool { return s.Revision() == other.Revision() })
	if _, ok := s.Identity("AKIAWATCHERTEST00002"); ok {
		t.Error("undecryptable key in the snapshot")
	}
	if _, ok := s.Identity("AKIAWATCHERTEST00001"); !ok {
		t.Error("good key lost")
	}
	if _, err := os.Stat(strings.TrimPrefix(b.dsn, "sqlite://")); err != nil {
		t.Fatal(err)
	}
}
