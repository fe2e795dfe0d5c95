package sts

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Directory is what STS reads from the IAM store: access keys, users and
// roles from its in-memory snapshot. *store.Store implements it. Lookups
// must not block.
type Directory interface {
	Identity(accessKeyID string) (store.Identity, bool)
	User(userName string) (store.UserIdentity, bool)
	Role(roleName string) (store.RoleIdentity, bool)
	AccountID() string
}

// Principal types, as aws:PrincipalType names them.
const (
	TypeUser        = "User"
	TypeAssumedRole = "AssumedRole"
)

// Principal is the caller behind an access key: an IAM user with a
// long-term key, or the holder of temporary credentials (a role session,
// or a user session from GetSessionToken). It is what the gateway's
// AWS_IAM methods and the STS actions authorize.
type Principal struct {
	// AccessKeyID and Secret are the credentials the request is signed
	// with; SessionToken is "" for a long-term key.
	AccessKeyID  string
	Secret       string
	SessionToken string
	// Issued and Expires bound temporary credentials; both are zero for a
	// long-term key.
	Issued  time.Time
	Expires time.Time
	// Type is TypeUser (a user, with or without a session) or
	// TypeAssumedRole.
	Type string
	// ARN is the user's ARN, or the role session's
	// "arn:aws:sts::{account}:assumed-role/{role}/{session}".
	ARN string
	// UserID is aws:userid and $context.identity.caller/user: the user's
	// "AIDA..." or the session's "AROA...:{session}".
	UserID string
	// UserName is the IAM user name, "" for role sessions.
	UserName string
	// AccountID is the principal's account.
	AccountID string
	// Policies are the identity policies of the user or role (from the
	// store's current snapshot, so that policy changes apply to existing
	// sessions as on AWS).
	Policies []*iam.Policy
	// SessionPolicy narrows Policies (iam.EvaluateSession); nil for none.
	SessionPolicy *iam.Policy
	// RoleName, RoleID and SessionName describe a role session.
	RoleName, RoleID, SessionName string
	// SourceIdentity is the session's source identity, "" for none.
	SourceIdentity string
	// Web is the web identity behind an AssumeRoleWithWebIdentity
	// session, nil otherwise.
	Web *WebIdentity
}

// Temporary reports whether the principal signs with temporary
// credentials.
func (p *Principal) Temporary() bool { return p.SessionToken != "" }

// Evaluate evaluates the principal's permissions for r: its identity
// policies, narrowed by its session policy.
func (p *Principal) Evaluate(r *iam.Request) iam.Result {
	return iam.EvaluateSession(r, p.SessionPolicy, p.Policies...)
}

// Context fills the caller part of an IAM evaluation context.
func (p *Principal) Context(c *iam.Context) {
	c.PrincipalARN, c.PrincipalAccount, c.PrincipalType, c.UserID = p.ARN, p.AccountID, p.Type, p.UserID
	c.Username = p.UserName
	if p.Type != TypeUser {
		c.Username = ""
	}
	if p.Temporary() {
		// aws:TokenIssueTime: a Deny on it revokes older sessions, as
		// IAM's "Revoke active sessions" does.
		c.Set("aws:TokenIssueTime", p.Issued.UTC().Format(time.RFC3339))
	}
}

// maxCachedSessions bounds the decoded-token cache.
const maxCachedSessions = 10000

// cached is a decoded token, with its session policy compiled and, for
// a role session, its aws:userid and ARN made once rather than per
// request (they follow from the token and the account: a session is
// valid only while its role keeps the id it was issued for).
type cached struct {
	token       string
	sess        *session
	policy      *iam.Policy
	account     string // the account userID and arn were made for
	userID, arn string
}

// Authority resolves access keys to principals and issues temporary
// credentials. Temporary credentials are self-verifying: the session
// token is the sealed session (AES-256-GCM under a key derived from the
// store key), so any gateway node that shares the store (and so its key)
// accepts what another issued, with nothing written to the database. A
// small per-process cache of decoded tokens saves the decryption on the
// hot path; it is only a cache. An Authority is safe for concurrent use.
type Authority struct {
	dir    Directory
	sealer *sealer
	now    func() time.Time

	mu    sync.RWMutex
	cache map[string]*cached // by access key id
}

// NewAuthority returns an Authority over dir whose tokens are sealed with
// key (32 bytes; store.DeriveKey(TokenKeyPurpose) in production). now nil
// means time.Now.
func NewAuthority(dir Directory, key []byte, now func() time.Time) (*Authority, error) {
	sl, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Authority{dir: dir, sealer: sl, now: now, cache: make(map[string]*cached)}, nil
}

// AccountID returns the account of the store's principals.
func (a *Authority) AccountID() string { return a.dir.AccountID() }

