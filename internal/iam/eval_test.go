package iam

import "testing"

type evalCase struct {
	name     string
	action   string // default execute-api:Invoke
	resource string // default apiARN
	ctx      *Context
	want     Decision
	sid      string // deciding statement's Sid, "" for none
	index    int
}

func runEval(t *testing.T, p *Policy, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Action: tt.action, Resource: tt.resource, Context: tt.ctx}
			if r.Action == "" {
				r.Action = "execute-api:Invoke"
			}
			if r.Resource == "" {
				r.Resource = apiARN
			}
			got := p.Evaluate(&r)
			if got.Decision != tt.want {
				t.Fatalf("decision = %v, want %v (%v)", got.Decision, tt.want, got)
			}
			if got.Matched != (tt.want != ImplicitDeny) {
				t.Errorf("Matched = %v for %v", got.Matched, got.Decision)
			}
			if got.Matched && (got.Sid != tt.sid || got.Statement != tt.index || got.Policy != "test") {
				t.Errorf("decided by %v, want Sid %q Statement[%d]", got, tt.sid, tt.index)
			}
		})
	}
}

// TestEvaluateAPIGatewayExamples uses the resource policies of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html.
func TestEvaluateAPIGatewayExamples(t *testing.T) {
	t.Run("allow roles in another account", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":["arn:aws:iam::210987654321:role/developer","arn:aws:iam::210987654321:role/Admin"]},
			"Action":"execute-api:Invoke","Resource":["execute-api:/prod/GET/pets"]}]}`)
		dev := &Context{PrincipalARN: "arn:aws:sts::210987654321:assumed-role/developer/session1"}
		runEval(t, p, []evalCase{
			{name: "role session", ctx: dev, want: Allow},
			{name: "role itself", ctx: &Context{PrincipalARN: "arn:aws:iam::210987654321:role/Admin"}, want: Allow},
			{name: "other role", ctx: &Context{PrincipalARN: "arn:aws:sts::210987654321:assumed-role/tester/s"}, want: ImplicitDeny},
			{name: "same role name other account", ctx: &Context{PrincipalARN: "arn:aws:sts::123456789012:assumed-role/developer/s"}, want: ImplicitDeny},
			{name: "other method", ctx: dev, resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/pets", want: ImplicitDeny},
			{name: "anonymous", ctx: nil, want: ImplicitDeny},
		})
	})
	t.Run("deny source IP ranges", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
			 "Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}]}`)
		runEval(t, p, []evalCase{
			{name: "denied range", ctx: &Context{SourceIP: "198.51.100.7"}, want: ExplicitDeny, index: 1},
			{name: "other address", ctx: &Context{SourceIP: "203.0.113.1"}, want: Allow, index: 0},
			{name: "no address", ctx: &Context{}, want: Allow, index: 0},
		})
	})
	t.Run("allow IP list", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
			"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*",
			"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}]}`)
		runEval(t, p, []evalCase{
			{name: "v4 in list", ctx: &Context{SourceIP: "192.0.2.200"}, want: Allow},
			{name: "v6 in list", ctx: &Context{SourceIP: "2001:db8::42"}, want: Allow},
			{name: "not in list", ctx: &Context{SourceIP: "203.0.113.1"}, want: ImplicitDeny},
			{name: "other api", ctx: &Context{SourceIP: "192.0.2.1"}, resource: "arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/prod/GET/", want: ImplicitDeny},
		})
	})
	t.Run("private API source VPC endpoint", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-1a2b3c4d"}}},
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
		in := &Context{}
		in.Set("aws:SourceVpce", "vpce-1a2b3c4d")
		runEval(t, p, []evalCase{
			{name: "from endpoint", ctx: in, want: Allow, index: 1},
			{name: "from internet", ctx: &Context{}, want: ExplicitDeny, index: 0},
		})
	})
	t.Run("user-based", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"AliceOnly","Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"execute-api:Invoke",
			"Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/*"}]}`)
		runEval(t, p, []evalCase{
			{name: "alice", ctx: aliceCtx(), want: Allow, sid: "AliceOnly"},
			{name: "bob", ctx: &Context{PrincipalARN: bobARN}, want: ImplicitDeny},
			{name: "ARN is case-sensitive", ctx: &Context{PrincipalARN: "arn:aws:iam::123456789012:user/Alice"}, want: ImplicitDeny},
		})
	})
	t.Run("account principal", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
			{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
		runEval(t, p, []evalCase{
			{name: "root form", ctx: &Context{PrincipalARN: bobARN}, want: Allow, index: 0},
			{name: "id form", ctx: aliceCtx(), want: Allow, index: 1},
			{name: "explicit account", ctx: &Context{PrincipalARN: "arn:aws:sts::555555555555:assumed-role/x/y", PrincipalAccount: "123456789012"}, want: Allow, index: 1},
			{name: "other account", ctx: &Context{PrincipalARN: "arn:aws:iam::555555555555:user/eve"}, want: ImplicitDeny},
			{name: "anonymous", ctx: &Context{}, want: ImplicitDeny},
		})
	})
	t.Run("not principal", func(t *testing.T) {
		p := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/alice"]},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
			{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
		runEval(t, p, []evalCase{
			{name: "alice exempt", ctx: aliceCtx(), want: Allow, index: 1},
			{name: "bob denied", ctx: &Context{PrincipalARN: bobARN}, want: ExplicitDeny, index: 0},
			{name: "anonymous denied", ctx: nil, want: ExplicitDeny, index: 0},
		})
	})
}

// TestEvaluateLogic follows
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// and the Action/Resource/NotAction/NotResource element pages.
func TestEvaluateLogic(t *testing.T) {
	p := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowGets","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/*"},
		{"Sid":"AllowAll","Effect":"Allow","Action":"execute-api:*","Resource":"*"},
		{"Sid":"DenyAdmin","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/*/admin/*"},
		{"Sid":"DenyNotInvoke","Effect":"Deny","NotAction":"execute-api:Invoke","Resource":"*"},
		{"Sid":"DenyOutsideAccount","Effect":"Deny","Action":"*","NotResource":["arn:aws:execute-api:*:123456789012:*","arn:aws:execute-api:*:123456789012:*/x?/*"]},
		{"Sid":"DenyOnSunday","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`)
	runEval(t, p, []evalCase{
		{name: "first allow reported", ctx: aliceCtx(), want: Allow, sid: "AllowGets", index: 0},
		{name: "second allow", ctx: aliceCtx(), resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/pets", want: Allow, sid: "AllowAll", index: 1},
		{name: "deny wins over allow", ctx: aliceCtx(), resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/admin/users", want: ExplicitDeny, sid: "DenyAdmin", index: 2},
		{name: "action case-insensitive", ctx: aliceCtx(), action: "EXECUTE-API:invoke", want: Allow, sid: "AllowGets"},
		{name: "NotAction deny", ctx: aliceCtx(), action: "execute-api:ManageConnections", want: ExplicitDeny, sid: "DenyNotInvoke", index: 3},
		{name: "NotResource deny", ctx: aliceCtx(), resource: "arn:aws:execute-api:us-east-1:210987654321:zzz/prod/GET/", want: ExplicitDeny, sid: "DenyOutsideAccount", index: 4},
		{name: "implicit deny other service", ctx: aliceCtx(), action: "s3:GetObject", resource: "arn:aws:s3:::b", want: ExplicitDeny, sid: "DenyNotInvoke", index: 3},
	})

	empty := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[]}`)
	runEval(t, empty, []evalCase{{name: "empty Statement", ctx: aliceCtx(), want: ImplicitDeny}})
}

func TestEvaluateResourceForms(t *testing.T) {
	star := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	arnStar := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:*"}}`)
	upper := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/PETS"}}`)
	q := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invok?","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pet?"}}`)
	tests := []struct {
		name     string
		p        *Policy
		resource string
		action   string
		want     Decision
	}{
		{"star any ARN", star, apiARN, "", Allow},
		{"star non-ARN", star, "whatever", "", Allow},
		{"arn star any ARN", arnStar, apiARN, "", Allow},
		{"arn star non-ARN", arnStar, "whatever", "", ImplicitDeny},
		{"resource case-sensitive", upper, apiARN, "", ImplicitDeny},
		{"question one char", q, apiARN, "", Allow},
		{"question not two chars", q, apiARN + "s", "", ImplicitDeny},
		{"question not zero chars", q, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pet", "", ImplicitDeny},
		{"question in action", q, apiARN, "execute-api:Invoked", ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.action
			if a == "" {
				a = "execute-api:Invoke"
			}
			if got := tt.p.Evaluate(&Request{Action: a, Resource: tt.resource}); got.Decision != tt.want {
				t.Errorf("got %v, want %v", got.Decision, tt.want)
			}
		})
	}
}

