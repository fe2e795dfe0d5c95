package vtl

import "strings"

// The lexer follows the lexical states of Velocity 1.7's Parser.jjt. The
// parser drives it: in text (the DEFAULT state) it asks for text runs,
// comments and directive names; inside a directive's parentheses it asks
// for expression tokens; after $ it scans a reference character by
// character (the REFERENCE states).

type tokKind uint8

const (
	tEOF      tokKind = iota
	tWS               // spaces, tabs, newlines
	tString           // "..." or '...'
	tInt              // -?[0-9]+
	tFloat            // -?[0-9]+.[0-9]*([eE][+-]?[0-9]+)? and friends
	tTrue             // true
	tFalse            // false
	tWord             // [a-zA-Z_@][a-zA-Z0-9_@]*
	tDollar           // $ or $! starting a reference
	tLParen           // (
	tRParen           // )
	tLBracket         // [
	tRBracket         // ]
	tLBrace           // {
	tRBrace           // }
	tComma            // ,
	tColon            // :
	tDotDot           // ..
	tAssign           // =
	tNot              // ! or not
	tOp               // a binary operator, in op
	tIllegal          // anything else
)

type token struct {
	kind tokKind
	pos  int // offset in the lexer's source
	end  int
	op   Op
}

type lexer struct {
	src  string
	base Pos // added to offsets to give node positions
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIdentStart and isIdentChar are Velocity's reference IDENTIFIER:
// ( ALPHA | "_" ) ( ALPHA | DIGIT | "-" | "_" )*.
func isIdentStart(c byte) bool { return isAlpha(c) || c == '_' }
func isIdentChar(c byte) bool  { return isAlpha(c) || isDigit(c) || c == '-' || c == '_' }

// isWordStart and isWordChar are the directive WORD: ( LETTER | "_" | "@" )
// ( LETTER | DIGIT | "_" | "@" )*.
func isWordStart(c byte) bool { return isAlpha(c) || c == '_' || c == '@' }
func isWordChar(c byte) bool  { return isAlpha(c) || isDigit(c) || c == '_' || c == '@' }

func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// scanIdent returns the end of the identifier starting at i (i if none).
func (lx *lexer) scanIdent(i int) int {
	if i >= len(lx.src) || !isIdentStart(lx.src[i]) {
		return i
	}
	i++
	for i < len(lx.src) && isIdentChar(lx.src[i]) {
		i++
	}
	return i
}

// scanWord returns the end of the directive word starting at i (i if none).
func (lx *lexer) scanWord(i int) int {
	if i >= len(lx.src) || !isWordStart(lx.src[i]) {
		return i
	}
	i++
	for i < len(lx.src) && isWordChar(lx.src[i]) {
		i++
	}
	return i
}

// scanTrail returns the end of ( " " | "\t" )* ( "\n" | "\r" | "\r\n" )
// starting at i, or i when no newline follows the blanks. Directives eat
// this after their closing parenthesis, #else and #end.
func (lx *lexer) scanTrail(i int) int {
	j := i
	for j < len(lx.src) && (lx.src[j] == ' ' || lx.src[j] == '\t') {
		j++
	}
	switch lx.at(j) {
	case '\n':
		return j + 1
	case '\r':
		if lx.at(j+1) == '\n' {
			return j + 2
		}
		return j + 1
	}
	return i
}

// scanSet matches Velocity's SET_DIRECTIVE token at i:
// (" "|"\t")* ("#set" | "#{set}") (" ")* "(". It returns the end of the
// token (after the parenthesis), the offset of '#', and whether the
// braced form was used; ok is false when there is no such token.
func (lx *lexer) scanSet(i int) (end, hash int, braced, ok bool) {
	j := i
	for j < len(lx.src) && (lx.src[j] == ' ' || lx.src[j] == '\t') {
		j++
	}
	hash = j
	switch {
	case strings.HasPrefix(lx.src[j:], "#set"):
		j += 4
	case strings.HasPrefix(lx.src[j:], "#{set}"):
		j += 6
		braced = true
	default:
		return 0, 0, false, false
	}
	for j < len(lx.src) && lx.src[j] == ' ' {
		j++
	}
	if lx.at(j) != '(' {
		return 0, 0, false, false
	}
	return j + 1, hash, braced, true
}

// textEnd returns the end of the TEXT run starting at i: everything up to
// the next '$', '#' or '\'.
func (lx *lexer) textEnd(i int) int {
	for i < len(lx.src) {
		switch lx.src[i] {
		case '$', '#', '\\':
			return i
		}
		i++
	}
	return i
}

// isLeftParen reports whether optional whitespace (including newlines)
// and then '(' follow i, as the parser's isLeftParenthesis does for
// directive names.
func (lx *lexer) isLeftParen(i int) bool {
	for i < len(lx.src) {
		switch lx.src[i] {
		case '(':
			return true
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return false
		}
	}
	return false
}

// next scans one token of the DIRECTIVE state at i.
func (lx *lexer) next(i int) token {
	s := lx.src
	if i >= len(s) {
		return token{kind: tEOF, pos: i, end: i}
	}
	t := token{pos: i}
	c := s[i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
			j++
		}
		t.kind, t.end = tWS, j
	case c == '"' || c == '\'':
		t.end = lx.scanString(i)
		if t.end < 0 {
			t.kind, t.end = tIllegal, len(s)
		} else {
			t.kind = tString
		}
	case isDigit(c) || (c == '-' || c == '.') && (isDigit(lx.at(i+1)) || c == '-' && lx.at(i+1) == '.' && isDigit(lx.at(i+2))):
		t.kind, t.end = lx.scanNumber(i)
	case c == '$':
		j := i + 1
		if lx.at(j) == '!' {
			j++
		}
		t.kind, t.end = tDollar, j
	case c == '(':
		t.kind, t.end = tLParen, i+1
	case c == ')':
		t.kind, t.end = tRParen, i+1
	case c == '[':
		t.kind, t.end = tLBracket, i+1
	case c == ']':
		t.kind, t.end = tRBracket, i+1
	case c == '{':
		t.kind, t.end = tLBrace, i+1
	case c == '}':
		t.kind, t.end = tRBrace, i+1
	case c == ',':
		t.kind, t.end = tComma, i+1
	case c == ':':
		t.kind, t.end = tColon, i+1
	case c == '.' && lx.at(i+1) == '.':
		t.kind, t.end = tDotDot, i+2
	case c == '=':
		if lx.at(i+1) == '=' {
			t.kind, t.op, t.end = tOp, OpEq, i+2
		} else {
			t.kind, t.end = tAssign, i+1
		}
	case c == '!':
		if lx.at(i+1) == '=' {
			t.kind, t.op, t.end = tOp, OpNe, i+2
		} else {
			t.kind, t.end = tNot, i+1
		}
	case c == '<' || c == '>':
		t.kind, t.end = tOp, i+1
		t.op = OpLt
		if c == '>' {
			t.op = OpGt
		}
		if lx.at(i+1) == '=' {
			t.op += OpLe - OpLt
			t.end++
		}
	case c == '&' && lx.at(i+1) == '&':
		t.kind, t.op, t.end = tOp, OpAnd, i+2
	case c == '|' && lx.at(i+1) == '|':
		t.kind, t.op, t.end = tOp, OpOr, i+2
	case c == '+':
		t.kind, t.op, t.end = tOp, OpAdd, i+1
	case c == '-':
		t.kind, t.op, t.end = tOp, OpSub, i+1
	case c == '*':
		t.kind, t.op, t.end = tOp, OpMul, i+1
	case c == '/':
		t.kind, t.op, t.end = tOp, OpDiv, i+1
	case c == '%':
		t.kind, t.op, t.end = tOp, OpMod, i+1
	case isWordStart(c):
		j := lx.scanWord(i)
		t.end = j
		t.kind = tWord
		// Keywords win over WORD when the lengths tie (they are declared
		// first in the grammar); a longer word is a WORD.
		switch s[i:j] {
		case "true":
			t.kind = tTrue
		case "false":
			t.kind = tFalse
		case "and":
			t.kind, t.op = tOp, OpAnd
		case "or":
			t.kind, t.op = tOp, OpOr
		case "not":
			t.kind = tNot
		case "eq":
			t.kind, t.op = tOp, OpEq
		case "ne":
			t.kind, t.op = tOp, OpNe
		case "lt":
			t.kind, t.op = tOp, OpLt
		case "gt":
			t.kind, t.op = tOp, OpGt
		case "le":
			t.kind, t.op = tOp, OpLe
		case "ge":
			t.kind, t.op = tOp, OpGe
		}
	default:
		t.kind, t.end = tIllegal, i+1
	}
	return t
}

