package jsonschema

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Validation budget: a schema with nested anyOf/oneOf over a deep body
// can cost exponential time; past the budget validation stops and the
// body is refused (gatehouse's guard, not an AWS behaviour).
const (
	minSteps        = 1_000_000
	stepsPerNode    = 64
	maxNumberDigits = 20_000 // multipleOf on longer numbers is refused
)

// BudgetMessage is the message of a validation stopped by the budget.
const BudgetMessage = "gatehouse: validation stopped: this body needs too many steps against this model"

// Validate validates an instance and returns the validator's messages in
// the order API Gateway reports them; none means valid. As on AWS (a
// validator without deep checking), the children of a value are only
// visited while nothing has failed yet, and anyOf, allOf, oneOf and not
// report one summary message.
func (s *Schema) Validate(v Value) []string {
	val := &validator{limit: max(minSteps, stepsPerNode*len(v.d.nodes))}
	var r report
	val.process(&r, s, v)
	if val.exhausted {
		return []string{BudgetMessage}
	}
	return r.msgs
}

// ErrorString formats messages as API Gateway's
// $context.error.validationErrorString: a bracketed, comma-separated list
// with quotes and backslashes escaped, so that the value can sit between
// quotes in a JSON template.
func ErrorString(msgs []string) string {
	s := "[" + strings.Join(msgs, ", ") + "]"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type report struct{ msgs []string }

func (r *report) add(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

type validator struct {
	steps, limit int
	exhausted    bool
}

func (v *validator) spend(n int) bool {
	v.steps += n
	if v.steps > v.limit {
		v.exhausted = true
	}
	return !v.exhausted
}

// process validates inst against s into r: every keyword, then the
// children while r holds no error.
func (v *validator) process(r *report, s *Schema, inst Value) {
	for s.ref != nil {
		s = s.ref
	}
	if !v.spend(1) {
		return
	}
	k := inst.Kind()
	var members []Member
	if k == Object {
		members = inst.Members()
	}
	v.keywords(r, s, inst, k, members)
	if len(r.msgs) > 0 || v.exhausted {
		return
	}
	switch k {
	case Array:
		for idx, item := range inst.Items() {
			for _, cs := range s.itemSchemas(idx) {
				v.process(r, cs, item)
			}
		}
	case Object:
		slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.Name, b.Name) })
		for _, m := range members {
			for _, cs := range s.memberSchemas(m.Name) {
				v.process(r, cs, m.Value)
			}
		}
	}
}

func (s *Schema) itemSchemas(idx int) []*Schema {
	switch {
	case s.items != nil:
		return []*Schema{s.items}
	case s.itemsIsList && idx < len(s.itemsList):
		return s.itemsList[idx : idx+1]
	case s.additionalItems != nil:
		return []*Schema{s.additionalItems}
	}
	return nil
}

func (s *Schema) memberSchemas(name string) []*Schema {
	var out []*Schema
	if p, ok := s.properties[name]; ok {
		out = append(out, p)
	}
	for _, pp := range s.patternProps {
		if pp.re.MatchString(name) {
			out = append(out, pp.schema)
		}
	}
	if len(out) == 0 && s.additionalProps != nil {
		out = append(out, s.additionalProps)
	}
	return out
}

