// Package password hashes and checks the passwords of gatehouse's Cognito
// user pool users with argon2id (RFC 9106), in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded standard
// base64), which other tools (the argon2 CLI, libsodium, passlib) read and
// write too.
//
// Default parameters are OWASP's recommended minimum for argon2id: 19 MiB
// of memory, 2 passes, 1 lane, a 16-byte salt and a 32-byte hash. One
// check costs ~22 ms of one core on the 2-core reference machine (~45
// sign-ins per second per core; docs/cognito.md). Configuration may choose
// others (cognito.passwordHashing, within ConfigBounds); a hash records
// its own parameters, so hashes made under other settings still verify.
// Comparisons are in constant time, and nothing here logs.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// MemoryKiB is the memory cost m, in KiB.
	MemoryKiB uint32
	// Iterations is the time cost t (passes over memory).
	Iterations uint32
	// Parallelism is the number of lanes p.
	Parallelism uint8
}

// DefaultParams returns OWASP's minimum for argon2id: m=19456 (19 MiB),
// t=2, p=1.
func DefaultParams() Params { return Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1} }

// Bounds on parameters read from a hash, so that a configured hash cannot
// make one sign-in cost seconds or gigabytes.
const (
	// MinMemoryKiB is the least memory cost Params.Validate accepts for
	// new hashes (cognito.passwordHashing.memoryKiB). Hashes read from
	// elsewhere may use less (down to 8 KiB per lane, argon2's minimum).
	MinMemoryKiB   = 1024      // 1 MiB
	MaxMemoryKiB   = 256 << 10 // 256 MiB
	MaxIterations  = 16
	MaxParallelism = 16
	saltLen        = 16
	keyLen         = 32
)

// Validate reports whether p is acceptable for hashing new passwords:
// MinMemoryKiB ≤ m ≤ MaxMemoryKiB with m ≥ 8×p, 1 ≤ t ≤ MaxIterations and
// 1 ≤ p ≤ MaxParallelism. The lower bound on memory keeps a configured
// setting from making hashes next to free to brute-force (m = 1 MiB, t = 1
// still costs ~1 ms a guess on the reference machine); the upper bounds
// keep one sign-in from costing seconds.
func (p Params) Validate() error {
	if p.MemoryKiB < MinMemoryKiB {
		return fmt.Errorf("argon2id memory m=%d KiB must be between %d and %d", p.MemoryKiB, MinMemoryKiB, MaxMemoryKiB)
	}
	return p.check()
}

// Hash returns the PHC string of password under p with a random salt.
func Hash(password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Iterations, p.Parallelism,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

func (p Params) check() error {
	switch {
	case p.MemoryKiB < 8*uint32(p.Parallelism) || p.MemoryKiB > MaxMemoryKiB:
		return fmt.Errorf("argon2id memory m=%d KiB must be between 8×p and %d", p.MemoryKiB, MaxMemoryKiB)
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return fmt.Errorf("argon2id iterations t=%d must be between 1 and %d", p.Iterations, MaxIterations)
	case p.Parallelism < 1 || p.Parallelism > MaxParallelism:
		return fmt.Errorf("argon2id parallelism p=%d must be between 1 and %d", p.Parallelism, MaxParallelism)
	}
	return nil
}

// parsed is a decoded PHC string.
type parsed struct {
	p          Params
	salt, hash []byte
}

// formatError is the type of errFormat; a string type lets the sentinel
// be a constant.
type formatError string

func (e formatError) Error() string { return string(e) }

// errFormat is every reason a PHC string does not parse.
const errFormat = formatError(`not an argon2id hash "$argon2id$v=19$m=...,t=...,p=...$salt$hash"`)

func parse(phc string) (parsed, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return parsed{}, errFormat
	}
	var out parsed
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return parsed{}, errFormat
		}
		switch k {
		case "m":
			out.p.MemoryKiB = uint32(n)
		case "t":
			out.p.Iterations = uint32(n)
		case "p":
			if n > MaxParallelism {
				return parsed{}, fmt.Errorf("argon2id parallelism p=%d must be between 1 and %d", n, MaxParallelism)
			}
			out.p.Parallelism = uint8(n)
		default:
			return parsed{}, errFormat
		}
	}
	if err := out.p.check(); err != nil {
		return parsed{}, err
	}
	enc := base64.RawStdEncoding
	var err error
	if out.salt, err = enc.DecodeString(parts[4]); err != nil || len(out.salt) < 8 {
		return parsed{}, errFormat
	}
	if out.hash, err = enc.DecodeString(parts[5]); err != nil || len(out.hash) < 16 || len(out.hash) > 64 {
		return parsed{}, errFormat
	}
	return out, nil
}

// Check reports whether phc is an argon2id PHC string within the bounds
// above (for configuration: a user's passwordHash).
func Check(phc string) error {
	_, err := parse(phc)
	return err
}

// Verify reports whether password matches phc, comparing in constant
// time. A malformed phc matches nothing.
func Verify(phc, password string) bool {
	h, err := parse(phc)
	if err != nil {
		return false
	}
	sum := argon2.IDKey([]byte(password), h.salt, h.p.Iterations, h.p.MemoryKiB, h.p.Parallelism, uint32(len(h.hash)))
	return subtle.ConstantTimeCompare(sum, h.hash) == 1
}
