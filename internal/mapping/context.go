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

	reqOverride  *overrideRoot // nil until a template touches it
	respOverride *overrideRoot
}

// NewTemplateContext returns $context over src.
func NewTemplateContext(src ContextSource) *TemplateContext {
	c := new(TemplateContext)
	c.reset(src)
	return c
}

// reset makes c a fresh $context over src.
func (c *TemplateContext) reset(src ContextSource) {
	*c = TemplateContext{src: src}
	c.identity = namespace{c: c, prefix: "identity.", names: identityNames, known: isIdentityName}
	c.authorizer = namespace{c: c, prefix: "authorizer.", names: authorizerNames, known: isAuthorizerName, open: true}
	c.claims = namespace{c: c, prefix: "authorizer.claims.", names: noNames, known: isNone, open: true}
	c.errorNS = namespace{c: c, prefix: "error.", names: errorNames, known: isErrorName}
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

// AppendProperty implements vtl.Appender: $context.name printed in a
// template's text is written to dst without boxing the string.
func (c *TemplateContext) AppendProperty(dst []byte, name string) ([]byte, bool) {
	switch name {
	case "identity", "authorizer", "error", "requestOverride", "responseOverride":
		return dst, false
	}
	v := c.value(name)
	if v != "" || isContextName(name) {
		return append(dst, v...), true
	}
	return dst, false
}

// AppendCall implements vtl.Appender; calls are left to Call.
func (c *TemplateContext) AppendCall(dst []byte, _ string, _ []any) ([]byte, bool) {
	return dst, false
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

func (c *TemplateContext) requestOverride() *overrideRoot {
	if c.reqOverride == nil {
		c.reqOverride = &overrideRoot{
			name:        "requestOverride",
			header:      newOverrideMap("requestOverride.header", true),
			querystring: newOverrideMap("requestOverride.querystring", false),
			path:        newOverrideMap("requestOverride.path", false),
		}
	}
	return c.reqOverride
}

func (c *TemplateContext) responseOverride() *overrideRoot {
	if c.respOverride == nil {
		c.respOverride = &overrideRoot{
			name:     "responseOverride",
			header:   newOverrideMap("responseOverride.header", true),
			response: true,
		}
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
	v := n.c.value(qualified(n.prefix, name))
	if v != "" || n.known(name) {
		return v, true
	}
	return nil, false
}

// AppendProperty implements vtl.Appender: $context.<ns>.name printed in
// a template's text is written to dst without boxing the string.
func (n *namespace) AppendProperty(dst []byte, name string) ([]byte, bool) {
	if n == &n.c.authorizer && name == "claims" {
		return dst, false
	}
	v := n.c.value(qualified(n.prefix, name))
	if v != "" || n.known(name) {
		return append(dst, v...), true
	}
	return dst, false
}

// AppendCall implements vtl.Appender; calls are left to Call.
func (n *namespace) AppendCall(dst []byte, _ string, _ []any) ([]byte, bool) {
	return dst, false
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
// the template never touched $context.requestOverride. (A template that set
// a parameter twice failed to render, with ErrRepeatedOverride.)
func (c *TemplateContext) RequestOverrides() RequestOverrides {
	if c.reqOverride == nil {
		return RequestOverrides{}
	}
	return RequestOverrides{
		Header:      c.reqOverride.header.overrides(),
		Querystring: c.reqOverride.querystring.overrides(),
		Path:        c.reqOverride.path.overrides(),
	}
}

// ResponseOverrides returns the overrides a response template set. A
// status that is not an integer from 100 to 599 is an error, which the
// gateway turns into a 500.
func (c *TemplateContext) ResponseOverrides() (ResponseOverrides, error) {
	if c.respOverride == nil {
		return ResponseOverrides{}, nil
	}
	r := ResponseOverrides{Header: c.respOverride.header.overrides()}
	v := c.respOverride.status
	if v == nil {
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

// ErrRepeatedOverride is wrapped by the render error of a template that
// sets the same override twice — the same header (names compared
// case-insensitively), query-string or path parameter, or the status.
// API Gateway: "Overrides are final. An override may only be applied to
// each parameter once. If you try to override the same parameter multiple
// times, API Gateway returns a 5XX response."
// (apigateway-override-request-response-parameters).
const ErrRepeatedOverride Error = "mapping: the same parameter was overridden twice"

// overrideRoot is $context.requestOverride (header, querystring, path) or
// $context.responseOverride (header, status). Its sub-maps are fixed: a
// template cannot replace them, only write into them.
type overrideRoot struct {
	name                      string
	header, querystring, path *overrideMap // querystring and path nil for responses
	response                  bool
	status                    any // responseOverride.status; nil until set
}

// Property resolves $context.<name>.header etc. and, once set, .status.
func (o *overrideRoot) Property(name string) (any, bool) {
	switch {
	case name == "header":
		return o.header, true
	case name == "querystring" && !o.response:
		return o.querystring, true
	case name == "path" && !o.response:
		return o.path, true
	case name == "status" && o.response && o.status != nil:
		return o.status, true
	}
	return nil, false
}

// Call implements get(name) and, for responses, put("status", v) — what
// #set($context.responseOverride.status = v) reaches (internal/vtl tries
// setstatus, setStatus, then put("status", v), as Velocity does).
func (o *overrideRoot) Call(method string, args []any) (any, error) {
	switch {
	case method == "get" && len(args) == 1:
		if k, ok := args[0].(string); ok {
			v, _ := o.Property(k)
			return v, nil
		}
	case method == "put" && len(args) == 2 && o.response && args[0] == "status":
		if o.status != nil {
			return nil, fmt.Errorf("$context.responseOverride.status: %w", ErrRepeatedOverride)
		}
		o.status = args[1]
		return nil, nil
	case method == "toString" && len(args) == 0:
		return o.String(), nil
	}
	return nil, fmt.Errorf("$context.%s.%s: %w", o.name, method, vtl.ErrNoMethod)
}

// String prints the object as the Java map it is on AWS.
func (o *overrideRoot) String() string {
	m := vtl.NewMap(3)
	m.Set("header", o.header.m)
	if o.response {
		if o.status != nil {
			m.Set("status", o.status)
		}
	} else {
		m.Set("querystring", o.querystring.m)
		m.Set("path", o.path.m)
	}
	return m.String()
}

// overrideMap is one of the override maps ($context.requestOverride.header
// and the like). Templates write it with #set($map.name = v) (which
// reaches put("name", v), the name's case intact), #set($map['name'] = v)
// or $map.put(k, v), and read it as a map. A second write of a name is an
// error wrapping ErrRepeatedOverride.
type overrideMap struct {
	what string   // "requestOverride.header", for errors
	fold bool     // names compare case-insensitively (headers)
	m    *vtl.Map // name as first written → value, in the order set
}

func newOverrideMap(what string, fold bool) *overrideMap {
	return &overrideMap{what: what, fold: fold, m: vtl.NewMap(0)}
}

// find returns the stored name matching name.
func (o *overrideMap) find(name string) (string, bool) {
	if _, ok := o.m.Get(name); ok {
		return name, true
	}
	if !o.fold {
		return "", false
	}
	found, ok := "", false
	o.m.Each(func(k, _ any) bool {
		if ks, _ := k.(string); strings.EqualFold(ks, name) {
			found, ok = ks, true
			return false
		}
		return true
	})
	return found, ok
}

func (o *overrideMap) get(name string) (any, bool) {
	k, ok := o.find(name)
	if !ok {
		return nil, false
	}
	return o.m.Get(k)
}

// Property resolves $context.requestOverride.header.name once set.
func (o *overrideMap) Property(name string) (any, bool) { return o.get(name) }

// Call implements put, get, containsKey, keySet, size, isEmpty and
// toString.
func (o *overrideMap) Call(method string, args []any) (any, error) {
	switch {
	case method == "put" && len(args) == 2:
		name := plainString(args[0])
		if k, ok := o.find(name); ok {
			return nil, fmt.Errorf("$context.%s.%s (already set as %s): %w", o.what, name, k, ErrRepeatedOverride)
		}
		o.m.Set(name, args[1])
		return nil, nil
	case method == "get" && len(args) == 1:
		v, _ := o.get(plainString(args[0]))
		return v, nil
	case method == "containsKey" && len(args) == 1:
		_, ok := o.find(plainString(args[0]))
		return ok, nil
	case method == "keySet" && len(args) == 0:
		keys := make([]any, 0, o.m.Len())
		o.m.Each(func(k, _ any) bool {
			keys = append(keys, k)
			return true
		})
		return vtl.NewList(keys...), nil
	case method == "size" && len(args) == 0:
		return int64(o.m.Len()), nil
	case method == "isEmpty" && len(args) == 0:
		return o.m.Len() == 0, nil
	case method == "toString" && len(args) == 0:
		return o.m.String(), nil
	}
	return nil, fmt.Errorf("$context.%s.%s: %w", o.what, method, vtl.ErrNoMethod)
}

// String prints the map as Java does ({name=value}).
func (o *overrideMap) String() string { return o.m.String() }

// overrides lists what was set, in the order set; null values are skipped.
func (o *overrideMap) overrides() []Override {
	if o.m.Len() == 0 {
		return nil
	}
	out := make([]Override, 0, o.m.Len())
	o.m.Each(func(k, v any) bool {
		ov := Override{Name: plainString(k)}
		switch x := v.(type) {
		case nil:
			return true
		case *vtl.List:
			for _, e := range x.Items() {
				ov.Values = append(ov.Values, overrideString(e))
			}
		default:
			ov.Values = []string{overrideString(x)}
		}
		out = append(out, ov)
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

// qualified returns prefix+name, without building the string for the
// documented names: a template reads $context.identity.* on every request.
// (A switch: Go compiles it to a search by length and value.)
func qualified(prefix, name string) string {
	switch prefix {
	case "identity.":
		switch name {
		case "accessKey":
			return "identity.accessKey"
		case "accountId":
			return "identity.accountId"
		case "apiKey":
			return "identity.apiKey"
		case "apiKeyId":
			return "identity.apiKeyId"
		case "caller":
			return "identity.caller"
		case "cognitoAuthenticationProvider":
			return "identity.cognitoAuthenticationProvider"
		case "cognitoAuthenticationType":
			return "identity.cognitoAuthenticationType"
		case "cognitoIdentityId":
			return "identity.cognitoIdentityId"
		case "cognitoIdentityPoolId":
			return "identity.cognitoIdentityPoolId"
		case "principalOrgId":
			return "identity.principalOrgId"
		case "sourceIp":
			return "identity.sourceIp"
		case "user":
			return "identity.user"
		case "userAgent":
			return "identity.userAgent"
		case "userArn":
			return "identity.userArn"
		}
	case "authorizer.":
		if name == "principalId" {
			return "authorizer.principalId"
		}
	case "error.":
		switch name {
		case "message":
			return "error.message"
		case "messageString":
			return "error.messageString"
		case "responseType":
			return "error.responseType"
		case "validationErrorString":
			return "error.validationErrorString"
		}
	}
	return prefix + name
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
