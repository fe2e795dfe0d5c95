package cfn

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// noValue is what Ref AWS::NoValue evaluates to: the property or list
// item that holds it is removed.
var noValue = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "AWS::NoValue"}

// maxEvalDepth bounds nested function calls.
const maxEvalDepth = 64

// Eval evaluates the intrinsic functions in a value and returns the
// resolved value: a new tree positioned like the template, in which
// scalars produced by functions are strings. field is the value's path
// for messages (Resources.Api.Properties.Name).
func (s *Stack) Eval(n *yaml.Node, field string) (*yaml.Node, error) {
	v, err := s.eval(n, field, 0)
	if err != nil {
		return nil, err
	}
	if v == noValue {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: n.Line, Column: n.Column}, nil
	}
	return v, nil
}

func (s *Stack) eval(n *yaml.Node, field string, depth int) (*yaml.Node, error) {
	if depth > maxEvalDepth {
		return nil, s.errorf(n, field, "functions nest deeper than %d levels", maxEvalDepth)
	}
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 2 {
			if name := n.Content[0].Value; name == "Ref" || strings.HasPrefix(name, "Fn::") {
				return s.call(name, n, n.Content[1], join(field, name), depth+1)
			}
		}
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := s.eval(n.Content[i+1], join(field, n.Content[i].Value), depth+1)
			if err != nil {
				return nil, err
			}
			if v != noValue {
				out.Content = append(out.Content, n.Content[i], v)
			}
		}
		return out, nil
	case yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column}
		for i, c := range n.Content {
			v, err := s.eval(c, fmt.Sprintf("%s[%d]", field, i), depth+1)
			if err != nil {
				return nil, err
			}
			if v != noValue {
				out.Content = append(out.Content, v)
			}
		}
		return out, nil
	}
	return n, nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// call evaluates one intrinsic function; at is the function's mapping.
// scalarAndList reads the [scalar, list] arguments of Fn::Join and
// Fn::Select.
func (s *Stack) scalarAndList(arg *yaml.Node, field string, depth int) (string, []*yaml.Node, error) {
	args, err := s.args(arg, field, depth, 2, 2)
	if err != nil {
		return "", nil, err
	}
	first, err := s.scalar(args[0], arg, field+"[0]")
	if err != nil {
		return "", nil, err
	}
	items, err := s.list(args[1], arg, field+"[1]")
	if err != nil {
		return "", nil, err
	}
	return first, items, nil
}

