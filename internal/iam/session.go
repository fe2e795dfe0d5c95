package iam

// EvaluateSession evaluates the permissions of a temporary session: the
// identity-based policies of the role or user the session belongs to,
// narrowed by the session policy passed to AssumeRole,
// AssumeRoleWithWebIdentity or GetFederationToken. The result is the
// intersection, as "Session policies"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session)
// describes it: an explicit Deny in either wins, and an Allow needs both.
// A nil session policy leaves the identity's result unchanged. When the
// identity allows but the session policy does not, the result is an
// ImplicitDeny with no deciding statement. It does not allocate.
func EvaluateSession(r *Request, session *Policy, policies ...*Policy) Result {
	id := Evaluate(r, policies...)
	if session == nil || id.Decision == ExplicitDeny {
		return id
	}
	sp := session.Evaluate(r)
	switch {
	case sp.Decision == ExplicitDeny:
		return sp
	case id.Decision == Allow && sp.Decision == Allow:
		return id
	}
	return Result{Decision: ImplicitDeny}
}
