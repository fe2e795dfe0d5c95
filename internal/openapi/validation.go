package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// API Gateway's request validation extensions.
const (
	validatorsKey = "x-amazon-apigateway-request-validators"
	validatorKey  = "x-amazon-apigateway-request-validator"
)

// maxSchemaJSON bounds a model converted to JSON (aliases can multiply a
// small YAML document).
const maxSchemaJSON = 4 << 20

// requestValidation holds what methods inherit for request validation:
// the API's validators and default validator, and its models.
type requestValidation struct {
	root       *yaml.Node
	protocol   model.Protocol
	validators map[string]model.RequestValidation
	// def is the API-level validator; "" means none.
	def string
	// models are the definitions / components.schemas, and the inline body
	// schemas of methods, by name.
	models map[string]*model.Model
	// consumes are a Swagger 2 document's default request media types.
	consumes []string
}

// readRequestValidation reads x-amazon-apigateway-request-validators,
// the API-level x-amazon-apigateway-request-validator and the models.
func readRequestValidation(es *yamlx.Errors, root *yaml.Node, protocol model.Protocol) *requestValidation {
	rv := &requestValidation{root: root, protocol: protocol}
	vs, def := yamlx.Lookup(root, validatorsKey), yamlx.Lookup(root, validatorKey)
	if protocol != model.REST {
		for key, n := range map[string]*yaml.Node{validatorsKey: vs, validatorKey: def} {
			if n != nil {
				es.Add(n, key, "request validation exists only for REST APIs")
			}
		}
		return rv
	}
	if vs != nil {
		rv.validators = map[string]model.RequestValidation{}
		if vs.Kind != yaml.MappingNode {
			es.Add(vs, validatorsKey, "must be a mapping from validator name to {validateRequestBody, validateRequestParameters}")
		} else {
			for i := 0; i+1 < len(vs.Content); i += 2 {
				var d struct {
					Body   bool `yaml:"validateRequestBody"`
					Params bool `yaml:"validateRequestParameters"`
				}
				yamlx.Decode(es, vs.Content[i+1], validatorsKey+"."+vs.Content[i].Value, &d)
				rv.validators[vs.Content[i].Value] = model.RequestValidation{Validator: vs.Content[i].Value, ValidateBody: d.Body, ValidateParameters: d.Params}
			}
		}
	}
	if def != nil {
		rv.def = rv.validatorName(es, def, validatorKey)
	}
	if c := yamlx.Lookup(root, "consumes"); c != nil && c.Kind == yaml.SequenceNode {
		for _, mt := range c.Content {
			rv.consumes = append(rv.consumes, mt.Value)
		}
	}
	if rv.validators == nil {
		return rv // models only matter to validators; others are not read
	}
	rv.models = map[string]*model.Model{}
	for _, at := range [...]struct {
		node  *yaml.Node
		field string
	}{
		{yamlx.Lookup(root, "definitions"), "definitions"},
		{yamlx.Lookup(yamlx.Lookup(root, "components"), "schemas"), "components.schemas"},
	} {
		if at.node == nil || at.node.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(at.node.Content); i += 2 {
			k, v := at.node.Content[i], at.node.Content[i+1]
			rv.addModel(es, k.Value, v, at.field+"."+k.Value, k)
		}
	}
	return rv
}

// validatorName checks a validator reference and returns the name.
func (rv *requestValidation) validatorName(es *yamlx.Errors, n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		es.Add(n, field, "must be the name of a validator under %s", validatorsKey)
		return ""
	}
	if _, ok := rv.validators[n.Value]; !ok {
		names := make([]string, 0, len(rv.validators))
		for name := range rv.validators {
			names = append(names, name)
		}
		sort.Strings(names)
		defined := "none is defined"
		if len(names) > 0 {
			defined = "defined: " + strings.Join(names, ", ")
		}
		es.Add(n, field, "no request validator %q under %s (%s)", n.Value, validatorsKey, defined)
		return ""
	}
	return n.Value
}

// addModel converts a schema to JSON and records it as a model. Its $ref
// are checked here, where positions are known; the schema itself is
// compiled with the plan.
func (rv *requestValidation) addModel(es *yamlx.Errors, name string, schema *yaml.Node, field string, at *yaml.Node) {
	if _, dup := rv.models[name]; dup {
		es.Add(at, field, "model %q is defined twice", name)
		return
	}
	js, err := schemaJSON(schema)
	if err != nil {
		es.Add(schema, field, "%v", err)
		return
	}
	rv.checkRefs(es, schema, field, 0)
	rv.models[name] = &model.Model{Name: name, Schema: js, Where: fmt.Sprintf("%s:%d:%d", es.File, at.Line, at.Column)}
}

