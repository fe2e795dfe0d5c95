package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/vtl"
)

// ContextSource supplies $context values by their flat names, as AWS
// documents them without the "$context." prefix: "requestId",
// "identity.sourceIp", "authorizer.principalId", "authorizer.claims.sub",
// "error.message". The empty string means "no value". The gateway
// implements it over its per-request state.
type ContextSource interface {
	ContextValue(name string) string
}

// ContextKeyLister may be implemented by a ContextSource to enumerate the
// dynamic names under a prefix ("authorizer.", "authorizer.claims."), so
// that keySet() on those objects lists a Lambda authorizer's context keys
// or a user pool's claims. Names are returned without the prefix.
type ContextKeyLister interface {
	ContextKeys(prefix string) []string
}

// The documented $context names (api-gateway-mapping-template-reference)
// always resolve, to the empty string when the source has no value, so
// "$context.identity.apiKey" renders as "" rather than as its source text.
// Other names resolve only when the source has a value. The tables are
// functions so that no package-level variable exists.

// identityNames are the $context.identity names, in the order keySet()
// lists them (alphabetical; AWS documents no order).
func identityNames() []string {
	return []string{
		"accessKey", "accountId", "apiKey", "apiKeyId", "caller",
		"cognitoAuthenticationProvider", "cognitoAuthenticationType",
		"cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId",
		"sourceIp", "user", "userAgent", "userArn",
	}
}

func authorizerNames() []string { return []string{"principalId"} }

func errorNames() []string {
	return []string{"message", "messageString", "responseType", "validationErrorString"}
}

func noNames() []string { return nil }

// TemplateContext is the $context variable: a view of a ContextSource plus the
// writable $context.requestOverride and $context.responseOverride maps.
// Build one per request with NewTemplateContext; the gateway reads the overrides
// back after rendering with RequestOverrides and ResponseOverrides. A
// TemplateContext is used by one render at a time.
type TemplateContext struct {
	src        ContextSource
	identity   namespace
	authorizer namespace
	claims     namespace
	errorNS    namespace

	reqOverride  *vtl.Map
	respOverride *vtl.Map
}

// NewTemplateContext returns $context over src.
func NewTemplateContext(src ContextSource) *TemplateContext {
	c := &TemplateContext{src: src}
	c.identity = namespace{c: c, prefix: "identity.", names: identityNames, known: isIdentityName}
	c.authorizer = namespace{c: c, prefix: "authorizer.", names: authorizerNames, known: isAuthorizerName, open: true}
	c.claims = namespace{c: c, prefix: "authorizer.claims.", names: noNames, known: isNone, open: true}
	c.errorNS = namespace{c: c, prefix: "error.", names: errorNames, known: isErrorName}
	return c
}

func (c *TemplateContext) value(name string) string {
	if c.src == nil {
		return ""
	}
	return c.src.ContextValue(name)
}

// Property resolves $context.name.
func (c *TemplateContext) Property(name string) (any, bool) {
	switch name {
	case "identity":
		return &c.identity, true
	case "authorizer":
		return &c.authorizer, true
	case "error":
		return &c.errorNS, true
	case "requestOverride":
		return c.requestOverride(), true
	case "responseOverride":
		return c.responseOverride(), true
	}
	v := c.value(name)
	if v != "" || isContextName(name) {
		return v, true
	}
	return nil, false
}

// Call implements vtl.Object: $context.get(name) resolves like a property.
func (c *TemplateContext) Call(method string, args []any) (any, error) {
	if method == "get" && len(args) == 1 {
		if k, ok := args[0].(string); ok {
			v, _ := c.Property(k)
			return v, nil
		}
	}
	return nil, fmt.Errorf("$context.%s: %w", method, vtl.ErrNoMethod)
}

func contains(names []string, n string) bool {
	for _, s := range names {
		if s == n {
			return true
		}
	}
	return false
}

func (c *TemplateContext) requestOverride() *vtl.Map {
	if c.reqOverride == nil {
		m := vtl.NewMap(3)
		m.Set("header", vtl.NewMap(0))
		m.Set("querystring", vtl.NewMap(0))
		m.Set("path", vtl.NewMap(0))
		c.reqOverride = m
	}
	return c.reqOverride
}

func (c *TemplateContext) responseOverride() *vtl.Map {
	if c.respOverride == nil {
		m := vtl.NewMap(2)
		m.Set("header", vtl.NewMap(0))
		c.respOverride = m
	}
	return c.respOverride
}

// namespace is a nested $context object ($context.identity,
// $context.authorizer, $context.authorizer.claims, $context.error) whose
// properties resolve prefix+name in the source.
type namespace struct {
	c      *TemplateContext
	prefix string
	names  func() []string   // documented names, listed by keySet()
	known  func(string) bool // documented names always resolve
	open   bool              // other names resolve when the source has a value
}

// Property resolves $context.<ns>.name.
func (n *namespace) Property(name string) (any, bool) {
	if n == &n.c.authorizer && name == "claims" {
		return &n.c.claims, true
	}
	v := n.c.value(n.prefix + name)
	if v != "" || n.known(name) {
		return v, true
	}
	return nil, false
}

