package cfn

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Template is a parsed CloudFormation template: its sections, checked
// for shape but not yet evaluated.
type Template struct {
	// File is the template's path; Dir is its folder, the root that code
	// paths and asset folders are resolved against.
	File, Dir   string
	Description string
	// Transforms are the Transform section's macros, e.g.
	// AWS::Serverless-2016-10-31.
	Transforms []string
	Parameters []*Parameter
	Mappings   *yaml.Node
	// Conditions are the condition expressions by name.
	Conditions map[string]*yaml.Node
	// Resources are in template order.
	Resources []*Resource
	Outputs   *yaml.Node
	// Rules is the Rules section; gatehouse reports it and does not
	// evaluate it (there is no stack update to validate).
	Rules *yaml.Node
	// Globals is SAM's Globals section (nil when absent), read by the
	// transform.
	Globals   *yaml.Node
	resources map[string]*Resource
}

// Parameter is a template parameter as declared.
type Parameter struct {
	Name                  string
	Type                  string
	Default               *string
	AllowedValues         []string
	AllowedPattern        string
	ConstraintDescription string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64
	NoEcho                bool
	Node                  *yaml.Node
}

// Resource is one entry of the Resources section.
type Resource struct {
	ID         string // the logical id
	Type       string
	Properties *yaml.Node // nil when the resource has none
	Metadata   *yaml.Node
	Condition  string
	DependsOn  []string
	Node       *yaml.Node
}

// Resource returns the resource with the logical id, or nil.
func (t *Template) Resource(id string) *Resource { return t.resources[id] }

// Load reads and checks the template at path.
func Load(path string) (*Template, error) {
	root, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, root)
}

// Decode checks the sections of a parsed template (see Parse). Every
// problem is reported, joined.
func Decode(file string, root *yaml.Node) (*Template, error) {
	es := &yamlx.Errors{File: file}
	t := &Template{File: file, Dir: filepath.Dir(file), Conditions: map[string]*yaml.Node{}, resources: map[string]*Resource{}}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "AWSTemplateFormatVersion":
			if v.Value != "2010-09-09" {
				es.Add(v, k.Value, "must be 2010-09-09, not %q", v.Value)
			}
		case "Description":
			if v.Kind != yaml.ScalarNode {
				es.Add(v, k.Value, "must be a string")
			}
			t.Description = v.Value
		case "Metadata", "Hooks":
		case "Transform":
			switch v.Kind {
			case yaml.ScalarNode:
				t.Transforms = []string{v.Value}
			case yaml.SequenceNode:
				for _, c := range v.Content {
					t.Transforms = append(t.Transforms, c.Value)
				}
			default:
				es.Add(v, k.Value, "must be a transform name or a list of them")
			}
		case "Parameters":
			t.Parameters = decodeParameters(es, v)
		case "Mappings":
			if v.Kind != yaml.MappingNode {
				es.Add(v, k.Value, "must be a mapping")
			}
			t.Mappings = v
		case "Conditions":
			if v.Kind != yaml.MappingNode {
				es.Add(v, k.Value, "must be a mapping of condition names to expressions")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				t.Conditions[v.Content[j].Value] = v.Content[j+1]
			}
		case "Resources":
			t.decodeResources(es, v)
		case "Outputs":
			if v.Kind != yaml.MappingNode {
				es.Add(v, k.Value, "must be a mapping")
			}
			t.Outputs = v
		case "Rules":
			t.Rules = v
		case "Globals":
			// SAM's section, read by the transform.
			t.Globals = v
		default:
			es.Add(k, "", "unknown template section %q (allowed: AWSTemplateFormatVersion, Description, Metadata, Parameters, Rules, Mappings, Conditions, Transform, Resources, Outputs)", k.Value)
		}
	}
	if yamlx.Lookup(root, "Resources") == nil {
		es.Add(root, "", "the Resources section is required")
	}
	if g := yamlx.Lookup(root, "Globals"); g != nil && !t.HasTransform(SAMTransform) {
		es.Add(g, "Globals", "Globals is a SAM section; it needs Transform: %s", SAMTransform)
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// SAMTransform is the transform of AWS SAM templates.
const SAMTransform = "AWS::Serverless-2016-10-31"

// HasTransform reports whether the template declares the transform.
func (t *Template) HasTransform(name string) bool {
	for _, x := range t.Transforms {
		if x == name {
			return true
		}
	}
	return false
}

func decodeParameters(es *yamlx.Errors, n *yaml.Node) []*Parameter {
	type paramDoc struct {
		Type                  string     `yaml:"Type,required"`
		Default               *yaml.Node `yaml:"Default"`
		AllowedValues         []string   `yaml:"AllowedValues"`
		AllowedPattern        string     `yaml:"AllowedPattern"`
		ConstraintDescription string     `yaml:"ConstraintDescription"`
		Description           string     `yaml:"Description"`
		MinLength             *int       `yaml:"MinLength"`
		MaxLength             *int       `yaml:"MaxLength"`
		MinValue              *float64   `yaml:"MinValue"`
		MaxValue              *float64   `yaml:"MaxValue"`
		NoEcho                bool       `yaml:"NoEcho"`
	}
	if n.Kind != yaml.MappingNode {
		es.Add(n, "Parameters", "must be a mapping of parameter names to declarations")
		return nil
	}
	var out []*Parameter
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := "Parameters." + k.Value
		if !validLogicalID(k.Value) {
			es.Add(k, field, "parameter names are alphanumeric (A-Za-z0-9)")
		}
		var d paramDoc
		before := es.Len()
		yamlx.Decode(es, v, field, &d)
		if es.Len() > before {
			continue
		}
		p := &Parameter{Name: k.Value, Type: d.Type, AllowedValues: d.AllowedValues, AllowedPattern: d.AllowedPattern,
			ConstraintDescription: d.ConstraintDescription, MinLength: d.MinLength, MaxLength: d.MaxLength,
			MinValue: d.MinValue, MaxValue: d.MaxValue, NoEcho: d.NoEcho, Node: v}
		if d.Default != nil {
			switch d.Default.Kind {
			case yaml.ScalarNode:
				s := d.Default.Value
				p.Default = &s
			case yaml.SequenceNode: // a list parameter's default written as a list
				var parts []string
				for _, c := range d.Default.Content {
					parts = append(parts, c.Value)
				}
				s := strings.Join(parts, ",")
				p.Default = &s
			default:
				es.Add(d.Default, field+".Default", "must be a string")
			}
		}
		if !knownParameterType(p.Type) {
			es.Add(v, field+".Type", "unknown parameter type %q (String, Number, List<Number>, CommaDelimitedList, AWS-specific types, AWS::SSM::Parameter::Value<...>)", p.Type)
		}
		out = append(out, p)
	}
	return out
}

