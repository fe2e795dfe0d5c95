package cfn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

var functionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type functionProps struct {
	Code         *yaml.Node `yaml:"Code,required"`
	Handler      string     `yaml:"Handler"`
	Runtime      string     `yaml:"Runtime"`
	FunctionName string     `yaml:"FunctionName"`
	Role         string     `yaml:"Role,required"`
	Environment  *struct {
		Variables map[string]string `yaml:"Variables"`
	} `yaml:"Environment"`
	Timeout                 int        `yaml:"Timeout"`
	MemorySize              int        `yaml:"MemorySize"`
	PackageType             string     `yaml:"PackageType"`
	Architectures           []string   `yaml:"Architectures"`
	Description             string     `yaml:"Description"`
	Layers                  []string   `yaml:"Layers"`
	ReservedConcurrentExecs *int       `yaml:"ReservedConcurrentExecutions"`
	CodeSigningConfigArn    string     `yaml:"CodeSigningConfigArn"`
	DeadLetterConfig        *yaml.Node `yaml:"DeadLetterConfig"`
	EphemeralStorage        *yaml.Node `yaml:"EphemeralStorage"`
	FileSystemConfigs       *yaml.Node `yaml:"FileSystemConfigs"`
	ImageConfig             *yaml.Node `yaml:"ImageConfig"`
	KmsKeyArn               string     `yaml:"KmsKeyArn"`
	LoggingConfig           *yaml.Node `yaml:"LoggingConfig"`
	RecursiveLoop           string     `yaml:"RecursiveLoop"`
	RuntimeManagementConfig *yaml.Node `yaml:"RuntimeManagementConfig"`
	SnapStart               *yaml.Node `yaml:"SnapStart"`
	Tags                    *yaml.Node `yaml:"Tags"`
	TracingConfig           *yaml.Node `yaml:"TracingConfig"`
	VpcConfig               *yaml.Node `yaml:"VpcConfig"`
}

type codeProps struct {
	ZipFile         string `yaml:"ZipFile"`
	S3Bucket        string `yaml:"S3Bucket"`
	S3Key           string `yaml:"S3Key"`
	S3ObjectVersion string `yaml:"S3ObjectVersion"`
	ImageURI        string `yaml:"ImageUri"`
	SourceKMSKeyArn string `yaml:"SourceKMSKeyArn"`
}

func (tr *translator) function(r *Resource, props *yaml.Node, field string) {
	var d functionProps
	if !tr.decode(props, field, &d) {
		return
	}
	name, err := tr.s.physicalID(r, r.Node, field)
	if err != nil {
		tr.es.Append(err)
		return
	}
	f := &Function{LogicalID: r.ID, Name: name, Runtime: d.Runtime, Handler: d.Handler, Timeout: d.Timeout, MemorySize: d.MemorySize, Where: tr.where(r)}
	if d.Environment != nil {
		f.Environment = d.Environment.Variables
	}
	if d.PackageType == "Image" {
		tr.es.Add(at(props, "PackageType"), field+".PackageType", "container image functions are not supported (gatehouse runs zip functions locally, without Docker)")
		return
	}
	if d.Runtime == "" || d.Handler == "" {
		tr.es.Add(props, field, "a zip function needs Runtime and Handler")
		return
	}
	code, ok := tr.functionCode(r, d.Code, field+".Code", d.Runtime)
	if !ok {
		return
	}
	f.Code = code
	if !functionNameRE.MatchString(f.Name) {
		tr.es.Add(at(props, "FunctionName"), field+".FunctionName", "%q: function names use letters, digits, '-' and '_' (at most 64)", f.Name)
		return
	}
	if tr.functions[f.Name] != nil {
		tr.es.Add(at(props, "FunctionName"), field+".FunctionName", "another function of the template is named %q", f.Name)
		return
	}
	tr.res.Functions = append(tr.res.Functions, *f)
	tr.functions[f.Name] = f
}

