// Package vtl is a Velocity Template Language engine that behaves as
// Apache Velocity 1.7 does inside Amazon API Gateway mapping templates.
//
// A template is parsed once (Parse) into an immutable tree and executed
// any number of times, concurrently, with per-execution state and Limits:
//
//	t, err := vtl.Parse("request", src)
//	...
//	err = t.Execute(&buf, map[string]any{"input": in, "context": ctx}, vtl.Limits{})
//
// Go values are seen by templates as Java values: string, bool, integers
// (as int64; Java Integer/Long), float64 (Java Double), nil (null), *Map
// (LinkedHashMap), *List (ArrayList) and host objects implementing Object.
// docs/vtl.md describes every semantic decision and the known differences
// from Velocity 1.7.
package vtl
