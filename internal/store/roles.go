package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// Role is an IAM role, with the fields and JSON names of IAM's Role type
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html), as
// in the output of aws iam create-role / get-role ({"Role": ...}) and
// list-roles ({"Roles": [...]}). AssumeRolePolicyDocument is the trust
// policy as it was put (IAM returns it URL-encoded; the aws CLI decodes it
// and prints JSON, which is what marshalling this gives). The RoleId is
// "AROA" followed by 17 characters.
type Role struct {
	Path                     string          `json:"Path"`
	RoleName                 string          `json:"RoleName"`
	RoleID                   string          `json:"RoleId"`
	Arn                      string          `json:"Arn"`
	CreateDate               time.Time       `json:"CreateDate"`
	AssumeRolePolicyDocument json.RawMessage `json:"AssumeRolePolicyDocument"`
	Description              string          `json:"Description,omitempty"`
	MaxSessionDuration       int             `json:"MaxSessionDuration"`
}

// RolePolicy is an inline role policy, as in the output of aws iam
// get-role-policy.
type RolePolicy struct {
	RoleName       string          `json:"RoleName"`
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

// Role limits (IAM API Reference, CreateRole; IAM quotas page).
const (
	// maxRoleName is CreateRole's RoleName length limit.
	maxRoleName = 64
	// maxRoleDescription is CreateRole's Description length limit.
	maxRoleDescription = 1000
	// DefaultMaxSessionDuration is a role's MaxSessionDuration when
	// CreateRole is not given one: one hour.
	DefaultMaxSessionDuration = 3600
	// MinMaxSessionDuration and MaxMaxSessionDuration bound a role's
	// MaxSessionDuration: 1 to 12 hours.
	MinMaxSessionDuration = 3600
	MaxMaxSessionDuration = 43200
	// trustPolicyQuota is the "Role trust policy length" quota: 2,048
	// characters not counting white space.
	trustPolicyQuota = 2048
	// rolePolicySizeQuota is the aggregate size of a role's inline
	// policies, not counting white space.
	rolePolicySizeQuota = 10240
)

// RoleOptions are CreateRole's optional parameters.
type RoleOptions struct {
	// Path is the role's path; "" means "/".
	Path string
	// Description is free text up to 1,000 characters; "" means none.
	Description string
	// MaxSessionDuration is in seconds, 3600 to 43200; 0 means
	// DefaultMaxSessionDuration.
	MaxSessionDuration int
}

func (s *Store) roleARN(path, name string) string {
	return "arn:aws:iam::" + s.account + ":role" + path + name
}

func noSuchRole(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The role with name %s cannot be found.", name)
}

func noSuchRolePolicy(op, name string) *Error {
	return apiErr(op, CodeNoSuchEntity, "The role policy with name %s cannot be found.", name)
}

func rolePolicies() inlinePolicies {
	return inlinePolicies{table: "iam_role_policies", owner: "role_key", kind: "role", quota: rolePolicySizeQuota}
}

// checkTrustPolicy validates an assume-role policy document: parameter
// constraints, the trust policy grammar (a Principal is required, a
// Resource is prohibited) and the 2,048-character quota.
func checkTrustPolicy(op string, doc []byte) error {
	if err := checkPolicyDocument(op, doc); err != nil {
		return err
	}
	if _, err := iam.ParsePolicy("trust policy", iam.TrustPolicy, doc); err != nil {
		msg := "Syntax errors in policy."
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Msg != "" {
			msg = pe.Msg
		}
		return &Error{Op: op, Code: CodeMalformedPolicyDocument, Message: msg, Err: err}
	}
	if policySize(string(doc)) > trustPolicyQuota {
		return apiErr(op, CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d", trustPolicyQuota)
	}
	return nil
}

func checkRoleOptions(op string, o RoleOptions) error {
	if err := checkPath(op, o.Path); err != nil {
		return err
	}
	if len([]rune(o.Description)) > maxRoleDescription {
		return validationErr(op, o.Description, "description", fmt.Sprintf("Member must have length less than or equal to %d", maxRoleDescription))
	}
	for _, r := range o.Description {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7E) || (r >= 0xA1 && r <= 0xFF)) {
			return validationErr(op, o.Description, "description", `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
		}
	}
	return checkMaxSessionDuration(op, o.MaxSessionDuration)
}

func checkMaxSessionDuration(op string, d int) error {
	v := strconv.Itoa(d)
	switch {
	case d < MinMaxSessionDuration:
		return validationErr(op, v, "maxSessionDuration", fmt.Sprintf("Member must have value greater than or equal to %d", MinMaxSessionDuration))
	case d > MaxMaxSessionDuration:
		return validationErr(op, v, "maxSessionDuration", fmt.Sprintf("Member must have value less than or equal to %d", MaxMaxSessionDuration))
	}
	return nil
}

func (o *RoleOptions) defaults() {
	if o.Path == "" {
		o.Path = "/"
	}
	if o.MaxSessionDuration == 0 {
		o.MaxSessionDuration = DefaultMaxSessionDuration
	}
}

// CreateRole creates a role with a trust policy (the assume-role policy
// document, validated as iam.TrustPolicy). Role names are unique
// regardless of case, as user names.
func (s *Store) CreateRole(ctx context.Context, roleName string, trustPolicy []byte, o RoleOptions) (Role, error) {
	const op = "CreateRole"
	o.defaults()
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return Role{}, err
	}
	if err := checkRoleOptions(op, o); err != nil {
		return Role{}, err
	}
	if err := checkTrustPolicy(op, trustPolicy); err != nil {
		return Role{}, err
	}
	var r Role
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		var err error
		r, err = s.createRole(ctx, tx, op, roleName, trustPolicy, o)
		return err
	})
	return r, err
}

func (s *Store) createRole(ctx context.Context, tx *sql.Tx, op, roleName string, trustPolicy []byte, o RoleOptions) (Role, error) {
	if _, err := s.getRole(ctx, tx, op, roleName); err == nil {
		return Role{}, apiErr(op, CodeEntityAlreadyExists, "Role with name %s already exists.", roleName)
	} else if ErrorCode(err) != CodeNoSuchEntity {
		return Role{}, err
	}
	id, err := randomID("AROA", 17)
	if err != nil {
		return Role{}, err
	}
	created := s.unix()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO iam_roles (name_key, name, role_id, path, created, trust_policy, description, max_session_duration) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		nameKey(roleName), roleName, id, o.Path, created, string(trustPolicy), o.Description, o.MaxSessionDuration); err != nil {
		return Role{}, fmt.Errorf("%s %s: %w", op, roleName, err)
	}
	return Role{Path: o.Path, RoleName: roleName, RoleID: id, Arn: s.roleARN(o.Path, roleName), CreateDate: fromUnix(created),
		AssumeRolePolicyDocument: json.RawMessage(trustPolicy), Description: o.Description, MaxSessionDuration: o.MaxSessionDuration}, nil
}

const roleColumns = `name, role_id, path, created, trust_policy, description, max_session_duration`

func (s *Store) scanRole(row interface{ Scan(...any) error }) (Role, error) {
	var r Role
	var created int64
	var trust string
	if err := row.Scan(&r.RoleName, &r.RoleID, &r.Path, &created, &trust, &r.Description, &r.MaxSessionDuration); err != nil {
		return Role{}, err
	}
	r.Arn = s.roleARN(r.Path, r.RoleName)
	r.CreateDate = fromUnix(created)
	r.AssumeRolePolicyDocument = json.RawMessage(trust)
	return r, nil
}

func (s *Store) getRole(ctx context.Context, q querier, op, roleName string) (Role, error) {
	r, err := s.scanRole(q.QueryRowContext(ctx, s.q(`SELECT `+roleColumns+` FROM iam_roles WHERE name_key = ?`), nameKey(roleName)))
	if errors.Is(err, sql.ErrNoRows) {
		return Role{}, noSuchRole(op, roleName)
	}
	if err != nil {
		return Role{}, fmt.Errorf("%s %s: %w", op, roleName, err)
	}
	return r, nil
}

// GetRole returns a role; the name is matched regardless of case.
func (s *Store) GetRole(ctx context.Context, roleName string) (Role, error) {
	const op = "GetRole"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return Role{}, err
	}
	return s.getRole(ctx, s.rdb, op, roleName)
}

// ListRoles returns the roles whose path starts with pathPrefix ("" or
// "/" for all), ordered by name.
func (s *Store) ListRoles(ctx context.Context, pathPrefix string) ([]Role, error) {
	const op = "ListRoles"
	if pathPrefix != "" && pathPrefix[0] != '/' {
		return nil, validationErr(op, pathPrefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+roleColumns+` FROM iam_roles ORDER BY name_key`)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	roles := []Role{}
	for rows.Next() {
		r, err := s.scanRole(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if strings.HasPrefix(r.Path, pathPrefix) {
			roles = append(roles, r)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return roles, nil
}

// DeleteRole deletes a role that has no inline policies (DeleteConflict
// otherwise, as IAM). Sessions of the deleted role stop working at once:
// their role id no longer resolves (docs/sts.md).
func (s *Store) DeleteRole(ctx context.Context, roleName string) error {
	const op = "DeleteRole"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getRole(ctx, tx, op, roleName); err != nil {
			return err
		}
		return s.deleteUnused(ctx, tx, op, roleName, `DELETE FROM iam_roles WHERE name_key = ?`,
			dependent{`SELECT count(*) FROM iam_role_policies WHERE role_key = ?`, "Cannot delete entity, must delete policies first."})
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Store) UpdateAssumeRolePolicy(ctx context.Context, roleName string, trustPolicy []byte) error {
	const op = "UpdateAssumeRolePolicy"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return err
	}
	if err := checkTrustPolicy(op, trustPolicy); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getRole(ctx, tx, op, roleName); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE iam_roles SET trust_policy = ? WHERE name_key = ?`), string(trustPolicy), nameKey(roleName)); err != nil {
			return fmt.Errorf("%s %s: %w", op, roleName, err)
		}
		return nil
	})
}

