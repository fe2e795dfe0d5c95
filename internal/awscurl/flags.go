package awscurl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// flagDef describes one command-line flag. The table is built by flagDefs
// and drives both parsing and the usage text.
type flagDef struct {
	long  string // name without "--"
	short byte   // 0 when the flag has no one-letter form
	arg   string // name of the value in the usage text; "" for a switch
	help  string
}

// flagDefs returns the flags of gatehouse curl, in usage order.
func flagDefs() []flagDef {
	return []flagDef{
		{"request", 'X', "method", "HTTP method (default GET, or POST with data)"},
		{"header", 'H', "'Name: value'", "add a header (repeatable); 'Name:' removes one, 'Name;' sends it empty"},
		{"data", 'd', "data", "send data: a string, @file (CR and LF removed) or @- (stdin); implies POST"},
		{"data-binary", 0, "data", "send data as is: a string, @file or @-"},
		{"data-raw", 0, "data", "send the string as is, with no @file meaning"},
		{"head", 'I', "", "send a HEAD request and print the response headers"},
		{"include", 'i', "", "print the status line and response headers before the body"},
		{"output", 'o', "file", "write the body to file instead of stdout ('-' is stdout)"},
		{"silent", 's', "", "do not print transfer errors (see --show-error)"},
		{"show-error", 'S', "", "with --silent, still print transfer errors"},
		{"verbose", 'v', "", "print the canonical request, the string to sign and the headers to stderr"},
		{"fail", 'f', "", "exit 22 without printing the body when the status is 400 or more"},
		{"fail-with-body", 0, "", "like --fail, but print the body"},
		{"insecure", 'k', "", "do not verify the server's TLS certificate"},
		{"max-time", 'm', "seconds", "give up after this long (decimals allowed); exit 28"},
		{"region", 0, "region", "signing region (default: the AWS config chain, else us-east-1)"},
		{"service", 0, "name", "signing service (default execute-api)"},
		{"profile", 0, "name", "AWS profile of the shared config and credentials files"},
		{"sign-host", 0, "host[:port]", "sign for this Host and send it, while connecting to the URL's host"},
		{"presign", 0, "", "print a presigned URL instead of sending the request"},
		{"expires", 0, "seconds", "lifetime of a --presign URL (default 900, at most 604800)"},
		{"unsigned-payload", 0, "", "sign UNSIGNED-PAYLOAD instead of the body's SHA-256"},
		{"help", 'h', "", "print this help"},
	}
}

// usageText is the help printed by --help and after usage errors.
func usageText() string {
	var b strings.Builder
	b.WriteString("usage: gatehouse curl [flags] URL\n\n")
	b.WriteString("Sends an HTTP request signed with AWS Signature Version 4, like curl.\n")
	b.WriteString("Credentials come from the AWS chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n")
	b.WriteString("AWS_SESSION_TOKEN, then the shared config and credentials files (AWS_PROFILE\n")
	b.WriteString("or --profile).\n\nflags:\n")
	for _, d := range flagDefs() {
		name := "    --" + d.long
		if d.short != 0 {
			name = "-" + string(d.short) + ", --" + d.long
		}
		if d.arg != "" {
			name += " " + d.arg
		}
		fmt.Fprintf(&b, "  %-34s %s\n", name, d.help)
	}
	return b.String()
}

// dataKind says how a --data* value is read.
type dataKind int

const (
	dataASCII  dataKind = iota // -d: @file with CR and LF stripped
	dataBinary                 // --data-binary: @file as is
	dataRaw                    // --data-raw: no @file
)

// dataArg is one --data* value, read when the request is built.
type dataArg struct {
	kind  dataKind
	value string
}

// options are the parsed command line.
type options struct {
	url        string
	method     string // "" means GET, or POST with data
	headers    []string
	data       []dataArg
	head       bool
	include    bool
	output     string
	silent     bool
	showError  bool
	verbose    bool
	fail       bool
	failBody   bool
	insecure   bool
	maxTime    time.Duration // 0 means none
	region     string        // "" means the config chain, else us-east-1
	service    string        // "" means execute-api
	profile    string
	signHost   string
	presign    bool
	expires    time.Duration // 0 means 900 s
	unsigned   bool
	help       bool
	hasExpires bool
}

