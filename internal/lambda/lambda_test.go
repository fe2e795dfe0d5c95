package lambda

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func invoke(t *testing.T, h *Host, fn, payload string) ([]byte, *FunctionError) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, fe, err := h.Invoke(ctx, fn, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s, %s): %v", fn, payload, err)
	}
	if fe != nil && string(res) != string(fe.Payload) {
		t.Fatalf("result %s differs from the function error payload %s", res, fe.Payload)
	}
	return res, fe
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return m
}

func invokeOK(t *testing.T, h *Host, fn, payload string) map[string]any {
	t.Helper()
	res, fe := invoke(t, h, fn, payload)
	if fe != nil {
		t.Fatalf("unexpected function error: %s", fe.Payload)
	}
	return decode(t, res)
}

func mustFail(t *testing.T, fe *FunctionError, wantType string) map[string]any {
	t.Helper()
	if fe == nil {
		t.Fatalf("want function error %s, got success", wantType)
	}
	if fe.Kind != Unhandled || fe.Type != wantType {
		t.Fatalf("function error kind %q type %q, want Unhandled %q; payload %s", fe.Kind, fe.Type, wantType, fe.Payload)
	}
	return decode(t, fe.Payload)
}

func isUUID(s string) bool {
	return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s)
}

func checkEnv(t *testing.T, env map[string]any, name, runtime, taskRoot string, custom map[string]string) {
	t.Helper()
	want := map[string]string{
		"_HANDLER":                        "",
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_REGION":                      "eu-west-3",
		"AWS_DEFAULT_REGION":              "eu-west-3",
		"LAMBDA_TASK_ROOT":                taskRoot,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
	}
	for k, v := range custom {
		want[k] = v
	}
	for k, v := range want {
		got, ok := env[k].(string)
		if !ok || (v != "" && got != v) {
			t.Errorf("env %s = %v, want %q", k, env[k], v)
		}
	}
	if api, _ := env["AWS_LAMBDA_RUNTIME_API"].(string); !strings.HasPrefix(api, "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", api)
	}
	if s, _ := env["AWS_LAMBDA_LOG_STREAM_NAME"].(string); !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(s) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", s)
	}
	if d, _ := env["LAMBDA_RUNTIME_DIR"].(string); d == "" {
		t.Error("LAMBDA_RUNTIME_DIR missing")
	}
	if p, _ := env["PATH"].(string); !strings.HasPrefix(p, lambdaPath) {
		t.Errorf("PATH = %q", p)
	}
	execEnv, has := env["AWS_EXECUTION_ENV"]
	if strings.HasPrefix(runtime, "provided") {
		if has {
			t.Errorf("AWS_EXECUTION_ENV = %v on an OS-only runtime", execEnv)
		}
	} else if execEnv != "AWS_Lambda_"+runtime {
		t.Errorf("AWS_EXECUTION_ENV = %v", execEnv)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOME_NOT_LEAKED"} {
		if _, ok := custom[k]; !ok {
			if v, has := env[k]; has {
				t.Errorf("%s = %v leaked into the function", k, v)
			}
		}
	}
}

func checkContext(t *testing.T, got map[string]string, name string) {
	t.Helper()
	if !isUUID(got["requestId"]) {
		t.Errorf("request id %q is not a UUID", got["requestId"])
	}
	want := map[string]string{
		"functionName":    name,
		"functionVersion": "$LATEST",
		"arn":             "arn:aws:lambda:eu-west-3:111122223333:function:" + name,
		"memory":          "256",
		"logGroup":        "/aws/lambda/" + name,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("context %s = %q, want %q", k, got[k], v)
		}
	}
}

func testOpts() Options { return Options{Region: "eu-west-3", AccountID: "111122223333"} }

