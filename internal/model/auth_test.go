package model

import "testing"

func TestParseUserPoolARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc":                "us-east-1 us-east-1_Abc",
		"arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_Abc":           "cn-north-1 cn-north-1_Abc",
		"arn:aws:cognito-idp:us-east-2:111122223333:userpool/${stageVariables.MyUserPool}": "us-east-2 ${stageVariables.MyUserPool}",
		"arn:aws:cognito-idp:us-east-1:123456789012:userpool/":                             "",
		"arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x":                        "",
		"arn:aws:cognito-idp::123456789012:userpool/us-east-1_Abc":                         "",
		"arn:aws:lambda:us-east-1:123456789012:function:f":                                 "",
		"us-east-1_Abc": "",
		"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc/extra": "",
	} {
		region, id, err := ParseUserPoolARN(arn)
		got := region + " " + id
		if err != nil {
			got = ""
		}
		if got != want {
			t.Errorf("ParseUserPoolARN(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
}
