package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	key := randBytes(t, KeySize)
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	box, err := s.seal("AKIAEXAMPLE000000001", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(box, []byte(secret)) {
		t.Fatal("ciphertext contains the secret")
	}
	box2, _ := s.seal("AKIAEXAMPLE000000001", secret)
	if bytes.Equal(box, box2) {
		t.Error("two seals of one secret are equal: nonce not random")
	}
	got, err := s.open("AKIAEXAMPLE000000001", s.keyID, box)
	if err != nil || got != secret {
		t.Fatalf("open = %v", err)
	}

	var kerr *KeyError
	// Bound to its access key id.
	if _, err := s.open("AKIAEXAMPLE000000002", s.keyID, box); !errors.As(err, &kerr) {
		t.Errorf("open under another key id: %v", err)
	}
	// Tampered.
	bad := bytes.Clone(box)
	bad[len(bad)-1] ^= 1
	if _, err := s.open("AKIAEXAMPLE000000001", s.keyID, bad); !errors.As(err, &kerr) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("open tampered: %v", err)
	}
	// Another key.
	other, _ := newSealer(randBytes(t, KeySize))
	_, err = other.open("AKIAEXAMPLE000000001", s.keyID, box)
	if !errors.As(err, &kerr) || kerr.StoredKeyID != s.keyID || kerr.KeyID != other.keyID || !strings.Contains(err.Error(), "store key mismatch") {
		t.Errorf("open with another key: %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Error("error leaks the secret")
	}
	if _, err := newSealer(key[:16]); err == nil {
		t.Error("16-byte key accepted")
	}
}

func TestSecretRedaction(t *testing.T) {
	const secret = "SuperSecretValue0123456789abcdefghijklmn"
	id := Identity{AccessKeyID: "AKIAEXAMPLE000000001", Secret: secret, UserName: "alice"}
	k := AccessKey{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: secret}
	var buf bytes.Buffer
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&buf, f+"\n", id)
		fmt.Fprintf(&buf, f+"\n", &id)
		fmt.Fprintf(&buf, f+"\n", id.Secret)
		fmt.Fprintf(&buf, f+"\n", []Identity{id})
	}
	j, _ := json.Marshal(id)
	buf.Write(j)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "id", id, "secret", id.Secret)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "id", id, "secret", id.Secret)
	fmt.Fprintf(&buf, "%+v %v\n", k, k.SecretAccessKey)
	if strings.Contains(buf.String(), secret) {
		t.Errorf("secret leaked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), redacted) {
		t.Error("no redaction marker")
	}
	// The create-access-key response is the one place it is written.
	j, _ = json.Marshal(k)
	if !strings.Contains(string(j), `"SecretAccessKey":"`+secret+`"`) {
		t.Errorf("AccessKey JSON lacks the secret: %s", j)
	}
}

