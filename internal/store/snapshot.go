package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// Access key statuses.
const (
	// StatusActive: the key signs requests.
	StatusActive = "Active"
	// StatusInactive: the key is kept but refused
	// (update-access-key --status Inactive).
	StatusInactive = "Inactive"
)

// Identity is everything the gateway needs to authenticate and authorize
// a request signed with one access key. It comes from an immutable
// snapshot: the Policies slice is shared and must not be modified.
type Identity struct {
	// AccessKeyID is the key's id, "AKIA...".
	AccessKeyID string
	// Secret is the secret access key, for the SigV4 signature check
	// (compare signatures with hmac.Equal, never the secret itself).
	Secret Secret
	// Status is StatusActive or StatusInactive; an inactive key must be
	// refused like an unknown one.
	Status string
	// UserName, UserID ("AIDA...") and UserARN describe the owning user,
	// for $context.identity.user / userArn / caller.
	UserName string
	UserID   string
	UserARN  string
	// AccountID is the account the user belongs to.
	AccountID string
	// Policies are the user's inline policies (by name), then the inline
	// policies of each of its groups (by group name, then policy name),
	// compiled as identity policies. Group policies are named
	// "<group>/<policy>" so that a decision names its source.
	Policies []*iam.Policy
}

// Active reports whether the key may sign requests.
func (id Identity) Active() bool { return id.Status == StatusActive }

// UserIdentity is an IAM user and its compiled policies, from the same
// snapshot as Identity: what temporary credentials issued to the user
// (GetSessionToken) are authorized with.
type UserIdentity struct {
	// UserName, UserID ("AIDA...") and ARN describe the user.
	UserName string
	UserID   string
	ARN      string
	// AccountID is the account the user belongs to.
	AccountID string
	// Policies are as in Identity.
	Policies []*iam.Policy
}

// RoleIdentity is an IAM role as STS and the gateway use it: its trust
// policy and its compiled inline policies. A role with a stored policy
// that no longer compiles is left out of the snapshot (nobody can assume
// it, and its sessions are refused).
type RoleIdentity struct {
	// RoleName, RoleID ("AROA..."), Path and ARN describe the role.
	RoleName string
	RoleID   string
	Path     string
	ARN      string
	// AccountID is the account the role belongs to.
	AccountID string
	// MaxSessionDuration is the longest session, in seconds (3600 to
	// 43200).
	MaxSessionDuration int
	// Trust is the compiled assume-role policy (iam.TrustPolicy).
	Trust *iam.Policy
	// Policies are the role's inline policies by name (identity
	// policies).
	Policies []*iam.Policy
}

// snapshot is the immutable state behind Identity.
type snapshot struct {
	rev   int64
	keys  map[string]Identity
	users map[string]UserIdentity // by nameKey
	roles map[string]RoleIdentity // by nameKey
	// compiled caches policies by name and document, so a reload only
	// parses documents that changed.
	compiled map[string]*iam.Policy
}

// Identity returns the identity of an access key from the in-memory
// snapshot: no database round trip and no allocation. ok is false for an
// unknown key. The snapshot reflects changes made by any process within
// about the poll interval (at once for writes through this Store).
func (s *Store) Identity(accessKeyID string) (Identity, bool) {
	id, ok := s.snap.Load().keys[accessKeyID]
	return id, ok
}

// User returns a user and its compiled policies from the in-memory
// snapshot; the name is matched regardless of case. ok is false for an
// unknown user, or one with a stored policy that no longer compiles.
func (s *Store) User(userName string) (UserIdentity, bool) {
	u, ok := s.snap.Load().users[nameKey(userName)]
	return u, ok
}

// Role returns a role, its trust policy and its compiled policies from the
// in-memory snapshot; the name is matched regardless of case. ok is false
// for an unknown role.
func (s *Store) Role(roleName string) (RoleIdentity, bool) {
	r, ok := s.snap.Load().roles[nameKey(roleName)]
	return r, ok
}

// Revision returns the revision counter of the loaded snapshot; it grows
// with every write transaction.
func (s *Store) Revision() int64 { return s.snap.Load().rev }

// Refresh reloads the snapshot from the database now, rather than waiting
// for the watcher.
func (s *Store) Refresh(ctx context.Context) error {
	keyErrs, err := s.reload(ctx)
	if err != nil {
		return err
	}
	for _, e := range keyErrs {
		s.log.Error("iam store: access key left out of the snapshot", "err", e)
	}
	return nil
}

type userRow struct {
	name, id, path string
	policies       []*iam.Policy
	broken         bool
}

