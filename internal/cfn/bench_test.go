package cfn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cfn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

// seed003Template is the template `cdk synth` writes for seed 003.
const seed003Template = "../../examples/cdk/cdk.out/ApiGwIamAuthStack.template.json"

// BenchmarkLoadTemplate measures loading a template as serve -t does at
// start and on every reload, against issue 10's targets (reported as
// target-ms beside ms/load):
//
//   - template=seed003: seed 003's synthesized stack, ≤ 20 ms;
//   - template=routes=200,functions=50: a generated HTTP API with 200
//     routes, 200 integrations and 50 functions (with their roles and
//     permissions), ≤ 200 ms.
//
// stage=stack is the template alone (parse, intrinsics, translation to
// the model); stage=plan is everything serve builds before it serves:
// the configuration and the compiled gateway plan.
func BenchmarkLoadTemplate(b *testing.B) {
	big := writeGeneratedTemplate(b, 200, 50)
	for _, tc := range []struct {
		name     string
		path     string
		targetMS float64
	}{
		{"template=seed003", seed003Template, 20},
		{"template=routes=200,functions=50", big, 200},
	} {
		b.Run(tc.name+"/stage=stack", func(b *testing.B) {
			opts := cfn.Options{Region: "us-east-1", AccountID: "123456789012"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfn.LoadStack(tc.path, opts, cfn.TranslateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			reportLoad(b, tc.targetMS)
		})
		b.Run(tc.name+"/stage=plan", func(b *testing.B) {
			o := config.Overrides{Templates: []config.StackRef{{Template: tc.path}}}
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := config.FromTemplates(o)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := gateway.NewPlan(cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
			reportLoad(b, tc.targetMS)
		})
	}
}

// reportLoad reports the time per load in milliseconds, and the target.
func reportLoad(b *testing.B, targetMS float64) {
	b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/load")
	b.ReportMetric(targetMS, "target-ms")
}

// writeGeneratedTemplate writes a JSON template the way the CDK writes
// one (generated logical ids, Fn::GetAtt and Fn::Join everywhere): one
// HTTP API with routes routes, each with its own integration, spread
// over functions Node.js functions with their roles and permissions;
// every other route is AWS_IAM. It returns the template's path.
func writeGeneratedTemplate(tb testing.TB, routes, functions int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "asset.fn"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "asset.fn", "index.js"), []byte(`exports.handler = async () => ({statusCode: 200});`), 0o644); err != nil {
		tb.Fatal(err)
	}
	type obj = map[string]any
	res := obj{
		"Api":   obj{"Type": "AWS::ApiGatewayV2::Api", "Properties": obj{"Name": "generated", "ProtocolType": "HTTP"}},
		"Stage": obj{"Type": "AWS::ApiGatewayV2::Stage", "Properties": obj{"ApiId": obj{"Ref": "Api"}, "StageName": "$default", "AutoDeploy": true}},
	}
	for f := range functions {
		role, fn := fmt.Sprintf("Fn%dServiceRole", f), fmt.Sprintf("Fn%d", f)
		res[role] = obj{"Type": "AWS::IAM::Role", "Properties": obj{
			"AssumeRolePolicyDocument": obj{"Statement": []any{obj{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": obj{"Service": "lambda.amazonaws.com"}}}, "Version": "2012-10-17"},
			"ManagedPolicyArns":        []any{obj{"Fn::Join": []any{"", []any{"arn:", obj{"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}}}},
		}}
		res[fn] = obj{"Type": "AWS::Lambda::Function",
			"Properties": obj{
				"Code":        obj{"S3Bucket": obj{"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "fn.zip"},
				"Handler":     "index.handler",
				"Runtime":     "nodejs20.x",
				"Role":        obj{"Fn::GetAtt": []any{role, "Arn"}},
				"Environment": obj{"Variables": obj{"TABLE": fmt.Sprintf("table-%d", f), "STAGE": obj{"Ref": "AWS::Region"}}},
			},
			"DependsOn": []any{role},
			"Metadata":  obj{"aws:asset:path": "asset.fn", "aws:asset:property": "Code"},
		}
		res[fn+"Permission"] = obj{"Type": "AWS::Lambda::Permission", "Properties": obj{
			"Action": "lambda:InvokeFunction", "FunctionName": obj{"Fn::GetAtt": []any{fn, "Arn"}}, "Principal": "apigateway.amazonaws.com",
			"SourceArn": obj{"Fn::Join": []any{"", []any{"arn:", obj{"Ref": "AWS::Partition"}, ":execute-api:", obj{"Ref": "AWS::Region"}, ":", obj{"Ref": "AWS::AccountId"}, ":", obj{"Ref": "Api"}, "/*/*"}}},
		}}
	}
	for r := range routes {
		integ, route := fmt.Sprintf("Route%dIntegration", r), fmt.Sprintf("Route%d", r)
		res[integ] = obj{"Type": "AWS::ApiGatewayV2::Integration", "Properties": obj{
			"ApiId": obj{"Ref": "Api"}, "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
			"IntegrationUri": obj{"Fn::GetAtt": []any{fmt.Sprintf("Fn%d", r%functions), "Arn"}},
		}}
		auth := "NONE"
		if r%2 == 1 {
			auth = "AWS_IAM"
		}
		res[route] = obj{"Type": "AWS::ApiGatewayV2::Route", "Properties": obj{
			"ApiId": obj{"Ref": "Api"}, "RouteKey": fmt.Sprintf("GET /items%d/{id}", r), "AuthorizationType": auth,
			"Target": obj{"Fn::Join": []any{"", []any{"integrations/", obj{"Ref": integ}}}},
		}}
	}
	b, err := json.MarshalIndent(obj{"Resources": res}, "", " ")
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "Generated.template.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
