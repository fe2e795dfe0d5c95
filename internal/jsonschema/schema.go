// Package jsonschema validates JSON against API Gateway models: JSON
// Schema draft 4, with the messages, keyword order and traversal of the
// validator API Gateway runs (java-json-tools' json-schema-validator), so
// that $context.error.validationErrorString reads as it does on AWS.
//
// Models are compiled once, at load: Compiler takes every model of an API
// by name, resolves $ref between them (#/definitions/Name,
// #/components/schemas/Name and API Gateway's
// https://apigateway.amazonaws.com/restapis/{id}/models/Name), and reports
// every invalid keyword with its JSON pointer. A compiled Schema is
// immutable and safe for concurrent use. See docs/request-validation.md.
package jsonschema

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// typeSet is a set of Kinds.
type typeSet uint8

func (t typeSet) has(k Kind) bool { return t&(1<<k) != 0 }

// names lists the set in the order the validator prints it.
func (t typeSet) names() []string {
	var out []string
	for _, k := range [...]Kind{Array, Boolean, Integer, Null, Number, Object, String} {
		if t.has(k) {
			out = append(out, k.String())
		}
	}
	return out
}

func kindByName(name string) (Kind, bool) {
	for _, k := range [...]Kind{Array, Boolean, Integer, Null, Number, Object, String} {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

// Schema is a compiled draft 4 schema (or subschema). The zero value of
// each constraint means the keyword is absent.
type Schema struct {
	model string
	ptr   string
	// ref is the $ref target; the other keywords of a schema with $ref are
	// ignored, as draft 4 says.
	ref *Schema

	types typeSet
	enum  []Value
	// enumText is the enum as the message prints it.
	enumText string

	minimum, maximum *decimal
	exclMin, exclMax bool
	multipleOf       *decimal

	minLength, maxLength int // -1: absent
	pattern              *regexp.Regexp
	patternSrc           string
	format               *format

	items           *Schema   // items as one schema
	itemsList       []*Schema // items as an array (tuple)
	itemsIsList     bool
	noMoreItems     bool    // additionalItems: false after a tuple
	additionalItems *Schema // additionalItems as a schema
	minItems        int
	maxItems        int // -1: absent
	uniqueItems     bool

	properties      map[string]*Schema
	patternProps    []patternProp // sorted by pattern
	noMoreProps     bool          // additionalProperties: false
	additionalProps *Schema       // additionalProperties as a schema
	required        []string      // sorted
	minProps        int
	maxProps        int // -1: absent
	propDeps        []propDep
	schemaDeps      []schemaDep

	allOf, anyOf, oneOf []*Schema
	not                 *Schema
}

type patternProp struct {
	src    string
	re     *regexp.Regexp
	schema *Schema
}

type propDep struct {
	name     string
	requires []string // sorted
}

type schemaDep struct {
	name   string
	schema *Schema
}

// Error is an invalid schema: where the model was defined (a label the
// caller gives, such as file:line:col), the model, the JSON pointer of the
// offending keyword within it, and what is wrong.
type Error struct {
	Where   string
	Model   string
	Pointer string
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "model %s", e.Model)
	if e.Pointer != "" {
		b.WriteString(": ")
		b.WriteString(e.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Compiler compiles the models of one API. Add every model, then Compile.
type Compiler struct {
	docs  map[string]*Doc
	where map[string]string
	names []string
	memo  map[string]*Schema
	errs  []error
}

// NewCompiler returns an empty compiler.
func NewCompiler() *Compiler {
	return &Compiler{docs: map[string]*Doc{}, where: map[string]string{}, memo: map[string]*Schema{}}
}

// Add adds a model: its name, where it was defined (for messages) and its
// schema as JSON.
func (c *Compiler) Add(name, where string, schema []byte) error {
	doc, err := Parse(schema)
	if err != nil {
		return &Error{Where: where, Model: name, Msg: err.Error()}
	}
	if _, dup := c.docs[name]; dup {
		return &Error{Where: where, Model: name, Msg: "defined twice"}
	}
	c.docs[name], c.where[name] = doc, where
	c.names = append(c.names, name)
	return nil
}

// Compile compiles the named models and those they refer to, or every
// model when none is named. All problems are returned, joined.
func (c *Compiler) Compile(roots ...string) error {
	if len(roots) == 0 {
		roots = c.names
	}
	for _, name := range roots {
		if c.docs[name] == nil {
			c.errs = append(c.errs, &Error{Model: name, Msg: "no such model"})
			continue
		}
		c.compile(name, "")
	}
	if len(c.errs) == 0 {
		c.checkLoops()
	}
	return errors.Join(c.errs...)
}

// Schema returns a compiled model, or nil when there is none by that name
// (or Compile failed).
func (c *Compiler) Schema(name string) *Schema {
	if len(c.errs) > 0 {
		return nil
	}
	return c.memo[key(name, "")]
}

func key(model, ptr string) string { return model + "#" + ptr }

func (c *Compiler) errorf(model, ptr, format string, args ...any) {
	c.errs = append(c.errs, &Error{Where: c.where[model], Model: model, Pointer: ptr, Msg: fmt.Sprintf(format, args...)})
}

// compile compiles the schema at ptr in model, once.
func (c *Compiler) compile(model, ptr string) *Schema {
	if s, ok := c.memo[key(model, ptr)]; ok {
		return s
	}
	s := &Schema{model: model, ptr: ptr, minLength: -1, maxLength: -1, maxItems: -1, maxProps: -1}
	c.memo[key(model, ptr)] = s
	v, ok := lookup(c.docs[model].Root(), ptr)
	if !ok {
		c.errorf(model, ptr, "no schema at this pointer")
		return s
	}
	if v.Kind() != Object {
		c.errorf(model, ptr, "a schema must be an object, not %s", v.Kind())
		return s
	}
	if r, ok := v.Get("$ref"); ok {
		if r.Kind() != String {
			c.errorf(model, ptr+"/$ref", "must be a string")
			return s
		}
		tm, tp, err := c.resolve(model, r.Str())
		if err == nil {
			if _, ok := lookup(c.docs[tm].Root(), tp); !ok {
				err = fmt.Errorf("$ref %q: model %s has nothing at %q", r.Str(), tm, tp)
			}
		}
		if err != nil {
			c.errorf(model, ptr+"/$ref", "%v", err)
			return s
		}
		s.ref = c.compile(tm, tp) // a chain that loops is found by checkLoops
		return s
	}
	for _, m := range v.Members() {
		c.keyword(s, model, ptr+"/"+escapePointer(m.Name), m.Name, m.Value, v)
	}
	return s
}

// keyword compiles one keyword of the schema object obj.
func (c *Compiler) keyword(s *Schema, model, at, name string, v, obj Value) {
	sub := func(p string) *Schema { return c.compile(model, p) }
	switch name {
	case "type":
		s.types = c.types(model, at, v)
	case "enum":
		if v.Kind() != Array || v.Len() == 0 {
			c.errorf(model, at, "must be a non-empty array")
			return
		}
		s.enum, s.enumText = v.Items(), v.String()
	case "minimum", "maximum", "multipleOf":
		if k := v.Kind(); k != Integer && k != Number {
			c.errorf(model, at, "must be a number")
			return
		}
		d := parseDecimal(v.Literal(), v.Kind())
		switch name {
		case "minimum":
			s.minimum = &d
		case "maximum":
			s.maximum = &d
		default:
			if d.sign() <= 0 {
				c.errorf(model, at, "must be greater than 0")
				return
			}
			s.multipleOf = &d
		}
	case "exclusiveMinimum", "exclusiveMaximum":
		if v.Kind() != Boolean {
			c.errorf(model, at, "must be a boolean")
			return
		}
		if name == "exclusiveMinimum" {
			s.exclMin = v.Bool()
		} else {
			s.exclMax = v.Bool()
		}
	case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
		n, ok := count(v)
		if !ok {
			c.errorf(model, at, "must be an integer from 0 to %d", math.MaxInt32)
			return
		}
		switch name {
		case "minLength":
			s.minLength = n
		case "maxLength":
			s.maxLength = n
		case "minItems":
			s.minItems = n
		case "maxItems":
			s.maxItems = n
		case "minProperties":
			s.minProps = n
		default:
			s.maxProps = n
		}
	case "pattern":
		if v.Kind() != String {
			c.errorf(model, at, "must be a string")
			return
		}
		re, err := compileECMA(v.Str())
		if err != nil {
			c.errorf(model, at, "%v", err)
			return
		}
		s.pattern, s.patternSrc = re, v.Str()
	case "format":
		if v.Kind() != String {
			c.errorf(model, at, "must be a string")
			return
		}
		s.format = lookupFormat(v.Str()) // unknown formats are ignored, as on AWS
	case "items":
		switch v.Kind() {
		case Object:
			s.items = sub(at)
		case Array:
			s.itemsIsList = true
			for k := range v.Items() {
				s.itemsList = append(s.itemsList, sub(at+"/"+strconv.Itoa(k)))
			}
		default:
			c.errorf(model, at, "must be a schema or an array of schemas")
		}
	case "additionalItems", "additionalProperties":
		var target *Schema
		switch v.Kind() {
		case Boolean:
		case Object:
			target = sub(at)
		default:
			c.errorf(model, at, "must be a boolean or a schema")
			return
		}
		if name == "additionalItems" {
			s.additionalItems = target
			s.noMoreItems = v.Kind() == Boolean && !v.Bool()
		} else {
			s.additionalProps = target
			s.noMoreProps = v.Kind() == Boolean && !v.Bool()
		}
	case "uniqueItems":
		if v.Kind() != Boolean {
			c.errorf(model, at, "must be a boolean")
			return
		}
		s.uniqueItems = v.Bool()
	case "properties":
		if v.Kind() != Object {
			c.errorf(model, at, "must be an object of schemas")
			return
		}
		s.properties = map[string]*Schema{}
		for _, m := range v.Members() {
			s.properties[m.Name] = sub(at + "/" + escapePointer(m.Name))
		}
	case "patternProperties":
		if v.Kind() != Object {
			c.errorf(model, at, "must be an object of schemas")
			return
		}
		for _, m := range v.Members() {
			re, err := compileECMA(m.Name)
			if err != nil {
				c.errorf(model, at, "%v", err)
				continue
			}
			s.patternProps = append(s.patternProps, patternProp{src: m.Name, re: re, schema: sub(at + "/" + escapePointer(m.Name))})
		}
		sort.Slice(s.patternProps, func(i, j int) bool { return s.patternProps[i].src < s.patternProps[j].src })
	case "required":
		names, ok := stringSet(v)
		if !ok {
			c.errorf(model, at, "must be an array of distinct strings")
			return
		}
		s.required = names
	case "dependencies":
		if v.Kind() != Object {
			c.errorf(model, at, "must be an object")
			return
		}
		for _, m := range v.Members() {
			switch m.Value.Kind() {
			case Object:
				s.schemaDeps = append(s.schemaDeps, schemaDep{name: m.Name, schema: sub(at + "/" + escapePointer(m.Name))})
			case Array:
				names, ok := stringSet(m.Value)
				if !ok {
					c.errorf(model, at+"/"+escapePointer(m.Name), "must be an array of distinct strings")
					continue
				}
				s.propDeps = append(s.propDeps, propDep{name: m.Name, requires: names})
			default:
				c.errorf(model, at+"/"+escapePointer(m.Name), "must be a schema or an array of property names")
			}
		}
		sort.Slice(s.propDeps, func(i, j int) bool { return s.propDeps[i].name < s.propDeps[j].name })
		sort.Slice(s.schemaDeps, func(i, j int) bool { return s.schemaDeps[i].name < s.schemaDeps[j].name })
	case "allOf", "anyOf", "oneOf":
		if v.Kind() != Array || v.Len() == 0 {
			c.errorf(model, at, "must be a non-empty array of schemas")
			return
		}
		list := make([]*Schema, 0, v.Len())
		for k := range v.Items() {
			list = append(list, sub(at+"/"+strconv.Itoa(k)))
		}
		switch name {
		case "allOf":
			s.allOf = list
		case "anyOf":
			s.anyOf = list
		default:
			s.oneOf = list
		}
	case "not":
		s.not = sub(at)
	case "definitions":
		// Checked like every other schema, though only $ref reaches them.
		if v.Kind() != Object {
			c.errorf(model, at, "must be an object of schemas")
			return
		}
		for _, m := range v.Members() {
			sub(at + "/" + escapePointer(m.Name))
		}
	}
	// Other keywords ($schema, id, title, description, default, and
	// OpenAPI's nullable, example, discriminator, readOnly, xml...) do not
	// constrain the instance; the validator ignores them as well.
}

func (c *Compiler) types(model, at string, v Value) typeSet {
	var names []Value
	switch v.Kind() {
	case String:
		names = []Value{v}
	case Array:
		names = v.Items()
	}
	if len(names) == 0 {
		c.errorf(model, at, "must be a type name or a non-empty array of them")
		return 0
	}
	var t typeSet
	for _, n := range names {
		k, ok := Kind(0), false
		if n.Kind() == String {
			k, ok = kindByName(n.Str())
		}
		if !ok {
			c.errorf(model, at, "unknown type %s (allowed: array, boolean, integer, null, number, object, string)", n.String())
			return 0
		}
		t |= 1 << k
	}
	if t.has(Number) {
		t |= 1 << Integer // an integer is a number
	}
	return t
}

// count reads a non-negative integer keyword (minLength, maxItems, ...).
func count(v Value) (int, bool) {
	if v.Kind() != Integer {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Literal(), 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int(n), true
}

// stringSet reads an array of distinct strings, sorted as the validator
// reports them.
func stringSet(v Value) ([]string, bool) {
	if v.Kind() != Array {
		return nil, false
	}
	seen := map[string]bool{}
	out := make([]string, 0, v.Len())
	for _, it := range v.Items() {
		if it.Kind() != String || seen[it.Str()] {
			return nil, false
		}
		seen[it.Str()] = true
		out = append(out, it.Str())
	}
	sort.Strings(out)
	return out, true
}

// resolve maps a $ref to a model and a JSON pointer within it.
func (c *Compiler) resolve(model, ref string) (string, string, error) {
	base, frag, _ := strings.Cut(ref, "#")
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return "", "", fmt.Errorf("$ref %q: %v", ref, err)
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		return "", "", fmt.Errorf("$ref %q: the fragment must be a JSON pointer", ref)
	}
	if base != "" {
		name, ok := awsModelURL(base)
		if !ok {
			return "", "", fmt.Errorf("$ref %q is not supported (use #/definitions/NAME, #/components/schemas/NAME or https://apigateway.amazonaws.com/restapis/ID/models/NAME)", ref)
		}
		if c.docs[name] == nil {
			return "", "", fmt.Errorf("$ref %q: no model %q", ref, name)
		}
		return name, frag, nil
	}
	for _, prefix := range [...]string{"/definitions/", "/components/schemas/"} {
		rest, ok := strings.CutPrefix(frag, prefix)
		if !ok {
			continue
		}
		name, tail, _ := strings.Cut(rest, "/")
		name = unescapePointer(name)
		if tail != "" {
			tail = "/" + tail
		}
		if c.docs[name] != nil {
			return name, tail, nil
		}
		if _, local := lookup(c.docs[model].Root(), frag); local {
			return model, frag, nil // the model's own definitions
		}
		return "", "", fmt.Errorf("$ref %q: no model %q", ref, name)
	}
	return model, frag, nil // a pointer within the model itself
}

// awsModelURL reads API Gateway's model URL,
// https://apigateway.amazonaws.com/restapis/{restapi_id}/models/{name}.
func awsModelURL(s string) (string, bool) {
	for _, scheme := range [...]string{"https://", "http://"} {
		rest, ok := strings.CutPrefix(s, scheme+"apigateway.amazonaws.com/restapis/")
		if !ok {
			continue
		}
		_, name, ok := strings.Cut(rest, "/models/")
		if ok && name != "" && !strings.Contains(name, "/") {
			return name, true
		}
	}
	return "", false
}

// lookup follows a JSON pointer from v.
func lookup(v Value, ptr string) (Value, bool) {
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapePointer(tok)
		switch v.Kind() {
		case Object:
			next, ok := v.Get(tok)
			if !ok {
				return Value{}, false
			}
			v = next
		case Array:
			k, err := strconv.Atoi(tok)
			if err != nil || k < 0 || k >= v.Len() || (len(tok) > 1 && tok[0] == '0') {
				return Value{}, false
			}
			v = v.Items()[k]
		default:
			return Value{}, false
		}
	}
	return v, true
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// checkLoops reports schemas that reach themselves again for the same
// instance (through $ref, allOf, anyOf, oneOf, not or a schema
// dependency): validating them would never end. Children of the instance
// (items, properties) are not such edges, so recursive types are fine.
func (c *Compiler) checkLoops() {
	keys := make([]string, 0, len(c.memo))
	for k := range c.memo {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	state := make(map[*Schema]int, len(c.memo)) // 1: on the path, 2: done
	var visit func(s *Schema) bool
	visit = func(s *Schema) bool {
		state[s] = 1
		for _, n := range s.sameInstance() {
			switch state[n] {
			case 1:
				c.errorf(n.model, n.ptr, "the schema refers back to itself for the same value ($ref, allOf, anyOf, oneOf, not or dependencies), so validation would never end")
				return true
			case 0:
				if visit(n) {
					return true
				}
			}
		}
		state[s] = 2
		return false
	}
	for _, k := range keys {
		if s := c.memo[k]; state[s] == 0 && visit(s) {
			return // one loop is enough to refuse the API
		}
	}
}

// sameInstance lists the schemas s applies to the instance it validates.
func (s *Schema) sameInstance() []*Schema {
	out := make([]*Schema, 0, len(s.allOf)+len(s.anyOf)+len(s.oneOf)+len(s.schemaDeps)+2)
	out = append(append(append(out, s.allOf...), s.anyOf...), s.oneOf...)
	if s.ref != nil {
		out = append(out, s.ref)
	}
	if s.not != nil {
		out = append(out, s.not)
	}
	for _, d := range s.schemaDeps {
		out = append(out, d.schema)
	}
	return out
}
