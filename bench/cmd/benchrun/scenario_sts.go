package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/sigv4"
)

// Scenario of issue 9 (temporary credentials): the sigv4_iam route called
// with a long-term key (the gateway) and, in the same run, with temporary
// credentials from the gateway's own STS AssumeRole (the variant).

// benchRole is the role the variant assumes.
const benchRole = "BenchRole"

// sessionPolicy is the identity policy of both the user and the role: the
// 10 statements of iamSeed, and one allowing the user to assume the role,
// so that the gateway evaluates the same document for either caller.
const sessionPolicy = `
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "sts:AssumeRole", Resource: "arn:aws:iam::*:role/` + benchRole + `"}` + benchStatements

// stsSeed is the IAM store of sts_temp_creds: user bench (iamSeed's key)
// and role BenchRole, which trusts bench, with the same policy; STS on the
// awsEndpoints listener.
const stsSeed = `awsEndpoints:
  listen: {{.AWS}}
iam:
  store: sqlite://iam.db
  users:
    - name: bench
      accessKeys: [{id: ` + benchAccessKey + `, secret: ` + benchSecret + `}]
      policies:
        - name: invoke
          document:` + sessionPolicy + `  roles:
    - name: ` + benchRole + `
      maxSessionDuration: 43200
      assumeRolePolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:user/bench"}, Action: "sts:AssumeRole"}]}
      policies:
        - name: invoke
          document:` + sessionPolicy

func stsScenarios() []Scenario {
	return []Scenario{
		{
			Name: "sts_temp_creds",
			Description: "GET through the sigv4_iam route (AWS_IAM, an 11-statement identity policy), signed with the long-term key of user bench (gatehouse) " +
				"and, in the same run against the same process, with temporary credentials from the gateway's STS AssumeRole of a role with the same policy (gh-session).",
			Path:       "/prod/hello",
			Prepare:    newRequestSigner(),
			ExpectBody: `"path":"/hello"`,
			Files: []File{
				{Name: mainConfig, Template: gatehouseYAML + stsSeed},
				{Name: "api.yaml", Template: iamProxyAPI},
			},
			// As sigv4_iam.
			Target: Target{MinThroughput: 0.90, MaxP99: 1.20},
			Variant: &Variant{
				Label: "gh-session",
				Description: "the same requests signed with temporary credentials (an ASIA key, its secret and X-Amz-Security-Token) from AssumeRole; " +
					"issue 9: a call signed with temporary credentials costs at most 5% more throughput than one signed with a long-term key, both against B0",
				Start:    assumeRoleSigner,
				MinRatio: 0.95,
			},
		},
	}
}

// assumeRoleSigner gets temporary credentials from the gateway's STS on
// p.AWS (AssumeRole of BenchRole, signed with bench's key, as the aws CLI
// sends it) and returns a hook that signs requests with them.
func assumeRoleSigner(ctx context.Context, p GatewayParams) (func(*http.Request) error, error) {
	var creds sigv4.Credentials
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if creds, err = assumeRole(ctx, "http://"+p.AWS+"/"); err == nil || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	signer := sigv4.New(sigv4.Options{Region: "us-east-1"})
	return func(r *http.Request) error {
		_, err := signer.Sign(r, creds)
		return err
	}, nil
}

// assumeRole calls STS AssumeRole at endpoint.
func assumeRole(ctx context.Context, endpoint string) (sigv4.Credentials, error) {
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleSessionName": {"bench"}, "DurationSeconds": {"43200"},
		"RoleArn": {"arn:aws:iam::123456789012:role/" + benchRole}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return sigv4.Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := sigv4.New(sigv4.Options{Region: "us-east-1", Service: "sts"})
	if _, err := signer.Sign(req, sigv4.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecret}); err != nil {
		return sigv4.Credentials{}, err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return sigv4.Credentials{}, fmt.Errorf("AssumeRole: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return sigv4.Credentials{}, fmt.Errorf("AssumeRole: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return sigv4.Credentials{}, fmt.Errorf("AssumeRole: %s: %s", resp.Status, body)
	}
	var out struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal(body, &out); err != nil {
		return sigv4.Credentials{}, fmt.Errorf("AssumeRole: %w in %s", err, body)
	}
	c := out.Credentials
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		return sigv4.Credentials{}, fmt.Errorf("AssumeRole: no credentials in %s", body)
	}
	return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
}
