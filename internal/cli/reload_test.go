package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// served is a gatehouse serve running in-process.
type served struct {
	base string
	log  *testutil.LockedBuffer
	stop func() int // cancels serve and returns its exit code
}

var listenLine = regexp.MustCompile(`msg="gatehouse serving" .*listen=(\S+)`)

func serveInProcess(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{log: &testutil.LockedBuffer{}}
	exited := make(chan int, 1)
	go func() {
		exited <- cli.RunContext(ctx, append(append([]string{"serve"}, args...), "--listen", "127.0.0.1:0"), io.Discard, s.log)
	}()
	var once sync.Once
	code := 0
	s.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-exited:
			case <-time.After(60 * time.Second):
				t.Error("gatehouse serve did not stop")
				code = -1
			}
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listenLine.FindStringSubmatch(s.log.String()); m != nil {
			s.base = "http://" + m[1]
			return s
		}
		select {
		case code := <-exited:
			t.Fatalf("gatehouse serve exited with %d:\n%s", code, s.log.String())
		default:
		}
	}
	t.Fatalf("gatehouse serve did not start:\n%s", s.log.String())
	return nil
}

// get returns the status and body of a GET.
func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// eventually polls cond until it holds; the deadline is generous, the
// behaviour is expected well within it.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// proxyTemplate is an HTTP API whose $default route proxies to backend.
func proxyTemplate(backend string) string {
	return `Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: proxied, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: HTTP_PROXY, IntegrationMethod: ANY, IntegrationUri: "` + backend + `", PayloadFormatVersion: "1.0"}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: "GET /slow", Target: !Sub "integrations/${Integration}"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default}
`
}

// TestReloadHTTPProxy changes a template's integration while a request
// runs: the request finishes on the old plan, the next one uses the new
// one; a broken template keeps the new plan serving, and the log says
// where the template is broken.
func TestReloadHTTPProxy(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	backend := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("wait") != "" {
				entered <- struct{}{}
				<-release
			}
			fmt.Fprintf(w, "%s %s", name, r.URL.Path)
		}))
		t.Cleanup(s.Close)
		return s
	}
	one, two := backend("one"), backend("two")
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	writeFile(t, tmpl, proxyTemplate(one.URL+"/slow"))
	s := serveInProcess(t, "-t", tmpl)

	if code, body, err := get(s.base + "/slow"); err != nil || code != 200 || body != "one /slow" {
		t.Fatalf("before reload: %d %q %v", code, body, err)
	}
	type result struct {
		code int
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		code, body, err := get(s.base + "/slow?wait=1")
		inflight <- result{code, body, err}
	}()
	<-entered
	writeFile(t, tmpl, proxyTemplate(two.URL+"/slow"))
	eventually(t, "the new integration", func() bool {
		_, body, _ := get(s.base + "/slow")
		return body == "two /slow"
	})
	close(release)
	if r := <-inflight; r.err != nil || r.code != 200 || r.body != "one /slow" {
		t.Errorf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	if !strings.Contains(s.log.String(), `msg=reloaded`) {
		t.Errorf("no reload line:\n%s", s.log.String())
	}

	// A broken template: the last good plan goes on serving.
	writeFile(t, tmpl, strings.Replace(proxyTemplate(two.URL+"/slow"), "!Ref Api, RouteKey", "!Ref Nowhere, RouteKey", 1))
	eventually(t, "the reload error", func() bool { return strings.Contains(s.log.String(), "reload failed") })
	want := tmpl + `:10:`
	if out := s.log.String(); !strings.Contains(out, want) || !strings.Contains(out, `Ref \"Nowhere\"`) {
		t.Errorf("the error does not give the position %s...:\n%s", want, out)
	}
	if code, body, err := get(s.base + "/slow"); err != nil || code != 200 || body != "two /slow" {
		t.Errorf("after a broken template: %d %q %v", code, body, err)
	}
	// Fixed again: served again.
	writeFile(t, tmpl, proxyTemplate(one.URL+"/slow"))
	eventually(t, "the fixed template", func() bool {
		_, body, _ := get(s.base + "/slow")
		return body == "one /slow"
	})
	if code := s.stop(); code != 0 {
		t.Errorf("serve exited with %d:\n%s", code, s.log.String())
	}
}

