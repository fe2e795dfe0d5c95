package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	star      bool // "Principal": "*"
	aws       []awsPrincipal
	federated []string
	service   []string
	canonical []string
	raw       map[string][]string // for MarshalJSON, nil when star
}

type awsKind uint8

const (
	awsAny     awsKind = iota // {"AWS": "*"}
	awsAccount                // "123456789012" or "arn:aws:iam::123456789012:root"
	awsARN                    // a user, role, role session, federated user
)

type awsPrincipal struct {
	kind    awsKind
	account string
	arn     string
	// role, when arn names an IAM role: the role name, partition and
	// account, so that its sessions (arn:aws:sts::acct:assumed-role/Name/s)
	// match too.
	roleName  string
	partition string
}

// parsePrincipal reads "*" or {"AWS"|"Federated"|"Service"|"CanonicalUser":
// string-or-array}
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func parsePrincipal(raw json.RawMessage) (*principalSet, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode principal: %w", err)
		}
		if s != "*" {
			return nil, fmt.Errorf("%q: a string principal must be \"*\"", s)
		}
		return &principalSet{star: true}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New(`principal must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`)
	}
	ps := &principalSet{raw: make(map[string][]string)}
	for _, typ := range sortedKeys(m) {
		vals, err := stringList(m[typ])
		if err != nil || len(vals) == 0 {
			return nil, fmt.Errorf("%q: %s", typ, msgStringOrArray)
		}
		ps.raw[typ] = vals
		for _, v := range vals {
			switch typ {
			case "AWS":
				a, err := parseAWSPrincipal(v)
				if err != nil {
					return nil, err
				}
				ps.aws = append(ps.aws, a)
			case "Federated":
				ps.federated = append(ps.federated, v)
			case "Service":
				ps.service = append(ps.service, v)
			case "CanonicalUser":
				ps.canonical = append(ps.canonical, v)
			default:
				return nil, fmt.Errorf("unknown principal type %q (allowed: AWS, Federated, Service, CanonicalUser)", typ)
			}
		}
	}
	return ps, nil
}

func parseAWSPrincipal(v string) (awsPrincipal, error) {
	if v == "*" {
		return awsPrincipal{kind: awsAny}, nil
	}
	if len(v) == 12 && allDigits(v) {
		return awsPrincipal{kind: awsAccount, account: v}, nil
	}
	bad := fmt.Errorf(`"AWS":%q: want "*", an account id, or an IAM or STS ARN without wildcards`, v)
	a, err := ParseARN(v)
	if err != nil || strings.ContainsAny(v, "*?") || (a.Service != "iam" && a.Service != "sts") || len(a.AccountID) != 12 || !allDigits(a.AccountID) {
		return awsPrincipal{}, bad
	}
	if a.Service == "iam" && a.Resource == "root" {
		return awsPrincipal{kind: awsAccount, account: a.AccountID}, nil
	}
	p := awsPrincipal{kind: awsARN, arn: v, account: a.AccountID, partition: a.Partition}
	if a.Service == "iam" && strings.HasPrefix(a.Resource, "role/") {
		p.roleName = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	}
	return p, nil
}

func (ps *principalSet) marshal() any {
	if ps.star {
		return "*"
	}
	return ps.raw
}

// match reports whether the caller described by ctx is one of the
// principals. "*" (and {"AWS": "*"}) matches everyone, anonymous callers
// included. An account (id or root ARN) matches every principal of that
// account: in a resource policy it delegates to the account's own IAM
// policies. A role ARN also matches that role's sessions, as IAM converts
// it. Other ARNs match exactly.
func (ps *principalSet) match(ctx *Context) bool {
	if ps.star {
		return true
	}
	var arn, acct, fed, svc string
	if ctx != nil {
		arn, fed, svc = ctx.PrincipalARN, ctx.FederatedProvider, ctx.PrincipalServiceName
		if arn != "" {
			acct = ctx.principalAccount()
		}
	}
	for i := range ps.aws {
		a := &ps.aws[i]
		switch a.kind {
		case awsAny:
			return true
		case awsAccount:
			if arn != "" && acct == a.account {
				return true
			}
		case awsARN:
			if arn == a.arn {
				return true
			}
			if a.roleName != "" && isSessionOf(arn, a) {
				return true
			}
		}
	}
	for _, f := range ps.federated {
		if fed != "" && fed == f {
			return true
		}
	}
	for _, s := range ps.service {
		if svc != "" && svc == s {
			return true
		}
	}
	return false
}

// isSessionOf reports whether arn is
// arn:{partition}:sts::{account}:assumed-role/{roleName}/{session}.
func isSessionOf(arn string, role *awsPrincipal) bool {
	part, svc, _, acct, res, ok := splitARN(arn)
	if !ok || svc != "sts" || part != role.partition || acct != role.account {
		return false
	}
	rest, ok := strings.CutPrefix(res, "assumed-role/")
	if !ok {
		return false
	}
	name, _, ok := strings.Cut(rest, "/")
	return ok && name == role.roleName
}
