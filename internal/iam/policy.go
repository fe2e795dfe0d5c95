package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Policy language versions
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
const (
	// Version2012 is the current policy language; it enables policy
	// variables.
	Version2012 = "2012-10-17"
	// Version2008 is the original policy language, and the one assumed
	// when a document has no Version: "${...}" is literal text in it.
	Version2008 = "2008-10-17"
)

// Kind says where a policy is attached, which decides the grammar: the
// Principal element is forbidden in identity policies and required in
// resource and trust policies, and Resource is forbidden in trust
// policies
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
// The zero value is IdentityPolicy.
type Kind uint8

const (
	// IdentityPolicy is attached to a user or role (put-user-policy,
	// put-role-policy), or returned by a Lambda authorizer.
	IdentityPolicy Kind = iota
	// ResourcePolicy is attached to a resource: an API Gateway REST API's
	// resource policy.
	ResourcePolicy
	// TrustPolicy is a role's assume-role policy document.
	TrustPolicy
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case IdentityPolicy:
		return "identity policy"
	case ResourcePolicy:
		return "resource policy"
	case TrustPolicy:
		return "trust policy"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ErrMalformedPolicy is wrapped by every *PolicyError, so that
// errors.Is(err, ErrMalformedPolicy) holds for any error ParsePolicy
// returns; the CLI and the API map it to IAM's MalformedPolicyDocument
// error code.
var ErrMalformedPolicy = errors.New("MalformedPolicyDocument")

// PolicyError is one problem in a policy document. ParsePolicy joins all
// of a document's problems with errors.Join.
type PolicyError struct {
	// Policy is the name given to ParsePolicy; empty if none.
	Policy string
	// Statement is the index of the statement in the Statement array, or
	// -1 for a problem with the document itself.
	Statement int
	// Sid is the statement's Sid, empty if it has none.
	Sid string
	// Field is the element at fault ("Effect", "Condition", "Version"),
	// empty for the whole document.
	Field string
	// Msg is the message in IAM's words where IAM has one, such as
	// "Policy document should not specify a principal.".
	Msg string
	// Err is the underlying cause (a JSON syntax error), or nil.
	Err error
}

// Error returns the location and the message, for example
// `policy "invoke": Statement[1] (Sid "Admins"): Principal: Policy document should not specify a principal.`.
func (e *PolicyError) Error() string {
	var b strings.Builder
	if e.Policy != "" {
		fmt.Fprintf(&b, "policy %q: ", e.Policy)
	}
	if e.Statement >= 0 {
		fmt.Fprintf(&b, "Statement[%d]", e.Statement)
		if e.Sid != "" {
			fmt.Fprintf(&b, " (Sid %q)", e.Sid)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(" (")
		b.WriteString(e.Err.Error())
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns ErrMalformedPolicy and the cause.
func (e *PolicyError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrMalformedPolicy, e.Err}
	}
	return []error{ErrMalformedPolicy}
}

// Policy is a compiled policy document: parsed and validated once (at put
// time), then evaluated many times by any number of goroutines. It is
// immutable. Obtain one with ParsePolicy; the zero value is an empty
// identity policy that allows nothing.
type Policy struct {
	name       string
	kind       Kind
	version    string
	hasVersion bool
	id         string
	stmts      []statement
}

// Name returns the name given to ParsePolicy.
func (p *Policy) Name() string { return p.name }

// Kind returns the policy's kind.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the policy language version, Version2008 when the
// document has none.
func (p *Policy) Version() string {
	if p.version == "" {
		return Version2008
	}
	return p.version
}

// NumStatements returns the number of statements.
func (p *Policy) NumStatements() int { return len(p.stmts) }

// effect is a statement's Effect element.
type effect uint8

const (
	// effectAllow is "Effect": "Allow".
	effectAllow effect = iota + 1
	// effectDeny is "Effect": "Deny".
	effectDeny
)

// String returns "Allow" or "Deny".
func (e effect) String() string {
	switch e {
	case effectAllow:
		return "Allow"
	case effectDeny:
		return "Deny"
	}
	return fmt.Sprintf("Effect(%d)", uint8(e))
}

// statement is one compiled statement.
type statement struct {
	index  int
	sid    string
	effect effect

	principal    *principalSet // nil: no Principal / NotPrincipal
	notPrincipal bool

	actions   []pattern
	notAction bool

	hasResource bool
	resources   []pattern
	notResource bool

	conds []condition
}

// Messages IAM returns for MalformedPolicyDocument, quoted as IAM writes
// them (seen in IAM API responses; see docs/iam-policies.md).
const (
	msgSyntax            = "Syntax errors in policy."
	msgNoPrincipal       = "Policy document should not specify a principal."
	msgNeedActions       = "Policy statement must contain actions."
	msgNeedResources     = "Policy statement must contain resources."
	msgProhibitResource  = "Has prohibited field Resource"
	msgVendor            = "Actions/Conditions must be prefaced by a vendor, e.g., iamservice, sdb, ec2, etc."
	msgOneColon          = "Actions/Condition can contain only one colon."
	msgSidUnique         = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum          = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgMissingPrincipal  = "Missing required field Principal"
	msgMissingEffect     = "Missing required field Effect"
	msgMissingStatement  = "Missing required field Statement"
	msgInvalidPrincipal  = "Invalid principal in policy"
	msgBothAction        = "Statement cannot contain both Action and NotAction"
	msgBothResource      = "Statement cannot contain both Resource and NotResource"
	msgBothPrincipal     = "Statement cannot contain both Principal and NotPrincipal"
	msgVersion           = `Version must be "2012-10-17" or "2008-10-17"`
	msgStatementType     = "Statement must be an object or an array of objects"
	msgStringOrArray     = "must be a string or an array of strings"
	msgConditionTypeFmt  = "the Condition element must be an object of operators, each an object of keys"
	msgResourceFormatFmt = `Resource %s must be in ARN format or "*".`
)

// parser collects problems while compiling one document.
type parser struct {
	name string
	kind Kind
	errs []error
}

func (ps *parser) fail(stmt int, sid, field, msg string, err error) {
	ps.errs = append(ps.errs, &PolicyError{Policy: ps.name, Statement: stmt, Sid: sid, Field: field, Msg: msg, Err: err})
}

// ParsePolicy parses, validates and compiles a policy document of the
// given kind. name identifies the policy in errors and in evaluation
// results (the PolicyName of put-user-policy, or "resource policy").
//
// Every problem found is reported, joined with errors.Join; each is a
// *PolicyError wrapping ErrMalformedPolicy and naming the statement and
// element. Element names are case-sensitive, as are the Effect values.
// Beyond IAM's grammar
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)
// condition values are checked for their operator's type (a number for
// Numeric..., an address or CIDR block for IpAddress), so a policy that
// could never match fails at put time rather than silently denying.
func ParsePolicy(name string, kind Kind, doc []byte) (*Policy, error) {
	ps := &parser{name: name, kind: kind}
	p := &Policy{name: name, kind: kind}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		ps.fail(-1, "", "", msgSyntax, err)
		return nil, errors.Join(ps.errs...)
	}
	if top == nil {
		ps.fail(-1, "", "", msgSyntax, errors.New("document is not a JSON object"))
		return nil, errors.Join(ps.errs...)
	}
	for _, k := range sortedKeys(top) {
		switch k {
		case "Version", "Id", "Statement":
		default:
			ps.fail(-1, "", k, msgSyntax, fmt.Errorf("unknown element %q (allowed: Version, Id, Statement)", k))
		}
	}
	if raw, ok := top["Version"]; ok {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil || (v != Version2012 && v != Version2008) {
			ps.fail(-1, "", "Version", msgVersion, nil)
		} else {
			p.version, p.hasVersion = v, true
		}
	}
	if raw, ok := top["Id"]; ok {
		if err := json.Unmarshal(raw, &p.id); err != nil {
			ps.fail(-1, "", "Id", "Id must be a string", nil)
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		ps.fail(-1, "", "Statement", msgMissingStatement, nil)
		return nil, errors.Join(ps.errs...)
	}
	var stmts []map[string]json.RawMessage
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		var one map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &one); err != nil {
			ps.fail(-1, "", "Statement", msgStatementType, err)
		}
		stmts = append(stmts, one)
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &stmts); err != nil {
			ps.fail(-1, "", "Statement", msgStatementType, err)
		}
	default:
		ps.fail(-1, "", "Statement", msgStatementType, nil)
	}
	vars := p.version == Version2012
	sids := make(map[string]bool)
	for i, raw := range stmts {
		st, ok := ps.statement(i, raw, vars)
		if !ok {
			continue
		}
		if st.sid != "" {
			if sids[st.sid] {
				ps.fail(i, st.sid, "Sid", msgSidUnique, nil)
			}
			sids[st.sid] = true
		}
		p.stmts = append(p.stmts, st)
	}
	if len(ps.errs) > 0 {
		return nil, errors.Join(ps.errs...)
	}
	return p, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statement validates and compiles one statement; ok is false if it had
