package vtl

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Java regular expressions (replaceAll, replaceFirst, matches, split) run
// on Go's RE2 engine after translateRegex. docs/vtl.md lists the
// differences; constructs RE2 cannot express (look-around, back
// references, atomic groups, possessive quantifiers, class intersection)
// are a PatternSyntaxException, as a bad pattern is in Java.

const maxRegexCache = 64

func (s *state) regex(pat string) (*regexp.Regexp, error) {
	if re, ok := s.re[pat]; ok {
		return re, nil
	}
	tr, err := translateRegex(pat)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(tr)
	if err != nil {
		return nil, fmt.Errorf("java.util.regex.PatternSyntaxException: %v", err)
	}
	if s.re == nil {
		s.re = make(map[string]*regexp.Regexp)
	}
	if len(s.re) < maxRegexCache {
		s.re[pat] = re
	}
	return re, nil
}

func unsupported(what, pat string) error {
	return fmt.Errorf("java.util.regex.PatternSyntaxException: %s not supported in %q", what, pat)
}

// posixClass maps Java's \p{Name} POSIX classes to RE2 class names.
func posixClass(name string) (string, bool) {
	switch name {
	case "Lower", "Upper", "Alpha", "Digit", "Alnum", "Punct", "Graph", "Print", "Blank", "Cntrl", "Space":
		return strings.ToLower(name), true
	case "XDigit":
		return "xdigit", true
	case "ASCII":
		return "ascii", true
	}
	return "", false
}

const (
	javaLineBreak = `\n\x0B\f\r\x{85}\x{2028}\x{2029}`
	javaHSpace    = ` \t\x{A0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}`
)

