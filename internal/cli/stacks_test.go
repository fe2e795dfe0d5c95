package cli_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

const stackTemplate = `
Parameters:
  Backend: {Type: String, AllowedValues: ["http://127.0.0.1:9000", "http://127.0.0.1:9001"]}
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: hello, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: !Ref Backend
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $default, Target: !Sub "integrations/${Integration}"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default}
  Role:
    Type: AWS::IAM::Role
`

func TestValidateTemplate(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(stackTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"ok", []string{"-t", tmpl, "--parameter-overrides", "Backend=http://127.0.0.1:9001"}, 0, tmpl + ": ok (1 APIs)\n", ""},
		{"missing parameter", []string{"-t", tmpl}, 1, "", tmpl + ":3:12: Parameters.Backend: Parameters: [Backend] must have values (no Default; give it with --parameter-overrides Backend=VALUE)\n"},
		{"not allowed", []string{"-t", tmpl, "--parameter-overrides", "Backend=http://x"}, 1, "", "must be one of AllowedValues"},
		{"unknown parameter", []string{"-t", tmpl, "--parameter-overrides", "Backend=http://127.0.0.1:9000 Nope=1"}, 1, "", "Parameters: [Nope] do not exist in the template"},
		{"overrides without template", []string{"--parameter-overrides", "A=1"}, 1, "", "--parameter-overrides applies to -t templates"},
		{"bad override", []string{"-t", tmpl, "--parameter-overrides", "novalue"}, 2, "", `"novalue" is not KEY=VALUE`},
		{"bad region", []string{"-t", tmpl, "--region", "mars", "--parameter-overrides", "Backend=http://127.0.0.1:9000"}, 1, "", `region: "mars" is not a region name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Run(append([]string{"validate"}, tc.args...), &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.stdout || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
		})
	}
}

// TestStacksConfig serves a template named under stacks: beside an
// inline API, and checks the start-up lines list what is not emulated.
func TestStacksConfig(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"template.yaml": stackTemplate,
		"gatehouse.yaml": `
stacks:
  - template: template.yaml
    name: Hello
    parameters: {Backend: "http://127.0.0.1:9000"}
apis:
  - name: other
    protocol: HTTP
    routes:
      $default: {integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:9000"}}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run([]string{"validate", "-c", filepath.Join(dir, "gatehouse.yaml")}, &stdout, &stderr)
	if code != 0 || !strings.HasSuffix(stdout.String(), ": ok (2 APIs)\n") {
		t.Fatalf("validate: %d %q %q", code, stdout.String(), stderr.String())
	}
	// serve lists what the template declares that is not emulated, once.
	ctx, cancel := context.WithCancel(context.Background())
	log := &testutil.LockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.RunContext(ctx, []string{"serve", "-c", filepath.Join(dir, "gatehouse.yaml"), "--listen", "127.0.0.1:0"}, io.Discard, log)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), "gatehouse serving") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, log.String())
	}
	out := log.String()
	if strings.Count(out, `msg="not emulated: AWS::IAM::Role (Role)" stack=Hello`) != 1 || !strings.Contains(out, "msg=\"stack loaded\" stack=Hello") {
		t.Errorf("start-up lines:\n%s", out)
	}
	// A second template with the same stack name is an error.
	if err := os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte(`
stacks:
  - {template: template.yaml, name: Hello, parameters: {Backend: "http://127.0.0.1:9000"}}
  - {template: template.yaml, name: Hello, parameters: {Backend: "http://127.0.0.1:9001"}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code = cli.Run([]string{"validate", "-c", filepath.Join(dir, "gatehouse.yaml")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), `gatehouse.yaml:4:5: stacks[1]: two stacks are named "Hello"`) {
		t.Errorf("duplicate stacks: %d %q", code, stderr.String())
	}
}
