package awsload_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/sigv4"
)

// The seeded principals: user bench may assume BenchRole; the identity
// pool's authenticated role is CognitoAuthRole.
const (
	account      = "123456789012"
	region       = "us-east-1"
	benchKey     = "AKIABENCHGATEHOUSE01"
	benchSecret  = "benchSecretKey000000000000000000000000001"
	roleARN      = "arn:aws:iam::" + account + ":role/BenchRole"
	userPool     = "us-east-1_Gatehouse1"
	appClient    = "3n4b5urk1ft4fl3mg5e62d9ado"
	identityPool = "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b"
	poolLogin    = "cognito-idp.us-east-1.amazonaws.com/" + userPool
	userPassword = "Passw0rd!bench"
	// users is how many pool users the flow rotates through.
	users = 16
)

// clients is the number of concurrent callers: b.SetParallelism(clients /
// GOMAXPROCS) goroutines per P.
const clients = 16

// config is gatehouse.yaml for the benchmarks; %s is the
// cognito.passwordHashing line and %s the pool's users.
const config = `listen: 127.0.0.1:0
admin: 127.0.0.1:0
awsEndpoints: {listen: "127.0.0.1:0"}
apis:
  - name: bench
    protocol: HTTP
    routes:
      "GET /x": {integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/"}}
iam:
  store: sqlite://iam.db
  users:
    - name: bench
      accessKeys: [{id: ` + benchKey + `, secret: ` + benchSecret + `}]
      policies:
        - name: assume
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sts:AssumeRole", Resource: "` + roleARN + `"}]}
  roles:
    - name: BenchRole
      assumeRolePolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::` + account + `:user/bench"}, Action: "sts:AssumeRole"}]}
      policies: [{name: invoke, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}}]
    - name: CognitoAuthRole
      assumeRolePolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: cognito-identity.amazonaws.com}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {"cognito-identity.amazonaws.com:aud": "` + identityPool + `"}
              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}
      policies: [{name: invoke, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}}]
cognito:
  %s
  userPools:
    - id: ` + userPool + `
      clients: [{id: ` + appClient + `, name: web}]
      users:
%s
  identityPools:
    - id: "` + identityPool + `"
      providers: [{userPool: ` + userPool + `, clientId: ` + appClient + `}]
      authenticatedRole: CognitoAuthRole
`

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// gatehouseBinary builds ./cmd/gatehouse once per test binary.
func gatehouseBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-awsload")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "gatehouse")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/gatehouse/gatehouse/cmd/gatehouse").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binary
}

var (
	awsEndpointsLine = regexp.MustCompile(`awsEndpoints=(http://\S+)`)
	adminLine        = regexp.MustCompile(`msg="gatehouse serving" .*admin=(\S+)`)
)

// envProfile names a directory: when set, the gateway runs with --pprof
// and each benchmark writes a CPU profile of the gateway during its
// measured loop there, as <benchmark>.pprof (go tool pprof reads it).
const envProfile = "GATEHOUSE_BENCH_PPROF"

// gateway is a started gatehouse process.
type gateway struct {
	aws   string // awsEndpoints URL
	admin string // admin URL
	pid   int
}

// cpuTime returns the CPU time (user + system) process pid has used, from
// /proc (Linux; ok false elsewhere).
func cpuTime(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which ends with the last ')':
	// state is field 3, utime 14 and stime 15 (clock ticks, 100 a second).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	var ut, st int64
	if _, err := fmt.Sscan(f[11], &ut); err != nil {
		return 0, false
	}
	if _, err := fmt.Sscan(f[12], &st); err != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}

