package jsonschema

import (
	"math/big"
	"strconv"
	"strings"
)

// maxExponent bounds a number's exponent: Java's BigDecimal, which API
// Gateway's validator reads numbers into, refuses exponents beyond an
// int, so a larger one is not a number it can validate.
const maxExponent = 999_999_999

// decimal is a JSON number as Java's BigDecimal holds it: digits × 10^exp
// with trailing zeros stripped (Jackson's non-exact decimal nodes strip
// them). Comparisons never expand the exponent, so 1e999999999 costs no
// more than 1.
type decimal struct {
	neg    bool
	digits string // no leading or trailing zeros; "" is zero
	exp    int64
	kind   Kind // Integer or Number: how Java prints it
}

// parseDecimal reads a literal the parser (or a schema) accepted.
func parseDecimal(lit string, kind Kind) decimal {
	d := decimal{kind: kind}
	if strings.HasPrefix(lit, "-") {
		d.neg, lit = true, lit[1:]
	}
	mant, expPart, _ := strings.Cut(strings.ToLower(lit), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if expPart != "" {
		e, _ := strconv.ParseInt(expPart, 10, 64)
		d.exp = e
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	d.exp -= int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	d.exp += int64(len(digits) - len(trimmed))
	d.digits = trimmed
	if d.digits == "" {
		d.neg, d.exp = false, 0
	}
	return d
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmp compares two numbers by value.
func (d decimal) cmp(o decimal) int {
	if s, t := d.sign(), o.sign(); s != t || s == 0 {
		switch {
		case s < t:
			return -1
		case s > t:
			return 1
		}
		return 0
	}
	c := d.cmpAbs(o)
	if d.neg {
		return -c
	}
	return c
}

func (d decimal) cmpAbs(o decimal) int {
	// The adjusted exponent is the power of ten of the first digit.
	da, oa := d.exp+int64(len(d.digits)), o.exp+int64(len(o.digits))
	switch {
	case da < oa:
		return -1
	case da > oa:
		return 1
	}
	return strings.Compare(d.digits, o.digits) // same magnitude; no trailing zeros
}

// multipleOf reports whether d / div is an integer (div > 0). Work is
// bounded by the digits involved, not by the exponents.
func (d decimal) multipleOf(div decimal) bool {
	if d.digits == "" {
		return true
	}
	if ok, known := d.multipleOfSmall(div); known {
		return ok
	}
	return d.multipleOfBig(div)
}

func (d decimal) multipleOfBig(div decimal) bool {
	if d.digits == "" {
		return true
	}
	di, _ := new(big.Int).SetString(d.digits, 10)
	dd, _ := new(big.Int).SetString(div.digits, 10)
	k := d.exp - div.exp
	if k >= 0 {
		// dd | di·10^k. Past the powers of 2 and 5 in dd, more factors of
		// ten change nothing.
		if bound := int64(twosAndFives(dd)); k > bound {
			k = bound
		}
		di.Mul(di, new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil))
		return new(big.Int).Mod(di, dd).Sign() == 0
	}
	// dd·10^-k | di: impossible once 10^-k alone exceeds di.
	if -k > int64(len(d.digits)) {
		return false
	}
	dd.Mul(dd, new(big.Int).Exp(big.NewInt(10), big.NewInt(-k), nil))
	return new(big.Int).Mod(di, dd).Sign() == 0
}

// multipleOfSmall is multipleOf in uint64 arithmetic, for digits that fit
// (the usual case); known is false when they do not.
func (d decimal) multipleOfSmall(div decimal) (ok, known bool) {
	if d.digits == "" {
		return true, true
	}
	if len(d.digits) > 18 || len(div.digits) > 18 {
		return false, false
	}
	di, _ := strconv.ParseUint(d.digits, 10, 64)
	dd, _ := strconv.ParseUint(div.digits, 10, 64)
	k := d.exp - div.exp
	if k >= 0 {
		// dd < 2^60 has at most 60 factors of 2 and 26 of 5: past 64 more
		// factors of ten change nothing. r stays below dd, so r*10 fits.
		k = min(k, 64)
		r := di % dd
		for ; k > 0 && r != 0; k-- {
			r = r * 10 % dd
		}
		return r == 0, true
	}
	if -k > 18 {
		return false, true // dd·10^-k exceeds di, which is not zero
	}
	m := dd
	for ; k < 0; k++ {
		if m > (1<<64-1)/10 {
			return false, true
		}
		m *= 10
	}
	return di%m == 0, true
}

// twosAndFives returns the larger of the powers of 2 and 5 dividing n.
func twosAndFives(n *big.Int) int {
	twos := int(n.TrailingZeroBits())
	fives := 0
	five, q, r := big.NewInt(5), new(big.Int).Set(n), new(big.Int)
	for q.Sign() != 0 {
		q.QuoRem(q, five, r)
		if r.Sign() != 0 {
			break
		}
		fives++
	}
	return max(twos, fives)
}

// String prints the number as Java does: an integer in full, a decimal as
// BigDecimal.toString() (plain when the exponent is small, else
// scientific: 1E+2, 1.5E-7).
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	if d.kind == Integer {
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", int(d.exp)))
		return b.String()
	}
	c, scale := d.digits, -d.exp
	adjusted := d.exp + int64(len(c)) - 1
	switch {
	case scale == 0:
		b.WriteString(c)
	case scale > 0 && adjusted >= -6:
		if n := int64(len(c)); n > scale {
			b.WriteString(c[:n-scale])
			b.WriteByte('.')
			b.WriteString(c[n-scale:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", int(scale-n)))
			b.WriteString(c)
		}
	default:
		b.WriteByte(c[0])
		if len(c) > 1 {
			b.WriteByte('.')
			b.WriteString(c[1:])
		}
		b.WriteByte('E')
		if adjusted > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(adjusted, 10))
	}
	return b.String()
}
