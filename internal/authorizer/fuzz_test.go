package authorizer

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseOutput checks that every payload either parses into a consistent
// Output or fails with a *MalformedError, in every mode: a policy mode
// always has a policy, context keys are unique, and every context value's
// JSON is valid JSON.
func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{
		allowAll,
		`{"isAuthorized":true,"context":{"a":[1],"b":{"c":null}}}`,
		`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*"}]},"context":{"s":"x","n":1e3,"b":false},"usageIdentifierKey":"k"}`,
		`null`, `"Unauthorized"`, `{}`, `{"principalId":"p","policyDocument":"not an object"}`,
	} {
		f.Add(uint8(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, m uint8, payload []byte) {
		mode := Mode(m%3 + 1)
		out, err := ParseOutput(mode, "fuzz", payload)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *MalformedError", err, err)
			}
			return
		}
		if mode != Simple && out.Policy == nil {
			t.Fatal("policy mode without a policy")
		}
		seen := map[string]bool{}
		for _, kv := range out.Context {
			if seen[kv.Key] {
				t.Fatalf("duplicate context key %q", kv.Key)
			}
			seen[kv.Key] = true
			if !json.Valid([]byte(kv.JSON)) {
				t.Fatalf("context %q: invalid JSON %q", kv.Key, kv.JSON)
			}
		}
	})
}
