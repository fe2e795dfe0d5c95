package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkIdentity measures the gateway's hot path: one snapshot lookup.
func BenchmarkIdentity(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			s := sqliteBackend(b).open(b, Options{})
			seed := make([]SeedUser, n)
			for i := range seed {
				seed[i] = SeedUser{
					Name:       fmt.Sprintf("user%d", i),
					AccessKeys: []SeedAccessKey{{ID: fmt.Sprintf("AKIABENCH%011d", i), Secret: "secret"}},
					Policies:   []SeedPolicy{{Name: "invoke", Document: []byte(invokePolicy)}},
				}
			}
			if err := s.Apply(ctx, seed); err != nil {
				b.Fatal(err)
			}
			akid := fmt.Sprintf("AKIABENCH%011d", n/2)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				id, ok := s.Identity(akid)
				if !ok || len(id.Policies) != 1 {
					b.Fatal("lookup failed")
				}
			}
		})
	}
}
