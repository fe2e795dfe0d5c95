// Package cfn reads CloudFormation templates — JSON or YAML, with YAML's
// short-form tags (!Ref, !Sub, !GetAtt a.b, ...) — evaluates their
// intrinsic functions, conditions and parameters, and translates the API
// Gateway and Lambda resources they declare into gatehouse's model. It
// never reads a file outside the template's folder unless told to, and it
// never fetches anything from AWS.
package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Limits on what a template may be. CloudFormation accepts template
// bodies of at most 1 MB (from S3; 51,200 bytes inline), so anything
// larger is refused before it is parsed.
const (
	// MaxTemplateSize is the largest template read, in bytes.
	MaxTemplateSize = 1 << 20
	// MaxNodes bounds the nodes of a template once YAML aliases are
	// expanded, so that an alias bomb fails fast instead of eating memory.
	MaxNodes = 1 << 18
	// MaxDepth bounds how deeply a template's values nest.
	MaxDepth = 128
)

// shortForms maps YAML short-form tags to the full function names.
var shortForms = map[string]string{
	"!Ref":              "Ref",
	"!Condition":        "Condition",
	"!GetAtt":           "Fn::GetAtt",
	"!Join":             "Fn::Join",
	"!Sub":              "Fn::Sub",
	"!Select":           "Fn::Select",
	"!Split":            "Fn::Split",
	"!If":               "Fn::If",
	"!Equals":           "Fn::Equals",
	"!And":              "Fn::And",
	"!Or":               "Fn::Or",
	"!Not":              "Fn::Not",
	"!FindInMap":        "Fn::FindInMap",
	"!Base64":           "Fn::Base64",
	"!GetAZs":           "Fn::GetAZs",
	"!ImportValue":      "Fn::ImportValue",
	"!Cidr":             "Fn::Cidr",
	"!Transform":        "Fn::Transform",
	"!Length":           "Fn::Length",
	"!ToJsonString":     "Fn::ToJsonString",
	"!Contains":         "Fn::Contains",
	"!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn":     "Fn::EachMemberIn",
	"!RefAll":           "Fn::RefAll",
	"!ValueOf":          "Fn::ValueOf",
	"!ValueOfAll":       "Fn::ValueOfAll",
}

// ReadFile reads and parses the template at path.
func ReadFile(path string) (*yaml.Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a JSON or YAML template into its root mapping node, with
// short forms rewritten to their full form ({"Ref": x}, {"Fn::GetAtt":
// [a, b]}, ...) and aliases expanded, so that the rest of the package
// sees one shape. Errors carry file:line:col.
func Parse(file string, data []byte) (*yaml.Node, error) {
	if len(data) > MaxTemplateSize {
		return nil, &yamlx.Error{File: file, Msg: fmt.Sprintf("template is larger than %d bytes, CloudFormation's limit (1 MB); gatehouse does not read it", MaxTemplateSize)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var root *yaml.Node
	var err error
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		root, err = parseJSON(file, data)
	} else {
		root, err = parseYAML(file, data)
	}
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, &yamlx.Error{File: file, Line: root.Line, Col: root.Column, Msg: "a template must be a mapping of sections (Resources, Parameters, ...)"}
	}
	return root, nil
}

func parseYAML(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &yamlx.Error{File: file, Msg: "template is empty"}
		}
		return nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &yamlx.Error{File: file, Msg: "template is empty"}
	}
	n := &normalizer{file: file}
	root, err := n.node(doc.Content[0], 0)
	if err != nil {
		return nil, err
	}
	return root, nil
}

