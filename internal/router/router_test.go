package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
)

func routes(keys ...string) []*model.Route {
	var out []*model.Route
	for i, k := range keys {
		r := &model.Route{Key: k, Where: fmt.Sprintf("test:%d", i+1)}
		if k == model.DefaultRouteKey {
			r.Method = model.MethodAny
		} else {
			r.Method, r.Path, _ = strings.Cut(k, " ")
		}
		out = append(out, r)
	}
	return out
}

type routeCase struct {
	method, path string
	want         string // route key, "" for no match
	params       string // "name=raw,..." in match order
}

func runCases(t *testing.T, tbl *Table, cases []routeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			m, ok := tbl.Lookup(c.method, c.path, nil)
			got := ""
			if ok {
				got = m.Route.Key
			}
			if got != c.want {
				t.Fatalf("route = %q, want %q", got, c.want)
			}
			var ps []string
			for _, p := range m.Params {
				ps = append(ps, p.Name+"="+p.Raw)
			}
			if ok && strings.Join(ps, ",") != c.params {
				t.Fatalf("params = %q, want %q", strings.Join(ps, ","), c.params)
			}
		})
	}
}

// TestRESTRouting is a table of API Gateway REST routing cases: the most
// specific resource wins (literal > {param} > {proxy+}), ANY is the method
// fallback, {proxy+} never matches its parent path, and once a resource
// matches, a missing method is a miss (403) rather than a fall back to a
// less specific resource. See docs/routing.md.
func TestRESTRouting(t *testing.T) {
	tbl, err := New(model.REST, routes(
		"GET /",
		"GET /pets", "POST /pets",
		"GET /pets/{petId}",
		"ANY /pets/{petId}/toys",
		"GET /pets/special",
		"ANY /{proxy+}",
		"GET /files/{path+}",
		"GET /a/{b}/c",
		"HEAD /head",
	))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, tbl, []routeCase{
		{"GET", "/", "GET /", ""},
		{"GET", "", "GET /", ""},
		{"POST", "/", "", ""}, // the root has GET only; {proxy+} does not match "/"
		{"GET", "/pets", "GET /pets", ""},
		{"GET", "/pets/", "GET /pets", ""},
		{"POST", "/pets", "POST /pets", ""},
		{"DELETE", "/pets", "", ""}, // resource found, method missing
		{"GET", "/pets/special", "GET /pets/special", ""},
		{"GET", "/pets/42", "GET /pets/{petId}", "petId=42"},
		{"GET", "/pets/a%2Fb", "GET /pets/{petId}", "petId=a%2Fb"},
		{"PUT", "/pets/42", "", ""},
		{"PATCH", "/pets/42/toys", "ANY /pets/{petId}/toys", "petId=42"},
		{"GET", "/pets/42/toys/1", "ANY /{proxy+}", "proxy=pets/42/toys/1"},
		{"GET", "/pets/special/toys", "ANY /pets/{petId}/toys", "petId=special"},
		{"GET", "/files/a/b/c.txt", "GET /files/{path+}", "path=a/b/c.txt"},
		{"GET", "/files", "ANY /{proxy+}", "proxy=files"},   // /files itself has no method
		{"GET", "/files/", "ANY /{proxy+}", "proxy=files/"}, // nor with a trailing slash
		{"DELETE", "/files/x", "", ""},                      // {path+} found, method missing
		{"GET", "/a/x/c", "GET /a/{b}/c", "b=x"},
		{"GET", "/a/x/d", "ANY /{proxy+}", "proxy=a/x/d"},
		{"GET", "/nothing/here", "ANY /{proxy+}", "proxy=nothing/here"},
		{"GET", "//pets", "", ""},
		{"GET", "/head", "", ""}, // GET does not serve HEAD on API Gateway
		{"HEAD", "/head", "HEAD /head", ""},
	})
}

func TestRESTWithoutProxy(t *testing.T) {
	tbl, err := New(model.REST, routes("GET /pets", "GET /pets/{id}"))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, tbl, []routeCase{
		{"GET", "/", "", ""},
		{"GET", "/pets/1/2", "", ""},
		{"GET", "/Pets", "", ""}, // paths are case-sensitive
	})
}

// TestHTTPAPIRouting covers HTTP API route selection: the most specific
// path, an exact method before ANY, fall through to less specific routes
// when a path's methods do not fit, and $default for the rest.
func TestHTTPAPIRouting(t *testing.T) {
	tbl, err := New(model.HTTP, routes(
		"GET /pets", "ANY /pets", "GET /pets/{id}",
		"ANY /{proxy+}", "$default", "POST /pets/{id}/{rest+}",
	))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, tbl, []routeCase{
		{"GET", "/pets", "GET /pets", ""},
		{"POST", "/pets", "ANY /pets", ""},
		{"GET", "/pets/1", "GET /pets/{id}", "id=1"},
		{"DELETE", "/pets/1", "ANY /{proxy+}", "proxy=pets/1"},
		{"GET", "/", "$default", ""},
		{"POST", "/pets/1/a/b", "POST /pets/{id}/{rest+}", "id=1,rest=a/b"},
		{"GET", "/pets/1/a/b", "ANY /{proxy+}", "proxy=pets/1/a/b"},
	})
	noDefault, err := New(model.HTTP, routes("GET /pets"))
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, noDefault, []routeCase{{"POST", "/pets", "", ""}, {"GET", "/x", "", ""}})
}

func TestConflicts(t *testing.T) {
	for _, c := range []struct {
		protocol model.Protocol
		keys     []string
		want     string
	}{
		{model.REST, []string{"GET /pets/{id}", "GET /pets/{petId}"}, "already has a variable path part"},
		{model.REST, []string{"GET /pets/{id}", "GET /pets/{proxy+}"}, "already has a variable path part"},
		{model.REST, []string{"GET /pets", "GET /pets"}, "duplicate route"},
		{model.HTTP, []string{"$default", "$default"}, "duplicate route $default"},
	} {
		_, err := New(c.protocol, routes(c.keys...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.keys, err, c.want)
		}
	}
}

func BenchmarkRouteMatch(b *testing.B) {
	tbl, err := New(model.REST, routes("GET /pets", "GET /pets/{petId}", "ANY /pets/{petId}/toys", "ANY /{proxy+}"))
	if err != nil {
		b.Fatal(err)
	}
	var buf [8]Param
	for _, path := range []string{"/pets", "/pets/42/toys", "/a/b/c/d"} {
		b.Run("path="+path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := tbl.Lookup("GET", path, buf[:0]); !ok {
					b.Fatal("no match")
				}
			}
		})
	}
}

// FuzzLookup checks that any path is answered without a panic, and that
// a match's parameters are substrings of the path.
func FuzzLookup(f *testing.F) {
	tbl, err := New(model.REST, routes("GET /", "GET /pets/{id}", "ANY /{proxy+}", "GET /a/{b}/c/{d+}"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"/", "/pets/1", "/a/b/c/d/e", "//", "/pets/", "/a//c/x", "/%00"} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		if path != "" && path[0] != '/' {
			path = "/" + path
		}
		m, ok := tbl.Lookup(method, path, nil)
		if !ok {
			return
		}
		for _, p := range m.Params {
			if p.Raw == "" || !strings.Contains(path, p.Raw) {
				t.Fatalf("param %s=%q is not part of %q", p.Name, p.Raw, path)
			}
		}
	})
}
