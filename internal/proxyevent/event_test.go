package proxyevent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected events of testdata/events/*.txt")

// A golden case, testdata/events/NAME.txt:
//
//	# comment lines: what the case covers and the AWS page it comes from
//	{input: a goldenInput as JSON}
//	----
//	{expected event: the compact event AppendEvent writes, indented by
//	 json.Indent with two spaces, to the end of the file}
//
// The test compares the file's expected section with the indented output
// byte for byte, and the compacted expected section with the raw output.
const separator = "\n----\n"

// goldenInput is a Request in JSON; params are [name, value] pairs in
// order, authorizer maps keep their key order.
type goldenInput struct {
	Format         string      `json:"format"` // REST, 1.0, 2.0
	Method         string      `json:"method"`
	Resource       string      `json:"resource"`
	RouteKey       string      `json:"routeKey"`
	Path           string      `json:"path"`
	RawPath        string      `json:"rawPath"`
	PathParameters [][2]string `json:"pathParameters"`
	RawQuery       string      `json:"rawQuery"`
	Query          [][2]string `json:"query"`
	Headers        [][2]string `json:"headers"`
	Body           string      `json:"body"`
	BodyBase64     string      `json:"bodyBase64"` // binary body, given as base64
	Binary         bool        `json:"binary"`
	Stage          string      `json:"stage"`
	StageVariables [][2]string `json:"stageVariables"`
	Context        struct {
		RequestContext
		Authorizer struct {
			Kind               string         `json:"kind"` // none, iam, lambda, jwt
			PrincipalID        string         `json:"principalId"`
			Context            orderedEntries `json:"context"`
			IntegrationLatency int64          `json:"integrationLatency"`
			Claims             orderedEntries `json:"claims"`
			Scopes             []string       `json:"scopes"`
		} `json:"authorizer"`
	} `json:"context"`
}

// orderedEntries decodes a JSON object into Entries in key order: string
// values as strings, anything else as JSON.
type orderedEntries []Entry

func (o *orderedEntries) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		e := Entry{Key: t.(string)}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.Value = s
		} else {
			e.Value, e.JSON = string(raw), true
		}
		*o = append(*o, e)
	}
	return nil
}

func params(ps [][2]string) []Param {
	if ps == nil {
		return nil
	}
	out := make([]Param, len(ps))
	for i, p := range ps {
		out[i] = Param{Name: p[0], Value: p[1]}
	}
	return out
}

func (g *goldenInput) request() (Format, *Request, error) {
	var f Format
	switch g.Format {
	case "REST":
		f = REST
	case "1.0":
		f = HTTP10
	case "2.0":
		f = HTTP20
	default:
		return 0, nil, fmt.Errorf("format %q", g.Format)
	}
	r := &Request{
		Method:         g.Method,
		Resource:       g.Resource,
		RouteKey:       g.RouteKey,
		Path:           g.Path,
		RawPath:        g.RawPath,
		PathParameters: params(g.PathParameters),
		RawQuery:       g.RawQuery,
		Query:          params(g.Query),
		Headers:        params(g.Headers),
		Body:           []byte(g.Body),
		Binary:         g.Binary,
		Stage:          g.Stage,
		StageVariables: params(g.StageVariables),
		Context:        g.Context.RequestContext,
	}
	if g.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(g.BodyBase64)
		if err != nil {
			return 0, nil, err
		}
		r.Body = b
	}
	a := g.Context.Authorizer
	switch a.Kind {
	case "", "none":
	case "iam":
		r.Context.Authorizer.Kind = IAMAuthorizer
	case "lambda":
		r.Context.Authorizer.Kind = LambdaAuthorizer
	case "jwt":
		r.Context.Authorizer.Kind = JWTAuthorizer
	default:
		return 0, nil, fmt.Errorf("authorizer kind %q", a.Kind)
	}
	r.Context.Authorizer.PrincipalID = a.PrincipalID
	r.Context.Authorizer.Context = a.Context
	r.Context.Authorizer.IntegrationLatency = a.IntegrationLatency
	r.Context.Authorizer.Claims = a.Claims
	r.Context.Authorizer.Scopes = a.Scopes
	return f, r, nil
}

func TestEventGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/events/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			head, want, ok := strings.Cut(string(src), separator)
			if !ok {
				t.Fatalf("no %q separator", strings.TrimSpace(separator))
			}
			var comments, input strings.Builder
			for line := range strings.SplitAfterSeq(head, "\n") {
				if strings.HasPrefix(line, "#") && input.Len() == 0 {
					comments.WriteString(line)
				} else {
					input.WriteString(line)
				}
			}
			if !strings.Contains(comments.String(), "source: ") {
				t.Errorf("header comment names no source")
			}
			var in goldenInput
			dec := json.NewDecoder(strings.NewReader(input.String()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatalf("input: %v", err)
			}
			f, req, err := in.request()
			if err != nil {
				t.Fatalf("input: %v", err)
			}
			out, err := Event(f, req)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			indented.WriteByte('\n')
			if *update {
				if err := os.WriteFile(file, []byte(head+separator+indented.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := indented.String(); got != want {
				t.Errorf("event mismatch (run with -update to accept)\n--- got\n%s--- want\n%s", got, want)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(want)); err != nil {
				t.Fatalf("expected section: %v", err)
			}
			if !bytes.Equal(compact.Bytes(), out) {
				t.Errorf("compact event differs from the expected section:\n got %s\nwant %s", out, compact.Bytes())
			}
			checkKeys(t, f, out)
			// AppendEvent appends: a prefix is kept.
			if got, _ := AppendEvent([]byte("x"), f, req); !bytes.Equal(got, append([]byte("x"), out...)) {
				t.Errorf("AppendEvent does not append to dst")
			}
		})
	}
}

// topKeys returns the documented top-level keys of format f, in order;
// optional ones end in "?".
func topKeys(f Format) []string {
	return map[Format][]string{
		REST:   {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body", "isBase64Encoded"},
		HTTP10: {"version", "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body", "isBase64Encoded"},
		HTTP20: {"version", "routeKey", "rawPath", "rawQueryString", "cookies?", "headers?", "queryStringParameters?", "requestContext", "body?", "pathParameters?", "isBase64Encoded", "stageVariables?"},
	}[f]
}

// checkKeys asserts the event's top-level keys are the documented ones, in
// the documented order, optional ones possibly absent.
func checkKeys(t *testing.T, f Format, out []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.Token()
	var got []string
	for dec.More() {
		k, _ := dec.Token()
		got = append(got, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	i := 0
	for _, k := range topKeys(f) {
		name, optional := strings.CutSuffix(k, "?")
		if i < len(got) && got[i] == name {
			i++
		} else if !optional {
			t.Errorf("key %q missing or out of order in %v", name, got)
			return
		}
	}
	if i != len(got) {
		t.Errorf("unexpected keys %v", got[i:])
	}
}

func TestEventErrors(t *testing.T) {
	r := &Request{}
	if _, err := Event(0, r); !isInputError(err) {
		t.Errorf("format 0: err = %v, want *InputError", err)
	}
	r.Context.Authorizer = Authorizer{Kind: LambdaAuthorizer, Context: []Entry{{Key: "n", Value: "1,", JSON: true}}}
	if _, err := Event(REST, r); !isInputError(err) {
		t.Errorf("invalid JSON entry: err = %v, want *InputError", err)
	}
}

func isInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// TestEventGrouping checks the header and query grouping on inputs larger
// than smallLink (the map path) against the pairwise path.
func TestEventGrouping(t *testing.T) {
	for _, n := range []int{3, smallLink, smallLink + 1, 100} {
		var hs []Param
		for i := range n {
			hs = append(hs, Param{Name: fmt.Sprintf("X-H%d", i%7), Value: fmt.Sprint(i)}, Param{Name: fmt.Sprintf("x-h%d", i%5), Value: "v"})
		}
		hs = append(hs, Param{Name: "Cookie", Value: "a=1; b=2"})
		for _, f := range []Format{REST, HTTP10, HTTP20} {
			out, err := Event(f, &Request{Headers: hs, Query: hs})
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Headers map[string]string   `json:"headers"`
				Multi   map[string][]string `json:"multiValueHeaders"`
				Query   map[string]string   `json:"queryStringParameters"`
				Cookies []string            `json:"cookies"`
			}
			if err := json.Unmarshal(out, &ev); err != nil {
				t.Fatalf("n=%d %v: %v", n, f, err)
			}
			want := map[string][]string{}
			var order []string
			for _, h := range hs {
				k := h.Name
				if f != REST {
					k = strings.ToLower(k)
				}
				if f == HTTP20 && k == "cookie" {
					continue
				}
				if _, ok := want[k]; !ok {
					order = append(order, k)
				}
				want[k] = append(want[k], h.Value)
			}
			for _, k := range order {
				vs := want[k]
				switch f {
				case HTTP20:
					if got := ev.Headers[k]; got != strings.Join(vs, ",") {
						t.Errorf("n=%d %v headers[%s] = %q", n, f, k, got)
					}
				default:
					if got := ev.Headers[k]; got != vs[len(vs)-1] {
						t.Errorf("n=%d %v headers[%s] = %q, want last value", n, f, k, got)
					}
					if got := strings.Join(ev.Multi[k], "|"); got != strings.Join(vs, "|") {
						t.Errorf("n=%d %v multiValueHeaders[%s] = %q", n, f, k, got)
					}
				}
			}
			if len(ev.Headers) != len(order) {
				t.Errorf("n=%d %v: %d header keys, want %d", n, f, len(ev.Headers), len(order))
			}
			if f == HTTP20 && strings.Join(ev.Cookies, "|") != "a=1|b=2" {
				t.Errorf("n=%d cookies = %q", n, ev.Cookies)
			}
			// Keys appear in first-occurrence order.
			if f != HTTP20 {
				pos := -1
				for _, k := range order {
					i := bytes.Index(out, []byte(`"`+k+`":[`))
					if i < pos {
						t.Errorf("n=%d %v: key %s out of order", n, f, k)
					}
					pos = i
				}
			}
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash", "\x00\x01\x1f\n\r\t\b\f", "<&>/", "héllo ☃ 𝄞", "bad \xff utf8 \xe2\x82", "\u2028"} {
		got := appendString(nil, s, false)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q: invalid JSON %s: %v", s, got, err)
			continue
		}
		var want string
		b, _ := json.Marshal(s) // encoding/json also replaces each invalid byte
		json.Unmarshal(b, &want)
		if back != want {
			t.Errorf("%q: round trip %q", s, back)
		}
	}
	if got := string(appendString(nil, "Content-Type", true)); got != `"content-type"` {
		t.Errorf("lower: %s", got)
	}
}