// translateRegex rewrites a java.util.regex pattern into RE2 syntax.
func translateRegex(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", errors.New("java.util.regex.PatternSyntaxException: unexpected internal error near index " + fmt.Sprint(len(p)))
			}
			d := p[i+1]
			i++
			switch {
			case d == 'Q':
				rest := p[i+1:]
				j := strings.Index(rest, `\E`)
				if j < 0 {
					b.WriteString(regexp.QuoteMeta(rest))
					i = len(p)
					continue
				}
				b.WriteString(regexp.QuoteMeta(rest[:j]))
				i += j + 2
			case d == 'p' || d == 'P':
				if i+1 < len(p) && p[i+1] == '{' {
					j := strings.IndexByte(p[i+1:], '}')
					if j < 0 {
						return "", unsupported("unclosed \\p{", p)
					}
					name := p[i+2 : i+1+j]
					i += j + 1
					if cls, ok := posixClass(name); ok {
						switch {
						case inClass && d == 'P':
							return "", unsupported("\\P{"+name+"} inside a class", p)
						case inClass:
							b.WriteString("[:" + cls + ":]")
						case d == 'P':
							b.WriteString("[^[:" + cls + ":]]")
						default:
							b.WriteString("[[:" + cls + ":]]")
						}
						continue
					}
					name = strings.TrimPrefix(strings.TrimPrefix(name, "Is"), "In")
					b.WriteString(`\` + string(d) + "{" + name + "}")
					continue
				}
				b.WriteByte('\\')
				b.WriteByte(d)
			case d == 'Z':
				b.WriteString(`\z`)
			case d == 'R':
				b.WriteString(`(?:\r\n|[` + javaLineBreak + `])`)
			case d == 'v':
				if inClass {
					b.WriteString(javaLineBreak)
				} else {
					b.WriteString(`[` + javaLineBreak + `]`)
				}
			case d == 'h':
				if inClass {
					b.WriteString(javaHSpace)
				} else {
					b.WriteString(`[` + javaHSpace + `]`)
				}
			case d == 'e':
				b.WriteString(`\x1B`)
			case d == 'u':
				if i+4 >= len(p) {
					return "", unsupported("short \\u escape", p)
				}
				b.WriteString(`\x{` + p[i+1:i+5] + `}`)
				i += 4
			case d >= '1' && d <= '9' && !inClass, d == 'k':
				return "", unsupported("back reference", p)
			case d == 'G' || d == 'c' || d == '0':
				return "", unsupported("\\"+string(d), p)
			default:
				b.WriteByte('\\')
				b.WriteByte(d)
			}
			continue
		case c == '[':
			if inClass {
				if i+1 < len(p) && p[i+1] == ':' {
					return "", unsupported("[: inside a class", p)
				}
				return "", unsupported("nested character class", p)
			}
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			continue
		case c == ']' && inClass:
			inClass = false
		case c == '&' && inClass && i+1 < len(p) && p[i+1] == '&':
			return "", unsupported("class intersection &&", p)
		case c == '(' && !inClass && i+2 < len(p) && p[i+1] == '?':
			switch d := p[i+2]; {
			case d == '=' || d == '!':
				return "", unsupported("look-ahead", p)
			case d == '>':
				return "", unsupported("atomic group", p)
			case d == '<' && i+3 < len(p) && (p[i+3] == '=' || p[i+3] == '!'):
				return "", unsupported("look-behind", p)
			}
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// replacement is a parsed java.util.regex replacement string.
type replacement struct {
	lit   []string // lit[i] comes before group[i]; len(lit) == len(group)+1
	group []int
}

// parseReplacement follows Matcher.appendReplacement: \x is x, $n and
// ${name} are groups; $n takes more digits while the group exists.
func parseReplacement(re *regexp.Regexp, r string) (*replacement, error) {
	rep := &replacement{}
	var cur strings.Builder
	groups := re.NumSubexp()
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch c {
		case '\\':
			i++
			if i >= len(r) {
				return nil, errors.New("java.lang.IllegalArgumentException: character to be escaped is missing")
			}
			cur.WriteByte(r[i])
		case '$':
			i++
			if i >= len(r) {
				return nil, errors.New("java.lang.IllegalArgumentException: Illegal group reference: group index is missing")
			}
			g := -1
			if r[i] == '{' {
				j := strings.IndexByte(r[i:], '}')
				if j < 0 {
					return nil, errors.New("java.lang.IllegalArgumentException: named capturing group is missing trailing '}'")
				}
				name := r[i+1 : i+j]
				g = re.SubexpIndex(name)
				if g < 0 {
					return nil, fmt.Errorf("java.lang.IllegalArgumentException: No group with name {%s}", name)
				}
				i += j
			} else {
				if !isDigit(r[i]) {
					return nil, errors.New("java.lang.IllegalArgumentException: Illegal group reference")
				}
				g = int(r[i] - '0')
				for i+1 < len(r) && isDigit(r[i+1]) {
					n := g*10 + int(r[i+1]-'0')
					if n > groups {
						break
					}
					g = n
					i++
				}
				if g > groups {
					return nil, fmt.Errorf("java.lang.IndexOutOfBoundsException: No group %d", g)
				}
			}
			rep.lit = append(rep.lit, cur.String())
			rep.group = append(rep.group, g)
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	rep.lit = append(rep.lit, cur.String())
	return rep, nil
}

// javaReplace is String.replaceAll / replaceFirst.
func javaReplace(re *regexp.Regexp, s, repl string, all bool, max int) (any, error) {
	n := -1
	if !all {
		n = 1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return s, nil
	}
	rep, err := parseReplacement(re, repl)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		for i, g := range rep.group {
			b.WriteString(rep.lit[i])
			if m[2*g] >= 0 {
				b.WriteString(s[m[2*g]:m[2*g+1]])
			}
		}
		b.WriteString(rep.lit[len(rep.lit)-1])
		last = m[1]
		if b.Len() > max {
			return nil, ErrLimit
		}
	}
	b.WriteString(s[last:])
	if b.Len() > max {
		return nil, ErrLimit
	}
	return b.String(), nil
}

// javaSplit is String.split(regex, limit).
func javaSplit(re *regexp.Regexp, s string, limit int) *List {
	var parts []any
	index := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if limit > 0 && len(parts) >= limit-1 {
			break
		}
		if m[1] == 0 { // a zero-width match at the beginning gives no empty leading part
			continue
		}
		parts = append(parts, s[index:m[0]])
		index = m[1]
	}
	if index == 0 && len(parts) == 0 {
		return &List{items: []any{s}}
	}
	parts = append(parts, s[index:])
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	return &List{items: parts}
}
