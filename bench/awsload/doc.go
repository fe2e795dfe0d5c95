// Package awsload benchmarks gatehouse's AWS service APIs on the
// awsEndpoints listener (issue 9): STS AssumeRole, and the whole Cognito
// sign-in → credentials flow (InitiateAuth → GetId →
// GetCredentialsForIdentity). The benchmarks build ./cmd/gatehouse, run it
// as its own process on loopback with a SQLite store, and call it over
// HTTP with real SigV4-signed and JSON 1.1 requests from 16 concurrent
// clients, reporting operations per second (ops/s):
//
//	go test ./bench/awsload -run XXX -bench . -benchtime 5s
//
// The package has no code of its own; see awsload_test.go and
// bench/README.md.
package awsload
