package iam

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePolicyValid(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		doc   string
		stmts int
		ver   string
	}{
		{"statement object", IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}}`, 1, Version2012},
		{"statement array", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":["*"]},{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::b/*"}]}`, 2, Version2012},
		{"empty statement array", IdentityPolicy, `{"Version":"2012-10-17","Statement":[]}`, 0, Version2012},
		{"no version", IdentityPolicy, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, 1, Version2008},
		{"2008 version", IdentityPolicy, `{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, 1, Version2008},
		{"resource policy principal star", ResourcePolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`, 1, Version2012},
		{"resource policy principal forms", ResourcePolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Allow alice (spaces ok here)","Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::210987654321:root","arn:aws:iam::123456789012:user/alice","arn:aws:iam::123456789012:role/R","*"]},"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"}]}`, 1, Version2012},
		{"trust policy cognito", TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`, 1, Version2012},
		{"trust policy service", TrustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}}`, 1, Version2012},
		{"condition numbers and bools", IdentityPolicy, condPolicy(`{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":[true]}}`), 1, Version2012},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy("p", tt.kind, []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if p.NumStatements() != tt.stmts || p.Version() != tt.ver || p.Name() != "p" || p.Kind() != tt.kind {
				t.Errorf("got %d statements, version %s, name %s, kind %v", p.NumStatements(), p.Version(), p.Name(), p.Kind())
			}
		})
	}
}

func TestParsePolicyInvalid(t *testing.T) {
	allow := func(extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"` + extra + `}]}`
	}
	tests := []struct {
		name  string
		kind  Kind
		doc   string
		stmt  int
		field string
		msg   string
	}{
		{"not JSON", IdentityPolicy, `{"Version":`, -1, "", msgSyntax},
		{"JSON array", IdentityPolicy, `[]`, -1, "", msgSyntax},
		{"null", IdentityPolicy, `null`, -1, "", msgSyntax},
		{"unknown top-level key", IdentityPolicy, `{"Version":"2012-10-17","Statment":[],"Statement":[]}`, -1, "Statment", msgSyntax},
		{"bad version", IdentityPolicy, `{"Version":"2012-10-18","Statement":[]}`, -1, "Version", msgVersion},
		{"missing statement", IdentityPolicy, `{"Version":"2012-10-17"}`, -1, "Statement", msgMissingStatement},
		{"statement string", IdentityPolicy, `{"Version":"2012-10-17","Statement":"x"}`, -1, "Statement", msgStatementType},
		{"missing effect", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Action":"*","Resource":"*"}]}`, 0, "Effect", msgMissingEffect},
		{"lower-case effect", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, 0, "Effect", `invalid Effect "allow": must be "Allow" or "Deny"`},
		{"identity with principal", IdentityPolicy, allow(`,"Principal":"*"`), 0, "Principal", msgNoPrincipal},
		{"identity with not principal", IdentityPolicy, allow(`,"NotPrincipal":{"AWS":"123456789012"}`), 0, "NotPrincipal", msgNoPrincipal},
		{"resource without principal", ResourcePolicy, allow(``), 0, "Principal", msgMissingPrincipal},
		{"both principal forms", ResourcePolicy, allow(`,"Principal":"*","NotPrincipal":"*"`), 0, "Principal", msgBothPrincipal},
		{"principal string not star", ResourcePolicy, allow(`,"Principal":"alice"`), 0, "Principal", msgInvalidPrincipal},
		{"principal wildcard arn", ResourcePolicy, allow(`,"Principal":{"AWS":"arn:aws:iam::123456789012:user/*"}`), 0, "Principal", msgInvalidPrincipal},
		{"principal unknown type", ResourcePolicy, allow(`,"Principal":{"Users":"alice"}`), 0, "Principal", msgInvalidPrincipal},
		{"principal bad account", ResourcePolicy, allow(`,"Principal":{"AWS":"12345"}`), 0, "Principal", msgInvalidPrincipal},
		{"action and notaction", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, 0, "Action", msgBothAction},
		{"no action", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, 0, "Action", msgNeedActions},
		{"empty action list", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, 0, "Action", msgNeedActions},
		{"action without vendor", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"Invoke","Resource":"*"}]}`, 0, "Action", msgVendor},
		{"action two colons", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke:x","Resource":"*"}]}`, 0, "Action", msgOneColon},
		{"action number", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":5,"Resource":"*"}]}`, 0, "Action", "Action " + msgStringOrArray},
		{"no resource", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`, 0, "Resource", msgNeedResources},
		{"resource and notresource", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}`, 0, "Resource", msgBothResource},
		{"resource not arn", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"my-bucket"}]}`, 0, "Resource", `Resource my-bucket must be in ARN format or "*".`},
		{"resource short arn", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3"}]}`, 0, "Resource", `Resource arn:aws:s3 must be in ARN format or "*".`},
		{"trust with resource", TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`, 0, "Resource", msgProhibitResource},
		{"unknown statement key", IdentityPolicy, allow(`,"Conditions":{}`), 0, "Conditions", msgSyntax},
		{"duplicate sid", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, 1, "Sid", msgSidUnique},
		{"sid not alphanumeric", IdentityPolicy, allow(`,"Sid":"my sid"`), 0, "Sid", msgSidAlnum},
		{"bad condition operator", IdentityPolicy, condPolicy(`{"StringEqual":{"aws:username":"alice"}}`), 0, "Condition", "invalid Condition"},
		{"condition not object", IdentityPolicy, condPolicy(`[]`), 0, "Condition", "invalid Condition"},
		{"condition key without vendor", IdentityPolicy, condPolicy(`{"StringEquals":{"username":"alice"}}`), 0, "Condition", "invalid Condition"},
		{"condition empty values", IdentityPolicy, condPolicy(`{"StringEquals":{"aws:username":[]}}`), 0, "Condition", "invalid Condition"},
		{"condition object value", IdentityPolicy, condPolicy(`{"StringEquals":{"aws:username":{"a":1}}}`), 0, "Condition", "invalid Condition"},
		{"numeric not number", IdentityPolicy, condPolicy(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}`), 0, "Condition", "invalid Condition"},
		{"date not date", IdentityPolicy, condPolicy(`{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}`), 0, "Condition", "invalid Condition"},
		{"ip not ip", IdentityPolicy, condPolicy(`{"IpAddress":{"aws:SourceIp":"192.0.2.0/33"}}`), 0, "Condition", "invalid Condition"},
		{"bool not bool", IdentityPolicy, condPolicy(`{"Bool":{"aws:SecureTransport":"yes"}}`), 0, "Condition", "invalid Condition"},
		{"null not bool", IdentityPolicy, condPolicy(`{"Null":{"aws:SecureTransport":"maybe"}}`), 0, "Condition", "invalid Condition"},
		{"binary not base64", IdentityPolicy, condPolicy(`{"BinaryEquals":{"example:bin":"!!"}}`), 0, "Condition", "invalid Condition"},
		{"null if exists", IdentityPolicy, condPolicy(`{"NullIfExists":{"aws:username":"true"}}`), 0, "Condition", "invalid Condition"},
		{"null with set", IdentityPolicy, condPolicy(`{"ForAllValues:Null":{"aws:username":"true"}}`), 0, "Condition", "invalid Condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy("bad", tt.kind, []byte(tt.doc))
			if err == nil {
				t.Fatalf("ParsePolicy succeeded: %+v", p)
			}
			if !errors.Is(err, ErrMalformedPolicy) {
				t.Errorf("error %v does not wrap ErrMalformedPolicy", err)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *PolicyError", err)
			}
			if pe.Statement != tt.stmt || pe.Field != tt.field || pe.Msg != tt.msg || pe.Policy != "bad" {
				t.Errorf("got statement %d field %q msg %q; want %d %q %q\nerror: %v", pe.Statement, pe.Field, pe.Msg, tt.stmt, tt.field, tt.msg, err)
			}
		})
	}
}