// Call implements the read-only map methods templates use on these
// objects (seed 000 iterates $context.identity.keySet()): get, keySet,
// containsKey, isEmpty, size.
func (n *namespace) Call(method string, args []any) (any, error) {
	switch {
	case method == "get" && len(args) == 1:
		if k, ok := args[0].(string); ok {
			v, _ := n.Property(k)
			return v, nil
		}
	case method == "containsKey" && len(args) == 1:
		if k, ok := args[0].(string); ok {
			_, found := n.Property(k)
			return found, nil
		}
	case method == "keySet" && len(args) == 0:
		keys := n.keys()
		items := make([]any, len(keys))
		for i, k := range keys {
			items[i] = k
		}
		return vtl.NewList(items...), nil
	case method == "size" && len(args) == 0:
		return int64(len(n.keys())), nil
	case method == "isEmpty" && len(args) == 0:
		return len(n.keys()) == 0, nil
	}
	return nil, fmt.Errorf("$context.%s%s: %w", n.prefix, method, vtl.ErrNoMethod)
}

func (n *namespace) keys() []string {
	keys := n.names()
	if l, ok := n.c.src.(ContextKeyLister); ok && n.open {
		for _, k := range l.ContextKeys(n.prefix) {
			if !contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// Override is one parameter a template set through
// $context.requestOverride or $context.responseOverride. A list value
// (#set($context.requestOverride.header.h = [$a, $b])) gives several
// values, which the gateway sends as a multi-value header or query
// parameter.
type Override struct {
	Name   string
	Values []string
}

// RequestOverrides is what a request template set in
// $context.requestOverride.{header,querystring,path}, in the order set.
type RequestOverrides struct {
	Header      []Override
	Querystring []Override
	Path        []Override
}

// ResponseOverrides is what a response template set in
// $context.responseOverride.
type ResponseOverrides struct {
	// Status is the overriding status code; 0 means not set.
	Status int
	// Header holds the overriding response headers, in the order set.
	Header []Override
}

// RequestOverrides returns the overrides a request template set. Empty when
// the template never touched $context.requestOverride.
func (c *TemplateContext) RequestOverrides() RequestOverrides {
	if c.reqOverride == nil {
		return RequestOverrides{}
	}
	return RequestOverrides{
		Header:      overrides(c.reqOverride, "header"),
		Querystring: overrides(c.reqOverride, "querystring"),
		Path:        overrides(c.reqOverride, "path"),
	}
}

// ResponseOverrides returns the overrides a response template set. A
// status that is not an integer from 100 to 599 is an error, which the
// gateway turns into a 500.
func (c *TemplateContext) ResponseOverrides() (ResponseOverrides, error) {
	if c.respOverride == nil {
		return ResponseOverrides{}, nil
	}
	r := ResponseOverrides{Header: overrides(c.respOverride, "header")}
	v, ok := c.respOverride.Get("status")
	if !ok || v == nil {
		return r, nil
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		n = int64(x)
		if float64(n) != x {
			n = -1
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 32); err != nil {
			n = -1
		}
	default:
		n = -1
	}
	if n < 100 || n > 599 {
		return r, fmt.Errorf("$context.responseOverride.status: %q is not a valid HTTP status code", plainString(v))
	}
	r.Status = int(n)
	return r, nil
}

func overrides(m *vtl.Map, kind string) []Override {
	sub, _ := m.Get(kind)
	sm, ok := sub.(*vtl.Map)
	if !ok || sm.Len() == 0 {
		return nil
	}
	out := make([]Override, 0, sm.Len())
	sm.Each(func(k, v any) bool {
		o := Override{Name: plainString(k)}
		switch x := v.(type) {
		case nil:
			return true
		case *vtl.List:
			for _, e := range x.Items() {
				o.Values = append(o.Values, overrideString(e))
			}
		default:
			o.Values = []string{overrideString(x)}
		}
		out = append(out, o)
		return true
	})
	return out
}

func overrideString(v any) string {
	switch v.(type) {
	case *vtl.Map, *vtl.List:
		b, err := appendJSON(nil, v, MaxJSONOutput)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return plainString(v)
}

// StageVariables returns $stageVariables as an ordered map (names sorted;
// AWS documents no order). Build one per request: templates may change it.
func StageVariables(vars map[string]string) *vtl.Map {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := vtl.NewMap(len(keys))
	for _, k := range keys {
		m.Set(k, vars[k])
	}
	return m
}

// Vars returns the variables of a mapping template render: $input,
// $context, $util and $stageVariables. A nil in gives an empty request, a
// nil ctx a $context with no values, a nil stageVariables an empty map.
// Pass the result to (*vtl.Template).Execute; read overrides back from ctx.
func Vars(in *Input, ctx *TemplateContext, stageVariables *vtl.Map) map[string]any {
	if in == nil {
		in = NewInput(InputData{})
	}
	if ctx == nil {
		ctx = NewTemplateContext(nil)
	}
	if stageVariables == nil {
		stageVariables = vtl.NewMap(0)
	}
	return map[string]any{
		"input":          in,
		"context":        ctx,
		"util":           Util{},
		"stageVariables": stageVariables,
	}
}

func isContextName(n string) bool {
	switch n {
	case "accountId", "apiId", "awsEndpointRequestId", "deploymentId",
		"domainName", "domainPrefix", "extendedRequestId", "httpMethod",
		"isCanaryRequest", "path", "protocol", "requestId", "requestTime",
		"requestTimeEpoch", "resourceId", "resourcePath", "stage",
		"wafResponseCode", "webaclArn", "xrayTraceId":
		return true
	}
	return false
}

func isIdentityName(n string) bool {
	switch n {
	case "accessKey", "accountId", "apiKey", "apiKeyId", "caller",
		"cognitoAuthenticationProvider", "cognitoAuthenticationType",
		"cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId",
		"sourceIp", "user", "userAgent", "userArn":
		return true
	}
	return false
}

func isAuthorizerName(n string) bool { return n == "principalId" }

func isErrorName(n string) bool {
	switch n {
	case "message", "messageString", "responseType", "validationErrorString":
		return true
	}
	return false
}

func isNone(string) bool { return false }
