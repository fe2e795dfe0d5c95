package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

const scratchDefinition = `
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /echo:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://${stageVariables.backend}/echo
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: '{"n":"$input.params(''n'')","stage":"$stageVariables.who"}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '$input.json(''$.n'')|$input.path(''$.len'')|$input.json(''$.fill'')|$context.requestId'
`

const scratchConfig = `
apis:
  - name: t
    protocol: REST
    definition: t.yaml
    stages:
      prod:
        variables: {backend: "{{backend}}", who: prod}
`

// TestTemplatesReusedState sends requests whose integration responses
// and template outputs differ in size, one after the other and
// concurrently, through one gateway: the state a pooled request keeps
// (the scope of the renders, the buffers of the integration response and
// the response template) must never show one request's data in another.
func TestTemplatesReusedState(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var n int
		if i := strings.Index(string(b), `"n":"`); i >= 0 {
			n, _ = strconv.Atoi(strings.SplitN(string(b)[i+5:], `"`, 2)[0])
		}
		if !strings.Contains(string(b), `"stage":"prod"`) {
			http.Error(w, "no stage variable in "+string(b), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"n":%d,"len":%d,"fill":"%s"}`, n, n, strings.Repeat("x", n))
	}))
	defer backend.Close()
	dir := t.TempDir()
	writeFile(t, dir, "gatehouse.yaml", strings.ReplaceAll(scratchConfig, "{{backend}}", backend.Listener.Addr().String()))
	writeFile(t, dir, "t.yaml", scratchDefinition)
	cfg, err := config.Load(filepath.Join(dir, "gatehouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := gateway.NewPlan(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(plan, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()

	check := func(n int) error {
		req := httptest.NewRequest(http.MethodPost, "http://gatehouse/prod/echo?n="+strconv.Itoa(n), strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		var id string // written in AWS's spelling, which Get does not find
		for k, v := range w.Header() {
			if strings.EqualFold(k, "X-Amzn-RequestId") && len(v) == 1 {
				id = v[0]
			}
		}
		want := fmt.Sprintf(`%d|%d|"%s"|%s`, n, n, strings.Repeat("x", n), id)
		if w.Code != http.StatusOK || w.Body.String() != want {
			return fmt.Errorf("n=%d: %d %.200q, want %.200q", n, w.Code, w.Body.String(), want)
		}
		if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(want)) {
			return fmt.Errorf("n=%d: Content-Length %s, want %d", n, got, len(want))
		}
		return nil
	}
	for _, n := range []int{100_000, 3, 5000, 0, 70_000, 10} {
		if err := check(n); err != nil {
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := check((g*131 + i*977) % 20_000); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