// lambdaTemplate is a CDK-style template: an HTTP API whose route runs a
// Node.js function from a CDK asset folder.
func lambdaTemplate(route, asset string) string {
	return `{
 "Resources": {
  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
  "Handler": {
   "Type": "AWS::Lambda::Function",
   "Properties": {
    "Code": {"S3Bucket": "cdk-assets", "S3Key": "` + asset + `.zip"},
    "Handler": "index.handler", "Runtime": "nodejs20.x", "FunctionName": "reloaded",
    "Role": {"Fn::GetAtt": ["Role", "Arn"]}
   },
   "Metadata": {"aws:asset:path": "` + asset + `", "aws:asset:property": "Code"}
  },
  "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "reload", "ProtocolType": "HTTP"}},
  "Integration": {
   "Type": "AWS::ApiGatewayV2::Integration",
   "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
    "IntegrationUri": {"Fn::GetAtt": ["Handler", "Arn"]}}
  },
  "Route": {
   "Type": "AWS::ApiGatewayV2::Route",
   "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "` + route + `", "AuthorizationType": "NONE",
    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]}}
  },
  "Permission": {
   "Type": "AWS::Lambda::Permission",
   "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["Handler", "Arn"]}, "Principal": "apigateway.amazonaws.com"}
  },
  "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": true}}
 }
}
`
}

// handlerJS answers with its version and process id; ?mark=FILE&sleep=MS
// writes FILE once it has the event, then answers after MS.
func handlerJS(version string) string {
	return `const fs = require("fs");
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (q.mark) fs.writeFileSync(q.mark, "started");
  if (q.sleep) await new Promise((r) => setTimeout(r, Number(q.sleep)));
  return {statusCode: 200, headers: {"Content-Type": "application/json"},
    body: JSON.stringify({version: "` + version + `", pid: process.pid, path: event.rawPath})};
};
`
}

type answer struct {
	Version string `json:"version"`
	PID     int    `json:"pid"`
	Path    string `json:"path"`
}