// usageError is a bad command line; Run prints it with a hint and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// parseArgs parses args as curl does: flags and the URL in any order,
// "--long value" or "--long=value", "-X value", "-Xvalue" and clusters of
// one-letter switches ("-sSi", "-sXPOST"); "--" ends the flags.
func parseArgs(args []string) (*options, error) {
	defs := flagDefs()
	byLong := make(map[string]flagDef, len(defs))
	byShort := make(map[byte]flagDef, len(defs))
	for _, d := range defs {
		byLong[d.long] = d
		if d.short != 0 {
			byShort[d.short] = d
		}
	}

	o := &options{}
	var urls []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			urls = append(urls, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			d, ok := byLong[name]
			if !ok {
				return nil, usagef("option --%s: is unknown", name)
			}
			if d.arg == "" {
				if hasVal {
					return nil, usagef("option --%s: takes no value", name)
				}
				if err := o.set(d.long, ""); err != nil {
					return nil, err
				}
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, usagef("option --%s: requires a value (%s)", name, d.arg)
				}
				i++
				val = args[i]
			}
			if err := o.set(d.long, val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				d, ok := byShort[a[j]]
				if !ok {
					return nil, usagef("option -%c: is unknown", a[j])
				}
				if d.arg == "" {
					if err := o.set(d.long, ""); err != nil {
						return nil, err
					}
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, usagef("option -%c: requires a value (%s)", d.short, d.arg)
					}
					i++
					val = args[i]
				}
				if err := o.set(d.long, val); err != nil {
					return nil, err
				}
				break
			}
		default:
			urls = append(urls, a)
		}
	}
	if o.help {
		return o, nil
	}
	switch len(urls) {
	case 0:
		return nil, usagef("no URL specified")
	case 1:
		o.url = urls[0]
	default:
		return nil, usagef("one URL at a time, got %d: %s", len(urls), strings.Join(urls, " "))
	}
	if o.hasExpires && !o.presign {
		return nil, usagef("option --expires: only with --presign")
	}
	return o, nil
}

// set applies flag name (its long form) with value val.
func (o *options) set(name, val string) error {
	switch name {
	case "request":
		if val == "" {
			return usagef("option --request: empty method")
		}
		o.method = val
	case "header":
		if !strings.ContainsAny(val, ":;") {
			return usagef("option --header: %q is not 'Name: value'", val)
		}
		o.headers = append(o.headers, val)
	case "data":
		o.data = append(o.data, dataArg{dataASCII, val})
	case "data-binary":
		o.data = append(o.data, dataArg{dataBinary, val})
	case "data-raw":
		o.data = append(o.data, dataArg{dataRaw, val})
	case "head":
		o.head = true
	case "include":
		o.include = true
	case "output":
		o.output = val
	case "silent":
		o.silent = true
	case "show-error":
		o.showError = true
	case "verbose":
		o.verbose = true
	case "fail":
		o.fail = true
	case "fail-with-body":
		o.fail, o.failBody = true, true
	case "insecure":
		o.insecure = true
	case "max-time":
		d, err := parseSeconds(val)
		if err != nil {
			return usagef("option --max-time: %v", err)
		}
		o.maxTime = d
	case "region":
		o.region = val
	case "service":
		o.service = val
	case "profile":
		o.profile = val
	case "sign-host":
		if val == "" || strings.ContainsAny(val, "/?# ") {
			return usagef("option --sign-host: %q is not host[:port]", val)
		}
		o.signHost = val
	case "presign":
		o.presign = true
	case "unsigned-payload":
		o.unsigned = true
	case "expires":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 1 || n > 604800 {
			return usagef("option --expires: %q is not a whole number of seconds from 1 to 604800", val)
		}
		o.expires = time.Duration(n) * time.Second
		o.hasExpires = true
	case "help":
		o.help = true
	default:
		return errors.New("awscurl: flag table and set disagree on " + name)
	}
	return nil
}

// parseSeconds parses a positive number of seconds, decimals allowed, as
// curl's --max-time.
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e9 {
		return 0, fmt.Errorf("%q is not a positive number of seconds", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}
