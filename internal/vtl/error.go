package vtl

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a parse or execution error with its position in the template.
type Error struct {
	Template string // the name given to Parse
	Line     int    // 1-based
	Col      int    // 1-based, in characters
	Msg      string
	Snippet  string // the source line, cut to at most 80 characters around Col
	Err      error  // the cause: ErrLimit, a host error, or nil
}

// Error formats the error as "name:line:col: msg", followed by the
// snippet on its own indented line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Template)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Col))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Snippet != "" {
		b.WriteString("\n\t")
		b.WriteString(e.Snippet)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

const snippetWidth = 80

func newError(name, src string, pos Pos, msg string, cause error) *Error {
	p := int(pos)
	if p < 0 {
		p = 0
	}
	if p > len(src) {
		p = len(src)
	}
	for p > 0 && p < len(src) && !utf8.RuneStart(src[p]) {
		p--
	}
	lineStart := strings.LastIndexByte(src[:p], '\n') + 1
	line := 1 + strings.Count(src[:lineStart], "\n")
	col := 1 + utf8.RuneCountInString(src[lineStart:p])
	lineEnd := strings.IndexByte(src[p:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src)
	} else {
		lineEnd += p
	}
	text := strings.TrimSuffix(src[lineStart:lineEnd], "\r")
	// Keep a window of the line around the column.
	runes := []rune(text)
	c := col - 1
	from := 0
	if c > snippetWidth/2 {
		from = c - snippetWidth/2
	}
	to := min(len(runes), from+snippetWidth)
	snippet := string(runes[from:to])
	return &Error{Template: name, Line: line, Col: col, Msg: msg, Snippet: snippet, Err: cause}
}