// errors (already recorded).
func (ps *parser) statement(i int, m map[string]json.RawMessage, vars bool) (statement, bool) {
	st := statement{index: i}
	n := len(ps.errs)
	if m == nil {
		ps.fail(i, "", "", msgStatementType, nil)
		return st, false
	}
	if raw, ok := m["Sid"]; ok {
		if err := json.Unmarshal(raw, &st.sid); err != nil {
			ps.fail(i, "", "Sid", "Sid must be a string", nil)
		} else if ps.kind != ResourcePolicy && !isAlnum(st.sid) {
			ps.fail(i, st.sid, "Sid", msgSidAlnum, nil)
		}
	}
	sid := st.sid
	for _, k := range sortedKeys(m) {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		default:
			ps.fail(i, sid, k, msgSyntax, fmt.Errorf("unknown element %q", k))
		}
	}

	// Effect
	if raw, ok := m["Effect"]; !ok {
		ps.fail(i, sid, "Effect", msgMissingEffect, nil)
	} else {
		var e string
		_ = json.Unmarshal(raw, &e)
		switch e {
		case "Allow":
			st.effect = effectAllow
		case "Deny":
			st.effect = effectDeny
		default:
			ps.fail(i, sid, "Effect", fmt.Sprintf(`invalid Effect %s: must be "Allow" or "Deny"`, bytes.TrimSpace(raw)), nil)
		}
	}

	// Principal / NotPrincipal
	rawP, hasP := m["Principal"]
	rawNP, hasNP := m["NotPrincipal"]
	switch {
	case hasP && hasNP:
		ps.fail(i, sid, "Principal", msgBothPrincipal, nil)
	case (hasP || hasNP) && ps.kind == IdentityPolicy:
		field := "Principal"
		if hasNP {
			field = "NotPrincipal"
		}
		ps.fail(i, sid, field, msgNoPrincipal, nil)
	case hasP || hasNP:
		field, raw := "Principal", rawP
		if hasNP {
			field, raw = "NotPrincipal", rawNP
			st.notPrincipal = true
		}
		set, err := parsePrincipal(raw)
		if err != nil {
			ps.fail(i, sid, field, msgInvalidPrincipal, err)
		} else {
			st.principal = set
		}
	case ps.kind != IdentityPolicy:
		ps.fail(i, sid, "Principal", msgMissingPrincipal, nil)
	}

	// Action / NotAction
	rawA, hasA := m["Action"]
	rawNA, hasNA := m["NotAction"]
	switch {
	case hasA && hasNA:
		ps.fail(i, sid, "Action", msgBothAction, nil)
	case !hasA && !hasNA:
		ps.fail(i, sid, "Action", msgNeedActions, nil)
	default:
		field, raw := "Action", rawA
		if hasNA {
			field, raw = "NotAction", rawNA
			st.notAction = true
		}
		list, err := stringList(raw)
		switch {
		case err != nil:
			ps.fail(i, sid, field, field+" "+msgStringOrArray, nil)
		case len(list) == 0:
			ps.fail(i, sid, field, msgNeedActions, nil)
		}
		for _, a := range list {
			if msg := checkAction(a); msg != "" {
				ps.fail(i, sid, field, msg, fmt.Errorf("action %q", a))
				continue
			}
			st.actions = append(st.actions, compilePattern(a, patternOpts{wildcards: true, fold: true}))
		}
	}

	// Resource / NotResource
	rawR, hasR := m["Resource"]
	rawNR, hasNR := m["NotResource"]
	switch {
	case ps.kind == TrustPolicy && (hasR || hasNR):
		field := "Resource"
		if hasNR {
			field = "NotResource"
		}
		ps.fail(i, sid, field, msgProhibitResource, nil)
	case ps.kind == TrustPolicy:
	case hasR && hasNR:
		ps.fail(i, sid, "Resource", msgBothResource, nil)
	case !hasR && !hasNR:
		ps.fail(i, sid, "Resource", msgNeedResources, nil)
	default:
		field, raw := "Resource", rawR
		if hasNR {
			field, raw = "NotResource", rawNR
			st.notResource = true
		}
		st.hasResource = true
		list, err := stringList(raw)
		switch {
		case err != nil:
			ps.fail(i, sid, field, field+" "+msgStringOrArray, nil)
		case len(list) == 0:
			ps.fail(i, sid, field, msgNeedResources, nil)
		}
		for _, r := range list {
			expanded := r
			if rest, ok := strings.CutPrefix(r, "execute-api:/"); ok && ps.kind == ResourcePolicy {
				// API Gateway's shorthand for "this API": it stands for
				// arn:{partition}:execute-api:{region}:{account}:{api-id}/...
				// (apigateway-resource-policies-create-attach.html). A
				// resource policy is only evaluated for its own API, so
				// wildcards in place of those parts are equivalent.
				expanded = "arn:*:execute-api:*:*:*/" + rest
			}
			if !validResource(expanded) {
				ps.fail(i, sid, field, fmt.Sprintf(msgResourceFormatFmt, r), nil)
				continue
			}
			pat := compilePattern(expanded, patternOpts{wildcards: true, variables: vars})
			pat.raw = r
			st.resources = append(st.resources, pat)
		}
	}

	// Condition
	if raw, ok := m["Condition"]; ok {
		conds, errs := parseConditions(raw, vars)
		for _, err := range errs {
			ps.fail(i, sid, "Condition", "invalid Condition", err)
		}
		st.conds = conds
	}
	return st, len(ps.errs) == n
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkAction returns IAM's message for an invalid action, or "".
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	switch strings.Count(a, ":") {
	case 0:
		return msgVendor
	case 1:
	default:
		return msgOneColon
	}
	svc, act, _ := strings.Cut(a, ":")
	if svc == "" || act == "" {
		return msgVendor
	}
	return ""
}

