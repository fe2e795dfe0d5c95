package iam

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// fuzzRequests are evaluated against every policy the fuzzer parses, to
// compare a policy with its re-marshalled self.
func fuzzRequests() []*Request {
	alice := aliceCtx()
	alice.Set("aws:TagKeys", "a", "b")
	alice.Set("s3:prefix", "home/alice/")
	anon := &Context{SourceIP: "2001:db8::1", CurrentTime: time.Unix(1700000000, 0)}
	role := &Context{PrincipalARN: "arn:aws:sts::210987654321:assumed-role/R/s", FederatedProvider: "cognito-identity.amazonaws.com"}
	var reqs []*Request
	for _, ctx := range []*Context{alice, anon, role, nil} {
		for _, ar := range [][2]string{
			{"execute-api:Invoke", apiARN},
			{"execute-api:ManageConnections", "arn:aws:execute-api:eu-west-1:210987654321:x/y/POST/"},
			{"s3:GetObject", "arn:aws:s3:::bucket/home/alice/x"},
			{"sts:AssumeRole", ""},
		} {
			reqs = append(reqs, &Request{Action: ar[0], Resource: ar[1], Context: ctx})
		}
	}
	return reqs
}

// FuzzParsePolicy checks that parsing never panics, that every error is a
// *PolicyError, and that a parsed policy marshals to a document that parses
// again, marshals to the same bytes and evaluates identically.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}}`), uint8(IdentityPolicy))
	f.Add([]byte(condPolicy(`{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]},"ForAnyValue:StringLike":{"aws:TagKeys":"a*"}}`)), uint8(IdentityPolicy))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"123456789012"},"NotAction":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}"}]}`), uint8(ResourcePolicy))
	reqs := fuzzRequests()
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		k := Kind(kind % 3)
		p, err := ParsePolicy("fuzz", k, doc)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformedPolicy) {
				t.Fatalf("error is not a PolicyError: %v", err)
			}
			return
		}
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		p2, err := ParsePolicy("fuzz", k, out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, err := p2.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON 2: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal not stable:\n%s\n%s", out, out2)
		}
		for _, r := range reqs {
			if a, b := p.Evaluate(r), p2.Evaluate(r); a != b {
				t.Fatalf("request %+v: %v vs %v after round trip %s", r, a, b, out)
			}
		}
	})
}

// FuzzParseARN checks that ParseARN never panics and that a parsed ARN
// prints back to its input.
func FuzzParseARN(f *testing.F) {
	f.Add(aliceARN)
	f.Add(apiARN)
	f.Add("arn:aws:s3:::bucket")
	f.Add("arn:aws")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseARN(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidARN) {
				t.Fatalf("error does not wrap ErrInvalidARN: %v", err)
			}
			return
		}
		if a.String() != s {
			t.Fatalf("String() = %q, want %q", a.String(), s)
		}
		if a.Partition == "" || a.Service == "" {
			t.Fatalf("empty partition or service: %+v", a)
		}
		b, err := ParseARN(a.String())
		if err != nil || b != a {
			t.Fatalf("re-parse: %+v, %v", b, err)
		}
	})
}

// FuzzPatternMatch compares the compiled wildcard matcher with a naive
// recursive one on ASCII input.
func FuzzPatternMatch(f *testing.F) {
	f.Add("a*b?c", "axxbyc")
	f.Add("*?*", "")
	f.Add("ab*ba", "aba")
	f.Fuzz(func(t *testing.T, pat, s string) {
		for _, c := range []byte(pat + s) {
			if c >= 0x80 || c == '$' {
				return // the naive matcher works on bytes and knows no variables
			}
		}
		if len(pat) > 64 || len(s) > 64 {
			return
		}
		p := compilePattern(pat, patternOpts{wildcards: true})
		if got, want := p.match(s, nil), naiveGlob(pat, s); got != want {
			t.Fatalf("match(%q, %q) = %v, want %v", pat, s, got, want)
		}
	})
}
