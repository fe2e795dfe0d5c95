package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Environment variables the CLI reads the store key from (KeyFromEnv).
const (
	// EnvKey holds the 32-byte store key, base64 encoded (standard or URL
	// alphabet, padded or not).
	EnvKey = "GATEHOUSE_STORE_KEY"
	// EnvKeyFile names a file holding the key: base64 text, or the 32 raw
	// bytes.
	EnvKeyFile = "GATEHOUSE_STORE_KEY_FILE"
)

// KeySize is the size of the store key: AES-256.
const KeySize = 32

const redacted = "[REDACTED]"

// Secret is a secret access key. It prints as "[REDACTED]" whatever the
// fmt verb, in slog and in encoding/json, so that it cannot leak through
// an error, a log line or a debug dump; convert it with string(s) where
// the secret itself is needed (the SigV4 key derivation). Only
// AccessKey's JSON (the create-access-key response) writes it out.
type Secret string

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", for %#v.
func (Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[REDACTED]", for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON writes "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText writes "[REDACTED]".
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// KeyError says that a stored secret cannot be decrypted with the
// configured store key: the key is not the one the secret was encrypted
// with, or the ciphertext was altered.
type KeyError struct {
	// AccessKeyID is the access key whose secret failed.
	AccessKeyID string
	// StoredKeyID is the id of the key the secret was encrypted with.
	StoredKeyID string
	// KeyID is the id of the configured key.
	KeyID string
}

// Error explains the mismatch; it never contains key material.
func (e *KeyError) Error() string {
	if e.StoredKeyID != e.KeyID {
		return fmt.Sprintf("store key mismatch: the secret of access key %s was encrypted with store key id %s, but the configured key has id %s (check %s / %s)",
			e.AccessKeyID, e.StoredKeyID, e.KeyID, EnvKey, EnvKeyFile)
	}
	return fmt.Sprintf("cannot decrypt the secret of access key %s with store key id %s: the ciphertext is corrupt", e.AccessKeyID, e.KeyID)
}

// sealer encrypts secrets with AES-256-GCM. The access key id is the
// additional data, so a ciphertext copied onto another key's row does not
// decrypt.
type sealer struct {
	aead  cipher.AEAD
	keyID string
	root  []byte // the store key, for DeriveKey
}

// newSealer builds the cipher for a 32-byte key. The key id is the first 8
// bytes of SHA-256 over a label and the key, in hex: it identifies the
// key without revealing it.
func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("store key: want %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store key: %w", err)
	}
	sum := sha256.Sum256(append([]byte("gatehouse store key id\x00"), key...))
	return &sealer{aead: aead, keyID: hex.EncodeToString(sum[:8]), root: bytes.Clone(key)}, nil
}

// DeriveKey returns a 32-byte key for one purpose (such as
// "sts/session-token/v1"), derived from the store key with HMAC-SHA256
// over a label and the purpose: every process that opens the store with
// the same store key derives the same key, so that what one gateway node
// seals (temporary credentials) another node opens, with no shared state
// beyond the key itself. Different purposes give independent keys, and a
// derived key reveals nothing about the store key.
func (s *Store) DeriveKey(purpose string) []byte {
	m := hmac.New(sha256.New, s.sealer.root)
	m.Write([]byte("gatehouse derived key\x00"))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// seal returns nonce||ciphertext.
func (s *sealer) seal(accessKeyID, secret string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(accessKeyID)), nil
}

// open decrypts what seal returned.
func (s *sealer) open(accessKeyID, keyID string, box []byte) (string, error) {
	kerr := &KeyError{AccessKeyID: accessKeyID, StoredKeyID: keyID, KeyID: s.keyID}
	if keyID != s.keyID || len(box) < s.aead.NonceSize() {
		return "", kerr
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, box[:n], box[n:], []byte(accessKeyID))
	if err != nil {
		return "", kerr
	}
	return string(plain), nil
}

// ParseKey decodes a store key: base64 text (standard or URL alphabet,
// padded or not, surrounding white space ignored) or the 32 raw bytes.
func ParseKey(b []byte) ([]byte, error) {
	t := bytes.TrimSpace(b)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(string(t)); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	if len(b) == KeySize {
		return bytes.Clone(b), nil
	}
	return nil, fmt.Errorf("store key: want %d bytes, base64 encoded (e.g. `head -c 32 /dev/urandom | base64`)", KeySize)
}

// KeyFromEnv reads the store key the way the CLI configures it: from
// GATEHOUSE_STORE_KEY (base64), else from the file named by
// GATEHOUSE_STORE_KEY_FILE. It returns nil and no error when neither is
// set. lookup is os.LookupEnv in production.
func KeyFromEnv(lookup func(string) (string, bool)) ([]byte, error) {
	if v, ok := lookup(EnvKey); ok && v != "" {
		k, err := ParseKey([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return k, nil
	}
	if p, ok := lookup(EnvKeyFile); ok && p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKeyFile, err)
		}
		k, err := ParseKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", EnvKeyFile, p, err)
		}
		return k, nil
	}
	return nil, nil
}

// loadOrCreateKeyFile reads path, or creates it with a new random key
// (base64, mode 0600) when it does not exist and mayCreate holds. Creation
// is atomic (a temporary file hard-linked into place), so two processes
// opening a new store at once agree on one key.
func loadOrCreateKeyFile(path string, mayCreate bool) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("key file %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("key file: %w", err)
	}
	if !mayCreate {
		return nil, false, fmt.Errorf("key file %s does not exist but the database holds encrypted secrets: restore the key file or set %s", path, EnvKey)
	}
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, false, fmt.Errorf("generate store key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race
			return loadOrCreateKeyFile(path, false)
		}
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	return k, true, nil
}
