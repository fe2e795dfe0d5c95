package vtl

import (
	"strings"
)

// Pos is a byte offset into the template source.
type Pos int

// Position returns p; embedding Pos gives every node its Position method.
func (p Pos) Position() Pos { return p }

// Node is an element of the syntax tree. The set of nodes is closed: only
// this package implements Node. String prints the node back as template
// source: references, literals, text and comments exactly as written,
// directive headers in a canonical spelling (whitespace inside #if(...)
// and friends normalized), so that parsing the printed form gives the
// same tree.
type Node interface {
	Position() Pos
	String() string
	writeTo(b *strings.Builder)
}

// Expr is a node that has a value: references, literals and operators.
type Expr interface {
	Node
	expr()
}

// ListNode is a sequence of statements (a template body or a block).
type ListNode struct {
	Pos
	Nodes []Node
}

// TextNode is literal text, printed as is.
type TextNode struct {
	Pos
	Text string
}

// EscapeNode is source whose output differs from its text: an escaped
// directive (\#if prints #if) or backslashes in front of a directive
// (\\#if prints \ and then runs the #if).
type EscapeNode struct {
	Pos
	Raw string // the source text
	Out string // what it prints
}

// CommentNode is a ## line comment (with its newline) or a #* block *#
// comment. It prints nothing.
type CommentNode struct {
	Pos
	Raw string
}

// TextBlockNode is #[[ unparsed text ]]#; it prints the text between the
// brackets.
type TextBlockNode struct {
	Pos
	Raw string
}

// PartKind tells what a reference part does.
type PartKind uint8

// Reference part kinds.
const (
	PartProperty PartKind = iota // .name
	PartMethod                   // .name(args)
	PartIndex                    // [arg]
)

// RefPart is one step of a reference after its root identifier.
type RefPart struct {
	Pos
	Kind PartKind
	Name string // property or method name
	Args []Expr // method arguments, or the single index argument
}

// RefNode is a reference: $a, $!a, ${a}, $!{a.b(1)[0]}, with the
// backslashes written in front of it.
type RefNode struct {
	Pos
	Escapes int    // number of backslashes before $
	Quiet   bool   // $!
	Formal  bool   // ${...}
	Name    string // root identifier
	Parts   []RefPart
	Raw     string // source from $ to the end, printed when unresolved
	// sym numbers Name among the names of the template that tab belongs
	// to (1-based), so that an execution finds the variable by index.
	sym int32
	tab *symtab
}

// symtab identifies the names of one parsed template; n is how many.
// evaluates is set when the template has an #evaluate directive.
type symtab struct {
	n         int
	evaluates bool
}

// StringNode is a string literal. Double-quoted strings containing $ or #
// are templates themselves (Interp), rendered when evaluated.
type StringNode struct {
	Pos
	Raw    string    // with quotes, as written
	Value  string    // unquoted and unescaped
	Interp *ListNode // nil unless interpolated
	// boxed is Value as an any, made once by the parser so that
	// evaluating the literal ($input.json('$')) does not allocate; nil in
	// nodes built elsewhere.
	boxed any
}

// IntNode is an integer literal.
type IntNode struct {
	Pos
	Raw   string
	Value any // int64 or *big.Int
}

// FloatNode is a floating-point literal (a Java double).
type FloatNode struct {
	Pos
	Raw   string
	Value float64
}

// BoolNode is true or false.
type BoolNode struct {
	Pos
	Value bool
}

// WordNode is a bare word in a directive's arguments (the "in" of
// #foreach, a macro's name).
type WordNode struct {
	Pos
	Word string
}

// ListLitNode is a list literal [a, b].
type ListLitNode struct {
	Pos
	Elems []Expr
}

// MapLitNode is a map literal {k: v, ...}.
type MapLitNode struct {
	Pos
	Keys, Vals []Expr
}

// RangeNode is an integer range [from..to].
type RangeNode struct {
	Pos
	From, To Expr
}

// Op is a binary operator.
type Op uint8

// Binary operators, lowest precedence first.
const (
	OpOr Op = iota
	OpAnd
	OpEq
	OpNe
	OpLt
	OpGt
	OpLe
	OpGe
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
)

// opNames holds the canonical spelling of each operator, in Op order.
const opNames = "|| && == != <  >  <= >= +  -  *  /  % "

// String returns the operator's canonical spelling.
func (o Op) String() string {
	if int(o)*3+2 > len(opNames) {
		return "?"
	}
	return strings.TrimSpace(opNames[o*3 : o*3+2])
}

// BinaryNode is X Op Y.
type BinaryNode struct {
	Pos
	Op   Op
	X, Y Expr
}

// NotNode is !X (or not X).
type NotNode struct {
	Pos
	X Expr
}

// ParenNode is (X).
type ParenNode struct {
	Pos
	X Expr
}

