// Package iam parses, validates and evaluates AWS IAM policy documents
// (identity policies, API Gateway resource policies and role trust
// policies) the way AWS IAM does for Amazon API Gateway.
//
// A document is compiled once with ParsePolicy, when it is put, into an
// immutable *Policy; evaluating it (Policy.Evaluate, Evaluate) allocates
// nothing and uses no regexp. The caller describes each request once with
// a Request and a Context.
//
// Evaluation follows "Policy evaluation logic"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
// an explicit Deny wins, then an Allow, else the request is implicitly
// denied. AuthorizeGateway combines identity and resource policy results
// as API Gateway documents. Decisions carry the statement that made them
// so that a denial can be explained.
//
// See docs/iam-policies.md for the choices made where AWS does not say.
package iam
