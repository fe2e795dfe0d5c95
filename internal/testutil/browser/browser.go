// Package browser runs seed 003's browser client in a real browser: a
// page served from http://localhost:5173 (the origin the seed's CORS
// configuration allows) that signs a POST with aws4fetch, as the seed's
// React form does, opened in Debian's headless Chromium driven by
// playwright-core. It is imported by tests only and imports nothing from
// gatehouse.
//
// The page, the driver script and their npm packages (playwright-core,
// aws4fetch) are in testdata/browser; .ci/run installs them (`npm ci`)
// and Debian's chromium, then sets GATEHOUSE_TEST_BROWSER_DIR. Without
// that variable the helpers skip the test with a message saying how to set
// it up; with GATEHOUSE_TEST_REQUIRE_SERVICES set (as in CI) they fail it
// instead. Playwright never downloads a browser: the driver always passes
// executablePath. docs/cdk-and-browser-tests.md describes the set-up.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment variables the helpers read.
const (
	// EnvDir is testdata/browser, with its node_modules installed.
	EnvDir = "GATEHOUSE_TEST_BROWSER_DIR"
	// EnvChromium is the Chromium executable; "" means DefaultChromium.
	EnvChromium = "GATEHOUSE_TEST_CHROMIUM"
	// EnvRequire, when set, turns every skip for a missing tool into a
	// failure (CI sets it).
	EnvRequire = "GATEHOUSE_TEST_REQUIRE_SERVICES"
)

// DefaultChromium is where Debian's chromium package installs the browser.
const DefaultChromium = "/usr/bin/chromium"

// Origin is the page's origin: seed 003's Vite dev server, the one origin
// its corsPreflight allows. OriginAddr is where ServePage listens for it.
const (
	Origin     = "http://localhost:5173"
	OriginAddr = "127.0.0.1:5173"
)

// Timeouts.
const (
	// PortWait is how long ServePage waits for port 5173, which only one
	// test process at a time can hold (go test runs packages in parallel).
	PortWait = 2 * time.Minute
	// RunTimeout bounds one run of the driver, browser start included.
	RunTimeout = 90 * time.Second
)

// skipOrFail skips the test, or fails it when EnvRequire is set.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequire) != "" {
		t.Fatalf(format+" (and "+EnvRequire+" says it must be tested)", args...)
	}
	t.Skipf(format, args...)
}

// Dir returns the absolute path of testdata/browser from EnvDir, after
// checking that node, Chromium and the npm packages are there. It skips
// (or fails, see EnvRequire) when EnvDir is unset or node or Chromium is
// missing, and fails when EnvDir is set but the packages are not
// installed.
func Dir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(EnvDir)
	if root == "" {
		skipOrFail(t, "%s not set: install Debian's chromium, run `npm ci` in testdata/browser and set %s=$PWD/testdata/browser (.ci/run does all three)", EnvDir, EnvDir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "node is not installed: the browser driver runs on Node.js")
	}
	if _, err := os.Stat(chromium()); err != nil {
		skipOrFail(t, "no Chromium at %s (apt-get install chromium, or set %s): %v", chromium(), EnvChromium, err)
	}
	dir, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"node_modules/playwright-core/package.json", aws4fetchModule, "run.mjs", "page/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Fatalf("%s=%s, but %s is missing: run `npm ci` there (%v)", EnvDir, root, p, err)
		}
	}
	return dir
}

// chromium returns the browser executable.
func chromium() string {
	if c := os.Getenv(EnvChromium); c != "" {
		return c
	}
	return DefaultChromium
}

// aws4fetchModule is aws4fetch's ES module build, served to the page as
// /aws4fetch.mjs: it has no imports, so it loads without a bundler.
const aws4fetchModule = "node_modules/aws4fetch/dist/aws4fetch.esm.mjs"

// ServePage serves the page of testdata/browser/page and aws4fetch (as
// /aws4fetch.mjs) on OriginAddr until the test ends, and returns Origin.
// Port 5173 is fixed, as the origin is part of the seed's CORS
// configuration: when another test process holds it, ServePage waits for
// it (up to PortWait).
func ServePage(t testing.TB) string {
	t.Helper()
	dir := Dir(t)
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServer(http.Dir(filepath.Join(dir, "page"))))
	mux.HandleFunc("GET /aws4fetch.mjs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, filepath.Join(dir, aws4fetchModule))
	})
	ln := listenWait(t, OriginAddr, PortWait)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return Origin
}

// listenWait listens on addr, retrying while the address is in use.
func listenWait(t testing.TB, addr string, wait time.Duration) net.Listener {
	t.Helper()
	deadline := time.Now().Add(wait)
	logged := false
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			t.Fatalf("listen on %s for the page's origin: %v", addr, err)
		}
		if !logged {
			t.Logf("%s is in use (another test's page server?): waiting up to %s", addr, wait)
			logged = true
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PageURL is the URL of the page on origin that, once submitted, signs a
// POST to apiURL with the access key id and secret, as the seed's React
// form does with what the user typed.
func PageURL(origin, apiURL, accessKeyID, secretAccessKey string) string {
	q := url.Values{"api": {apiURL}, "id": {accessKeyID}, "secret": {secretAccessKey}}
	return origin + "/?" + q.Encode()
}

// Answer is what the page showed after Submit: the HTTP status and body of
// the signed POST's response, or the error fetch threw (a CORS refusal is
// "TypeError: Failed to fetch").
type Answer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

// Submit opens pageURL in headless Chromium (testdata/browser/run.mjs
// through playwright-core), clicks the form's Submit button and returns
// what the page showed. The browser's console and failed requests are
// logged with t.Logf. The test fails if the page never answered.
func Submit(t testing.TB, pageURL string) Answer {
	t.Helper()
	dir := Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "run.mjs", pageURL)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), EnvChromium+"="+chromium())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start).Round(10 * time.Millisecond)
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("browser (%s):\n%s", took, s)
	} else {
		t.Logf("browser: %s", took)
	}
	if err != nil {
		t.Fatalf("node run.mjs %s: %v\n%s", pageURL, err, stdout.String())
	}
	var a Answer
	if err := json.Unmarshal(stdout.Bytes(), &a); err != nil {
		t.Fatalf("node run.mjs printed %q: %v", stdout.String(), err)
	}
	return a
}

// RunBrowser is Submit for a page that must get an answer: it returns the
// body the page shows (the handler's JSON, for seed 003), and fails the
// test when fetch threw instead.
func RunBrowser(t testing.TB, pageURL string) string {
	t.Helper()
	a := Submit(t, pageURL)
	if a.Error != "" {
		t.Fatalf("the page's signed fetch failed: %s", a.Error)
	}
	return a.Body
}

// String formats an answer for test messages.
func (a Answer) String() string {
	if a.Error != "" {
		return "error " + a.Error
	}
	return fmt.Sprintf("%d %q", a.Status, a.Body)
}
