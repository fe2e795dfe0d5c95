package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SeedUser is a user from gatehouse.yaml's iam.users, applied by Apply.
type SeedUser struct {
	// Name is the user name.
	Name string
	// AccessKeys are imported as given (ImportAccessKey).
	AccessKeys []SeedAccessKey
	// Policies are put as inline user policies (PutUserPolicy).
	Policies []SeedPolicy
}

// SeedAccessKey is an access key id and its secret.
type SeedAccessKey struct {
	ID     string
	Secret Secret
}

// SeedPolicy is an inline policy: a name and a JSON document.
type SeedPolicy struct {
	Name     string
	Document []byte
}

// Apply applies seed users idempotently, in one transaction: it creates
// missing users, imports their access keys (keeping the status of keys
// that exist) and puts their policies (replacing a document that
// differs). It removes nothing that the seed does not mention. Every
// entry is validated before anything is written; all problems are
// reported, each naming its entry (iam.users[i]). Applying the same seed
// again writes nothing, so restarting gateways do not wake each other.
func (s *Store) Apply(ctx context.Context, seed []SeedUser) error {
	var errs []error
	for i, u := range seed {
		at := func(err error) error { return fmt.Errorf("iam.users[%d] (%s): %w", i, quoteValue(u.Name), err) }
		if err := checkName("CreateUser", "userName", u.Name, maxUserName); err != nil {
			errs = append(errs, at(err))
		}
		for j, k := range u.AccessKeys {
			if err := checkImport("ImportAccessKey", u.Name, k.ID, k.Secret); err != nil {
				errs = append(errs, at(fmt.Errorf("accessKeys[%d]: %w", j, err)))
			}
		}
		for j, p := range u.Policies {
			if err := checkPolicy("PutUserPolicy", p.Name, p.Document); err != nil {
				errs = append(errs, at(fmt.Errorf("policies[%d]: %w", j, err)))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("apply seed: %w", errors.Join(errs...))
	}
	return applySeed(ctx, s, "Apply", "iam.users", seed, func(u SeedUser) string { return u.Name }, s.applyUser)
}

// applySeed writes every seed entry with apply in one transaction, which
// is a no-op (noChange) when no entry changed anything.
func applySeed[T any](ctx context.Context, s *Store, op, field string, seed []T, name func(T) string,
	apply func(context.Context, *sql.Tx, T) (bool, error)) error {
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		changed := false
		for i, e := range seed {
			c, err := apply(ctx, tx, e)
			if err != nil {
				return fmt.Errorf("%s[%d] (%s): %w", field, i, name(e), err)
			}
			changed = changed || c
		}
		if !changed {
			return noChange{}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply seed: %w", err)
	}
	return nil
}

func (s *Store) applyUser(ctx context.Context, tx *sql.Tx, u SeedUser) (bool, error) {
	changed := false
	user, err := s.getUser(ctx, tx, "GetUser", u.Name)
	if ErrorCode(err) == CodeNoSuchEntity {
		user, err = s.createUser(ctx, tx, "CreateUser", u.Name, "/")
		changed = true
	}
	if err != nil {
		return false, err
	}
	for _, k := range u.AccessKeys {
		_, c, err := s.importKey(ctx, tx, "ImportAccessKey", u.Name, k.ID, string(k.Secret))
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	for _, p := range u.Policies {
		var doc string
		err := tx.QueryRowContext(ctx, s.q(`SELECT document FROM iam_user_policies WHERE user_key = ? AND name = ?`), nameKey(u.Name), p.Name).Scan(&doc)
		switch {
		case err == nil && doc == string(p.Document):
			continue
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("PutUserPolicy %s: %w", p.Name, err)
		}
		if err := s.putPolicy(ctx, tx, "PutUserPolicy", userPolicies(), user.UserName, nameKey(u.Name), p.Name, p.Document); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}
