package awsapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/awsapi"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

// The listener routes the query protocol to STS and answers JSON 1.1
// targets it does not serve as AWS answers an unknown operation.
func TestRouting(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "g.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth, err := sts.NewAuthority(st, st.DeriveKey(sts.TokenKeyPurpose), nil)
	if err != nil {
		t.Fatal(err)
	}
	stsSrv, err := sts.New(sts.Options{Region: "us-east-1", Authority: auth})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(&awsapi.Handler{STS: stsSrv})
	defer ts.Close()

	do := func(path, target, body string) (int, string, string) {
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if status, ct, body := do("/", "", "Action=GetCallerIdentity&Version=2011-06-15"); status != 403 || ct != "text/xml" ||
		!strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("query protocol: %d %s %s", status, ct, body)
	}
	for _, target := range []string{"AWSCognitoIdentityService.GetId", "AWSCognitoIdentityProviderService.InitiateAuth", "DynamoDB_20120810.GetItem"} {
		if status, ct, body := do("/", target, "{}"); status != 400 || ct != "application/x-amz-json-1.1" || body != `{"__type":"UnknownOperationException"}` {
			t.Errorf("%s: %d %s %s", target, status, ct, body)
		}
	}
	if status, _, _ := do("/us-east-1_Gatehouse1/.well-known/jwks.json", "", ""); status != 404 {
		t.Errorf("unserved path: %d", status)
	}
}
