package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// DefaultAccountID is the account id used in ARNs when Options.AccountID
// is empty, as in gatehouse.yaml's accountId.
const DefaultAccountID = "123456789012"

// DefaultPollInterval is how often a Store checks the database's revision
// counter for changes made by other processes or nodes.
const DefaultPollInterval = 200 * time.Millisecond

// sqliteBusyTimeout is how long a SQLite connection waits for another
// process's lock before failing with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

// Options configure a Store. The zero value is valid for SQLite.
type Options struct {
	// AccountID is the AWS account id in ARNs and identities; "" means
	// DefaultAccountID. It must be 12 digits.
	AccountID string
	// EncryptionKey is the 32-byte AES-256 key that encrypts secret
	// access keys at rest (see KeyFromEnv for how the CLI reads it). nil
	// means: for SQLite, the key file "<db>.key" beside the database,
	// created with a random key (mode 0600) on first use; for PostgreSQL,
	// an error, because nodes sharing one database must share one key.
	EncryptionKey []byte
	// PollInterval is how often the store polls for changes made
	// elsewhere; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Logger receives the watcher's errors and the key file notice; nil
	// discards them. Secrets are never logged.
	Logger *slog.Logger
	// Now returns the current time, for CreateDate; nil means time.Now.
	Now func() time.Time
}

// Store is the IAM store: users, access keys, groups and inline policies
// in SQLite or PostgreSQL, plus an in-memory snapshot of every access key's
// identity for the gateway's hot path (Identity). A Store is safe for
// concurrent use; Close it when done.
type Store struct {
	postgres bool
	pgDSN    string // for the LISTEN connection; never logged
	wdb      *sql.DB
	rdb      *sql.DB // == wdb on PostgreSQL
	sealer   *sealer
	account  string
	now      func() time.Time
	log      *slog.Logger
	poll     time.Duration
	channel  string // PostgreSQL NOTIFY channel

	snap     atomic.Pointer[snapshot]
	reloadMu sync.Mutex
	failing  atomic.Bool // the last reload failed (log only on change)
	wake     chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
}