func knownParameterType(t string) bool {
	switch t {
	case "String", "Number", "List<Number>", "CommaDelimitedList", "AWS::SSM::Parameter::Name":
		return true
	}
	return strings.HasPrefix(t, "AWS::EC2::") || strings.HasPrefix(t, "AWS::Route53::") ||
		strings.HasPrefix(t, "List<AWS::EC2::") || strings.HasPrefix(t, "List<AWS::Route53::") ||
		strings.HasPrefix(t, "AWS::SSM::Parameter::Value<") && strings.HasSuffix(t, ">")
}

// isList reports whether a parameter type's value is a list.
func isList(t string) bool {
	return t == "CommaDelimitedList" || strings.HasPrefix(t, "List<") ||
		strings.HasPrefix(t, "AWS::SSM::Parameter::Value<List<") || t == "AWS::SSM::Parameter::Value<CommaDelimitedList>"
}

func validLogicalID(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (t *Template) decodeResources(es *yamlx.Errors, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		es.Add(n, "Resources", "must be a mapping of logical ids to resources")
		return
	}
	if len(n.Content) == 0 {
		es.Add(n, "Resources", "a template declares at least one resource")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := "Resources." + k.Value
		if !validLogicalID(k.Value) {
			es.Add(k, field, "logical ids are alphanumeric (A-Za-z0-9)")
			continue
		}
		if v.Kind != yaml.MappingNode {
			es.Add(v, field, "must be a mapping with Type and Properties")
			continue
		}
		r := &Resource{ID: k.Value, Node: k}
		for j := 0; j+1 < len(v.Content); j += 2 {
			rk, rv := v.Content[j], v.Content[j+1]
			switch rk.Value {
			case "Type":
				if rv.Kind != yaml.ScalarNode || rv.Value == "" {
					es.Add(rv, field+".Type", "must be a resource type name like AWS::Lambda::Function")
				}
				r.Type = rv.Value
			case "Properties":
				if rv.Kind != yaml.MappingNode && rv.Tag != "!!null" {
					es.Add(rv, field+".Properties", "must be a mapping")
				} else if rv.Kind == yaml.MappingNode {
					r.Properties = rv
				}
			case "Metadata":
				r.Metadata = rv
			case "Condition":
				if rv.Kind != yaml.ScalarNode {
					es.Add(rv, field+".Condition", "must be a condition name")
				}
				r.Condition = rv.Value
			case "DependsOn":
				switch rv.Kind {
				case yaml.ScalarNode:
					r.DependsOn = []string{rv.Value}
				case yaml.SequenceNode:
					for _, c := range rv.Content {
						if c.Kind != yaml.ScalarNode {
							es.Add(c, field+".DependsOn", "must list logical ids")
							continue
						}
						r.DependsOn = append(r.DependsOn, c.Value)
					}
				default:
					es.Add(rv, field+".DependsOn", "must be a logical id or a list of them")
				}
			case "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy", "Version":
			default:
				es.Add(rk, field, "unknown resource attribute %q (allowed: Type, Properties, Metadata, Condition, DependsOn, DeletionPolicy, UpdateReplacePolicy, CreationPolicy, UpdatePolicy)", rk.Value)
			}
		}
		if r.Type == "" && yamlx.Lookup(v, "Type") == nil {
			es.Add(v, field, "missing required key \"Type\"")
			continue
		}
		t.resources[r.ID] = r
		t.Resources = append(t.Resources, r)
	}
}

// String describes the template for messages.
func (t *Template) String() string { return fmt.Sprintf("template %s", t.File) }
