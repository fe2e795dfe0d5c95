package mapping

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil/tplcase"
	"github.com/gatehouse/gatehouse/internal/vtl"
)

var update = flag.Bool("update", false, "rewrite the expected output of derived conformance cases")

type mapSource map[string]string

func (m mapSource) ContextValue(name string) string { return m[name] }

func (m mapSource) ContextKeys(prefix string) []string {
	var keys []string
	for k := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok && !strings.Contains(rest, ".") {
			keys = append(keys, rest)
		}
	}
	return keys
}

func pairs(ps [][2]string) []Param {
	out := make([]Param, len(ps))
	for i, p := range ps {
		out[i] = Param{p[0], p[1]}
	}
	return out
}

// renderCase runs a case's template over its input with the engine alone.
func renderCase(c tplcase.Case) (string, error) {
	in, err := c.DecodeInput()
	if err != nil {
		return "", err
	}
	data := InputData{Path: pairs(in.Path), Query: pairs(in.Query), Header: pairs(in.Headers), Body: in.Payload()}
	ctx := NewTemplateContext(mapSource(in.Context))
	vars := Vars(NewInput(data), ctx, StageVariables(in.StageVariables))
	t, err := vtl.Parse("case", c.Template)
	if err != nil {
		return "ERROR: " + err.Error() + "\n", nil
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, vars, vtl.Limits{}); err != nil {
		return "ERROR: " + err.Error() + "\n", nil
	}
	if in.Overrides {
		buf.WriteString(tplcase.OverridesMarker)
		writeOverrides(&buf, ctx)
	}
	return buf.String(), nil
}

func writeOverrides(buf *bytes.Buffer, ctx *TemplateContext) {
	req := ctx.RequestOverrides()
	for _, g := range []struct {
		name string
		os   []Override
	}{{"request.header", req.Header}, {"request.querystring", req.Querystring}, {"request.path", req.Path}} {
		for _, o := range g.os {
			fmt.Fprintf(buf, "%s.%s = %s\n", g.name, o.Name, strings.Join(o.Values, ","))
		}
	}
	resp, err := ctx.ResponseOverrides()
	if err != nil {
		fmt.Fprintf(buf, "response error: %v\n", err)
		return
	}
	if resp.Status != 0 {
		fmt.Fprintf(buf, "response.status = %d\n", resp.Status)
	}
	for _, o := range resp.Header {
		fmt.Fprintf(buf, "response.header.%s = %s\n", o.Name, strings.Join(o.Values, ","))
	}
}

// TestConformance runs every case through the engine. conformance/ runs
// the same files through the gateway.
func TestConformance(t *testing.T) {
	cases, err := tplcase.Load(filepath.Join("testdata", "conformance"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			file := filepath.Join("testdata", "conformance", c.Name+".txt")
			got, err := renderCase(c)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if *update && !c.AWS {
				if err := os.WriteFile(file, c.Rewrite(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			ok, err := c.Equal(got)
			if err != nil {
				t.Fatalf("%s: %v\ngot:\n%s", file, err, got)
			}
			if !ok {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", file, got, c.Expected)
			}
		})
	}
}