// TestReloadLambdaTemplate changes a function's code in its asset folder,
// then "synthesizes" a new template with another route and asset folder,
// while requests run: none fails, an in-flight invocation finishes on the
// old code, the old processes are stopped, and none is left after
// shutdown.
func TestReloadLambdaTemplate(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "cdk.out", "Stack.template.json")
	writeFile(t, filepath.Join(dir, "cdk.out", "asset.v1", "index.js"), handlerJS("v1"))
	writeFile(t, tmpl, lambdaTemplate("GET /hello", "asset.v1"))
	s := serveInProcess(t, "-t", tmpl)

	call := func(path string) (int, answer, error) {
		code, body, err := get(s.base + path)
		var a answer
		if err == nil && code == 200 {
			err = json.Unmarshal([]byte(body), &a)
		}
		if err == nil && code != 200 && code != 404 {
			err = fmt.Errorf("status %d: %s", code, body)
		}
		return code, a, err
	}
	_, first, err := call("/hello")
	if err != nil || first.Version != "v1" {
		t.Fatalf("v1: %+v %v\n%s", first, err, s.log.String())
	}

	// Requests run all along; every one gets an answer of some version.
	var (
		mu       sync.Mutex
		pids     = map[string]map[int]bool{}
		failures []string
		stopLoad = make(chan struct{})
		loaders  sync.WaitGroup
	)
	for range 2 {
		loaders.Go(func() {
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				for _, path := range []string{"/hello", "/greet"} {
					code, a, err := call(path)
					mu.Lock()
					if err != nil {
						failures = append(failures, fmt.Sprintf("%s: %v", path, err))
					} else if code == 200 {
						if pids[a.Version] == nil {
							pids[a.Version] = map[int]bool{}
						}
						pids[a.Version][a.PID] = true
					}
					mu.Unlock()
				}
			}
		})
	}

	// An invocation in flight while the code changes.
	mark := filepath.Join(t.TempDir(), "started")
	type result struct {
		code int
		a    answer
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		code, a, err := call("/hello?sleep=1500&mark=" + mark)
		inflight <- result{code, a, err}
	}()
	eventually(t, "the slow invocation to start", func() bool { _, err := os.Stat(mark); return err == nil })

	// 1. The handler's code changes in its asset folder.
	changed := time.Now()
	writeFile(t, filepath.Join(dir, "cdk.out", "asset.v1", "index.js"), handlerJS("v2"))
	// (A process started meanwhile by the old host reads the new code
	// too; the reload is what stops the old ones.)
	eventually(t, "the reload", func() bool { return strings.Count(s.log.String(), "msg=reloaded") == 1 })
	t.Logf("code change reloaded after %v", time.Since(changed).Round(time.Millisecond))
	eventually(t, "v2 to answer", func() bool { _, a, _ := call("/hello"); return a.Version == "v2" })
	if r := <-inflight; r.err != nil || r.code != 200 || r.a.Version != "v1" {
		t.Errorf("in-flight invocation: %d %+v %v", r.code, r.a, r.err)
	}
	eventually(t, "the v1 processes to stop", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for pid := range pids["v1"] {
			if processAlive(pid) {
				return false
			}
		}
		return !processAlive(first.PID)
	})

	// 2. A new synth: another route, another asset folder.
	writeFile(t, filepath.Join(dir, "cdk.out", "asset.v3", "index.js"), handlerJS("v3"))
	changed = time.Now()
	writeFile(t, tmpl, lambdaTemplate("GET /greet", "asset.v3"))
	eventually(t, "GET /greet to answer v3", func() bool { code, a, _ := call("/greet"); return code == 200 && a.Version == "v3" })
	t.Logf("new template served after %v", time.Since(changed).Round(time.Millisecond))
	if code, _, err := call("/hello"); code != 404 || err != nil {
		t.Errorf("GET /hello after the route moved: %d %v", code, err)
	}

	close(stopLoad)
	loaders.Wait()
	if len(failures) > 0 {
		t.Errorf("%d requests failed during reloads, first: %s", len(failures), failures[0])
	}
	// The processes of the old code are stopped once their requests end.
	mu.Lock()
	old := []int{first.PID}
	for _, v := range []string{"v1", "v2"} {
		for pid := range pids[v] {
			old = append(old, pid)
		}
	}
	mu.Unlock()
	eventually(t, "the old function processes to stop", func() bool {
		for _, pid := range old {
			if processAlive(pid) {
				return false
			}
		}
		return true
	})
	if n := len(processesIn(t, dir)); n == 0 {
		t.Error("no process runs the v3 code")
	}

	// 3. A broken template: v3 goes on answering, and the log says where.
	writeFile(t, tmpl, strings.Replace(lambdaTemplate("GET /greet", "asset.v3"), `"Ref": "Integration"`, `"Ref": "Integration2"`, 1))
	eventually(t, "the reload error", func() bool { return strings.Contains(s.log.String(), "reload failed") })
	if out := s.log.String(); !regexp.MustCompile(regexp.QuoteMeta(tmpl) + `:2[0-9]:\d+: Resources\.Route`).MatchString(out) {
		t.Errorf("the error lacks the template position:\n%s", out)
	}
	if code, a, err := call("/greet"); err != nil || code != 200 || a.Version != "v3" {
		t.Errorf("after a broken template: %d %+v %v", code, a, err)
	}

	if code := s.stop(); code != 0 {
		t.Errorf("serve exited with %d:\n%s", code, s.log.String())
	}
	if left := processesIn(t, dir); len(left) > 0 {
		t.Errorf("function processes left after shutdown: %v", left)
	}
}

// processAlive reports whether pid is a process that has not exited.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: Z is an exited process not yet reaped.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// processesIn lists the live processes whose working directory is dir or
// below it (a function process runs in its code folder).
func processesIn(t *testing.T, dir string) []int {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil {
			continue
		}
		if (cwd == real || strings.HasPrefix(cwd, real+string(filepath.Separator))) && processAlive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
