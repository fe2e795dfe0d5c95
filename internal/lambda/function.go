package lambda

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Defaults and limits, as Lambda has them.
const (
	// DefaultTimeout is Lambda's default function timeout, in seconds.
	DefaultTimeout = 3
	// MaxTimeout is Lambda's largest timeout, in seconds (15 minutes).
	MaxTimeout = 900
	// DefaultMemorySize is Lambda's default memory size, in MB.
	DefaultMemorySize = 128
	// DefaultQueueLimit is how many invocations of one function may wait for
	// a free slot when QueueLimit is 0.
	DefaultQueueLimit = 100
	// MaxRequestSize is Lambda's synchronous request payload limit (6 MB).
	MaxRequestSize = 6 * 1024 * 1024
	// MaxResponseSize is Lambda's synchronous response payload limit, as its
	// error message states it: 6 MB plus 100 bytes.
	MaxResponseSize = 6*1024*1024 + 100
	// initTimeout bounds the init phase (Lambda: 10 seconds).
	initTimeoutSeconds = 10
)

// Function is the configuration of one local Lambda function; gatehouse's
// config loader fills it from gatehouse.yaml or a template.
type Function struct {
	// Name is the function name (required), as in the function ARN.
	Name string
	// Runtime is the Lambda runtime identifier (required): nodejs* (e.g.
	// nodejs20.x), python3.* (e.g. python3.12), provided.al2023,
	// provided.al2, provided, or go1.x (runs the executable named by Handler).
	Runtime string
	// Handler is the handler string: "file.export" for Node.js,
	// "module.function" for Python; passed as _HANDLER to provided runtimes.
	Handler string
	// Code is the function's code: a directory, or a .zip file that is
	// extracted to a temporary directory (removed by Host.Close).
	Code string
	// Environment holds the function's own environment variables. Lambda's
	// reserved names (AWS_REGION, _HANDLER, ...) are refused, except the
	// credential variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
	// AWS_SESSION_TOKEN), which gatehouse never invents.
	Environment map[string]string
	// Timeout is the invocation timeout in seconds; 0 means DefaultTimeout (3).
	Timeout int
	// MemorySize is in MB; 0 means DefaultMemorySize (128). It is reported
	// to the function and in REPORT lines, not enforced.
	MemorySize int
	// Concurrency is the number of warm processes (and so of concurrent
	// invocations); 0 means runtime.NumCPU().
	Concurrency int
	// QueueLimit is how many invocations may wait for a busy function before
	// further ones are throttled; 0 means DefaultQueueLimit, negative means
	// no queue (throttle as soon as every process is busy, as Lambda does).
	QueueLimit int
}

// runtimeKind is the closed set of runtime families.
type runtimeKind int

const (
	kindProvided runtimeKind = iota + 1
	kindGo1x
	kindNode
	kindPython
)

func (f *Function) kind() (runtimeKind, error) {
	r := f.Runtime
	switch {
	case r == "provided" || r == "provided.al2" || r == "provided.al2023":
		return kindProvided, nil
	case r == "go1.x":
		return kindGo1x, nil
	case strings.HasPrefix(r, "nodejs"):
		return kindNode, nil
	case strings.HasPrefix(r, "python3"):
		return kindPython, nil
	}
	return 0, fmt.Errorf("runtime %q is not supported (allowed: nodejs*, python3.*, provided.al2023, provided.al2, provided, go1.x)", r)
}

// isReservedEnv reports whether Lambda refuses k in a function's environment
// ("Reserved keys used in this request: ..."). The credential variables are
// deliberately absent: see Function.Environment.
func isReservedEnv(k string) bool {
	switch k {
	case "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
		"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API",
		"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR":
		return true
	}
	return false
}

// normalize applies defaults and validates f; every problem is reported.
func (f Function) normalize() (Function, runtimeKind, error) {
	var errs []error
	if f.Name == "" {
		errs = append(errs, errors.New("name is required"))
	} else if !validName(f.Name) {
		errs = append(errs, fmt.Errorf("name %q: use 1-64 letters, digits, '-' or '_'", f.Name))
	}
	kind, err := f.kind()
	if err != nil {
		errs = append(errs, err)
	}
	if (kind == kindNode || kind == kindPython || kind == kindGo1x) && f.Handler == "" {
		errs = append(errs, fmt.Errorf("handler is required for runtime %s", f.Runtime))
	}
	if f.Timeout == 0 {
		f.Timeout = DefaultTimeout
	} else if f.Timeout < 1 || f.Timeout > MaxTimeout {
		errs = append(errs, fmt.Errorf("timeout %d: must be 1..%d seconds", f.Timeout, MaxTimeout))
	}
	if f.MemorySize == 0 {
		f.MemorySize = DefaultMemorySize
	} else if f.MemorySize < 128 || f.MemorySize > 10240 {
		errs = append(errs, fmt.Errorf("memorySize %d: must be 128..10240 MB", f.MemorySize))
	}
	if f.Concurrency == 0 {
		f.Concurrency = runtime.NumCPU()
	} else if f.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d: must not be negative", f.Concurrency))
	}
	switch {
	case f.QueueLimit == 0:
		f.QueueLimit = DefaultQueueLimit
	case f.QueueLimit < 0:
		f.QueueLimit = 0
	}
	var reserved []string
	for _, k := range sortedKeys(f.Environment) {
		switch {
		case isReservedEnv(k):
			reserved = append(reserved, k)
		case !validEnvName(k):
			errs = append(errs, fmt.Errorf("environment: invalid variable name %q", k))
		}
	}
	if len(reserved) > 0 {
		errs = append(errs, fmt.Errorf("environment: reserved keys cannot be set: %s", strings.Join(reserved, ", ")))
	}
	if f.Code == "" {
		errs = append(errs, errors.New("code is required"))
	} else if st, err := os.Stat(f.Code); err != nil {
		errs = append(errs, fmt.Errorf("code: %w", err))
	} else if !st.IsDir() && !strings.EqualFold(filepath.Ext(f.Code), ".zip") {
		errs = append(errs, fmt.Errorf("code %s: must be a directory or a .zip file", f.Code))
	}
	if err := errors.Join(errs...); err != nil {
		return f, 0, fmt.Errorf("function %q: %w", f.Name, err)
	}
	return f, kind, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func validName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// lambdaPath is the PATH of Lambda's managed runtimes; the host's PATH is
// appended so tools the function spawns are found.
const lambdaPath = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"

// environ builds the process environment: Lambda's documented variables,
// then the function's own (sorted, for stable output).
func (p *pool) environ(apiAddr, logStream string) []string {
	f := &p.fn
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + apiAddr,
		"_HANDLER=" + f.Handler,
		"AWS_LAMBDA_FUNCTION_NAME=" + f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(f.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + logStream,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + p.host.region,
		"AWS_DEFAULT_REGION=" + p.host.region,
		"LAMBDA_TASK_ROOT=" + p.codeDir,
		"LAMBDA_RUNTIME_DIR=" + p.host.runtimeDir,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=" + p.host.path,
	}
	switch p.kind {
	case kindNode, kindPython, kindGo1x:
		// Not set for OS-only (provided) runtimes, as on Lambda.
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_"+f.Runtime)
	}
	if p.kind == kindPython {
		env = append(env, "PYTHONUNBUFFERED=1", "PYTHONPYCACHEPREFIX="+filepath.Join(p.host.runtimeDir, "pycache"))
	}
	for _, k := range sortedKeys(f.Environment) {
		env = append(env, k+"="+f.Environment[k])
	}
	return env
}
