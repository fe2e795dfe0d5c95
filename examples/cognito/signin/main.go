// Command signin runs seed 001's flow against gatehouse with
// aws-sdk-go-v2, changing only endpoints: sign in to the user pool
// (InitiateAuth), trade the ID token at the identity pool (GetId,
// GetCredentialsForIdentity), and sign GET /prod/whoami with the
// temporary credentials. See examples/cognito/gatehouse.yaml.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// settings are the example's ids and endpoints (flags).
type settings struct {
	endpoint, api, region, userPool, client, identityPool, username, password string
}

func main() {
	var s settings
	flag.StringVar(&s.endpoint, "endpoint", "http://127.0.0.1:4566", "gatehouse's awsEndpoints listener")
	flag.StringVar(&s.api, "api", "http://127.0.0.1:8080", "the gateway")
	flag.StringVar(&s.region, "region", "us-east-1", "region")
	flag.StringVar(&s.userPool, "user-pool", "us-east-1_Gatehouse1", "user pool id")
	flag.StringVar(&s.client, "client-id", "3n4b5urk1ft4fl3mg5e62d9ado", "app client id")
	flag.StringVar(&s.identityPool, "identity-pool", "us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b", "identity pool id")
	flag.StringVar(&s.username, "username", "alice", "user name")
	flag.StringVar(&s.password, "password", "Example-Passw0rd!", "password")
	flag.Parse()
	out, err := run(context.Background(), s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signin:", err)
		os.Exit(1)
	}
	fmt.Println(out)
}

// run signs in, gets credentials and calls the API; it returns the API's
// answer.
func run(ctx context.Context, s settings) (string, error) {
	up := cip.New(cip.Options{Region: s.region, BaseEndpoint: aws.String(s.endpoint)})
	auth, err := up.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(s.client),
		AuthParameters: map[string]string{"USERNAME": s.username, "PASSWORD": s.password}})
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	logins := map[string]string{"cognito-idp." + s.region + ".amazonaws.com/" + s.userPool: aws.ToString(auth.AuthenticationResult.IdToken)}
	idp := ci.New(ci.Options{Region: s.region, BaseEndpoint: aws.String(s.endpoint)})
	id, err := idp.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(s.identityPool), Logins: logins})
	if err != nil {
		return "", fmt.Errorf("get id: %w", err)
	}
	creds, err := idp.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
	if err != nil {
		return "", fmt.Errorf("get credentials: %w", err)
	}
	c := creds.Credentials
	req, err := http.NewRequestWithContext(ctx, "GET", s.api+"/prod/whoami", nil)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(nil)
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretKey),
		SessionToken: aws.ToString(c.SessionToken)}, req, hex.EncodeToString(sum[:]), "execute-api", s.region, time.Now())
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /prod/whoami: %s %s", resp.Status, body)
	}
	return string(body), err
}
