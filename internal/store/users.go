package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is an IAM user, with the fields and JSON names of IAM's User type
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html), as
// in the output of aws iam create-user / get-user ({"User": ...}) and
// list-users ({"Users": [...]}). CreateDate has whole seconds, in UTC.
type User struct {
	Path       string    `json:"Path"`
	UserName   string    `json:"UserName"`
	UserID     string    `json:"UserId"`
	Arn        string    `json:"Arn"`
	CreateDate time.Time `json:"CreateDate"`
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// nameKey is the unique key of a user or group name: IAM names are unique
// regardless of case ("ADMIN" and "admin" cannot both exist) and found
// regardless of case.
func nameKey(name string) string { return strings.ToLower(name) }

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// randomID returns prefix followed by n characters of [A-Z2-7] from
// crypto/rand (256 is a multiple of 32: no bias).
func randomID(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	for i := range b {
		b[i] = base32Upper[b[i]&31]
	}
	return prefix + string(b), nil
}

// CreateUser creates a user. path "" means "/". The UserId is "AIDA"
// followed by 17 characters, as IAM's.
func (s *Store) CreateUser(ctx context.Context, userName, path string) (User, error) {
	const op = "CreateUser"
	if path == "" {
		path = "/"
	}
	if err := checkName(op, "userName", userName, maxUserName); err != nil {
		return User{}, err
	}
	if err := checkPath(op, path); err != nil {
		return User{}, err
	}
	var u User
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		var err error
		u, err = s.createUser(ctx, tx, op, userName, path)
		return err
	})
	return u, err
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, op, userName, path string) (User, error) {
	if _, err := s.getUser(ctx, tx, op, userName); err == nil {
		return User{}, apiErr(op, CodeEntityAlreadyExists, "User with name %s already exists.", userName)
	} else if ErrorCode(err) != CodeNoSuchEntity {
		return User{}, err
	}
	id, err := randomID("AIDA", 17)
	if err != nil {
		return User{}, err
	}
	created := s.unix()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO iam_users (name_key, name, user_id, path, created) VALUES (?, ?, ?, ?, ?)`),
		nameKey(userName), userName, id, path, created); err != nil {
		return User{}, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	return User{Path: path, UserName: userName, UserID: id, Arn: s.userARN(path, userName), CreateDate: fromUnix(created)}, nil
}

// GetUser returns a user; the name is matched regardless of case.
func (s *Store) GetUser(ctx context.Context, userName string) (User, error) {
	const op = "GetUser"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.rdb, op, userName)
}

func (s *Store) getUser(ctx context.Context, q querier, op, userName string) (User, error) {
	var u User
	var created int64
	err := q.QueryRowContext(ctx, s.q(`SELECT name, user_id, path, created FROM iam_users WHERE name_key = ?`), nameKey(userName)).
		Scan(&u.UserName, &u.UserID, &u.Path, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, noSuchUser(op, userName)
	}
	if err != nil {
		return User{}, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	u.Arn = s.userARN(u.Path, u.UserName)
	u.CreateDate = fromUnix(created)
	return u, nil
}

// DeleteUser deletes a user that has no access keys, inline policies or
// group memberships; otherwise it fails with DeleteConflict, as IAM does
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html).
func (s *Store) DeleteUser(ctx context.Context, userName string) error {
	const op = "DeleteUser"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getUser(ctx, tx, op, userName); err != nil {
			return err
		}
		return s.deleteUnused(ctx, tx, op, userName, `DELETE FROM iam_users WHERE name_key = ?`,
			dependent{`SELECT count(*) FROM iam_access_keys WHERE user_key = ?`, "Cannot delete entity, must delete access keys first."},
			dependent{`SELECT count(*) FROM iam_user_policies WHERE user_key = ?`, "Cannot delete entity, must delete policies first."},
			dependent{`SELECT count(*) FROM iam_group_members WHERE user_key = ?`, "Cannot delete entity, must remove users from group first."})
	})
}

// dependent is a query counting what must go before an entity can be
// deleted, and IAM's DeleteConflict message when something remains.
type dependent struct{ query, msg string }

// deleteUnused deletes the entity called name with del, after checking each
// dependent is empty (DeleteConflict otherwise, as IAM answers).
func (s *Store) deleteUnused(ctx context.Context, tx *sql.Tx, op, name, del string, deps ...dependent) error {
	key := nameKey(name)
	for _, d := range deps {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(d.query), key).Scan(&n); err != nil {
			return fmt.Errorf("%s %s: %w", op, name, err)
		}
		if n > 0 {
			return apiErr(op, CodeDeleteConflict, "%s", d.msg)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(del), key); err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	return nil
}

// ListUsers returns the users whose path starts with pathPrefix ("" or
// "/" for all), ordered by name.
func (s *Store) ListUsers(ctx context.Context, pathPrefix string) ([]User, error) {
	const op = "ListUsers"
	if pathPrefix != "" && pathPrefix[0] != '/' {
		return nil, validationErr(op, pathPrefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, user_id, path, created FROM iam_users ORDER BY name_key`)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	users := []User{}
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.UserName, &u.UserID, &u.Path, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if !strings.HasPrefix(u.Path, pathPrefix) {
			continue
		}
		u.Arn = s.userARN(u.Path, u.UserName)
		u.CreateDate = fromUnix(created)
		users = append(users, u)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return users, nil
}
