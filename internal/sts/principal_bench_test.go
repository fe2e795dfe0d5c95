package sts

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// BenchmarkPrincipal is the gateway's per-request lookup of the caller
// behind a signed request (gateway.Sessions): a long-term key from the
// store's snapshot, and temporary credentials through the cache of
// opened session tokens (a hit, as every request after a session's
// first). Issue 9 bounds the difference: a call signed with temporary
// credentials costs at most 5% more throughput.
func BenchmarkPrincipal(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "gatehouse.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const key, secret = "AKIAEXAMPLEALICE0001", "alice/Example/Secret/Key/0000000000000001"
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	if err := st.Apply(ctx, []store.SeedUser{{Name: "alice", AccessKeys: []store.SeedAccessKey{{ID: key, Secret: secret}},
		Policies: []store.SeedPolicy{{Name: "p", Document: doc}}}}); err != nil {
		b.Fatal(err)
	}
	trust := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`)
	if err := st.ApplyRoles(ctx, []store.SeedRole{{Name: "Invoker", AssumeRolePolicy: trust, Policies: []store.SeedPolicy{{Name: "p", Document: doc}}}}); err != nil {
		b.Fatal(err)
	}
	a, err := NewAuthority(st, st.DeriveKey(TokenKeyPurpose), nil)
	if err != nil {
		b.Fatal(err)
	}
	role, ok := st.Role("Invoker")
	if !ok {
		b.Fatal("no role")
	}
	creds, err := a.issue(&session{Kind: kindRole, Name: role.RoleName, ID: role.RoleID, SessionName: "bench"}, time.Hour, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, id, token string }{
		{"key=long-term", key, ""},
		{"key=session", creds.AccessKeyID, creds.SessionToken},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := a.Principal(tc.id, tc.token); !ok {
					b.Fatal("not found")
				}
			}
		})
	}
}
