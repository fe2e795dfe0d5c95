package iam

import (
	"errors"
	"fmt"
	"strings"
)

// ARN is an Amazon Resource Name split into its six colon-separated parts:
// arn:partition:service:region:account-id:resource
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
// The resource part keeps any further ':' and '/' (for example
// "function:name:alias" or "a1b2c3/prod/GET/pets"). The zero value is not
// a valid ARN.
type ARN struct {
	// Partition is "aws", "aws-cn", "aws-us-gov", ...; never empty in a
	// parsed ARN.
	Partition string
	// Service is the service namespace ("iam", "execute-api"); never
	// empty in a parsed ARN.
	Service string
	// Region is empty for global services such as IAM.
	Region string
	// AccountID is the 12-digit account, empty for some resources (S3
	// buckets), or "aws" for AWS-owned resources.
	AccountID string
	// Resource is everything after the fifth ':'; it may be empty only if
	// the ARN ends with that ':'.
	Resource string
}

// ErrInvalidARN is wrapped by every error ParseARN returns.
var ErrInvalidARN = errors.New("invalid ARN")

// ParseARN splits s into its parts. It requires the "arn:" prefix, at
// least six parts, and a non-empty partition and service; it does not
// check that the service, region or account exist. For a parsed ARN,
// a.String() == s.
func ParseARN(s string) (ARN, error) {
	part, svc, region, acct, res, ok := splitARN(s)
	if !ok {
		return ARN{}, fmt.Errorf("parse %q: %w: want arn:partition:service:region:account-id:resource", s, ErrInvalidARN)
	}
	if part == "" || svc == "" {
		return ARN{}, fmt.Errorf("parse %q: %w: empty partition or service", s, ErrInvalidARN)
	}
	return ARN{Partition: part, Service: svc, Region: region, AccountID: acct, Resource: res}, nil
}

// String returns the ARN in its text form.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// splitARN splits s into the five parts after "arn:" without allocating.
func splitARN(s string) (partition, service, region, account, resource string, ok bool) {
	rest, found := strings.CutPrefix(s, "arn:")
	if !found {
		return "", "", "", "", "", false
	}
	var parts [4]string
	for i := range parts {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return "", "", "", "", "", false
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	return parts[0], parts[1], parts[2], parts[3], rest, true
}

// arnParts returns the six parts of s (including "arn"), for the ARN
// condition operators, which match each part separately.
func arnParts(s string) ([6]string, bool) {
	p, svc, r, a, res, ok := splitARN(s)
	return [6]string{"arn", p, svc, r, a, res}, ok
}
