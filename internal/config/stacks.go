package config

import (
	"fmt"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/cfn"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Stack is a CloudFormation template served beside apis: (stacks: in
// gatehouse.yaml, or serve -t). Its APIs and functions are in the
// Config's APIs and Functions.
type Stack struct {
	Name     string
	Template string // absolute path
	// NotEmulated lists the resource types (with logical ids) that
	// gatehouse ignores, one line per type.
	NotEmulated []string
	// Warnings and Notices are printed at start: what behaves differently
	// than on AWS, or would fail there.
	Warnings []string
	Notices  []string
}

// StackRef names a template to serve, with its parameter overrides.
type StackRef struct {
	Template   string
	Name       string // "" means derived from the file name
	Parameters map[string]string
}

// Overrides are settings from the command line that apply before the
// stacks are evaluated (their pseudo parameters need the region and
// account).
type Overrides struct {
	Region    string // "" keeps the config's
	AccountID string // "" keeps the config's
	// Templates are served in addition to the config's stacks, with
	// paths relative to the working directory.
	Templates []StackRef
}

// stackDoc is one entry of stacks:.
type stackDoc struct {
	Template   string            `yaml:"template,required"`
	Name       string            `yaml:"name"`
	Parameters map[string]string `yaml:"parameters"`
}

// LoadWith is Load with command-line overrides.
func LoadWith(path string, o Overrides) (*Config, error) {
	root, err := yamlx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeWith(path, root, o)
}

// CommandLine is the File of a configuration made by FromTemplates.
const CommandLine = "(command line)"

// FromTemplates is the configuration of `gatehouse serve -t TEMPLATE`
// without a gatehouse.yaml: every default, and the templates' APIs and
// functions. Relative paths (the IAM store) are relative to the working
// directory.
func FromTemplates(o Overrides) (*Config, error) {
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	return DecodeWith(CommandLine, root, o)
}

// decodeStacks loads the stacks of the config and of the command line;
// their APIs are appended to c.APIs (names and ids unique with the
// config's), and their functions returned.
func decodeStacks(es *yamlx.Errors, n *yaml.Node, docs []stackDoc, o Overrides, dir string, c *Config, names, ids map[string]bool) []Function {
	var refs []StackRef
	var nodes []*yaml.Node
	for i, d := range docs {
		path := d.Template
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		refs = append(refs, StackRef{Template: path, Name: d.Name, Parameters: d.Parameters})
		sn := n
		if n != nil && i < len(n.Content) {
			sn = n.Content[i]
		}
		nodes = append(nodes, sn)
	}
	for _, t := range o.Templates {
		refs = append(refs, t)
		nodes = append(nodes, nil)
	}
	var fns []Function
	stackNames := map[string]bool{}
	for i, ref := range refs {
		field := fmt.Sprintf("stacks[%d]", i)
		if nodes[i] == nil {
			field = "-t " + ref.Template
		}
		path, err := filepath.Abs(ref.Template)
		if err != nil {
			es.Add(nodes[i], field+".template", "%v", err)
			continue
		}
		res, err := cfn.LoadStack(path, cfn.Options{StackName: ref.Name, Region: c.Region, AccountID: c.AccountID, Parameters: ref.Parameters}, cfn.TranslateOptions{})
		if err != nil {
			if _, ok := err.(interface{ Unwrap() []error }); ok || isPositioned(err) {
				es.Append(err) // the template's own positions
			} else {
				es.Add(nodes[i], field+".template", "%v", err)
			}
			continue
		}
		if stackNames[res.Stack.Name] {
			es.Add(nodes[i], field, "two stacks are named %q; give one another name (name:)", res.Stack.Name)
			continue
		}
		stackNames[res.Stack.Name] = true
		st := Stack{Name: res.Stack.Name, Template: path, NotEmulated: res.NotEmulated, Warnings: res.Warnings, Notices: res.Stack.Notices}
		c.Stacks = append(c.Stacks, st)
		for _, api := range res.APIs {
			if names[api.Name] {
				es.Add(nodes[i], field, "stack %s: API name %q is already used by another API", st.Name, api.Name)
				continue
			}
			if ids[api.ID] {
				es.Add(nodes[i], field, "stack %s: API id %q is already used by another API", st.Name, api.ID)
				continue
			}
			names[api.Name], ids[api.ID] = true, true
			c.APIs = append(c.APIs, api)
		}
		for _, f := range res.Functions {
			fns = append(fns, Function{Name: f.Name, Runtime: f.Runtime, Handler: f.Handler, Code: f.Code, Environment: f.Environment,
				Timeout: f.Timeout, MemorySize: f.MemorySize, Where: f.Where})
		}
	}
	return fns
}

func isPositioned(err error) bool {
	_, ok := err.(*yamlx.Error)
	return ok
}

// appendStackFunctions adds the templates' functions to functions:; a
// name defined twice is an error.
func appendStackFunctions(es *yamlx.Errors, fns, stack []Function) []Function {
	seen := map[string]string{}
	for _, f := range fns {
		seen[f.Name] = f.Where
	}
	for _, f := range stack {
		if where, dup := seen[f.Name]; dup {
			es.Append(fmt.Errorf("%s: function %s is also defined at %s", f.Where, f.Name, where))
			continue
		}
		seen[f.Name] = f.Where
		fns = append(fns, f)
	}
	return fns
}
