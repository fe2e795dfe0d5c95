package iam

import "testing"

// TestAuthorizeGateway checks tables A and B of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
// and the flows without an IAM or Lambda authorizer.
func TestAuthorizeGateway(t *testing.T) {
	allowID := Result{Decision: Allow, Matched: true, Policy: "invoke"}
	denyID := Result{Decision: ExplicitDeny, Matched: true, Policy: "invoke", Sid: "Deny"}
	allowRes := Result{Decision: Allow, Matched: true, Policy: "resource policy"}
	denyRes := Result{Decision: ExplicitDeny, Matched: true, Policy: "resource policy", Sid: "DenyIP"}
	var neither Result
	tests := []struct {
		name      string
		auth      Authorization
		id, res   Result
		hasRes    bool
		cross     bool
		want      Decision
		wantByRes bool // decided by the resource policy's statement
	}{
		// Table A: same account.
		{"A allow allow", AuthIAM, allowID, allowRes, true, false, Allow, false},
		{"A allow neither", AuthIAM, allowID, neither, true, false, Allow, false},
		{"A allow deny", AuthIAM, allowID, denyRes, true, false, ExplicitDeny, true},
		{"A neither allow", AuthIAM, neither, allowRes, true, false, Allow, true},
		{"A neither neither", AuthIAM, neither, neither, true, false, ImplicitDeny, false},
		{"A neither deny", AuthIAM, neither, denyRes, true, false, ExplicitDeny, true},
		{"A deny allow", AuthIAM, denyID, allowRes, true, false, ExplicitDeny, false},
		{"A deny neither", AuthIAM, denyID, neither, true, false, ExplicitDeny, false},
		{"A deny deny", AuthIAM, denyID, denyRes, true, false, ExplicitDeny, true},
		// Table B: cross account.
		{"B allow allow", AuthIAM, allowID, allowRes, true, true, Allow, true},
		{"B allow neither", AuthIAM, allowID, neither, true, true, ImplicitDeny, false},
		{"B allow deny", AuthIAM, allowID, denyRes, true, true, ExplicitDeny, true},
		{"B neither allow", AuthIAM, neither, allowRes, true, true, ImplicitDeny, false},
		{"B neither neither", AuthIAM, neither, neither, true, true, ImplicitDeny, false},
		{"B neither deny", AuthIAM, neither, denyRes, true, true, ExplicitDeny, true},
		{"B deny allow", AuthIAM, denyID, allowRes, true, true, ExplicitDeny, false},
		{"B deny neither", AuthIAM, denyID, neither, true, true, ExplicitDeny, false},
		// IAM without a resource policy.
		{"IAM no resource policy allow", AuthIAM, allowID, denyRes, false, false, Allow, false},
		{"IAM no resource policy neither", AuthIAM, neither, neither, false, false, ImplicitDeny, false},
		{"IAM no resource policy deny", AuthIAM, denyID, neither, false, false, ExplicitDeny, false},
		{"IAM cross account needs resource policy", AuthIAM, allowID, neither, false, true, ImplicitDeny, false},
		// Lambda authorizer uses table A.
		{"Lambda neither allow", AuthLambda, neither, allowRes, true, false, Allow, true},
		{"Lambda allow deny", AuthLambda, allowID, denyRes, true, false, ExplicitDeny, true},
		// Resource policy only (no authorizer) and Cognito: explicit allow needed.
		{"none allow", AuthNone, neither, allowRes, true, false, Allow, true},
		{"none neither", AuthNone, allowID, neither, true, false, ImplicitDeny, false},
		{"none deny", AuthNone, neither, denyRes, true, false, ExplicitDeny, true},
		{"none no policy", AuthNone, neither, neither, false, false, Allow, false},
		{"cognito neither", AuthCognito, allowID, neither, true, false, ImplicitDeny, false},
		{"cognito allow", AuthCognito, neither, allowRes, true, false, Allow, true},
		{"cognito no policy", AuthCognito, neither, neither, false, false, Allow, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AuthorizeGateway(GatewayInput{Auth: tt.auth, Identity: tt.id, Resource: tt.res, HasResourcePolicy: tt.hasRes, CrossAccount: tt.cross})
			if got.Decision != tt.want {
				t.Fatalf("decision = %v, want %v", got.Decision, tt.want)
			}
			if byRes := got.Matched && got.Policy == "resource policy"; byRes != tt.wantByRes {
				t.Errorf("decided by %v, want by resource policy = %v", got, tt.wantByRes)
			}
		})
	}
}

func TestNotAuthorizedMessage(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets"
	want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: " + arn
	if got := NotAuthorizedMessage(aliceARN, arn, ImplicitDeny); got != want {
		t.Errorf("implicit: %s", got)
	}
	if got := NotAuthorizedMessage(aliceARN, arn, ExplicitDeny); got != want+" with an explicit deny" {
		t.Errorf("explicit: %s", got)
	}
	if got := NotAuthorizedMessage(aliceARN, arn, Allow); got != "" {
		t.Errorf("allow: %s", got)
	}
}

// TestGatewayEndToEnd evaluates real documents through AuthorizeGateway.
func TestGatewayEndToEnd(t *testing.T) {
	identity := mustParse(t, IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/prod/*"}]}`)
	resource := mustParse(t, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:user/bob"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Sid":"DenyIP","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`)
	bob := &Context{PrincipalARN: bobARN, SourceIP: "192.0.2.1"}
	bobBlocked := &Context{PrincipalARN: bobARN, SourceIP: "203.0.113.9"}
	carol := &Context{PrincipalARN: "arn:aws:iam::210987654321:user/carol", SourceIP: "192.0.2.1"}
	for name, tc := range map[string]struct {
		ctx  *Context
		want Decision
	}{"bob cross-account allowed": {bob, Allow}, "bob blocked IP": {bobBlocked, ExplicitDeny}, "carol not in resource policy": {carol, ImplicitDeny}} {
		t.Run(name, func(t *testing.T) {
			r := &Request{Action: "execute-api:Invoke", Resource: apiARN, Context: tc.ctx}
			got := AuthorizeGateway(GatewayInput{Auth: AuthIAM, Identity: identity.Evaluate(r), Resource: resource.Evaluate(r), HasResourcePolicy: true, CrossAccount: true})
			if got.Decision != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
