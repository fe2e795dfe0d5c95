package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/gatehouse/gatehouse/internal/model"
)

// mediaTypes are a REST API's binary media types, lower case; an entry
// may hold * wildcards ("image/*", "*/*"). See docs/binary-media.md.
type mediaTypes []string

func compileMediaTypes(list []string) mediaTypes {
	if len(list) == 0 {
		return nil
	}
	out := make(mediaTypes, 0, len(list))
	for _, t := range list {
		// CloudFormation writes a slash as ~1 (image~1png).
		out = append(out, strings.ToLower(strings.ReplaceAll(t, "~1", "/")))
	}
	return out
}

// match reports whether a Content-Type or Accept value (parameters
// ignored) is one of the binary media types. An absent value matches
// nothing.
func (ts mediaTypes) match(value string) bool {
	if len(ts) == 0 {
		return false
	}
	mt := mediaType(value)
	if mt == "" {
		return false
	}
	for _, t := range ts {
		if t == mt {
			return true
		}
		if strings.IndexByte(t, '*') >= 0 {
			// path.Match's * stops at '/', so image/* does not match
			// image/svg/x and */* matches any type/subtype.
			if ok, err := path.Match(t, mt); err == nil && ok {
				return true
			}
		}
	}
	return false
}

// mediaType returns the lower-case type/subtype of a header value,
// without parameters; "" when there is none. It does not allocate for a
// lower-case value (it runs for every Lambda proxy request).
func mediaType(value string) string {
	mt, _, _ := strings.Cut(value, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// firstAccept returns the first media type of an Accept header: API
// Gateway honors only the first one when it decides whether a response
// is binary ("Content type conversions in API Gateway").
func firstAccept(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	return first
}

// acceptsBinary reports whether the request's first Accept media type is
// one of the API's binary media types.
func (ex *exchange) acceptsBinary() bool {
	return ex.api.binaryTypes.match(firstAccept(ex.in.Header.Get("Accept")))
}

// httpAPIText reports whether an HTTP API sends a body of this content
// type to Lambda as text; any other body (no Content-Type included) is
// base64-encoded. See docs/binary-media.md for the evidence.
func httpAPIText(contentType string) bool {
	mt := mediaType(contentType)
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

// errNotBase64 reports a CONVERT_TO_BINARY payload that is not base64:
// API Gateway's 500, an API configuration error.
var errNotBase64 = errors.New("payload to convert to binary is not base64")

// decodeBase64 decodes a base64 payload: standard alphabet, padding
// optional, surrounding space and line breaks (MIME-wrapped text) skipped.
func decodeBase64(b []byte) ([]byte, error) {
	s := bytes.TrimRight(bytes.TrimSpace(b), "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(s)))
	n, err := base64.RawStdEncoding.Decode(out, s) // skips '\r' and '\n'
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotBase64, err)
	}
	return out[:n], nil
}

func encodeBase64(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}

// conversion is what content handling does to a payload.
type conversion uint8

const (
	keepText   conversion = iota // text stays text: templates apply
	keepBinary                   // binary passes through untouched, no template
	toText                       // binary → base64 text, then templates apply
	toBinary                     // text → base64-decoded bytes, no template
)

// requestConversion decides the integration request's conversion from
// the request's Content-Type, the binary media types and the
// integration's contentHandling (the request table of "Content type
// conversions in API Gateway").
func (ex *exchange) requestConversion() conversion {
	binary := ex.api.binaryTypes.match(ex.in.Header.Get("Content-Type"))
	switch handling := ex.route.integ.ContentHandling; {
	case binary && handling == model.ConvertToText:
		return toText
	case binary:
		return keepBinary
	case handling == model.ConvertToBinary:
		return toBinary
	}
	return keepText
}

// responseConversion decides the method response's conversion from the
// integration response's Content-Type, the request's first Accept media
// type, the binary media types and the integration response's
// contentHandling (the response table of the same page). Without binary
// media types and contentHandling it is always keepText, so nothing is
// read that would otherwise stream.
func (ex *exchange) responseConversion(cr *compiledResponse) conversion {
	handling := cr.resp.ContentHandling
	types := ex.api.binaryTypes
	if len(types) == 0 && handling == "" {
		return keepText
	}
	binary := types.match(ex.resp.Header.Get("Content-Type"))
	switch handling {
	case model.ConvertToText:
		if binary {
			return toText
		}
		return keepText
	case model.ConvertToBinary:
		if binary {
			return keepBinary
		}
		return toBinary
	}
	accept := ex.acceptsBinary()
	switch {
	case binary && accept:
		return keepBinary
	case binary:
		return toText
	case accept:
		return toBinary
	}
	return keepText
}

// convertResponseBefore runs the part of a response conversion that comes
// before the response template (toText: the template reads the base64
// text as $input.body). It reports whether the template applies.
func (ex *exchange) convertResponseBefore(c conversion) (templates bool, err error) {
	switch c {
	case keepBinary, toBinary:
		return false, nil
	case toText:
		body, err := ex.integrationBody()
		if err != nil {
			return false, err
		}
		ex.integBody = encodeBase64(body)
	}
	return true, nil
}

// convertResponseAfter base64-decodes the method response body for
// toBinary. A Lambda result that is a JSON string is decoded as its text:
// a function returns base64 as a JSON string ("iVBOR...").
func (ex *exchange) convertResponseAfter(c conversion) error {
	if c != toBinary {
		return nil
	}
	body, err := ex.integrationBody()
	if err != nil {
		return err
	}
	if ex.route.integ.Type == model.AWS && len(body) > 1 && body[0] == '"' {
		var s string
		if json.Unmarshal(body, &s) == nil {
			body = []byte(s)
		}
	}
	decoded, err := decodeBase64(body)
	if err != nil {
		return internalError(ex, fmt.Errorf("integration response contentHandling: %w", err))
	}
	ex.respBody = decoded
	return nil
}

// eventBodyBinary reports whether a Lambda proxy event carries the body
// base64-encoded: for REST APIs when the request's Content-Type is one of
// the binary media types, for HTTP APIs when it is not a text type.
func (ex *exchange) eventBodyBinary() bool {
	ct := ex.in.Header.Get("Content-Type")
	if ex.protocol() == model.REST {
		return ex.api.binaryTypes.match(ct)
	}
	return !httpAPIText(ct)
}