func (s *Stack) call(name string, at, arg *yaml.Node, field string, depth int) (*yaml.Node, error) {
	switch name {
	case "Ref":
		return s.ref(at, arg, field, depth)
	case "Fn::GetAtt":
		return s.getAtt(at, arg, field, depth)
	case "Fn::Join":
		delim, items, err := s.scalarAndList(arg, field, depth)
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if parts[i], err = s.scalar(it, arg, fmt.Sprintf("%s[1][%d]", field, i)); err != nil {
				return nil, err
			}
		}
		return str(at, strings.Join(parts, delim)), nil
	case "Fn::Sub":
		return s.sub(at, arg, field, depth)
	case "Fn::Select":
		is, items, err := s.scalarAndList(arg, field, depth)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil || i < 0 || i >= len(items) {
			return nil, s.errorf(at, field, "Fn::Select index %q is out of bounds for a list of %d", is, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		args, err := s.args(arg, field, depth, 2, 2)
		if err != nil {
			return nil, err
		}
		delim, err := s.scalar(args[0], arg, field+"[0]")
		if err != nil {
			return nil, err
		}
		src, err := s.scalar(args[1], arg, field+"[1]")
		if err != nil {
			return nil, err
		}
		if delim == "" {
			return nil, s.errorf(at, field, "Fn::Split needs a non-empty delimiter")
		}
		var items []*yaml.Node
		for _, p := range strings.Split(src, delim) {
			items = append(items, str(at, p))
		}
		return seq(at, items...), nil
	case "Fn::If":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 || arg.Content[0].Kind != yaml.ScalarNode {
			return nil, s.errorf(at, field, "Fn::If takes [condition name, value if true, value if false]")
		}
		ok, err := s.condition(arg.Content[0].Value, arg.Content[0], field+"[0]")
		if err != nil {
			return nil, err
		}
		if ok {
			return s.eval(arg.Content[1], field+"[1]", depth)
		}
		return s.eval(arg.Content[2], field+"[2]", depth)
	case "Fn::FindInMap":
		args, err := s.args(arg, field, depth, 3, 3)
		if err != nil {
			return nil, err
		}
		var keys [3]string
		for i := range keys {
			if keys[i], err = s.scalar(args[i], arg, fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return nil, err
			}
		}
		m := yamlx.Lookup(s.T.Mappings, keys[0])
		if m == nil {
			return nil, s.errorf(at, field, "Fn::FindInMap: mapping %q is not declared in Mappings", keys[0])
		}
		top := yamlx.Lookup(m, keys[1])
		if top == nil {
			return nil, s.errorf(at, field, "Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
		}
		v := yamlx.Lookup(top, keys[2])
		if v == nil {
			return nil, s.errorf(at, field, "Fn::FindInMap: mapping %s.%s has no key %q", keys[0], keys[1], keys[2])
		}
		return v, nil
	case "Fn::Base64":
		v, err := s.eval(arg, field, depth)
		if err != nil {
			return nil, err
		}
		src, err := s.scalar(v, arg, field)
		if err != nil {
			return nil, err
		}
		return str(at, base64.StdEncoding.EncodeToString([]byte(src))), nil
	case "Fn::GetAZs":
		v, err := s.eval(arg, field, depth)
		if err != nil {
			return nil, err
		}
		region, err := s.scalar(v, arg, field)
		if err != nil {
			return nil, err
		}
		if region == "" {
			region = s.Region
		}
		// Real accounts see between two and six zones; gatehouse gives
		// every region three.
		return seq(at, str(at, region+"a"), str(at, region+"b"), str(at, region+"c")), nil
	case "Fn::ImportValue":
		v, err := s.eval(arg, field, depth)
		if err != nil {
			return nil, err
		}
		export, err := s.scalar(v, arg, field)
		if err != nil {
			return nil, err
		}
		s.notice(fmt.Sprintf("%s: Fn::ImportValue %q: other stacks' exports are not available locally; the value is a placeholder", field, export))
		return str(at, "gatehouse-import:"+export), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		ok, err := s.condExpr(at, field, depth)
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(ok), Line: at.Line, Column: at.Column}, nil
	}
	return nil, s.errorf(at, field, "intrinsic function %s is not supported (supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::ImportValue)", name)
}

// args evaluates a function's argument list, which must have between
// min and max items.
func (s *Stack) args(arg *yaml.Node, field string, depth, min, max int) ([]*yaml.Node, error) {
	if arg.Kind != yaml.SequenceNode || len(arg.Content) < min || len(arg.Content) > max {
		what := fmt.Sprintf("%d", min)
		if max != min {
			what = fmt.Sprintf("%d to %d", min, max)
		}
		return nil, s.errorf(arg, field, "takes a list of %s arguments", what)
	}
	out := make([]*yaml.Node, len(arg.Content))
	for i, c := range arg.Content {
		v, err := s.eval(c, fmt.Sprintf("%s[%d]", field, i), depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// scalar returns an evaluated value as a string; lists and mappings are
// errors.
func (s *Stack) scalar(v, at *yaml.Node, field string) (string, error) {
	if v == noValue {
		return "", s.errorf(at, field, "AWS::NoValue cannot be used as a value here")
	}
	if v.Kind != yaml.ScalarNode {
		what := "a list"
		if v.Kind == yaml.MappingNode {
			what = "a mapping"
		}
		return "", s.errorf(v, field, "must be a string, not %s", what)
	}
	if v.Tag == "!!null" {
		return "", nil
	}
	return v.Value, nil
}

// list returns an evaluated value's items; it must be a list.
func (s *Stack) list(v, at *yaml.Node, field string) ([]*yaml.Node, error) {
	if v == noValue || v.Kind != yaml.SequenceNode {
		return nil, s.errorf(at, field, "must be a list")
	}
	return v.Content, nil
}

// pseudo returns a pseudo parameter's value.
func (s *Stack) pseudo(name string, at *yaml.Node) (*yaml.Node, bool) {
	switch name {
	case "AWS::Region":
		return str(at, s.Region), true
	case "AWS::AccountId":
		return str(at, s.AccountID), true
	case "AWS::Partition":
		return str(at, s.Partition), true
	case "AWS::URLSuffix":
		return str(at, s.URLSuffix), true
	case "AWS::StackName":
		return str(at, s.Name), true
	case "AWS::StackId":
		sum := sha256.Sum256([]byte("gatehouse-cfn-stack:" + s.Name))
		u := hex.EncodeToString(sum[:16])
		return str(at, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s-%s-%s-%s-%s", s.Partition, s.Region, s.AccountID, s.Name, u[:8], u[8:12], u[12:16], u[16:20], u[20:32])), true
	case "AWS::NotificationARNs":
		return seq(at), true
	case "AWS::NoValue":
		return noValue, true
	}
	return nil, false
}

func (s *Stack) ref(at, arg *yaml.Node, field string, depth int) (*yaml.Node, error) {
	v, err := s.eval(arg, field, depth)
	if err != nil {
		return nil, err
	}
	name, err := s.scalar(v, arg, field)
	if err != nil {
		return nil, err
	}
	if p, ok := s.pseudo(name, at); ok {
		return p, nil
	}
	if p, ok := s.params[name]; ok {
		return p, nil
	}
	if r := s.T.resources[name]; r != nil {
		if !s.Active(r) {
			return nil, s.errorf(at, field, "Ref %s: the resource's condition %s is false, so it does not exist", name, r.Condition)
		}
		id, err := s.physicalID(r, at, field)
		if err != nil {
			return nil, err
		}
		return str(at, id), nil
	}
	return nil, s.errorf(at, field, "Ref %q: no such resource, parameter or pseudo parameter (Unresolved resource dependencies [%s])", name, name)
}

func (s *Stack) getAtt(at, arg *yaml.Node, field string, depth int) (*yaml.Node, error) {
	var id, attr string
	switch {
	case arg.Kind == yaml.ScalarNode:
		var ok bool
		id, attr, ok = strings.Cut(arg.Value, ".")
		if !ok {
			return nil, s.errorf(at, field, "Fn::GetAtt %q must be [LogicalId, Attribute] or \"LogicalId.Attribute\"", arg.Value)
		}
	case arg.Kind == yaml.SequenceNode && len(arg.Content) == 2:
		if arg.Content[0].Kind != yaml.ScalarNode {
			return nil, s.errorf(at, field, "Fn::GetAtt's logical id must be a string")
		}
		id = arg.Content[0].Value
		v, err := s.eval(arg.Content[1], field+"[1]", depth)
		if err != nil {
			return nil, err
		}
		if attr, err = s.scalar(v, arg.Content[1], field+"[1]"); err != nil {
			return nil, err
		}
	default:
		return nil, s.errorf(at, field, "Fn::GetAtt takes [LogicalId, Attribute]")
	}
	r := s.T.resources[id]
	if r == nil {
		return nil, s.errorf(at, field, "Fn::GetAtt: no resource %q (Unresolved resource dependencies [%s])", id, id)
	}
	if !s.Active(r) {
		return nil, s.errorf(at, field, "Fn::GetAtt %s.%s: the resource's condition %s is false, so it does not exist", id, attr, r.Condition)
	}
	v, err := s.attribute(r, attr, at, field)
	if err != nil {
		return nil, err
	}
	return str(at, v), nil
}

// attribute is the value of Fn::GetAtt for a resource. Types gatehouse
// knows have their documented attributes and nothing else; other types
// accept any attribute and get a placeholder, since nothing local reads
// them.
func (s *Stack) attribute(r *Resource, attr string, at *yaml.Node, field string) (string, error) {
	id, err := s.physicalID(r, at, field)
	if err != nil {
		return "", err
	}
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", s.Partition, service, s.Region, s.AccountID, resource)
	}
	var attrs map[string]string
	switch r.Type {
	case "AWS::Lambda::Function", "AWS::Serverless::Function":
		attrs = map[string]string{"Arn": s.functionARN(id), "SnapStartResponse.ApplyOn": "None", "SnapStartResponse.OptimizationStatus": "Off"}
	case "AWS::Lambda::Alias":
		attrs = map[string]string{"AliasArn": id}
	case "AWS::Lambda::Version":
		fn, v, _ := cutLast(id, ":")
		attrs = map[string]string{"FunctionArn": fn, "Version": v}
	case "AWS::IAM::Role":
		attrs = map[string]string{"Arn": fmt.Sprintf("arn:%s:iam::%s:role/%s", s.Partition, s.AccountID, id), "RoleId": "AROA" + strings.ToUpper(shortID(id, 17))}
	case "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi":
		attrs = map[string]string{"ApiId": id, "ApiEndpoint": fmt.Sprintf("https://%s.execute-api.%s.%s", id, s.Region, s.URLSuffix)}
	case "AWS::ApiGateway::RestApi", "AWS::Serverless::Api":
		attrs = map[string]string{"RestApiId": id, "RootResourceId": shortID(s.Name+"/"+r.ID+"/root", 10)}
	case "AWS::ApiGatewayV2::Integration":
		attrs = map[string]string{"IntegrationId": id}
	case "AWS::ApiGatewayV2::Route":
		attrs = map[string]string{"RouteId": id}
	case "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGateway::Authorizer":
		attrs = map[string]string{"AuthorizerId": id}
	case "AWS::ApiGatewayV2::Deployment", "AWS::ApiGateway::Deployment":
		attrs = map[string]string{"DeploymentId": id}
	case "AWS::ApiGateway::Resource":
		attrs = map[string]string{"ResourceId": id}
	case "AWS::ApiGateway::RequestValidator":
		attrs = map[string]string{"RequestValidatorId": id}
	case "AWS::ApiGatewayV2::Stage", "AWS::ApiGateway::Stage", "AWS::Lambda::Permission", "AWS::ApiGateway::Method", "AWS::ApiGateway::Model", "AWS::ApiGateway::GatewayResponse":
		attrs = map[string]string{}
	case "AWS::Logs::LogGroup":
		attrs = map[string]string{"Arn": arn("logs", "log-group:"+id+":*")}
	case "AWS::Cognito::UserPool":
		host := fmt.Sprintf("cognito-idp.%s.%s/%s", s.Region, s.URLSuffix, id)
		attrs = map[string]string{"Arn": arn("cognito-idp", "userpool/"+id), "UserPoolId": id, "ProviderName": host, "ProviderURL": "https://" + host}
	case "AWS::Cognito::UserPoolClient":
		attrs = map[string]string{"ClientId": id, "Name": id}
	default:
		if attr == "Arn" {
			return arn(serviceOf(r.Type), id), nil
		}
		return "gatehouse-attribute:" + r.ID + "." + attr, nil
	}
	v, ok := attrs[attr]
	if !ok {
		names := make([]string, 0, len(attrs))
		for k := range attrs {
			names = append(names, k)
		}
		sort.Strings(names)
		return "", s.errorf(at, field, "Fn::GetAtt %s.%s: resource %s (%s) has no attribute %q (it has: %s)", r.ID, attr, r.ID, r.Type, attr, strings.Join(names, ", "))
	}
	return v, nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// serviceOf is the ARN service of a resource type (AWS::SQS::Queue → sqs).
func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) == 3 {
		return strings.ToLower(parts[1])
	}
	return "unknown"
}

// sub evaluates Fn::Sub, in its string and [string, variables] forms.
func (s *Stack) sub(at, arg *yaml.Node, field string, depth int) (*yaml.Node, error) {
	tmpl := arg
	vars := map[string]*yaml.Node{}
	if arg.Kind == yaml.SequenceNode {
		if len(arg.Content) != 2 || arg.Content[1].Kind != yaml.MappingNode {
			return nil, s.errorf(at, field, "Fn::Sub takes a string or [string, {Name: value, ...}]")
		}
		tmpl = arg.Content[0]
		m := arg.Content[1]
		for i := 0; i+1 < len(m.Content); i += 2 {
			name := m.Content[i].Value
			v, err := s.eval(m.Content[i+1], field+"[1]."+name, depth+1)
			if err != nil {
				return nil, err
			}
			vars[name] = v
		}
	}
	if tmpl.Kind != yaml.ScalarNode {
		return nil, s.errorf(at, field, "Fn::Sub's template must be a string")
	}
	src := tmpl.Value
	var b strings.Builder
	for {
		i := strings.Index(src, "${")
		if i < 0 {
			b.WriteString(src)
			break
		}
		b.WriteString(src[:i])
		rest := src[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, s.errorf(at, field, "Fn::Sub: ${ without a closing }")
		}
		name := rest[:end]
		src = rest[end+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}") // ${!Literal} writes ${Literal}
			continue
		}
		name = strings.TrimSpace(name)
		var v *yaml.Node
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if id, attr, dotted := strings.Cut(name, "."); dotted && s.T.resources[id] != nil {
			v, err = s.getAtt(at, seq(at, str(at, id), str(at, attr)), field, depth+1)
		} else if p, ok := s.pseudo(name, at); ok && p != noValue {
			v = p
		} else if p, ok := s.params[name]; ok {
			v = p
		} else if s.T.resources[name] != nil {
			v, err = s.ref(at, str(at, name), field, depth+1)
		} else {
			return nil, s.errorf(at, field, "Fn::Sub: ${%s} names no variable, parameter, resource or pseudo parameter", name)
		}
		if err != nil {
			return nil, err
		}
		val, err := s.scalar(v, at, field+" ${"+name+"}")
		if err != nil {
			return nil, err
		}
		b.WriteString(val)
	}
	return str(at, b.String()), nil
}

// condition returns the value of a named condition; at and field say
// where it is used.
func (s *Stack) condition(name string, at *yaml.Node, field string) (bool, error) {
	if v, ok := s.conditions[name]; ok {
		return v, nil
	}
	expr, ok := s.T.Conditions[name]
	if !ok {
		return false, s.errorf(at, field, "condition %q is not declared in Conditions", name)
	}
	if s.condState[name] == 1 {
		return false, s.errorf(expr, "Conditions."+name, "circular condition: %s depends on itself", name)
	}
	s.condState[name] = 1
	v, err := s.condExpr(expr, "Conditions."+name, 0)
	delete(s.condState, name)
	if err != nil {
		return false, err
	}
	s.conditions[name] = v
	return v, nil
}

// condExpr evaluates a condition expression: Fn::Equals, Fn::And, Fn::Or,
// Fn::Not or {Condition: name}.
func (s *Stack) condExpr(n *yaml.Node, field string, depth int) (bool, error) {
	if depth > maxEvalDepth {
		return false, s.errorf(n, field, "conditions nest deeper than %d levels", maxEvalDepth)
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return false, s.errorf(n, field, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or {Condition: name}")
	}
	name, arg := n.Content[0].Value, n.Content[1]
	field = join(field, name)
	switch name {
	case "Condition":
		if arg.Kind != yaml.ScalarNode {
			return false, s.errorf(arg, field, "must be a condition name")
		}
		return s.condition(arg.Value, arg, field)
	case "Fn::Equals":
		args, err := s.args(arg, field, depth, 2, 2)
		if err != nil {
			return false, err
		}
		a, err := s.scalar(args[0], arg, field+"[0]")
		if err != nil {
			return false, err
		}
		b, err := s.scalar(args[1], arg, field+"[1]")
		if err != nil {
			return false, err
		}
		return a == b, nil
	case "Fn::And", "Fn::Or":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) < 2 || len(arg.Content) > 10 {
			return false, s.errorf(arg, field, "%s takes a list of 2 to 10 conditions", name)
		}
		result := name == "Fn::And"
		for i, c := range arg.Content {
			v, err := s.condExpr(c, fmt.Sprintf("%s[%d]", field, i), depth+1)
			if err != nil {
				return false, err
			}
			if name == "Fn::And" {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, nil
	case "Fn::Not":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 1 {
			return false, s.errorf(arg, field, "Fn::Not takes a list of one condition")
		}
		v, err := s.condExpr(arg.Content[0], field+"[0]", depth+1)
		return !v, err
	}
	return false, s.errorf(n, field, "%s is not a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)", name)
}

// checkReferences reports Ref, Fn::GetAtt and Fn::Sub references to
// resources that do not exist, DependsOn entries that name none, and
// circular dependencies between resources, as CloudFormation does
// before it creates anything.
func (s *Stack) checkReferences(es *yamlx.Errors) {
	deps := map[string][]string{}
	for _, r := range s.T.Resources {
		field := "Resources." + r.ID
		var refs []string
		if r.Properties != nil {
			s.collectRefs(es, r.Properties, field+".Properties", &refs, 0)
		}
		for _, d := range r.DependsOn {
			if s.T.resources[d] == nil {
				es.Add(r.Node, field+".DependsOn", "DependsOn %q: no such resource", d)
				continue
			}
			refs = append(refs, d)
		}
		deps[r.ID] = refs
	}
	// Depth-first search for a cycle, in template order for stable errors.
	state := map[string]int{}
	var stack []string
	reported := false
	var visit func(id string)
	visit = func(id string) {
		if reported {
			return
		}
		switch state[id] {
		case 1:
			i := 0
			for stack[i] != id {
				i++
			}
			cycle := append(append([]string{}, stack[i:]...), id)
			es.Add(s.T.resources[id].Node, "Resources."+id, "Circular dependency between resources: %s", strings.Join(cycle, " → "))
			reported = true
			return
		case 2:
			return
		}
		state[id] = 1
		stack = append(stack, id)
		for _, d := range deps[id] {
			visit(d)
		}
		stack = stack[:len(stack)-1]
		state[id] = 2
	}
	for _, r := range s.T.Resources {
		visit(r.ID)
	}
}

// collectRefs appends the resources a value refers to and reports
// references to unknown names.
func (s *Stack) collectRefs(es *yamlx.Errors, n *yaml.Node, field string, refs *[]string, depth int) {
	if depth > MaxDepth {
		return
	}
	known := func(name string) bool {
		_, p := s.params[name]
		_, ps := s.pseudo(name, n)
		return p || ps
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		arg := n.Content[1]
		switch n.Content[0].Value {
		case "Ref":
			if arg.Kind == yaml.ScalarNode {
				if s.T.resources[arg.Value] != nil {
					*refs = append(*refs, arg.Value)
				} else if !known(arg.Value) {
					es.Add(n, join(field, "Ref"), "Ref %q: no such resource, parameter or pseudo parameter (Unresolved resource dependencies [%s])", arg.Value, arg.Value)
				}
				return
			}
		case "Fn::GetAtt":
			id := ""
			if arg.Kind == yaml.ScalarNode {
				id, _, _ = strings.Cut(arg.Value, ".")
			} else if arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
				id = arg.Content[0].Value
			}
			if s.T.resources[id] == nil {
				es.Add(n, join(field, "Fn::GetAtt"), "Fn::GetAtt: no resource %q (Unresolved resource dependencies [%s])", id, id)
				return
			}
			*refs = append(*refs, id)
		case "Fn::Sub":
			tmpl, vars := arg, (*yaml.Node)(nil)
			if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
				tmpl, vars = arg.Content[0], arg.Content[1]
			}
			if tmpl.Kind == yaml.ScalarNode {
				src := tmpl.Value
				for {
					i := strings.Index(src, "${")
					if i < 0 {
						break
					}
					end := strings.IndexByte(src[i:], '}')
					if end < 0 {
						break
					}
					name := strings.TrimSpace(src[i+2 : i+end])
					src = src[i+end+1:]
					if strings.HasPrefix(name, "!") || yamlx.Lookup(vars, name) != nil {
						continue
					}
					id, _, _ := strings.Cut(name, ".")
					if s.T.resources[id] != nil {
						*refs = append(*refs, id)
					} else if !known(name) {
						es.Add(n, join(field, "Fn::Sub"), "Fn::Sub: ${%s} names no variable, parameter, resource or pseudo parameter", name)
					}
				}
			}
		}
	}
	for i, c := range n.Content {
		f := field
		if n.Kind == yaml.MappingNode {
			if i%2 == 0 {
				continue
			}
			f = join(field, n.Content[i-1].Value)
		} else {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		s.collectRefs(es, c, f, refs, depth+1)
	}
}

// notice records a notice once (a value may be evaluated more than once).
func (s *Stack) notice(msg string) {
	for _, n := range s.Notices {
		if n == msg {
			return
		}
	}
	s.Notices = append(s.Notices, msg)
}
