package lambda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// Defaults of RemoteOptions.
const (
	// DefaultRemoteRegion is the region used when RemoteOptions.Region is "",
	// as Options.Region defaults for local functions.
	DefaultRemoteRegion = "us-east-1"
	// DefaultRemoteTimeout bounds one remote invocation when
	// RemoteOptions.Timeout is 0: Lambda's largest function timeout
	// (900 seconds) plus a margin for the round trip, so a call that
	// could still succeed on Lambda is never cut short.
	DefaultRemoteTimeout = 905 * time.Second
	// PlaceholderAccessKeyID and PlaceholderSecretAccessKey are the
	// credentials a Remote signs with when the endpoint is a loopback
	// address and the AWS credential chain has nothing. They are the values
	// LocalStack documents ("test"/"test"); the Runtime Interface Emulator
	// ignores the signature altogether.
	PlaceholderAccessKeyID     = "test"
	PlaceholderSecretAccessKey = "test"
)

// RemoteCredentials are static AWS credentials for a Remote. They never
// appear in logs or formatted output: String, GoString and LogValue redact
// them.
type RemoteCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is for temporary credentials; "" means none.
	SessionToken string
}

// IsZero reports whether no credentials are set.
func (c RemoteCredentials) IsZero() bool {
	return c.AccessKeyID == "" && c.SecretAccessKey == "" && c.SessionToken == ""
}

// String redacts the credentials, keeping only whether they are set.
func (c RemoteCredentials) String() string {
	if c.IsZero() {
		return "RemoteCredentials{}"
	}
	return "RemoteCredentials{<redacted>}"
}

// GoString redacts the credentials for %#v.
func (c RemoteCredentials) GoString() string { return c.String() }

