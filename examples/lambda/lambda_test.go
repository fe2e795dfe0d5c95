// Package lambda_test serves the Lambda example and calls it as a user
// would: real Node.js and Python processes behind the gateway.
package lambda_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

func call(t *testing.T, method, url, host, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLambdaExample(t *testing.T) {
	base := testutil.Serve(t, "gatehouse.yaml")

	rest := "hellorest1.execute-api.localhost" // two APIs: the host picks one
	resp, body := call(t, "POST", base+"/prod/hello/world?x=1&x=2", rest, `{"a":1}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("REST → Node: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"message": "hello from node", "method": "POST", "path": "/hello/world", "resource": "/{proxy+}",
		"stage": "prod", "body": `{"a":1}`, "function": "hello-node"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("event %s = %v, want %v", k, got[k], v)
		}
	}
	if q, _ := got["query"].(map[string]any); q["x"] != "2" {
		t.Errorf("queryStringParameters = %v (single-valued takes the last)", got["query"])
	}
	if p, _ := got["pathParameters"].(map[string]any); p["proxy"] != "hello/world" {
		t.Errorf("pathParameters = %v", got["pathParameters"])
	}
	if c := resp.Header.Values("Set-Cookie"); strings.Join(c, ";") != "a=1;b=2" || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("headers %v", resp.Header)
	}

	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/prod/fail", 502, `{"message": "Internal server error"}`},
		{"/prod/bad", 502, `{"message": "Internal server error"}`},
		{"/prod/slow", 504, `{"message": "Endpoint request timed out"}`},
	} {
		if resp, body := call(t, "GET", base+c.path, rest, ""); resp.StatusCode != c.status || body != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.path, resp.StatusCode, body, c.status, c.body)
		}
	}
	// The gateway keeps serving after the failures.
	if resp, _ := call(t, "GET", base+"/prod/again", rest, ""); resp.StatusCode != 200 {
		t.Errorf("after failures: %d", resp.StatusCode)
	}

	host := "hellohttp1.execute-api.localhost"
	resp, body = call(t, "GET", base+"/hi/ana", host, "")
	if resp.StatusCode != 201 || resp.Header.Get("Set-Cookie") != "c=3" || !strings.Contains(body, `"version": "2.0"`) ||
		!strings.Contains(body, `"routeKey": "GET /hi/{name}"`) || !strings.Contains(body, `"name": "ana"`) {
		t.Errorf("HTTP API → Python: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = call(t, "GET", base+"/plain", host, "")
	if resp.StatusCode != 200 || body != `{"plain": true}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("inferred 2.0 response: %d %v %q", resp.StatusCode, resp.Header, body)
	}
}