// IfBranch is #if(cond) or #elseif(cond) with its block.
type IfBranch struct {
	Pos
	Braced bool // #{if} / #{elseif}
	Cond   Expr
	Trail  string // spaces and the newline eaten after ")"
	Body   *ListNode
}

// EndTag is the #end (or #else) that closes a block, with the spaces and
// newline it eats.
type EndTag struct {
	Pos
	Braced bool
	Trail  string
}

// IfNode is #if ... #elseif ... #else ... #end.
type IfNode struct {
	Pos
	Branches []*IfBranch // the #if, then each #elseif
	ElseTag  *EndTag     // nil without #else
	Else     *ListNode
	End      EndTag
}

// SetNode is #set($ref = expr).
type SetNode struct {
	Pos
	Lead   string // spaces and tabs before #set, eaten with it
	Braced bool
	Target *RefNode
	Value  Expr
	Trail  string
}

// ForeachNode is #foreach($var in expr) ... #end.
type ForeachNode struct {
	Pos
	Braced bool
	Var    *RefNode
	Iter   Expr
	Trail  string
	Body   *ListNode
	End    EndTag
}

// DefineNode is #define($name) ... #end.
type DefineNode struct {
	Pos
	Braced bool
	Name   *RefNode
	Trail  string
	Body   *ListNode
	End    EndTag
}

// MacroNode is #macro(name $a $b) ... #end.
type MacroNode struct {
	Pos
	Braced bool
	Name   string
	Params []string // without the $
	Trail  string
	Body   *ListNode
	End    EndTag
}

// MacroCallNode is #name(args) (or #@name(args) ... #end, a block call).
// When no macro of that name exists it prints its source (Raw) as text.
type MacroCallNode struct {
	Pos
	Name  string // without # and @
	Block bool   // #@name ... #end; the body is $bodyContent
	Args  []Expr
	Raw   string // the whole source of the call, including a block's body and #end
	Body  *ListNode
}

// DirectiveNode is a line directive with optional arguments: #break,
// #stop, #evaluate, #include, #parse.
type DirectiveNode struct {
	Pos
	Name   string
	Braced bool
	Parens bool
	Args   []Expr
	Trail  string
}

// LiteralNode is #literal() ... #end; it prints its body's source.
type LiteralNode struct {
	Pos
	Braced bool
	Trail  string
	Raw    string // the body's source
	End    EndTag
}

func (*RefNode) expr()     {}
func (*StringNode) expr()  {}
func (*IntNode) expr()     {}
func (*FloatNode) expr()   {}
func (*BoolNode) expr()    {}
func (*WordNode) expr()    {}
func (*ListLitNode) expr() {}
func (*MapLitNode) expr()  {}
func (*RangeNode) expr()   {}
func (*BinaryNode) expr()  {}
func (*NotNode) expr()     {}
func (*ParenNode) expr()   {}

func str(n Node) string {
	var b strings.Builder
	n.writeTo(&b)
	return b.String()
}

func (n *ListNode) String() string      { return str(n) }
func (n *TextNode) String() string      { return n.Text }
func (n *EscapeNode) String() string    { return n.Raw }
func (n *CommentNode) String() string   { return n.Raw }
func (n *TextBlockNode) String() string { return n.Raw }
func (n *RefNode) String() string       { return str(n) }
func (n *StringNode) String() string    { return n.Raw }
func (n *IntNode) String() string       { return n.Raw }
func (n *FloatNode) String() string     { return n.Raw }
func (n *BoolNode) String() string      { return str(n) }
func (n *WordNode) String() string      { return n.Word }
func (n *ListLitNode) String() string   { return str(n) }
func (n *MapLitNode) String() string    { return str(n) }
func (n *RangeNode) String() string     { return str(n) }
func (n *BinaryNode) String() string    { return str(n) }
func (n *NotNode) String() string       { return str(n) }
func (n *ParenNode) String() string     { return str(n) }
func (n *IfNode) String() string        { return str(n) }
func (n *SetNode) String() string       { return str(n) }
func (n *ForeachNode) String() string   { return str(n) }
func (n *DefineNode) String() string    { return str(n) }
func (n *MacroNode) String() string     { return str(n) }
func (n *MacroCallNode) String() string { return n.Raw }
func (n *DirectiveNode) String() string { return str(n) }
func (n *LiteralNode) String() string   { return str(n) }

