package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Group is an IAM group, with the fields and JSON names of IAM's Group
// type (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Group.html),
// as in aws iam create-group ({"Group": ...}), list-groups and
// list-groups-for-user ({"Groups": [...]}). The GroupId is "AGPA"
// followed by 17 characters.
type Group struct {
	Path       string    `json:"Path"`
	GroupName  string    `json:"GroupName"`
	GroupID    string    `json:"GroupId"`
	Arn        string    `json:"Arn"`
	CreateDate time.Time `json:"CreateDate"`
}

// CreateGroup creates a group. path "" means "/".
func (s *Store) CreateGroup(ctx context.Context, groupName, path string) (Group, error) {
	const op = "CreateGroup"
	if path == "" {
		path = "/"
	}
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return Group{}, err
	}
	if err := checkPath(op, path); err != nil {
		return Group{}, err
	}
	id, err := randomID("AGPA", 17)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getGroup(ctx, tx, op, groupName); err == nil {
			return apiErr(op, CodeEntityAlreadyExists, "Group with name %s already exists.", groupName)
		} else if ErrorCode(err) != CodeNoSuchEntity {
			return err
		}
		created := s.unix()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO iam_groups (name_key, name, group_id, path, created) VALUES (?, ?, ?, ?, ?)`),
			nameKey(groupName), groupName, id, path, created); err != nil {
			return fmt.Errorf("%s %s: %w", op, groupName, err)
		}
		g = Group{Path: path, GroupName: groupName, GroupID: id, Arn: s.groupARN(path, groupName), CreateDate: fromUnix(created)}
		return nil
	})
	if err != nil {
		return Group{}, err
	}
	return g, nil
}

func (s *Store) getGroup(ctx context.Context, q querier, op, groupName string) (Group, error) {
	var g Group
	var created int64
	err := q.QueryRowContext(ctx, s.q(`SELECT name, group_id, path, created FROM iam_groups WHERE name_key = ?`), nameKey(groupName)).
		Scan(&g.GroupName, &g.GroupID, &g.Path, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, noSuchGroup(op, groupName)
	}
	if err != nil {
		return Group{}, fmt.Errorf("%s %s: %w", op, groupName, err)
	}
	g.Arn = s.groupARN(g.Path, g.GroupName)
	g.CreateDate = fromUnix(created)
	return g, nil
}

// GetGroup returns a group and its users, ordered by name (aws iam
// get-group prints {"Users": [...], "Group": {...}}).
func (s *Store) GetGroup(ctx context.Context, groupName string) (Group, []User, error) {
	const op = "GetGroup"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return Group{}, nil, err
	}
	g, err := s.getGroup(ctx, s.rdb, op, groupName)
	if err != nil {
		return Group{}, nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT u.name, u.user_id, u.path, u.created
		FROM iam_group_members m JOIN iam_users u ON u.name_key = m.user_key
		WHERE m.group_key = ? ORDER BY u.name_key`), nameKey(groupName))
	if err != nil {
		return Group{}, nil, fmt.Errorf("%s %s: %w", op, groupName, err)
	}
	users := []User{}
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.UserName, &u.UserID, &u.Path, &created); err != nil {
			rows.Close()
			return Group{}, nil, fmt.Errorf("%s %s: %w", op, groupName, err)
		}
		u.Arn = s.userARN(u.Path, u.UserName)
		u.CreateDate = fromUnix(created)
		users = append(users, u)
	}
	if err := closeRows(rows); err != nil {
		return Group{}, nil, fmt.Errorf("%s %s: %w", op, groupName, err)
	}
	return g, users, nil
}

// DeleteGroup deletes a group that has no members and no inline policies
// (DeleteConflict otherwise).
func (s *Store) DeleteGroup(ctx context.Context, groupName string) error {
	const op = "DeleteGroup"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getGroup(ctx, tx, op, groupName); err != nil {
			return err
		}
		return s.deleteUnused(ctx, tx, op, groupName, `DELETE FROM iam_groups WHERE name_key = ?`,
			dependent{`SELECT count(*) FROM iam_group_members WHERE group_key = ?`, "Cannot delete entity, must remove users from group first."},
			dependent{`SELECT count(*) FROM iam_group_policies WHERE group_key = ?`, "Cannot delete entity, must delete policies first."})
	})
}

// AddUserToGroup adds a user to a group; adding a member again succeeds,
// as in IAM.
func (s *Store) AddUserToGroup(ctx context.Context, groupName, userName string) error {
	const op = "AddUserToGroup"
	if err := checkMembershipNames(op, groupName, userName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if err := s.groupAndUserExist(ctx, tx, op, groupName, userName); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM iam_group_members WHERE group_key = ? AND user_key = ?`),
			nameKey(groupName), nameKey(userName)).Scan(&n); err != nil {
			return fmt.Errorf("%s %s: %w", op, groupName, err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO iam_group_members (group_key, user_key) VALUES (?, ?)`),
			nameKey(groupName), nameKey(userName)); err != nil {
			return fmt.Errorf("%s %s: %w", op, groupName, err)
		}
		return nil
	})
}

// checkMembershipNames checks the names a membership operation takes.
func checkMembershipNames(op, groupName, userName string) error {
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return err
	}
	return checkName(op, "userName", userName, 128)
}