// reload reads everything in one read transaction and swaps in a new
// snapshot. Keys whose secret cannot be decrypted are left out and
// returned as keyErrs (Open fails on them; the watcher logs them). Users
// with a stored policy that no longer compiles get no keys: denying is
// safer than evaluating without a Deny.
func (s *Store) reload(ctx context.Context) (keyErrs []error, err error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	var opts *sql.TxOptions
	if s.postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.rdb.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("reload: begin: %w", err)
	}
	defer tx.Rollback()

	var rev int64
	if err := tx.QueryRowContext(ctx, `SELECT n FROM iam_revision WHERE id = 1`).Scan(&rev); err != nil {
		return nil, fmt.Errorf("reload: revision: %w", err)
	}
	old := s.snap.Load()
	if old != nil && old.rev == rev {
		return nil, nil
	}
	prevCompiled := map[string]*iam.Policy{}
	if old != nil {
		prevCompiled = old.compiled
	}
	compiled := make(map[string]*iam.Policy, len(prevCompiled))
	compileKind := func(kind iam.Kind, name, doc string) (*iam.Policy, error) {
		ck := string(rune('0'+kind)) + name + "\x00" + doc
		if p, ok := prevCompiled[ck]; ok {
			compiled[ck] = p
			return p, nil
		}
		p, err := iam.ParsePolicy(name, kind, []byte(doc))
		if err != nil {
			return nil, err
		}
		compiled[ck] = p
		return p, nil
	}
	compile := func(name, doc string) (*iam.Policy, error) { return compileKind(iam.IdentityPolicy, name, doc) }

	users := map[string]*userRow{}
	rows, err := tx.QueryContext(ctx, `SELECT name_key, name, user_id, path FROM iam_users`)
	if err != nil {
		return nil, fmt.Errorf("reload: users: %w", err)
	}
	for rows.Next() {
		var key string
		u := &userRow{}
		if err := rows.Scan(&key, &u.name, &u.id, &u.path); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: users: %w", err)
		}
		users[key] = u
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: users: %w", err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT user_key, name, document FROM iam_user_policies ORDER BY user_key, name`)
	if err != nil {
		return nil, fmt.Errorf("reload: user policies: %w", err)
	}
	for rows.Next() {
		var key, name, doc string
		if err := rows.Scan(&key, &name, &doc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: user policies: %w", err)
		}
		u := users[key]
		if u == nil {
			continue
		}
		p, err := compile(name, doc)
		if err != nil {
			s.log.Error("iam store: stored user policy does not compile; the user's keys are refused", "user", u.name, "policy", name, "err", err)
			u.broken = true
			continue
		}
		u.policies = append(u.policies, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: user policies: %w", err)
	}

	type groupRow struct {
		name     string
		policies []*iam.Policy
		broken   bool
	}
	groups := map[string]*groupRow{}
	rows, err = tx.QueryContext(ctx, `SELECT name_key, name FROM iam_groups`)
	if err != nil {
		return nil, fmt.Errorf("reload: groups: %w", err)
	}
	for rows.Next() {
		var key string
		g := &groupRow{}
		if err := rows.Scan(&key, &g.name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: groups: %w", err)
		}
		groups[key] = g
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: groups: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT group_key, name, document FROM iam_group_policies ORDER BY group_key, name`)
	if err != nil {
		return nil, fmt.Errorf("reload: group policies: %w", err)
	}
	for rows.Next() {
		var key, name, doc string
		if err := rows.Scan(&key, &name, &doc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: group policies: %w", err)
		}
		g := groups[key]
		if g == nil {
			continue
		}
		p, err := compile(g.name+"/"+name, doc)
		if err != nil {
			s.log.Error("iam store: stored group policy does not compile; its members' keys are refused", "group", g.name, "policy", name, "err", err)
			g.broken = true
			continue
		}
		g.policies = append(g.policies, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: group policies: %w", err)
	}

	memberOf := map[string][]string{}
	rows, err = tx.QueryContext(ctx, `SELECT group_key, user_key FROM iam_group_members ORDER BY group_key`)
	if err != nil {
		return nil, fmt.Errorf("reload: group members: %w", err)
	}
	for rows.Next() {
		var gk, uk string
		if err := rows.Scan(&gk, &uk); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: group members: %w", err)
		}
		memberOf[uk] = append(memberOf[uk], gk)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: group members: %w", err)
	}
	for uk, gks := range memberOf {
		u := users[uk]
		if u == nil {
			continue
		}
		sort.Strings(gks)
		for _, gk := range gks {
			if g := groups[gk]; g != nil {
				u.policies = append(u.policies, g.policies...)
				u.broken = u.broken || g.broken
			}
		}
	}

	userIDs := make(map[string]UserIdentity, len(users))
	for k, u := range users {
		if !u.broken {
			userIDs[k] = UserIdentity{UserName: u.name, UserID: u.id, ARN: s.userARN(u.path, u.name), AccountID: s.account, Policies: u.policies}
		}
	}
	roles, err := s.reloadRoles(ctx, tx, compileKind)
	if err != nil {
		return nil, err
	}

	keys := map[string]Identity{}
	rows, err = tx.QueryContext(ctx, `SELECT access_key_id, user_key, status, key_id, secret FROM iam_access_keys`)
	if err != nil {
		return nil, fmt.Errorf("reload: access keys: %w", err)
	}
	for rows.Next() {
		var akid, uk, status, keyID string
		var box []byte
		if err := rows.Scan(&akid, &uk, &status, &keyID, &box); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: access keys: %w", err)
		}
		u := users[uk]
		if u == nil || u.broken {
			continue
		}
		secret, err := s.sealer.open(akid, keyID, box)
		if err != nil {
			keyErrs = append(keyErrs, err)
			continue
		}
		keys[akid] = Identity{
			AccessKeyID: akid,
			Secret:      Secret(secret),
			Status:      status,
			UserName:    u.name,
			UserID:      u.id,
			UserARN:     s.userARN(u.path, u.name),
			AccountID:   s.account,
			Policies:    u.policies,
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: access keys: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("reload: commit: %w", err)
	}
	if old != nil && rev < old.rev {
		// Cannot happen while reloads are serialized by reloadMu and the
		// counter only grows; never go backwards all the same.
		return keyErrs, nil
	}
	s.snap.Store(&snapshot{rev: rev, keys: keys, users: userIDs, roles: roles, compiled: compiled})
	return keyErrs, nil
}

// reloadRoles reads the roles and their inline policies for a snapshot.
func (s *Store) reloadRoles(ctx context.Context, tx *sql.Tx, compile func(iam.Kind, string, string) (*iam.Policy, error)) (map[string]RoleIdentity, error) {
	roles := map[string]RoleIdentity{}
	broken := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT name_key, name, role_id, path, trust_policy, max_session_duration FROM iam_roles`)
	if err != nil {
		return nil, fmt.Errorf("reload: roles: %w", err)
	}
	for rows.Next() {
		var key, trust string
		var r RoleIdentity
		if err := rows.Scan(&key, &r.RoleName, &r.RoleID, &r.Path, &trust, &r.MaxSessionDuration); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: roles: %w", err)
		}
		r.ARN, r.AccountID = s.roleARN(r.Path, r.RoleName), s.account
		if r.Trust, err = compile(iam.TrustPolicy, r.RoleName+" trust policy", trust); err != nil {
			s.log.Error("iam store: stored trust policy does not compile; the role cannot be assumed", "role", r.RoleName, "err", err)
			broken[key] = true
		}
		roles[key] = r
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: roles: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT role_key, name, document FROM iam_role_policies ORDER BY role_key, name`)
	if err != nil {
		return nil, fmt.Errorf("reload: role policies: %w", err)
	}
	for rows.Next() {
		var key, name, doc string
		if err := rows.Scan(&key, &name, &doc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reload: role policies: %w", err)
		}
		r, ok := roles[key]
		if !ok {
			continue
		}
		p, err := compile(iam.IdentityPolicy, name, doc)
		if err != nil {
			s.log.Error("iam store: stored role policy does not compile; the role's sessions are refused", "role", r.RoleName, "policy", name, "err", err)
			broken[key] = true
			continue
		}
		r.Policies = append(r.Policies, p)
		roles[key] = r
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("reload: role policies: %w", err)
	}
	for k := range broken {
		delete(roles, k)
	}
	return roles, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// watch polls the revision counter and reloads on change or when the
// PostgreSQL listener wakes it.
func (s *Store) watch(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
		s.check(ctx)
	}
}

// check reloads if the database's revision differs from the snapshot's.
func (s *Store) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var rev int64
	err := s.rdb.QueryRowContext(cctx, `SELECT n FROM iam_revision WHERE id = 1`).Scan(&rev)
	if err == nil && rev == s.snap.Load().rev {
		s.setFailing(nil)
		return
	}
	var keyErrs []error
	if err == nil {
		keyErrs, err = s.reload(cctx)
	}
	if ctx.Err() != nil {
		return
	}
	s.setFailing(err)
	for _, e := range keyErrs {
		s.log.Error("iam store: access key left out of the snapshot", "err", e)
	}
}

// setFailing logs a watcher failure once, and its recovery.
func (s *Store) setFailing(err error) {
	if err != nil {
		if !s.failing.Swap(true) {
			s.log.Error("iam store: cannot refresh the snapshot; serving the last one", "err", err)
		}
		return
	}
	if s.failing.Swap(false) {
		s.log.Info("iam store: snapshot refresh recovered")
	}
}

// listen holds a PostgreSQL connection that LISTENs on the store's
// channel and wakes the watcher on each notification, reconnecting with
// backoff. The revision poll covers the gaps.
func (s *Store) listen(ctx context.Context) {
	defer s.wg.Done()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, &backoff)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("iam store: LISTEN connection lost; polling only until it is back", "err", redactDSNError(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, backoff *time.Duration) error {
	conn, err := pgx.Connect(ctx, s.pgDSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	*backoff = 100 * time.Millisecond
	s.kick() // changes made while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.kick()
	}
}

// kick wakes the watcher without blocking.
func (s *Store) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Store) userARN(path, name string) string {
	return "arn:aws:iam::" + s.account + ":user" + path + name
}

func (s *Store) groupARN(path, name string) string {
	return "arn:aws:iam::" + s.account + ":group" + path + name
}
