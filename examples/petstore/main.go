// Command petstore runs the PetStore example: a small pet backend on
// 127.0.0.1:9000 and, in front of it, gatehouse serving the API Gateway
// export in this folder (gatehouse serve -c examples/petstore/gatehouse.yaml),
// or another example's config with -c (examples/iam/gatehouse.yaml).
//
//	go run ./examples/petstore
//	curl http://127.0.0.1:8080/prod/pets
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gatehouse/gatehouse/examples/petstore/backend"
	"github.com/gatehouse/gatehouse/internal/cli"
)

func main() {
	backendAddr := flag.String("backend", "127.0.0.1:9000", "address of the pet backend")
	cfg := flag.String("c", configPath(), "gatehouse config to serve (e.g. examples/iam/gatehouse.yaml)")
	flag.Parse()
	ln, err := net.Listen("tcp", *backendAddr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "petstore: %v\n", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(ln, backend.Handler()) }()
	fmt.Fprintf(os.Stderr, "petstore: pet backend on http://%s\n", ln.Addr())

	args := append([]string{"serve", "-c", *cfg}, flag.Args()...)
	os.Exit(cli.Run(args, os.Stdout, os.Stderr))
}

// configPath finds gatehouse.yaml beside this file, from the repository
// root or from this folder.
func configPath() string {
	for _, p := range []string{"examples/petstore/gatehouse.yaml", "gatehouse.yaml"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "gatehouse.yaml")
}