// method returns a method's request validation: its validator (the
// method's own, else the API's) with the required parameters and request
// models it checks; nil when nothing is validated.
func (rv *requestValidation) method(es *yamlx.Errors, item, op *yaml.Node, field, method, path string) *model.RequestValidation {
	name := rv.def
	if n := yamlx.Lookup(op, validatorKey); n != nil {
		if rv.protocol != model.REST {
			es.Add(n, field+"."+validatorKey, "request validation exists only for REST APIs")
			return nil
		}
		name = rv.validatorName(es, n, field+"."+validatorKey)
	}
	v, ok := rv.validators[name]
	if name == "" || !ok || !v.ValidateBody && !v.ValidateParameters {
		return nil
	}
	seen := map[model.RequestParameter]bool{}
	var body *yaml.Node
	var bodyField string
	for _, p := range rv.parameters(es, item, op, field) {
		in, name := yamlx.Lookup(p.node, "in"), yamlx.Lookup(p.node, "name")
		if in == nil || name == nil {
			es.Add(p.node, p.field, `a parameter needs "in" and "name"`)
			continue
		}
		var loc model.ParameterLocation
		switch in.Value {
		case "path":
			loc = model.InPath
		case "query":
			loc = model.InQuery
		case "header":
			loc = model.InHeader
		case "body":
			body, bodyField = yamlx.Lookup(p.node, "schema"), p.field+".schema"
			continue
		default:
			continue // formData, cookie: API Gateway has no such method request parameters
		}
		req := yamlx.Lookup(p.node, "required")
		rp := model.RequestParameter{In: loc, Name: name.Value, Required: req != nil && req.Value == "true"}
		if key := (model.RequestParameter{In: loc, Name: name.Value}); !seen[key] {
			seen[key] = true
			v.Parameters = append(v.Parameters, rp)
		}
	}
	if !v.ValidateBody {
		return &v
	}
	label := method + " " + path
	if body != nil {
		// Swagger 2: the body parameter's schema, for each media type the
		// operation (else the document) consumes.
		consumes := rv.consumes
		if c := yamlx.Lookup(op, "consumes"); c != nil && c.Kind == yaml.SequenceNode {
			consumes = nil
			for _, mt := range c.Content {
				consumes = append(consumes, mt.Value)
			}
		}
		if len(consumes) == 0 {
			consumes = []string{"application/json"}
		}
		if m := rv.modelFor(es, body, bodyField, label); m != "" {
			for _, ct := range consumes {
				setModel(&v, ct, m)
			}
		}
	}
	if rb := yamlx.Lookup(op, "requestBody"); rb != nil {
		rbField := field + ".requestBody"
		rb, rbField = rv.deref(es, rb, rbField)
		var content *yaml.Node
		if rb != nil {
			content = yamlx.Lookup(rb, "content")
		}
		if content != nil && content.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(content.Content); i += 2 {
				ct, media := content.Content[i], content.Content[i+1]
				schema := yamlx.Lookup(media, "schema")
				if schema == nil {
					continue
				}
				f := rbField + ".content." + ct.Value + ".schema"
				if m := rv.modelFor(es, schema, f, label+" "+ct.Value); m != "" {
					setModel(&v, ct.Value, m)
				}
			}
		}
	}
	return &v
}

type paramNode struct {
	node  *yaml.Node
	field string
}

// parameters returns the operation's parameters with the path item's
// ones it does not override (same name and location), $ref resolved.
func (rv *requestValidation) parameters(es *yamlx.Errors, item, op *yaml.Node, field string) []paramNode {
	var out []paramNode
	index := map[string]int{}
	for _, src := range [...]struct {
		list  *yaml.Node
		field string
	}{
		{yamlx.Lookup(item, "parameters"), field[:strings.LastIndexByte(field, '.')] + ".parameters"},
		{yamlx.Lookup(op, "parameters"), field + ".parameters"},
	} {
		if src.list == nil {
			continue
		}
		if src.list.Kind != yaml.SequenceNode {
			es.Add(src.list, src.field, "must be a list of parameters")
			continue
		}
		for k, p := range src.list.Content {
			f := src.field + "[" + strconv.Itoa(k) + "]"
			p, f = rv.deref(es, p, f)
			if p == nil {
				continue
			}
			key := ""
			if in, name := yamlx.Lookup(p, "in"), yamlx.Lookup(p, "name"); in != nil && name != nil {
				key = in.Value + "\x00" + name.Value
			}
			if at, ok := index[key]; ok && key != "" {
				out[at] = paramNode{p, f}
				continue
			}
			index[key] = len(out)
			out = append(out, paramNode{p, f})
		}
	}
	return out
}

// deref follows a parameter's or request body's $ref within the document.
func (rv *requestValidation) deref(es *yamlx.Errors, n *yaml.Node, field string) (*yaml.Node, string) {
	ref := yamlx.Lookup(n, "$ref")
	if ref == nil {
		return n, field
	}
	target := pointerNode(rv.root, ref.Value)
	if target == nil {
		es.Add(ref, field+".$ref", "$ref %q points at nothing in this document", ref.Value)
		return nil, field
	}
	return target, strings.ReplaceAll(strings.TrimPrefix(ref.Value, "#/"), "/", ".")
}

// setModel records the model of a content type: lower case, as requests'
// media types are compared; $default as is.
func setModel(v *model.RequestValidation, contentType, name string) {
	if v.Models == nil {
		v.Models = map[string]string{}
	}
	ct := contentType
	if ct != model.DefaultContentType {
		ct = strings.ToLower(strings.TrimSpace(ct))
	}
	v.Models[ct] = name
}