// groupAndUserExist fails with NoSuchEntity, naming the group first, as
// IAM does, when either is missing.
func (s *Store) groupAndUserExist(ctx context.Context, tx *sql.Tx, op, groupName, userName string) error {
	if _, err := s.getGroup(ctx, tx, op, groupName); err != nil {
		return err
	}
	_, err := s.getUser(ctx, tx, op, userName)
	return err
}

// RemoveUserFromGroup removes a user from a group. A user that is not a
// member is NoSuchEntity with the user message, as IAM answers.
func (s *Store) RemoveUserFromGroup(ctx context.Context, groupName, userName string) error {
	const op = "RemoveUserFromGroup"
	if err := checkMembershipNames(op, groupName, userName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if err := s.groupAndUserExist(ctx, tx, op, groupName, userName); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM iam_group_members WHERE group_key = ? AND user_key = ?`),
			nameKey(groupName), nameKey(userName))
		if err != nil {
			return fmt.Errorf("%s %s: %w", op, groupName, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("%s %s: %w", op, groupName, err)
		} else if n == 0 {
			return noSuchUser(op, userName)
		}
		return nil
	})
}

// PutGroupPolicy adds or replaces an inline policy of a group, validated
// as PutUserPolicy does; a group's inline policies together may hold
// 5,120 characters not counting white space.
func (s *Store) PutGroupPolicy(ctx context.Context, groupName, policyName string, document []byte) error {
	const op = "PutGroupPolicy"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return err
	}
	if err := checkPolicy(op, policyName, document); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		g, err := s.getGroup(ctx, tx, op, groupName)
		if err != nil {
			return err
		}
		return s.putPolicy(ctx, tx, op, groupPolicies(), g.GroupName, nameKey(groupName), policyName, document)
	})
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Store) GetGroupPolicy(ctx context.Context, groupName, policyName string) (GroupPolicy, error) {
	const op = "GetGroupPolicy"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return GroupPolicy{}, err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return GroupPolicy{}, err
	}
	g, err := s.getGroup(ctx, s.rdb, op, groupName)
	if err != nil {
		return GroupPolicy{}, err
	}
	var doc string
	err = s.rdb.QueryRowContext(ctx, s.q(`SELECT document FROM iam_group_policies WHERE group_key = ? AND name = ?`), nameKey(groupName), policyName).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return GroupPolicy{}, noSuchGroupPolicy(op, policyName)
	}
	if err != nil {
		return GroupPolicy{}, fmt.Errorf("%s %s: %w", op, groupName, err)
	}
	return GroupPolicy{GroupName: g.GroupName, PolicyName: policyName, PolicyDocument: []byte(doc)}, nil
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Store) DeleteGroupPolicy(ctx context.Context, groupName, policyName string) error {
	const op = "DeleteGroupPolicy"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return err
	}
	if err := checkName(op, "policyName", policyName, maxPolicyName); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.getGroup(ctx, tx, op, groupName); err != nil {
			return err
		}
		return s.deletePolicy(ctx, tx, op, groupPolicies(), nameKey(groupName), policyName, noSuchGroupPolicy)
	})
}

// ListGroupPolicies returns the names of a group's inline policies,
// sorted.
func (s *Store) ListGroupPolicies(ctx context.Context, groupName string) ([]string, error) {
	const op = "ListGroupPolicies"
	if err := checkName(op, "groupName", groupName, maxGroupName); err != nil {
		return nil, err
	}
	if _, err := s.getGroup(ctx, s.rdb, op, groupName); err != nil {
		return nil, err
	}
	return s.listPolicyNames(ctx, op, groupPolicies(), nameKey(groupName))
}

// ListGroups returns the groups whose path starts with pathPrefix ("" for
// all), ordered by name.
func (s *Store) ListGroups(ctx context.Context, pathPrefix string) ([]Group, error) {
	const op = "ListGroups"
	if pathPrefix != "" && pathPrefix[0] != '/' {
		return nil, validationErr(op, pathPrefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	gs, err := s.queryGroups(ctx, op, `SELECT name, group_id, path, created FROM iam_groups ORDER BY name_key`)
	if err != nil {
		return nil, err
	}
	out := gs[:0]
	for _, g := range gs {
		if strings.HasPrefix(g.Path, pathPrefix) {
			out = append(out, g)
		}
	}
	return out, nil
}

// ListGroupsForUser returns the groups a user belongs to, ordered by name.
func (s *Store) ListGroupsForUser(ctx context.Context, userName string) ([]Group, error) {
	const op = "ListGroupsForUser"
	if err := checkName(op, "userName", userName, 128); err != nil {
		return nil, err
	}
	if _, err := s.getUser(ctx, s.rdb, op, userName); err != nil {
		return nil, err
	}
	return s.queryGroups(ctx, op, `SELECT g.name, g.group_id, g.path, g.created
		FROM iam_group_members m JOIN iam_groups g ON g.name_key = m.group_key
		WHERE m.user_key = ? ORDER BY g.name_key`, nameKey(userName))
}

func (s *Store) queryGroups(ctx context.Context, op, query string, args ...any) ([]Group, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	groups := []Group{}
	for rows.Next() {
		var g Group
		var created int64
		if err := rows.Scan(&g.GroupName, &g.GroupID, &g.Path, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		g.Arn = s.groupARN(g.Path, g.GroupName)
		g.CreateDate = fromUnix(created)
		groups = append(groups, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return groups, nil
}