// functionCode finds a function's code on disk: the CDK asset folder
// (Metadata aws:asset:path), a local path in Code (as `aws cloudformation
// package` takes it), or inline ZipFile, written to a file.
func (tr *translator) functionCode(r *Resource, code *yaml.Node, field, runtime string) (string, bool) {
	if asset := yamlx.Lookup(r.Metadata, "aws:asset:path"); asset != nil && asset.Kind == yaml.ScalarNode {
		prop := yamlx.Lookup(r.Metadata, "aws:asset:property")
		if prop == nil || prop.Value == "Code" {
			path, err := tr.localPath(asset.Value)
			if err == nil {
				_, err = os.Stat(path)
			}
			if err != nil {
				if os.IsNotExist(err) {
					err = fmt.Errorf("%q does not exist", asset.Value)
				}
				tr.es.Add(asset, "Resources."+r.ID+".Metadata.aws:asset:path", "CDK asset folder: %v (run cdk synth again?)", err)
				return "", false
			}
			return path, true
		}
	}
	if code.Kind == yaml.ScalarNode {
		path, err := tr.localPath(code.Value)
		if err == nil {
			if _, serr := os.Stat(path); serr != nil {
				err = fmt.Errorf("code path %q does not exist beside the template", code.Value)
			}
		}
		if err != nil {
			tr.es.Add(code, field, "%v", err)
			return "", false
		}
		return path, true
	}
	var c codeProps
	if !tr.decode(code, field, &c) {
		return "", false
	}
	switch {
	case c.ZipFile != "":
		path, err := tr.inlineCode(c.ZipFile, runtime)
		if err != nil {
			tr.es.Add(code, field+".ZipFile", "%v", err)
			return "", false
		}
		return path, true
	case c.ImageURI != "":
		tr.es.Add(code, field+".ImageUri", "container image functions are not supported (gatehouse runs zip functions locally, without Docker)")
	case c.S3Bucket != "":
		tr.es.Add(code, field, "the code is in S3 (%s/%s), which gatehouse does not read: use a template whose Code is a local path, inline ZipFile, or a CDK asset (Metadata aws:asset:path)", c.S3Bucket, c.S3Key)
	default:
		tr.es.Add(code, field, "no code: give ZipFile, a local path, or a CDK asset (Metadata aws:asset:path)")
	}
	return "", false
}

// localPath resolves a path relative to the template's folder and, unless
// AllowOutside is set, refuses one that leaves it (symbolic links
// included).
func (tr *translator) localPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	dir, err := filepath.Abs(tr.s.T.Dir)
	if err != nil {
		return "", err
	}
	path := p
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	path = filepath.Clean(path)
	if tr.o.AllowOutside {
		return path, nil
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if os.IsNotExist(err) {
			real = path // reported as missing by the caller, if inside
			realDir = dir
		} else {
			return "", err
		}
	}
	rel, err := filepath.Rel(realDir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q is outside the template's folder; gatehouse reads code only from beside the template", p)
	}
	return path, nil
}

// inlineCode writes inline ZipFile code where the runtime looks for it:
// index.js for Node.js, index.py for Python, as Lambda does. The folder
// is named by the content, so starting twice writes nothing new.
func (tr *translator) inlineCode(src, runtime string) (string, error) {
	file := ""
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		file = "index.js"
	case strings.HasPrefix(runtime, "python"):
		file = "index.py"
	default:
		return "", fmt.Errorf("inline code is for Node.js and Python runtimes, not %q", runtime)
	}
	sum := sha256.Sum256([]byte(runtime + "\x00" + src))
	base := tr.o.InlineDir
	if base == "" {
		base = filepath.Join(os.TempDir(), "gatehouse-inline")
	}
	dir := filepath.Join(base, hex.EncodeToString(sum[:12]))
	if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, file+".tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		return "", err
	}
	return dir, os.Rename(tmp, filepath.Join(dir, file))
}

