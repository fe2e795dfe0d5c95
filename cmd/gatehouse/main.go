// Command gatehouse runs Amazon API Gateway definitions locally: the same
// OpenAPI exports, routing, integrations and error answers as AWS.
//
//	gatehouse serve -c gatehouse.yaml [--listen addr] [--admin addr] [--log-level level]
//	gatehouse validate -c gatehouse.yaml
//	gatehouse version
package main

import (
	"os"

	"github.com/gatehouse/gatehouse/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
