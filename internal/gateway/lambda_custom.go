package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Lambda custom (non-proxy, type AWS) integrations: the integration
// request's payload is the event, the function's result (or its error
// document) is the integration response body, and the integration
// response is selected by matching errorMessage against the
// selectionPatterns. See docs/lambda-integrations.md.

// lambdaCustomRequest makes the integration request payload the Lambda
// event: the rendered template, or the method request's body.
func (g *Gateway) lambdaCustomRequest(ex *exchange, payload []byte, replaced bool) error {
	if !replaced {
		body, err := ex.readBody()
		if err != nil {
			return err
		}
		payload = body
	}
	ex.event = payload
	ctx, cancel := context.WithTimeout(ex.in.Context(), ex.route.integrationTimeout())
	ex.ctx, ex.cancel = ctx, cancel
	return nil
}

// invokeLambdaCustom calls the function. Lambda answers 200 whether the
// function succeeded or failed, so both become an integration response
// with status 200 and a JSON body; a failure keeps its error document for
// the selection patterns. When Lambda does not run the function, the
// answer is the proxy integration's (500, or the timeout).
func (g *Gateway) invokeLambdaCustom(ex *exchange) error {
	fn := ex.route.function[ex.stage.name]
	result, fnErr, err := g.functions.Invoke(ex.ctx, fn, ex.event)
	ex.integLatency = time.Since(ex.integStart)
	if err != nil {
		return invokeFailure(ex, fn, err)
	}
	ex.integStatus = http.StatusOK
	body := result
	if fnErr != nil {
		ex.lambdaErr, ex.integError = fnErr, fnErr.Message
		body = fnErr.Payload
		g.log.Debug("function error", "requestId", ex.requestID, "function", fn, "errorType", fnErr.Type, "errorMessage", fnErr.Message)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}}
	ex.resp = &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	ex.integBody, ex.integRead = body, true // in memory already
	return nil
}

// lambdaSelector is what a Lambda custom integration's selection patterns
// match: the whole errorMessage of a function error, "" for a result (so
// that ".*" also matches successes, as on AWS, and ".+" does not).
func (ex *exchange) lambdaSelector() string {
	if ex.lambdaErr == nil {
		return ""
	}
	return ex.lambdaErr.Message
}

// headerMappingBody is the body that integration.response.body header
// mappings read. For a Lambda custom error whose errorMessage is itself
// JSON (a function that throws JSON.stringify(obj)), AWS deserializes it
// first, so integration.response.body.errorMessage.httpStatus works; body
// templates still see the string ("Handle custom Lambda errors").
func (ex *exchange) headerMappingBody() ([]byte, error) {
	body, err := ex.integrationBody()
	if err != nil || ex.lambdaErr == nil {
		return body, err
	}
	msg := strings.TrimSpace(ex.lambdaErr.Message)
	if msg == "" || (msg[0] != '{' && msg[0] != '[') || !json.Valid([]byte(msg)) {
		return body, nil
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return body, nil
	}
	doc["errorMessage"] = json.RawMessage(msg)
	if expanded, err := json.Marshal(doc); err == nil {
		return expanded, nil
	}
	return body, nil
}

// checkLambdaRequestParameters refuses request parameter mappings that
// change how Lambda is invoked: asynchronous invocation (X-Amz-Invocation-Type:
// 'Event') answers 202 at once on AWS, which gatehouse does not do yet.
func checkLambdaRequestParameters(params map[string]string) error {
	for target, src := range params {
		name, ok := strings.CutPrefix(target, "integration.request.header.")
		if !ok || !strings.EqualFold(name, "X-Amz-Invocation-Type") {
			continue
		}
		if src != "'RequestResponse'" {
			return fmt.Errorf("requestParameters %s = %s: only synchronous Lambda invocation ('RequestResponse') is supported", target, src)
		}
	}
	return nil
}
