package cfn

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Options are what CloudFormation knows about a stack beyond its
// template.
type Options struct {
	// StackName is AWS::StackName; "" means the template's file name
	// without its extensions (ApiStack.template.json → ApiStack).
	StackName string
	// Region and AccountID are AWS::Region and AWS::AccountId (required).
	Region, AccountID string
	// Parameters override the template's parameter values.
	Parameters map[string]string
}

// Stack is a template with its parameter values, conditions and physical
// ids resolved: what CloudFormation knows before it creates resources.
// It evaluates intrinsic functions in property values.
type Stack struct {
	T    *Template
	Name string
	// Region, AccountID, Partition and URLSuffix are the pseudo
	// parameters.
	Region, AccountID, Partition, URLSuffix string
	// Notices are things about the template a user should know that do
	// not stop it from being served (Rules not evaluated, imports).
	Notices []string

	params     map[string]*yaml.Node
	conditions map[string]bool
	condState  map[string]int
	physical   map[string]string
	physState  map[string]int
}

// StackNameFor derives a stack name from a template path the way the CDK
// names its templates (cdk.out/MyStack.template.json → MyStack).
func StackNameFor(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".json", ".yaml", ".yml", ".template"} {
		base = strings.TrimSuffix(base, ext)
	}
	var b strings.Builder
	for _, c := range base {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		}
	}
	s := b.String()
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		s = "stack" + s
	}
	return s
}

var stackNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)

