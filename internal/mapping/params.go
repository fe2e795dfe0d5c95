// Package mapping evaluates API Gateway's data mappings: REST request
// parameter mappings (integration.request.* = method.request.* /
// 'static' / context.* / stageVariables.*) and integration response
// header mappings. Expressions are compiled once at load.
package mapping

import (
	"fmt"
	"sort"
	"strings"
)

// Location is where a mapped value is read from or written to.
type Location int

// Locations of request and response values.
const (
	Static Location = iota
	PathParam
	QueryString
	MultiValueQueryString
	Header
	MultiValueHeader
	Context
	StageVariable
	ResponseHeader
	RequestBody  // method.request.body[.JSONPath]
	ResponseBody // integration.response.body[.JSONPath]
)

// Source is a compiled source expression.
type Source struct {
	Loc  Location
	Name string // parameter, header, context or variable name; the value for Static
	// Path is the JSONPath of a body source; nil means the whole body.
	Path *JSONPath
}

// Target is a compiled integration request target.
type Target struct {
	Loc  Location // Header, QueryString, MultiValueQueryString or PathParam
	Name string
}

// Mapping is one compiled requestParameters entry.
type Mapping struct {
	Target Target
	Source Source
	Expr   string // the original "target = source", for messages
}

// Request is what a request-side source reads from.
type Request interface {
	PathParam(name string) string
	Query(name string) []string
	Header(name string) []string
	ContextValue(name string) string
	StageVariable(name string) string
}

// CompileRequestParameters compiles an integration's requestParameters,
// sorted by target for a stable order.
func CompileRequestParameters(params map[string]string) ([]Mapping, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Mapping
	var errs []string
	for _, k := range keys {
		t, err := compileTarget(k)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		s, err := CompileSource(params[k])
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		out = append(out, Mapping{Target: t, Source: s, Expr: k + " = " + params[k]})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("requestParameters: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

func compileTarget(k string) (Target, error) {
	for _, p := range [...]struct {
		prefix string
		loc    Location
	}{
		{"integration.request.header.", Header},
		{"integration.request.querystring.", QueryString},
		{"integration.request.multivaluequerystring.", MultiValueQueryString},
		{"integration.request.path.", PathParam},
	} {
		if name, ok := strings.CutPrefix(k, p.prefix); ok && name != "" {
			return Target{Loc: p.loc, Name: name}, nil
		}
	}
	return Target{}, fmt.Errorf("target %q must be integration.request.{header,querystring,multivaluequerystring,path}.NAME", k)
}

// CompileSource compiles a source expression.
func CompileSource(src string) (Source, error) {
	if len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'' {
		return Source{Loc: Static, Name: src[1 : len(src)-1]}, nil
	}
	for _, p := range [...]struct {
		prefix string
		loc    Location
	}{
		{"method.request.path.", PathParam},
		{"method.request.querystring.", QueryString},
		{"method.request.multivaluequerystring.", MultiValueQueryString},
		{"method.request.header.", Header},
		{"method.request.multivalueheader.", MultiValueHeader},
		{"context.", Context},
		{"stageVariables.", StageVariable},
		{"integration.response.header.", ResponseHeader},
	} {
		if name, ok := strings.CutPrefix(src, p.prefix); ok && name != "" {
			return Source{Loc: p.loc, Name: name}, nil
		}
	}
	for _, p := range [...]struct {
		prefix string
		loc    Location
	}{
		{"method.request.body", RequestBody},
		{"integration.response.body", ResponseBody},
	} {
		rest, ok := strings.CutPrefix(src, p.prefix)
		if !ok {
			continue
		}
		if rest == "" {
			return Source{Loc: p.loc}, nil
		}
		if rest[0] != '.' || len(rest) == 1 {
			break
		}
		jp, err := CompileJSONPath("$." + rest[1:])
		if err != nil {
			return Source{}, fmt.Errorf("source %q: %w", src, err)
		}
		return Source{Loc: p.loc, Name: rest[1:], Path: jp}, nil
	}
	return Source{}, fmt.Errorf("source %q must be method.request.{path,querystring,multivaluequerystring,header,multivalueheader}.NAME, method.request.body[.JSONPath], context.NAME, stageVariables.NAME or a 'static' value", src)
}

// BodyValue evaluates a body source over a JSON body: the whole body, or
// the value at the JSONPath (a string as is, anything else as JSON). ok
// is false when the path finds nothing or the body is not JSON.
func (s Source) BodyValue(body []byte) (string, bool) {
	if s.Path == nil {
		return string(body), len(body) > 0
	}
	v, found, err := s.Path.Eval(string(body))
	if err != nil || !found || v == nil {
		return "", false
	}
	if str, ok := v.(string); ok {
		return str, true
	}
	b, err := appendJSON(nil, v, MaxJSONOutput)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// NeedsBody reports whether the source reads the method request's body.
func (s Source) NeedsBody() bool { return s.Loc == RequestBody }

// Values evaluates a request-side source. Single-valued sources give at
// most one value; a missing parameter gives none.
func (s Source) Values(r Request) []string {
	switch s.Loc {
	case Static:
		return []string{s.Name}
	case PathParam:
		return nonEmpty(r.PathParam(s.Name))
	case QueryString:
		return last(r.Query(s.Name))
	case MultiValueQueryString:
		return r.Query(s.Name)
	case Header:
		return last(r.Header(s.Name))
	case MultiValueHeader:
		return r.Header(s.Name)
	case Context:
		return nonEmpty(r.ContextValue(s.Name))
	case StageVariable:
		return nonEmpty(r.StageVariable(s.Name))
	}
	return nil
}

// last keeps the last value: API Gateway's single-valued parameters take
// the last of repeated query parameters and headers.
func last(v []string) []string {
	if len(v) > 1 {
		return v[len(v)-1:]
	}
	return v
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
