package awscurl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/sigv4"
)

// defaultRegion is the signing region when neither --region nor the AWS
// config chain (AWS_REGION, AWS_DEFAULT_REGION, the profile's region) names
// one.
const defaultRegion = "us-east-1"

// constError is an error that can be a constant.
type constError string

func (e constError) Error() string { return string(e) }

// errNotLoopback is returned by the credential chain's dialer for any
// address that is not a loopback address.
const errNotLoopback = constError("gatehouse curl only lets the AWS credential chain reach loopback addresses")

// loopbackOnly is a net.Dialer Control function that refuses to connect to
// anything but a loopback IP. It runs after name resolution and before the
// connect system call, so a refused address never sees a packet.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("dial %s: %w", address, errNotLoopback)
	}
	return nil
}

// credentialsHTTPClient is the HTTP client of the AWS SDK's credential
// providers (STS, SSO, container endpoints): no proxy, and a dialer that
// reaches loopback addresses only. It is a BuildableClient because the SDK
// needs one to apply AWS_CA_BUNDLE.
func credentialsHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithTransportOptions(func(t *http.Transport) { t.Proxy = nil }).
		WithDialerOptions(func(d *net.Dialer) { d.Control = loopbackOnly })
}

// awsIdentity is what the AWS chain resolved: the credentials, where they
// came from (for -v) and the region.
type awsIdentity struct {
	creds  sigv4.Credentials
	source string
	region string
}

// loadCredentials resolves credentials and the region from the standard AWS
// chain (config.LoadDefaultConfig): environment variables, the shared config
// and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE),
// AWS_PROFILE or profile, and whatever those name (credential_process, SSO,
// role_arn, web identity, container endpoints).
//
// The EC2 instance metadata service is disabled: with nothing configured the
// SDK would otherwise try 169.254.169.254 and wait for it. Every connection
// the SDK makes goes through loopbackOnly, so it can reach a gatehouse
// awsEndpoints listener (AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566) but
// nothing off the machine.
func loadCredentials(ctx context.Context, profile, region string) (*awsIdentity, error) {
	httpClient := credentialsHTTPClient()
	opts := []func(*config.LoadOptions) error{
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
		config.WithHTTPClient(httpClient),
		// The container-endpoint provider builds its own client unless
		// given one.
		config.WithEndpointCredentialOptions(func(o *endpointcreds.Options) { o.HTTPClient = httpClient }),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, errNoCredentials(nil)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	var opErr *smithy.OperationError
	switch {
	case errors.As(err, &opErr) && opErr.ServiceID == "ec2imds":
		// The chain fell through to the (disabled) instance metadata
		// service: nothing else is configured. The SDK's message would
		// only talk about IMDS.
		return nil, errNoCredentials(nil)
	case err != nil:
		return nil, errNoCredentials(err)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return nil, errNoCredentials(errors.New("the provider returned an empty access key id or secret"))
	}
	id := &awsIdentity{
		creds: sigv4.Credentials{
			AccessKeyID:     c.AccessKeyID,
			SecretAccessKey: c.SecretAccessKey,
			SessionToken:    c.SessionToken,
		},
		source: c.Source,
		region: cfg.Region,
	}
	if c.CanExpire {
		id.creds.Expires = c.Expires
	}
	if id.region == "" {
		id.region = defaultRegion
	}
	return id, nil
}

// errNoCredentials explains where credentials are looked for.
func errNoCredentials(cause error) error {
	const msg = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
		"(and AWS_SESSION_TOKEN for temporary credentials), or a profile in ~/.aws/credentials " +
		"or ~/.aws/config selected with --profile or AWS_PROFILE"
	if cause == nil {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %w", msg, cause)
}
