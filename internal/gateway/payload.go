package gateway

import (
	"bytes"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/mapping"
)

// requestPayload builds a non-proxy integration's request payload from
// the method request's body: content handling first (binary bodies pass
// through or become base64 text; CONVERT_TO_BINARY decodes base64 text),
// then the request template chosen by Content-Type, which only ever sees
// text. replaced reports whether payload replaces the body; when it is
// false the body goes to the integration as received (and may stream).
// Errors are API Gateway's: 415 under the passthrough behavior, 500 for a
// template error or a payload that is not base64. A template's output is
// appended to buf (nil: a new buffer).
func (ex *exchange) requestPayload(buf *bytes.Buffer) (payload []byte, replaced bool, ov mapping.RequestOverrides, err error) {
	rp := ex.route
	// The passthrough behavior is checked for every payload, as AWS
	// answers 415 before it looks at the body.
	tpl, found, err := rp.reqTemplates.forRequest(ex.in.Header.Get("Content-Type"), rp.integ.PassthroughBehavior)
	if err != nil {
		return nil, false, ov, err
	}
	switch ex.requestConversion() {
	case keepBinary:
		return nil, false, ov, nil
	case toBinary:
		body, err := ex.readBody()
		if err != nil {
			return nil, false, ov, err
		}
		decoded, err := decodeBase64(body)
		if err != nil {
			return nil, false, ov, internalError(ex, fmt.Errorf("integration request contentHandling: %w", err))
		}
		return decoded, true, ov, nil
	case toText:
		body, err := ex.readBody()
		if err != nil {
			return nil, false, ov, err
		}
		payload, replaced = encodeBase64(body), true
	}
	if !found || tpl == nil {
		return payload, replaced, ov, nil
	}
	if !replaced {
		if payload, err = ex.readBody(); err != nil {
			return nil, false, ov, err
		}
	}
	out, tc, err := ex.render(tpl, payload, buf)
	if err != nil {
		return nil, false, ov, err
	}
	return out, true, tc.RequestOverrides(), nil
}
