package mapping

import "github.com/gatehouse/gatehouse/internal/vtl"

// Scope holds the variables of a render — $input, $context, $util and
// $stageVariables — for a caller that renders again and again (the
// gateway keeps one per pooled request state): Reset makes them anew in
// place, so that a render allocates nothing for them but the body's
// string. Vars builds the same variables in fresh objects.
//
// The zero Scope is ready for Reset. A Scope serves one render at a time:
// what Reset returns, Input and Context are valid until the next Reset.
type Scope struct {
	in   Input
	ctx  TemplateContext
	vars map[string]any
}

// Reset prepares the variables of a render over data, with src as
// $context's source, and returns them for (*vtl.Template).Execute.
// stageVariables is $stageVariables; nil leaves it out of the vars, for a
// template that never reads it (see (*vtl.Template).References): unlike
// Vars, Reset does not build an empty map in its place.
func (s *Scope) Reset(data InputData, src ContextSource, stageVariables *vtl.Map) map[string]any {
	s.in.reset(data)
	s.ctx.reset(src)
	if s.vars == nil {
		// The same three values every time: set once.
		s.vars = map[string]any{"input": &s.in, "context": &s.ctx, "util": Util{}}
	}
	if stageVariables != nil {
		s.vars["stageVariables"] = stageVariables
	} else {
		delete(s.vars, "stageVariables")
	}
	return s.vars
}

// Input returns $input of the latest Reset.
func (s *Scope) Input() *Input { return &s.in }

// Context returns $context of the latest Reset, whose overrides the
// caller reads back after rendering.
func (s *Scope) Context() *TemplateContext { return &s.ctx }