func TestGoProvided(t *testing.T) {
	t.Parallel()
	code := buildGoFunction(t)
	fn := Function{Name: "gofn", Runtime: "provided.al2023", Handler: "bootstrap", Code: code,
		MemorySize: 256, Timeout: 2, Concurrency: 1, Environment: map[string]string{"STAGE": "test", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}}
	big := fn
	big.Name, big.Timeout = "gofnbig", 30
	h, logs := newTestHost(t, testOpts(), fn, big)

	t.Run("echo", func(t *testing.T) {
		res, fe := invoke(t, h, "gofn", `{"hello":"world","n":[1,2,3]}`)
		if fe != nil || string(res) != `{"hello":"world","n":[1,2,3]}` {
			t.Fatalf("got %s %v", res, fe)
		}
	})
	t.Run("context", func(t *testing.T) {
		m := invokeOK(t, h, "gofn", `{"action":"context"}`)
		checkContext(t, map[string]string{
			"requestId": fmt.Sprint(m["awsRequestId"]), "functionName": fmt.Sprint(m["functionName"]),
			"functionVersion": fmt.Sprint(m["functionVersion"]), "arn": fmt.Sprint(m["invokedFunctionArn"]),
			"memory": fmt.Sprint(m["memoryLimitInMB"]), "logGroup": fmt.Sprint(m["logGroupName"]),
		}, "gofn")
		if r := m["remainingMillis"].(float64); r <= 0 || r > 2000 {
			t.Errorf("remaining %v ms with a 2 s timeout", r)
		}
	})
	t.Run("env", func(t *testing.T) {
		m := invokeOK(t, h, "gofn", `{"action":"env"}`)
		checkEnv(t, m, "gofn", "provided.al2023", code, map[string]string{"STAGE": "test", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "_HANDLER": "bootstrap"})
	})
	t.Run("reuse", func(t *testing.T) {
		a := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		b := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		if a["pid"] != b["pid"] {
			t.Fatalf("warm process not reused: %v then %v", a["pid"], b["pid"])
		}
	})
	t.Run("error", func(t *testing.T) {
		_, fe := invoke(t, h, "gofn", `{"action":"error"}`)
		doc := mustFail(t, fe, "errorString")
		if doc["errorMessage"] != "boom" {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("panic", func(t *testing.T) {
		_, fe := invoke(t, h, "gofn", `{"action":"panic"}`)
		doc := mustFail(t, fe, "string")
		if doc["errorMessage"] != "kaboom" || doc["stackTrace"] == nil {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("response too large", func(t *testing.T) {
		_, fe := invoke(t, h, "gofnbig", `{"action":"big","bytes":7000000}`)
		doc := mustFail(t, fe, "Function.ResponseSizeTooLarge")
		if doc["errorMessage"] != "Response payload size exceeded maximum allowed payload size (6291556 bytes)." {
			t.Fatalf("payload %s", fe.Payload)
		}
		// Just under the limit passes.
		res, fe := invoke(t, h, "gofnbig", `{"action":"big","bytes":6000000}`)
		if fe != nil || len(res) != 6000002 {
			t.Fatalf("6 MB response: %d bytes, %v", len(res), fe)
		}
	})
	t.Run("exit mid-request", func(t *testing.T) {
		before := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		_, fe := invoke(t, h, "gofn", `{"action":"exit"}`)
		doc := mustFail(t, fe, "Runtime.ExitError")
		if !regexp.MustCompile(`^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$`).MatchString(doc["errorMessage"].(string)) {
			t.Fatalf("payload %s", fe.Payload)
		}
		after := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		if before["pid"] == after["pid"] {
			t.Fatal("crashed process was not replaced")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		before := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		start := time.Now()
		_, fe := invoke(t, h, "gofn", `{"action":"sleep","millis":10000}`)
		took := time.Since(start)
		doc := mustFail(t, fe, "Sandbox.Timedout")
		if !regexp.MustCompile(`^RequestId: [0-9a-f-]{36} Error: Task timed out after 2\.00 seconds$`).MatchString(doc["errorMessage"].(string)) {
			t.Fatalf("payload %s", fe.Payload)
		}
		if took < 2*time.Second || took > 6*time.Second {
			t.Fatalf("timed out after %v", took)
		}
		after := invokeOK(t, h, "gofn", `{"action":"pid"}`)
		if before["pid"] == after["pid"] {
			t.Fatal("timed-out process was not replaced")
		}
		logs.waitLog(t, func(r logRecord) bool {
			return strings.HasPrefix(r.Msg, "REPORT RequestId: ") && strings.HasSuffix(r.Msg, "Status: timeout")
		})
	})
	t.Run("logs", func(t *testing.T) {
		res := invokeOK(t, h, "gofn", `{"action":"context"}`)
		id := res["awsRequestId"].(string)
		logs.waitLog(t, func(r logRecord) bool {
			return r.Msg == "START RequestId: "+id+" Version: $LATEST" && r.RequestID == id && r.Function == "gofn"
		})
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "END RequestId: "+id })
		re := regexp.MustCompile(`^REPORT RequestId: ` + id + `\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB$`)
		logs.waitLog(t, func(r logRecord) bool { return re.MatchString(r.Msg) })
		// The first REPORT of a process carries its Init Duration.
		logs.waitLog(t, func(r logRecord) bool { return strings.Contains(r.Msg, "\tInit Duration: ") })
	})
	t.Run("prints 10 MB", func(t *testing.T) {
		m := invokeOK(t, h, "gofnbig", `{"action":"print","bytes":10485760}`)
		if m["printed"] != "ok" {
			t.Fatal(m)
		}
	})
}

func TestGoProvidedLegacyTimeout(t *testing.T) {
	t.Parallel()
	fn := helperFunction(t, "legacy", "sleep")
	fn.Timeout = 1
	opts := testOpts()
	opts.LegacyTimeoutError = true
	h, _ := newTestHost(t, opts, fn)
	_, fe := invoke(t, h, "legacy", `{"millis":5000}`)
	doc := mustFail(t, fe, "")
	if len(doc) != 1 || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds$`).MatchString(doc["errorMessage"].(string)) {
		t.Fatalf("payload %s", fe.Payload)
	}
}

func nodeFunction(name, handler, dir string) Function {
	return Function{Name: name, Runtime: "nodejs20.x", Handler: handler, Code: filepath.Join("testdata", dir),
		MemorySize: 256, Timeout: 2, Concurrency: 2, Environment: map[string]string{"STAGE": "node"}}
}

// seedAuthorizer is seed 002's authorizer as examples/authorizer serves it.
func seedAuthorizer() Function {
	f := nodeFunction("authorizer", "index.handler", "node")
	f.Code = filepath.Join("..", "..", "examples", "authorizer", "authorizer")
	return f
}

func TestNode(t *testing.T) {
	t.Parallel()
	h, logs := newTestHost(t, testOpts(),
		seedAuthorizer(),
		nodeFunction("app", "app.handler", "node"),
		nodeFunction("callbacks", "app.callbackStyle", "node"),
		nodeFunction("nested", "app.nested.deeper", "node"),
		nodeFunction("missing", "app.nope", "node"),
		nodeFunction("notfn", "app.notAFunction", "node"),
		nodeFunction("nomodule", "nothere.handler", "node"),
		nodeFunction("syntax", "index.handler", "node-syntax"),
		nodeFunction("esm", "index.handler", "node-esm"),
		nodeFunction("badname", "nodot", "node"),
	)
	methodArn := "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"
	t.Run("seed 002 authorizer allows", func(t *testing.T) {
		ev := fmt.Sprintf(`{"type":"REQUEST","methodArn":%q,"headers":{"headerauth1":"headerValue1"},
			"queryStringParameters":{"QueryString1":"queryValue1"},"pathParameters":{},"stageVariables":{"StageVar1":"stageValue1"}}`, methodArn)
		res, fe := invoke(t, h, "authorizer", ev)
		if fe != nil {
			t.Fatal(string(fe.Payload))
		}
		want := `{"principalId":"me","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` +
			methodArn + `"}]},"context":{"stringKey":"stringval","numberKey":123,"booleanKey":true}}`
		if string(res) != want {
			t.Fatalf("got  %s\nwant %s", res, want)
		}
		logs.waitLog(t, func(r logRecord) bool { return strings.HasPrefix(r.Msg, "Received event: {") })
	})
	t.Run("seed 002 authorizer denies with callback(string)", func(t *testing.T) {
		ev := fmt.Sprintf(`{"methodArn":%q,"headers":{"headerauth1":"wrong"},"queryStringParameters":{},"stageVariables":{}}`, methodArn)
		_, fe := invoke(t, h, "authorizer", ev)
		if fe == nil || string(fe.Payload) != `{"errorType":"string","errorMessage":"Unauthorized","trace":[]}` {
			t.Fatalf("got %+v", fe)
		}
	})
	t.Run("async echo and reuse", func(t *testing.T) {
		res, fe := invoke(t, h, "app", `{"a":[1,{"b":null}],"s":"é"}`)
		if fe != nil || string(res) != `{"a":[1,{"b":null}],"s":"é"}` {
			t.Fatalf("got %s %v", res, fe)
		}
		a := invokeOK(t, h, "app", `{"action":"pid"}`)
		b := invokeOK(t, h, "app", `{"action":"pid"}`)
		if a["pid"] != b["pid"] {
			t.Fatal("not reused")
		}
	})
	t.Run("context", func(t *testing.T) {
		m := invokeOK(t, h, "app", `{"action":"context"}`)
		checkContext(t, map[string]string{
			"requestId": fmt.Sprint(m["awsRequestId"]), "functionName": fmt.Sprint(m["functionName"]),
			"functionVersion": fmt.Sprint(m["functionVersion"]), "arn": fmt.Sprint(m["invokedFunctionArn"]),
			"memory": fmt.Sprint(m["memoryLimitInMB"]), "logGroup": fmt.Sprint(m["logGroupName"]),
		}, "app")
		if m["callbackWaitsForEmptyEventLoop"] != true {
			t.Error("callbackWaitsForEmptyEventLoop should default to true")
		}
		if r := m["remaining"].(float64); r <= 0 || r > 2000 {
			t.Errorf("remaining %v", r)
		}
		if s, _ := m["traceId"].(string); !strings.HasPrefix(s, "Root=1-") {
			t.Errorf("_X_AMZN_TRACE_ID = %q", s)
		}
		if s, _ := m["logStreamName"].(string); !strings.Contains(s, "[$LATEST]") {
			t.Errorf("logStreamName = %q", s)
		}
	})
	t.Run("env", func(t *testing.T) {
		m := invokeOK(t, h, "app", `{"action":"env"}`)
		checkEnv(t, m, "app", "nodejs20.x", mustAbs(t, "testdata/node"), map[string]string{"STAGE": "node", "_HANDLER": "app.handler"})
	})
	t.Run("undefined result is null", func(t *testing.T) {
		res, fe := invoke(t, h, "app", `{"action":"undefined"}`)
		if fe != nil || string(res) != "null" {
			t.Fatalf("%s %v", res, fe)
		}
	})
	t.Run("throw", func(t *testing.T) {
		_, fe := invoke(t, h, "app", `{"action":"throw"}`)
		doc := mustFail(t, fe, "TypeError")
		trace, _ := doc["trace"].([]any)
		if doc["errorMessage"] != "bad thing" || len(trace) < 2 || trace[0] != "TypeError: bad thing" {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		_, fe := invoke(t, h, "callbacks", `{"action":"error"}`)
		doc := mustFail(t, fe, "Error")
		if doc["errorMessage"] != "callback failure" {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("callback waits for the event loop", func(t *testing.T) {
		res, fe := invoke(t, h, "callbacks", `{}`)
		if fe != nil || string(res) != `{"late":true}` {
			t.Fatalf("%s %v", res, fe)
		}
	})
	t.Run("callbackWaitsForEmptyEventLoop false", func(t *testing.T) {
		start := time.Now()
		res, fe := invoke(t, h, "callbacks", `{"action":"nowait"}`)
		if fe != nil || string(res) != `{"waited":false}` || time.Since(start) > 1500*time.Millisecond {
			t.Fatalf("%s %v after %v", res, fe, time.Since(start))
		}
	})
	t.Run("nested handler", func(t *testing.T) {
		res, fe := invoke(t, h, "nested", `{}`)
		if fe != nil || string(res) != `"nested ok"` {
			t.Fatalf("%s %v", res, fe)
		}
	})
	t.Run("esm", func(t *testing.T) {
		res, fe := invoke(t, h, "esm", `{"x":1}`)
		if fe != nil || string(res) != `{"esm":true,"got":{"x":1}}` {
			t.Fatalf("%s %v", res, fe)
		}
	})
	for _, tc := range []struct{ fn, errType, msg string }{
		{"missing", "Runtime.HandlerNotFound", "app.nope is undefined or not exported"},
		{"notfn", "Runtime.HandlerNotFound", "app.notAFunction is undefined or not exported"},
		{"nomodule", "Runtime.ImportModuleError", "Error: Cannot find module 'nothere'"},
		{"syntax", "Runtime.UserCodeSyntaxError", "SyntaxError: "},
		{"badname", "Runtime.MalformedHandlerName", "Bad handler 'nodot'"},
	} {
		t.Run("init error "+tc.fn, func(t *testing.T) {
			_, fe := invoke(t, h, tc.fn, `{}`)
			doc := mustFail(t, fe, tc.errType)
			if msg, _ := doc["errorMessage"].(string); !strings.HasPrefix(msg, tc.msg) {
				t.Fatalf("payload %s", fe.Payload)
			}
			if _, ok := doc["trace"]; !ok {
				t.Fatalf("no trace in %s", fe.Payload)
			}
		})
	}
	t.Run("promise never settles", func(t *testing.T) {
		_, fe := invoke(t, h, "app", `{"action":"never"}`)
		mustFail(t, fe, "Runtime.NodeJsExit")
	})
	t.Run("never answers: timeout", func(t *testing.T) {
		_, fe := invoke(t, h, "app", `{"action":"sleep","millis":60000}`)
		mustFail(t, fe, "Sandbox.Timedout")
	})
	t.Run("exit mid-request", func(t *testing.T) {
		_, fe := invoke(t, h, "app", `{"action":"exit"}`)
		doc := mustFail(t, fe, "Runtime.ExitError")
		if !strings.HasSuffix(doc["errorMessage"].(string), "Error: Runtime exited with error: exit status 7") {
			t.Fatalf("payload %s", fe.Payload)
		}
		invokeOK(t, h, "app", `{"action":"pid"}`)
	})
	t.Run("prints 10 MB", func(t *testing.T) {
		m := invokeOK(t, h, "app", `{"action":"print","bytes":10485760}`)
		if m["printed"] != true {
			t.Fatal(m)
		}
	})
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pythonFunction(name, handler, dir string) Function {
	return Function{Name: name, Runtime: "python3.11", Handler: handler, Code: filepath.Join("testdata", dir),
		MemorySize: 256, Timeout: 2, Concurrency: 1, Environment: map[string]string{"STAGE": "py"}}
}

func TestPython(t *testing.T) {
	t.Parallel()
	h, logs := newTestHost(t, testOpts(),
		pythonFunction("py", "app.handler", "python"),
		pythonFunction("pymissing", "app.nope", "python"),
		pythonFunction("pynomodule", "nothere.handler", "python"),
		pythonFunction("pysyntax", "app.handler", "python-syntax"),
	)
	t.Run("echo", func(t *testing.T) {
		res, fe := invoke(t, h, "py", `{"a": [1, 2], "b": "c"}`)
		if fe != nil || string(res) != `{"a": [1, 2], "b": "c"}` {
			t.Fatalf("%s %v", res, fe)
		}
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "echo {'a': [1, 2], 'b': 'c'}" && r.RequestID != "" })
	})
	t.Run("context", func(t *testing.T) {
		m := invokeOK(t, h, "py", `{"action":"context"}`)
		checkContext(t, map[string]string{
			"requestId": fmt.Sprint(m["aws_request_id"]), "functionName": fmt.Sprint(m["function_name"]),
			"functionVersion": fmt.Sprint(m["function_version"]), "arn": fmt.Sprint(m["invoked_function_arn"]),
			"memory": fmt.Sprint(m["memory_limit_in_mb"]), "logGroup": fmt.Sprint(m["log_group_name"]),
		}, "py")
		if r := m["remaining"].(float64); r <= 0 || r > 2000 {
			t.Errorf("remaining %v", r)
		}
	})
	t.Run("env", func(t *testing.T) {
		m := invokeOK(t, h, "py", `{"action":"env"}`)
		checkEnv(t, m, "py", "python3.11", mustAbs(t, "testdata/python"), map[string]string{"STAGE": "py", "_HANDLER": "app.handler"})
	})
	t.Run("reuse", func(t *testing.T) {
		a := invokeOK(t, h, "py", `{"action":"pid"}`)
		b := invokeOK(t, h, "py", `{"action":"pid"}`)
		if a["pid"] != b["pid"] {
			t.Fatal("not reused")
		}
	})
	t.Run("raise", func(t *testing.T) {
		_, fe := invoke(t, h, "py", `{"action":"raise"}`)
		doc := mustFail(t, fe, "ValueError")
		st, _ := doc["stackTrace"].([]any)
		if doc["errorMessage"] != "bad value" || len(st) != 1 || !strings.Contains(st[0].(string), `app.py", line`) {
			t.Fatalf("payload %s", fe.Payload)
		}
		if !isUUID(doc["requestId"].(string)) {
			t.Fatalf("requestId in %s", fe.Payload)
		}
	})
	t.Run("marshal error", func(t *testing.T) {
		_, fe := invoke(t, h, "py", `{"action":"marshal"}`)
		doc := mustFail(t, fe, "Runtime.MarshalError")
		if !strings.HasPrefix(doc["errorMessage"].(string), "Unable to marshal response: Object of type set is not JSON serializable") {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	for _, tc := range []struct{ fn, errType, msg string }{
		{"pymissing", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"},
		{"pynomodule", "Runtime.ImportModuleError", "Unable to import module 'nothere': No module named 'nothere'"},
		{"pysyntax", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "},
	} {
		t.Run("init error "+tc.fn, func(t *testing.T) {
			_, fe := invoke(t, h, tc.fn, `{}`)
			doc := mustFail(t, fe, tc.errType)
			if msg, _ := doc["errorMessage"].(string); !strings.HasPrefix(msg, tc.msg) {
				t.Fatalf("payload %s", fe.Payload)
			}
		})
	}
	t.Run("exit mid-request", func(t *testing.T) {
		_, fe := invoke(t, h, "py", `{"action":"exit"}`)
		doc := mustFail(t, fe, "Runtime.ExitError")
		if !strings.HasSuffix(doc["errorMessage"].(string), "exit status 4") {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, fe := invoke(t, h, "py", `{"action":"sleep","millis":30000}`)
		mustFail(t, fe, "Sandbox.Timedout")
		invokeOK(t, h, "py", `{"action":"pid"}`)
	})
}

func TestRuntimeAPI(t *testing.T) {
	t.Parallel()
	h, logs := newTestHost(t, testOpts(),
		helperFunction(t, "protocol", "protocol"),
		helperFunction(t, "notjson", "notjson"),
		helperFunction(t, "toolarge", "toolarge"),
		helperFunction(t, "initerror", "initerror"),
		helperFunction(t, "exit0", "exit0"),
		helperFunction(t, "errorraw", "errorraw"),
		Function{Name: "nobootstrap", Runtime: "provided.al2", Code: t.TempDir()},
	)
	t.Run("headers and status codes", func(t *testing.T) {
		ctx := context.Background()
		res, fe, err := h.InvokeWith(ctx, "protocol", []byte(`{"k":"v"}`), InvokeOptions{
			TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", ClientContext: `{"client":{}}`, CognitoIdentity: `{"cognitoIdentityId":"x"}`})
		if err != nil || fe != nil {
			t.Fatal(err, fe)
		}
		var got struct {
			Codes   map[string]int
			Headers map[string]string
			Event   json.RawMessage
		}
		if err := json.Unmarshal(res, &got); err != nil {
			t.Fatal(err)
		}
		wantCodes := map[string]int{"wrongID": 400, "initAfterReady": 403, "nextWhileBusy": 403, "wrongMethod": 405, "unknownPath": 404, "unknownAction": 404}
		for k, v := range wantCodes {
			if got.Codes[k] != v {
				t.Errorf("%s: status %d, want %d", k, got.Codes[k], v)
			}
		}
		hd := got.Headers
		if !isUUID(hd["Lambda-Runtime-Aws-Request-Id"]) ||
			hd["Lambda-Runtime-Invoked-Function-Arn"] != "arn:aws:lambda:eu-west-3:111122223333:function:protocol" ||
			hd["Lambda-Runtime-Trace-Id"] != "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" ||
			hd["Lambda-Runtime-Client-Context"] != `{"client":{}}` ||
			hd["Lambda-Runtime-Cognito-Identity"] != `{"cognitoIdentityId":"x"}` {
			t.Errorf("headers %v", hd)
		}
		var dl int64
		fmt.Sscan(hd["Lambda-Runtime-Deadline-Ms"], &dl)
		if d := time.Until(time.UnixMilli(dl)); d < 2*time.Second || d > 3*time.Second {
			t.Errorf("deadline %v away, want about 3 s", d)
		}
		if string(got.Event) != `{"k":"v"}` {
			t.Errorf("event %s", got.Event)
		}
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "response codes 202 403" })
	})
	t.Run("response not JSON passes through", func(t *testing.T) {
		res, fe := invoke(t, h, "notjson", `{}`)
		if fe != nil || string(res) != "this is <not> json" {
			t.Fatalf("%q %v", res, fe)
		}
	})
	t.Run("response over 6 MB", func(t *testing.T) {
		_, fe := invoke(t, h, "toolarge", `{"bytes":6291557}`)
		mustFail(t, fe, "Function.ResponseSizeTooLarge")
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "big response answered 413" })
		res, fe := invoke(t, h, "toolarge", `{"bytes":6291556}`)
		if fe != nil || len(res) != 6291556 {
			t.Fatalf("%d bytes, %v", len(res), fe)
		}
		res, fe = invoke(t, h, "toolarge", `{}`)
		if fe != nil || string(res) != `"small"` {
			t.Fatalf("%s %v", res, fe)
		}
	})
	t.Run("init error", func(t *testing.T) {
		_, fe := invoke(t, h, "initerror", `{}`)
		doc := mustFail(t, fe, "Custom.InitFailure")
		if doc["errorMessage"] != "cannot start" {
			t.Fatalf("payload %s", fe.Payload)
		}
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "init error posted: 202" })
		logs.waitLog(t, func(r logRecord) bool {
			return strings.HasPrefix(r.Msg, "INIT_REPORT Init Duration: ") && strings.HasSuffix(r.Msg, "Error Type: Custom.InitFailure")
		})
	})
	t.Run("exit during init without reason", func(t *testing.T) {
		_, fe := invoke(t, h, "exit0", `{}`)
		doc := mustFail(t, fe, "Runtime.ExitError")
		if !strings.HasSuffix(doc["errorMessage"].(string), "Error: Runtime exited without providing a reason") {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
	t.Run("error body not JSON", func(t *testing.T) {
		_, fe := invoke(t, h, "errorraw", `{}`)
		doc := mustFail(t, fe, "Custom.Plain")
		if doc["errorMessage"] != "plain text failure" {
			t.Fatalf("payload %s", fe.Payload)
		}
		logs.waitLog(t, func(r logRecord) bool { return r.Msg == "error answered 202" })
	})
	t.Run("missing bootstrap", func(t *testing.T) {
		_, fe := invoke(t, h, "nobootstrap", `{}`)
		doc := mustFail(t, fe, "Runtime.InvalidEntrypoint")
		if !strings.Contains(doc["errorMessage"].(string), "Couldn't find valid bootstrap(s): [") {
			t.Fatalf("payload %s", fe.Payload)
		}
	})
}

func TestInvokeErrors(t *testing.T) {
	t.Parallel()
	h, _ := newTestHost(t, testOpts(), helperFunction(t, "echo", "echo"))
	ctx := context.Background()
	for _, tc := range []struct {
		name, fn string
		payload  []byte
		code     Code
		status   int
	}{
		{"unknown function", "nope", []byte(`{}`), CodeNotFound, 404},
		{"unknown ARN", "arn:aws:lambda:eu-west-3:111122223333:function:nope", []byte(`{}`), CodeNotFound, 404},
		{"qualified ARN", "arn:aws:lambda:eu-west-3:111122223333:function:echo:prod", []byte(`{}`), CodeNotFound, 404},
		{"not JSON", "echo", []byte(`{"a":`), CodeInvalidRequestContent, 400},
		{"too large", "echo", make([]byte, MaxRequestSize+1), CodeRequestTooLarge, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, fe, err := h.Invoke(ctx, tc.fn, tc.payload)
			var ie *InvokeError
			if res != nil || fe != nil || !errors.Is(err, tc.code) || !errors.As(err, &ie) || ie.Code.StatusCode() != tc.status {
				t.Fatalf("got %s %v %v", res, fe, err)
			}
		})
	}
	t.Run("ARN and empty payload", func(t *testing.T) {
		res, fe, err := h.Invoke(ctx, "arn:aws:lambda:eu-west-3:111122223333:function:echo:$LATEST", nil)
		if err != nil || fe != nil || string(res) != "{}" {
			t.Fatalf("%s %v %v", res, fe, err)
		}
	})
}

func TestConcurrencyAndQueue(t *testing.T) {
	t.Parallel()
	fn := helperFunction(t, "slow", "sleep")
	fn.Concurrency, fn.QueueLimit = 2, 1
	h, _ := newTestHost(t, testOpts(), fn)
	// Warm both processes.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { invoke(t, h, "slow", `{"millis":300}`) })
	}
	wg.Wait()

	type result struct {
		pid       float64
		err       error
		startedAt time.Duration
	}
	results := make(chan result, 4)
	start := time.Now()
	for range 4 {
		wg.Go(func() {
			res, fe, err := h.Invoke(context.Background(), "slow", []byte(`{"millis":500}`))
			r := result{err: err, startedAt: time.Since(start)}
			if err == nil && fe == nil {
				var m map[string]float64
				_ = json.Unmarshal(res, &m)
				r.pid = m["pid"]
			}
			results <- r
		})
	}
	wg.Wait()
	close(results)
	pids := map[float64]bool{}
	throttled, ok := 0, 0
	for r := range results {
		switch {
		case errors.Is(r.err, CodeThrottled):
			throttled++
			if r.startedAt > 200*time.Millisecond {
				t.Errorf("throttle took %v, want immediate", r.startedAt)
			}
		case r.err == nil:
			ok++
			pids[r.pid] = true
		default:
			t.Errorf("unexpected error %v", r.err)
		}
	}
	if throttled != 1 || ok != 3 || len(pids) != 2 {
		t.Fatalf("throttled %d, ok %d, processes %v; want 1 throttled, 3 ok on 2 processes", throttled, ok, pids)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("queued invocation finished after %v, want after two rounds", d)
	}
}

func TestNoQueueThrottlesAtOnce(t *testing.T) {
	t.Parallel()
	fn := helperFunction(t, "one", "sleep")
	fn.Concurrency, fn.QueueLimit = 1, -1
	h, _ := newTestHost(t, testOpts(), fn)
	done := make(chan struct{})
	go func() {
		defer close(done)
		invoke(t, h, "one", `{"millis":800}`)
	}()
	time.Sleep(300 * time.Millisecond)
	if _, _, err := h.Invoke(context.Background(), "one", []byte(`{}`)); !errors.Is(err, CodeThrottled) {
		t.Fatalf("err %v, want throttled", err)
	}
	<-done
}

func TestContextCancelKeepsSlot(t *testing.T) {
	t.Parallel()
	fn := helperFunction(t, "cancel", "sleep")
	fn.Concurrency, fn.QueueLimit = 1, -1
	h, _ := newTestHost(t, testOpts(), fn)
	invoke(t, h, "cancel", `{"millis":1}`) // warm
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := h.Invoke(ctx, "cancel", []byte(`{"millis":700}`))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	// The function still runs: the only slot is taken.
	if _, _, err := h.Invoke(context.Background(), "cancel", []byte(`{}`)); !errors.Is(err, CodeThrottled) {
		t.Fatalf("err %v, want throttled while the detached invocation runs", err)
	}
	time.Sleep(800 * time.Millisecond)
	a := invokeOK(t, h, "cancel", `{"millis":1}`)
	if a["pid"] == nil {
		t.Fatal("no pid")
	}
}

func TestCloseKillsEverything(t *testing.T) {
	t.Parallel()
	fns := []Function{helperFunction(t, "raw", "child"), nodeFunction("node", "app.handler", "node"), pythonFunction("py", "app.handler", "python")}
	for i := range fns {
		fns[i].Concurrency = 2
		fns[i].Timeout = 60
	}
	h, _ := newTestHost(t, testOpts(), fns...)
	var pids []int
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, fn := range []string{"raw", "node", "py"} {
		for range 2 {
			wg.Go(func() {
				m := invokeOK(t, h, fn, `{"action":"child"}`)
				mu.Lock()
				pids = append(pids, int(m["pid"].(float64)), int(m["child"].(float64)))
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	// A process busy in a long invocation is killed too. It starts once
	// the calls above are done, so that it cannot hold the slot one of
	// them waits for on a slow machine.
	busy := make(chan error, 1)
	go func() {
		_, _, err := h.Invoke(context.Background(), "node", []byte(`{"action":"sleep","millis":60000}`))
		busy <- err
	}()
	time.Sleep(200 * time.Millisecond)
	for _, pid := range pids {
		if processGone(pid) {
			t.Fatalf("pid %d not running before Close", pid)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-busy; !errors.Is(err, CodeService) {
		t.Errorf("in-flight invocation: %v, want ServiceException", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("pid %d survived Close", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, _, err := h.Invoke(context.Background(), "raw", []byte(`{}`)); !errors.Is(err, CodeService) {
		t.Fatalf("Invoke after Close: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := New([]Function{
		{Name: "a", Runtime: "ruby3.2", Handler: "x.y", Code: dir},
		{Name: "b", Runtime: "nodejs20.x", Code: dir},
		{Name: "c", Runtime: "python3.12", Handler: "a.b", Code: filepath.Join(dir, "missing")},
		{Name: "d d", Runtime: "provided.al2023", Code: dir},
		{Name: "e", Runtime: "provided.al2023", Code: dir, Timeout: 901, MemorySize: 64},
		{Name: "f", Runtime: "provided.al2023", Code: dir, Environment: map[string]string{"AWS_REGION": "x", "_HANDLER": "y", "1BAD": "z"}},
		{Name: "g", Runtime: "provided.al2023", Code: dir},
		{Name: "g", Runtime: "provided.al2023", Code: dir},
	}, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`function "a": runtime "ruby3.2" is not supported`,
		`function "b": handler is required for runtime nodejs20.x`,
		`function "c": code: stat `,
		`function "d d": name "d d"`,
		`function "e": timeout 901: must be 1..900 seconds`,
		`memorySize 64: must be 128..10240 MB`,
		`function "f": environment: invalid variable name "1BAD"`,
		`environment: reserved keys cannot be set: AWS_REGION, _HANDLER`,
		`function "g": defined twice`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := New([]Function{{Name: "n", Runtime: "nodejs20.x", Handler: "a.b", Code: dir}}, Options{Node: "no-such-node-binary"}); err == nil ||
		!strings.Contains(err.Error(), "no-such-node-binary") {
		t.Fatalf("missing interpreter: %v", err)
	}
}

func TestZipCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "fn.zip")
	writeZip(t, good, map[string]string{"app.py": "def handler(e, c):\n    return {'zipped': True}\n", "pkg/": ""})
	h, _ := newTestHost(t, testOpts(), Function{Name: "zipped", Runtime: "python3.11", Handler: "app.handler", Code: good})
	res, fe := invoke(t, h, "zipped", `{}`)
	if fe != nil || string(res) != `{"zipped": true}` {
		t.Fatalf("%s %v", res, fe)
	}

	evil := filepath.Join(dir, "evil.zip")
	writeZip(t, evil, map[string]string{"../escape.py": "x"})
	if _, err := New([]Function{{Name: "evil", Runtime: "python3.11", Handler: "app.handler", Code: evil}}, Options{}); err == nil ||
		!strings.Contains(err.Error(), "outside the package") {
		t.Fatalf("zip slip: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "escape.py")); err == nil {
		t.Fatal("zip slip wrote outside")
	}
	notZip := filepath.Join(dir, "bad.zip")
	if err := os.WriteFile(notZip, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New([]Function{{Name: "bad", Runtime: "python3.11", Handler: "app.handler", Code: notZip}}, Options{}); err == nil {
		t.Fatal("corrupt zip accepted")
	}
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
