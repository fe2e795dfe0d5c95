package mapping

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

var update = flag.Bool("update", false, "rewrite the expected output of derived conformance cases")

// caseInput is the request section of a conformance case.
type caseInput struct {
	Body           *string           `json:"body"`           // raw payload
	JSON           json.RawMessage   `json:"json"`           // payload given as JSON (re-used verbatim)
	Path           [][2]string       `json:"path"`           // path parameters, in order
	Query          [][2]string       `json:"query"`          // query values, in order received
	Headers        [][2]string       `json:"headers"`        // header values, in order received
	Context        map[string]string `json:"context"`        // flat $context names
	StageVariables map[string]string `json:"stageVariables"` // $stageVariables
	Overrides      bool              `json:"overrides"`      // append the overrides the template set
}

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

const overridesMarker = "\n#### overrides\n"

// conformanceCase is one testdata/conformance/*.txt file:
//
//	% header lines (source, expected: aws|derived, compare: exact|json)
//	template
//	----
//	input (JSON, see caseInput)
//	----
//	expected output, byte for byte to the end of the file
type conformanceCase struct {
	header   []string
	template string
	input    string
	expected string
	aws      bool // the expected output is AWS's documented output
	jsonCmp  bool // compare as JSON (AWS documents pretty-printed output)
}

func parseCase(src string) (conformanceCase, error) {
	var c conformanceCase
	for strings.HasPrefix(src, "% ") {
		line, rest, _ := strings.Cut(src, "\n")
		c.header = append(c.header, line)
		src = rest
		switch {
		case strings.HasPrefix(line, "% expected: aws"):
			c.aws = true
		case strings.HasPrefix(line, "% compare: json"):
			c.jsonCmp = true
		}
	}
	parts := strings.SplitN(src, "\n----\n", 3)
	if len(parts) != 3 {
		return c, fmt.Errorf("want template, ----, input, ----, expected")
	}
	c.template, c.input, c.expected = parts[0], parts[1], parts[2]
	return c, nil
}

func (c conformanceCase) render() (string, error) {
	var in caseInput
	dec := json.NewDecoder(strings.NewReader(c.input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return "", fmt.Errorf("input: %w", err)
	}
	data := InputData{Path: pairs(in.Path), Query: pairs(in.Query), Header: pairs(in.Headers)}
	switch {
	case in.Body != nil:
		data.Body = []byte(*in.Body)
	case in.JSON != nil:
		data.Body = in.JSON
	}
	ctx := NewTemplateContext(mapSource(in.Context))
	vars := Vars(NewInput(data), ctx, StageVariables(in.StageVariables))
	t, err := vtl.Parse("case", c.template)
	if err != nil {
		return "ERROR: " + err.Error() + "\n", nil
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, vars, vtl.Limits{}); err != nil {
		return "ERROR: " + err.Error() + "\n", nil
	}
	if in.Overrides {
		buf.WriteString(overridesMarker)
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

func normalizeJSON(s string) (string, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func (c conformanceCase) equal(got string) (bool, error) {
	if !c.jsonCmp {
		return got == c.expected, nil
	}
	gotBody, gotRest, _ := strings.Cut(got, overridesMarker)
	wantBody, wantRest, _ := strings.Cut(c.expected, overridesMarker)
	if gotRest != wantRest {
		return false, nil
	}
	g, err := normalizeJSON(gotBody)
	if err != nil {
		return false, fmt.Errorf("output is not JSON: %w", err)
	}
	w, err := normalizeJSON(wantBody)
	if err != nil {
		return false, fmt.Errorf("expected output is not JSON: %w", err)
	}
	return g == w, nil
}

func TestConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no conformance cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := parseCase(string(src))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			got, err := c.render()
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if *update && !c.aws {
				var b strings.Builder
				for _, h := range c.header {
					b.WriteString(h + "\n")
				}
				b.WriteString(c.template + "\n----\n" + c.input + "\n----\n" + got)
				if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			ok, err := c.equal(got)
			if err != nil {
				t.Fatalf("%s: %v\ngot:\n%s", file, err, got)
			}
			if !ok {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", file, got, c.expected)
			}
		})
	}
}
