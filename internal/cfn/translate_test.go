package cfn

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
)

// summary prints a translation: per API its CORS, stages, routes and
// authorizers; the functions; what is not emulated; warnings and
// notices. Paths are shown relative to base, inline code as inline:FILE.
func summary(res *Result, base, inlineDir string) string {
	var b strings.Builder
	rel := func(p string) string {
		if inlineDir != "" && strings.HasPrefix(p, inlineDir) {
			entries, _ := os.ReadDir(p)
			names := []string{}
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return "inline:" + strings.Join(names, ",")
		}
		if r, err := filepath.Rel(base, p); err == nil {
			return r
		}
		return p
	}
	for _, a := range res.APIs {
		fmt.Fprintf(&b, "api %s id %s (%s)\n", a.Name, a.ID, a.Protocol)
		if c := a.CORS; c != nil {
			maxAge := "-"
			if c.MaxAge != nil {
				maxAge = fmt.Sprint(*c.MaxAge)
			}
			fmt.Fprintf(&b, "  cors origins=%v methods=%v headers=%v expose=%v credentials=%v maxAge=%s\n", c.AllowOrigins, c.AllowMethods, c.AllowHeaders, c.ExposeHeaders, c.AllowCredentials, maxAge)
		}
		for _, s := range a.Stages {
			fmt.Fprintf(&b, "  stage %s variables=%v accessLog=%q\n", s.Name, s.Variables, s.AccessLog.Format)
		}
		if len(a.BinaryMediaTypes) > 0 {
			fmt.Fprintf(&b, "  binaryMediaTypes %v\n", a.BinaryMediaTypes)
		}
		if a.ResourcePolicy != nil {
			fmt.Fprintf(&b, "  policy %s\n", a.ResourcePolicy)
		}
		for _, t := range sortedKeys(a.GatewayResponses) {
			gr := a.GatewayResponses[t]
			fmt.Fprintf(&b, "  gatewayResponse %s status=%q params=%v templates=%s\n", t, gr.StatusCode, gr.Parameters, templatesSummary(gr.Templates))
		}
		for _, n := range sortedKeys(a.Models) {
			fmt.Fprintf(&b, "  model %s %s\n", n, a.Models[n].Schema)
		}
		for _, r := range a.Routes {
			in := r.Integration
			fmt.Fprintf(&b, "  route %s auth=%s", r.Key, r.Authorization)
			if r.Authorizer != "" {
				fmt.Fprintf(&b, " authorizer=%s scopes=%v", r.Authorizer, r.AuthorizationScopes)
			}
			fmt.Fprintf(&b, " → %s %s", in.Type, in.HTTPMethod)
			if in.Type == model.AWSProxy || in.Type == model.AWS {
				fmt.Fprintf(&b, " function=%s", in.Function)
			} else {
				fmt.Fprintf(&b, " uri=%s", in.URI)
			}
			fmt.Fprintf(&b, " payload=%s timeout=%s", in.PayloadFormatVersion, in.Timeout)
			if len(in.RequestParameters) > 0 {
				fmt.Fprintf(&b, " params=%v", in.RequestParameters)
			}
			if len(in.ResponseParameters) > 0 {
				fmt.Fprintf(&b, " responseParams=%v", in.ResponseParameters)
			}
			if in.PassthroughBehavior != "" {
				fmt.Fprintf(&b, " passthrough=%s", in.PassthroughBehavior)
			}
			if in.ContentHandling != "" {
				fmt.Fprintf(&b, " contentHandling=%s", in.ContentHandling)
			}
			if len(in.RequestTemplates) > 0 {
				fmt.Fprintf(&b, " requestTemplates=%s", templatesSummary(in.RequestTemplates))
			}
			b.WriteString("\n")
			for _, ir := range in.Responses {
				fmt.Fprintf(&b, "    response pattern=%q status=%s params=%v templates=%s contentHandling=%q\n", ir.Pattern, ir.StatusCode, ir.Parameters, templatesSummary(ir.Templates), ir.ContentHandling)
			}
			if v := r.Validation; v != nil {
				fmt.Fprintf(&b, "    validator %s body=%v params=%v parameters=%v models=%v\n", v.Validator, v.ValidateBody, v.ValidateParameters, v.Parameters, v.Models)
			}
		}
		names := make([]string, 0, len(a.Authorizers))
		for n := range a.Authorizers {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			az := a.Authorizers[n]
			fmt.Fprintf(&b, "  authorizer %s type=%s identity=%q", n, az.Type, az.IdentitySource)
			if az.Type == "jwt" {
				fmt.Fprintf(&b, " issuer=%s audience=%v\n", az.JWTIssuer, az.JWTAudience)
			} else if az.Type == model.AuthorizerCognito {
				fmt.Fprintf(&b, " providers=%v\n", az.ProviderARNs)
			} else {
				fmt.Fprintf(&b, " function=%s payload=%s simple=%v ttl=%d\n", az.Function, az.PayloadFormatVersion, az.EnableSimpleResponses, az.ResultTTL)
			}
		}
	}
	for _, f := range res.Functions {
		fmt.Fprintf(&b, "function %s (%s) runtime=%s handler=%s code=%s env=%v timeout=%d memory=%d\n", f.Name, f.LogicalID, f.Runtime, f.Handler, rel(f.Code), f.Environment, f.Timeout, f.MemorySize)
	}
	for _, n := range res.NotEmulated {
		fmt.Fprintf(&b, "not emulated: %s\n", n)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for _, n := range res.Stack.Notices {
		fmt.Fprintf(&b, "notice: %s\n", n)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// templatesSummary prints mapping templates as {type: "source"}.
func templatesSummary(ts map[string]model.Template) string {
	if len(ts) == 0 {
		return "{}"
	}
	var parts []string
	for _, k := range sortedKeys(ts) {
		parts = append(parts, fmt.Sprintf("%s: %q", k, ts[k].Source))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func translateCase(t *testing.T, c goldenCase, file string) string {
	inline := t.TempDir()
	root, err := Parse(file, []byte(c.input))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	tmpl, err := Decode(file, root)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var notices []string
	if tmpl.HasTransform(SAMTransform) {
		if tmpl, notices, err = transformSAM(tmpl, c.params); err != nil {
			return "error: " + err.Error() + "\n"
		}
	}
	s, err := NewStack(tmpl, c.options())
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	for _, n := range notices {
		s.notice(n)
	}
	res, err := Translate(s, TranslateOptions{InlineDir: inline})
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	abs, _ := filepath.Abs(filepath.Dir(file))
	out := summary(res, abs, inline)
	if c.opts["outputs"] == "true" {
		outs, err := s.Outputs()
		if err != nil {
			out += "outputs error: " + err.Error() + "\n"
		}
		for _, k := range sortedKeys(outs) {
			out += "output " + k + " = " + outs[k] + "\n"
		}
	}
	return out
}

// TestTranslateGolden translates each testdata/translate template (its
// folder holds the code they name) and compares the model summary.
func TestTranslateGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/translate/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/translate cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c := readGolden(t, f)
			c.check(t, translateCase(t, c, strings.TrimSuffix(f, ".txt")+".template"))
		})
	}
}

// TestSeed003Golden translates the hand-written equivalent of seed 003's
// synthesized CDK template.
func TestSeed003Golden(t *testing.T) {
	const tmpl = "../../examples/cdk/cdk.out/ApiGwIamAuthStack.template.json"
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/seed003/model.golden"
	want, _ := os.ReadFile(golden)
	res, err := LoadStack(tmpl, Options{Region: "us-east-1", AccountID: "123456789012"}, TranslateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("../../examples/cdk/cdk.out")
	got := summary(res, abs, "")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != string(want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if res.Stack.Name != "ApiGwIamAuthStack" {
		t.Errorf("stack name %q", res.Stack.Name)
	}
	outs, err := res.Stack.Outputs()
	if err != nil || outs["APIURL"] != "https://"+res.APIs[0].ID+".execute-api.us-east-1.amazonaws.com/" {
		t.Errorf("outputs %v %v", outs, err)
	}
	_ = b
}
