package iam

import (
	"fmt"
	"strconv"
)

// Request is one authorization question: may the caller described by
// Context perform Action on Resource?
type Request struct {
	// Action is "service:action", for example "execute-api:Invoke". Action
	// matching is case-insensitive.
	Action string
	// Resource is the ARN acted on, for example
	// "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets".
	// Resource matching is case-sensitive. Statements of trust policies have
	// no Resource and ignore it.
	Resource string
	// Context holds the condition keys and the caller's identity. Nil is an
	// empty context: an anonymous caller with no keys.
	Context *Context
}

// Decision is the outcome of evaluating policies, as IAM's evaluation logic
// names it
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
// The zero value is ImplicitDeny: a request is denied unless something
// allows it.
type Decision uint8

const (
	// ImplicitDeny: no statement applied, so the request is denied by
	// default. API Gateway reports it as "User: ... is not authorized to
	// perform: execute-api:Invoke on resource: ...".
	ImplicitDeny Decision = iota
	// Allow: an Allow statement applied and no Deny statement did.
	Allow
	// ExplicitDeny: a Deny statement applied; it overrides any Allow.
	// API Gateway appends " with an explicit deny" to its message.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow" or "ExplicitDeny".
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Result is a decision and the statement that made it, so that a denial
// can be explained. The zero value is an implicit deny decided by no
// statement.
type Result struct {
	// Decision is the outcome.
	Decision Decision
	// Matched is true when a statement decided: the Deny statement of an
	// ExplicitDeny or the first Allow statement of an Allow. It is false
	// for an ImplicitDeny, and then Policy, Sid and Statement are zero.
	Matched bool
	// Policy is the name of the policy holding the deciding statement.
	Policy string
	// Sid is that statement's Sid, empty if it has none.
	Sid string
	// Statement is that statement's index in the policy's Statement array.
	Statement int
}

// String describes the result for logs and --explain, for example
// `ExplicitDeny by policy "resource policy" Statement[1] (Sid "DenyIP")`.
func (r Result) String() string {
	if !r.Matched {
		return r.Decision.String() + " (no statement applies)"
	}
	s := fmt.Sprintf("%s by policy %q Statement[%d]", r.Decision, r.Policy, r.Statement)
	if r.Sid != "" {
		s += fmt.Sprintf(" (Sid %q)", r.Sid)
	}
	return s
}

// Evaluate evaluates the policy alone: an explicit Deny wins, then an
// Allow, else ImplicitDeny. The Result names the first Deny statement that
// applies, or else the first Allow statement. It does not allocate and is
// safe for concurrent use.
func (p *Policy) Evaluate(r *Request) Result {
	var allow Result
	for i := range p.stmts {
		st := &p.stmts[i]
		if !st.applies(r) {
			continue
		}
		if st.effect == effectDeny {
			return Result{Decision: ExplicitDeny, Matched: true, Policy: p.name, Sid: st.sid, Statement: st.index}
		}
		if !allow.Matched {
			allow = Result{Decision: Allow, Matched: true, Policy: p.name, Sid: st.sid, Statement: st.index}
		}
	}
	return allow
}

// Evaluate evaluates a set of policies together, as IAM does for all the
// policies attached to one identity: an explicit Deny in any of them wins,
// then an Allow from any of them, else ImplicitDeny. Nil policies are
// skipped.
func Evaluate(r *Request, policies ...*Policy) Result {
	var allow Result
	for _, p := range policies {
		if p == nil {
			continue
		}
		res := p.Evaluate(r)
		switch res.Decision {
		case ExplicitDeny:
			return res
		case Allow:
			if !allow.Matched {
				allow = res
			}
		}
	}
	return allow
}

// applies reports whether every element of the statement matches: its
// principal, action, resource and all of its conditions.
func (st *statement) applies(r *Request) bool {
	matched := false
	for i := range st.actions {
		if st.actions[i].match(r.Action, r.Context) {
			matched = true
			break
		}
	}
	if matched == st.notAction {
		return false
	}
	if st.hasResource {
		matched = false
		for i := range st.resources {
			if st.resources[i].match(r.Resource, r.Context) {
				matched = true
				break
			}
		}
		if matched == st.notResource {
			return false
		}
	}
	if st.principal != nil && st.principal.match(r.Context) == st.notPrincipal {
		return false
	}
	for i := range st.conds {
		if !st.conds[i].eval(r.Context) {
			return false
		}
	}
	return true
}
