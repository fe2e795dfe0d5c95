package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestAWSEndpoints(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gatehouse.yaml")
	err := os.WriteFile(file, []byte(`
awsEndpoints: {listen: 127.0.0.1:4566}
apis: [{name: x, protocol: HTTP, routes: {$default: {integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:1"}}}}]
iam:
  roles:
    - name: CognitoAuthRole
      path: /app/
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Federated: cognito-identity.amazonaws.com}, Action: "sts:AssumeRoleWithWebIdentity"}]
      policies: [{name: invoke, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}}]
      maxSessionDuration: 7200
  oidcProviders:
    - {url: "https://idp.example.com/realm", clientIds: [web]}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.AWSEndpoints.Listen != "127.0.0.1:4566" {
		t.Errorf("awsEndpoints.listen = %q", c.AWSEndpoints.Listen)
	}
	if len(c.IAM.Roles) != 1 {
		t.Fatalf("roles = %+v", c.IAM.Roles)
	}
	r := c.IAM.Roles[0]
	var trust map[string]any
	if err := json.Unmarshal(r.AssumeRolePolicy, &trust); err != nil || trust["Version"] != "2012-10-17" {
		t.Errorf("trust policy %s: %v", r.AssumeRolePolicy, err)
	}
	if r.Name != "CognitoAuthRole" || r.Path != "/app/" || r.MaxSessionDuration != 7200 || len(r.Policies) != 1 || r.Policies[0].Name != "invoke" {
		t.Errorf("role = %+v", r)
	}
	if len(c.IAM.OIDCProviders) != 1 || c.IAM.OIDCProviders[0].URL != "https://idp.example.com/realm" || c.IAM.OIDCProviders[0].ClientIDs[0] != "web" {
		t.Errorf("oidcProviders = %+v", c.IAM.OIDCProviders)
	}
}
