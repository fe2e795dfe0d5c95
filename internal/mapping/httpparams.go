package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// HTTP API parameter mapping ("Transform API requests and responses for
// HTTP APIs"): keys such as "append:header.x", "overwrite:querystring.y",
// "remove:header.z", "overwrite:path" and, in responses,
// "overwrite:statuscode"; values are text with $request.*, $response.*,
// $context.* and $stageVariables.* references (also as ${...}).

// HTTPAction is what a mapping does to its target.
type HTTPAction int

// The three actions.
const (
	Append HTTPAction = iota
	Overwrite
	Remove
)

// HTTPTargetKind is the part of the request or response a mapping changes.
type HTTPTargetKind int

// Mapping targets.
const (
	TargetHeader HTTPTargetKind = iota
	TargetQuery
	TargetPath
	TargetStatus
)

// HTTPMapping is one compiled HTTP API parameter mapping.
type HTTPMapping struct {
	Action HTTPAction
	Kind   HTTPTargetKind
	Name   string // header or query string name
	Value  Interp
	Key    string // as written, for messages and a stable order
}

// HTTPValues is what $request.* / $response.* references read.
type HTTPValues interface {
	Header(name string) []string
	Query(name string) []string
	PathParam(name string) string
	RequestPath() string
	Body() []byte
	ContextValue(name string) string
	StageVariable(name string) string
}

// Interp is a value with references, compiled.
type Interp struct {
	parts []interpPart
}

type interpPart struct {
	text string
	ref  string    // request.header.x, response.body.y, context.z, stageVariables.v
	path *JSONPath // for body references
}

// CompileHTTPRequestParameters compiles an HTTP API integration's
// requestParameters.
func CompileHTTPRequestParameters(params map[string]string) ([]HTTPMapping, error) {
	return compileHTTP(params, "request")
}

// CompileHTTPResponseParameters compiles responseParameters, keyed by the
// status code (a string of digits) they apply to.
func CompileHTTPResponseParameters(params map[string]map[string]string) (map[int][]HTTPMapping, error) {
	out := map[int][]HTTPMapping{}
	for status, ps := range params {
		code, err := strconv.Atoi(status)
		if err != nil || code < 100 || code > 599 {
			return nil, fmt.Errorf("responseParameters: %q is not an HTTP status code", status)
		}
		m, err := compileHTTP(ps, "response")
		if err != nil {
			return nil, fmt.Errorf("responseParameters %s: %w", status, err)
		}
		out[code] = m
	}
	return out, nil
}

func compileHTTP(params map[string]string, side string) ([]HTTPMapping, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []HTTPMapping
	for _, k := range keys {
		action, target, ok := strings.Cut(k, ":")
		if !ok {
			return nil, fmt.Errorf("parameter mapping %q must be append|overwrite|remove:header.NAME, ...:querystring.NAME or overwrite:path", k)
		}
		m := HTTPMapping{Key: k}
		switch action {
		case "append":
			m.Action = Append
		case "overwrite":
			m.Action = Overwrite
		case "remove":
			m.Action = Remove
		default:
			return nil, fmt.Errorf("parameter mapping %q: unknown action %q (allowed: append, overwrite, remove)", k, action)
		}
		switch {
		case strings.HasPrefix(target, "header.") && len(target) > 7:
			m.Kind, m.Name = TargetHeader, target[7:]
		case strings.HasPrefix(target, "querystring.") && len(target) > 12 && side == "request":
			m.Kind, m.Name = TargetQuery, target[12:]
		case target == "path" && side == "request" && m.Action == Overwrite:
			m.Kind = TargetPath
		case target == "statuscode" && side == "response" && m.Action == Overwrite:
			m.Kind = TargetStatus
		default:
			return nil, fmt.Errorf("parameter mapping %q: target %q is not one an HTTP API %s can map", k, target, side)
		}
		v, err := compileInterp(params[k], side)
		if err != nil {
			return nil, fmt.Errorf("parameter mapping %q: %w", k, err)
		}
		m.Value = v
		out = append(out, m)
	}
	return out, nil
}

// compileInterp splits a value into text and references.
func compileInterp(s, side string) (Interp, error) {
	var in Interp
	for s != "" {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			in.parts = append(in.parts, interpPart{text: s})
			break
		}
		if i > 0 {
			in.parts = append(in.parts, interpPart{text: s[:i]})
		}
		s = s[i+1:]
		var ref string
		if strings.HasPrefix(s, "{") {
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return in, fmt.Errorf("unterminated ${ in value")
			}
			ref, s = s[1:end], s[end+1:]
		} else {
			j := 0
			for j < len(s) && (isRefChar(s[j])) {
				j++
			}
			ref, s = s[:j], s[j:]
		}
		p := interpPart{ref: ref}
		root, rest, _ := strings.Cut(ref, ".")
		switch root {
		case "request", "response":
			if root != side {
				return in, fmt.Errorf("$%s is not available in %s parameters", ref, side)
			}
			if body, ok := strings.CutPrefix(rest, "body"); ok && (body == "" || body[0] == '.') {
				if body != "" {
					jp, err := CompileJSONPath("$" + body)
					if err != nil {
						return in, fmt.Errorf("$%s: %w", ref, err)
					}
					p.path = jp
				}
			}
		case "context", "stageVariables":
		default:
			return in, fmt.Errorf("unknown reference $%s (use $request.*, $response.*, $context.* or $stageVariables.*)", ref)
		}
		in.parts = append(in.parts, p)
	}
	return in, nil
}

func isRefChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// UsesBody reports whether the value reads $request.body.
func (in Interp) UsesBody() bool {
	for _, p := range in.parts {
		if strings.HasPrefix(p.ref, "request.body") {
			return true
		}
	}
	return false
}

// UsesResponseBody reports whether the value reads $response.body.
func (in Interp) UsesResponseBody() bool {
	for _, p := range in.parts {
		if strings.HasPrefix(p.ref, "response.body") {
			return true
		}
	}
	return false
}

// Eval renders the value. Multiple header or query values are joined
// with commas, as HTTP APIs do.
func (in Interp) Eval(v HTTPValues) string {
	if len(in.parts) == 1 && in.parts[0].ref == "" {
		return in.parts[0].text
	}
	var b strings.Builder
	for _, p := range in.parts {
		if p.ref == "" {
			b.WriteString(p.text)
			continue
		}
		b.WriteString(evalRef(p, v))
	}
	return b.String()
}

// maxMappedBody is how much of a body a $request.body JSONPath reads:
// HTTP APIs truncate the body at 100 KB before applying it.
const maxMappedBody = 100 << 10

func evalRef(p interpPart, v HTTPValues) string {
	_, rest, _ := strings.Cut(p.ref, ".")
	switch {
	case strings.HasPrefix(p.ref, "context."):
		return v.ContextValue(rest)
	case strings.HasPrefix(p.ref, "stageVariables."):
		return v.StageVariable(rest)
	}
	kind, name, _ := strings.Cut(rest, ".")
	switch kind {
	case "header":
		return strings.Join(v.Header(name), ",")
	case "querystring":
		return strings.Join(v.Query(name), ",")
	case "path":
		if name == "" {
			return v.RequestPath()
		}
		return v.PathParam(name)
	case "body":
		body := v.Body()
		if p.path == nil {
			return string(body)
		}
		if len(body) > maxMappedBody {
			body = body[:maxMappedBody]
		}
		s, _ := Source{Loc: RequestBody, Path: p.path}.BodyValue(body)
		return s
	}
	return ""
}
