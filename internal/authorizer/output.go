package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// KV is one entry of the authorizer's context map.
type KV struct {
	Key string
	// JSON is the value as the function returned it: a compact JSON
	// literal (a string with its quotes, a number as written, true/false;
	// for HTTP APIs also null, an array or an object).
	JSON string
	// String is the value as $context.authorizer.<key> gives it: a string
	// without its quotes, any other value as its JSON text ("123", "true").
	String string
}

// Mode says which responses a function may give, from the Config.
type Mode uint8

// The output modes.
const (
	// PolicyREST: principalId and policyDocument required; context values
	// must be strings, numbers or booleans
	// ("you cannot set a JSON object or array as a valid value of any key
	// in the context map", api-gateway-lambda-authorizer-output.html).
	PolicyREST Mode = iota + 1
	// PolicyHTTP: as PolicyREST, but context values may be any JSON value
	// (http-api-lambda-authorizer.html returns arrayKey and mapKey).
	PolicyHTTP
	// Simple: {"isAuthorized": bool, "context": {...}} (HTTP API 2.0 with
	// enableSimpleResponses).
	Simple
)

// Output is a Lambda authorizer's response, parsed and validated. It is
// immutable once returned, and is what the cache holds.
type Output struct {
	// PrincipalID is principalId; empty for simple responses.
	PrincipalID string
	// Policy is the compiled policyDocument; nil for simple responses.
	Policy *iam.Policy
	// IsAuthorized is a simple response's isAuthorized.
	IsAuthorized bool
	// Context is the context map in the function's key order.
	Context []KV
	// UsageIdentifierKey is the API key for usage plans (REST, apiKeySource
	// AUTHORIZER); empty if absent.
	UsageIdentifierKey string

	res Result // the Result view, shared by every cache hit
}

// MalformedError says why a function's result is not a valid authorizer
// response; API Gateway answers it with 500 (AuthorizerConfigurationException
// for REST).
type MalformedError struct {
	Reason string
	Err    error
}

// Error describes the problem, for logs and --explain.
func (e *MalformedError) Error() string {
	if e.Err != nil {
		return "malformed authorizer response: " + e.Reason + ": " + e.Err.Error()
	}
	return "malformed authorizer response: " + e.Reason
}

// Unwrap returns the underlying JSON or policy error.
func (e *MalformedError) Unwrap() error { return e.Err }

// ParseOutput parses the result payload of an authorizer function in mode m.
// name names the policy in evaluation results. Every error is a
// *MalformedError.
func ParseOutput(m Mode, name string, payload []byte) (*Output, error) {
	var out Output
	var havePrincipal, haveAuthorized bool
	var policy json.RawMessage
	err := eachKey(payload, func(key string, dec *json.Decoder) error {
		switch key {
		case "principalId":
			if m == Simple {
				return skip(dec)
			}
			s, err := decodeString(dec, key)
			out.PrincipalID, havePrincipal = s, err == nil
			return err
		case "policyDocument":
			if m == Simple {
				return skip(dec)
			}
			return dec.Decode(&policy)
		case "isAuthorized":
			if m != Simple {
				return skip(dec)
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
			kvs, err := parseContext(dec, m != PolicyREST)
			out.Context = kvs
			return err
		case "usageIdentifierKey":
			if m == Simple {
				return skip(dec)
			}
			s, err := decodeString(dec, key)
			out.UsageIdentifierKey = s
			return err
		}
		return skip(dec)
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

// eachKey calls f for every key of the JSON object in data, with dec
// positioned at its value; f must consume the value.
func eachKey(data []byte, f func(key string, dec *json.Decoder) error) error {
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

func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}

func decodeString(dec *json.Decoder, key string) (string, error) {
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

// parseContext reads the context object (or null) in key order. A repeated
// key keeps its first position and its last value, as a JSON object would.
func parseContext(dec *json.Decoder, anyJSON bool) ([]KV, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if string(raw) == "null" {
		return nil, nil
	}
	var kvs []KV
	err := eachKey(raw, func(key string, d *json.Decoder) error {
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