// TestEvaluatePolicyVariables follows
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html.
func TestEvaluatePolicyVariables(t *testing.T) {
	doc := func(version string) string {
		return `{"Version":"` + version + `","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke",
			"Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/${aws:username}/*"}]}`
	}
	p := mustParse(t, IdentityPolicy, doc(Version2012))
	old := mustParse(t, IdentityPolicy, doc(Version2008))
	own := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/alice/profile"
	other := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/bob/profile"
	literal := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/${aws:username}/profile"
	role := &Context{PrincipalARN: "arn:aws:sts::123456789012:assumed-role/R/s"}
	tests := []struct {
		name     string
		p        *Policy
		resource string
		ctx      *Context
		want     Decision
	}{
		{"own prefix", p, own, aliceCtx(), Allow},
		{"other user's prefix", p, other, aliceCtx(), ImplicitDeny},
		{"no username (role)", p, literal, role, ImplicitDeny},
		{"2008 no substitution", old, own, aliceCtx(), ImplicitDeny},
		{"2008 literal text", old, literal, aliceCtx(), Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: tt.resource, Context: tt.ctx}); got.Decision != tt.want {
				t.Errorf("got %v, want %v", got.Decision, tt.want)
			}
		})
	}
}

func TestEvaluateMany(t *testing.T) {
	allow := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}}`)
	deny, err := ParsePolicy("deny", IdentityPolicy, []byte(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tls := &Request{Action: "execute-api:Invoke", Resource: apiARN, Context: aliceCtx()}
	plain := &Request{Action: "execute-api:Invoke", Resource: apiARN, Context: &Context{SecureTransport: BoolPtr(false)}}
	if got := Evaluate(tls, nil, deny, allow); got.Decision != Allow || got.Policy != "test" {
		t.Errorf("tls: %v", got)
	}
	if got := Evaluate(plain, allow, deny); got.Decision != ExplicitDeny || got.Policy != "deny" || got.Sid != "D" {
		t.Errorf("plain: %v", got)
	}
	if got := Evaluate(plain); got.Decision != ImplicitDeny || got.Matched {
		t.Errorf("none: %v", got)
	}
	if s := Evaluate(plain, allow, deny).String(); s != `ExplicitDeny by policy "deny" Statement[0] (Sid "D")` {
		t.Errorf("String() = %s", s)
	}
}

func TestEvaluateTrustPolicy(t *testing.T) {
	p := mustParse(t, TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:pool"},
		"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`)
	ok := &Context{FederatedProvider: "cognito-identity.amazonaws.com"}
	ok.Set("cognito-identity.amazonaws.com:aud", "us-east-1:pool")
	ok.Set("cognito-identity.amazonaws.com:amr", "authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X")
	guest := &Context{FederatedProvider: "cognito-identity.amazonaws.com"}
	guest.Set("cognito-identity.amazonaws.com:aud", "us-east-1:pool")
	guest.Set("cognito-identity.amazonaws.com:amr", "unauthenticated")
	other := &Context{FederatedProvider: "accounts.google.com"}
	other.Set("cognito-identity.amazonaws.com:aud", "us-east-1:pool")
	other.Set("cognito-identity.amazonaws.com:amr", "authenticated")
	for name, tc := range map[string]struct {
		ctx  *Context
		want Decision
	}{"authenticated": {ok, Allow}, "guest": {guest, ImplicitDeny}, "other provider": {other, ImplicitDeny}} {
		t.Run(name, func(t *testing.T) {
			if got := p.Evaluate(&Request{Action: "sts:AssumeRoleWithWebIdentity", Context: tc.ctx}); got.Decision != tc.want {
				t.Errorf("got %v, want %v", got.Decision, tc.want)
			}
		})
	}
	if vals, ok := ok.Get("COGNITO-IDENTITY.amazonaws.com:AMR"); !ok || len(vals) != 2 {
		t.Errorf("Get = %v, %v", vals, ok)
	}
}
