// Package yamlx decodes YAML (and JSON, which YAML parses) into Go structs
// strictly: unknown keys, wrong types and bad values are errors that carry
// the file, line, column and field path, and every problem in a document is
// reported in one run.
package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the size of a document read by ReadFile; definitions
// and configs larger than this are almost certainly a mistake.
const MaxFileSize = 8 << 20

// Error is one decoding problem at a position in a document.
type Error struct {
	File  string
	Line  int
	Col   int
	Field string // dotted path, e.g. apis[0].stages.prod
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors collects problems in document order.
type Errors struct {
	File string
	list []error
}

// Add records a problem at node n.
func (es *Errors) Add(n *yaml.Node, field, format string, args ...any) {
	e := &Error{File: es.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	es.list = append(es.list, e)
}

// Append records an error from elsewhere: the problems of a joined error
// are added one by one, so positions from another file stay their own.
func (es *Errors) Append(err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			es.Append(e)
		}
		return
	}
	if err != nil {
		es.list = append(es.list, err)
	}
}

// Err returns the joined problems, or nil. Problems of one file are in
// the order of their positions.
func (es *Errors) Err() error {
	sort.SliceStable(es.list, func(i, j int) bool {
		a, aok := es.list[i].(*Error)
		b, bok := es.list[j].(*Error)
		if !aok || !bok || a.File != b.File {
			return false
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Field < b.Field // map-backed fields come in any order
	})
	return errors.Join(es.list...)
}

// Len reports how many problems were recorded.
func (es *Errors) Len() int { return len(es.list) }

// ReadFile reads and parses a YAML or JSON document, bounded in size.
func ReadFile(path string) (*yaml.Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file is %d bytes; the limit is %d", st.Size(), MaxFileSize)}
	}
	data := make([]byte, 0, st.Size())
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return Parse(path, buf.Bytes())
}

// Parse parses one YAML or JSON document into its root mapping node.
func Parse(file string, data []byte) (*yaml.Node, error) {
	if len(data) > MaxFileSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("document is %d bytes; the limit is %d", len(data), MaxFileSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil, &Error{File: file, Msg: "document is empty"}
		}
		return nil, parseError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "document is empty"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Col: root.Column, Msg: "document must be a mapping (key: value pairs)"}
	}
	if err := checkDuplicateKeys(file, root); err != nil {
		return nil, err
	}
	return root, nil
}

// parseError turns yaml's "yaml: line N: msg" into an Error with a position.
func parseError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				e.Line, e.Col, e.Msg = n, 1, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return e
}

// checkDuplicateKeys rejects mappings that repeat a key, which yaml.v3
// accepts in nodes (it only rejects them when decoding into maps).
func checkDuplicateKeys(file string, n *yaml.Node) error {
	var es = Errors{File: file}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if depth > 200 {
			es.Add(n, "", "document nests deeper than 200 levels")
			return
		}
		if n.Kind == yaml.MappingNode {
			seen := make(map[string]bool, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if seen[k.Value] {
					es.Add(k, "", "duplicate key %q", k.Value)
				}
				seen[k.Value] = true
			}
		}
		if n.Kind == yaml.AliasNode {
			return // the anchor was walked where it is defined
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return es.Err()
}

// Decode decodes node into v (a pointer to a struct, map, slice or scalar)
// strictly. Struct fields are named by their `yaml` tag; a tag option
// "required" makes the key mandatory. A field of type *yaml.Node receives
// the raw node. Problems are added to es with field paths under prefix.
func Decode(es *Errors, n *yaml.Node, prefix string, v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("yamlx.Decode: v must be a non-nil pointer") // programming error
	}
	if n == nil {
		es.Add(nil, prefix, "value is missing")
		return
	}
	decode(es, n, prefix, rv.Elem(), 0)
}

var nodeType = reflect.TypeFor[*yaml.Node]()

func decode(es *Errors, n *yaml.Node, field string, v reflect.Value, depth int) {
	if depth > 100 {
		es.Add(n, field, "value nests deeper than 100 levels")
		return
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(n))
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && v.Kind() != reflect.Interface {
		if v.Kind() == reflect.Struct {
			// An empty value still has to name its required keys.
			decodeStruct(es, &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}, field, v, depth)
		}
		return // null leaves the zero value
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		decode(es, n, field, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		decodeStruct(es, n, field, v, depth)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			es.Add(n, field, "must be a mapping, not %s", kindName(n))
			return
		}
		if v.Type().Key().Kind() != reflect.String {
			panic("yamlx: map keys must be strings")
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			elem := reflect.New(v.Type().Elem()).Elem()
			decode(es, val, join(field, k.Value), elem, depth+1)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
		}
		v.Set(m)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			es.Add(n, field, "must be a list, not %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			decode(es, c, fmt.Sprintf("%s[%d]", field, i), s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			es.Add(n, field, "must be a string, not %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil || n.Tag == "!!str" {
			es.Add(n, field, "must be true or false, not %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil || v.OverflowInt(i) {
			es.Add(n, field, "must be an integer, not %q", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			es.Add(n, field, "must be a number, not %q", n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			es.Add(n, field, "%v", err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic("yamlx: unsupported field kind " + v.Kind().String())
	}
}

func decodeStruct(es *Errors, n *yaml.Node, field string, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		es.Add(n, field, "must be a mapping, not %s", kindName(n))
		return
	}
	t := v.Type()
	type fieldInfo struct {
		index    int
		required bool
	}
	fields := make(map[string]fieldInfo, t.NumField())
	var names []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fields[name] = fieldInfo{index: i, required: strings.Contains(opts, "required")}
		names = append(names, name)
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fi, ok := fields[k.Value]
		if !ok {
			es.Add(k, field, "unknown key %q (allowed: %s)", k.Value, strings.Join(names, ", "))
			continue
		}
		seen[k.Value] = true
		decode(es, val, join(field, k.Value), v.Field(fi.index), depth+1)
	}
	for _, name := range names {
		if fields[name].required && !seen[name] {
			es.Add(n, field, "missing required key %q", name)
		}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

// Lookup returns the value node for key in mapping n, or nil.
func Lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}