// scanString returns the end of the string literal starting at i, or -1
// if it is not terminated. A doubled quote character inside the literal
// is an escaped quote.
func (lx *lexer) scanString(i int) int {
	q := lx.src[i]
	j := i + 1
	for j < len(lx.src) {
		if lx.src[j] == q {
			if lx.at(j+1) == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return -1
}

// scanNumber scans INTEGER_LITERAL or FLOATING_POINT_LITERAL at i. An
// integer directly followed by ".." stays an integer (ranges).
func (lx *lexer) scanNumber(i int) (tokKind, int) {
	j := i
	if lx.at(j) == '-' {
		j++
	}
	d := j
	for isDigit(lx.at(j)) {
		j++
	}
	kind := tInt
	if lx.at(j) == '.' && lx.at(j+1) != '.' {
		if j > d || isDigit(lx.at(j+1)) {
			kind = tFloat
			j++
			for isDigit(lx.at(j)) {
				j++
			}
		}
	}
	if j > d && (lx.at(j) == 'e' || lx.at(j) == 'E') {
		k := j + 1
		if lx.at(k) == '+' || lx.at(k) == '-' {
			k++
		}
		if isDigit(lx.at(k)) {
			for isDigit(lx.at(k)) {
				k++
			}
			kind, j = tFloat, k
		}
	}
	return kind, j
}
