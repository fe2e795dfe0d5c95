package iam

import (
	"strconv"
	"strings"
	"testing"
)

// benchPolicy builds an identity policy of n statements, like a realistic
// per-API policy: most statements do not apply to the request, the last
// one allows it, and some carry conditions.
func benchPolicy(b *testing.B, n int) *Policy {
	b.Helper()
	var stmts []string
	for i := 0; i < n-1; i++ {
		var s string
		switch i % 4 {
		case 0:
			s = `{"Sid":"S` + strconv.Itoa(i) + `","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:other` + strconv.Itoa(i) + `/*/GET/*"}`
		case 1:
			s = `{"Sid":"S` + strconv.Itoa(i) + `","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/DELETE/*"}`
		case 2:
			s = `{"Sid":"S` + strconv.Itoa(i) + `","Effect":"Deny","Action":"execute-api:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]},"Bool":{"aws:SecureTransport":"false"}}}`
		case 3:
			s = `{"Sid":"S` + strconv.Itoa(i) + `","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/${aws:username}/*"}`
		}
		stmts = append(stmts, s)
	}
	stmts = append(stmts, `{"Sid":"Allow","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/pets*",
		"Condition":{"StringEquals":{"aws:username":"${aws:username}"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`)
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	return mustParse(b, IdentityPolicy, doc)
}

func BenchmarkEvaluatePolicy(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run("statements="+strconv.Itoa(n), func(b *testing.B) {
			p := benchPolicy(b, n)
			r := &Request{Action: "execute-api:Invoke", Resource: apiARN, Context: aliceCtx()}
			if got := p.Evaluate(r); got.Decision != Allow {
				b.Fatalf("setup: %v", got)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.Evaluate(r)
			}
		})
	}
}

func BenchmarkAuthorizeGateway(b *testing.B) {
	identity := benchPolicy(b, 10)
	resource := mustParse(b, ResourcePolicy, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}`)
	r := &Request{Action: "execute-api:Invoke", Resource: apiARN, Context: aliceCtx()}
	b.ReportAllocs()
	for b.Loop() {
		AuthorizeGateway(GatewayInput{Auth: AuthIAM, Identity: identity.Evaluate(r), Resource: resource.Evaluate(r), HasResourcePolicy: true})
	}
}

func BenchmarkParsePolicy(b *testing.B) {
	p := benchPolicy(b, 10)
	doc, err := p.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolicy("bench", IdentityPolicy, doc); err != nil {
			b.Fatal(err)
		}
	}
}
