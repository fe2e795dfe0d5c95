package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// The example runs as its comments say: gatehouse serves
// examples/cognito/gatehouse.yaml (on free ports), and signin's flow gets
// the caller's Cognito identity back from the AWS_IAM route.
func TestExample(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	awsAddr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	for _, name := range []string{"gatehouse.yaml", "api.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "127.0.0.1:4566", awsAddr)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	api := testutil.Serve(t, filepath.Join(dir, "gatehouse.yaml"))
	out, err := run(context.Background(), settings{endpoint: "http://" + awsAddr, api: api, region: "us-east-1",
		userPool: "us-east-1_Gatehouse1", client: "3n4b5urk1ft4fl3mg5e62d9ado", identityPool: "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b",
		username: "alice", password: "Example-Passw0rd!"})
	if err != nil {
		t.Fatal(err)
	}
	var who map[string]string
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	if who["userArn"] != "arn:aws:sts::123456789012:assumed-role/CognitoAuthRole/CognitoIdentityCredentials" ||
		!strings.HasPrefix(who["cognitoIdentityId"], "us-east-1:") || who["cognitoIdentityPoolId"] != "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b" ||
		who["cognitoAuthenticationType"] != "authenticated" {
		t.Errorf("whoami: %s", out)
	}
}