// PutRolePolicy adds or replaces an inline policy of a role, validated as
// an identity policy. A role's inline policies together may hold 10,240
// characters not counting white space (LimitExceeded beyond).
func (s *Store) PutRolePolicy(ctx context.Context, roleName, policyName string, document []byte) error {
	const op = "PutRolePolicy"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return err
	}
	if err := checkPolicy(op, policyName, document); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		r, err := s.getRole(ctx, tx, op, roleName)
		if err != nil {
			return err
		}
		return s.putPolicy(ctx, tx, op, rolePolicies(), r.RoleName, nameKey(roleName), policyName, document)
	})
}

// GetRolePolicy returns an inline policy of a role.
func (s *Store) GetRolePolicy(ctx context.Context, roleName, policyName string) (RolePolicy, error) {
	const op = "GetRolePolicy"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return RolePolicy{}, err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return RolePolicy{}, err
	}
	r, err := s.getRole(ctx, s.rdb, op, roleName)
	if err != nil {
		return RolePolicy{}, err
	}
	var doc string
	err = s.rdb.QueryRowContext(ctx, s.q(`SELECT document FROM iam_role_policies WHERE role_key = ? AND name = ?`), nameKey(roleName), policyName).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return RolePolicy{}, noSuchRolePolicy(op, policyName)
	}
	if err != nil {
		return RolePolicy{}, fmt.Errorf("%s %s: %w", op, roleName, err)
	}
	return RolePolicy{RoleName: r.RoleName, PolicyName: policyName, PolicyDocument: json.RawMessage(doc)}, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Store) DeleteRolePolicy(ctx context.Context, roleName, policyName string) error {
	const op = "DeleteRolePolicy"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getRole(ctx, tx, op, roleName); err != nil {
			return err
		}
		return s.deletePolicy(ctx, tx, op, rolePolicies(), nameKey(roleName), policyName, noSuchRolePolicy)
	})
}