// startGateway runs gatehouse serve with config and the given password
// hashing parameters. The process is killed when tb ends.
func startGateway(tb testing.TB, hashing password.Params) gateway {
	tb.Helper()
	bin := gatehouseBinary(tb)
	dir := tb.TempDir()
	var us strings.Builder
	for i := range users {
		fmt.Fprintf(&us, "        - {username: user%d, password: %q}\n", i, userPassword)
	}
	hashLine := fmt.Sprintf("passwordHashing: {memoryKiB: %d, iterations: %d, parallelism: %d}", hashing.MemoryKiB, hashing.Iterations, hashing.Parallelism)
	cfg := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, hashLine, us.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	args := []string{"serve", "-c", cfg, "--log-level", "info"}
	if os.Getenv(envProfile) != "" {
		args = append(args, "--pprof")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan gateway, 1)
	var log bytes.Buffer
	var mu sync.Mutex
	go func() {
		var g gateway
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := awsEndpointsLine.FindStringSubmatch(sc.Text()); m != nil {
				g.aws = m[1]
			}
			if m := adminLine.FindStringSubmatch(sc.Text()); m != nil {
				g.admin = "http://" + m[1]
			}
			if g.aws != "" && g.admin != "" {
				g.pid = cmd.Process.Pid
				found <- g
				g = gateway{}
			}
		}
	}()
	select {
	case g := <-found:
		return g
	case <-time.After(30 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		tb.Fatalf("gatehouse did not start:\n%s", log.String())
		return gateway{}
	}
}

// profile fetches a CPU profile of g for d into $GATEHOUSE_BENCH_PPROF
// when it is set, in the background; the returned function waits for it.
func profile(b *testing.B, g gateway, d time.Duration) func() {
	dir := os.Getenv(envProfile)
	if dir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", g.admin, int(d.Seconds())))
		if err != nil {
			b.Logf("profile: %v", err)
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		name := filepath.Join(dir, strings.NewReplacer("/", "_", "=", "-", ",", "_").Replace(b.Name())+".pprof")
		if err := os.WriteFile(name, data, 0o644); err != nil {
			b.Logf("profile: %v", err)
		}
	}()
	return func() { <-done }
}

// newClient returns an HTTP client keeping a connection per caller.
func newClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, DisableCompression: true, IdleConnTimeout: time.Minute}}
}

// caller makes the benchmarks' requests.
type caller struct {
	url    string
	client *http.Client
	signer *sigv4.Signer
}

func newCaller(url string) *caller {
	return &caller{url: url, client: newClient(), signer: sigv4.New(sigv4.Options{Region: region, Service: "sts"})}
}

// do sends req and returns the body of a 200 answer.
func (c *caller) do(req *http.Request) ([]byte, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", req.Method, req.Header.Get("X-Amz-Target"), resp.StatusCode, b)
	}
	return b, nil
}

var accessKeyElem = regexp.MustCompile(`<AccessKeyId>(ASIA[A-Z0-9]+)</AccessKeyId>`)

// assumeRole calls STS AssumeRole signed with bench's long-term key, as
// the aws CLI and the SDKs do (form POST, SigV4 for sts), and returns the
// temporary access key id.
func (c *caller) assumeRole(session string) (string, error) {
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {roleARN}, "RoleSessionName": {session}}
	req, err := http.NewRequest(http.MethodPost, c.url+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if _, err := c.signer.Sign(req, sigv4.Credentials{AccessKeyID: benchKey, SecretAccessKey: benchSecret}); err != nil {
		return "", err
	}
	b, err := c.do(req)
	if err != nil {
		return "", err
	}
	m := accessKeyElem.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("AssumeRole: no access key in %s", b)
	}
	return string(m[1]), nil
}

// call sends a JSON 1.1 request to target (Service.Operation) and decodes
// the answer into out.
func (c *caller) call(target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, c.url+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	b, err := c.do(req)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// signIn runs seed 001's flow for user: InitiateAuth (USER_PASSWORD_AUTH)
// → GetId → GetCredentialsForIdentity, unsigned as the SDKs send them,
// and returns the temporary access key id.
func (c *caller) signIn(user string) (string, error) {
	var auth struct {
		AuthenticationResult struct{ IdToken string }
	}
	err := c.call("AWSCognitoIdentityProviderService.InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": appClient,
		"AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": userPassword}}, &auth)
	if err != nil {
		return "", err
	}
	logins := map[string]string{poolLogin: auth.AuthenticationResult.IdToken}
	var id struct{ IdentityId string }
	if err := c.call("AWSCognitoIdentityService.GetId", map[string]any{"IdentityPoolId": identityPool, "Logins": logins}, &id); err != nil {
		return "", err
	}
	var creds struct {
		Credentials struct{ AccessKeyId string }
	}
	if err := c.call("AWSCognitoIdentityService.GetCredentialsForIdentity", map[string]any{"IdentityId": id.IdentityId, "Logins": logins}, &creds); err != nil {
		return "", err
	}
	if !strings.HasPrefix(creds.Credentials.AccessKeyId, "ASIA") {
		return "", fmt.Errorf("GetCredentialsForIdentity: %+v", creds)
	}
	return creds.Credentials.AccessKeyId, nil
}

