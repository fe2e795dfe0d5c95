// Package tplcase reads the mapping-template conformance cases in
// internal/mapping/testdata/conformance. Two runners read the same files,
// so that they cannot drift apart: the engine runner in internal/mapping
// (the template over an InputData and a $context given as data) and the
// gateway runner in conformance/ (the template in a generated API, served
// by the real gateway on loopback). It is imported by tests only and
// imports nothing from gatehouse.
//
// A case file is
//
//	% header lines (source, note, expected, compare, gateway, gateway-authorizer)
//	template
//	----
//	input (JSON, see Input)
//	----
//	expected output, byte for byte to the end of the file
//
// docs/mapping-templates.md ("Conformance suite") describes every header.
package tplcase

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// OverridesMarker separates a template's output from the overrides it set
// when the input asks for them ("overrides": true).
const OverridesMarker = "\n#### overrides\n"

// Input is the request section of a case: the method request (and, for
// a response template, the integration response's body) and $context.
type Input struct {
	Body           *string           `json:"body"`           // raw payload
	JSON           json.RawMessage   `json:"json"`           // payload given as JSON (sent verbatim)
	Path           [][2]string       `json:"path"`           // path parameters, in order
	Query          [][2]string       `json:"query"`          // query values, in order received
	Headers        [][2]string       `json:"headers"`        // header values, in order received
	Context        map[string]string `json:"context"`        // flat $context names
	StageVariables map[string]string `json:"stageVariables"` // $stageVariables
	Overrides      bool              `json:"overrides"`      // append the overrides the template set
}

// Payload returns the body the input gives: body, else json, else nil.
func (in Input) Payload() []byte {
	switch {
	case in.Body != nil:
		return []byte(*in.Body)
	case in.JSON != nil:
		return in.JSON
	}
	return nil
}

// Case is one parsed case file.
type Case struct {
	Name     string   // the file name without .txt
	Header   []string // the "% " lines, as written
	Template string
	Input    string // the raw input section
	Expected string

	AWS         bool // "% expected: aws": the output is AWS's documented one
	JSONCompare bool // "% compare: json": compare as JSON values

	// Gateway lists the modes the gateway runner uses ("request",
	// "response"), from "% gateway: request response"; GatewaySkip is the
	// reason given by "% gateway: skip (reason)". A case has one or the other.
	Gateway     []string
	GatewaySkip string
	// Authorizer is the directory (relative to the repository root) of a
	// Lambda authorizer function the gateway runner uses instead of one
	// generated from the input's authorizer.* context ("% gateway-authorizer:").
	Authorizer string
}

// Parse parses a case file's content.
func Parse(name, src string) (Case, error) {
	c := Case{Name: name}
	for strings.HasPrefix(src, "% ") {
		line, rest, _ := strings.Cut(src, "\n")
		c.Header = append(c.Header, line)
		src = rest
		key, value, _ := strings.Cut(strings.TrimPrefix(line, "% "), ":")
		value = strings.TrimSpace(value)
		switch key {
		case "expected":
			c.AWS = strings.HasPrefix(value, "aws")
		case "compare":
			c.JSONCompare = strings.HasPrefix(value, "json")
		case "gateway":
			if reason, ok := strings.CutPrefix(value, "skip"); ok {
				c.GatewaySkip = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(reason), ":"))
				if c.GatewaySkip == "" {
					return c, fmt.Errorf("%s: %q gives no reason", name, line)
				}
				continue
			}
			for _, m := range strings.Fields(value) {
				if m != "request" && m != "response" {
					return c, fmt.Errorf("%s: %q: mode %q is not request or response", name, line, m)
				}
				c.Gateway = append(c.Gateway, m)
			}
		case "gateway-authorizer":
			c.Authorizer = value
		}
	}
	parts := strings.SplitN(src, "\n----\n", 3)
	if len(parts) != 3 {
		return c, fmt.Errorf("%s: want template, ----, input, ----, expected", name)
	}
	c.Template, c.Input, c.Expected = parts[0], parts[1], parts[2]
	return c, nil
}

// Load reads every *.txt case in dir, in name order.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no conformance cases in %s", dir)
	}
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c, err := Parse(strings.TrimSuffix(filepath.Base(f), ".txt"), string(src))
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// DecodeInput decodes the input section; unknown fields are errors.
func (c Case) DecodeInput() (Input, error) {
	var in Input
	dec := json.NewDecoder(strings.NewReader(c.Input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%s: input: %w", c.Name, err)
	}
	return in, nil
}

// Rewrite returns the file's content with got as the expected output.
func (c Case) Rewrite(got string) []byte {
	var b bytes.Buffer
	for _, h := range c.Header {
		b.WriteString(h + "\n")
	}
	b.WriteString(c.Template + "\n----\n" + c.Input + "\n----\n" + got)
	return b.Bytes()
}

// Split returns the template output part of an expected (or actual)
// output and the overrides part ("" when there is none).
func Split(out string) (body, overrides string) {
	body, overrides, _ = strings.Cut(out, OverridesMarker)
	return body, overrides
}

// EqualBody compares a template output with want: byte for byte, or as
// JSON values when the case says compare: json.
func (c Case) EqualBody(got, want string) (bool, error) {
	if !c.JSONCompare {
		return got == want, nil
	}
	g, err := normalizeJSON(got)
	if err != nil {
		return false, fmt.Errorf("output is not JSON: %w", err)
	}
	w, err := normalizeJSON(want)
	if err != nil {
		return false, fmt.Errorf("expected output is not JSON: %w", err)
	}
	return g == w, nil
}

// Equal compares a whole output (template output and overrides) with the
// case's expected output.
func (c Case) Equal(got string) (bool, error) {
	gotBody, gotRest := Split(got)
	wantBody, wantRest := Split(c.Expected)
	if gotRest != wantRest {
		return false, nil
	}
	return c.EqualBody(gotBody, wantBody)
}

func normalizeJSON(s string) (string, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}
