package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// Param is one request parameter or header, as received.
type Param struct {
	Name, Value string
}

// InputData is the snapshot of a request (or, for response templates, of
// an integration response body plus the method request's parameters) that
// $input reads. The gateway fills it once per request; Input never changes
// it.
type InputData struct {
	// Body is the payload. Empty means no payload, which templates see as
	// "{}" (API Gateway renders "body-json" : {} for a GET).
	Body []byte
	// Path holds the path parameters in route order.
	Path []Param
	// Query holds every query-string value in the order received; a name
	// may repeat.
	Query []Param
	// Header holds every header value in the order received, names as the
	// client wrote them; a name may repeat.
	Header []Param
	// Paths, if not nil, compiles the JSONPaths of $input.path and
	// $input.json once for many requests (the gateway's, one per plan).
	// Nil compiles them per Input.
	Paths *PathCache
}

// Input is the $input variable of a mapping template. Build one per
// request with NewInput; it is safe for concurrent use.
type Input struct {
	data InputData
	body string

	paramsOnce sync.Once
	params     *vtl.Map

	docOnce sync.Once
	doc     any
	docErr  error

	mu    sync.Mutex
	paths []cachedPath
}

type cachedPath struct {
	expr string
	p    *JSONPath
}

// maxCachedPaths bounds the compiled JSONPaths an Input remembers.
const maxCachedPaths = 16

// NewInput returns $input over data. data's slices are retained, not
// copied.
func NewInput(data InputData) *Input {
	in := new(Input)
	in.reset(data)
	return in
}

// reset makes in a fresh $input over data.
func (in *Input) reset(data InputData) {
	*in = Input{data: data, body: string(data.Body)}
	if in.body == "" {
		in.body = "{}"
	}
}

// Property resolves $input.body: the raw payload as a string ("{}" when
// the request has none).
func (in *Input) Property(name string) (any, bool) {
	if name == "body" {
		return in.body, true
	}
	return nil, false
}

// Call implements $input.json(x), $input.path(x), $input.params() and
// $input.params(x). Other methods, or arguments of the wrong type, leave
// the reference unresolved (vtl.ErrNoMethod), as Velocity does when no
// method matches. JSONPath and body errors abort the render.
func (in *Input) Call(method string, args []any) (any, error) {
	switch method {
	case "params":
		switch len(args) {
		case 0:
			return in.Params(), nil
		case 1:
			if name, ok := args[0].(string); ok {
				return in.Param(name), nil
			}
		}
	case "path", "json":
		if len(args) != 1 {
			break
		}
		expr, ok := args[0].(string)
		if !ok {
			break
		}
		if method == "path" {
			return in.Path(expr)
		}
		return in.JSON(expr)
	case "getBody":
		if len(args) == 0 {
			return in.body, nil
		}
	}
	return nil, fmt.Errorf("$input.%s: %w", method, vtl.ErrNoMethod)
}

// AppendProperty implements vtl.Appender: $input.body printed.
func (in *Input) AppendProperty(dst []byte, name string) ([]byte, bool) {
	if name == "body" {
		return append(dst, in.body...), true
	}
	return dst, false
}

// AppendCall implements vtl.Appender for $input.json(x), a string or
// integer $input.path(x) and $input.params(x) printed in a template's
// text: the result is written to dst without a string of its own. Errors
// and any other result are left to Call.
func (in *Input) AppendCall(dst []byte, method string, args []any) ([]byte, bool) {
	if len(args) != 1 {
		return dst, false
	}
	arg, ok := args[0].(string)
	if !ok {
		return dst, false
	}
	switch method {
	case "params":
		return append(dst, in.Param(arg)...), true
	case "json":
		if arg == "$" {
			if out, ok := compactJSON(dst, in.body); ok {
				return out, true
			}
		}
		v, found, err := in.eval(arg)
		if err != nil {
			return dst, false
		}
		if !found {
			return append(dst, `""`...), true
		}
		out, err := appendJSON(dst, v, len(dst)+MaxJSONOutput)
		if err != nil || len(out)-len(dst) > MaxJSONOutput {
			return dst, false
		}
		return out, true
	case "path":
		v, found, err := in.eval(arg)
		if err != nil || !found {
			return dst, false
		}
		switch x := v.(type) {
		case string:
			return append(dst, x...), true
		case int64:
			return strconv.AppendInt(dst, x, 10), true
		case bool:
			return strconv.AppendBool(dst, x), true
		}
	}
	return dst, false
}

