package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AccessKey is a new access key with its secret, as IAM's AccessKey type
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AccessKey.html)
// in the output of aws iam create-access-key ({"AccessKey": ...}). The
// secret is returned this once: it cannot be read back.
type AccessKey struct {
	UserName        string
	AccessKeyID     string
	Status          string
	SecretAccessKey Secret
	CreateDate      time.Time
}

// MarshalJSON writes IAM's field names and order, secret included: this
// is the one place a secret leaves the store, for the create-access-key
// response.
func (k AccessKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		UserName        string    `json:"UserName"`
		AccessKeyID     string    `json:"AccessKeyId"`
		Status          string    `json:"Status"`
		SecretAccessKey string    `json:"SecretAccessKey"`
		CreateDate      time.Time `json:"CreateDate"`
	}{k.UserName, k.AccessKeyID, k.Status, string(k.SecretAccessKey), k.CreateDate})
}

// AccessKeyMetadata describes an access key without its secret, as IAM's
// AccessKeyMetadata type in the output of aws iam list-access-keys
// ({"AccessKeyMetadata": [...]}).
type AccessKeyMetadata struct {
	UserName    string    `json:"UserName"`
	AccessKeyID string    `json:"AccessKeyId"`
	Status      string    `json:"Status"`
	CreateDate  time.Time `json:"CreateDate"`
}

// newSecret returns 40 characters of base64 from 30 random bytes, the
// shape of an AWS secret access key.
func newSecret() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// CreateAccessKey creates an active access key for a user: an id "AKIA"
// followed by 16 characters of [A-Z2-7] and a 40-character secret, both
// from crypto/rand. A user has at most two keys (LimitExceeded).
func (s *Store) CreateAccessKey(ctx context.Context, userName string) (AccessKey, error) {
	const op = "CreateAccessKey"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return AccessKey{}, err
	}
	id, err := randomID("AKIA", 16)
	if err != nil {
		return AccessKey{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return AccessKey{}, err
	}
	var k AccessKey
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		md, err := s.insertKey(ctx, tx, op, userName, id, secret)
		k = AccessKey{UserName: md.UserName, AccessKeyID: md.AccessKeyID, Status: md.Status, SecretAccessKey: Secret(secret), CreateDate: md.CreateDate}
		return err
	})
	if err != nil {
		return AccessKey{}, err
	}
	return k, nil
}

func (s *Store) insertKey(ctx context.Context, tx *sql.Tx, op, userName, id, secret string) (AccessKeyMetadata, error) {
	u, err := s.getUser(ctx, tx, op, userName)
	if err != nil {
		return AccessKeyMetadata{}, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM iam_access_keys WHERE user_key = ?`), nameKey(userName)).Scan(&n); err != nil {
		return AccessKeyMetadata{}, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	if n >= accessKeysPerUser {
		return AccessKeyMetadata{}, apiErr(op, CodeLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", accessKeysPerUser)
	}
	box, err := s.sealer.seal(id, secret)
	if err != nil {
		return AccessKeyMetadata{}, err
	}
	created := s.unix()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO iam_access_keys (access_key_id, user_key, status, created, key_id, secret) VALUES (?, ?, ?, ?, ?, ?)`),
		id, nameKey(userName), StatusActive, created, s.sealer.keyID, box); err != nil {
		return AccessKeyMetadata{}, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	return AccessKeyMetadata{UserName: u.UserName, AccessKeyID: id, Status: StatusActive, CreateDate: fromUnix(created)}, nil
}

// keyRow is an access key as stored.
type keyRow struct {
	md    AccessKeyMetadata
	keyID string
	box   []byte
}

func (s *Store) getKey(ctx context.Context, q querier, op, accessKeyID string) (keyRow, bool, error) {
	var k keyRow
	var created int64
	err := q.QueryRowContext(ctx, s.q(`SELECT u.name, k.status, k.created, k.key_id, k.secret
		FROM iam_access_keys k JOIN iam_users u ON u.name_key = k.user_key
		WHERE k.access_key_id = ?`), accessKeyID).Scan(&k.md.UserName, &k.md.Status, &created, &k.keyID, &k.box)
	if errors.Is(err, sql.ErrNoRows) {
		return keyRow{}, false, nil
	}
	if err != nil {
		return keyRow{}, false, fmt.Errorf("%s %s: %w", op, accessKeyID, err)
	}
	k.md.AccessKeyID = accessKeyID
	k.md.CreateDate = fromUnix(created)
	return k, true, nil
}

// ImportAccessKey stores a given access key id and secret for a user, for
// seed data in gatehouse.yaml (iam.users[].accessKeys). It is idempotent:
// importing a key the user already has succeeds, updating the secret if
// it differs and keeping the key's status (a key deactivated with
// UpdateAccessKey stays inactive). A key id that belongs to another user
// is EntityAlreadyExists; the two-key quota applies.
func (s *Store) ImportAccessKey(ctx context.Context, userName, accessKeyID string, secret Secret) (AccessKeyMetadata, error) {
	const op = "ImportAccessKey"
	if err := checkImport(op, userName, accessKeyID, secret); err != nil {
		return AccessKeyMetadata{}, err
	}
	var md AccessKeyMetadata
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		var err error
		md, _, err = s.importKey(ctx, tx, op, userName, accessKeyID, string(secret))
		return err
	})
	return md, err
}

