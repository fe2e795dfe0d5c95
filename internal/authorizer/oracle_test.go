package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

// The encoding/json reader that ParseOutput used before json.go, kept as
// the oracle: the lean reader must accept, reject and decode exactly as it
// did.

// oracleParseOutput is ParseOutput as it was with encoding/json; it parses the result payload of an authorizer function in mode m.
// name names the policy in evaluation results. Every error is a
// *MalformedError.
func oracleParseOutput(m Mode, name string, payload []byte) (*Output, error) {
	var out Output
	var havePrincipal, haveAuthorized bool
	var policy json.RawMessage
	err := oracleEachKey(payload, func(key string, dec *json.Decoder) error {
		switch key {
		case "principalId":
			if m == Simple {
				return oracleSkip(dec)
			}
			s, err := oracleDecodeString(dec, key)
			out.PrincipalID, havePrincipal = s, err == nil
			return err
		case "policyDocument":
			if m == Simple {
				return oracleSkip(dec)
			}
			return dec.Decode(&policy)
		case "isAuthorized":
			if m != Simple {
				return oracleSkip(dec)
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			switch string(raw) {
			case "true":
				out.IsAuthorized = true
			case "false":
			default:
				return fmt.Errorf("isAuthorized is %s, not a boolean", raw)
			}
			haveAuthorized = true
			return nil
		case "context":
			kvs, err := oracleParseContext(dec, m != PolicyREST)
			out.Context = kvs
			return err
		case "usageIdentifierKey":
			if m == Simple {
				return oracleSkip(dec)
			}
			s, err := oracleDecodeString(dec, key)
			out.UsageIdentifierKey = s
			return err
		}
		return oracleSkip(dec)
	})
	if err != nil {
		return nil, &MalformedError{Reason: "invalid JSON in response", Err: err}
	}
	if m == Simple {
		if !haveAuthorized {
			return nil, &MalformedError{Reason: "isAuthorized is missing"}
		}
		out.res = Result{Context: out.Context}
		return &out, nil
	}
	if !havePrincipal {
		return nil, &MalformedError{Reason: "principalId is missing"}
	}
	if len(policy) == 0 || bytes.Equal(policy, []byte("null")) {
		return nil, &MalformedError{Reason: "policyDocument is missing"}
	}
	p, err := iam.ParsePolicy(name, iam.IdentityPolicy, policy)
	if err != nil {
		return nil, &MalformedError{Reason: "could not parse policy", Err: err}
	}
	out.Policy = p
	out.res = Result{PrincipalID: out.PrincipalID, Context: out.Context, UsageIdentifierKey: out.UsageIdentifierKey}
	return &out, nil
}

// oracleEachKey calls f for every key of the JSON object in data, with dec
// positioned at its value; f must consume the value.
func oracleEachKey(data []byte, f func(key string, dec *json.Decoder) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("response is %v, not a JSON object", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if err := f(tok.(string), dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

func oracleSkip(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}

func oracleDecodeString(dec *json.Decoder, key string) (string, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return "", err
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", fmt.Errorf("%s is %s, not a string", key, raw)
	}
	err := json.Unmarshal(raw, &s)
	return s, err
}

// oracleParseContext reads the context object (or null) in key order. A repeated
// key keeps its first position and its last value, as a JSON object would.
func oracleParseContext(dec *json.Decoder, anyJSON bool) ([]KV, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if string(raw) == "null" {
		return nil, nil
	}
	var kvs []KV
	err := oracleEachKey(raw, func(key string, d *json.Decoder) error {
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return err
		}
		kv := KV{Key: key}
		switch c := v[0]; {
		case c == '"':
			if err := json.Unmarshal(v, &kv.String); err != nil {
				return err
			}
			kv.JSON = string(v)
		case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
			kv.JSON, kv.String = string(v), string(v)
		default:
			if !anyJSON {
				return fmt.Errorf("context value of %q is %s; it must be a string, number or boolean", key, v)
			}
			var b bytes.Buffer
			if err := json.Compact(&b, v); err != nil {
				return err
			}
			kv.JSON, kv.String = b.String(), b.String()
		}
		for i := range kvs {
			if kvs[i].Key == key {
				kvs[i] = kv
				return nil
			}
		}
		kvs = append(kvs, kv)
		return nil
	})
	return kvs, err
}

// FuzzParseOutputOracle checks ParseOutput against the encoding/json
// reader it replaced: the same payloads fail, and the others give the same
// Output (policies compared by their JSON).
func FuzzParseOutputOracle(f *testing.F) {
	for _, s := range oracleSeeds {
		for m := range uint8(3) {
			f.Add(m, []byte(s))
		}
	}
	if files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseOutput", "*")); err == nil {
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				// Corpus files hold Go literals; the payload is the []byte line.
				for _, line := range strings.Split(string(b), "\n") {
					if p, ok := strings.CutPrefix(line, "[]byte("); ok {
						var s string
						if _, err := fmt.Sscanf(strings.TrimSuffix(p, ")"), "%q", &s); err == nil {
							f.Add(uint8(0), []byte(s))
							f.Add(uint8(1), []byte(s))
							f.Add(uint8(2), []byte(s))
						}
					}
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, m uint8, payload []byte) {
		checkOracle(t, Mode(m%3+1), payload)
	})
}

func checkOracle(t *testing.T, mode Mode, payload []byte) {
	t.Helper()
	got, err := ParseOutput(mode, "o", payload)
	want, wantErr := oracleParseOutput(mode, "o", payload)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("mode %d %q: err = %v, oracle %v", mode, payload, err, wantErr)
	}
	if err != nil {
		var me *MalformedError
		if !errors.As(err, &me) {
			t.Fatalf("error %T %v is not a *MalformedError", err, err)
		}
		return
	}
	gp, wp := got.Policy, want.Policy
	got.Policy, want.Policy = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mode %d %q:\n got %+v\nwant %+v", mode, payload, got, want)
	}
	if (gp == nil) != (wp == nil) {
		t.Fatalf("mode %d %q: policy %v, oracle %v", mode, payload, gp, wp)
	}
	if gp != nil {
		gj, _ := json.Marshal(gp)
		wj, _ := json.Marshal(wp)
		if !bytes.Equal(gj, wj) {
			t.Fatalf("mode %d %q: policy %s, oracle %s", mode, payload, gj, wj)
		}
	}
}