// Principal resolves the access key a request is signed with. token is
// the request's X-Amz-Security-Token ("" for none). ok is false when the
// key is unknown or inactive, when a token does not open, belongs to
// another key, or names a user or role that no longer exists (or was
// re-created: the ids differ): AWS answers all of these "The security
// token included in the request is invalid.". An expired session still
// resolves, with Expires in the past, so that the signature is checked
// first and the expiry answered after it, as AWS does.
func (a *Authority) Principal(accessKeyID, token string) (Principal, bool) {
	if token == "" {
		id, ok := a.dir.Identity(accessKeyID)
		if !ok || !id.Active() {
			return Principal{}, false
		}
		return Principal{AccessKeyID: id.AccessKeyID, Secret: string(id.Secret), Type: TypeUser, ARN: id.UserARN,
			UserID: id.UserID, UserName: id.UserName, AccountID: id.AccountID, Policies: id.Policies}, true
	}
	c, ok := a.decode(accessKeyID, token)
	if !ok {
		return Principal{}, false
	}
	s := c.sess
	p := Principal{AccessKeyID: s.AccessKeyID, Secret: s.Secret, SessionToken: token,
		Issued: time.Unix(s.Issued, 0).UTC(), Expires: time.Unix(s.Expires, 0).UTC(),
		SessionPolicy: c.policy, SourceIdentity: s.SourceIdentity, Web: s.Web}
	switch s.Kind {
	case kindUser:
		u, ok := a.dir.User(s.Name)
		if !ok || u.UserID != s.ID {
			return Principal{}, false
		}
		p.Type, p.ARN, p.UserID, p.UserName, p.AccountID, p.Policies = TypeUser, u.ARN, u.UserID, u.UserName, u.AccountID, u.Policies
	case kindRole:
		r, ok := a.dir.Role(s.Name)
		if !ok || r.RoleID != s.ID {
			return Principal{}, false
		}
		p.Type, p.AccountID, p.Policies = TypeAssumedRole, r.AccountID, r.Policies
		p.RoleName, p.RoleID, p.SessionName = r.RoleName, r.RoleID, s.SessionName
		if c.account == r.AccountID && r.RoleName == s.Name {
			p.ARN, p.UserID = c.arn, c.userID
		} else {
			p.ARN = AssumedRoleARN(r.AccountID, r.RoleName, s.SessionName)
			p.UserID = r.RoleID + ":" + s.SessionName
		}
	default:
		return Principal{}, false
	}
	return p, true
}

// AssumedRoleARN is a role session's ARN:
// arn:aws:sts::{account}:assumed-role/{role}/{session}. The role's path
// is not part of it, as on AWS.
func AssumedRoleARN(account, roleName, sessionName string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + sessionName
}

// decode opens a token for accessKeyID, through the cache.
func (a *Authority) decode(accessKeyID, token string) (*cached, bool) {
	a.mu.RLock()
	c := a.cache[accessKeyID]
	a.mu.RUnlock()
	if c != nil && subtle.ConstantTimeCompare([]byte(c.token), []byte(token)) == 1 {
		return c, true
	}
	s, err := a.sealer.open(token)
	if err != nil || subtle.ConstantTimeCompare([]byte(s.AccessKeyID), []byte(accessKeyID)) != 1 {
		return nil, false
	}
	c = &cached{token: token, sess: s}
	if s.Kind == kindRole {
		c.account = a.dir.AccountID()
		c.arn, c.userID = AssumedRoleARN(c.account, s.Name, s.SessionName), s.ID+":"+s.SessionName
	}
	if len(s.Policy) > 0 {
		// Checked when issued; a token that opens was issued by a node
		// that checked it, so failing here means a changed grammar:
		// refuse rather than drop the narrowing.
		if c.policy, err = iam.ParsePolicy("session policy", iam.IdentityPolicy, s.Policy); err != nil {
			return nil, false
		}
	}
	a.mu.Lock()
	if len(a.cache) >= maxCachedSessions {
		for k := range a.cache { // evict an arbitrary entry
			delete(a.cache, k)
			break
		}
	}
	a.cache[accessKeyID] = c
	a.mu.Unlock()
	return c, true
}

// Credentials are temporary credentials as STS returns them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// issue mints temporary credentials for sess (whose Kind, Name, ID and
// session fields the caller has set) lasting d, with a session token of
// at least minSize bytes (MinimumSessionTokenSize; 0 for no minimum).
func (a *Authority) issue(sess *session, d time.Duration, minSize int) (Credentials, error) {
	id, err := newAccessKeyID()
	if err != nil {
		return Credentials{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return Credentials{}, err
	}
	now := a.now().UTC().Truncate(time.Second)
	sess.AccessKeyID, sess.Secret = id, secret
	sess.Issued, sess.Expires = now.Unix(), now.Add(d).Unix()
	token, err := a.sealer.seal(sess)
	if err == nil && len(token) < minSize {
		// A token is base64 of 29 bytes of framing and the JSON: pad the
		// JSON ("z":"000…", 7 bytes of framing) to the smallest length
		// whose token reaches minSize.
		box := len(token)/4*3 - strings.Count(token[len(token)-2:], "=")
		need := 3*((minSize+3)/4-1) + 1 // the fewest box bytes whose base64 reaches minSize
		sess.Pad = strings.Repeat("0", max(need-box-7, 1))
		token, err = a.sealer.seal(sess)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("issue credentials: %w", err)
	}
	return Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expiration: now.Add(d)}, nil
}