func checkImport(op, userName, accessKeyID string, secret Secret) error {
	if err := checkName(op, "userName", userName, 128); err != nil {
		return err
	}
	if err := checkAccessKeyID(op, accessKeyID); err != nil {
		return err
	}
	return checkSecret(op, string(secret))
}

// importKey reports whether it changed anything.
func (s *Store) importKey(ctx context.Context, tx *sql.Tx, op, userName, accessKeyID, secret string) (AccessKeyMetadata, bool, error) {
	k, ok, err := s.getKey(ctx, tx, op, accessKeyID)
	if err != nil {
		return AccessKeyMetadata{}, false, err
	}
	if !ok {
		md, err := s.insertKey(ctx, tx, op, userName, accessKeyID, secret)
		return md, err == nil, err
	}
	if nameKey(k.md.UserName) != nameKey(userName) {
		return AccessKeyMetadata{}, false, apiErr(op, CodeEntityAlreadyExists, "Access key %s already exists for another user.", accessKeyID)
	}
	old, err := s.sealer.open(accessKeyID, k.keyID, k.box)
	if err == nil && subtle.ConstantTimeCompare([]byte(old), []byte(secret)) == 1 {
		return k.md, false, nil
	}
	box, err := s.sealer.seal(accessKeyID, secret)
	if err != nil {
		return AccessKeyMetadata{}, false, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE iam_access_keys SET key_id = ?, secret = ? WHERE access_key_id = ?`),
		s.sealer.keyID, box, accessKeyID); err != nil {
		return AccessKeyMetadata{}, false, fmt.Errorf("%s %s: %w", op, accessKeyID, err)
	}
	return k.md, true, nil
}

// keyOfUser loads a key and checks that it belongs to userName ("" means
// any user, as IAM's optional UserName): a key of another user is
// NoSuchEntity, as IAM answers.
func (s *Store) keyOfUser(ctx context.Context, tx *sql.Tx, op, userName, accessKeyID string) (keyRow, error) {
	if userName != "" {
		if _, err := s.getUser(ctx, tx, op, userName); err != nil {
			return keyRow{}, err
		}
	}
	k, ok, err := s.getKey(ctx, tx, op, accessKeyID)
	if err != nil {
		return keyRow{}, err
	}
	if !ok || (userName != "" && nameKey(k.md.UserName) != nameKey(userName)) {
		return keyRow{}, noSuchKey(op, accessKeyID)
	}
	return k, nil
}

// UpdateAccessKey sets a key's status to StatusActive or StatusInactive.
// userName "" means whichever user owns the key.
func (s *Store) UpdateAccessKey(ctx context.Context, userName, accessKeyID, status string) error {
	const op = "UpdateAccessKey"
	if userName != "" {
		if err := checkName(op, "userName", userName, 128); err != nil {
			return err
		}
	}
	if err := checkAccessKeyID(op, accessKeyID); err != nil {
		return err
	}
	if err := checkStatus(op, status); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.keyOfUser(ctx, tx, op, userName, accessKeyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE iam_access_keys SET status = ? WHERE access_key_id = ?`), status, accessKeyID); err != nil {
			return fmt.Errorf("%s %s: %w", op, accessKeyID, err)
		}
		return nil
	})
}

// DeleteAccessKey deletes a key. userName "" means whichever user owns
// the key.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, accessKeyID string) error {
	const op = "DeleteAccessKey"
	if userName != "" {
		if err := checkName(op, "userName", userName, 128); err != nil {
			return err
		}
	}
	if err := checkAccessKeyID(op, accessKeyID); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.keyOfUser(ctx, tx, op, userName, accessKeyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM iam_access_keys WHERE access_key_id = ?`), accessKeyID); err != nil {
			return fmt.Errorf("%s %s: %w", op, accessKeyID, err)
		}
		return nil
	})
}

// ListAccessKeys returns a user's keys, without secrets, oldest first.
func (s *Store) ListAccessKeys(ctx context.Context, userName string) ([]AccessKeyMetadata, error) {
	const op = "ListAccessKeys"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return nil, err
	}
	u, err := s.getUser(ctx, s.rdb, op, userName)
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT access_key_id, status, created FROM iam_access_keys WHERE user_key = ? ORDER BY created, access_key_id`), nameKey(userName))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	keys := []AccessKeyMetadata{}
	for rows.Next() {
		md := AccessKeyMetadata{UserName: u.UserName}
		var created int64
		if err := rows.Scan(&md.AccessKeyID, &md.Status, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s %s: %w", op, userName, err)
		}
		md.CreateDate = fromUnix(created)
		keys = append(keys, md)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	return keys, nil
}
