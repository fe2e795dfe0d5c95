package iam

import (
	"testing"
	"time"
)

// TestConditionOperators covers every operator with a matching value, a
// non-matching value and a missing key, following the tables of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
func TestConditionOperators(t *testing.T) {
	base := aliceCtx()
	base.Set("aws:PrincipalTag/job-category", "iamuser-admin")
	base.Set("s3:prefix", "home/alice/docs")
	base.Set("aws:MultiFactorAuthAge", "1800")
	base.Set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic:sub")
	base.Set("example:bin", "QmluYXJ5VmFsdWU=")
	base.Set("aws:TagKeys", "environment", "cost-center")
	base.Set("example:v6", "2001:db8:1234::1")
	base.Set("example:date", "2024-06-01T12:00:00Z")
	base.Set("aws:SourceVpce", "vpce-1a2b3c4d")

	tests := []struct {
		name string
		cond string
		ctx  *Context // nil: base
		want bool
	}{
		// String
		{"StringEquals match", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, nil, true},
		{"StringEquals case-sensitive", `{"StringEquals":{"aws:PrincipalTag/job-category":"IAMUSER-ADMIN"}}`, nil, false},
		{"StringEquals key case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/JOB-CATEGORY":"iamuser-admin"}}`, nil, true},
		{"StringEquals values OR", `{"StringEquals":{"aws:username":["bob","alice"]}}`, nil, true},
		{"StringEquals missing key", `{"StringEquals":{"aws:PrincipalTag/none":"x"}}`, nil, false},
		{"StringEquals no wildcard", `{"StringEquals":{"aws:username":"al*"}}`, nil, false},
		{"StringEquals variable", `{"StringEquals":{"s3:prefix":"home/${aws:username}/docs"}}`, nil, true},
		{"StringNotEquals match", `{"StringNotEquals":{"aws:username":"bob"}}`, nil, true},
		{"StringNotEquals equal", `{"StringNotEquals":{"aws:username":"alice"}}`, nil, false},
		{"StringNotEquals NOR", `{"StringNotEquals":{"aws:username":["bob","alice"]}}`, nil, false},
		{"StringNotEquals missing key", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, nil, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, true},
		{"StringEqualsIgnoreCase differ", `{"StringEqualsIgnoreCase":{"aws:username":"ALICEX"}}`, nil, false},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, false},
		{"StringNotEqualsIgnoreCase differ", `{"StringNotEqualsIgnoreCase":{"aws:username":"BOB"}}`, nil, true},
		{"StringLike star", `{"StringLike":{"s3:prefix":"home/*"}}`, nil, true},
		{"StringLike question", `{"StringLike":{"aws:username":"al?ce"}}`, nil, true},
		{"StringLike case-sensitive", `{"StringLike":{"aws:username":"AL*"}}`, nil, false},
		{"StringLike variable", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, nil, true},
		{"StringLike missing", `{"StringLike":{"example:none":"*"}}`, nil, false},
		{"StringNotLike", `{"StringNotLike":{"s3:prefix":"home/bob/*"}}`, nil, true},
		{"StringNotLike matching", `{"StringNotLike":{"s3:prefix":"home/*"}}`, nil, false},
		{"StringNotLike missing", `{"StringNotLike":{"example:none":"*"}}`, nil, true},
		// Numeric
		{"NumericEquals", `{"NumericEquals":{"aws:MultiFactorAuthAge":"1800"}}`, nil, true},
		{"NumericEquals number literal", `{"NumericEquals":{"aws:MultiFactorAuthAge":1800.0}}`, nil, true},
		{"NumericEquals differ", `{"NumericEquals":{"aws:MultiFactorAuthAge":"1801"}}`, nil, false},
		{"NumericNotEquals", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":"10"}}`, nil, true},
		{"NumericNotEquals equal", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":"1800"}}`, nil, false},
		{"NumericLessThan", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, nil, true},
		{"NumericLessThan equal", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"1800"}}`, nil, false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"1800"}}`, nil, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"1799.5"}}`, nil, true},
		{"NumericGreaterThan no", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"1800"}}`, nil, false},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":"1800"}}`, nil, true},
		{"Numeric missing", `{"NumericLessThan":{"example:none":"1"}}`, nil, false},
		{"Numeric not a number in context", `{"NumericLessThan":{"aws:username":"1"}}`, nil, false},
		{"Numeric epoch time", `{"NumericGreaterThan":{"aws:EpochTime":"1717243199"}}`, nil, true},
		// Date
		{"DateEquals", `{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, true},
		{"DateEquals offset", `{"DateEquals":{"aws:CurrentTime":"2024-06-01T14:00:00+02:00"}}`, nil, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2024-06-01"}}`, nil, true},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2024-06-02"}}`, nil, true},
		{"DateLessThan no", `{"DateLessThan":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, true},
		{"DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, nil, true},
		{"DateGreaterThan year", `{"DateGreaterThan":{"aws:CurrentTime":"2025"}}`, nil, false},
		{"DateGreaterThanEquals epoch", `{"DateGreaterThanEquals":{"aws:CurrentTime":"1717243200"}}`, nil, true},
		{"Date epoch key", `{"DateLessThan":{"aws:EpochTime":"2030-01-01T00:00Z"}}`, nil, true},
		{"Date context string", `{"DateEquals":{"example:date":"2024-06-01T12:00:00.000Z"}}`, nil, true},
		{"Date missing time", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}`, &Context{}, false},
		{"DateNotEquals missing time", `{"DateNotEquals":{"aws:CurrentTime":"2030-01-01"}}`, &Context{}, true},
		// Bool
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, nil, true},
		{"Bool JSON true", `{"Bool":{"aws:SecureTransport":true}}`, nil, true},
		{"Bool false", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{"Bool case-insensitive", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, nil, true},
		{"Bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"BoolIfExists present false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, &Context{MultiFactorAuthPresent: BoolPtr(false)}, false},
		{"Bool present false", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, &Context{MultiFactorAuthPresent: BoolPtr(false)}, true},
		// Binary
		{"BinaryEquals", `{"BinaryEquals":{"example:bin":"QmluYXJ5VmFsdWU="}}`, nil, true},
		{"BinaryEquals differ", `{"BinaryEquals":{"example:bin":"QmluYXJ5"}}`, nil, false},
		// IP
		{"IpAddress in", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},
		{"IpAddress list", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.0/24"]}}`, nil, true},
		{"IpAddress out", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, false},
		{"IpAddress single", `{"IpAddress":{"aws:SourceIp":"192.0.2.10"}}`, nil, true},
		{"IpAddress host bits set", `{"IpAddress":{"aws:SourceIp":"192.0.2.99/24"}}`, nil, true},
		{"IpAddress v6", `{"IpAddress":{"example:v6":"2001:db8::/32"}}`, nil, true},
		{"IpAddress v6 out", `{"IpAddress":{"example:v6":"2001:db9::/32"}}`, nil, false},
		{"IpAddress v4 vs v6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, nil, false},
		{"IpAddress v4-mapped", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, &Context{SourceIP: "::ffff:192.0.2.7"}, true},
		{"NotIpAddress out", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},
		{"NotIpAddress in", `{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.0/24"]}}`, nil, false},
		{"IpAddress missing", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, &Context{}, false},
		{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, &Context{}, true},
		// ARN
		{"ArnEquals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic:sub"}}`, nil, true},
		{"ArnLike wildcard", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}`, nil, true},
		{"ArnLike part wildcard stays in part", `{"ArnLike":{"aws:SourceArn":"arn:aws:*:123456789012:topic:sub"}}`, nil, false},
		{"ArnLike resource keeps colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic*"}}`, nil, true},
		{"ArnLike account mismatch", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:210987654321:*"}}`, nil, false},
		{"ArnLike case-sensitive", `{"ArnLike":{"aws:SourceArn":"arn:aws:SNS:*:*:*"}}`, nil, false},
		{"ArnEquals principal variable", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/${aws:username}"}}`, nil, true},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}}`, nil, true},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, nil, false},
		{"ArnLike star only", `{"ArnLike":{"aws:PrincipalArn":"*"}}`, nil, true},
		{"ArnLike not an ARN in context", `{"ArnLike":{"aws:username":"arn:*:*:*:*:*"}}`, nil, false},
		{"ArnNotLike missing", `{"ArnNotLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, &Context{}, true},
		// Null
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true present", `{"Null":{"aws:username":"true"}}`, nil, false},
		{"Null false present", `{"Null":{"aws:username":"false"}}`, nil, true},
		{"Null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"Null JSON bool", `{"Null":{"aws:TokenIssueTime":true}}`, nil, true},
		{"Null MFA unset", `{"Null":{"aws:MultiFactorAuthPresent":"true"}}`, nil, true},
		// IfExists
		{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"example:none":"x"}}`, nil, true},
		{"StringEqualsIfExists present", `{"StringEqualsIfExists":{"aws:username":"bob"}}`, nil, false},
		{"StringNotEqualsIfExists present", `{"StringNotEqualsIfExists":{"aws:username":"bob"}}`, nil, true},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"example:none":"1"}}`, nil, true},
		{"IpAddressIfExists missing", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, &Context{}, true},
		{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:*:*:*:*"}}`, &Context{}, true},
		{"DateLessThanIfExists missing", `{"DateLessThanIfExists":{"example:none":"2020-01-01"}}`, nil, true},
		// Set operators on the multi-valued aws:TagKeys = [environment cost-center]
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center","owner"]}}`, nil, true},
		{"ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"ForAllValues empty set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, &Context{}, true},
		{"ForAnyValue one", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"ForAnyValue none", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}}`, nil, false},
		{"ForAnyValue empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, &Context{}, false},
		{"ForAnyValue StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":["cost-*"]}}`, nil, true},
		{"ForAllValues StringNotEquals", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner"]}}`, nil, true},
		{"ForAllValues StringNotEquals one hit", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"ForAnyValue StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"ForAnyValue StringNotEquals all hit", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment","cost-center"]}}`, nil, false},
		{"ForAllValues IfExists missing", `{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":["x"]}}`, &Context{}, true},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["x"]}}`, &Context{}, true},
		{"ForAnyValue single-valued key", `{"ForAnyValue:StringEquals":{"aws:username":["alice"]}}`, nil, true},
		{"multi-valued without set operator", `{"StringEquals":{"aws:TagKeys":"cost-center"}}`, nil, true},
		{"multi-valued negated without set operator", `{"StringNotEquals":{"aws:TagKeys":"cost-center"}}`, nil, false},
		// Combination: keys AND, operators AND
		{"keys AND both", `{"StringEquals":{"aws:username":"alice","aws:SourceVpce":"vpce-1a2b3c4d"}}`, nil, true},
		{"keys AND one fails", `{"StringEquals":{"aws:username":"alice","aws:SourceVpce":"vpce-other"}}`, nil, false},
		{"operators AND", `{"StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, false},
		{"empty condition block", `{}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, IdentityPolicy, condPolicy(tt.cond))
			ctx := tt.ctx
			if ctx == nil {
				ctx = base
			}
			got := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: apiARN, Context: ctx})
			if (got.Decision == Allow) != tt.want {
				t.Errorf("condition %s: got %v, want allowed=%v", tt.cond, got.Decision, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 6, 1, 12, 30, 0, 0, time.UTC)
	for _, s := range []string{
		"2024-06-01T12:30:00Z", "2024-06-01T12:30Z", "2024-06-01T14:30+02:00",
		"2024-06-01T12:30:00.000Z", "2024-06-01T12:30:00", "1717245000",
	} {
		got, ok := parseDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"2024", "2024-06", "2024-06-01"} {
		if _, ok := parseDate(s); !ok {
			t.Errorf("parseDate(%q) failed", s)
		}
	}
	for _, s := range []string{"", "yesterday", "2024-13-01", "12:00"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) succeeded", s)
		}
	}
}
