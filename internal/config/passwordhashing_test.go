package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// cognitoHashingConfig is a hosted pool with a plain password and a
// passwordHash made under the default parameters, with passwordHashing
// set to hashing (YAML flow mapping, "" for none).
func cognitoHashingConfig(t *testing.T, hashing, oldHash string) (*Config, error) {
	t.Helper()
	doc := `
awsEndpoints: {listen: "127.0.0.1:0"}
apis:
  - name: web
    protocol: HTTP
    routes: {$default: {integration: {type: HTTP_PROXY, httpMethod: ANY, uri: "http://127.0.0.1:1"}}}
cognito:
` + hashing + `
  userPools:
    - id: us-east-1_Gatehouse1
      clients: [{id: web}]
      users:
        - {username: alice, password: "alice pw"}
        - {username: bob, passwordHash: "` + oldHash + `"}
`
	root, err := yamlx.Parse("inline.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return Decode("inline.yaml", root)
}

// cognito.passwordHashing sets the parameters of the hashes made at load;
// passwordHash values made under other parameters (here the defaults)
// keep theirs and still verify.
func TestPasswordHashing(t *testing.T) {
	old, err := password.Hash("bob pw", password.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml string
		want       password.Params
	}{
		{"absent", "", password.DefaultParams()},
		{"all keys", "  passwordHashing: {memoryKiB: 4096, iterations: 1, parallelism: 1}", password.Params{MemoryKiB: 4096, Iterations: 1, Parallelism: 1}},
		{"some keys", "  passwordHashing: {memoryKiB: 8192}", password.Params{MemoryKiB: 8192, Iterations: 2, Parallelism: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cognitoHashingConfig(t, tc.yaml, old)
			if err != nil {
				t.Fatal(err)
			}
			if c.Cognito.PasswordHashing != tc.want {
				t.Errorf("PasswordHashing = %+v, want %+v", c.Cognito.PasswordHashing, tc.want)
			}
			users := c.Cognito.UserPools[0].Users
			prefix := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", tc.want.MemoryKiB, tc.want.Iterations, tc.want.Parallelism)
			if !strings.HasPrefix(users[0].PasswordHash, prefix) || !password.Verify(users[0].PasswordHash, "alice pw") {
				t.Errorf("alice's hash %q, want parameters %s", users[0].PasswordHash, prefix)
			}
			if users[1].PasswordHash != old || !password.Verify(users[1].PasswordHash, "bob pw") {
				t.Errorf("bob's configured hash changed or does not verify: %q", users[1].PasswordHash)
			}
		})
	}
}
