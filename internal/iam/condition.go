package iam

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opKind is a condition operator with its negation, set prefix and
// ...IfExists suffix stripped.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opArn
	opNull
)

// cmpKind is the comparison of a numeric or date operator.
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setKind uint8

const (
	setNone setKind = iota
	setAll          // ForAllValues:
	setAny          // ForAnyValue:
)

// operatorInfo describes one base operator name (without prefix or
// IfExists).
type operatorInfo struct {
	op     opKind
	cmp    cmpKind
	negate bool
}

// lookupOperator returns the base operator for a name such as
// "StringNotLike", as listed in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
// Names are case-sensitive.
func lookupOperator(name string) (operatorInfo, bool) {
	switch name {
	case "StringEquals":
		return operatorInfo{op: opStringEquals}, true
	case "StringNotEquals":
		return operatorInfo{op: opStringEquals, negate: true}, true
	case "StringEqualsIgnoreCase":
		return operatorInfo{op: opStringEqualsIgnoreCase}, true
	case "StringNotEqualsIgnoreCase":
		return operatorInfo{op: opStringEqualsIgnoreCase, negate: true}, true
	case "StringLike":
		return operatorInfo{op: opStringLike}, true
	case "StringNotLike":
		return operatorInfo{op: opStringLike, negate: true}, true
	case "NumericEquals":
		return operatorInfo{op: opNumeric, cmp: cmpEq}, true
	case "NumericNotEquals":
		return operatorInfo{op: opNumeric, cmp: cmpEq, negate: true}, true
	case "NumericLessThan":
		return operatorInfo{op: opNumeric, cmp: cmpLt}, true
	case "NumericLessThanEquals":
		return operatorInfo{op: opNumeric, cmp: cmpLe}, true
	case "NumericGreaterThan":
		return operatorInfo{op: opNumeric, cmp: cmpGt}, true
	case "NumericGreaterThanEquals":
		return operatorInfo{op: opNumeric, cmp: cmpGe}, true
	case "DateEquals":
		return operatorInfo{op: opDate, cmp: cmpEq}, true
	case "DateNotEquals":
		return operatorInfo{op: opDate, cmp: cmpEq, negate: true}, true
	case "DateLessThan":
		return operatorInfo{op: opDate, cmp: cmpLt}, true
	case "DateLessThanEquals":
		return operatorInfo{op: opDate, cmp: cmpLe}, true
	case "DateGreaterThan":
		return operatorInfo{op: opDate, cmp: cmpGt}, true
	case "DateGreaterThanEquals":
		return operatorInfo{op: opDate, cmp: cmpGe}, true
	case "Bool":
		return operatorInfo{op: opBool}, true
	case "BinaryEquals":
		return operatorInfo{op: opBinary}, true
	case "IpAddress":
		return operatorInfo{op: opIP}, true
	case "NotIpAddress":
		return operatorInfo{op: opIP, negate: true}, true
	case "ArnEquals", "ArnLike":
		return operatorInfo{op: opArn}, true
	case "ArnNotEquals", "ArnNotLike":
		return operatorInfo{op: opArn, negate: true}, true
	case "Null":
		return operatorInfo{op: opNull}, true
	}
	return operatorInfo{}, false
}

// condition is one operator / key / values triple of a Condition block.
type condition struct {
	opName   string // as written, for MarshalJSON and explanations
	keyName  string // as written
	rawVals  []string
	op       opKind
	cmp      cmpKind
	negate   bool
	ifExists bool
	set      setKind
	key      ctxKey

	pats  []pattern    // String*, Bool
	arns  []arnPattern // Arn*
	nums  []float64
	times []time.Time
	nets  []netip.Prefix
	bins  []string // canonical base64
	nulls []bool   // Null: true means "key must be absent"
}

// arnPattern is an ARN condition value: six per-part patterns, or one
// whole-string pattern when the value does not have six parts.
type arnPattern struct {
	parts [6]pattern
	whole *pattern
}

// errCondition is the cause wrapped for bad Condition blocks.
var errCondition = errors.New("invalid condition")

