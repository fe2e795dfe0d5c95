// Package lambdacustom_test serves the Lambda custom integration example
// and calls it as a user would: a real Node.js function behind a non-proxy
// integration, errors mapped to status codes by their errorMessage.
package lambdacustom_test

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

func post(t *testing.T, url, contentType, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestLambdaCustomExample(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	base := testutil.Serve(t, "gatehouse.yaml")
	users := base + "/prod/users"

	resp, body := post(t, users, "application/json", `{"name":"ana"}`)
	if want := `{"user": {"name": "ana", "greeting": "hello, ana"}, "stage": "prod"}`; resp.StatusCode != 200 || strings.TrimSpace(body) != want ||
		resp.Header.Get("X-Powered-By") != "gatehouse" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("created: %d %v %q, want %s", resp.StatusCode, resp.Header, body, want)
	}

	resp, body = post(t, users, "application/json", `{}`)
	if resp.StatusCode != 400 || body != `{"message": "[BadRequest] name is required"}` {
		t.Errorf("missing name: %d %s", resp.StatusCode, body)
	}

	resp, body = post(t, users, "application/json", `{"name":"admin"}`)
	if resp.StatusCode != 409 || body != `{"message": "[Conflict] admin is already taken"}` || resp.Header.Get("X-Error-Type") != "Error" {
		t.Errorf("taken: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	// when_no_templates: a content type without a template is refused.
	resp, body = post(t, users, "text/plain", "name=ana")
	if resp.StatusCode != 415 || body != `{"message": "Unsupported Media Type"}` {
		t.Errorf("text/plain: %d %s", resp.StatusCode, body)
	}
}