// ListRolePolicies returns the names of a role's inline policies, sorted
// (aws iam list-role-policies prints {"PolicyNames": [...]}).
func (s *Store) ListRolePolicies(ctx context.Context, roleName string) ([]string, error) {
	const op = "ListRolePolicies"
	if err := checkName(op, "roleName", roleName, maxRoleName); err != nil {
		return nil, err
	}
	if _, err := s.getRole(ctx, s.rdb, op, roleName); err != nil {
		return nil, err
	}
	return s.listPolicyNames(ctx, op, rolePolicies(), nameKey(roleName))
}

// SeedRole is a role from gatehouse.yaml's iam.roles, applied by
// ApplyRoles.
type SeedRole struct {
	// Name is the role name.
	Name string
	// AssumeRolePolicy is the trust policy, JSON.
	AssumeRolePolicy []byte
	// Policies are put as inline role policies.
	Policies []SeedPolicy
	// Options are the path, description and maximum session duration.
	Options RoleOptions
}

// ApplyRoles applies seed roles idempotently, in one transaction: it
// creates missing roles, replaces a trust policy, description or maximum
// session duration that differs, and puts the inline policies. A role's
// path is kept as created. It removes nothing the seed does not mention,
// validates every entry first (reporting all problems, each naming
// iam.roles[i]) and writes nothing when the seed is already applied.
func (s *Store) ApplyRoles(ctx context.Context, seed []SeedRole) error {
	var errs []error
	for i := range seed {
		r := &seed[i]
		r.Options.defaults()
		at := func(err error) error { return fmt.Errorf("iam.roles[%d] (%s): %w", i, quoteValue(r.Name), err) }
		if err := checkName("CreateRole", "roleName", r.Name, maxRoleName); err != nil {
			errs = append(errs, at(err))
		}
		if err := checkRoleOptions("CreateRole", r.Options); err != nil {
			errs = append(errs, at(err))
		}
		if err := checkTrustPolicy("CreateRole", r.AssumeRolePolicy); err != nil {
			errs = append(errs, at(fmt.Errorf("assumeRolePolicy: %w", err)))
		}
		for j, p := range r.Policies {
			if err := checkPolicy("PutRolePolicy", p.Name, p.Document); err != nil {
				errs = append(errs, at(fmt.Errorf("policies[%d]: %w", j, err)))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("apply seed: %w", errors.Join(errs...))
	}
	return applySeed(ctx, s, "ApplyRoles", "iam.roles", seed, func(r SeedRole) string { return r.Name }, s.applyRole)
}

func (s *Store) applyRole(ctx context.Context, tx *sql.Tx, r SeedRole) (bool, error) {
	changed := false
	role, err := s.getRole(ctx, tx, "GetRole", r.Name)
	switch {
	case ErrorCode(err) == CodeNoSuchEntity:
		if role, err = s.createRole(ctx, tx, "CreateRole", r.Name, r.AssumeRolePolicy, r.Options); err != nil {
			return false, err
		}
		changed = true
	case err != nil:
		return false, err
	case string(role.AssumeRolePolicyDocument) != string(r.AssumeRolePolicy) || role.Description != r.Options.Description || role.MaxSessionDuration != r.Options.MaxSessionDuration:
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE iam_roles SET trust_policy = ?, description = ?, max_session_duration = ? WHERE name_key = ?`),
			string(r.AssumeRolePolicy), r.Options.Description, r.Options.MaxSessionDuration, nameKey(r.Name)); err != nil {
			return false, fmt.Errorf("UpdateRole %s: %w", r.Name, err)
		}
		changed = true
	}
	for _, p := range r.Policies {
		var doc string
		err := tx.QueryRowContext(ctx, s.q(`SELECT document FROM iam_role_policies WHERE role_key = ? AND name = ?`), nameKey(r.Name), p.Name).Scan(&doc)
		switch {
		case err == nil && doc == string(p.Document):
			continue
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("PutRolePolicy %s: %w", p.Name, err)
		}
		if err := s.putPolicy(ctx, tx, "PutRolePolicy", rolePolicies(), role.RoleName, nameKey(r.Name), p.Name, p.Document); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}
