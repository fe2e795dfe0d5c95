package store

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const trustAlice = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`

func TestRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t, Options{Now: func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }})

		r, err := s.CreateRole(ctx, "Invoker", []byte(trustAlice), RoleOptions{Description: "calls the API"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.RoleID, "AROA") || len(r.RoleID) != 21 || r.Arn != "arn:aws:iam::123456789012:role/Invoker" ||
			r.Path != "/" || r.MaxSessionDuration != 3600 || string(r.AssumeRolePolicyDocument) != trustAlice {
			t.Errorf("CreateRole = %+v", r)
		}
		got, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"Path":"/","RoleName":"Invoker","RoleId":"` + r.RoleID + `","Arn":"arn:aws:iam::123456789012:role/Invoker","CreateDate":"2024-05-06T07:08:09Z","AssumeRolePolicyDocument":` + trustAlice + `,"Description":"calls the API","MaxSessionDuration":3600}`
		if string(got) != want {
			t.Errorf("JSON\n got %s\nwant %s", got, want)
		}

		errCases := []struct {
			name string
			err  error
			want string
		}{
			{"duplicate", second(s.CreateRole(ctx, "INVOKER", []byte(trustAlice), RoleOptions{})),
				"An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name INVOKER already exists."},
			{"bad name", second(s.CreateRole(ctx, "a b", []byte(trustAlice), RoleOptions{})),
				`An error occurred (ValidationError) when calling the CreateRole operation: 1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
			{"session too short", second(s.CreateRole(ctx, "x", []byte(trustAlice), RoleOptions{MaxSessionDuration: 100})),
				"An error occurred (ValidationError) when calling the CreateRole operation: 1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
			{"session too long", second(s.CreateRole(ctx, "x", []byte(trustAlice), RoleOptions{MaxSessionDuration: 43201})),
				"An error occurred (ValidationError) when calling the CreateRole operation: 1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
			{"trust without principal", second(s.CreateRole(ctx, "x", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`), RoleOptions{})),
				"An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: Missing required field Principal"},
			{"trust with resource", second(s.CreateRole(ctx, "x", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`), RoleOptions{})),
				"An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: Has prohibited field Resource"},
			{"trust too large", second(s.CreateRole(ctx, "x", bigTrust(), RoleOptions{})),
				"An error occurred (LimitExceeded) when calling the CreateRole operation: Cannot exceed quota for ACLSizePerRole: 2048"},
			{"no role", second(s.GetRole(ctx, "nobody")),
				"An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name nobody cannot be found."},
			{"identity policy with principal", s.PutRolePolicy(ctx, "Invoker", "p", []byte(trustAlice)),
				"An error occurred (MalformedPolicyDocument) when calling the PutRolePolicy operation: Policy document should not specify a principal."},
			{"no role policy", s.DeleteRolePolicy(ctx, "Invoker", "nope"),
				"An error occurred (NoSuchEntity) when calling the DeleteRolePolicy operation: The role policy with name nope cannot be found."},
		}
		for _, c := range errCases {
			if c.err == nil || c.err.Error() != c.want {
				t.Errorf("%s: got %v\nwant %s", c.name, c.err, c.want)
			}
		}

		if err := s.PutRolePolicy(ctx, "invoker", "invoke", []byte(invokePolicy)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, "Invoker"); err == nil || err.Error() != "An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must delete policies first." {
			t.Errorf("DeleteRole with policies: %v", err)
		}
		rp, err := s.GetRolePolicy(ctx, "Invoker", "invoke")
		if err != nil || rp.RoleName != "Invoker" || string(rp.PolicyDocument) != invokePolicy {
			t.Errorf("GetRolePolicy = %+v, %v", rp, err)
		}
		names, err := s.ListRolePolicies(ctx, "Invoker")
		if err != nil || len(names) != 1 || names[0] != "invoke" {
			t.Errorf("ListRolePolicies = %v, %v", names, err)
		}
		id, ok := s.Role("INVOKER")
		if !ok || id.RoleID != r.RoleID || id.ARN != r.Arn || len(id.Policies) != 1 || id.Trust == nil || id.MaxSessionDuration != 3600 {
			t.Errorf("Role snapshot = %+v, %v", id, ok)
		}
		if _, err := s.CreateRole(ctx, "Other", []byte(trustAlice), RoleOptions{Path: "/svc/", MaxSessionDuration: 7200}); err != nil {
			t.Fatal(err)
		}
		roles, err := s.ListRoles(ctx, "/svc/")
		if err != nil || len(roles) != 1 || roles[0].Arn != "arn:aws:iam::123456789012:role/svc/Other" || roles[0].MaxSessionDuration != 7200 {
			t.Errorf("ListRoles(/svc/) = %+v, %v", roles, err)
		}
		if roles, _ := s.ListRoles(ctx, ""); len(roles) != 2 {
			t.Errorf("ListRoles = %d roles", len(roles))
		}
		if err := s.DeleteRolePolicy(ctx, "Invoker", "invoke"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, "Invoker"); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Role("Invoker"); ok {
			t.Error("deleted role still in the snapshot")
		}
	})
}

func second[T any](_ T, err error) error { return err }

func bigTrust() []byte {
	var b bytes.Buffer
	b.WriteString(`{"Version":"2012-10-17","Statement":[`)
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/u` + strings.Repeat("x", 10) + `"},"Action":"sts:AssumeRole"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// Roles written by another process (the CLI) reach a running store within
// a second, and seeding is idempotent.
func TestRolesPropagateAndSeed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		gateway := b.open(t, Options{})
		cli := b.open(t, Options{})
		seed := []SeedRole{{Name: "Seeded", AssumeRolePolicy: []byte(trustAlice),
			Policies: []SeedPolicy{{Name: "invoke", Document: []byte(invokePolicy)}}, Options: RoleOptions{MaxSessionDuration: 7200}}}
		if err := gateway.ApplyRoles(ctx, seed); err != nil {
			t.Fatal(err)
		}
		rev := gateway.Revision()
		if err := gateway.ApplyRoles(ctx, seed); err != nil {
			t.Fatal(err)
		}
		if gateway.Revision() != rev {
			t.Errorf("re-applying the same seed wrote: revision %d → %d", rev, gateway.Revision())
		}
		if r, ok := gateway.Role("seeded"); !ok || r.MaxSessionDuration != 7200 || len(r.Policies) != 1 {
			t.Errorf("seeded role = %+v, %v", r, ok)
		}
		if _, err := cli.CreateRole(ctx, "FromCLI", []byte(trustAlice), RoleOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Second, "new role", func() bool { _, ok := gateway.Role("FromCLI"); return ok })
		if err := cli.PutRolePolicy(ctx, "FromCLI", "deny", []byte(denyPolicy)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Second, "role policy", func() bool { r, _ := gateway.Role("FromCLI"); return len(r.Policies) == 1 })

		bad := []SeedRole{{Name: "bad name", AssumeRolePolicy: []byte(`{}`)}}
		err := gateway.ApplyRoles(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "iam.roles[0] (bad name)") || !strings.Contains(err.Error(), "assumeRolePolicy") {
			t.Errorf("bad seed: %v", err)
		}
	})
}

// Two stores on one database derive the same keys; another store key
// derives others.
func TestDeriveKey(t *testing.T) {
	b := sqliteBackend(t)
	s1 := b.open(t, Options{})
	s2 := b.open(t, Options{})
	k1, k2 := s1.DeriveKey("sts/session-token/v1"), s2.DeriveKey("sts/session-token/v1")
	if len(k1) != 32 || !bytes.Equal(k1, k2) {
		t.Fatalf("derived keys differ between stores on one database")
	}
	if bytes.Equal(k1, s1.DeriveKey("other")) {
		t.Error("purposes share a key")
	}
	other := sqliteBackend(t).open(t, Options{})
	if bytes.Equal(k1, other.DeriveKey("sts/session-token/v1")) {
		t.Error("different store keys derive the same key")
	}
}
