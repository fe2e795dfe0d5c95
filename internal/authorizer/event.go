package authorizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// Request describes the request being authorized, after route matching.
type Request struct {
	// Event is the request as the Lambda proxy event describes it (method,
	// paths, headers and query in order with repeats, path parameters,
	// stage and stage variables, requestContext values). Its Body and
	// Context.Authorizer are ignored: authorizer events carry neither.
	Event *proxyevent.Request
	// MethodARN is the ARN of the method being called,
	// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path
	// without its leading slash}; the event's methodArn (routeArn in 2.0)
	// and the resource the returned policy is evaluated against.
	MethodARN string
	// ContextVar returns the value of $context.<name> for context.X and
	// $context.X identity sources; nil means no context variable is set.
	ContextVar func(name string) (string, bool)
	// Resource is the REST API's resource policy evaluated for this
	// request, or nil when the API has none. The returned policy is then
	// combined with it as API Gateway's table A says (iam.AuthorizeGateway
	// with iam.AuthLambda): either may allow, an explicit Deny wins. The
	// caller has already stopped on the resource policy's own explicit
	// Deny, before calling Authorize ("pre-auth").
	Resource *iam.Result
}

// identity appends the value of every identity source to dst and reports
// whether all of them are present and non-empty. REST takes the last value
// of a repeated header or query parameter (as the proxy event's single-value
// maps do); HTTP APIs join repeated values with commas.
func (a *Authorizer) identity(r *Request, dst []string) ([]string, bool) {
	joined := a.cfg.Protocol != model.REST
	for _, s := range a.plan.sources {
		var v string
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

// event builds the function's event. ids are the identity source values.
func (a *Authorizer) event(r *Request, ids []string) ([]byte, error) {
	if a.cfg.Type == TypeToken {
		b := make([]byte, 0, 64+len(ids[0])+len(r.MethodARN))
		b = append(b, `{"type":"TOKEN","authorizationToken":`...)
		b = appendString(b, ids[0])
		b = append(b, `,"methodArn":`...)
		b = appendString(b, r.MethodARN)
		return append(b, '}'), nil
	}
	ev := *r.Event
	ev.Body, ev.Binary = nil, false
	ev.Context.Authorizer = proxyevent.Authorizer{}
	var format proxyevent.Format
	var b []byte
	switch {
	case a.cfg.Protocol == model.REST:
		format = proxyevent.REST
		b = append(b, `{"type":"REQUEST","methodArn":`...)
		b = appendString(b, r.MethodARN)
	case a.cfg.PayloadFormatVersion == "1.0":
		format = proxyevent.HTTP10
		joined := strings.Join(ids, ",")
		b = append(b, `{"version":"1.0","type":"REQUEST","methodArn":`...)
		b = appendString(b, r.MethodARN)
		b = append(b, `,"identitySource":`...)
		b = appendString(b, joined)
		b = append(b, `,"authorizationToken":`...)
		b = appendString(b, joined)
	default:
		format = proxyevent.HTTP20
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
	proxy, err := proxyevent.Event(format, &ev)
	if err != nil {
		return nil, err
	}
	err = eachRaw(proxy, func(key string, v json.RawMessage) error {
		switch key {
		case "version", "body", "isBase64Encoded":
			return nil
		case "requestContext":
			if format == proxyevent.HTTP10 {
				// The 1.0 proxy event's {"claims":null,"scopes":null}
				// stands for "no authorizer"; the authorizer's own
				// event has no authorizer key.
				var rc []byte
				rc = append(rc, '{')
				err := eachRaw(v, func(k string, v json.RawMessage) error {
					if k == "authorizer" {
						return nil
					}
					if len(rc) > 1 {
						rc = append(rc, ',')
					}
					rc = appendString(rc, k)
					rc = append(rc, ':')
					rc = append(rc, v...)
					return nil
				})
				v = append(rc, '}')
				if err != nil {
					return err
				}
			}
		}
		b = append(b, ',')
		b = appendString(b, key)
		b = append(b, ':')
		b = append(b, v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("authorizer event: %w", err)
	}
	return append(b, '}'), nil
}

// eachRaw calls f with every key of the JSON object data and its raw value,
// in order.
func eachRaw(data []byte, f func(key string, v json.RawMessage) error) error {
	return eachKey(data, func(key string, dec *json.Decoder) error {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		return f(key, v)
	})
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
