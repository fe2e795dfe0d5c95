package iam

import (
	"testing"
	"time"
)

const (
	testAccount = "123456789012"
	otherAcct   = "210987654321"
	aliceARN    = "arn:aws:iam::123456789012:user/alice"
	bobARN      = "arn:aws:iam::210987654321:user/bob"
	apiARN      = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets"
)

func mustParse(t testing.TB, kind Kind, doc string) *Policy {
	t.Helper()
	p, err := ParsePolicy("test", kind, []byte(doc))
	if err != nil {
		t.Fatalf("ParsePolicy: %v\n%s", err, doc)
	}
	return p
}

// aliceCtx is an IAM user of the API's account calling over TLS from
// 192.0.2.10 at a fixed time.
func aliceCtx() *Context {
	return &Context{
		PrincipalARN:    aliceARN,
		PrincipalType:   "User",
		Username:        "alice",
		UserID:          "AIDAEXAMPLEALICE",
		SourceIP:        "192.0.2.10",
		UserAgent:       "aws-cli/2.15.0",
		CurrentTime:     time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		SecureTransport: BoolPtr(true),
	}
}

// condPolicy wraps a Condition block in an Allow-everything statement.
func condPolicy(cond string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":` + cond + `}]}`
}
