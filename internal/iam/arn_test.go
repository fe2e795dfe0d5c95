package iam

import (
	"errors"
	"testing"
)

func TestParseARN(t *testing.T) {
	tests := []struct {
		in   string
		want ARN
		ok   bool
	}{
		{aliceARN, ARN{"aws", "iam", "", "123456789012", "user/alice"}, true},
		{apiARN, ARN{"aws", "execute-api", "us-east-1", "123456789012", "a1b2c3d4e5/prod/GET/pets"}, true},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn:live", ARN{"aws", "lambda", "us-east-1", "123456789012", "function:fn:live"}, true},
		{"arn:aws-cn:s3:::bucket", ARN{"aws-cn", "s3", "", "", "bucket"}, true},
		{"arn:aws:sns:us-east-1:123456789012:", ARN{"aws", "sns", "us-east-1", "123456789012", ""}, true},
		{"arn:aws:iam::123456789012", ARN{}, false},
		{"urn:aws:iam::123456789012:root", ARN{}, false},
		{"arn::iam::123456789012:root", ARN{}, false},
		{"arn:aws::::x", ARN{}, false},
		{"", ARN{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseARN(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidARN) {
					t.Errorf("error %v does not wrap ErrInvalidARN", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}
