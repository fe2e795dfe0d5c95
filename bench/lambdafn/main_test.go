package main

import (
	"context"
	"testing"
)

func TestAuthorize(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/hello"
	out, err := authorize(context.Background(), authorizerEvent{Type: "TOKEN", AuthorizationToken: benchToken, MethodArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	st := out.PolicyDocument.Statement
	if out.PrincipalID != "bench-user" || len(st) != 1 || st[0].Effect != "Allow" ||
		st[0].Resource[0] != "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*" {
		t.Errorf("got %+v", out)
	}
	if _, err := authorize(context.Background(), authorizerEvent{Type: "TOKEN", AuthorizationToken: "Bearer other", MethodArn: arn}); err == nil || err.Error() != "Unauthorized" {
		t.Errorf("other token: err = %v, want Unauthorized", err)
	}
	req := authorizerEvent{Type: "REQUEST", MethodArn: arn, Headers: map[string]string{"authorization": benchToken}}
	if out, err := authorize(context.Background(), req); err != nil || out.PrincipalID != "bench-user" {
		t.Errorf("REQUEST event: %+v, %v", out, err)
	}
	req.Headers = map[string]string{"X-Other": benchToken}
	if _, err := authorize(context.Background(), req); err == nil {
		t.Error("REQUEST event without Authorization allowed")
	}
}

func TestStageARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/a/b": "arn:aws:execute-api:us-east-1:123456789012:abc/prod",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod":         "arn:aws:execute-api:us-east-1:123456789012:abc/prod",
		"nonsense": "nonsense",
	} {
		if got := stageARN(in); got != want {
			t.Errorf("stageARN(%q) = %q, want %q", in, got, want)
		}
	}
}
