package password_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
)

func TestHashVerify(t *testing.T) {
	p := password.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}
	h, err := password.Hash("s3cret", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(h, "s3cret") {
		t.Errorf("hash %q", h)
	}
	if !password.Verify(h, "s3cret") || password.Verify(h, "s3cret ") || password.Verify(h, "") {
		t.Error("verify")
	}
	h2, _ := password.Hash("s3cret", p)
	if h2 == h {
		t.Error("two hashes share a salt")
	}
	if err := password.Check(h); err != nil {
		t.Error(err)
	}
	d := password.DefaultParams()
	if d.MemoryKiB != 19456 || d.Iterations != 2 || d.Parallelism != 1 {
		t.Errorf("defaults %+v", d)
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=100,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=300$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if password.Check(h) == nil || password.Verify(h, "") {
			t.Errorf("%q accepted", h)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    password.Params
		ok   bool
	}{
		{"default", password.DefaultParams(), true},
		{"least", password.Params{MemoryKiB: password.MinMemoryKiB, Iterations: 1, Parallelism: 1}, true},
		{"most", password.Params{MemoryKiB: password.MaxMemoryKiB, Iterations: password.MaxIterations, Parallelism: password.MaxParallelism}, true},
		{"memory below the floor", password.Params{MemoryKiB: password.MinMemoryKiB - 1, Iterations: 1, Parallelism: 1}, false},
		{"memory above the ceiling", password.Params{MemoryKiB: password.MaxMemoryKiB + 1, Iterations: 1, Parallelism: 1}, false},
		{"no iterations", password.Params{MemoryKiB: 4096, Iterations: 0, Parallelism: 1}, false},
		{"too many iterations", password.Params{MemoryKiB: 4096, Iterations: password.MaxIterations + 1, Parallelism: 1}, false},
		{"no lanes", password.Params{MemoryKiB: 4096, Iterations: 1, Parallelism: 0}, false},
		{"too many lanes", password.Params{MemoryKiB: 4096, Iterations: 1, Parallelism: password.MaxParallelism + 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate(%+v) = %v", tc.p, err)
			}
		})
	}
}

// A hash records its parameters: changing the setting that new hashes
// use leaves hashes made under the old one verifiable, in both directions.
func TestVerifyAcrossSettings(t *testing.T) {
	settings := []password.Params{
		{MemoryKiB: 1024, Iterations: 1, Parallelism: 1},
		{MemoryKiB: 4096, Iterations: 1, Parallelism: 1},
		{MemoryKiB: 2048, Iterations: 3, Parallelism: 2},
	}
	for _, p := range settings {
		h, err := password.Hash("pw", p)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.MemoryKiB, p.Iterations, p.Parallelism)
		if !strings.HasPrefix(h, want) || !password.Verify(h, "pw") || password.Verify(h, "pW") {
			t.Errorf("%+v: %q", p, h)
		}
	}
}

// BenchmarkVerify is the cost of one password check (one sign-in's
// argon2id work) under the default and cheaper settings; docs/cognito.md
// quotes it.
func BenchmarkVerify(b *testing.B) {
	for _, p := range []password.Params{
		password.DefaultParams(),
		{MemoryKiB: 7168, Iterations: 5, Parallelism: 1}, // OWASP's other minimum
		{MemoryKiB: 4096, Iterations: 1, Parallelism: 1},
		{MemoryKiB: 1024, Iterations: 1, Parallelism: 1},
	} {
		b.Run(fmt.Sprintf("m=%d,t=%d,p=%d", p.MemoryKiB, p.Iterations, p.Parallelism), func(b *testing.B) {
			h, err := password.Hash("correct horse battery staple", p)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !password.Verify(h, "correct horse battery staple") {
					b.Fatal("no match")
				}
			}
		})
	}
}