// oracleSeeds are payloads at the edges of the JSON grammar and of the
// output rules.
var oracleSeeds = []string{
	allowAll, `{}`, ` {} `, `{}x`, `{} {}`, `[]`, `null`, `"Unauthorized"`, ``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`,
	`{"principalId":"p","policyDocument":null}`, `{"principalId":"p","policyDocument": {"Statement":[]} }`,
	`{"principalId":"p\u00e9\ud83d\ude00\ud800x","policyDocument":{"Statement":[]}}`,
	"{\"principalId\":\"\xff\xfe\",\"policyDocument\":{\"Statement\":[]}}",
	"{\"principalId\":\"a\x01\",\"policyDocument\":{\"Statement\":[]}}",
	`{"principalId":"a","principalId":"b","policyDocument":{"Statement":[]},"policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}`,
	`{"principal\u0049d":"esc","policyDocument":{"Statement":[]}}`,
	`{"principalId":1,"policyDocument":{"Statement":[]}}`, `{"principalId":"p","policyDocument":{"Statement":[]},"usageIdentifierKey":5}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":"x","b":-0.5e+10,"c":true,"d":false,"a":"y"}}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":null}}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":{"a":[1, {"b" : 2}]}}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":[1]}`, `{"principalId":"p","policyDocument":{"Statement":[]},"context":"x"}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":nul}`, `{"principalId":"p","policyDocument":{"Statement":[]},"context":null}`,
	`{"principalId":"p","policyDocument":{"Statement":[]},"context":{"s":"\"q\" \\ \/ \b\f\n\r\t"}}`,
	`{"isAuthorized":true}`, `{"isAuthorized":"true"}`, `{"isAuthorized":true,"isAuthorized":false}`, `{"isAuthorized":false,"isAuthorized":true}`,
	`{"isAuthorized":tru}`, `{"isAuthorized":1}`, `{"x":01}`, `{"x":1.}`, `{"x":.5}`, `{"x":-}`, `{"x":1e}`, `{"x":1E+2}`, `{"x":-0}`,
	`{"x":"\x"}`, `{"x":"\u12"}`, `{"x":"\u12G4"}`, `{"x":[1 2]}`, `{"x":[,]}`, `{"x":[]}`, `{"x":{}}`, `{"x":{"a":1 "b":2}}`,
	"{\"x\":\t\r\n1}", "\ufeff{}", `{"x":tRue}`, `{"x":"\u0000"}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`{"isAuthorized":true,"context":{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`,
	`{"isAuthorized":true,"context":{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}}`,
}

func TestParseOutputOracle(t *testing.T) {
	for _, s := range oracleSeeds {
		for m := Mode(1); m <= 3; m++ {
			checkOracle(t, m, []byte(s))
		}
	}
}

// oracleEvent is event as it was: the proxy event built, then read back
// key by key with encoding/json.
func (a *Authorizer) oracleEvent(r *Request, ids []string) ([]byte, error) {
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
	err = oracleEachRaw(proxy, func(key string, v json.RawMessage) error {
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
				err := oracleEachRaw(v, func(k string, v json.RawMessage) error {
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

// oracleEachRaw calls f with every key of the JSON object data and its raw value,
// in order.
func oracleEachRaw(data []byte, f func(key string, v json.RawMessage) error) error {
	return oracleEachKey(data, func(key string, dec *json.Decoder) error {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		return f(key, v)
	})
}

// TestEventOracle checks event against the implementation it replaced, for
// every kind of REQUEST event and requests whose values look like the
// parts event cuts out of the proxy event.
func TestEventOracle(t *testing.T) {
	tricky := []string{`,"isBase64Encoded":false`, `,"authorizer":{"claims":null,"scopes":null}`,
		`,"body":null,"isBase64Encoded":false}`, `{"version":"1.0",`, "é\u2028<&>\x00\"\\"}
	reqs := []*proxyevent.Request{missRequest().Event, {Method: "POST", Stage: "$default", Path: "/"}}
	for i, v := range tricky {
		r := *missRequest().Event
		r.Headers = append(r.Headers, proxyevent.Param{Name: v, Value: v}, proxyevent.Param{Name: "Cookie", Value: "a=1; " + v})
		r.Query = append(r.Query, proxyevent.Param{Name: v, Value: v})
		r.PathParameters = append(r.PathParameters, proxyevent.Param{Name: v, Value: v})
		r.StageVariables = []proxyevent.Param{{Name: v, Value: v}}
		r.Path, r.Resource, r.RawQuery = "/"+v, "/"+v, v
		r.Context.UserAgent, r.Context.DomainName = v, v
		r.Body, r.Binary = []byte(v), i%2 == 0
		r.Context.Authorizer = proxyevent.Authorizer{Kind: proxyevent.LambdaAuthorizer, PrincipalID: v}
		reqs = append(reqs, &r)
	}
	cfgs := []Config{
		{Name: "r", Protocol: model.REST, Type: TypeRequest, Function: "f", IdentitySource: "method.request.header.Authorization"},
		{Name: "h1", Protocol: model.HTTP, Type: TypeRequest, Function: "f", PayloadFormatVersion: "1.0"},
		{Name: "h2", Protocol: model.HTTP, Type: TypeRequest, Function: "f", PayloadFormatVersion: "2.0"},
		{Name: "t", Protocol: model.REST, Type: TypeToken, Function: "f", IdentitySource: "method.request.header.Authorization"},
	}
	for _, cfg := range cfgs {
		a, err := New(cfg, allowInvoker(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range reqs {
			r := &Request{Event: ev, MethodARN: "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/" + tricky[i%len(tricky)]}
			for _, ids := range [][]string{{"tok"}, {"a", tricky[i%len(tricky)]}} {
				got, err := a.event(r, ids)
				want, werr := a.oracleEvent(r, ids)
				if err != nil || werr != nil {
					t.Fatalf("%s #%d: %v, oracle %v", cfg.Name, i, err, werr)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s #%d:\n got %s\nwant %s", cfg.Name, i, got, want)
				}
			}
		}
	}
}
