package gateway

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/jsonschema"
	"github.com/gatehouse/gatehouse/internal/model"
)

// unparsableBody is the validation error of a body that is not JSON (an
// empty one included), as API Gateway logs it.
const unparsableBody = "[Unknown error parsing request body]"

// validationPlan is a REST method's compiled request validation.
type validationPlan struct {
	// required are the required parameters in the order API Gateway
	// meets them (see requiredInOrder).
	required []model.RequestParameter
	// models are the body schemas by content type (lower case) or
	// $default; nil when the validator does not check bodies.
	models map[string]*jsonschema.Schema
}

// compileValidation compiles the request validation of every method of
// api. The models that body validation uses, and those they refer to, are
// compiled once for the whole API; a model no method validates against is
// not (see docs/request-validation.md).
func compileValidation(api *model.API, ap *apiPlan) error {
	var roots []string
	for _, r := range api.Routes {
		if v := r.Validation; v != nil && v.ValidateBody {
			for _, name := range v.Models {
				roots = append(roots, name)
			}
		}
	}
	c := jsonschema.NewCompiler()
	if len(roots) > 0 {
		names := make([]string, 0, len(api.Models))
		for name := range api.Models {
			names = append(names, name)
		}
		sort.Strings(names)
		var errs []error
		for _, name := range names {
			m := api.Models[name]
			if err := c.Add(m.Name, m.Where, m.Schema); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		sort.Strings(roots)
		if err := c.Compile(slices.Compact(roots)...); err != nil {
			return err
		}
	}
	for _, r := range api.Routes {
		v, rp := r.Validation, ap.routes[r]
		if v == nil || rp == nil {
			continue
		}
		vp := &validationPlan{}
		if v.ValidateParameters {
			vp.required = requiredInOrder(v.Parameters)
		}
		if v.ValidateBody && len(v.Models) > 0 {
			vp.models = make(map[string]*jsonschema.Schema, len(v.Models))
			for ct, name := range v.Models {
				s := c.Schema(name)
				if s == nil {
					return fmt.Errorf("%s: route %s: no model %q", r.Where, r.Key, name)
				}
				vp.models[ct] = s
			}
		}
		if len(vp.required) > 0 || vp.models != nil {
			rp.validation = vp
		}
	}
	return nil
}

// validateRequest runs the method's request validator, after
// authorization and before the integration request, as API Gateway does:
// required parameters first (400 BAD_REQUEST_PARAMETERS), then the body
// against the model of its content type (400 BAD_REQUEST_BODY). The body
// is read once; the integration request reuses it.
func (g *Gateway) validateRequest(ex *exchange) error {
	vp := ex.route.validation
	if vp == nil {
		return nil
	}
	if missing := vp.missingParameters(ex); len(missing) > 0 {
		msg := "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
		ex.validationError = msg
		return gwerr.BadRequestParameters(msg)
	}
	schema, ct := vp.model(ex.in.Header.Get("Content-Type"))
	if schema == nil {
		return nil // no model for this content type: nothing to validate
	}
	body, err := ex.readBody()
	if err != nil {
		return err
	}
	doc, err := jsonschema.Parse(body)
	if err != nil {
		ex.validationError = unparsableBody
	} else if msgs := schema.Validate(doc.Root()); len(msgs) > 0 {
		ex.validationError = jsonschema.ErrorString(msgs)
	} else {
		return nil
	}
	g.log.Debug("Request body does not match model schema for content type "+ct+": "+ex.validationError, "requestId", ex.requestID)
	return gwerr.BadRequestBody()
}

// missingParameters lists the required parameters that are absent or
// blank, in the order API Gateway prints them (see javaHashOrder).
func (vp *validationPlan) missingParameters(ex *exchange) []string {
	var missing []string
	for _, p := range vp.required {
		var vals []string
		switch p.In {
		case model.InPath:
			if v := ex.PathParam(p.Name); v != "" {
				vals = []string{v}
			}
		case model.InQuery:
			vals = ex.Query(p.Name)
		case model.InHeader:
			vals = ex.in.Header.Values(p.Name)
		}
		// The last value is the parameter's, as method.request.* reads it.
		if len(vals) == 0 || strings.TrimSpace(vals[len(vals)-1]) == "" {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) < 2 {
		return missing
	}
	return javaHashOrder(missing)
}

// requiredInOrder returns the required parameters in the order API Gateway
// checks them: the iteration order of the method's requestParameters, a
// Java HashMap keyed by method.request.{location}.{name} holding every
// parameter, required or not.
func requiredInOrder(params []model.RequestParameter) []model.RequestParameter {
	keys := make([]string, 0, len(params))
	byKey := make(map[string]model.RequestParameter, len(params))
	for _, p := range params {
		k := "method.request." + string(p.In) + "." + p.Name
		keys = append(keys, k)
		byKey[k] = p
	}
	var out []model.RequestParameter
	for _, k := range javaHashOrder(keys) {
		if p := byKey[k]; p.Required {
			out = append(out, p)
		}
	}
	return out
}

// model selects the schema for a Content-Type: the model of its media type,
// else the $default model; application/json when the header is absent.
func (vp *validationPlan) model(contentType string) (*jsonschema.Schema, string) {
	if vp.models == nil {
		return nil, ""
	}
	ct := defaultContentType
	if mt, _, _ := strings.Cut(contentType, ";"); strings.TrimSpace(mt) != "" {
		ct = strings.ToLower(strings.TrimSpace(mt))
	}
	if s := vp.models[ct]; s != nil {
		return s, ct
	}
	return vp.models[model.DefaultContentType], ct
}

// javaHashOrder returns names, without repeats, in the iteration order of
// a java.util.HashSet (or HashMap keys) they were added to in turn: by
// bucket (the String hash spread as HashMap spreads it, masked by a table
// of 16 that doubles past a 0.75 load), then in insertion order. API
// Gateway collects missing parameters in such a set while it walks the
// method's requestParameters map: "[x-header-param, issuer, qs1]" and
// "[request, srsName, typeNames, service, cql_filter, version,
// outputFormat]", as AWS printed them, are reproduced this way
// (docs/request-validation.md).
func javaHashOrder(names []string) []string {
	seen := make(map[string]bool, len(names))
	uniq := names[:0:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	capacity := 16
	for len(uniq) > capacity*3/4 {
		capacity *= 2
	}
	bucket := func(s string) int {
		var h int32
		for _, u := range utf16.Encode([]rune(s)) {
			h = 31*h + int32(u)
		}
		x := uint32(h)
		return int((x ^ x>>16) & uint32(capacity-1))
	}
	sort.SliceStable(uniq, func(i, j int) bool { return bucket(uniq[i]) < bucket(uniq[j]) })
	return uniq
}