// yamlError turns yaml's "yaml: line N: msg" into a positioned error.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &yamlx.Error{File: file, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		var line int
		if _, serr := fmt.Sscanf(rest, "%d:", &line); serr == nil && line > 0 {
			if i := strings.IndexByte(rest, ':'); i > 0 {
				e.Line, e.Col, e.Msg = line, 1, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return e
}

// normalizer copies a YAML tree: aliases expanded (within MaxNodes),
// short-form tags rewritten, duplicate keys rejected.
type normalizer struct {
	file  string
	nodes int
}

func (z *normalizer) errorf(n *yaml.Node, format string, args ...any) error {
	return &yamlx.Error{File: z.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

func (z *normalizer) node(n *yaml.Node, depth int) (*yaml.Node, error) {
	if depth > MaxDepth {
		return nil, z.errorf(n, "values nest deeper than %d levels", MaxDepth)
	}
	z.nodes++
	if z.nodes > MaxNodes {
		return nil, z.errorf(n, "template has more than %d values once YAML aliases are expanded (an alias bomb?)", MaxNodes)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, z.errorf(n, "unknown alias")
		}
		return z.node(n.Alias, depth+1)
	}
	out := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Style: n.Style & (yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle), Line: n.Line, Column: n.Column}
	fn, short := "", false
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn, short = shortForms[n.Tag]
		if !short {
			return nil, z.errorf(n, "unknown tag %s (CloudFormation's short forms: !Ref, !Sub, !GetAtt, !Join, !If, ...)", n.Tag)
		}
		switch n.Kind {
		case yaml.ScalarNode:
			out.Tag = "!!str"
		case yaml.SequenceNode:
			out.Tag = "!!seq"
		case yaml.MappingNode:
			out.Tag = "!!map"
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := make(map[string]bool, len(n.Content)/2)
		out.Content = make([]*yaml.Node, 0, len(n.Content))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := z.node(n.Content[i], depth+1)
			if err != nil {
				return nil, err
			}
			if k.Kind != yaml.ScalarNode {
				return nil, z.errorf(n.Content[i], "mapping keys must be strings")
			}
			if seen[k.Value] {
				return nil, z.errorf(k, "duplicate key %q", k.Value)
			}
			seen[k.Value] = true
			k.Tag = "!!str"
			v, err := z.node(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out.Content = append(out.Content, k, v)
		}
	case yaml.SequenceNode:
		out.Content = make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := z.node(c, depth+1)
			if err != nil {
				return nil, err
			}
			out.Content = append(out.Content, v)
		}
	}
	if !short {
		return out, nil
	}
	if fn == "Fn::GetAtt" && out.Kind == yaml.ScalarNode {
		// !GetAtt Resource.Attribute; the attribute may itself hold dots
		// (Outputs.Name), the logical id never does.
		id, attr, ok := strings.Cut(out.Value, ".")
		if !ok || id == "" || attr == "" {
			return nil, z.errorf(n, "!GetAtt %q must be LogicalId.Attribute", out.Value)
		}
		out = seq(out, str(out, id), str(out, attr))
	}
	return mapping(n, fn, out), nil
}

// Helpers that build nodes positioned at another node.

func str(at *yaml.Node, s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: at.Line, Column: at.Column}
}

func seq(at *yaml.Node, items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items, Line: at.Line, Column: at.Column}
}

func mapping(at *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str(at, key), v}, Line: at.Line, Column: at.Column}
}

// parseJSON parses a JSON template into YAML nodes with positions.
// yaml.v3 reads most JSON but not all of it (it rejects the \/ escape),
// so JSON gets its own decoder.
func parseJSON(file string, data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var lineStarts []int
	lineStarts = append(lineStarts, 0)
	for i, c := range data {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	position := func(off int64) (int, int) {
		o := int(off)
		for o < len(data) && strings.IndexByte(" \t\r\n,:", data[o]) >= 0 {
			o++
		}
		line := sort.Search(len(lineStarts), func(i int) bool { return lineStarts[i] > o })
		start := lineStarts[line-1]
		return line, utf8.RuneCount(data[start:min(o, len(data))]) + 1
	}
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			l, c := position(se.Offset - 1)
			return &yamlx.Error{File: file, Line: l, Col: c, Msg: se.Error()}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &yamlx.Error{File: file, Msg: "unexpected end of JSON"}
		}
		return &yamlx.Error{File: file, Msg: err.Error()}
	}
	nodes := 0
	var value func(depth int) (*yaml.Node, error)
	value = func(depth int) (*yaml.Node, error) {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		line, col := position(start)
		nodes++
		if depth > MaxDepth || nodes > MaxNodes {
			return nil, &yamlx.Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("template nests deeper than %d levels or has more than %d values", MaxDepth, MaxNodes)}
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				n.Kind, n.Tag = yaml.MappingNode, "!!map"
				seen := map[string]bool{}
				for dec.More() {
					kstart := dec.InputOffset()
					kt, err := dec.Token()
					if err != nil {
						return nil, fail(err)
					}
					kl, kc := position(kstart)
					key, _ := kt.(string)
					if seen[key] {
						return nil, &yamlx.Error{File: file, Line: kl, Col: kc, Msg: fmt.Sprintf("duplicate key %q", key)}
					}
					seen[key] = true
					val, err := value(depth + 1)
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: kl, Column: kc}, val)
				}
			case '[':
				n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
				for dec.More() {
					val, err := value(depth + 1)
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, val)
				}
			default:
				return nil, &yamlx.Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("unexpected %q", v)}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return nil, fail(err)
			}
		case string:
			n.Tag, n.Value, n.Style = "!!str", v, yaml.DoubleQuotedStyle
		case json.Number:
			n.Tag, n.Value = "!!int", v.String()
			if strings.ContainsAny(n.Value, ".eE") {
				n.Tag = "!!float"
			}
		case bool:
			n.Tag, n.Value = "!!bool", fmt.Sprint(v)
		case nil:
			n.Tag, n.Value = "!!null", "null"
		}
		return n, nil
	}
	root, err := value(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		l, c := position(dec.InputOffset())
		return nil, &yamlx.Error{File: file, Line: l, Col: c, Msg: "unexpected data after the template's closing brace"}
	}
	return root, nil
}
