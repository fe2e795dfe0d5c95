package password_test

import (
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
