package store

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/iam"
)

func fixedNow() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC) }

func TestErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Options{Now: fixedNow})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.CreateUser(ctx, "alice", "")
		must(err)
		_, err = s.CreateUser(ctx, "bob", "")
		must(err)
		k1, err := s.CreateAccessKey(ctx, "alice")
		must(err)
		_, err = s.ImportAccessKey(ctx, "alice", "AKIAALICE00000000002", "alice-secret-2")
		must(err)
		must(s.PutUserPolicy(ctx, "alice", "invoke", []byte(invokePolicy)))
		_, err = s.CreateGroup(ctx, "devs", "")
		must(err)
		_, err = s.CreateGroup(ctx, "ops", "")
		must(err)
		must(s.AddUserToGroup(ctx, "devs", "alice"))
		must(s.PutGroupPolicy(ctx, "ops", "deny", []byte(denyPolicy)))

		huge := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":[` +
			strings.Repeat(`"arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/x",`, 100) + `"*"]}]}`
		tooLong := strings.Repeat(" ", maxPolicyDocument) + invokePolicy

		tests := []struct {
			name string
			call func() error
			code string
			msg  string // the full aws-CLI line
		}{
			{"GetUser unknown", func() error { _, err := s.GetUser(ctx, "nobody"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found."},
			{"CreateUser exists", func() error { _, err := s.CreateUser(ctx, "alice", ""); return err },
				CodeEntityAlreadyExists, "An error occurred (EntityAlreadyExists) when calling the CreateUser operation: User with name alice already exists."},
			{"CreateUser exists other case", func() error { _, err := s.CreateUser(ctx, "ALICE", ""); return err },
				CodeEntityAlreadyExists, "An error occurred (EntityAlreadyExists) when calling the CreateUser operation: User with name ALICE already exists."},
			{"CreateUser bad name", func() error { _, err := s.CreateUser(ctx, "bad name", ""); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
			{"CreateUser empty name", func() error { _, err := s.CreateUser(ctx, "", ""); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1`},
			{"CreateUser long name", func() error { _, err := s.CreateUser(ctx, strings.Repeat("a", 65), ""); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value '` + strings.Repeat("a", 65) + `' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`},
			{"CreateUser non-UTF-8 name", func() error { _, err := s.CreateUser(ctx, "b\xffb", ""); return err },
				CodeValidationError, "An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value 'b\uFFFDb' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
			{"CreateUser bad path", func() error { _, err := s.CreateUser(ctx, "carol", "team"); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
			{"DeleteUser unknown", func() error { return s.DeleteUser(ctx, "nobody") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteUser operation: The user with name nobody cannot be found."},
			{"DeleteUser with keys", func() error { return s.DeleteUser(ctx, "alice") },
				CodeDeleteConflict, "An error occurred (DeleteConflict) when calling the DeleteUser operation: Cannot delete entity, must delete access keys first."},
			{"ListUsers bad prefix", func() error { _, err := s.ListUsers(ctx, "x"); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the ListUsers operation: 1 validation error detected: Value 'x' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`},
			{"CreateAccessKey quota", func() error { _, err := s.CreateAccessKey(ctx, "alice"); return err },
				CodeLimitExceeded, "An error occurred (LimitExceeded) when calling the CreateAccessKey operation: Cannot exceed quota for AccessKeysPerUser: 2"},
			{"CreateAccessKey unknown user", func() error { _, err := s.CreateAccessKey(ctx, "nobody"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the CreateAccessKey operation: The user with name nobody cannot be found."},
			{"ImportAccessKey quota", func() error { _, err := s.ImportAccessKey(ctx, "alice", "AKIAALICE00000000003", "x"); return err },
				CodeLimitExceeded, "An error occurred (LimitExceeded) when calling the ImportAccessKey operation: Cannot exceed quota for AccessKeysPerUser: 2"},
			{"ImportAccessKey other user's id", func() error { _, err := s.ImportAccessKey(ctx, "bob", "AKIAALICE00000000002", "x"); return err },
				CodeEntityAlreadyExists, "An error occurred (EntityAlreadyExists) when calling the ImportAccessKey operation: Access key AKIAALICE00000000002 already exists for another user."},
			{"ImportAccessKey short id", func() error { _, err := s.ImportAccessKey(ctx, "bob", "AKIA1", "x"); return err },
				CodeValidationError, "An error occurred (ValidationError) when calling the ImportAccessKey operation: 1 validation error detected: Value 'AKIA1' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"},
			{"ImportAccessKey bad secret", func() error { _, err := s.ImportAccessKey(ctx, "bob", "AKIABOB0000000000001", "has space"); return err },
				CodeValidationError, "An error occurred (ValidationError) when calling the ImportAccessKey operation: 1 validation error detected: Value at 'secretAccessKey' failed to satisfy constraint: Member must be 1 to 128 printable ASCII characters without spaces"},
			{"UpdateAccessKey unknown id", func() error { return s.UpdateAccessKey(ctx, "alice", "AKIAAAAAAAAAAAAAAAAA", StatusInactive) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the UpdateAccessKey operation: The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
			{"UpdateAccessKey other user's key", func() error { return s.UpdateAccessKey(ctx, "bob", k1.AccessKeyID, StatusInactive) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the UpdateAccessKey operation: The Access Key with id " + k1.AccessKeyID + " cannot be found."},
			{"UpdateAccessKey bad status", func() error { return s.UpdateAccessKey(ctx, "alice", k1.AccessKeyID, "Enabled") },
				CodeValidationError, "An error occurred (ValidationError) when calling the UpdateAccessKey operation: 1 validation error detected: Value 'Enabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
			{"DeleteAccessKey other user's key", func() error { return s.DeleteAccessKey(ctx, "bob", k1.AccessKeyID) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteAccessKey operation: The Access Key with id " + k1.AccessKeyID + " cannot be found."},
			{"DeleteAccessKey unknown user", func() error { return s.DeleteAccessKey(ctx, "nobody", k1.AccessKeyID) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteAccessKey operation: The user with name nobody cannot be found."},
			{"ListAccessKeys unknown user", func() error { _, err := s.ListAccessKeys(ctx, "nobody"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the ListAccessKeys operation: The user with name nobody cannot be found."},
			{"PutUserPolicy invalid JSON", func() error { return s.PutUserPolicy(ctx, "bob", "p", []byte(`{"Statement": [`)) },
				CodeMalformedPolicyDocument, "An error occurred (MalformedPolicyDocument) when calling the PutUserPolicy operation: Syntax errors in policy."},
			{"PutUserPolicy with Principal", func() error {
				return s.PutUserPolicy(ctx, "bob", "p", []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}}`))
			}, CodeMalformedPolicyDocument, "An error occurred (MalformedPolicyDocument) when calling the PutUserPolicy operation: Policy document should not specify a principal."},
			{"PutUserPolicy non-UTF-8", func() error {
				return s.PutUserPolicy(ctx, "bob", "p", []byte("{\"Version\":\"2012-10-17\",\"Id\":\"\xff\"}"))
			},
				CodeMalformedPolicyDocument, "An error occurred (MalformedPolicyDocument) when calling the PutUserPolicy operation: Syntax errors in policy."},
			{"PutUserPolicy over the user quota", func() error { return s.PutUserPolicy(ctx, "bob", "huge", []byte(huge)) },
				CodeLimitExceeded, "An error occurred (LimitExceeded) when calling the PutUserPolicy operation: Maximum policy size of 2048 bytes exceeded for user bob"},
			{"PutUserPolicy aggregate over the quota", func() error {
				half := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":[` +
					strings.Repeat(`"arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/x",`, 25) + `"*"]}]}`
				if err := s.PutUserPolicy(ctx, "alice", "half", []byte(half)); err != nil {
					return err
				}
				return s.PutUserPolicy(ctx, "alice", "half2", []byte(half))
			}, CodeLimitExceeded, "An error occurred (LimitExceeded) when calling the PutUserPolicy operation: Maximum policy size of 2048 bytes exceeded for user alice"},
			{"PutUserPolicy too long", func() error { return s.PutUserPolicy(ctx, "bob", "p", []byte(tooLong)) },
				CodeValidationError, "An error occurred (ValidationError) when calling the PutUserPolicy operation: 1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to 131072"},
			{"PutUserPolicy control character", func() error { return s.PutUserPolicy(ctx, "bob", "p", []byte("{\x01}")) },
				CodeValidationError, `An error occurred (ValidationError) when calling the PutUserPolicy operation: 1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`},
			{"PutUserPolicy bad policy name", func() error { return s.PutUserPolicy(ctx, "bob", "a/b", []byte(invokePolicy)) },
				CodeValidationError, `An error occurred (ValidationError) when calling the PutUserPolicy operation: 1 validation error detected: Value 'a/b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
			{"PutUserPolicy unknown user", func() error { return s.PutUserPolicy(ctx, "nobody", "p", []byte(invokePolicy)) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the PutUserPolicy operation: The user with name nobody cannot be found."},
			{"GetUserPolicy unknown", func() error { _, err := s.GetUserPolicy(ctx, "alice", "nope"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the GetUserPolicy operation: The user policy with name nope cannot be found."},
			{"DeleteUserPolicy unknown", func() error { return s.DeleteUserPolicy(ctx, "alice", "nope") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteUserPolicy operation: The user policy with name nope cannot be found."},
			{"ListUserPolicies unknown user", func() error { _, err := s.ListUserPolicies(ctx, "nobody"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the ListUserPolicies operation: The user with name nobody cannot be found."},
			{"CreateGroup exists", func() error { _, err := s.CreateGroup(ctx, "Devs", ""); return err },
				CodeEntityAlreadyExists, "An error occurred (EntityAlreadyExists) when calling the CreateGroup operation: Group with name Devs already exists."},
			{"CreateGroup bad name", func() error { _, err := s.CreateGroup(ctx, "dev ops", ""); return err },
				CodeValidationError, `An error occurred (ValidationError) when calling the CreateGroup operation: 1 validation error detected: Value 'dev ops' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
			{"GetGroup unknown", func() error { _, _, err := s.GetGroup(ctx, "nope"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the GetGroup operation: The group with name nope cannot be found."},
			{"DeleteGroup with members", func() error { return s.DeleteGroup(ctx, "devs") },
				CodeDeleteConflict, "An error occurred (DeleteConflict) when calling the DeleteGroup operation: Cannot delete entity, must remove users from group first."},
			{"DeleteGroup with policies", func() error { return s.DeleteGroup(ctx, "ops") },
				CodeDeleteConflict, "An error occurred (DeleteConflict) when calling the DeleteGroup operation: Cannot delete entity, must delete policies first."},
			{"DeleteGroup unknown", func() error { return s.DeleteGroup(ctx, "nope") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteGroup operation: The group with name nope cannot be found."},
			{"AddUserToGroup unknown group", func() error { return s.AddUserToGroup(ctx, "nope", "bob") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the AddUserToGroup operation: The group with name nope cannot be found."},
			{"AddUserToGroup unknown user", func() error { return s.AddUserToGroup(ctx, "devs", "nobody") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the AddUserToGroup operation: The user with name nobody cannot be found."},
			{"RemoveUserFromGroup not a member", func() error { return s.RemoveUserFromGroup(ctx, "devs", "bob") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the RemoveUserFromGroup operation: The user with name bob cannot be found."},
			{"PutGroupPolicy unknown group", func() error { return s.PutGroupPolicy(ctx, "nope", "p", []byte(invokePolicy)) },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the PutGroupPolicy operation: The group with name nope cannot be found."},
			{"PutGroupPolicy malformed", func() error { return s.PutGroupPolicy(ctx, "devs", "p", []byte(`[]`)) },
				CodeMalformedPolicyDocument, "An error occurred (MalformedPolicyDocument) when calling the PutGroupPolicy operation: Syntax errors in policy."},
			{"GetGroupPolicy unknown", func() error { _, err := s.GetGroupPolicy(ctx, "ops", "nope"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the GetGroupPolicy operation: The group policy with name nope cannot be found."},
			{"DeleteGroupPolicy unknown", func() error { return s.DeleteGroupPolicy(ctx, "ops", "nope") },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the DeleteGroupPolicy operation: The group policy with name nope cannot be found."},
			{"ListGroupPolicies unknown group", func() error { _, err := s.ListGroupPolicies(ctx, "nope"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the ListGroupPolicies operation: The group with name nope cannot be found."},
			{"ListGroupsForUser unknown user", func() error { _, err := s.ListGroupsForUser(ctx, "nobody"); return err },
				CodeNoSuchEntity, "An error occurred (NoSuchEntity) when calling the ListGroupsForUser operation: The user with name nobody cannot be found."},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v (%T), want an *Error", err, err)
				}
				if e.Code != tc.code || ErrorCode(err) != tc.code {
					t.Errorf("code = %s, want %s", e.Code, tc.code)
				}
				if got := err.Error(); got != tc.msg {
					t.Errorf("message:\n got %s\nwant %s", got, tc.msg)
				}
				if !utf8.ValidString(err.Error()) {
					t.Errorf("message is not valid UTF-8")
				}
			})
		}
		// A malformed document's full problem list is kept as the cause.
		err = s.PutUserPolicy(ctx, "bob", "p", []byte(`{"Statement":{"Effect":"Maybe"}}`))
		if !errors.Is(err, iam.ErrMalformedPolicy) {
			t.Errorf("malformed policy error does not wrap iam.ErrMalformedPolicy: %v", err)
		}
	})
}

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[string]int{
		CodeNoSuchEntity: 404, CodeEntityAlreadyExists: 409, CodeDeleteConflict: 409,
		CodeLimitExceeded: 409, CodeMalformedPolicyDocument: 400, CodeValidationError: 400,
	} {
		if got := (&Error{Code: code}).HTTPStatus(); got != want {
			t.Errorf("%s: status %d, want %d", code, got, want)
		}
	}
	if ErrorCode(errors.New("x")) != "" {
		t.Error("ErrorCode of a plain error is not empty")
	}
}

func TestLifecycle(t *testing.T) {
	reUserID := regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	reGroup := regexp.MustCompile(`^AGPA[A-Z2-7]{17}$`)
	reKeyID := regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	reSecret := regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Options{Now: fixedNow, AccountID: "111122223333"})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}

		u, err := s.CreateUser(ctx, "Alice", "/team/")
		must(err)
		if !reUserID.MatchString(u.UserID) {
			t.Errorf("UserId %q", u.UserID)
		}
		if u.Arn != "arn:aws:iam::111122223333:user/team/Alice" {
			t.Errorf("Arn %q", u.Arn)
		}
		j, _ := json.Marshal(u)
		want := `{"Path":"/team/","UserName":"Alice","UserId":"` + u.UserID + `","Arn":"arn:aws:iam::111122223333:user/team/Alice","CreateDate":"2024-05-06T07:08:09Z"}`
		if string(j) != want {
			t.Errorf("User JSON:\n got %s\nwant %s", j, want)
		}
		got, err := s.GetUser(ctx, "alice") // any case
		must(err)
		if got != u {
			t.Errorf("GetUser = %+v, want %+v", got, u)
		}
		_, err = s.CreateUser(ctx, "bob", "")
		must(err)
		all, err := s.ListUsers(ctx, "")
		must(err)
		if len(all) != 2 || all[0].UserName != "Alice" || all[1].UserName != "bob" || all[1].Arn != "arn:aws:iam::111122223333:user/bob" {
			t.Errorf("ListUsers = %+v", all)
		}
		team, err := s.ListUsers(ctx, "/team")
		must(err)
		if len(team) != 1 {
			t.Errorf("ListUsers(/team) = %+v", team)
		}

		// Access keys.
		k, err := s.CreateAccessKey(ctx, "alice")
		must(err)
		if !reKeyID.MatchString(k.AccessKeyID) || !reSecret.MatchString(string(k.SecretAccessKey)) || k.Status != StatusActive || k.UserName != "Alice" {
			t.Errorf("CreateAccessKey = %s %s %s", k.AccessKeyID, k.Status, k.UserName)
		}
		j, _ = json.Marshal(k)
		want = `{"UserName":"Alice","AccessKeyId":"` + k.AccessKeyID + `","Status":"Active","SecretAccessKey":"` + string(k.SecretAccessKey) + `","CreateDate":"2024-05-06T07:08:09Z"}`
		if string(j) != want {
			t.Errorf("AccessKey JSON:\n got %s\nwant %s", j, want)
		}
		md, err := s.ImportAccessKey(ctx, "alice", "AKIAIMPORTED00000001", "imported/secret+XYZ")
		must(err)
		if md.Status != StatusActive {
			t.Errorf("import status %s", md.Status)
		}
		// Idempotent: same secret, then a new secret, keeps one key.
		_, err = s.ImportAccessKey(ctx, "alice", "AKIAIMPORTED00000001", "imported/secret+XYZ")
		must(err)
		_, err = s.ImportAccessKey(ctx, "alice", "AKIAIMPORTED00000001", "rotated-secret")
		must(err)
		keys, err := s.ListAccessKeys(ctx, "alice")
		must(err)
		if len(keys) != 2 {
			t.Fatalf("ListAccessKeys = %+v", keys)
		}
		j, _ = json.Marshal(keys)
		if strings.Contains(string(j), "Secret") || strings.Contains(string(j), string(k.SecretAccessKey)) {
			t.Errorf("ListAccessKeys JSON has secrets: %s", j)
		}
		id, ok := s.Identity("AKIAIMPORTED00000001")
		if !ok || string(id.Secret) != "rotated-secret" || !id.Active() {
			t.Errorf("Identity after re-import: ok=%v active=%v", ok, id.Active())
		}
		must(s.UpdateAccessKey(ctx, "alice", k.AccessKeyID, StatusInactive))
		id, _ = s.Identity(k.AccessKeyID)
		if id.Status != StatusInactive || id.Active() {
			t.Errorf("status after UpdateAccessKey = %s", id.Status)
		}
		// Re-import keeps the status an operator set.
		must(s.UpdateAccessKey(ctx, "", "AKIAIMPORTED00000001", StatusInactive))
		_, err = s.ImportAccessKey(ctx, "alice", "AKIAIMPORTED00000001", "rotated-secret")
		must(err)
		if id, _ := s.Identity("AKIAIMPORTED00000001"); id.Status != StatusInactive {
			t.Errorf("re-import reactivated the key")
		}

		// Policies and groups make up the identity's policy list.
		must(s.PutUserPolicy(ctx, "alice", "invoke", []byte(invokePolicy)))
		must(s.PutUserPolicy(ctx, "alice", "invoke", []byte(invokePolicy))) // replace
		names, err := s.ListUserPolicies(ctx, "alice")
		must(err)
		if len(names) != 1 || names[0] != "invoke" {
			t.Errorf("ListUserPolicies = %v", names)
		}
		up, err := s.GetUserPolicy(ctx, "alice", "invoke")
		must(err)
		if up.UserName != "Alice" || string(up.PolicyDocument) != invokePolicy {
			t.Errorf("GetUserPolicy = %+v", up)
		}
		g, err := s.CreateGroup(ctx, "devs", "")
		must(err)
		if !reGroup.MatchString(g.GroupID) || g.Arn != "arn:aws:iam::111122223333:group/devs" {
			t.Errorf("CreateGroup = %+v", g)
		}
		must(s.PutGroupPolicy(ctx, "devs", "deny", []byte(denyPolicy)))
		must(s.AddUserToGroup(ctx, "devs", "alice"))
		must(s.AddUserToGroup(ctx, "devs", "alice")) // again: no error
		gs, err := s.ListGroupsForUser(ctx, "alice")
		must(err)
		if len(gs) != 1 || gs[0].GroupName != "devs" {
			t.Errorf("ListGroupsForUser = %+v", gs)
		}
		_, members, err := s.GetGroup(ctx, "devs")
		must(err)
		if len(members) != 1 || members[0].UserName != "Alice" {
			t.Errorf("GetGroup members = %+v", members)
		}
		gp, err := s.GetGroupPolicy(ctx, "devs", "deny")
		must(err)
		if string(gp.PolicyDocument) != denyPolicy {
			t.Errorf("GetGroupPolicy = %+v", gp)
		}
		gpn, err := s.ListGroupPolicies(ctx, "devs")
		must(err)
		if len(gpn) != 1 {
			t.Errorf("ListGroupPolicies = %v", gpn)
		}
		id, _ = s.Identity(k.AccessKeyID)
		if len(id.Policies) != 2 || id.Policies[0].Name() != "invoke" || id.Policies[1].Name() != "devs/deny" {
			t.Errorf("Identity policies = %d", len(id.Policies))
		}
		if id.UserName != "Alice" || id.UserID != u.UserID || id.UserARN != u.Arn || id.AccountID != "111122223333" {
			t.Errorf("Identity = %+v", id)
		}
		// The compiled policies evaluate: the group's Deny wins.
		res := iam.Evaluate(&iam.Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:a/prod/GET/x"}, id.Policies...)
		if res.Decision != iam.ExplicitDeny || res.Policy != "devs/deny" {
			t.Errorf("decision %v: want the group's Deny", res)
		}
		groups, err := s.ListGroups(ctx, "/")
		must(err)
		if len(groups) != 1 {
			t.Errorf("ListGroups = %+v", groups)
		}

		// Tear down in IAM's order; then the user can go.
		must(s.RemoveUserFromGroup(ctx, "devs", "alice"))
		if id, _ := s.Identity(k.AccessKeyID); len(id.Policies) != 1 {
			t.Errorf("policies after leaving the group = %d", len(id.Policies))
		}
		must(s.DeleteGroupPolicy(ctx, "devs", "deny"))
		must(s.DeleteGroup(ctx, "devs"))
		must(s.DeleteAccessKey(ctx, "alice", k.AccessKeyID))
		if _, ok := s.Identity(k.AccessKeyID); ok {
			t.Error("deleted key still in the snapshot")
		}
		must(s.DeleteAccessKey(ctx, "", "AKIAIMPORTED00000001"))
		if err := s.DeleteUser(ctx, "alice"); ErrorCode(err) != CodeDeleteConflict || !strings.Contains(err.Error(), "must delete policies first") {
			t.Errorf("DeleteUser with policy: %v", err)
		}
		must(s.DeleteUserPolicy(ctx, "alice", "invoke"))
		// Group membership blocks deletion too.
		_, err = s.CreateGroup(ctx, "g2", "")
		must(err)
		must(s.AddUserToGroup(ctx, "g2", "alice"))
		if err := s.DeleteUser(ctx, "alice"); ErrorCode(err) != CodeDeleteConflict || !strings.Contains(err.Error(), "must remove users from group first") {
			t.Errorf("DeleteUser in a group: %v", err)
		}
		must(s.RemoveUserFromGroup(ctx, "g2", "alice"))
		must(s.DeleteUser(ctx, "alice"))
		if _, err := s.GetUser(ctx, "alice"); ErrorCode(err) != CodeNoSuchEntity {
			t.Errorf("GetUser after delete: %v", err)
		}
	})
}
