package iam

import "testing"

func TestPatternMatch(t *testing.T) {
	ctx := aliceCtx()
	ctx.Set("aws:PrincipalTag/team", "blue")
	ctx.Set("example:multi", "a", "b")
	wild := patternOpts{wildcards: true, variables: true}
	action := patternOpts{wildcards: true, fold: true}
	literal := patternOpts{variables: true}
	tests := []struct {
		name    string
		pattern string
		opts    patternOpts
		s       string
		want    bool
	}{
		{"star matches all", "*", wild, "anything:at/all", true},
		{"star matches empty", "*", wild, "", true},
		{"exact", "arn:aws:s3:::bucket", wild, "arn:aws:s3:::bucket", true},
		{"exact is case-sensitive", "arn:aws:s3:::Bucket", wild, "arn:aws:s3:::bucket", false},
		{"trailing star", "arn:aws:execute-api:*", wild, apiARN, true},
		{"arn star prefix", "arn:*", wild, apiARN, true},
		{"arn star not other prefix", "arn:*", wild, "urn:x", false},
		{"star crosses segments", "arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/*/GET/*", wild, apiARN, true},
		{"star crosses slash", "arn:aws:execute-api:*/pets", wild, apiARN, true},
		{"method mismatch", "arn:aws:execute-api:*/*/POST/*", wild, apiARN, false},
		{"leading star", "*/pets", wild, apiARN, true},
		{"middle stars", "arn*execute*prod*pets", wild, apiARN, true},
		{"middle stars order", "arn*prod*execute*", wild, apiARN, false},
		{"double star", "arn:**:pets", wild, "arn:x:pets", true},
		{"question one char", "arn:aws:s3:::b?cket", wild, "arn:aws:s3:::bucket", true},
		{"question not zero chars", "arn:aws:s3:::bu?cket", wild, "arn:aws:s3:::bucket", false},
		{"question at end", "ab?", wild, "abc", true},
		{"question needs a char", "ab?", wild, "ab", false},
		{"question multibyte", "caf?", wild, "café", true},
		{"questions and star", "a?*?z", wild, "abz", false},
		{"questions and star ok", "a?*?z", wild, "abcz", true},
		{"suffix overlap", "*aa", wild, "a", false},
		{"prefix and suffix overlap", "ab*ba", wild, "aba", false},
		{"prefix and suffix fit", "ab*ba", wild, "abba", true},
		{"action case-insensitive", "execute-api:invoke", action, "Execute-API:Invoke", true},
		{"action wildcard", "execute-api:*", action, "EXECUTE-API:ManageConnections", true},
		{"action prefix wildcard", "execute-api:Inv*", action, "execute-api:invoke", true},
		{"action other service", "execute-api:*", action, "s3:GetObject", false},
		{"variable username", "arn:aws:s3:::bucket/${aws:username}/*", wild, "arn:aws:s3:::bucket/alice/x", true},
		{"variable other user", "arn:aws:s3:::bucket/${aws:username}/*", wild, "arn:aws:s3:::bucket/bob/x", false},
		{"variable key case-insensitive", "home/${AWS:UserName}", wild, "home/alice", true},
		{"variable in middle segment", "*/${aws:username}/*", wild, "x/alice/y", true},
		{"variable value is literal", "${example:star}", wild, "anything", false},
		{"variable missing no match", "home/${aws:FederatedProvider}", wild, "home/", false},
		{"variable default", "home/${aws:FederatedProvider, 'none'}", wild, "home/none", true},
		{"variable default quote", "${x:y, 'it''s'}", wild, "it's", true},
		{"variable tag", "team/${aws:PrincipalTag/team}", wild, "team/blue", true},
		{"multi-valued key is not a variable", "${example:multi}", wild, "a", false},
		{"escape star", "a${*}b", wild, "a*b", true},
		{"escape star is literal", "a${*}b", wild, "axb", false},
		{"escape question", "a${?}", wild, "a?", true},
		{"escape dollar", "${$}{x}", wild, "${x}", true},
		{"unterminated variable literal", "${aws:username", wild, "${aws:username", true},
		{"literal opts keep star", "a*b", literal, "a*b", true},
		{"literal opts no wildcard", "a*b", literal, "axb", false},
		{"literal with variable", "${aws:username}", literal, "alice", true},
		{"2008 variables literal", "${aws:username}", patternOpts{wildcards: true}, "${aws:username}", true},
		{"2008 variables not substituted", "${aws:username}", patternOpts{wildcards: true}, "alice", false},
		{"userid", "${aws:userid}", wild, "AIDAEXAMPLEALICE", true},
		{"principal arn", "${aws:PrincipalArn}", wild, aliceARN, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compilePattern(tt.pattern, tt.opts)
			if got := p.match(tt.s, ctx); got != tt.want {
				t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

// TestPatternAgainstNaive checks the segment matcher against a simple
// recursive glob on many small inputs.
func TestPatternAgainstNaive(t *testing.T) {
	alphabet := []string{"", "a", "b", "*", "?", "ab", "a*", "*a", "?a", "a?b", "**", "*?*"}
	inputs := []string{"", "a", "b", "ab", "ba", "aab", "abab", "bbb", "aba", "abba"}
	for _, x := range alphabet {
		for _, y := range alphabet {
			pat := x + y
			p := compilePattern(pat, patternOpts{wildcards: true})
			for _, s := range inputs {
				if got, want := p.match(s, nil), naiveGlob(pat, s); got != want {
					t.Errorf("match(%q, %q) = %v, want %v", pat, s, got, want)
				}
			}
		}
	}
}

func naiveGlob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if naiveGlob(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && naiveGlob(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && naiveGlob(p[1:], s[1:])
}
