package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

// EnvStore names the IAM store when neither --store nor -c is given.
const EnvStore = "GATEHOUSE_STORE"

// iamCommand is one `gatehouse iam` sub-command: its aws CLI flags and
// what it does with them.
type iamCommand struct {
	flags []string // required flag names, as the aws CLI spells them
	opt   []string // optional flags
	run   func(ctx context.Context, s *store.Store, f map[string]string) (any, error)
}

// iamCommands mirrors the aws iam sub-commands gatehouse implements.
func iamCommands() map[string]iamCommand {
	cmds := map[string]iamCommand{
		"create-user": {flags: []string{"user-name"}, opt: []string{"path"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			u, err := s.CreateUser(ctx, f["user-name"], f["path"])
			return map[string]any{"User": u}, err
		}},
		"get-user": {flags: []string{"user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			u, err := s.GetUser(ctx, f["user-name"])
			return map[string]any{"User": u}, err
		}},
		"delete-user": {flags: []string{"user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteUser(ctx, f["user-name"])
		}},
		"list-users": {opt: []string{"path-prefix"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			us, err := s.ListUsers(ctx, f["path-prefix"])
			return map[string]any{"Users": nonNil(us)}, err
		}},
		"create-access-key": {flags: []string{"user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			k, err := s.CreateAccessKey(ctx, f["user-name"])
			return map[string]any{"AccessKey": k}, err
		}},
		"update-access-key": {flags: []string{"user-name", "access-key-id", "status"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.UpdateAccessKey(ctx, f["user-name"], f["access-key-id"], f["status"])
		}},
		"delete-access-key": {flags: []string{"user-name", "access-key-id"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteAccessKey(ctx, f["user-name"], f["access-key-id"])
		}},
		"list-access-keys": {flags: []string{"user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			ks, err := s.ListAccessKeys(ctx, f["user-name"])
			return map[string]any{"AccessKeyMetadata": nonNil(ks)}, err
		}},
		"put-user-policy": {flags: []string{"user-name", "policy-name", "policy-document"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.PutUserPolicy(ctx, f["user-name"], f["policy-name"], []byte(f["policy-document"]))
		}},
		"get-user-policy": {flags: []string{"user-name", "policy-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return s.GetUserPolicy(ctx, f["user-name"], f["policy-name"])
		}},
		"delete-user-policy": {flags: []string{"user-name", "policy-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteUserPolicy(ctx, f["user-name"], f["policy-name"])
		}},
		"list-user-policies": {flags: []string{"user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			ps, err := s.ListUserPolicies(ctx, f["user-name"])
			return map[string]any{"PolicyNames": nonNil(ps)}, err
		}},
		"create-group": {flags: []string{"group-name"}, opt: []string{"path"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			g, err := s.CreateGroup(ctx, f["group-name"], f["path"])
			return map[string]any{"Group": g}, err
		}},
		"delete-group": {flags: []string{"group-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteGroup(ctx, f["group-name"])
		}},
		"list-groups": {opt: []string{"path-prefix"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			gs, err := s.ListGroups(ctx, f["path-prefix"])
			return map[string]any{"Groups": nonNil(gs)}, err
		}},
		"add-user-to-group": {flags: []string{"group-name", "user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.AddUserToGroup(ctx, f["group-name"], f["user-name"])
		}},
		"remove-user-from-group": {flags: []string{"group-name", "user-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.RemoveUserFromGroup(ctx, f["group-name"], f["user-name"])
		}},
		"put-group-policy": {flags: []string{"group-name", "policy-name", "policy-document"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.PutGroupPolicy(ctx, f["group-name"], f["policy-name"], []byte(f["policy-document"]))
		}},
		"delete-group-policy": {flags: []string{"group-name", "policy-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteGroupPolicy(ctx, f["group-name"], f["policy-name"])
		}},
	}
	for name, c := range roleCommands() {
		cmds[name] = c
	}
	return cmds
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func iamUsage(w io.Writer) {
	cmds := iamCommands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: gatehouse iam <command> [--store DSN | -c gatehouse.yaml] [flags]")
	fmt.Fprintln(w, "\ncommands (flags as in the aws CLI):")
	for _, n := range names {
		c := cmds[n]
		var fl []string
		for _, f := range c.flags {
			fl = append(fl, "--"+f+" X")
		}
		for _, f := range c.opt {
			fl = append(fl, "[--"+f+" X]")
		}
		fmt.Fprintf(w, "  %-24s %s\n", n, strings.Join(fl, " "))
	}
	fmt.Fprintf(w, "\nThe store is --store, else iam.store of -c's config, else $%s, else %s.\n", EnvStore, config.DefaultStore)
	fmt.Fprintf(w, "Secrets are encrypted with the key in $%s (base64) or the file in $%s; a SQLite store\nwithout one keeps its key in <db>.key.\n", store.EnvKey, store.EnvKeyFile)
}

// runIAM runs `gatehouse iam <command> ...` against the IAM store and
// prints what the aws CLI prints.
func runIAM(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		iamUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	cmd, ok := iamCommands()[name]
	if !ok {
		fmt.Fprintf(stderr, "gatehouse iam: unknown command %q\n", name)
		iamUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("iam "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("store", "", "IAM store DSN (sqlite://path or postgres://...)")
	cfgPath := fs.String("c", "", "gatehouse.yaml whose iam.store and accountId to use")
	account := fs.String("account-id", "", "account id of new users' ARNs (default: the config's, else "+config.DefaultAccountID+")")
	values := map[string]*string{}
	for _, f := range append(append([]string{}, cmd.flags...), cmd.opt...) {
		values[f] = fs.String(f, "", f)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	f := map[string]string{}
	for k, v := range values {
		f[k] = *v
	}
	var missing []string
	for _, k := range cmd.flags {
		if f[k] == "" {
			missing = append(missing, "--"+k)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "gatehouse iam %s: the following arguments are required: %s\n", name, strings.Join(missing, ", "))
		return 2
	}
	for _, key := range []string{"policy-document", "assume-role-policy-document"} {
		if doc, ok := f[key]; ok && doc != "" {
			b, err := readDocument(doc)
			if err != nil {
				fmt.Fprintf(stderr, "gatehouse iam %s: --%s: %v\n", name, key, err)
				return 2
			}
			f[key] = string(b)
		}
	}

	storeDSN, accountID := *dsn, *account
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			printErrors(stderr, err)
			return 1
		}
		if storeDSN == "" {
			storeDSN = cfg.IAM.Store
		}
		if accountID == "" {
			accountID = cfg.AccountID
		}
	}
	if storeDSN == "" {
		storeDSN = os.Getenv(EnvStore)
	}
	if storeDSN == "" {
		storeDSN = config.DefaultStore
	}
	if accountID == "" {
		accountID = config.DefaultAccountID
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := openStore(ctx, storeDSN, accountID, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse iam %s: %v\n", name, err)
		return 1
	}
	defer s.Close()
	out, err := cmd.run(ctx, s, f)
	if err != nil {
		var se *store.Error
		if errors.As(err, &se) {
			fmt.Fprintf(stderr, "\n%s\n", se.Error()) // the aws CLI's own format
			return 254
		}
		fmt.Fprintf(stderr, "gatehouse iam %s: %v\n", name, err)
		return 1
	}
	if out == nil {
		return 0
	}
	if err := printAWSJSON(stdout, out); err != nil {
		fmt.Fprintf(stderr, "gatehouse iam %s: %v\n", name, err)
		return 1
	}
	return 0
}

// readDocument reads a policy the way the aws CLI does: file://path,
// or the JSON itself.
func readDocument(v string) ([]byte, error) {
	if path, ok := strings.CutPrefix(v, "file://"); ok {
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if st.Size() > 1<<20 {
			return nil, fmt.Errorf("%s is larger than 1 MiB", path)
		}
		return os.ReadFile(path)
	}
	return []byte(v), nil
}

// printAWSJSON prints v as the aws CLI v2 does: 4-space indent, and
// timestamps as 2006-01-02T15:04:05+00:00.
func printAWSJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var generic any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return err
	}
	fixDates(generic)
	out, err := json.MarshalIndent(generic, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}

func fixDates(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "CreateDate" {
				if t, err := time.Parse(time.RFC3339, s); err == nil {
					x[k] = t.UTC().Format("2006-01-02T15:04:05+00:00")
				}
				continue
			}
			fixDates(val)
		}
	case []any:
		for _, val := range x {
			fixDates(val)
		}
	}
}

