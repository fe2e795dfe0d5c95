package proxyevent

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseResponse(t *testing.T) {
	ct := []Param{{Name: "Content-Type", Value: "application/json"}}
	tests := []struct {
		name    string
		f       Format
		payload string
		want    *Response
		reason  string // a *MalformedError with this Reason
	}{
		// Payload 1.0 (REST and HTTP API 1.0).
		{name: "1.0 minimal", f: REST, payload: `{"statusCode":200,"body":"results"}`,
			want: &Response{Status: 200, Body: []byte("results")}},
		{name: "1.0 doc hello", f: REST, payload: `{"statusCode": 200, "headers": {"Content-Type": "*/*"}, "body": "Hello, jane!"}`,
			want: &Response{Status: 200, Header: []Param{{"Content-Type", "*/*"}}, Body: []byte("Hello, jane!")}},
		{name: "1.0 client error", f: REST, payload: `{"statusCode": 400, "body": "Missing parameters of ..."}`,
			want: &Response{Status: 400, Body: []byte("Missing parameters of ...")}},
		{name: "1.0 no body", f: REST, payload: `{"statusCode":204}`, want: &Response{Status: 204}},
		{name: "1.0 null body and headers", f: REST, payload: `{"statusCode":204,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`,
			want: &Response{Status: 204}},
		{name: "1.0 status as string", f: REST, payload: `{"statusCode":"201"}`, want: &Response{Status: 201}},
		{name: "1.0 headers keep order", f: REST, payload: `{"statusCode":200,"headers":{"B":"2","A":"1","C":"3"}}`,
			want: &Response{Status: 200, Header: []Param{{"B", "2"}, {"A", "1"}, {"C", "3"}}}},
		{name: "1.0 header number and bool values", f: REST, payload: `{"statusCode":200,"headers":{"X-N":12,"X-B":true,"X-Null":null}}`,
			want: &Response{Status: 200, Header: []Param{{"X-N", "12"}, {"X-B", "true"}}}},
		{name: "1.0 repeated headers key keeps last", f: REST, payload: `{"statusCode":200,"headers":{"X":"1","Y":"y","X":"2"}}`,
			want: &Response{Status: 200, Header: []Param{{"Y", "y"}, {"X", "2"}}}},
		{name: "1.0 multiValueHeaders", f: REST, payload: `{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"X":["x"]}}`,
			want: &Response{Status: 200, Header: []Param{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"X", "x"}}}},
		{name: "1.0 merge: multiValueHeaders win for a shared name", f: REST,
			payload: `{"statusCode":200,"headers":{"X-A":"single","X-B":"b","x-c":"c"},"multiValueHeaders":{"X-A":["m1","m2"],"X-C":["C"]}}`,
			want:    &Response{Status: 200, Header: []Param{{"X-B", "b"}, {"X-A", "m1"}, {"X-A", "m2"}, {"X-C", "C"}}}},
		{name: "1.0 base64", f: REST, payload: `{"statusCode":200,"isBase64Encoded":true,"body":"AAECAwQF/w=="}`,
			want: &Response{Status: 200, Body: []byte{0, 1, 2, 3, 4, 5, 0xff}, Encoded: []byte("AAECAwQF/w==")}},
		{name: "1.0 isBase64Encoded false keeps text", f: REST, payload: `{"statusCode":200,"isBase64Encoded":false,"body":"AAEC"}`,
			want: &Response{Status: 200, Body: []byte("AAEC")}},
		{name: "1.0 isBase64Encoded as string", f: REST, payload: `{"statusCode":200,"isBase64Encoded":"true","body":"aGk="}`,
			want: &Response{Status: 200, Body: []byte("hi"), Encoded: []byte("aGk=")}},
		{name: "1.0 base64 with line breaks keeps the text as written", f: REST, payload: `{"statusCode":200,"isBase64Encoded":true,"body":"aGVs\nbG8="}`,
			want: &Response{Status: 200, Body: []byte("hello"), Encoded: []byte("aGVs\nbG8=")}},
		{name: "HTTP 1.0 ignores unknown keys", f: HTTP10, payload: `{"statusCode":200,"extra":{"a":[1]},"body":"ok"}`,
			want: &Response{Status: 200, Body: []byte("ok")}},
		{name: "HTTP 1.0 cookies key is unknown", f: HTTP10, payload: `{"statusCode":200,"cookies":["a=1"]}`,
			want: &Response{Status: 200}},

		// Malformed payload 1.0: 502 on REST, 500 on HTTP APIs.
		{name: "1.0 not JSON", f: REST, payload: `Hello`, reason: "the result is not JSON"},
		{name: "1.0 empty", f: REST, payload: ``, reason: "the result is not JSON"},
		{name: "1.0 truncated", f: REST, payload: `{"statusCode":200`, reason: "the result is not JSON"},
		{name: "1.0 string result", f: REST, payload: `"Hello from Lambda!"`, reason: "the result is not a JSON object"},
		{name: "1.0 null result", f: REST, payload: `null`, reason: "the result is not a JSON object"},
		{name: "1.0 array result", f: HTTP10, payload: `[1]`, reason: "the result is not a JSON object"},
		{name: "1.0 missing statusCode", f: REST, payload: `{"body":"x"}`, reason: "statusCode is missing"},
		{name: "HTTP 1.0 missing statusCode", f: HTTP10, payload: `{"message":"hi"}`, reason: "statusCode is missing"},
		{name: "1.0 null statusCode", f: REST, payload: `{"statusCode":null}`, reason: "statusCode is missing"},
		{name: "1.0 statusCode float", f: REST, payload: `{"statusCode":200.5}`, reason: `statusCode "200.5" is not an integer`},
		{name: "1.0 statusCode word", f: REST, payload: `{"statusCode":"OK"}`, reason: `statusCode "OK" is not an integer`},
		{name: "1.0 statusCode bool", f: REST, payload: `{"statusCode":true}`, reason: "statusCode is not a number"},
		{name: "1.0 statusCode object", f: REST, payload: `{"statusCode":{"a":1}}`, reason: "statusCode is not a number"},
		{name: "1.0 statusCode out of range", f: REST, payload: `{"statusCode":99}`, reason: "statusCode 99 is out of range"},
		{name: "1.0 statusCode too big", f: REST, payload: `{"statusCode":600}`, reason: "statusCode 600 is out of range"},
		{name: "REST unknown key", f: REST, payload: `{"statusCode":200,"message":"hi"}`, reason: `unexpected key "message"`},
		{name: "REST cookies key", f: REST, payload: `{"statusCode":200,"cookies":[]}`, reason: `unexpected key "cookies"`},
		{name: "1.0 body object", f: REST, payload: `{"statusCode":200,"body":{"a":1}}`, reason: "body is not a string"},
		{name: "1.0 body number", f: HTTP10, payload: `{"statusCode":200,"body":1}`, reason: "body is not a string"},
		{name: "1.0 headers array", f: REST, payload: `{"statusCode":200,"headers":["a"]}`, reason: "headers is not an object"},
		{name: "1.0 headers string", f: REST, payload: `{"statusCode":200,"headers":"a"}`, reason: "headers is not an object"},
		{name: "1.0 header value object", f: REST, payload: `{"statusCode":200,"headers":{"X":{"a":1}}}`, reason: "headers.X is not a string"},
		{name: "1.0 multiValueHeaders value string", f: REST, payload: `{"statusCode":200,"multiValueHeaders":{"X":"a"}}`, reason: "multiValueHeaders.X is not an array"},
		{name: "1.0 multiValueHeaders nested array", f: REST, payload: `{"statusCode":200,"multiValueHeaders":{"X":[["a"]]}}`, reason: "multiValueHeaders.X is not a string"},
		{name: "1.0 isBase64Encoded number", f: REST, payload: `{"statusCode":200,"isBase64Encoded":1}`, reason: "isBase64Encoded is not a boolean"},
		{name: "1.0 bad base64", f: REST, payload: `{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`, reason: "body is not valid base64"},

		// Payload 2.0.
		{name: "2.0 structured", f: HTTP20, payload: `{"cookies":["cookie1","cookie2"],"isBase64Encoded":false,"statusCode":201,"headers":{"headerName":"headerValue"},"body":"Hello from Lambda!"}`,
			want: &Response{Status: 201, Header: []Param{{"headerName", "headerValue"}}, Cookies: []string{"cookie1", "cookie2"}, Body: []byte("Hello from Lambda!")}},
		{name: "2.0 structured ignores multiValueHeaders and unknown keys", f: HTTP20, payload: `{"statusCode":200,"multiValueHeaders":{"X":["a"]},"extra":1}`,
			want: &Response{Status: 200}},
		{name: "2.0 inferred string", f: HTTP20, payload: `"Hello from Lambda!"`,
			want: &Response{Status: 200, Header: ct, Body: []byte("Hello from Lambda!")}},
		{name: "2.0 inferred object", f: HTTP20, payload: `{ "message": "Hello from Lambda!" }`,
			want: &Response{Status: 200, Header: ct, Body: []byte(`{ "message": "Hello from Lambda!" }`)}},
		{name: "2.0 inferred object with nested statusCode", f: HTTP20, payload: `{"data":{"statusCode":500}}`,
			want: &Response{Status: 200, Header: ct, Body: []byte(`{"data":{"statusCode":500}}`)}},
		{name: "2.0 inferred number", f: HTTP20, payload: `42`, want: &Response{Status: 200, Header: ct, Body: []byte(`42`)}},
		{name: "2.0 inferred array", f: HTTP20, payload: `[1,2]`, want: &Response{Status: 200, Header: ct, Body: []byte(`[1,2]`)}},
		{name: "2.0 inferred null", f: HTTP20, payload: `null`, want: &Response{Status: 200, Header: ct, Body: []byte(`null`)}},
		{name: "2.0 base64", f: HTTP20, payload: `{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`,
			want: &Response{Status: 200, Body: []byte("hi"), Encoded: []byte("aGk=")}},
		{name: "2.0 not JSON", f: HTTP20, payload: `Hello from Lambda!`, reason: "the result is not JSON"},
		{name: "2.0 bad statusCode", f: HTTP20, payload: `{"statusCode":"abc"}`, reason: `statusCode "abc" is not an integer`},
		{name: "2.0 null statusCode", f: HTTP20, payload: `{"statusCode":null,"body":"x"}`, reason: "statusCode is missing"},
		{name: "2.0 cookies not array", f: HTTP20, payload: `{"statusCode":200,"cookies":"a=1"}`, reason: "cookies is not an array"},
		{name: "2.0 cookie not string", f: HTTP20, payload: `{"statusCode":200,"cookies":[1]}`, reason: "cookies holds a non-string"},
		{name: "2.0 body object", f: HTTP20, payload: `{"statusCode":200,"body":{}}`, reason: "body is not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResponse(tt.f, []byte(tt.payload))
			if tt.reason != "" {
				var me *MalformedError
				if !errors.As(err, &me) {
					t.Fatalf("err = %v (%T), want *MalformedError", err, err)
				}
				if me.Reason != tt.reason {
					t.Errorf("reason = %q, want %q", me.Reason, tt.reason)
				}
				wantStatus, wantMsg := 500, "Internal Server Error"
				if tt.f == REST {
					wantStatus, wantMsg = 502, "Internal server error"
				}
				if me.Status() != wantStatus || me.Message() != wantMsg {
					t.Errorf("answer = %d %q, want %d %q", me.Status(), me.Message(), wantStatus, wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseResponseFormat(t *testing.T) {
	_, err := ParseResponse(0, []byte(`{}`))
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Errorf("err = %v, want *InputError", err)
	}
}

func TestMalformedErrorMessage(t *testing.T) {
	_, err := ParseResponse(REST, []byte(`{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`))
	if err == nil || err.Error() == "" || errors.Unwrap(err) == nil {
		t.Errorf("err = %v, want a wrapped base64 error", err)
	}
}