// modelFor returns the model of a body schema: the model a lone $ref
// names, else a new model for the inline schema.
func (rv *requestValidation) modelFor(es *yamlx.Errors, schema *yaml.Node, field, label string) string {
	if ref := yamlx.Lookup(schema, "$ref"); ref != nil && len(schema.Content) == 2 {
		if name, ok := modelRef(ref.Value); ok {
			if rv.models[name] == nil {
				es.Add(ref, field+".$ref", "$ref %q: no model %q under definitions or components.schemas", ref.Value, name)
				return ""
			}
			return name
		}
	}
	name := "inline " + label
	before := es.Len()
	rv.addModel(es, name, schema, field, schema)
	if es.Len() > before {
		return ""
	}
	return name
}

// modelRef returns the model a $ref names when it points at a whole model:
// #/definitions/NAME, #/components/schemas/NAME or API Gateway's
// https://apigateway.amazonaws.com/restapis/{id}/models/NAME.
func modelRef(ref string) (string, bool) {
	for _, prefix := range [...]string{"#/definitions/", "#/components/schemas/"} {
		if rest, ok := strings.CutPrefix(ref, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			if u, err := url.PathUnescape(rest); err == nil {
				rest = u
			}
			return strings.ReplaceAll(strings.ReplaceAll(rest, "~1", "/"), "~0", "~"), true
		}
	}
	for _, scheme := range [...]string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(ref, scheme+"apigateway.amazonaws.com/restapis/"); ok {
			if _, name, ok := strings.Cut(rest, "/models/"); ok && name != "" && !strings.ContainsAny(name, "/#") {
				return name, true
			}
		}
	}
	return "", false
}

// checkRefs reports, with their positions, $ref in a schema that point at
// nothing: a missing model or a pointer outside the document.
func (rv *requestValidation) checkRefs(es *yamlx.Errors, n *yaml.Node, field string, depth int) {
	if n == nil || depth > 256 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "$ref" && v.Kind == yaml.ScalarNode {
				rv.checkRef(es, v, field+".$ref")
				continue
			}
			rv.checkRefs(es, v, field+"."+k.Value, depth+1)
		}
	case yaml.SequenceNode:
		for k, c := range n.Content {
			rv.checkRefs(es, c, field+"["+strconv.Itoa(k)+"]", depth+1)
		}
	}
}

func (rv *requestValidation) checkRef(es *yamlx.Errors, ref *yaml.Node, field string) {
	if name, ok := modelRef(ref.Value); ok && !strings.HasPrefix(ref.Value, "#") {
		if rv.models[name] == nil && pointerNode(rv.root, "#/definitions/"+name) == nil &&
			pointerNode(rv.root, "#/components/schemas/"+name) == nil {
			es.Add(ref, field, "$ref %q: no model %q under definitions or components.schemas", ref.Value, name)
		}
		return
	}
	if !strings.HasPrefix(ref.Value, "#") {
		es.Add(ref, field, "$ref %q is not supported (use #/definitions/NAME, #/components/schemas/NAME or https://apigateway.amazonaws.com/restapis/ID/models/NAME)", ref.Value)
		return
	}
	if pointerNode(rv.root, ref.Value) == nil {
		if name, ok := modelRef(ref.Value); ok {
			es.Add(ref, field, "$ref %q: no model %q under definitions or components.schemas", ref.Value, name)
			return
		}
		es.Add(ref, field, "$ref %q points at nothing in this document", ref.Value)
	}
}

// pointerNode follows a #/a/b JSON pointer from the document root.
func pointerNode(root *yaml.Node, ref string) *yaml.Node {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	n := root
	if frag == "" {
		return n
	}
	if !strings.HasPrefix(frag, "/") {
		return nil
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		switch {
		case n == nil:
			return nil
		case n.Kind == yaml.MappingNode:
			n = yamlx.Lookup(n, tok)
		case n.Kind == yaml.SequenceNode:
			k, err := strconv.Atoi(tok)
			if err != nil || k < 0 || k >= len(n.Content) {
				return nil
			}
			n = n.Content[k]
		default:
			return nil
		}
	}
	return n
}

// schemaJSON converts a YAML (or JSON) schema to JSON, keeping key order
// and numbers as written.
func schemaJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 512 {
		return fmt.Errorf("schema nested too deeply")
	}
	if b.Len() > maxSchemaJSON {
		return fmt.Errorf("schema larger than %d bytes", maxSchemaJSON)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(b, n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeJSON(b, n.Content[0], depth+1)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("line %d: schema keys must be plain strings (no merge keys)", k.Line)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k.Value)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		return writeScalar(b, n)
	}
	return nil
}

func writeScalar(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Tag {
	case "!!null":
		b.WriteString("null")
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		b.WriteString(strconv.FormatBool(v))
	case "!!int", "!!float":
		if json.Valid([]byte(n.Value)) {
			b.WriteString(n.Value) // as written: 1.50 stays a decimal
			return nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !json.Valid([]byte(s)) {
			return fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
		}
		b.WriteString(s)
	default:
		writeString(b, n.Value)
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
