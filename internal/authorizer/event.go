package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// Request describes the request being authorized, after route matching.
// The request itself comes either as Params, read as the authorizer needs
// it (the gateway's way: a cache hit reads only the identity sources), or
// as a ready Event with ContextVar.
type Request struct {
	// Params reads the request's identity sources and, when the function
	// is called, describes the request for its event. When it is set,
	// Event and ContextVar are not used.
	Params Params
	// Event is the request as the Lambda proxy event describes it (method,
	// paths, headers and query in order with repeats, path parameters,
	// stage and stage variables, requestContext values), when Params is
	// nil. Its Body and Context.Authorizer are ignored: authorizer events
	// carry neither.
	Event *proxyevent.Request
	// MethodARN is the ARN of the method being called,
	// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path
	// without its leading slash}; the event's methodArn (routeArn in 2.0)
	// and the resource the returned policy is evaluated against.
	MethodARN string
	// ContextVar returns the value of $context.<name> for context.X and
	// $context.X identity sources when Params is nil; nil means no context
	// variable is set.
	ContextVar func(name string) (string, bool)
	// Resource is the REST API's resource policy evaluated for this
	// request, or nil when the API has none. The returned policy is then
	// combined with it as API Gateway's table A says (iam.AuthorizeGateway
	// with iam.AuthLambda): either may allow, an explicit Deny wins. The
	// caller has already stopped on the resource policy's own explicit
	// Deny, before calling Authorize ("pre-auth").
	Resource *iam.Result
}

// Params is a request as its holder (the gateway) reads it. The identity
// sources are read on every Authorize, so they should not allocate;
// EventRequest is called only when the function is called (a cache miss,
// or no cache). "" means absent for every value.
type Params interface {
	// Header returns a header's value, the name matched
	// case-insensitively (it is given in canonical form,
	// textproto.CanonicalMIMEHeaderKey) and Host included, as in the proxy
	// event: the last value of a repeated header, or all of them joined
	// with "," when join is set.
	Header(name string, join bool) string
	// Query returns a query string parameter's decoded value, the name
	// matched exactly: the last value, or all of them joined with ","
	// when join is set.
	Query(name string, join bool) string
	// StageVariable returns a stage variable.
	StageVariable(name string) string
	// ContextValue returns $context.<name>; "stage" is the stage name.
	ContextValue(name string) string
	// EventRequest describes the request as Request.Event does; the
	// authorizer does not modify it.
	EventRequest() *proxyevent.Request
}

// stage returns the stage name of r, the first part of its cache key.
func (r *Request) stage() string {
	if r.Params != nil {
		return r.Params.ContextValue("stage")
	}
	return r.Event.Stage
}

// identity appends the value of every identity source to dst and reports
// whether all of them are present and non-empty. REST takes the last value
// of a repeated header or query parameter (as the proxy event's single-value
// maps do); HTTP APIs join repeated values with commas.
func (a *Authorizer) identity(r *Request, dst []string) ([]string, bool) {
	joined := a.cfg.Protocol != model.REST
	for i := range a.plan.sources {
		s := &a.plan.sources[i]
		var v string
		if p := r.Params; p != nil {
			switch s.kind {
			case srcHeader:
				v = p.Header(s.canon, joined)
			case srcQuery:
				v = p.Query(s.name, joined)
			case srcStageVar:
				v = p.StageVariable(s.name)
			case srcContext:
				v = p.ContextValue(s.name)
			}
		} else {
			switch s.kind {
			case srcHeader:
				v = lookup(r.Event.Headers, s.name, true, joined)
			case srcQuery:
				v = lookup(r.Event.Query, s.name, false, joined)
			case srcStageVar:
				v = lookup(r.Event.StageVariables, s.name, false, false)
			case srcContext:
				if r.ContextVar != nil {
					v, _ = r.ContextVar(s.name)
				}
			}
		}
		if v == "" {
			return dst, false
		}
		dst = append(dst, v)
	}
	return dst, true
}

// lookup finds name in ps: the last value, or all values joined with ","
// when join is set. Header names compare case-insensitively.
func lookup(ps []proxyevent.Param, name string, fold, join bool) string {
	var v string
	n := 0
	for _, p := range ps {
		if p.Name == name || (fold && strings.EqualFold(p.Name, name)) {
			if join && n > 0 {
				v += "," + p.Value
			} else {
				v = p.Value
			}
			n++
		}
	}
	return v
}

// The parts of a proxy event (proxyevent.AppendEvent, without a body and
// without an authorizer) that an authorizer event leaves out or replaces.
// None of them can occur inside a JSON string (their quotes would be
// escaped) or as a header, query or path parameter (those values are
// strings), so the first match is the structural one.
const (
	proxyV1Start     = `{`                                           // REST: the object's opening brace
	proxyHTTP10Start = `{"version":"1.0",`                           // HTTP API 1.0
	proxyHTTP20Start = `{"version":"2.0",`                           // HTTP API 2.0
	proxyV1End       = `,"body":null,"isBase64Encoded":false}`       // 1.0 and REST
	proxyNoAuth10    = `,"authorizer":{"claims":null,"scopes":null}` // 1.0 requestContext
	proxyNoBinary20  = `,"isBase64Encoded":false`                    // 2.0, before stageVariables
)