// keywords checks s's keywords that apply to an instance of kind k, in the
// validator's order (keyword names sorted, format last).
func (v *validator) keywords(r *report, s *Schema, inst Value, k Kind, members []Member) {
	isNum := k == Integer || k == Number
	if k == Array && s.itemsIsList && s.noMoreItems && inst.Len() > len(s.itemsList) {
		r.add("schema only allows %d elements in array but instance has %d elements", len(s.itemsList), inst.Len())
	}
	if k == Object && s.noMoreProps {
		var extra []string
		for _, m := range members {
			if _, ok := s.properties[m.Name]; ok {
				continue
			}
			if !s.matchesPatternProp(m.Name) {
				extra = append(extra, m.Name)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			r.add("object instance has properties which are not allowed by the schema: %s", jsonStrings(extra))
		}
	}
	if len(s.allOf) > 0 {
		if n := v.matches(s.allOf, inst); n != len(s.allOf) {
			r.add("instance failed to match all required schemas (matched only %d out of %d)", n, len(s.allOf))
		}
	}
	if len(s.anyOf) > 0 {
		if v.matches(s.anyOf, inst) == 0 {
			r.add("instance failed to match at least one required schema among %d", len(s.anyOf))
		}
	}
	if k == Object && (len(s.propDeps) > 0 || len(s.schemaDeps) > 0) {
		has := make(map[string]bool, len(members))
		for _, m := range members {
			has[m.Name] = true
		}
		for _, d := range s.propDeps {
			if !has[d.name] {
				continue
			}
			var missing []string
			for _, req := range d.requires {
				if !has[req] {
					missing = append(missing, req)
				}
			}
			if len(missing) > 0 {
				r.add("property \"%s\" of object has missing property dependencies (schema requires %s; missing: %s)", d.name, jsonStrings(d.requires), jsonStrings(missing))
			}
		}
		for _, d := range s.schemaDeps {
			if has[d.name] {
				v.process(r, d.schema, inst)
			}
		}
	}
	if s.enum != nil {
		found := false
		for _, e := range s.enum {
			if equal(e, inst) {
				found = true
				break
			}
		}
		if !found {
			r.add("instance value (%s) not found in enum (possible values: %s)", inst.String(), s.enumText)
		}
	}
	if k == Array && s.maxItems >= 0 && inst.Len() > s.maxItems {
		r.add("array is too long: must have at most %d elements but instance has %d elements", s.maxItems, inst.Len())
	}
	var str string
	var strLen int
	if k == String && (s.maxLength >= 0 || s.minLength >= 0 || s.pattern != nil || s.format != nil) {
		str = inst.Str()
		strLen = utf8.RuneCountInString(str)
	}
	if k == String && s.maxLength >= 0 && strLen > s.maxLength {
		r.add("string \"%s\" is too long (length: %d, maximum allowed: %d)", str, strLen, s.maxLength)
	}
	if k == Object && s.maxProps >= 0 && len(members) > s.maxProps {
		r.add("object has too many properties (found %d but schema requires at most %d)", len(members), s.maxProps)
	}
	var num decimal
	if isNum && (s.maximum != nil || s.minimum != nil || s.multipleOf != nil) {
		num = parseDecimal(inst.Literal(), k)
	}
	if isNum && s.maximum != nil {
		switch c := num.cmp(*s.maximum); {
		case c > 0:
			r.add("numeric instance is greater than the required maximum (maximum: %s, found: %s)", s.maximum, num)
		case c == 0 && s.exclMax:
			r.add("numeric instance is not strictly lower than the required maximum %s", s.maximum)
		}
	}
	if k == Array && inst.Len() < s.minItems {
		r.add("array is too short: must have at least %d elements but instance has %d elements", s.minItems, inst.Len())
	}
	if k == String && strLen < s.minLength {
		r.add("string \"%s\" is too short (length: %d, required minimum: %d)", str, strLen, s.minLength)
	}
	if k == Object && len(members) < s.minProps {
		r.add("object has too few properties (found %d but schema requires at least %d)", len(members), s.minProps)
	}
	if isNum && s.minimum != nil {
		switch c := num.cmp(*s.minimum); {
		case c < 0:
			r.add("numeric instance is lower than the required minimum (minimum: %s, found: %s)", s.minimum, num)
		case c == 0 && s.exclMin:
			r.add("numeric instance is not strictly greater than the required minimum %s", s.minimum)
		}
	}
	if isNum && s.multipleOf != nil {
		if len(num.digits) > maxNumberDigits {
			v.exhausted = true
			return
		}
		v.spend(len(num.digits)/16 + 1)
		if !num.multipleOf(*s.multipleOf) {
			r.add("remainder of division is not zero (%s / %s)", num, s.multipleOf)
		}
	}
	if s.not != nil {
		var sub report
		v.process(&sub, s.not, inst)
		if len(sub.msgs) == 0 {
			r.add("instance matched a schema which it should not have")
		}
	}
	if len(s.oneOf) > 0 {
		if n := v.matches(s.oneOf, inst); n != 1 {
			r.add("instance failed to match exactly one schema (matched %d out of %d)", n, len(s.oneOf))
		}
	}
	if k == String && s.pattern != nil {
		v.spend(len(str)/64 + 1)
		if !s.pattern.MatchString(str) {
			r.add("ECMA 262 regex \"%s\" does not match input string \"%s\"", s.patternSrc, str)
		}
	}
	if k == Object && len(s.required) > 0 {
		var index map[string]int
		if len(members) > smallObject && len(s.required) > 1 {
			index = make(map[string]int, len(members))
			for x, m := range members {
				index[m.Name] = x
			}
		}
		var missing []string
		for _, name := range s.required {
			if _, ok := findMember(members, index, name); !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			r.add("object has missing required properties (%s)", jsonStrings(missing))
		}
	}
	if s.types != 0 && !s.types.has(k) {
		r.add("instance type (%s) does not match any allowed primitive type (allowed: %s)", k, jsonStrings(s.types.names()))
	}
	if k == Array && s.uniqueItems {
		items := inst.Items()
		v.spend(len(items) * len(items) / 64)
	dup:
		for i := range items {
			for j := i + 1; j < len(items) && !v.exhausted; j++ {
				if equal(items[i], items[j]) {
					r.add("array must not contain duplicate elements")
					break dup
				}
			}
		}
	}
	if k == String && s.format != nil {
		if msg := s.format.check(str); msg != "" {
			r.add("%s", msg)
		}
	}
}

func (s *Schema) matchesPatternProp(name string) bool {
	for _, pp := range s.patternProps {
		if pp.re.MatchString(name) {
			return true
		}
	}
	return false
}

// matches counts the schemas inst is valid against, each in a report of
// its own.
func (v *validator) matches(list []*Schema, inst Value) int {
	n := 0
	for _, s := range list {
		var sub report
		v.process(&sub, s, inst)
		if len(sub.msgs) == 0 && !v.exhausted {
			n++
		}
	}
	return n
}

// jsonStrings prints names as a compact JSON array, as Jackson does.
func jsonStrings(names []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for k, n := range names {
		if k > 0 {
			b.WriteByte(',')
		}
		writeJavaJSONString(&b, n)
	}
	b.WriteByte(']')
	return b.String()
}