// permission is an AWS::Lambda::Permission, read to tell whether API
// Gateway may invoke a function.
type permission struct {
	function  string // name
	principal string
	action    string
	sourceArn string
}

func (tr *translator) permission(r *Resource, props *yaml.Node, field string) {
	var d struct {
		Action                string `yaml:"Action,required"`
		FunctionName          string `yaml:"FunctionName,required"`
		Principal             string `yaml:"Principal,required"`
		SourceArn             string `yaml:"SourceArn"`
		SourceAccount         string `yaml:"SourceAccount"`
		EventSourceToken      string `yaml:"EventSourceToken"`
		FunctionURLAuthType   string `yaml:"FunctionUrlAuthType"`
		PrincipalOrgID        string `yaml:"PrincipalOrgID"`
		InvokedViaFunctionURL bool   `yaml:"InvokedViaFunctionUrl"`
	}
	if !tr.decode(props, field, &d) {
		return
	}
	fn := d.FunctionName
	if strings.HasPrefix(fn, "arn:") {
		name, err := openapi.LambdaFunction(fn)
		if err != nil {
			tr.es.Add(at(props, "FunctionName"), field+".FunctionName", "%v", err)
			return
		}
		fn = name
	} else if i := strings.LastIndex(fn, ":function:"); i >= 0 { // partial ARN
		fn = fn[i+len(":function:"):]
	}
	fn, _, _ = strings.Cut(fn, ":")
	tr.permissions = append(tr.permissions, permission{function: fn, principal: d.Principal, action: d.Action, sourceArn: d.SourceArn})
}

// checkPermissions warns about Lambda integrations of the template's
// functions that no AWS::Lambda::Permission allows API Gateway to
// invoke: on AWS those calls fail (HTTP APIs answer 500).
func (tr *translator) checkPermissions() {
	for _, api := range tr.res.APIs {
		for _, rt := range api.Routes {
			in := rt.Integration
			if in == nil || (in.Type != model.AWSProxy && in.Type != model.AWS) || tr.functions[in.Function] == nil {
				continue
			}
			if tr.withRole[in] {
				continue // invoked with the integration's role, not a resource policy
			}
			allowed := false
			for _, st := range api.Stages {
				arn := fmt.Sprintf("arn:%s:execute-api:%s:%s:%s/%s/%s", tr.s.Partition, tr.s.Region, tr.s.AccountID, api.ID, st.Name, executeAPIRoute(rt))
				for _, p := range tr.permissions {
					if p.function == in.Function && p.principal == "apigateway.amazonaws.com" &&
						(p.action == "lambda:InvokeFunction" || p.action == "lambda:*") && (p.sourceArn == "" || arnMatch(p.sourceArn, arn)) {
						allowed = true
					}
				}
			}
			if !allowed && len(api.Stages) > 0 {
				tr.res.Warnings = append(tr.res.Warnings, fmt.Sprintf("%s: route %s of API %s: no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke %s; on AWS the call fails with 500 Internal Server Error",
					rt.Where, rt.Key, api.Name, in.Function))
			}
		}
	}
	sort.Strings(tr.res.Warnings)
}

// executeAPIRoute is the METHOD/path part of the execute-api ARN API
// Gateway invokes a route's function with.
func executeAPIRoute(rt *model.Route) string {
	if rt.Key == model.DefaultRouteKey {
		return "$default"
	}
	return rt.Method + rt.Path
}

// arnMatch matches an ARN against a pattern with * (any run of
// characters) and ? (one character), as Lambda's SourceArn condition does,
// in time proportional to their lengths' product.
func arnMatch(pattern, arn string) bool {
	p, a := 0, 0
	star, mark := -1, 0
	for a < len(arn) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == arn[a]):
			p++
			a++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, a
			p++
		case star >= 0:
			p = star + 1
			mark++
			a = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
