package proxyevent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Response is the HTTP response API Gateway returns for the function's
// result.
type Response struct {
	// Status is the HTTP status code, 100–599.
	Status int
	// Header holds the response headers in the order the function wrote
	// them: the "headers" map first (minus names that multiValueHeaders
	// also sets), then every value of "multiValueHeaders".
	Header []Param
	// Cookies are the 2.0 "cookies"; each becomes one Set-Cookie header.
	Cookies []string
	// Body is the response body, base64-decoded when isBase64Encoded.
	Body []byte
	// Encoded is the body as the function wrote it when isBase64Encoded
	// was true (nil otherwise): a REST API returns this text, not Body,
	// when the request's Accept header is not a binary media type.
	Encoded []byte
}

// MalformedError reports a function result API Gateway rejects ("Malformed
// Lambda proxy response" in the execution log). The client gets Status()
// and {"message":Message()}.
type MalformedError struct {
	Format Format
	// Reason says what is wrong, for logs and --explain.
	Reason string
	// Err is the underlying JSON or base64 error, if any.
	Err error
}

func (e *MalformedError) Error() string {
	s := "Malformed Lambda proxy response: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *MalformedError) Unwrap() error { return e.Err }

// Status is the status API Gateway answers with: 502 for REST APIs, 500
// for HTTP APIs.
func (e *MalformedError) Status() int {
	if e.Format == REST {
		return 502
	}
	return 500
}

// Message is the error body's message: "Internal server error" (REST) or
// "Internal Server Error" (HTTP APIs).
func (e *MalformedError) Message() string {
	if e.Format == REST {
		return "Internal server error"
	}
	return "Internal Server Error"
}

// ParseResponse reads the function's result payload as API Gateway does
// for format f. Errors are *MalformedError, or *InputError for an unknown
// format.
//
// Payload 1.0 must be a JSON object with an integer statusCode (a string
// of digits is accepted); REST APIs also refuse any key other than
// statusCode, headers, multiValueHeaders, body and isBase64Encoded.
// Payload 2.0 is read the same way when the object has a statusCode (with
// cookies instead of multiValueHeaders, unknown keys ignored); otherwise
// any valid JSON is the body of a 200 application/json response, a JSON
// string giving its decoded text.
func ParseResponse(f Format, payload []byte) (*Response, error) {
	if f != REST && f != HTTP10 && f != HTTP20 {
		return nil, &InputError{Field: "Format", Msg: "unknown format " + f.String()}
	}
	bad := func(reason string, err error) (*Response, error) {
		return nil, &MalformedError{Format: f, Reason: reason, Err: err}
	}
	if !json.Valid(payload) {
		return bad("the result is not JSON", nil)
	}
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	isObject := trimmed[0] == '{' // json.Valid rules out empty input
	if f == HTTP20 && (!isObject || !hasTopLevelKey(payload, "statusCode")) {
		return inferV2(payload, trimmed)
	}
	if !isObject {
		return bad("the result is not a JSON object", nil)
	}
	p := parser{f: f, dec: json.NewDecoder(bytes.NewReader(payload))}
	p.dec.UseNumber()
	r, err := p.object()
	if err != nil {
		var me *MalformedError
		if errors.As(err, &me) {
			return nil, err
		}
		return bad("cannot read the result", err)
	}
	return r, nil
}

// inferV2 applies the 2.0 rule for a result without statusCode: status
// 200, content-type application/json, the result as the body (a JSON
// string's text).
func inferV2(payload, trimmed []byte) (*Response, error) {
	body := payload
	if trimmed[0] == '"' {
		var s string
		if err := json.Unmarshal(payload, &s); err != nil {
			return nil, &MalformedError{Format: HTTP20, Reason: "cannot read the result", Err: err}
		}
		body = []byte(s)
	} else {
		body = bytes.Clone(body)
	}
	return &Response{
		Status: 200,
		Header: []Param{{Name: "Content-Type", Value: "application/json"}},
		Body:   body,
	}, nil
}

// hasTopLevelKey reports whether the JSON object payload (already valid)
// has the key at its top level.
func hasTopLevelKey(payload []byte, key string) bool {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if _, err := dec.Token(); err != nil { // '{'
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if k, _ := t.(string); k == key {
			return true
		}
		if skipValue(dec) != nil {
			return false
		}
	}
	return false
}

// parser reads a 1.0 or structured 2.0 result object.
type parser struct {
	f   Format
	dec *json.Decoder
}

func (p *parser) bad(reason string) error {
	return &MalformedError{Format: p.f, Reason: reason}
}

func (p *parser) object() (*Response, error) {
	if _, err := p.dec.Token(); err != nil { // '{'
		return nil, err
	}
	var (
		status        = -1
		single, multi []Param
		multiNames    []string
		cookies       []string
		body          string
		base64Encoded bool
	)
	for p.dec.More() {
		t, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		switch {
		case key == "statusCode":
			status, err = p.status()
		case key == "headers":
			single, err = p.headers()
		case key == "multiValueHeaders" && p.f != HTTP20:
			multi, multiNames, err = p.multiHeaders()
		case key == "cookies" && p.f == HTTP20:
			cookies, err = p.cookies()
		case key == "body":
			body, err = p.body()
		case key == "isBase64Encoded":
			base64Encoded, err = p.flag()
		case p.f == REST:
			err = p.bad("unexpected key " + strconv.Quote(key))
		default:
			err = skipValue(p.dec)
		}
		if err != nil {
			return nil, err
		}
	}
	if status < 0 {
		return nil, p.bad("statusCode is missing")
	}
	r := &Response{Status: status, Cookies: cookies}
	// headers and multiValueHeaders merge; a name in both keeps only its
	// multiValueHeaders values.
	for _, h := range single {
		if !containsFold(multiNames, h.Name) {
			r.Header = append(r.Header, h)
		}
	}
	r.Header = append(r.Header, multi...)
	if base64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, &MalformedError{Format: p.f, Reason: "body is not valid base64", Err: err}
		}
		r.Body, r.Encoded = b, []byte(body)
	} else if body != "" {
		r.Body = []byte(body)
	}
	return r, nil
}