// cheap are the argon2id parameters the flow's ≥ 300/s target is
// measured with (docs/cognito.md, "Passwords").
var cheap = password.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

// TestFlows runs each benchmarked operation once, so that go test ./...
// keeps the benchmarks working.
func TestFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a gateway process")
	}
	c := newCaller(startGateway(t, cheap).aws)
	if _, err := c.assumeRole("once"); err != nil {
		t.Error(err)
	}
	if _, err := c.signIn("user0"); err != nil {
		t.Error(err)
	}
}

// parallel runs op from clients goroutines until b.N operations are done
// and reports their rate (ops/s, over the wall clock, as a load generator
// counts) besides ns/op, and the gateway process's CPU time per op
// (gw-cpu-µs/op, 10 ms resolution over the whole run).
func parallel(b *testing.B, g gateway, op func(i int) error) {
	b.Helper()
	if b.N > 100 { // the timed runs, not the first b.N=1 probe
		defer profile(b, g, 2*time.Second)()
	}
	procs := max(1, clients/runtime.GOMAXPROCS(0))
	b.SetParallelism(procs)
	var mu sync.Mutex
	var next int
	var first error
	cpu0, cpuOK := cpuTime(g.pid)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if err := op(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	// The gateway's CPU per op is steadier than ops/s on a busy machine:
	// 2 cores ÷ it is the rate the gateway alone could reach.
	if cpu1, ok := cpuTime(g.pid); ok && cpuOK && b.N >= 100 {
		per := (cpu1 - cpu0) / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(time.Microsecond), "gw-cpu-µs/op")
	}
}

// BenchmarkAssumeRole is STS AssumeRole over loopback: SigV4
// verification of the caller, its identity policy and the role's trust
// policy, a sealed session token, the XML answer. Issue 9: ≥ 2,000/s on
// the 2-core reference machine.
func BenchmarkAssumeRole(b *testing.B) {
	g := startGateway(b, cheap)
	c := newCaller(g.aws)
	if _, err := c.assumeRole("warm"); err != nil {
		b.Fatal(err)
	}
	parallel(b, g, func(i int) error {
		_, err := c.assumeRole(fmt.Sprintf("bench-%d", i%1000))
		return err
	})
}

// BenchmarkSignInToCredentials is seed 001's flow over loopback, one
// operation = InitiateAuth (argon2id check, ID and access tokens signed
// RS256) → GetId → GetCredentialsForIdentity (the identity pool's OpenID
// token, AssumeRoleWithWebIdentity, a sealed session token), for 16
// users in turn. Issue 9: ≥ 300/s on the 2-core reference machine, with
// the password-hash parameters of the sub-benchmark's name.
func BenchmarkSignInToCredentials(b *testing.B) {
	for _, p := range []password.Params{cheap, password.DefaultParams()} {
		b.Run(fmt.Sprintf("hash=m=%d,t=%d,p=%d", p.MemoryKiB, p.Iterations, p.Parallelism), func(b *testing.B) {
			g := startGateway(b, p)
			c := newCaller(g.aws)
			if _, err := c.signIn("user0"); err != nil {
				b.Fatal(err)
			}
			parallel(b, g, func(i int) error {
				_, err := c.signIn(fmt.Sprintf("user%d", i%users))
				return err
			})
		})
	}
}