func TestParsePolicyReportsEveryProblem(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"One","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Sid":"Two","Effect":"Permit","Action":"execute-api:Invoke"}]}`
	_, err := ParsePolicy("invoke", IdentityPolicy, []byte(doc))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`policy "invoke": Statement[0] (Sid "One"): Principal: Policy document should not specify a principal.`,
		`policy "invoke": Statement[1] (Sid "Two"): Effect: invalid Effect "Permit": must be "Allow" or "Deny"`,
		`policy "invoke": Statement[1] (Sid "Two"): Resource: Policy statement must contain resources.`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	doc := `{"Version":"2012-10-17","Id":"pol","Statement":[
		{"Sid":"A","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::123456789012:user/alice","123456789012"]},"NotAction":"execute-api:ManageConnections","Resource":"*",
		 "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24"]},"NumericLessThan":{"example:n":3}}},
		{"Effect":"Allow","Principal":"*","Action":"execute-api:*","NotResource":["arn:aws:execute-api:*:*:*/internal/*"]}]}`
	p := mustParse(t, ResourcePolicy, doc)
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Id":"pol","Statement":[` +
		`{"Sid":"A","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::123456789012:user/alice","123456789012"]},"NotAction":["execute-api:ManageConnections"],"Resource":["*"],"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24"]},"NumericLessThan":{"example:n":["3"]}}},` +
		`{"Effect":"Allow","Principal":"*","Action":["execute-api:*"],"NotResource":["arn:aws:execute-api:*:*:*/internal/*"]}]}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	p2 := mustParse(t, ResourcePolicy, string(b))
	b2, _ := p2.MarshalJSON()
	if string(b2) != string(b) {
		t.Errorf("second marshal differs:\n%s\n%s", b2, b)
	}
}
