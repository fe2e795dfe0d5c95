package authorizer

import (
	"bytes"
	"encoding/json"
	"fmt"

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
	var policy []byte
	r := reader{data: payload}
	// Each member's value is read as json.Decoder.Decode would read it on
	// its own (depth 0), as the decoder this replaced did.
	err := r.object(0, func(key string) error {
		switch key {
		case "principalId":
			if m == Simple {
				return r.skip(0)
			}
			s, err := r.stringValue(key)
			out.PrincipalID, havePrincipal = s, err == nil
			return err
		case "policyDocument":
			if m == Simple {
				return r.skip(0)
			}
			v, err := r.value(0)
			policy = v
			return err
		case "isAuthorized":
			if m != Simple {
				return r.skip(0)
			}
			v, err := r.value(0)
			if err != nil {
				return err
			}
			switch string(v) {
			case "true":
				out.IsAuthorized = true
			case "false":
				// A repeated isAuthorized does not turn a true back to
				// false: the decoder this replaced kept it so.
			default:
				return fmt.Errorf("isAuthorized is %s, not a boolean", v)
			}
			haveAuthorized = true
			return nil
		case "context":
			kvs, err := r.context(m != PolicyREST)
			out.Context = kvs
			return err
		case "usageIdentifierKey":
			if m == Simple {
				return r.skip(0)
			}
			s, err := r.stringValue(key)
			out.UsageIdentifierKey = s
			return err
		}
		return r.skip(0)
	})
	if err == nil {
		err = r.end()
	}
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
	if len(policy) == 0 || string(policy) == "null" {
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

// stringValue reads a value that must be a string (the member key names
// it in the error).
func (r *reader) stringValue(key string) (string, error) {
	if r.pos < len(r.data) && r.data[r.pos] == '"' {
		return r.str()
	}
	v, err := r.value(0)
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s is %s, not a string", key, v)
}

// context reads the context object (or null) in key order. A repeated key
// keeps its first position and its last value, as a JSON object would.
// Values other than strings, numbers and booleans are refused unless
// anyJSON.
func (r *reader) context(anyJSON bool) ([]KV, error) {
	if r.pos < len(r.data) && r.data[r.pos] == 'n' {
		return nil, r.literal("null")
	}
	if r.pos < len(r.data) && r.data[r.pos] != '{' {
		// Not an object: an error, once the value is known to be JSON.
		v, err := r.value(0)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("context is %s, not a JSON object", v)
	}
	var kvs []KV
	err := r.object(0, func(key string) error {
		kv := KV{Key: key}
		if r.pos < len(r.data) && r.data[r.pos] == '"' {
			raw, plain, err := r.strRaw()
			if err != nil {
				return err
			}
			if kv.String, err = unquote(raw, plain); err != nil {
				return err
			}
			kv.JSON = string(raw)
		} else {
			v, err := r.value(1)
			if err != nil {
				return err
			}
			switch c := v[0]; {
			case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
				kv.JSON = string(v)
				kv.String = kv.JSON
			default:
				if !anyJSON {
					return fmt.Errorf("context value of %q is %s; it must be a string, number or boolean", key, v)
				}
				var b bytes.Buffer
				if err := json.Compact(&b, v); err != nil {
					return err
				}
				kv.JSON = b.String()
				kv.String = kv.JSON
			}
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
