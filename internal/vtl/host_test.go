package vtl

import (
	"errors"
	"fmt"
	"strings"
)

// Small fake host objects standing in for the gateway's $input, $util and
// $context.

type fakeInput struct {
	params *Map   // "path", "querystring", "header" -> *Map
	body   string // raw JSON body
	root   any    // parsed body, for path('$')
}

func (in *fakeInput) Property(string) (any, bool) { return nil, false }

func (in *fakeInput) Call(method string, args []any) (any, error) {
	switch method {
	case "params":
		if len(args) == 0 {
			return in.params, nil
		}
		if len(args) == 1 {
			name, _ := args[0].(string)
			for _, typ := range []string{"path", "querystring", "header"} {
				m, _ := in.params.Get(typ)
				if v, ok := m.(*Map).Get(name); ok {
					return v, nil
				}
			}
			return "", nil
		}
	case "json":
		if len(args) == 1 && args[0] == "$" {
			return in.body, nil
		}
	case "path":
		if len(args) == 1 && args[0] == "$" {
			return in.root, nil
		}
	case "body":
		if len(args) == 0 {
			return in.body, nil
		}
	case "fail":
		return nil, errors.New("boom")
	}
	return nil, fmt.Errorf("input.%s: %w", method, ErrNoMethod)
}

type fakeUtil struct{}

func (fakeUtil) Property(string) (any, bool) { return nil, false }

func (fakeUtil) Call(method string, args []any) (any, error) {
	if method == "escapeJavaScript" && len(args) == 1 {
		s, ok := args[0].(string)
		if !ok {
			return toString(args[0]), nil
		}
		if !strings.ContainsAny(s, "\"\\\n'") {
			return args[0], nil // no copy, no allocation
		}
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, `'`, `\'`)
		return r.Replace(s), nil
	}
	return nil, ErrNoMethod
}

// newMap builds a *Map from alternating keys and values.
func newMap(kv ...any) *Map {
	m := NewMap(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		m.put(kv[i], kv[i+1])
	}
	return m
}

func fakeVars() map[string]any {
	in := &fakeInput{
		params: newMap(
			"path", newMap("id", "42"),
			"querystring", newMap("q", "cats", "page", "2"),
			"header", newMap("Host", "api.example.com", "User-Agent", `curl/8 "x"`),
		),
		body: `{"name":"Rex","tags":["a","b"]}`,
		root: newMap("name", "Rex", "tags", NewList("a", "b"), "age", int64(3)),
	}
	ctx := newMap(
		"resourcePath", "/pets/{id}",
		"httpMethod", "GET",
		"stage", "prod",
		"identity", newMap(
			"accountId", "123456789012",
			"caller", "AIDAEXAMPLE",
			"user", "AIDAEXAMPLE",
			"userArn", "arn:aws:iam::123456789012:user/alice",
			"sourceIp", "127.0.0.1",
		),
		"authorizer", newMap("principalId", "me"),
	)
	return map[string]any{
		"input":          in,
		"util":           fakeUtil{},
		"context":        ctx,
		"stageVariables": newMap("backend", "127.0.0.1:9000"),
		"name":           "bob",
		"n":              5,
		"f":              2.5,
		"t":              true,
		"list":           []any{"a", "b", "c"},
		"nums":           []any{3, 1, 2},
		"m":              newMap("k", "v", "x", int64(1)),
		"gomap":          map[string]any{"b": 2, "a": 1},
		"json":           NewJSONList("a/b", int64(1), newMap("k", NewList("x"))),
		"empty":          "",
		"nil":            nil,
	}
}
