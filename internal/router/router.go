// Package router matches request paths to API Gateway routes: REST API
// resources (literal segments beat {param} beat {proxy+}, ANY is the
// method fallback) and HTTP API route keys (the most specific route, with
// $default catching the rest).
package router

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/model"
)

// Param is one matched path parameter.
type Param struct {
	Name string
	// Raw is the value as it appeared in the escaped request path.
	Raw string
}

// Match is the result of a successful lookup.
type Match struct {
	Route  *model.Route
	Params []Param
}

// Table matches requests to the routes of one API.
type Table struct {
	root     *node
	fallback *model.Route // HTTP API $default route
	// methodFallthrough makes a resource whose methods do not fit the
	// request fall through to less specific resources (HTTP APIs choose
	// among route keys); REST APIs pick the resource first.
	methodFallthrough bool
}

type node struct {
	segment  string           // the template segment, for messages
	literals map[string]*node // exact segments
	param    *node            // {name}
	greedy   *node            // {name+}, always a leaf
	name     string           // parameter name of this node when it is one
	methods  map[string]*model.Route
	path     string // resource path of this node
}

// New builds the table for routes of the given protocol. It rejects
// duplicate routes and sibling parameters with different names, as API
// Gateway does.
func New(protocol model.Protocol, routes []*model.Route) (*Table, error) {
	t := &Table{root: &node{path: "/"}, methodFallthrough: protocol == model.HTTP}
	var errs []string
	for _, r := range routes {
		if r.Key == model.DefaultRouteKey && protocol == model.HTTP {
			if t.fallback != nil {
				errs = append(errs, fmt.Sprintf("%s: duplicate route $default (also at %s)", r.Where, t.fallback.Where))
				continue
			}
			t.fallback = r
			continue
		}
		if err := t.insert(r); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", r.Where, err))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("routes: %s", strings.Join(errs, "; "))
	}
	return t, nil
}

func (t *Table) insert(r *model.Route) error {
	n := t.root
	if r.Path != "/" {
		for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/"), "/") {
			var next **node
			name := ""
			switch {
			case strings.HasSuffix(seg, "+}"):
				next, name = &n.greedy, seg[1:len(seg)-2]
			case strings.HasPrefix(seg, "{"):
				next, name = &n.param, seg[1:len(seg)-1]
			default:
				if n.literals == nil {
					n.literals = map[string]*node{}
				}
				child := n.literals[seg]
				if child == nil {
					child = &node{segment: seg, path: join(n.path, seg)}
					n.literals[seg] = child
				}
				n = child
				continue
			}
			// A resource has at most one variable child, whatever its kind.
			for _, other := range []*node{n.param, n.greedy} {
				if other != nil && other.segment != seg {
					return fmt.Errorf("route %q: a sibling %s of this resource already has a variable path part; only one is allowed", r.Key, other.segment)
				}
			}
			if *next == nil {
				*next = &node{segment: seg, name: name, path: join(n.path, seg)}
			}
			n = *next
		}
	}
	if n.methods == nil {
		n.methods = map[string]*model.Route{}
	}
	if prev := n.methods[r.Method]; prev != nil {
		return fmt.Errorf("duplicate route %q (also at %s)", r.Key, prev.Where)
	}
	n.methods[r.Method] = r
	return nil
}

func join(parent, seg string) string {
	if parent == "/" {
		return "/" + seg
	}
	return parent + "/" + seg
}

// Lookup finds the route for method and the escaped request path (the
// stage already removed). params is reused for the result's Params. ok is
// false when no route matches.
func (t *Table) Lookup(method, path string, params []Param) (m Match, ok bool) {
	if path == "" {
		path = "/"
	}
	m.Params = params[:0]
	r, _ := t.walk(t.root, method, path[1:], &m.Params)
	if r != nil {
		m.Route = r
		return m, true
	}
	if t.fallback != nil {
		m.Params = m.Params[:0]
		m.Route = t.fallback
		return m, true
	}
	return m, false
}

// walk matches rest (the path after n, without its leading '/') below n.
// stop reports that the search must end even though r is nil: a REST
// resource matched but has no method for the request.
func (t *Table) walk(n *node, method, rest string, params *[]Param) (r *model.Route, stop bool) {
	if rest == "" {
		return t.pick(n, method)
	}
	seg, tail, more := strings.Cut(rest, "/")
	if seg == "" {
		if !more {
			return t.pick(n, method) // a single trailing slash names the same resource
		}
		return nil, false // an empty segment matches no resource
	}
	mark := len(*params)
	if child := n.literals[seg]; child != nil {
		if r, stop := t.walk(child, method, tail, params); r != nil || stop {
			return r, stop
		}
		*params = (*params)[:mark]
	}
	if n.param != nil {
		*params = append(*params, Param{Name: n.param.name, Raw: seg})
		if r, stop := t.walk(n.param, method, tail, params); r != nil || stop {
			return r, stop
		}
		*params = (*params)[:mark]
	}
	if n.greedy != nil {
		r, stop := t.pick(n.greedy, method)
		if r != nil {
			*params = append(*params, Param{Name: n.greedy.name, Raw: rest})
		}
		return r, stop
	}
	return nil, false
}

// pick chooses the method of a matched resource: the exact method, then
// ANY. For REST, a resource that has methods ends the search even when
// none fits (API Gateway then answers as for an unknown route); HTTP APIs
// fall through to less specific routes.
func (t *Table) pick(n *node, method string) (r *model.Route, stop bool) {
	if len(n.methods) == 0 {
		return nil, false
	}
	if r := n.methods[method]; r != nil {
		return r, true
	}
	if r := n.methods[model.MethodAny]; r != nil {
		return r, true
	}
	return nil, !t.methodFallthrough
}