// event builds the function's event. ids are the identity source values.
// A REQUEST event is the authorizer's own keys followed by the proxy
// event's, minus those authorizer events do not carry (docs/authorizers.md
// #events): the proxy event is appended once, in place, and the few parts
// it must not have are cut out of it.
func (a *Authorizer) event(r *Request, ids []string) ([]byte, error) {
	if a.cfg.Type == TypeToken {
		b := make([]byte, 0, 64+len(ids[0])+len(r.MethodARN))
		b = append(b, `{"type":"TOKEN","authorizationToken":`...)
		b = appendString(b, ids[0])
		b = append(b, `,"methodArn":`...)
		b = appendString(b, r.MethodARN)
		return append(b, '}'), nil
	}
	src := r.Event
	if src == nil {
		src = r.Params.EventRequest()
	}
	ev := *src
	ev.Body, ev.Binary = nil, false
	ev.Context.Authorizer = proxyevent.Authorizer{}
	var format proxyevent.Format
	var start string
	b := make([]byte, 0, eventSize(&ev, ids))
	switch {
	case a.cfg.Protocol == model.REST:
		format, start = proxyevent.REST, proxyV1Start
		b = append(b, `{"type":"REQUEST","methodArn":`...)
		b = appendString(b, r.MethodARN)
	case a.cfg.PayloadFormatVersion == "1.0":
		format, start = proxyevent.HTTP10, proxyHTTP10Start
		b = append(b, `{"version":"1.0","type":"REQUEST","methodArn":`...)
		b = appendString(b, r.MethodARN)
		b = append(b, `,"identitySource":`...)
		i := len(b)
		b = appendJoined(b, ids)
		joined := b[i:] // still the same bytes if the append below moves b
		b = append(b, `,"authorizationToken":`...)
		b = append(b, joined...)
	default:
		format, start = proxyevent.HTTP20, proxyHTTP20Start
		b = append(b, `{"version":"2.0","type":"REQUEST","routeArn":`...)
		b = appendString(b, r.MethodARN)
		b = append(b, `,"identitySource":[`...)
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	mark := len(b)
	b, err := proxyevent.AppendEvent(b, format, &ev)
	if err != nil {
		return nil, err
	}
	// The proxy event's opening (with its version) becomes the comma
	// after the authorizer's keys.
	if !bytes.HasPrefix(b[mark:], []byte(start)) {
		return nil, errEventLayout
	}
	b[mark] = ','
	b = cut(b, mark+1, mark+len(start))
	// Then what an authorizer event has not: body and isBase64Encoded
	// (the proxy event's null and false), and in 1.0 the requestContext's
	// authorizer.
	if format == proxyevent.HTTP20 {
		i := bytes.Index(b[mark:], []byte(proxyNoBinary20))
		if i < 0 {
			return nil, errEventLayout
		}
		return cut(b, mark+i, mark+i+len(proxyNoBinary20)), nil
	}
	if !bytes.HasSuffix(b, []byte(proxyV1End)) {
		return nil, errEventLayout
	}
	b = append(b[:len(b)-len(proxyV1End)], '}')
	if format == proxyevent.HTTP10 {
		i := bytes.Index(b[mark:], []byte(proxyNoAuth10))
		if i < 0 {
			return nil, errEventLayout
		}
		b = cut(b, mark+i, mark+i+len(proxyNoAuth10))
	}
	return b, nil
}

// errEventLayout means proxyevent no longer writes what event cuts; the
// golden events (testdata/events) fail first.
var errEventLayout = errors.New("authorizer event: unexpected proxy event layout")

// cut removes b[i:j].
func cut(b []byte, i, j int) []byte {
	return b[:i+copy(b[i:], b[j:])]
}

// eventSize estimates a REQUEST event's size, so that event allocates
// once.
func eventSize(ev *proxyevent.Request, ids []string) int {
	n := 1536 + 2*len(ev.Path) + len(ev.RawQuery) + 2*len(ev.Resource)
	for _, p := range ev.Headers {
		n += 2*(len(p.Name)+len(p.Value)) + 12
	}
	for _, p := range ev.Query {
		n += 2*(len(p.Name)+len(p.Value)) + 12
	}
	for _, p := range ev.PathParameters {
		n += len(p.Name) + len(p.Value) + 6
	}
	for _, p := range ev.StageVariables {
		n += len(p.Name) + len(p.Value) + 6
	}
	for _, id := range ids {
		n += 2*len(id) + 4
	}
	return n
}

// appendJoined appends the identity values joined with "," as one JSON
// string.
func appendJoined(b []byte, ids []string) []byte {
	if len(ids) == 1 {
		return appendString(b, ids[0])
	}
	return appendString(b, strings.Join(ids, ","))
}

// appendString appends s as a JSON string, escaped as API Gateway escapes
// (non-ASCII and <>& as is).
func appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\'
	}
	if plain {
		// Printable ASCII without quotes or backslashes, most of an
		// event: the encoder would copy it as is.
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
