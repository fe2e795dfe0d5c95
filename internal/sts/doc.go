// Package sts is gatehouse's AWS Security Token Service: the STS query
// protocol (GetCallerIdentity, GetSessionToken, AssumeRole,
// AssumeRoleWithWebIdentity) served on the awsEndpoints listener, and the
// temporary credentials it issues, which the gateway's AWS_IAM methods
// accept.
//
// Temporary credentials are self-verifying: the session token is the
// session itself (the ASIA... key, its secret, the expiry, the role or
// user, the session name and policy), sealed with AES-256-GCM under a key
// derived from the IAM store's key. Every gateway node that shares the
// store (and so its key) verifies what any node issued, with no database
// write per session and no state in one process's memory. Roles and
// their policies are read from the store's snapshot on every use, so
// policy changes apply to existing sessions, and a deleted role's
// sessions stop working, as on AWS.
//
// See docs/sts.md for the protocol details and the decisions made where
// AWS does not document its behaviour.
package sts
