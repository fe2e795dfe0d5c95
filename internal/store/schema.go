package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// schemaComponent names this package's row in store_schema, so that other
// parts of gatehouse may keep their own tables and versions in the same
// database.
const schemaComponent = "iam"

// migrations are applied in order; migrations[i] brings the schema from
// version i to i+1. "{blob}" becomes BLOB (SQLite) or BYTEA (PostgreSQL).
// Never edit a released step: append a new one, and raise SchemaVersion.
func migrations() [][]string {
	return [][]string{{
		`CREATE TABLE iam_revision (
			id INTEGER PRIMARY KEY,
			n BIGINT NOT NULL
		)`,
		`INSERT INTO iam_revision (id, n) VALUES (1, 1)`,
		`CREATE TABLE iam_users (
			name_key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			user_id TEXT NOT NULL UNIQUE,
			path TEXT NOT NULL,
			created BIGINT NOT NULL
		)`,
		`CREATE TABLE iam_access_keys (
			access_key_id TEXT PRIMARY KEY,
			user_key TEXT NOT NULL REFERENCES iam_users (name_key),
			status TEXT NOT NULL,
			created BIGINT NOT NULL,
			key_id TEXT NOT NULL,
			secret {blob} NOT NULL
		)`,
		`CREATE INDEX iam_access_keys_user ON iam_access_keys (user_key)`,
		`CREATE TABLE iam_user_policies (
			user_key TEXT NOT NULL REFERENCES iam_users (name_key),
			name TEXT NOT NULL,
			document TEXT NOT NULL,
			PRIMARY KEY (user_key, name)
		)`,
		`CREATE TABLE iam_groups (
			name_key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			group_id TEXT NOT NULL UNIQUE,
			path TEXT NOT NULL,
			created BIGINT NOT NULL
		)`,
		`CREATE TABLE iam_group_members (
			group_key TEXT NOT NULL REFERENCES iam_groups (name_key),
			user_key TEXT NOT NULL REFERENCES iam_users (name_key),
			PRIMARY KEY (group_key, user_key)
		)`,
		`CREATE INDEX iam_group_members_user ON iam_group_members (user_key)`,
		`CREATE TABLE iam_group_policies (
			group_key TEXT NOT NULL REFERENCES iam_groups (name_key),
			name TEXT NOT NULL,
			document TEXT NOT NULL,
			PRIMARY KEY (group_key, name)
		)`,
	}, {
		// Version 2: roles with their trust policy and inline policies
		// (issue 9: STS).
		`CREATE TABLE iam_roles (
			name_key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			role_id TEXT NOT NULL UNIQUE,
			path TEXT NOT NULL,
			created BIGINT NOT NULL,
			trust_policy TEXT NOT NULL,
			description TEXT NOT NULL,
			max_session_duration INTEGER NOT NULL
		)`,
		`CREATE TABLE iam_role_policies (
			role_key TEXT NOT NULL REFERENCES iam_roles (name_key),
			name TEXT NOT NULL,
			document TEXT NOT NULL,
			PRIMARY KEY (role_key, name)
		)`,
	}}
}

// SchemaVersion is the schema version this build creates and expects:
// len(migrations()).
const SchemaVersion = 2

// migrate creates or upgrades the schema in one write transaction. On
// PostgreSQL an advisory lock serializes nodes starting at once; on SQLite
// the immediate transaction does.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7164201905)`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS store_schema (
		component TEXT PRIMARY KEY,
		version INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create store_schema: %w", err)
	}
	var version int
	err = tx.QueryRowContext(ctx, s.q(`SELECT version FROM store_schema WHERE component = ?`), schemaComponent).Scan(&version)
	switch {
	case err == sql.ErrNoRows:
		version = 0
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO store_schema (component, version) VALUES (?, 0)`), schemaComponent); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	case err != nil:
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("migrate: the database has schema version %d, newer than this gatehouse (%d): upgrade gatehouse", version, SchemaVersion)
	}
	if version == SchemaVersion {
		return tx.Commit()
	}
	blob := "BLOB"
	if s.postgres {
		blob = "BYTEA"
	}
	steps := migrations()
	for v := version; v < SchemaVersion; v++ {
		for _, stmt := range steps[v] {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(stmt, "{blob}", blob)); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE store_schema SET version = ? WHERE component = ?`), SchemaVersion, schemaComponent); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