// compileCondition parses an operator name and compiles its values.
func compileCondition(opName, keyName string, vals []string, vars bool) (condition, error) {
	c := condition{opName: opName, keyName: keyName, rawVals: vals}
	name := opName
	if rest, ok := strings.CutPrefix(name, "ForAllValues:"); ok {
		c.set, name = setAll, rest
	} else if rest, ok := strings.CutPrefix(name, "ForAnyValue:"); ok {
		c.set, name = setAny, rest
	}
	info, ok := lookupOperator(name)
	if !ok {
		if base, found := strings.CutSuffix(name, "IfExists"); found {
			info, ok = lookupOperator(base)
			if ok && info.op == opNull {
				return c, fmt.Errorf("%w: operator %q: Null cannot take the IfExists suffix", errCondition, opName)
			}
			c.ifExists = true
		}
	}
	if !ok {
		return c, fmt.Errorf("%w: unknown operator %q", errCondition, opName)
	}
	if info.op == opNull && c.set != setNone {
		return c, fmt.Errorf("%w: operator %q: Null cannot take a set prefix", errCondition, opName)
	}
	c.op, c.cmp, c.negate = info.op, info.cmp, info.negate
	if keyName == "" || !strings.Contains(keyName, ":") {
		return c, fmt.Errorf("%w: key %q: condition keys must be prefaced by a vendor, e.g. aws:SourceIp", errCondition, keyName)
	}
	c.key = compileKey(keyName)
	if len(vals) == 0 {
		return c, fmt.Errorf("%w: %s: key %q has no values", errCondition, opName, keyName)
	}
	for _, v := range vals {
		if err := c.addValue(v, vars); err != nil {
			return c, fmt.Errorf("%w: %s: key %q: %w", errCondition, opName, keyName, err)
		}
	}
	return c, nil
}

func (c *condition) addValue(v string, vars bool) error {
	switch c.op {
	case opStringEquals:
		c.pats = append(c.pats, compilePattern(v, patternOpts{variables: vars}))
	case opStringEqualsIgnoreCase:
		c.pats = append(c.pats, compilePattern(v, patternOpts{variables: vars, fold: true}))
	case opStringLike:
		c.pats = append(c.pats, compilePattern(v, patternOpts{wildcards: true, variables: vars}))
	case opBool:
		p := compilePattern(v, patternOpts{variables: vars, fold: true})
		if !p.hasVariables() && !equalFoldASCII(v, "true") && !equalFoldASCII(v, "false") {
			return fmt.Errorf("value %q is not true or false", v)
		}
		c.pats = append(c.pats, p)
	case opNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("value %q is not a number", v)
		}
		c.nums = append(c.nums, f)
	case opDate:
		t, ok := parseDate(v)
		if !ok {
			return fmt.Errorf("value %q is not an ISO 8601 date or epoch seconds", v)
		}
		c.times = append(c.times, t)
	case opIP:
		p, err := parsePrefix(v)
		if err != nil {
			return err
		}
		c.nets = append(c.nets, p)
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fmt.Errorf("value %q is not base64", v)
		}
		c.bins = append(c.bins, base64.StdEncoding.EncodeToString(b))
	case opArn:
		o := patternOpts{wildcards: true, variables: vars}
		if parts, ok := arnParts(v); ok {
			var ap arnPattern
			for i, s := range parts {
				ap.parts[i] = compilePattern(s, o)
			}
			c.arns = append(c.arns, ap)
		} else {
			p := compilePattern(v, o)
			c.arns = append(c.arns, arnPattern{whole: &p})
		}
	case opNull:
		switch {
		case equalFoldASCII(v, "true"):
			c.nulls = append(c.nulls, true)
		case equalFoldASCII(v, "false"):
			c.nulls = append(c.nulls, false)
		default:
			return fmt.Errorf("value %q is not true or false", v)
		}
	}
	return nil
}

// parsePrefix reads a CIDR block or a single address (a /32 or /128).
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("value %q is not an IP address or CIDR block", v)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("value %q is not an IP address or CIDR block", v)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// dateLayouts are the W3C profile of ISO 8601 that IAM accepts for date
// conditions (https://www.w3.org/TR/NOTE-datetime), most precise first,
// plus the date-times without a zone, read as UTC.
const nDateLayouts = 7