func (n *ListNode) writeTo(b *strings.Builder) {
	for _, c := range n.Nodes {
		c.writeTo(b)
	}
}
func (n *TextNode) writeTo(b *strings.Builder)      { b.WriteString(n.Text) }
func (n *EscapeNode) writeTo(b *strings.Builder)    { b.WriteString(n.Raw) }
func (n *CommentNode) writeTo(b *strings.Builder)   { b.WriteString(n.Raw) }
func (n *TextBlockNode) writeTo(b *strings.Builder) { b.WriteString(n.Raw) }
func (n *RefNode) writeTo(b *strings.Builder) {
	for range n.Escapes {
		b.WriteByte('\\')
	}
	b.WriteString(n.Raw)
}
func (n *StringNode) writeTo(b *strings.Builder) { b.WriteString(n.Raw) }
func (n *IntNode) writeTo(b *strings.Builder)    { b.WriteString(n.Raw) }
func (n *FloatNode) writeTo(b *strings.Builder)  { b.WriteString(n.Raw) }
func (n *BoolNode) writeTo(b *strings.Builder) {
	if n.Value {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
}
func (n *WordNode) writeTo(b *strings.Builder) { b.WriteString(n.Word) }
func (n *ListLitNode) writeTo(b *strings.Builder) {
	b.WriteByte('[')
	for i, e := range n.Elems {
		if i > 0 {
			b.WriteString(", ")
		}
		e.writeTo(b)
	}
	b.WriteByte(']')
}
func (n *MapLitNode) writeTo(b *strings.Builder) {
	b.WriteByte('{')
	for i := range n.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		n.Keys[i].writeTo(b)
		b.WriteString(" : ")
		n.Vals[i].writeTo(b)
	}
	b.WriteByte('}')
}
func (n *RangeNode) writeTo(b *strings.Builder) {
	b.WriteByte('[')
	n.From.writeTo(b)
	b.WriteString("..")
	n.To.writeTo(b)
	b.WriteByte(']')
}
func (n *BinaryNode) writeTo(b *strings.Builder) {
	n.X.writeTo(b)
	b.WriteByte(' ')
	b.WriteString(n.Op.String())
	b.WriteByte(' ')
	n.Y.writeTo(b)
}
func (n *NotNode) writeTo(b *strings.Builder) {
	b.WriteByte('!')
	n.X.writeTo(b)
}
func (n *ParenNode) writeTo(b *strings.Builder) {
	b.WriteByte('(')
	n.X.writeTo(b)
	b.WriteByte(')')
}

func writeDirective(b *strings.Builder, name string, braced bool) {
	b.WriteByte('#')
	if braced {
		b.WriteByte('{')
		b.WriteString(name)
		b.WriteByte('}')
	} else {
		b.WriteString(name)
	}
}

func (t *EndTag) write(b *strings.Builder, name string) {
	writeDirective(b, name, t.Braced)
	b.WriteString(t.Trail)
}

func (n *IfNode) writeTo(b *strings.Builder) {
	for i, br := range n.Branches {
		name := "if"
		if i > 0 {
			name = "elseif"
		}
		writeDirective(b, name, br.Braced)
		b.WriteByte('(')
		br.Cond.writeTo(b)
		b.WriteByte(')')
		b.WriteString(br.Trail)
		br.Body.writeTo(b)
	}
	if n.ElseTag != nil {
		n.ElseTag.write(b, "else")
		n.Else.writeTo(b)
	}
	n.End.write(b, "end")
}

func (n *SetNode) writeTo(b *strings.Builder) {
	b.WriteString(n.Lead)
	writeDirective(b, "set", n.Braced)
	b.WriteByte('(')
	n.Target.writeTo(b)
	b.WriteString(" = ")
	n.Value.writeTo(b)
	b.WriteByte(')')
	b.WriteString(n.Trail)
}

func (n *ForeachNode) writeTo(b *strings.Builder) {
	writeDirective(b, "foreach", n.Braced)
	b.WriteByte('(')
	n.Var.writeTo(b)
	b.WriteString(" in ")
	n.Iter.writeTo(b)
	b.WriteByte(')')
	b.WriteString(n.Trail)
	n.Body.writeTo(b)
	n.End.write(b, "end")
}

func (n *DefineNode) writeTo(b *strings.Builder) {
	writeDirective(b, "define", n.Braced)
	b.WriteByte('(')
	n.Name.writeTo(b)
	b.WriteByte(')')
	b.WriteString(n.Trail)
	n.Body.writeTo(b)
	n.End.write(b, "end")
}

func (n *MacroNode) writeTo(b *strings.Builder) {
	writeDirective(b, "macro", n.Braced)
	b.WriteByte('(')
	b.WriteString(n.Name)
	for _, p := range n.Params {
		b.WriteString(" $")
		b.WriteString(p)
	}
	b.WriteByte(')')
	b.WriteString(n.Trail)
	n.Body.writeTo(b)
	n.End.write(b, "end")
}

func (n *MacroCallNode) writeTo(b *strings.Builder) { b.WriteString(n.Raw) }

func (n *DirectiveNode) writeTo(b *strings.Builder) {
	writeDirective(b, n.Name, n.Braced)
	if n.Parens {
		b.WriteByte('(')
		for i, a := range n.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			a.writeTo(b)
		}
		b.WriteByte(')')
		b.WriteString(n.Trail)
	}
}

func (n *LiteralNode) writeTo(b *strings.Builder) {
	writeDirective(b, "literal", n.Braced)
	b.WriteString("()")
	b.WriteString(n.Trail)
	b.WriteString(n.Raw)
	n.End.write(b, "end")
}