// NewStack resolves the template's parameters and conditions and checks
// its references: unknown Ref and Fn::GetAtt targets, circular
// dependencies between resources and between conditions. Every problem
// is reported, joined.
func NewStack(t *Template, o Options) (*Stack, error) {
	s := &Stack{T: t, Name: o.StackName, Region: o.Region, AccountID: o.AccountID,
		params: map[string]*yaml.Node{}, conditions: map[string]bool{}, condState: map[string]int{},
		physical: map[string]string{}, physState: map[string]int{}}
	if s.Name == "" {
		s.Name = StackNameFor(t.File)
	}
	es := &yamlx.Errors{File: t.File}
	if !stackNameRE.MatchString(s.Name) {
		es.Add(nil, "", "stack name %q: CloudFormation stack names start with a letter and use letters, digits and '-' (at most 128)", s.Name)
	}
	s.Partition, s.URLSuffix = "aws", "amazonaws.com"
	switch {
	case strings.HasPrefix(s.Region, "cn-"):
		s.Partition, s.URLSuffix = "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(s.Region, "us-gov-"):
		s.Partition = "aws-us-gov"
	}
	s.resolveParameters(es, o.Parameters)
	if t.Rules != nil {
		var names []string
		if t.Rules.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(t.Rules.Content); i += 2 {
				names = append(names, t.Rules.Content[i].Value)
			}
		}
		s.Notices = append(s.Notices, fmt.Sprintf("Rules (%s) are not evaluated", strings.Join(names, ", ")))
	}
	if es.Len() > 0 {
		return nil, es.Err()
	}
	names := make([]string, 0, len(t.Conditions))
	for name := range t.Conditions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := s.condition(name, nil, "Conditions."+name); err != nil {
			es.Append(err)
		}
	}
	for _, r := range t.Resources {
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				es.Add(r.Node, "Resources."+r.ID+".Condition", "condition %q is not declared in Conditions", r.Condition)
			}
		}
	}
	s.checkReferences(es)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Stack) resolveParameters(es *yamlx.Errors, overrides map[string]string) {
	declared := map[string]*Parameter{}
	for _, p := range s.T.Parameters {
		declared[p.Name] = p
	}
	var unknown []string
	for name := range overrides {
		if declared[name] == nil {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		es.Add(nil, "", "Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	for _, p := range s.T.Parameters {
		field := "Parameters." + p.Name
		var value string
		if v, ok := overrides[p.Name]; ok {
			value = v
		} else if p.Default != nil {
			value = *p.Default
		} else if strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<") {
			es.Add(p.Node, field, "SSM parameter types are resolved from Parameter Store, which gatehouse does not read: give the value with --parameter-overrides %s=VALUE or a Default", p.Name)
			continue
		} else {
			es.Add(p.Node, field, "Parameters: [%s] must have values (no Default; give it with --parameter-overrides %s=VALUE)", p.Name, p.Name)
			continue
		}
		if err := p.check(value); err != nil {
			es.Add(p.Node, field, "%v", err)
			continue
		}
		if isList(p.Type) {
			var items []*yaml.Node
			if value != "" {
				for _, part := range strings.Split(value, ",") {
					items = append(items, str(p.Node, strings.TrimSpace(part)))
				}
			}
			s.params[p.Name] = seq(p.Node, items...)
		} else {
			s.params[p.Name] = str(p.Node, value)
		}
	}
}

// check applies a parameter's constraints to a value, with
// CloudFormation's wording.
func (p *Parameter) check(value string) error {
	values := []string{value}
	if isList(p.Type) {
		values = strings.Split(value, ",")
	}
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if p.ConstraintDescription != "" {
			msg += ": " + p.ConstraintDescription
		}
		return errors.New(msg)
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(p.AllowedValues) > 0 && !contains(p.AllowedValues, v) {
			return fail("Parameter '%s' must be one of AllowedValues (%s), not %q", p.Name, strings.Join(p.AllowedValues, ", "), v)
		}
		if p.AllowedPattern != "" {
			re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
			if err != nil {
				return fmt.Errorf("AllowedPattern %q: %v", p.AllowedPattern, err)
			}
			if !re.MatchString(v) {
				return fail("Parameter '%s' must match pattern %s", p.Name, p.AllowedPattern)
			}
		}
		if p.MinLength != nil && len(v) < *p.MinLength {
			return fail("Parameter '%s' must contain at least %d characters", p.Name, *p.MinLength)
		}
		if p.MaxLength != nil && len(v) > *p.MaxLength {
			return fail("Parameter '%s' must contain at most %d characters", p.Name, *p.MaxLength)
		}
		if p.Type == "Number" || p.Type == "List<Number>" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fail("Parameter '%s' must be a number not %s", p.Name, v)
			}
			if p.MinValue != nil && f < *p.MinValue {
				return fail("Parameter '%s' must be a number greater than or equal to %v", p.Name, *p.MinValue)
			}
			if p.MaxValue != nil && f > *p.MaxValue {
				return fail("Parameter '%s' must be a number less than or equal to %v", p.Name, *p.MaxValue)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Active reports whether a resource exists in the stack: it has no
// Condition, or its condition is true.
func (s *Stack) Active(r *Resource) bool {
	return r.Condition == "" || s.conditions[r.Condition]
}

// Properties evaluates a resource's properties (nil when it has none).
func (s *Stack) Properties(r *Resource) (*yaml.Node, error) {
	if r.Properties == nil {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: r.Node.Line, Column: r.Node.Column}, nil
	}
	return s.Eval(r.Properties, "Resources."+r.ID+".Properties")
}

// Outputs evaluates the Outputs section: name → value, for outputs
// whose condition holds.
func (s *Stack) Outputs() (map[string]string, error) {
	out := map[string]string{}
	o := s.T.Outputs
	if o == nil || o.Kind != yaml.MappingNode {
		return out, nil
	}
	es := &yamlx.Errors{File: s.T.File}
	for i := 0; i+1 < len(o.Content); i += 2 {
		name, v := o.Content[i].Value, o.Content[i+1]
		field := "Outputs." + name
		if c := yamlx.Lookup(v, "Condition"); c != nil {
			if ok, err := s.condition(c.Value, c, field+".Condition"); err != nil {
				es.Append(err)
				continue
			} else if !ok {
				continue
			}
		}
		val := yamlx.Lookup(v, "Value")
		if val == nil {
			es.Add(v, field, "missing required key \"Value\"")
			continue
		}
		ev, err := s.Eval(val, field+".Value")
		if err != nil {
			es.Append(err)
			continue
		}
		str, err := s.scalar(ev, val, field+".Value")
		if err != nil {
			es.Append(err)
			continue
		}
		out[name] = str
	}
	return out, es.Err()
}

// physicalID is what Ref returns for a resource: the name or id
// CloudFormation would give it, derived from the stack name and logical
// id so that it is the same on every start.
func (s *Stack) physicalID(r *Resource, at *yaml.Node, field string) (string, error) {
	if id, ok := s.physical[r.ID]; ok {
		return id, nil
	}
	if s.physState[r.ID] == 1 {
		return "", s.errorf(at, field, "circular reference: the id of %s depends on itself", r.ID)
	}
	s.physState[r.ID] = 1
	defer delete(s.physState, r.ID)
	prop := func(name string) (string, error) {
		n := yamlx.Lookup(r.Properties, name)
		if n == nil {
			return "", nil
		}
		v, err := s.Eval(n, "Resources."+r.ID+".Properties."+name)
		if err != nil {
			return "", err
		}
		return s.scalar(v, n, "Resources."+r.ID+".Properties."+name)
	}
	var id string
	var err error
	switch r.Type {
	case "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
		id = APIID(s.Name, r.ID)
	case "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Authorizer",
		"AWS::ApiGatewayV2::Deployment", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Authorizer",
		"AWS::ApiGateway::RequestValidator", "AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse":
		id = shortID(s.Name+"/"+r.ID, 7)
	case "AWS::ApiGateway::Resource":
		id = shortID(s.Name+"/"+r.ID, 6)
	case "AWS::ApiGatewayV2::Stage", "AWS::ApiGateway::Stage":
		id, err = prop("StageName")
	case "AWS::Lambda::Function", "AWS::Serverless::Function":
		if id, err = prop("FunctionName"); err == nil && id == "" {
			id = s.generatedName(r.ID, 64)
		}
	case "AWS::Lambda::Alias", "AWS::Lambda::Version":
		var fn string
		if fn, err = prop("FunctionName"); err != nil {
			break
		}
		qualifier := "1"
		if r.Type == "AWS::Lambda::Alias" {
			if qualifier, err = prop("Name"); err != nil {
				break
			}
		}
		id = s.functionARN(fn) + ":" + qualifier
	case "AWS::IAM::Role":
		if id, err = prop("RoleName"); err == nil && id == "" {
			id = s.generatedName(r.ID, 64)
		}
	case "AWS::Cognito::UserPool":
		// {region}_{9 characters}, as Cognito names pools.
		id = s.Region + "_" + strings.ToUpper(shortID(s.Name+"/"+r.ID, 9)[:1]) + shortID(s.Name+"/"+r.ID+"/pool", 8)
	case "AWS::Cognito::UserPoolClient":
		id = shortID(s.Name+"/"+r.ID, 26)
	case "AWS::ApiGateway::Model":
		if id, err = prop("Name"); err == nil && id == "" {
			id = r.ID
		}
	default:
		id = s.generatedName(r.ID, 128)
	}
	if err != nil {
		return "", err
	}
	s.physical[r.ID] = id
	return id, nil
}

// functionARN turns a function name, or a full or partial ARN, into the
// function's ARN (without a qualifier when given a name).
func (s *Stack) functionARN(fn string) string {
	if strings.HasPrefix(fn, "arn:") {
		return fn
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", s.Partition, s.Region, s.AccountID, fn)
}

// generatedName is CloudFormation's form of a generated physical name,
// stack-LogicalId-SUFFIX, trimmed to max characters.
func (s *Stack) generatedName(id string, max int) string {
	suffix := strings.ToUpper(shortID(s.Name+"/"+id+"/name", 12))
	prefix := s.Name + "-" + id
	if len(prefix)+1+len(suffix) > max {
		prefix = prefix[:max-1-len(suffix)]
	}
	return prefix + "-" + suffix
}

// APIID is the id of an API a template declares: 10 characters [a-z0-9],
// stable for the same stack name and logical id.
func APIID(stack, logicalID string) string {
	return shortID(stack+"/"+logicalID, 10)
}

func shortID(seed string, n int) string {
	sum := sha256.Sum256([]byte("gatehouse-cfn:" + seed))
	s := new(big.Int).SetBytes(sum[:]).Text(36)
	for len(s) < n {
		s = "0" + s
	}
	return s[:n]
}

func (s *Stack) errorf(at *yaml.Node, field, format string, args ...any) error {
	e := &yamlx.Error{File: s.T.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	if at != nil {
		e.Line, e.Col = at.Line, at.Column
	}
	return e
}
