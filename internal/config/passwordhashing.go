package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// passwordHashingDoc is cognito.passwordHashing; an absent key keeps
// its default (password.DefaultParams: 19456, 2, 1).
type passwordHashingDoc struct {
	MemoryKiB   *int `yaml:"memoryKiB"`
	Iterations  *int `yaml:"iterations"`
	Parallelism *int `yaml:"parallelism"`
}

// decodePasswordHashing returns the argon2id parameters of
// cognito.passwordHashing, each key checked against password's bounds
// (password.Params.Validate) with its position.
func decodePasswordHashing(es *yamlx.Errors, n *yaml.Node, d *passwordHashingDoc) password.Params {
	p := password.DefaultParams()
	if d == nil {
		return p
	}
	at := func(key string) *yaml.Node {
		if v := yamlx.Lookup(n, key); v != nil {
			return v
		}
		return n
	}
	const field = "cognito.passwordHashing."
	if v := d.Iterations; v != nil {
		if *v < 1 || *v > password.MaxIterations {
			es.Add(at("iterations"), field+"iterations", "must be between 1 and %d passes, not %d", password.MaxIterations, *v)
		} else {
			p.Iterations = uint32(*v)
		}
	}
	if v := d.Parallelism; v != nil {
		if *v < 1 || *v > password.MaxParallelism {
			es.Add(at("parallelism"), field+"parallelism", "must be between 1 and %d lanes, not %d", password.MaxParallelism, *v)
		} else {
			p.Parallelism = uint8(*v)
		}
	}
	if v := d.MemoryKiB; v != nil {
		if lo := max(password.MinMemoryKiB, 8*int(p.Parallelism)); *v < lo || *v > password.MaxMemoryKiB {
			es.Add(at("memoryKiB"), field+"memoryKiB", "must be between %d and %d KiB (1 MiB to 256 MiB), not %d", lo, password.MaxMemoryKiB, *v)
		} else {
			p.MemoryKiB = uint32(*v)
		}
	}
	return p
}