// LogValue redacts the credentials for log/slog.
func (c RemoteCredentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// RemoteOptions configure a Remote: a function that runs somewhere that
// speaks the Lambda Invoke API (2015-03-31), such as AWS Lambda itself,
// LocalStack or the AWS Lambda Runtime Interface Emulator.
type RemoteOptions struct {
	// Endpoint is the base URL of the Invoke API, e.g.
	// http://127.0.0.1:9001 (the SDK's BaseEndpoint: the request goes to
	// Endpoint + /2015-03-31/functions/{name}/invocations). "" means the
	// real AWS Lambda endpoint of Region; AWS_ENDPOINT_URL and
	// AWS_ENDPOINT_URL_LAMBDA are not consulted.
	Endpoint string
	// Region signs the requests and, with no Endpoint, picks the AWS
	// endpoint; "" means DefaultRemoteRegion. Emulators accept any region.
	Region string
	// FunctionName is the function's name (or ARN, or name:qualifier) at the
	// remote end; "" means the name Invoke is called with. The Runtime
	// Interface Emulator serves only the name "function".
	FunctionName string
	// Timeout bounds each invocation, round trip included; it is applied on
	// top of the caller's ctx. 0 means DefaultRemoteTimeout.
	Timeout time.Duration
	// Credentials are static credentials. When they are zero, the standard
	// AWS chain is used (environment, shared config and credentials files,
	// profiles, SSO, web identity, container endpoints; the EC2 instance
	// metadata service is disabled). When that chain has nothing and
	// Endpoint is a loopback address (127.0.0.0/8, ::1, localhost),
	// PlaceholderAccessKeyID/PlaceholderSecretAccessKey are used, once
	// logged at Info; otherwise NewRemote fails.
	Credentials RemoteCredentials
	// Logger receives the placeholder-credentials notice and a Debug record
	// per failed invocation (never payloads or credentials); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Remote invokes one remote function through the AWS SDK's Lambda client,
// with the contract of Host.Invoke. It is safe for concurrent use; Close
// releases its idle connections.
//
// Retries are disabled: a Lambda invocation is not idempotent, and the
// gateway decides what a failure means (API Gateway itself does not retry a
// Lambda integration).
type Remote struct {
	client       *awslambda.Client
	transport    *http.Transport
	functionName string
	endpoint     string // for messages: the URL, or "AWS Lambda in <region>"
	timeout      time.Duration
	logger       *slog.Logger
}

// NewRemote validates opts, resolves the credentials (ctx bounds that
// resolution, which may call STS or SSO) and builds the client. No request
// is sent to the function's endpoint.
func NewRemote(ctx context.Context, opts RemoteOptions) (*Remote, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	region := opts.Region
	if region == "" {
		region = DefaultRemoteRegion
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultRemoteTimeout
	}

	var errs []error
	endpoint, loopback, err := parseEndpoint(opts.Endpoint)
	if err != nil {
		errs = append(errs, err)
	}
	if timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", opts.Timeout))
	}
	c := opts.Credentials
	if !c.IsZero() && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		errs = append(errs, errors.New("credentials need both an access key id and a secret access key"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("remote function %s: %w", opts.FunctionName, err)
	}
	where := endpoint
	if where == "" {
		where = "AWS Lambda in " + region
	}

	var provider aws.CredentialsProvider
	if !c.IsZero() {
		provider = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	} else {
		provider, err = chainCredentials(ctx)
		var none *noCredentialsError
		switch {
		case errors.As(err, &none) && loopback:
			logger.Info("remote function: no AWS credentials found; signing with the placeholder credentials emulators accept",
				"function", opts.FunctionName, "endpoint", endpoint, "accessKeyId", PlaceholderAccessKeyID)
			provider = credentials.NewStaticCredentialsProvider(PlaceholderAccessKeyID, PlaceholderSecretAccessKey, "")
		case err != nil:
			return nil, fmt.Errorf("remote function %s at %s: %w", opts.FunctionName, where, err)
		}
	}

	tr := newRemoteTransport()
	client := awslambda.New(awslambda.Options{
		Region:      region,
		Credentials: provider,
		HTTPClient:  &http.Client{Transport: tr},
		Retryer:     aws.NopRetryer{},
		Logger:      logging.Nop{},
		// ClientLogMode stays zero: the SDK logs neither requests nor
		// bodies, so payloads never reach a log.
	}, func(o *awslambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Remote{
		client:       client,
		transport:    tr,
		functionName: opts.FunctionName,
		endpoint:     where,
		timeout:      timeout,
		logger:       logger,
	}, nil
}

// newRemoteTransport is the HTTP transport of a Remote. There is no
// response-header timeout: a RequestResponse invocation answers only when
// the function is done, so the per-call timeout (ctx) bounds the wait.
func newRemoteTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment, // never used for loopback hosts
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
	}
}

// parseEndpoint checks an Endpoint and reports whether its host is a
// loopback address. "" is valid (the real AWS endpoint).
func parseEndpoint(s string) (endpoint string, loopback bool, err error) {
	if s == "" {
		return "", false, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false, fmt.Errorf("endpoint %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", false, fmt.Errorf("endpoint %q: want http:// or https:// with a host, and no user, query or fragment", s)
	}
	return strings.TrimSuffix(s, "/"), isLoopbackHost(u.Hostname()), nil
}

// isLoopbackHost reports whether host is localhost or a loopback IP. Names
// are not resolved.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// noCredentialsError means the AWS credential chain had no source at all.
type noCredentialsError struct{}

func (*noCredentialsError) Error() string {
	return "no AWS credentials: set static credentials, or configure the standard AWS chain " +
		"(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared files, SSO, web identity, " +
		"a container endpoint); the EC2 instance metadata service is not consulted"
}

// chainCredentials resolves the standard AWS credential chain with the EC2
// instance metadata service disabled. Only the credentials are taken from
// the shared configuration: region, endpoint, retries and transport are the
// Remote's own. A *noCredentialsError means the chain had nothing; any other
// error is a source that is configured but failed.
func chainCredentials(ctx context.Context) (aws.CredentialsProvider, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, &noCredentialsError{}
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	var opErr *smithy.OperationError
	switch {
	case errors.As(err, &opErr) && opErr.ServiceID == "ec2imds":
		// The chain fell through to the (disabled) instance metadata
		// service: nothing else is configured.
		return nil, &noCredentialsError{}
	case err != nil:
		return nil, fmt.Errorf("AWS credentials: %w", err)
	case creds.AccessKeyID == "" || creds.SecretAccessKey == "":
		return nil, &noCredentialsError{}
	}
	return cfg.Credentials, nil
}

// Invoke runs the remote function synchronously (InvocationType
// RequestResponse) with payload as its event, with the contract of
// Host.Invoke. function is the gatehouse name; the remote name is
// RemoteOptions.FunctionName, or function when that is "". An empty payload
// is sent as {}.
//
// It returns exactly one of: the function's response payload; a
// *FunctionError (result its payload) when the response carries
// X-Amz-Function-Error, with Type and Message read from errorType and
// errorMessage; or an error. Errors are the ctx error when ctx ended, else an
// *InvokeError: TooManyRequestsException, ResourceNotFoundException,
// RequestTooLargeException and InvalidRequestContentException keep their
// Code, and everything else (another AWS error, a 5xx, a refused connection,
// RemoteOptions.Timeout) is CodeService with the cause in Err.
func (r *Remote) Invoke(ctx context.Context, function string, payload []byte) (result []byte, fnErr *FunctionError, err error) {
	name := r.functionName
	if name == "" {
		name = function
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	callCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	start := time.Now()
	out, err := r.client.Invoke(callCtx, &awslambda.InvokeInput{
		FunctionName:   aws.String(name),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("invoke %s: %w", function, ctx.Err())
		}
		ie := r.invokeError(name, err, callCtx.Err() != nil)
		r.logger.LogAttrs(ctx, slog.LevelDebug, "remote invoke failed",
			slog.String("function", function), slog.String("endpoint", r.endpoint),
			slog.String("code", string(ie.Code)), slog.Duration("duration", time.Since(start)),
			slog.String("requestId", requestID(err)))
		return nil, nil, ie
	}
	result = out.Payload
	if result == nil {
		result = []byte{}
	}
	if kind := aws.ToString(out.FunctionError); kind != "" {
		fe := newFunctionError(result)
		fe.Kind = kind
		return result, fe, nil
	}
	return result, nil, nil
}

// invokeError maps an error of the SDK's Invoke to an *InvokeError. Only
// the AWS error type decides the Code, never the HTTP status alone.
func (r *Remote) invokeError(name string, err error, timedOut bool) *InvokeError {
	var (
		throttled  *types.TooManyRequestsException
		notFound   *types.ResourceNotFoundException
		tooLarge   *types.RequestTooLargeException
		badContent *types.InvalidRequestContentException
		apiErr     smithy.APIError
	)
	switch {
	case errors.As(err, &throttled):
		return &InvokeError{Code: CodeThrottled, Message: throttled.ErrorMessage(), Err: err}
	case errors.As(err, &notFound):
		return &InvokeError{Code: CodeNotFound, Message: notFound.ErrorMessage(), Err: err}
	case errors.As(err, &tooLarge):
		return &InvokeError{Code: CodeRequestTooLarge, Message: tooLarge.ErrorMessage(), Err: err}
	case errors.As(err, &badContent):
		return &InvokeError{Code: CodeInvalidRequestContent, Message: badContent.ErrorMessage(), Err: err}
	case timedOut:
		return &InvokeError{Code: CodeService,
			Message: fmt.Sprintf("function %s at %s did not answer within %s", name, r.endpoint, r.timeout), Err: err}
	case errors.As(err, &apiErr):
		return &InvokeError{Code: CodeService,
			Message: fmt.Sprintf("function %s at %s: %s: %s", name, r.endpoint, apiErr.ErrorCode(), apiErr.ErrorMessage()), Err: err}
	}
	return &InvokeError{Code: CodeService, Message: fmt.Sprintf("function %s at %s: no answer", name, r.endpoint), Err: err}
}

// requestID is the x-amzn-RequestId of a failed call, if the server sent
// one.
func requestID(err error) string {
	var re interface{ ServiceRequestID() string }
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

// Close releases the idle connections. Invocations in flight are not
// interrupted (their ctx is); a Remote may still be used after Close.
func (r *Remote) Close() error {
	r.transport.CloseIdleConnections()
	return nil
}
