// Package store is gatehouse's IAM store: users, access keys (active or
// inactive), inline user policies, and groups with inline policies, kept
// in an embedded SQLite database (the default, pure Go) or in PostgreSQL
// (so that several gateway nodes share one store).
//
// The operations mirror the IAM API and the aws iam CLI: the same names
// (CreateUser, CreateAccessKey, PutUserPolicy ...), the same JSON shapes
// in the returned types, and errors of type *Error that carry IAM's code
// and message, so that `gatehouse iam ...` prints what `aws iam ...`
// prints:
//
//	An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name bob cannot be found.
//
// The gateway's hot path is Identity: an access key's secret, status,
// user and compiled policies from an immutable in-memory snapshot,
// swapped atomically, with no database round trip and no allocation.
// Every write transaction bumps a revision counter; each Store polls it
// (every 200 ms by default) and reloads on change, and on PostgreSQL also
// LISTENs for the NOTIFY each write sends, so a change made by any process
// (the CLI writing the same SQLite file, another node) reaches a running
// gateway well within a second.
//
// Secret access keys are encrypted at rest with AES-256-GCM under a
// 32-byte store key (Options.EncryptionKey; see KeyFromEnv). A SQLite
// store with no key configured uses, and on first use creates, the key
// file "<db>.key" (mode 0600) beside the database; a PostgreSQL store
// requires an explicit key. Secrets print as "[REDACTED]" (type Secret).
//
// See docs/iam-store.md for the decisions behind the shapes, messages,
// encryption and change propagation.
package store
