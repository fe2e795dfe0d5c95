package cfn

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCase is one testdata file: an input, a line "----", and the
// expected output. Lines "#! key=value" before the input set options.
type goldenCase struct {
	path, input, want string
	opts              map[string]string
	params            map[string]string
}

func readGolden(t *testing.T, path string) goldenCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, want, ok := strings.Cut(string(b), "\n----\n")
	if !ok {
		in, want = string(b), ""
	}
	c := goldenCase{path: path, want: want, opts: map[string]string{}, params: map[string]string{}}
	var lines []string
	for _, l := range strings.Split(in, "\n") {
		if opt, ok := strings.CutPrefix(l, "#! "); ok {
			k, v, _ := strings.Cut(opt, "=")
			if p, ok := strings.CutPrefix(k, "param "); ok {
				c.params[p] = v
			} else {
				c.opts[k] = v
			}
			lines = append(lines, "") // keep line numbers
			continue
		}
		lines = append(lines, l)
	}
	c.input = strings.Join(lines, "\n")
	return c
}

func (c goldenCase) check(t *testing.T, got string) {
	t.Helper()
	if *update {
		b, _ := os.ReadFile(c.path)
		in, _, _ := strings.Cut(string(b), "\n----\n")
		if err := os.WriteFile(c.path, []byte(in+"\n----\n"+got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != c.want {
		t.Errorf("%s: got\n%s\nwant\n%s", c.path, got, c.want)
	}
}

func (c goldenCase) options() Options {
	o := Options{StackName: "TestStack", Region: "us-east-1", AccountID: "123456789012", Parameters: c.params}
	if v, ok := c.opts["region"]; ok {
		o.Region = v
	}
	if v, ok := c.opts["stack"]; ok {
		o.StackName = v
	}
	return o
}

// nodeJSON renders an evaluated value as compact JSON, keys in order.
func nodeJSON(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			b.WriteByte('{')
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteByte(':')
				walk(n.Content[i+1])
			}
			b.WriteByte('}')
		case yaml.SequenceNode:
			b.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(c)
			}
			b.WriteByte(']')
		default:
			switch n.Tag {
			case "!!int", "!!float", "!!bool":
				if json.Valid([]byte(n.Value)) {
					b.WriteString(n.Value)
				} else { // YAML spellings such as 0x1F or .inf
					s, _ := json.Marshal(n.Value)
					b.Write(s)
				}
			case "!!null":
				b.WriteString("null")
			default:
				s, _ := json.Marshal(n.Value)
				b.Write(s)
			}
		}
	}
	walk(n)
	return b.String()
}

// TestEvalGolden evaluates each testdata/eval template and prints every
// active resource's properties, the outputs and the notices, or the
// errors.
func TestEvalGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/eval/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/eval cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c := readGolden(t, f)
			c.check(t, evalSummary(c))
		})
	}
}

func evalSummary(c goldenCase) string {
	name := strings.TrimSuffix(filepath.Base(c.path), ".txt") + ".template"
	root, err := Parse(name, []byte(c.input))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	tmpl, err := Decode(name, root)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	s, err := NewStack(tmpl, c.options())
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, r := range tmpl.Resources {
		if !s.Active(r) {
			b.WriteString(r.ID + ": inactive (condition " + r.Condition + ")\n")
			continue
		}
		p, err := s.Properties(r)
		if err != nil {
			b.WriteString(r.ID + ": error: " + err.Error() + "\n")
			continue
		}
		b.WriteString(r.ID + ": " + nodeJSON(p) + "\n")
	}
	outs, err := s.Outputs()
	if err != nil {
		b.WriteString("outputs error: " + err.Error() + "\n")
	}
	names := make([]string, 0, len(outs))
	for k := range outs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("output " + k + " = " + outs[k] + "\n")
	}
	for _, n := range s.Notices {
		b.WriteString("notice: " + n + "\n")
	}
	return b.String()
}
