package browser_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil/browser"
	"github.com/gatehouse/gatehouse/sigv4"
)

// The test key pair. The secret has '/' and '+' so that it must survive
// the page's query string.
const (
	accessKeyID = "AKIAGATEHOUSEBROWSER"
	secretKey   = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// seedAPI stands in for seed 003's deployed API: it answers a CORS
// preflight from browser.Origin as the API's corsPreflight configures it
// (no authorization on OPTIONS), verifies the SigV4 signature of every
// other request with the sigv4 package, as execute-api does for an
// AWS_IAM route, and answers a verified request with the JSON that the
// seed's Lambda handler returns. Under /no-cors it has no CORS
// configuration: the preflight gets a 403 without CORS headers.
type seedAPI struct {
	signer *sigv4.Signer
	creds  sigv4.StaticCredentials

	mu         sync.Mutex
	preflights []http.Header
	verified   []*sigv4.Result
	refused    []*sigv4.Error
}

func newSeedAPI() *seedAPI {
	return &seedAPI{
		signer: sigv4.New(sigv4.Options{Region: "us-east-1", Service: sigv4.ServiceExecuteAPI}),
		creds:  sigv4.StaticCredentials{accessKeyID: {AccessKeyID: accessKeyID, SecretAccessKey: secretKey}},
	}
}

// writeJSON writes v as the seed's handler does: JSON.stringify(v, null, 4).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (a *seedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cors := !strings.HasPrefix(r.URL.Path, "/no-cors")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
	if preflight {
		a.mu.Lock()
		a.preflights = append(a.preflights, r.Header.Clone())
		a.mu.Unlock()
		if !cors || r.Header.Get("Origin") != browser.Origin {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Forbidden"})
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", browser.Origin)
		h.Set("Access-Control-Allow-Methods", "*")
		h.Set("Access-Control-Allow-Headers", "authorization,x-amz-date,content-type,x-requested-with")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if cors && r.Header.Get("Origin") == browser.Origin {
		w.Header().Set("Access-Control-Allow-Origin", browser.Origin)
	}
	res, err := a.signer.Verify(r.Context(), r, a.creds)
	if err != nil {
		var e *sigv4.Error
		if !errors.As(err, &e) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		a.mu.Lock()
		a.refused = append(a.refused, e)
		a.mu.Unlock()
		w.Header().Set("x-amzn-ErrorType", e.Type)
		writeJSON(w, e.Status, map[string]string{"message": e.Message})
		return
	}
	a.mu.Lock()
	a.verified = append(a.verified, res)
	a.mu.Unlock()
	var body any = ""
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Body   any    `json:"body"`
	}{r.Method, r.URL.Path, body})
}

// take returns and clears what the API has seen.
func (a *seedAPI) take() (preflights []http.Header, verified []*sigv4.Result, refused []*sigv4.Error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	preflights, verified, refused = a.preflights, a.verified, a.refused
	a.preflights, a.verified, a.refused = nil, nil, nil
	return
}

// TestBrowserSeed003Client runs seed 003's browser client for real: a page
// from http://localhost:5173 that signs a POST with aws4fetch (service
// execute-api, region us-east-1), as the seed's React form does, in
// headless Chromium, against a loopback API that answers the CORS
// preflight and verifies the signature with the sigv4 package.
func TestBrowserSeed003Client(t *testing.T) {
	origin := browser.ServePage(t)
	api := newSeedAPI()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	t.Run("preflight then signed POST", func(t *testing.T) {
		body := browser.RunBrowser(t, browser.PageURL(origin, srv.URL+"/", accessKeyID, secretKey))
		want := "{\n    \"method\": \"POST\",\n    \"path\": \"/\",\n    \"body\": {\n        \"message\": \"Hello from LearnAWS.io\"\n    }\n}"
		if body != want {
			t.Errorf("the page shows %q, want %q", body, want)
		}
		preflights, verified, refused := api.take()
		if len(preflights) != 1 || len(verified) != 1 || len(refused) != 0 {
			t.Fatalf("the API saw %d preflights, %d verified and %d refused requests; want 1, 1, 0 (refused: %v)", len(preflights), len(verified), len(refused), refused)
		}
		p := preflights[0]
		if p.Get("Origin") != browser.Origin || p.Get("Access-Control-Request-Method") != "POST" {
			t.Errorf("preflight Origin %q, Access-Control-Request-Method %q; want %q, POST", p.Get("Origin"), p.Get("Access-Control-Request-Method"), browser.Origin)
		}
		// aws4fetch adds Authorization and X-Amz-Date; the page adds
		// Content-Type (application/json is not a CORS-safelisted value).
		reqHeaders := strings.Split(p.Get("Access-Control-Request-Headers"), ",")
		for _, h := range []string{"authorization", "content-type", "x-amz-date"} {
			if !slices.Contains(reqHeaders, h) {
				t.Errorf("preflight Access-Control-Request-Headers = %v, want %s among them", reqHeaders, h)
			}
		}
		v := verified[0]
		if v.AccessKeyID != accessKeyID || v.Scope.Region != "us-east-1" || v.Scope.Service != "execute-api" {
			t.Errorf("verified %s with scope %s, want %s in us-east-1/execute-api", v.AccessKeyID, v.CredentialScope, accessKeyID)
		}
		if !slices.Contains(v.SignedHeaders, "host") || !slices.Contains(v.SignedHeaders, "x-amz-date") {
			t.Errorf("signed headers %v, want host and x-amz-date among them", v.SignedHeaders)
		}
		t.Logf("aws4fetch signed %v; preflight asked for %v", v.SignedHeaders, reqHeaders)
	})

	t.Run("wrong secret is refused with AWS's message", func(t *testing.T) {
		a := browser.Submit(t, browser.PageURL(origin, srv.URL+"/", accessKeyID, "not-the-secret"))
		if a.Status != http.StatusForbidden || !strings.Contains(a.Body, "The request signature we calculated does not match the signature you provided.") {
			t.Errorf("the page shows %v, want 403 with InvalidSignatureException's message", a)
		}
		_, verified, refused := api.take()
		if len(verified) != 0 || len(refused) != 1 || refused[0].Type != "InvalidSignatureException" {
			t.Errorf("verified %d, refused %v; want one InvalidSignatureException", len(verified), refused)
		}
	})

	t.Run("no CORS configuration: the browser stops at the preflight", func(t *testing.T) {
		a := browser.Submit(t, browser.PageURL(origin, srv.URL+"/no-cors", accessKeyID, secretKey))
		if a.Error == "" || a.Status != 0 {
			t.Errorf("the page shows %v, want fetch to fail", a)
		}
		preflights, verified, refused := api.take()
		if len(preflights) != 1 || len(verified)+len(refused) != 0 {
			t.Errorf("the API saw %d preflights and %d signed requests, want 1 and 0", len(preflights), len(verified)+len(refused))
		}
	})
}