// A stolen SQLite database (with its WAL) must not reveal secrets.
func TestSecretsNotInDatabaseFile(t *testing.T) {
	ctx := context.Background()
	b := sqliteBackend(t)
	s := b.open(t, Options{})
	if _, err := s.CreateUser(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}
	const imported = "ImportedSecretMustNotBeOnDisk0123456789x"
	if _, err := s.ImportAccessKey(ctx, "alice", "AKIAONDISKTEST000001", imported); err != nil {
		t.Fatal(err)
	}
	created, err := s.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		dbPath := strings.TrimPrefix(b.dsn, "sqlite://")
		files, _ := filepath.Glob(dbPath + "*")
		sawID := false
		for _, f := range files {
			if strings.HasSuffix(f, ".key") {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{imported, string(created.SecretAccessKey)} {
				if bytes.Contains(raw, []byte(secret)) {
					t.Errorf("%s: %s holds a secret in clear", when, filepath.Base(f))
				}
				if bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString([]byte(secret)))) {
					t.Errorf("%s: %s holds a secret in base64", when, filepath.Base(f))
				}
			}
			sawID = sawID || bytes.Contains(raw, []byte("AKIAONDISKTEST000001"))
		}
		if !sawID {
			t.Errorf("%s: the access key id is in no file of %v: the test reads the wrong files", when, files)
		}
	}
	check("open")
	s.Close()
	check("closed")

	// The generated key file is private.
	fi, err := os.Stat(strings.TrimPrefix(b.dsn, "sqlite://") + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestWrongKey(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, b backend) {
		key := randBytes(t, KeySize)
		s := b.open(t, Options{EncryptionKey: key})
		if _, err := s.CreateUser(ctx, "alice", ""); err != nil {
			t.Fatal(err)
		}
		const secret = "TheSecretOfAliceWhichMustNotLeak01234567"
		if _, err := s.ImportAccessKey(ctx, "alice", "AKIAWRONGKEYTEST0001", secret); err != nil {
			t.Fatal(err)
		}
		s.Close()

		_, err := Open(ctx, b.dsn, Options{EncryptionKey: randBytes(t, KeySize)})
		var kerr *KeyError
		if !errors.As(err, &kerr) || kerr.AccessKeyID != "AKIAWRONGKEYTEST0001" {
			t.Fatalf("Open with the wrong key: %v", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Error("error leaks the secret")
		}
		t.Log(err)

		s2, err := Open(ctx, b.dsn, Options{EncryptionKey: key})
		if err != nil {
			t.Fatalf("Open with the right key: %v", err)
		}
		defer s2.Close()
		if id, ok := s2.Identity("AKIAWRONGKEYTEST0001"); !ok || string(id.Secret) != secret {
			t.Error("secret does not round-trip through the database")
		}
	})
}

func TestKeyFile(t *testing.T) {
	ctx := context.Background()
	b := sqliteBackend(t)
	s := b.open(t, Options{})
	if _, err := s.CreateUser(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportAccessKey(ctx, "alice", "AKIAKEYFILETEST00001", "secret"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keyPath := strings.TrimPrefix(b.dsn, "sqlite://") + ".key"
	// Reopening uses the same file.
	s = b.open(t, Options{})
	if id, ok := s.Identity("AKIAKEYFILETEST00001"); !ok || string(id.Secret) != "secret" {
		t.Error("reopen with the key file")
	}
	s.Close()
	// The key file is what KeyFromEnv reads too.
	k, err := KeyFromEnv(func(name string) (string, bool) {
		if name == EnvKeyFile {
			return keyPath, true
		}
		return "", false
	})
	if err != nil || len(k) != KeySize {
		t.Fatalf("KeyFromEnv(file) = %d bytes, %v", len(k), err)
	}
	s = b.open(t, Options{EncryptionKey: k})
	s.Close()
	// A lost key file is not silently replaced while secrets exist.
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, b.dsn, Options{}); err == nil || !strings.Contains(err.Error(), "does not exist but the database holds encrypted secrets") {
		t.Errorf("Open without its key file: %v", err)
	}
}

func TestKeyFromEnv(t *testing.T) {
	key := randBytes(t, KeySize)
	dir := t.TempDir()
	rawFile := filepath.Join(dir, "raw.key")
	if err := os.WriteFile(rawFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    []byte
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"base64", map[string]string{EnvKey: base64.StdEncoding.EncodeToString(key)}, key, ""},
		{"base64 url raw", map[string]string{EnvKey: base64.RawURLEncoding.EncodeToString(key) + "\n"}, key, ""},
		{"env wins over file", map[string]string{EnvKey: base64.StdEncoding.EncodeToString(key), EnvKeyFile: "/nonexistent"}, key, ""},
		{"raw file", map[string]string{EnvKeyFile: rawFile}, key, ""},
		{"short", map[string]string{EnvKey: base64.StdEncoding.EncodeToString(key[:16])}, nil, "GATEHOUSE_STORE_KEY: store key: want 32 bytes"},
		{"missing file", map[string]string{EnvKeyFile: filepath.Join(dir, "nope")}, nil, "GATEHOUSE_STORE_KEY_FILE: open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := KeyFromEnv(env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got %x, %v", got, err)
			}
		})
	}
}