func dateLayout(i int) string {
	switch i {
	case 0:
		return time.RFC3339Nano
	case 1:
		return "2006-01-02T15:04Z07:00"
	case 2:
		return "2006-01-02T15:04:05.999999999"
	case 3:
		return "2006-01-02T15:04"
	case 4:
		return "2006-01-02"
	case 5:
		return "2006-01"
	}
	return "2006"
}

// parseDate reads a date condition value: epoch seconds (all digits, more
// than four of them, as "2006" is a year) or an ISO 8601 date.
func parseDate(v string) (time.Time, bool) {
	if len(v) > 4 && allDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for i := range nDateLayouts {
		if t, err := time.Parse(dateLayout(i), v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// eval evaluates the condition against ctx, following the rules of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html:
// values of one key are ORed (the negated operators are therefore a NOR),
// a key absent from the context makes the positive operators false and the
// negated ones true, ...IfExists is true when the key is absent, and
// Null tests presence. With ForAllValues every context value must match
// (true when the key is absent or empty); with ForAnyValue at least one
// must (false when absent)
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
func (c *condition) eval(ctx *Context) bool {
	if c.op == opNull {
		_, _, present := ctx.lookup(c.key)
		for _, wantAbsent := range c.nulls {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if ctx != nil && !ctx.CurrentTime.IsZero() {
		switch {
		case c.op == opDate && (c.key.id == keyCurrentTime || c.key.id == keyEpochTime):
			return c.single(c.matchTime(ctx.CurrentTime))
		case c.op == opNumeric && c.key.id == keyEpochTime:
			return c.single(c.matchNumber(float64(ctx.CurrentTime.Unix())))
		}
	}
	one, many, ok := ctx.lookup(c.key)
	if !ok {
		switch {
		case c.ifExists:
			return true
		case c.set == setAll:
			return true
		case c.set == setAny:
			return false
		}
		return c.negate
	}
	if many == nil {
		return c.single(c.matchValue(one, ctx))
	}
	switch c.set {
	case setAll:
		for _, v := range many {
			if c.matchValue(v, ctx) == c.negate {
				return false
			}
		}
		return true
	case setAny:
		for _, v := range many {
			if c.matchValue(v, ctx) != c.negate {
				return true
			}
		}
		return false
	}
	for _, v := range many {
		if c.matchValue(v, ctx) {
			return !c.negate
		}
	}
	return c.negate
}

// single turns "the one context value matches a policy value" into the
// condition's result; for a single value every set form agrees.
func (c *condition) single(matched bool) bool {
	return matched != c.negate
}

// matchValue reports whether context value v matches any policy value
// under the positive form of the operator.
func (c *condition) matchValue(v string, ctx *Context) bool {
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opBool:
		for i := range c.pats {
			if c.pats[i].match(v, ctx) {
				return true
			}
		}
		return false
	case opNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		return c.matchNumber(f)
	case opDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		return c.matchTime(t)
	case opIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
		return false
	case opBinary:
		for _, b := range c.bins {
			if v == b {
				return true
			}
		}
		return false
	case opArn:
		parts, ok := arnParts(v)
		for i := range c.arns {
			ap := &c.arns[i]
			if ap.whole != nil {
				if ap.whole.match(v, ctx) {
					return true
				}
				continue
			}
			if !ok {
				continue
			}
			all := true
			for j := range parts {
				if !ap.parts[j].match(parts[j], ctx) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}
	return false
}

func (c *condition) matchNumber(f float64) bool {
	for _, n := range c.nums {
		if compare(c.cmp, cmpFloat(f, n)) {
			return true
		}
	}
	return false
}

func (c *condition) matchTime(t time.Time) bool {
	for _, pt := range c.times {
		if compare(c.cmp, t.Compare(pt)) {
			return true
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return 2 // NaN: compares as nothing
}

// compare applies op to the result of a three-way comparison of the
// context value against the policy value.
func compare(op cmpKind, r int) bool {
	switch op {
	case cmpEq:
		return r == 0
	case cmpLt:
		return r == -1
	case cmpLe:
		return r == -1 || r == 0
	case cmpGt:
		return r == 1
	case cmpGe:
		return r == 1 || r == 0
	}
	return false
}