// validResource accepts "*", and "arn:..." with its six parts; a value
// with a wildcard may have fewer parts ("arn:aws:execute-api:*").
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	if !strings.HasPrefix(r, "arn:") {
		return false
	}
	return strings.Count(r, ":") >= 5 || strings.ContainsAny(r, "*")
}

// stringList reads a string or an array of strings.
func stringList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode string: %w", err)
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("decode string list: %w", err)
	}
	if list == nil {
		return nil, errors.New("null is not a string list")
	}
	return list, nil
}

// parseConditions reads {"Operator": {"key": value-or-values}}; values
// may be strings, numbers or booleans, as IAM allows
// (reference_policies_grammar.html, <condition_value_list>).
func parseConditions(raw json.RawMessage, vars bool) ([]condition, []error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil || ops == nil {
		return nil, []error{errors.New(msgConditionTypeFmt)}
	}
	var conds []condition
	var errs []error
	for _, op := range sortedKeys(ops) {
		keys := ops[op]
		if keys == nil {
			errs = append(errs, fmt.Errorf("%w: operator %q: %s", errCondition, op, msgConditionTypeFmt))
			continue
		}
		for _, key := range sortedKeys(keys) {
			vals, err := conditionValues(keys[key])
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s: key %q: %w", errCondition, op, key, err))
				continue
			}
			c, err := compileCondition(op, key, vals, vars)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			conds = append(conds, c)
		}
	}
	return conds, errs
}

