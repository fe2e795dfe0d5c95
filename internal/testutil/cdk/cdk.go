// Package cdk synthesizes the CDK apps under testdata/cdk with the real
// AWS CDK CLI (aws-cdk) and aws-cdk-lib from npm, offline, so that tests
// can serve the CloudFormation templates that real users get from
// `npx cdk synth`. It is imported by tests only and imports nothing from
// gatehouse.
//
// The apps' npm packages are installed by .ci/run (`npm ci` in each app's
// folder), which then sets GATEHOUSE_TEST_CDK_DIR to testdata/cdk. Without
// that variable the helpers skip the test with a message saying how to
// install them; with GATEHOUSE_TEST_REQUIRE_SERVICES set (as in CI) they
// fail it instead. docs/cdk-and-browser-tests.md describes the set-up.
package cdk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Environment variables the helpers read.
const (
	// EnvDir is the folder that holds the CDK apps (testdata/cdk), each
	// with its node_modules installed.
	EnvDir = "GATEHOUSE_TEST_CDK_DIR"
	// EnvRequire, when set, turns every skip for a missing tool into a
	// failure (CI sets it).
	EnvRequire = "GATEHOUSE_TEST_REQUIRE_SERVICES"
)

// Seed003 is the folder of seed 003's app under EnvDir, and
// Seed003Stack the stack it defines.
const (
	Seed003      = "seed003"
	Seed003Stack = "ApiGwIamAuthStack"
)

// SynthTimeout bounds one `cdk synth`. A warm synth of seed 003 takes about
// 5 s; the first one after an install reads aws-cdk-lib from a cold disk
// cache and has taken 18 s.
const SynthTimeout = 3 * time.Minute

// skipOrFail skips the test, or fails it when EnvRequire is set.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequire) != "" {
		t.Fatalf(format+" (and "+EnvRequire+" says it must be tested)", args...)
	}
	t.Skipf(format, args...)
}

// AppDir returns the absolute folder of the CDK app name under EnvDir
// (e.g. "seed003"), after checking that its npm packages are installed.
// It skips (or fails, see EnvRequire) when EnvDir is unset or node is
// missing, and fails when EnvDir is set but the app is not installed.
func AppDir(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv(EnvDir)
	if root == "" {
		skipOrFail(t, "%s not set: run `npm ci` in testdata/cdk/%s and set %s=$PWD/testdata/cdk (.ci/run does both)", EnvDir, name, EnvDir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "node is not installed: the CDK CLI needs Node.js")
	}
	dir, err := filepath.Abs(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "cdk")); err != nil {
		t.Fatalf("%s=%s, but the CDK CLI is not installed in %s: run `npm ci` there (%v)", EnvDir, root, dir, err)
	}
	return dir
}

// offlineEnv is the whole environment of `cdk synth`: PATH and TMPDIR from
// the test's, a fresh HOME with no AWS configuration, and every switch
// that keeps the CDK CLI, npm and the AWS SDK inside the CLI off the
// network (no version check, no telemetry, no instance metadata, npm
// offline). Nothing is inherited besides, so a developer's AWS_PROFILE or
// credentials cannot change the template or reach AWS.
func offlineEnv(home string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"CDK_DISABLE_VERSION_CHECK=1",
		"CDK_DISABLE_CLI_TELEMETRY=true",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config-absent"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials-absent"),
		"npm_config_offline=true",
		"npm_config_update_notifier=false",
		"npm_config_fund=false",
		"npm_config_audit=false",
		"NO_UPDATE_NOTIFIER=1",
		"NO_COLOR=1",
		"FORCE_COLOR=0",
		"CI=true",
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

// noNetwork returns the command prefix that runs a command in a network
// namespace of its own (only a loopback interface, which is down), when
// this machine allows it (root, or unprivileged user namespaces): then a
// synth that tried to reach the network fails at once instead of passing
// here and hanging elsewhere. nil means it is not available.
func noNetwork() []string {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil
	}
	if exec.Command(unshare, "--net", "true").Run() == nil {
		return []string{unshare, "--net", "--"}
	}
	if exec.Command(unshare, "--map-root-user", "--net", "true").Run() == nil {
		return []string{unshare, "--map-root-user", "--net", "--"}
	}
	return nil
}

// Synth runs the app's own CDK CLI (`node_modules/.bin/cdk synth
// --no-notices --no-lookups -o OUT`) in appDir, with cdk.json's app
// command, into a new temporary folder, and returns that cloud assembly
// folder (OUT): STACK.template.json, manifest.json and the asset.HASH
// folders the templates' "aws:asset:path" metadata names. NodejsFunction
// assets are bundled by the app's local esbuild (no Docker). The synth
// runs offline (see offlineEnv), in a network namespace of its own where
// the machine allows one. The test fails, with the CLI's output, when the
// synth does.
func Synth(t testing.TB, appDir string) string {
	t.Helper()
	work := t.TempDir()
	out := filepath.Join(work, "cdk.out")
	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	argv := append(noNetwork(), filepath.Join(appDir, "node_modules", ".bin", "cdk"),
		"synth", "--no-notices", "--no-lookups", "--ci", "--output", out)
	ctx, cancel := context.WithTimeout(context.Background(), SynthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = appDir
	cmd.Env = offlineEnv(home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start).Round(10 * time.Millisecond)
	if err != nil {
		t.Fatalf("cdk synth in %s (%s, %v): %v\n%s", appDir, took, argv, err, tail(stderr.String()+stdout.String(), 8000))
	}
	isolation := "in a network namespace of its own"
	if len(argv) > 0 && filepath.Base(argv[0]) != "unshare" {
		isolation = "without network isolation (unshare --net is not available)"
	}
	t.Logf("cdk synth %s: %s, %s", filepath.Base(appDir), took, isolation)
	return out
}

// SynthSeed003 synthesizes seed 003's CDK app (testdata/cdk/seed003: an
// HttpApi with the HttpIamAuthorizer as default authorizer, a
// NodejsFunction as default integration, corsPreflight for
// http://localhost:5173 and an OPTIONS /{proxy+} route with
// HttpNoneAuthorizer) and returns the path of
// ApiGwIamAuthStack.template.json in a new temporary cloud assembly.
func SynthSeed003(t testing.TB) string {
	t.Helper()
	out := Synth(t, AppDir(t, Seed003))
	tpl := filepath.Join(out, Seed003Stack+".template.json")
	if _, err := os.Stat(tpl); err != nil {
		t.Fatalf("cdk synth wrote no %s template: %v", Seed003Stack, err)
	}
	return tpl
}

// tail returns the last n bytes of s, marked when cut.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("[... %d bytes cut ...]\n%s", len(s)-n, s[len(s)-n:])
}
