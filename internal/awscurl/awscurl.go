// Package awscurl is `gatehouse curl`: a curl-like HTTP client that signs
// its requests with AWS Signature Version 4, for calling API Gateway (or
// gatehouse) methods whose authorization is AWS_IAM.
//
//	gatehouse curl -X POST -H 'Content-Type: application/json' \
//	    -d '{"name":"rex"}' https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
//
// Credentials come from the standard AWS chain of aws-sdk-go-v2 (environment
// variables, shared config and credentials files, --profile), with the EC2
// instance metadata service disabled and the chain's own connections kept
// on loopback (see loadCredentials). Flags, output and exit codes follow curl
// where curl has an equivalent; the flags are listed by `gatehouse curl
// --help`. --sign-host signs for one host while connecting to another, for a
// proxy or CDN in front of the API (seed 001), and --presign prints a
// presigned URL instead of sending the request.
package awscurl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Exit codes. Those above 2 are curl's, with curl's meaning.
const (
	exitOK           = 0
	exitFailure      = 1  // anything else (curl: unsupported protocol)
	exitUsage        = 2  // bad command line, no credentials (curl: failed to initialize)
	exitURLMalformed = 3  // the URL cannot be parsed
	exitResolve      = 6  // could not resolve host
	exitConnect      = 7  // could not connect
	exitHTTPError    = 22 // --fail and a status of 400 or more
	exitWrite        = 23 // writing the output failed
	exitRead         = 26 // reading a --data file or stdin failed
	exitTimeout      = 28 // --max-time elapsed
	exitSSLConnect   = 35 // TLS handshake failed
	exitEmptyReply   = 52 // the server closed without answering
	exitRecv         = 56 // receiving the response failed
	exitPeerCert     = 60 // the server's certificate did not verify
)

// exitError carries the exit code of a failure. Errors without one exit
// with exitFailure.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode attaches an exit code to err.
func withCode(code int, err error) error {
	return &exitError{code: code, err: err}
}

// exitCode returns the exit code err carries.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var xe *exitError
	if errors.As(err, &xe) {
		return xe.code
	}
	return exitFailure
}

// Run runs `gatehouse curl` with args (the arguments after "curl") and
// returns the process exit code: 0 on success (whatever the HTTP status,
// as curl, unless --fail), 2 for a bad command line or missing
// credentials, and curl's codes for transfer failures (6, 7, 22, 23, 26,
// 28, 35, 52, 56, 60). The body goes to stdout (or --output), and errors
// to stderr prefixed "gatehouse curl: ". stdin is read for --data @-.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return e.run(ctx, args)
}

// env is one invocation's input, outputs and clock.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time // the signing time
}

// run parses args, does the request and reports the outcome.
func (e *env) run(ctx context.Context, args []string) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "gatehouse curl: %v\ngatehouse curl: try 'gatehouse curl --help' for more information\n", err)
		return exitUsage
	}
	if o.help {
		fmt.Fprint(e.stdout, usageText())
		return exitOK
	}
	err = e.do(ctx, o)
	code := exitCode(err)
	if err == nil {
		return code
	}
	// -s hides transfer failures, as curl does, unless -S; a bad command
	// line or missing credentials is always explained.
	if o.silent && !o.showError && code != exitUsage {
		return code
	}
	if code > exitUsage {
		fmt.Fprintf(e.stderr, "gatehouse curl: (%d) %v\n", code, err)
	} else {
		fmt.Fprintf(e.stderr, "gatehouse curl: %v\n", err)
	}
	return code
}