// conditionValues reads a condition value or array of values as strings.
func conditionValues(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode values: %w", err)
	}
	scalar := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return boolString(x), true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errors.New("values must be a string, number, boolean or an array of them")
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := scalar(x)
		if !ok {
			return nil, errors.New("values must be a string, number, boolean or an array of them")
		}
		out = append(out, s)
	}
	return out, nil
}

// MarshalJSON writes the policy back as a normalized document: elements
// in a fixed order, every list as an array, condition values as strings.
// Parsing the output gives a policy that evaluates identically.
func (p *Policy) MarshalJSON() ([]byte, error) {
	type stmtJSON struct {
		Sid          string                         `json:"Sid,omitempty"`
		Effect       string                         `json:"Effect"`
		Principal    any                            `json:"Principal,omitempty"`
		NotPrincipal any                            `json:"NotPrincipal,omitempty"`
		Action       []string                       `json:"Action,omitempty"`
		NotAction    []string                       `json:"NotAction,omitempty"`
		Resource     []string                       `json:"Resource,omitempty"`
		NotResource  []string                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string][]string `json:"Condition,omitempty"`
	}
	type docJSON struct {
		Version   string     `json:"Version,omitempty"`
		ID        string     `json:"Id,omitempty"`
		Statement []stmtJSON `json:"Statement"`
	}
	d := docJSON{Version: p.version, ID: p.id, Statement: []stmtJSON{}}
	for i := range p.stmts {
		st := &p.stmts[i]
		sj := stmtJSON{Sid: st.sid, Effect: st.effect.String()}
		if st.principal != nil {
			if st.notPrincipal {
				sj.NotPrincipal = st.principal.marshal()
			} else {
				sj.Principal = st.principal.marshal()
			}
		}
		acts := make([]string, len(st.actions))
		for j := range st.actions {
			acts[j] = st.actions[j].raw
		}
		if st.notAction {
			sj.NotAction = acts
		} else {
			sj.Action = acts
		}
		if st.hasResource {
			res := make([]string, len(st.resources))
			for j := range st.resources {
				res[j] = st.resources[j].raw
			}
			if st.notResource {
				sj.NotResource = res
			} else {
				sj.Resource = res
			}
		}
		if len(st.conds) > 0 {
			sj.Condition = make(map[string]map[string][]string)
			for _, c := range st.conds {
				if sj.Condition[c.opName] == nil {
					sj.Condition[c.opName] = make(map[string][]string)
				}
				sj.Condition[c.opName][c.keyName] = c.rawVals
			}
		}
		d.Statement = append(d.Statement, sj)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshal policy %q: %w", p.name, err)
	}
	return b, nil
}
