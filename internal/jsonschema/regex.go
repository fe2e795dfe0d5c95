package jsonschema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ECMA-262's white space and line terminators, which \s matches there (Go's
// \s is ASCII only), and their complement for \S inside a class.
const (
	ecmaSpace    = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`
	ecmaNotSpace = `\x{0}-\x{8}\x{e}-\x{1f}\x{21}-\x{9f}\x{a1}-\x{167f}\x{1681}-\x{1fff}\x{200b}-\x{2027}\x{202a}-\x{202e}\x{2030}-\x{205e}\x{2060}-\x{2fff}\x{3001}-\x{fefe}\x{ff00}-\x{10ffff}`
	ecmaDot      = `[^\n\r\x{2028}\x{2029}]`
)

// compileECMA compiles an ECMA-262 regular expression, as JSON Schema's
// pattern and patternProperties are written, into Go's RE2 syntax with the
// same meaning: \s and . as ECMA defines them, \uXXXX, \cX, [^] and [],
// and Annex B's identity escapes. Lookahead, lookbehind and back
// references have no RE2 equivalent and are errors, so a definition that
// needs them is refused at load rather than validated differently.
func compileECMA(pattern string) (*regexp.Regexp, error) {
	re, err := translateECMA(pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	c, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return c, nil
}

func translateECMA(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		if r == utf8.RuneError && size == 1 {
			return "", fmt.Errorf("invalid UTF-8")
		}
		switch {
		case r == '\\':
			n, err := translateEscape(&b, p[i+1:], inClass)
			if err != nil {
				return "", err
			}
			i += 1 + n
			continue
		case inClass && r == ']':
			inClass = false
			b.WriteByte(']')
		case inClass && r == '[':
			b.WriteString(`\[`) // literal in ECMA; Go would read [: as a POSIX class
		case !inClass && r == '[':
			switch {
			case strings.HasPrefix(p[i:], "[^]"):
				b.WriteString(`[\x{0}-\x{10ffff}]`)
				i += 3
				continue
			case strings.HasPrefix(p[i:], "[]"):
				b.WriteString(`[^\x{0}-\x{10ffff}]`)
				i += 2
				continue
			}
			inClass = true
			b.WriteByte('[')
			if strings.HasPrefix(p[i+1:], "^") {
				b.WriteByte('^')
				i++
			}
		case !inClass && r == '.':
			b.WriteString(ecmaDot)
		case !inClass && r == '(' && strings.HasPrefix(p[i:], "(?"):
			rest := p[i+2:]
			switch {
			case strings.HasPrefix(rest, ":"):
				b.WriteString("(?:")
				i += 3
				continue
			case strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "!"):
				return "", fmt.Errorf("lookahead %q is not supported", p[i:i+3])
			case strings.HasPrefix(rest, "<=") || strings.HasPrefix(rest, "<!"):
				return "", fmt.Errorf("lookbehind %q is not supported", p[i:i+4])
			case strings.HasPrefix(rest, "<"):
				b.WriteString("(?<") // a named group, which Go reads the same way
				i += 3
				continue
			}
			return "", fmt.Errorf("invalid group %q", p[i:min(len(p), i+3)])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	if inClass {
		return "", fmt.Errorf("missing closing ]")
	}
	return b.String(), nil
}

// translateEscape writes the meaning of the escape whose text (after the
// backslash) starts s, and returns how many bytes of s it used.
func translateEscape(b *strings.Builder, s string, inClass bool) (int, error) {
	if s == "" {
		return 0, fmt.Errorf(`trailing \`)
	}
	c, size := utf8.DecodeRuneInString(s)
	switch c {
	case 'd', 'D', 'w', 'W', 'f', 'n', 'r', 't', 'v':
		b.WriteByte('\\')
		b.WriteRune(c)
	case 's', 'S':
		set := ecmaSpace
		if c == 'S' {
			set = ecmaNotSpace
		}
		if inClass {
			b.WriteString(set)
		} else {
			b.WriteString("[" + set + "]")
		}
	case 'b', 'B':
		switch {
		case inClass && c == 'b':
			b.WriteString(`\x{8}`) // backspace inside a class
		case inClass:
			b.WriteByte('B')
		default:
			b.WriteByte('\\')
			b.WriteRune(c)
		}
	case 'c':
		if len(s) > 1 && isASCIILetter(s[1]) {
			fmt.Fprintf(b, `\x{%x}`, s[1]%32)
			return 2, nil
		}
		b.WriteString(`\\c`) // Annex B: a backslash and c
	case 'x':
		if len(s) >= 3 && isHex(s[1]) && isHex(s[2]) {
			b.WriteString(`\x{` + s[1:3] + `}`)
			return 3, nil
		}
		b.WriteByte('x')
	case 'u':
		if len(s) >= 5 && isHex4([]byte(s[1:5])) {
			v, _ := strconv.ParseUint(s[1:5], 16, 32)
			if v >= 0xd800 && v <= 0xdfff {
				return 0, fmt.Errorf(`surrogate escape \u%s is not supported`, s[1:5])
			}
			b.WriteString(`\x{` + s[1:5] + `}`)
			return 5, nil
		}
		b.WriteByte('u')
	case '0':
		if len(s) > 1 && s[1] >= '0' && s[1] <= '9' {
			return 0, fmt.Errorf(`octal escape \%s is not supported`, s[:2])
		}
		b.WriteString(`\x{0}`)
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return 0, fmt.Errorf(`back reference \%c is not supported`, c)
	default:
		switch {
		case c < utf8.RuneSelf && !isASCIILetter(byte(c)) && !(c >= '0' && c <= '9') && c != '_':
			b.WriteByte('\\') // escaped punctuation means itself in both
			b.WriteRune(c)
		default:
			b.WriteString(regexp.QuoteMeta(string(c))) // Annex B identity escape
		}
	}
	return size, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