// openStore opens the IAM store with the key from the environment.
func openStore(ctx context.Context, dsn, accountID string, log *slog.Logger) (*store.Store, error) {
	key, err := store.KeyFromEnv(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, dsn, store.Options{AccountID: accountID, EncryptionKey: key, Logger: log})
}

// storeIdentities serves the gateway's AWS_IAM lookups from the store's
// in-memory snapshot, and temporary credentials through STS's authority.
type storeIdentities struct {
	s    *store.Store
	auth *sts.Authority
}

var (
	_ gateway.Identities = storeIdentities{}
	_ gateway.Sessions   = storeIdentities{}
)

func (si storeIdentities) Caller(accessKeyID string) (gateway.Caller, bool) {
	id, ok := si.s.Identity(accessKeyID)
	if !ok {
		return gateway.Caller{}, false
	}
	return gateway.Caller{
		AccessKeyID: id.AccessKeyID, Secret: string(id.Secret), Active: id.Active(),
		UserName: id.UserName, UserID: id.UserID, ARN: id.UserARN, AccountID: id.AccountID,
		Policies: id.Policies,
	}, true
}

// seedUsers converts config seed data for store.Apply.
func seedUsers(users []config.SeedUser) []store.SeedUser {
	out := make([]store.SeedUser, 0, len(users))
	for _, u := range users {
		su := store.SeedUser{Name: u.Name}
		for _, k := range u.AccessKeys {
			su.AccessKeys = append(su.AccessKeys, store.SeedAccessKey{ID: k.ID, Secret: store.Secret(k.Secret)})
		}
		for _, p := range u.Policies {
			su.Policies = append(su.Policies, store.SeedPolicy{Name: p.Name, Document: p.Document})
		}
		out = append(out, su)
	}
	return out
}