// status reads statusCode: an integer, or a string of one, 100–599. null
// counts as missing.
func (p *parser) status() (int, error) {
	t, err := p.dec.Token()
	if err != nil {
		return 0, err
	}
	var s string
	switch v := t.(type) {
	case nil:
		return -1, nil
	case json.Number:
		s = string(v)
	case string:
		s = v
	case json.Delim:
		if err := skipRest(p.dec); err != nil {
			return 0, err
		}
		return 0, p.bad("statusCode is not a number")
	default:
		return 0, p.bad("statusCode is not a number")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, p.bad("statusCode " + strconv.Quote(s) + " is not an integer")
	}
	if n < 100 || n > 599 {
		return 0, p.bad("statusCode " + s + " is out of range")
	}
	return n, nil
}

// scalar reads a header value: a string, or a number or boolean taken as
// its text. ok is false for null.
func (p *parser) scalar(what string) (s string, ok bool, err error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", false, err
	}
	switch v := t.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return string(v), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	case json.Delim:
		if err := skipRest(p.dec); err != nil {
			return "", false, err
		}
	}
	return "", false, p.bad(what + " is not a string")
}

// headers reads the "headers" object. A repeated key keeps its last value.
func (p *parser) headers() ([]Param, error) {
	ok, err := p.open('{', "headers")
	if !ok || err != nil {
		return nil, err
	}
	var hs []Param
	for p.dec.More() {
		t, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		v, ok, err := p.scalar("headers." + name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if i := indexParam(hs, name); i >= 0 {
			hs = append(hs[:i], hs[i+1:]...)
		}
		hs = append(hs, Param{Name: name, Value: v})
	}
	_, err = p.dec.Token() // '}'
	return hs, err
}

// multiHeaders reads "multiValueHeaders": every value of every key, and
// the keys present. A repeated key keeps its last list.
func (p *parser) multiHeaders() ([]Param, []string, error) {
	ok, err := p.open('{', "multiValueHeaders")
	if !ok || err != nil {
		return nil, nil, err
	}
	var hs []Param
	var names []string
	for p.dec.More() {
		t, err := p.dec.Token()
		if err != nil {
			return nil, nil, err
		}
		name, _ := t.(string)
		ok, err := p.open('[', "multiValueHeaders."+name)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if slices.Contains(names, name) { // a repeated key: drop the earlier list
			kept := hs[:0]
			for _, h := range hs {
				if h.Name != name {
					kept = append(kept, h)
				}
			}
			hs = kept
		} else {
			names = append(names, name)
		}
		for p.dec.More() {
			v, ok, err := p.scalar("multiValueHeaders." + name)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				hs = append(hs, Param{Name: name, Value: v})
			}
		}
		if _, err := p.dec.Token(); err != nil { // ']'
			return nil, nil, err
		}
	}
	_, err = p.dec.Token() // '}'
	return hs, names, err
}

// cookies reads the 2.0 "cookies" array of strings.
func (p *parser) cookies() ([]string, error) {
	ok, err := p.open('[', "cookies")
	if !ok || err != nil {
		return nil, err
	}
	var cs []string
	for p.dec.More() {
		t, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		switch v := t.(type) {
		case string:
			cs = append(cs, v)
		case nil:
		case json.Delim:
			if err := skipRest(p.dec); err != nil {
				return nil, err
			}
			return nil, p.bad("cookies holds a non-string")
		default:
			return nil, p.bad("cookies holds a non-string")
		}
	}
	_, err = p.dec.Token() // ']'
	return cs, err
}

// body reads "body": a string, or null for none.
func (p *parser) body() (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", err
	}
	switch v := t.(type) {
	case string:
		return v, nil
	case nil:
		return "", nil
	case json.Delim:
		if err := skipRest(p.dec); err != nil {
			return "", err
		}
	}
	return "", p.bad("body is not a string")
}

// flag reads "isBase64Encoded": a boolean, "true"/"false", or null.
func (p *parser) flag() (bool, error) {
	t, err := p.dec.Token()
	if err != nil {
		return false, err
	}
	switch v := t.(type) {
	case bool:
		return v, nil
	case nil:
		return false, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
			return b, nil
		}
	case json.Delim:
		if err := skipRest(p.dec); err != nil {
			return false, err
		}
	}
	return false, p.bad("isBase64Encoded is not a boolean")
}

// open reads the start of an object or array (want) for field; ok is false
// for null, and anything else is malformed.
func (p *parser) open(want json.Delim, field string) (ok bool, err error) {
	t, err := p.dec.Token()
	if err != nil {
		return false, err
	}
	switch v := t.(type) {
	case nil:
		return false, nil
	case json.Delim:
		if v == want {
			return true, nil
		}
		if err := skipRest(p.dec); err != nil {
			return false, err
		}
	}
	kind := "an object"
	if want == '[' {
		kind = "an array"
	}
	return false, p.bad(field + " is not " + kind)
}

// skipValue consumes one value.
func skipValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if _, ok := t.(json.Delim); ok {
		return skipRest(dec)
	}
	return nil
}

// skipRest consumes the rest of an object or array whose opening
// delimiter was just read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func indexParam(ps []Param, name string) int {
	for i, p := range ps {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func containsFold(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
