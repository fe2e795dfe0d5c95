package cdk_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil/cdk"
)

// resource is one entry of a template's Resources.
type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
}

// TestSynthSeed003 runs the real CDK CLI on seed 003's app and checks the
// template it writes: the HTTP API with the seed's CORS configuration, the
// IAM-authorized $default route and the unauthorized OPTIONS /{proxy+}
// route, both on one Lambda proxy integration (payload 2.0), and the
// NodejsFunction whose code is the esbuild bundle in the asset folder that
// "aws:asset:path" names. The bundle is then run with node as Lambda would
// (index.handler) to show it is the seed's handler.
func TestSynthSeed003(t *testing.T) {
	tplPath := cdk.SynthSeed003(t)
	raw, err := os.ReadFile(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]resource `json:"Resources"`
		Outputs   map[string]any      `json:"Outputs"`
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("%s: %v", tplPath, err)
	}
	byType := map[string][]string{}
	for id, r := range tpl.Resources {
		byType[r.Type] = append(byType[r.Type], id)
	}
	for _, ids := range byType {
		sort.Strings(ids)
	}
	want := map[string]int{
		"AWS::ApiGatewayV2::Api":         1,
		"AWS::ApiGatewayV2::Route":       2,
		"AWS::ApiGatewayV2::Integration": 1,
		"AWS::ApiGatewayV2::Stage":       1,
		"AWS::Lambda::Function":          1,
		"AWS::Lambda::Permission":        2,
		"AWS::IAM::Role":                 1,
	}
	for typ, n := range want {
		if len(byType[typ]) != n {
			t.Errorf("%d %s resources, want %d (resources by type: %v)", len(byType[typ]), typ, n, byType)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	res := func(typ string, i int) (string, resource) {
		id := byType[typ][i]
		return id, tpl.Resources[id]
	}

	apiID, api := res("AWS::ApiGatewayV2::Api", 0)
	if api.Properties["ProtocolType"] != "HTTP" {
		t.Errorf("%s ProtocolType = %v, want HTTP", apiID, api.Properties["ProtocolType"])
	}
	wantCORS := map[string]any{
		"AllowHeaders": []any{"Authorization", "X-Amz-Date", "Content-Type", "x-requested-with"},
		"AllowMethods": []any{"*"},
		"AllowOrigins": []any{"http://localhost:5173"},
		"MaxAge":       float64(86400),
	}
	if got := api.Properties["CorsConfiguration"]; !reflect.DeepEqual(got, wantCORS) {
		t.Errorf("%s CorsConfiguration = %v, want %v", apiID, got, wantCORS)
	}

	integID, integ := res("AWS::ApiGatewayV2::Integration", 0)
	fnID, fn := res("AWS::Lambda::Function", 0)
	if integ.Properties["IntegrationType"] != "AWS_PROXY" || integ.Properties["PayloadFormatVersion"] != "2.0" {
		t.Errorf("%s = %v, want an AWS_PROXY integration with payload 2.0", integID, integ.Properties)
	}
	if got, want := integ.Properties["IntegrationUri"], map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("%s IntegrationUri = %v, want %v", integID, got, want)
	}

	routes := map[string]string{} // route key → authorization type
	for i := range byType["AWS::ApiGatewayV2::Route"] {
		id, r := res("AWS::ApiGatewayV2::Route", i)
		key, _ := r.Properties["RouteKey"].(string)
		routes[key], _ = r.Properties["AuthorizationType"].(string)
		target := map[string]any{"Fn::Join": []any{"", []any{"integrations/", map[string]any{"Ref": integID}}}}
		if !reflect.DeepEqual(r.Properties["Target"], target) {
			t.Errorf("%s Target = %v, want %v", id, r.Properties["Target"], target)
		}
		if !reflect.DeepEqual(r.Properties["ApiId"], map[string]any{"Ref": apiID}) {
			t.Errorf("%s ApiId = %v, want Ref %s", id, r.Properties["ApiId"], apiID)
		}
	}
	if want := map[string]string{"$default": "AWS_IAM", "OPTIONS /{proxy+}": "NONE"}; !reflect.DeepEqual(routes, want) {
		t.Errorf("routes = %v, want %v", routes, want)
	}

	if fn.Properties["Runtime"] != "nodejs20.x" || fn.Properties["Handler"] != "index.handler" {
		t.Errorf("%s Runtime, Handler = %v, %v; want nodejs20.x, index.handler", fnID, fn.Properties["Runtime"], fn.Properties["Handler"])
	}
	assetPath, _ := fn.Metadata["aws:asset:path"].(string)
	if !strings.HasPrefix(assetPath, "asset.") || fn.Metadata["aws:asset:property"] != "Code" {
		t.Fatalf("%s Metadata = %v, want aws:asset:path asset.HASH for Code", fnID, fn.Metadata)
	}
	asset := filepath.Join(filepath.Dir(tplPath), assetPath)
	if _, err := os.Stat(filepath.Join(asset, "index.js")); err != nil {
		t.Fatalf("asset folder of %s: %v", fnID, err)
	}

	// The bundle is the seed's handler: run it as Lambda's Node.js runtime
	// would, with a payload 2.0 event for a POST and one for a preflight.
	script := `
const { handler } = require(process.argv[1] + "/index.js");
const ev = (method, body) => ({ version: "2.0", routeKey: "$default", rawPath: "/", body,
  requestContext: { http: { method, path: "/" } } });
(async () => {
  const post = await handler(ev("POST", JSON.stringify({ message: "Hello from LearnAWS.io" })));
  const options = await handler(ev("OPTIONS"));
  process.stdout.write(JSON.stringify([post, options]));
})();`
	out, err := exec.Command("node", "-e", script, asset).Output()
	if err != nil {
		t.Fatalf("running the bundled handler: %v", err)
	}
	var answers []struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != 2 {
		t.Fatalf("handler answers %s: %v", out, err)
	}
	wantBody := "{\n    \"method\": \"POST\",\n    \"path\": \"/\",\n    \"body\": {\n        \"message\": \"Hello from LearnAWS.io\"\n    }\n}"
	if a := answers[0]; a.StatusCode != 200 || a.Headers["Content-Type"] != "application/json" || a.Body != wantBody {
		t.Errorf("POST answer = %+v, want 200 application/json %q", a, wantBody)
	}
	if a := answers[1]; a.StatusCode != 204 {
		t.Errorf("OPTIONS answer = %+v, want 204", a)
	}
}