// Open opens (creating and migrating if needed) the store at dsn:
//
//   - "sqlite://path/to/gatehouse.db", "sqlite:///abs/path.db" or a bare
//     path: an embedded SQLite database (pure Go), in WAL mode with a busy
//     timeout, so that the CLI and a running gateway can use one file at
//     once. Without Options.EncryptionKey the store key is read from
//     "<db>.key", which is created with a new random key (mode 0600) the
//     first time; keep that file with the database backup, but apart from
//     it if the backup may leak.
//   - "postgres://user@host:port/db?sslmode=disable" (or postgresql://):
//     PostgreSQL, so that several gateway nodes share one store; requires
//     Options.EncryptionKey. Extra parameters such as search_path pass to
//     the server.
//
// The schema is created or migrated idempotently. Open loads the snapshot
// and starts a watcher that makes changes written by any process visible
// to Identity within about PollInterval (PostgreSQL also uses
// LISTEN/NOTIFY). ctx bounds Open itself, not the store's life.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := &Store{
		account: opts.AccountID,
		now:     opts.Now,
		log:     opts.Logger,
		poll:    opts.PollInterval,
		wake:    make(chan struct{}, 1),
	}
	if s.account == "" {
		s.account = DefaultAccountID
	}
	if len(s.account) != 12 || strings.Trim(s.account, "0123456789") != "" {
		return nil, fmt.Errorf("open store: account id %q: want 12 digits", s.account)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.poll <= 0 {
		s.poll = DefaultPollInterval
	}

	var dbPath string
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.postgres = true
		s.pgDSN = dsn
		if len(opts.EncryptionKey) == 0 {
			return nil, fmt.Errorf("open store: a PostgreSQL store needs an explicit encryption key (set %s or %s)", EnvKey, EnvKeyFile)
		}
		if _, err := pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("open store: invalid PostgreSQL DSN: %w", redactDSNError(err))
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", redactDSNError(err))
		}
		db.SetMaxOpenConns(8)
		s.wdb, s.rdb = db, db
	default:
		dbPath = strings.TrimPrefix(dsn, "sqlite://")
		if strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://") {
			scheme, _, _ := strings.Cut(dsn, "://")
			return nil, fmt.Errorf("open store: unsupported DSN scheme %q: want sqlite://path or postgres://user@host/db", scheme)
		}
		if dbPath == "" || strings.ContainsAny(dbPath, "?#") {
			return nil, fmt.Errorf("open store: SQLite path %q: want a file path without '?' or '#'", dbPath)
		}
		if dir := filepath.Dir(dbPath); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("open store: SQLite database directory: %w", err)
			}
		}
		common := "_pragma=busy_timeout(" + strconv.Itoa(int(sqliteBusyTimeout/time.Millisecond)) + ")" +
			"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
		w, err := sql.Open("sqlite", dbPath+"?"+common+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		// One writer connection: in-process writers queue in Go, and
		// BEGIN IMMEDIATE plus the busy timeout serialize them with
		// other processes.
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", dbPath+"?"+common)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
		r.SetMaxOpenConns(4)
		s.wdb, s.rdb = w, r
	}
	// Two processes creating one SQLite file at once (the CLI and a
	// gateway starting) can see SQLITE_BUSY while the first switches the
	// file to WAL, a step SQLite's busy handler does not wait for; the
	// first soon finishes, so setting up again is enough.
	err := s.open(ctx, dbPath, opts.EncryptionKey)
	for attempt := 0; err != nil && !s.postgres && isBusy(err) && attempt < 100 && ctx.Err() == nil; attempt++ {
		time.Sleep(time.Duration(10+attempt*5) * time.Millisecond)
		err = s.open(ctx, dbPath, opts.EncryptionKey)
	}
	if err != nil {
		s.closeDBs()
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go s.watch(wctx)
	if s.postgres {
		s.wg.Add(1)
		go s.listen(wctx)
	}
	return s, nil
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func (s *Store) open(ctx context.Context, dbPath string, key []byte) error {
	if err := s.wdb.PingContext(ctx); err != nil {
		return fmt.Errorf("open store: %w", redactDSNError(err))
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if len(key) == 0 { // SQLite: the key file beside the database
		var n int
		if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM iam_access_keys`).Scan(&n); err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		keyPath := dbPath + ".key"
		k, created, err := loadOrCreateKeyFile(keyPath, n == 0)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		if created {
			s.log.Info("created a new store encryption key file; back it up, the secrets in the database cannot be read without it", "path", keyPath)
		}
		key = k
	}
	sl, err := newSealer(key)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	s.sealer = sl
	if s.postgres {
		var schema string
		if err := s.rdb.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		// One channel per schema: stores in other schemas of the same
		// database are not woken. Identifiers are at most 63 bytes.
		s.channel = "gatehouse_iam_" + schema
		if len(s.channel) > 63 {
			s.channel = s.channel[:63]
		}
	}
	keyErrs, err := s.reload(ctx)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if len(keyErrs) > 0 {
		return fmt.Errorf("open store: %w", errors.Join(keyErrs...))
	}
	return nil
}

// Close stops the watcher and closes the database. The snapshot stays
// readable: Identity keeps answering from the last one.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		err = s.closeDBs()
	})
	return err
}

func (s *Store) closeDBs() error {
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// AccountID returns the account id used in ARNs.
func (s *Store) AccountID() string { return s.account }

// q rewrites ? placeholders as $1, $2 ... for PostgreSQL. No query in this
// package has a ? inside a literal.
func (s *Store) q(query string) string {
	if !s.postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// write runs fn in a write transaction that first bumps the revision
// counter (which also serializes writers: a row lock on PostgreSQL, an
// immediate transaction on SQLite) and, on PostgreSQL, notifies the other
// nodes at commit. After the commit the snapshot is reloaded, so a write
// is visible to this process's Identity when write returns.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE iam_revision SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("%s: bump revision: %w", op, err)
	}
	if err := fn(tx); err != nil {
		if errors.As(err, new(noChange)) {
			return nil // rolled back: nothing to write, nothing to reload
		}
		return err
	}
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, s.channel); err != nil {
			return fmt.Errorf("%s: notify: %w", op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	if keyErrs, err := s.reload(ctx); err != nil {
		// Committed all the same; the watcher retries.
		s.log.Error("iam store: reload after write failed", "op", op, "err", err)
	} else {
		for _, e := range keyErrs {
			s.log.Error("iam store: access key left out of the snapshot", "err", e)
		}
	}
	return nil
}

// noChange, returned by a write's fn, rolls the transaction back (the
// revision bump included) and makes write succeed.
type noChange struct{}

func (noChange) Error() string { return "no change" }

// redactDSNError keeps a password in a DSN out of an error: pgx's parse
// errors quote the connection string.
func redactDSNError(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New(pe.Error())
	}
	return err
}

func (s *Store) unix() int64 { return s.now().Unix() }

func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