// Params returns $input.params(): an ordered map with the keys "path",
// "querystring" and "header", each an ordered map of name to value. For a
// name that repeats, the last value wins and the first position is kept.
// The same map is returned on every call (a template's put persists, as
// with Java's map).
func (in *Input) Params() *vtl.Map {
	in.paramsOnce.Do(func() {
		m := vtl.NewMap(3)
		m.Set("path", pairsMap(in.data.Path))
		m.Set("querystring", pairsMap(in.data.Query))
		m.Set("header", pairsMap(in.data.Header))
		in.params = m
	})
	return in.params
}

// pairsMap builds one of the $input.params() maps with
// vtl.NewStringPairs: a handful of allocations whatever the number of
// parameters, instead of two per parameter (BenchmarkRenderHeaders).
func pairsMap(ps []Param) *vtl.Map {
	return vtl.NewStringPairs(len(ps), func(i int) (string, string) { return ps[i].Name, ps[i].Value })
}

// Param returns $input.params(name): the value of the path parameter,
// else the query-string parameter, else the header called name (searched
// in that order, as AWS documents; the last value of a repeated name).
// Header names match case-insensitively, as HTTP header names do. A
// missing parameter is the empty string.
func (in *Input) Param(name string) string {
	if v, ok := lastValue(in.data.Path, name, false); ok {
		return v
	}
	if v, ok := lastValue(in.data.Query, name, false); ok {
		return v
	}
	if v, ok := lastValue(in.data.Header, name, true); ok {
		return v
	}
	return ""
}

func lastValue(ps []Param, name string, fold bool) (string, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Name == name || (fold && strings.EqualFold(ps[i].Name, name)) {
			return ps[i].Value, true
		}
	}
	return "", false
}

// document parses the body once. A body that is not JSON is the string
// itself (json-smart's permissive mode reads such text as a string, which
// is why $input.path('$') returns a form-encoded body unchanged).
func (in *Input) document() (any, error) {
	in.docOnce.Do(func() {
		if len(in.body) > MaxBody {
			in.docErr = ErrBodyTooLarge
			return
		}
		doc, err := parseJSON(in.body)
		if err != nil {
			doc = in.body
		}
		in.doc = doc
	})
	return in.doc, in.docErr
}

func (in *Input) compile(expr string) (*JSONPath, error) {
	if in.data.Paths != nil {
		return in.data.Paths.Compile(expr)
	}
	in.mu.Lock()
	for _, c := range in.paths {
		if c.expr == expr {
			in.mu.Unlock()
			return c.p, nil
		}
	}
	in.mu.Unlock()
	p, err := CompileJSONPath(expr)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	if len(in.paths) < maxCachedPaths {
		in.paths = append(in.paths, cachedPath{expr, p})
	}
	in.mu.Unlock()
	return p, nil
}

func (in *Input) eval(expr string) (any, bool, error) {
	p, err := in.compile(expr)
	if err != nil {
		return nil, false, err
	}
	doc, err := in.document()
	if err != nil {
		return nil, false, err
	}
	return p.eval(doc, doc)
}

// Path implements $input.path(expr): the JSONPath result as template
// values (objects are ordered maps, arrays lists, numbers int64, *big.Int
// or float64). Each call returns fresh values. A definite path that finds
// nothing is null (the reference stays unresolved); an indefinite path
// returns a list of its matches.
func (in *Input) Path(expr string) (any, error) {
	v, ok, err := in.eval(expr)
	if err != nil || !ok {
		return nil, err
	}
	return toVTL(v), nil
}

// JSON implements $input.json(expr): the JSONPath result serialized as
// compact JSON (strings quoted, objects and arrays re-serialized without
// whitespace, see appendJSON). A definite path that finds nothing gives
// the empty JSON string "" (two quote characters).
func (in *Input) JSON(expr string) (string, error) {
	if expr == "$" {
		// The whole body, the usual case: written straight from the text.
		if b, ok := compactJSON(make([]byte, 0, len(in.body)), in.body); ok {
			return string(b), nil
		}
	}
	v, ok, err := in.eval(expr)
	if err != nil {
		return "", err
	}
	if !ok {
		return `""`, nil
	}
	b, err := appendJSON(nil, v, MaxJSONOutput)
	if err != nil {
		return "", fmt.Errorf("$input.json(%q): %w", truncate(expr), err)
	}
	if len(b) > MaxJSONOutput {
		return "", fmt.Errorf("$input.json(%q): %w", truncate(expr), ErrResultTooLarge)
	}
	return string(b), nil
}
