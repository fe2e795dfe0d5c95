package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// UserPolicy is an inline user policy, as in the output of aws iam
// get-user-policy. PolicyDocument is the document as it was put (IAM
// returns it URL-encoded; the aws CLI decodes it and prints it as JSON,
// which is what marshalling this gives).
type UserPolicy struct {
	UserName       string          `json:"UserName"`
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

// GroupPolicy is an inline group policy, as in the output of aws iam
// get-group-policy.
type GroupPolicy struct {
	GroupName      string          `json:"GroupName"`
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

// checkPolicy validates a policy name and document the way PutUserPolicy
// does: parameter constraints (ValidationError), then JSON and grammar
// with iam.ParsePolicy (MalformedPolicyDocument, with the first problem's
// IAM message; the full list is the *Error's Err).
func checkPolicy(op, policyName string, doc []byte) error {
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return err
	}
	if err := checkPolicyDocument(op, doc); err != nil {
		return err
	}
	if _, err := iam.ParsePolicy(policyName, iam.IdentityPolicy, doc); err != nil {
		msg := "Syntax errors in policy."
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Msg != "" {
			msg = pe.Msg
		}
		return &Error{Op: op, Code: CodeMalformedPolicyDocument, Message: msg, Err: err}
	}
	return nil
}

// inlinePolicies abstracts the user and group policy tables.
type inlinePolicies struct {
	table, owner string // iam_user_policies, user_key
	kind         string // "user" or "group", for the size message
	quota        int
}

func (s *Store) putPolicy(ctx context.Context, tx *sql.Tx, op string, t inlinePolicies, ownerName, ownerKey, policyName string, doc []byte) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT name, document FROM `+t.table+` WHERE `+t.owner+` = ?`), ownerKey)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, ownerName, err)
	}
	total, exists := policySize(string(doc)), false
	for rows.Next() {
		var name, d string
		if err := rows.Scan(&name, &d); err != nil {
			rows.Close()
			return fmt.Errorf("%s %s: %w", op, ownerName, err)
		}
		if name == policyName {
			exists = true
			continue
		}
		total += policySize(d)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("%s %s: %w", op, ownerName, err)
	}
	if total > t.quota {
		return apiErr(op, CodeLimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", t.quota, t.kind, ownerName)
	}
	query := `INSERT INTO ` + t.table + ` (document, ` + t.owner + `, name) VALUES (?, ?, ?)`
	if exists {
		query = `UPDATE ` + t.table + ` SET document = ? WHERE ` + t.owner + ` = ? AND name = ?`
	}
	if _, err := tx.ExecContext(ctx, s.q(query), string(doc), ownerKey, policyName); err != nil {
		return fmt.Errorf("%s %s: %w", op, ownerName, err)
	}
	return nil
}

func userPolicies() inlinePolicies {
	return inlinePolicies{table: "iam_user_policies", owner: "user_key", kind: "user", quota: userPolicySizeQuota}
}

func groupPolicies() inlinePolicies {
	return inlinePolicies{table: "iam_group_policies", owner: "group_key", kind: "group", quota: groupPolicySizeQuota}
}

// PutUserPolicy adds or replaces an inline policy of a user. The document
// is validated as an identity policy (iam.ParsePolicy): invalid JSON or
// grammar is MalformedPolicyDocument. The user's inline policies together
// may hold 2,048 characters not counting white space (IAM's quota;
// LimitExceeded beyond).
func (s *Store) PutUserPolicy(ctx context.Context, userName, policyName string, document []byte) error {
	const op = "PutUserPolicy"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return err
	}
	if err := checkPolicy(op, policyName, document); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		u, err := s.getUser(ctx, tx, op, userName)
		if err != nil {
			return err
		}
		return s.putPolicy(ctx, tx, op, userPolicies(), u.UserName, nameKey(userName), policyName, document)
	})
}

// GetUserPolicy returns an inline policy of a user.
func (s *Store) GetUserPolicy(ctx context.Context, userName, policyName string) (UserPolicy, error) {
	const op = "GetUserPolicy"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return UserPolicy{}, err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return UserPolicy{}, err
	}
	u, err := s.getUser(ctx, s.rdb, op, userName)
	if err != nil {
		return UserPolicy{}, err
	}
	var doc string
	err = s.rdb.QueryRowContext(ctx, s.q(`SELECT document FROM iam_user_policies WHERE user_key = ? AND name = ?`), nameKey(userName), policyName).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return UserPolicy{}, noSuchUserPolicy(op, policyName)
	}
	if err != nil {
		return UserPolicy{}, fmt.Errorf("%s %s: %w", op, userName, err)
	}
	return UserPolicy{UserName: u.UserName, PolicyName: policyName, PolicyDocument: json.RawMessage(doc)}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Store) DeleteUserPolicy(ctx context.Context, userName, policyName string) error {
	const op = "DeleteUserPolicy"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getUser(ctx, tx, op, userName); err != nil {
			return err
		}
		return s.deletePolicy(ctx, tx, op, userPolicies(), nameKey(userName), policyName, noSuchUserPolicy)
	})
}

func (s *Store) deletePolicy(ctx context.Context, tx *sql.Tx, op string, t inlinePolicies, ownerKey, policyName string, notFound func(op, name string) *Error) error {
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+t.table+` WHERE `+t.owner+` = ? AND name = ?`), ownerKey, policyName)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, policyName, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, policyName, err)
	}
	if n == 0 {
		return notFound(op, policyName)
	}
	return nil
}

func (s *Store) listPolicyNames(ctx context.Context, op string, t inlinePolicies, ownerKey string) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT name FROM `+t.table+` WHERE `+t.owner+` = ? ORDER BY name`), ownerKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		names = append(names, n)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return names, nil
}

// ListUserPolicies returns the names of a user's inline policies, sorted
// (aws iam list-user-policies prints {"PolicyNames": [...]}).
func (s *Store) ListUserPolicies(ctx context.Context, userName string) ([]string, error) {
	const op = "ListUserPolicies"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return nil, err
	}
	if _, err := s.getUser(ctx, s.rdb, op, userName); err != nil {
		return nil, err
	}
	return s.listPolicyNames(ctx, op, userPolicies(), nameKey(userName))
}
