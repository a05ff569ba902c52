//! The condition language of procedure definitions: a small expression language with no
//! loops, recursion or user functions (so not Turing-complete), checked against the fact
//! vocabulary when the set is loaded and evaluated under three-valued logic.
//!
//! ```text
//! expr     := or
//! or       := and ("or" and)*
//! and      := not ("and" not)*
//! not      := "not" not | cmp
//! cmp      := value (("=="|"!="|"<"|"<="|">"|">=") value | "in" list | "contains" STRING)?
//! value    := primary ("??" literal)?          -- a default for an unknown fact, stated openly
//! primary  := INT | STRING | "true" | "false" | list | "(" expr ")"
//!           | ("any"|"all"|"count") "(" SET ["," expr] ")"
//!           | path
//! path     := IDENT ("." IDENT)*                -- member.age, household.dogs, deceased.pension_recipient, param.x
//! SET      := "movers" | "remaining" | "members" | "subjects"
//! ```
//!
//! Every node carries its byte span in the condition text so the checker can point at it.

use std::fmt;

pub type Span = std::ops::Range<usize>;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Int(i64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// A syntax error: where, what, and a hint.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
}

fn serr<T>(span: Span, message: impl Into<String>, hint: Option<&str>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        span,
        message: message.into(),
        hint: hint.map(str::to_string),
    })
}

const OPS: [&str; 14] = [
    "==", "!=", "<=", ">=", "??", "<", ">", "(", ")", "[", "]", ",", ".", "-",
];

pub fn lex(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().expect("in bounds");
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '#' {
            // A comment runs to the end of the line.
            while i < src.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < src.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let n = src[start..i]
                .parse::<i64>()
                .or_else(|_| serr(start..i, "number too large", None))?;
            out.push(Token {
                tok: Tok::Int(n),
                span: start..i,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < src.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(src[start..i].to_string()),
                span: start..i,
            });
            continue;
        }
        if c == '"' {
            let start = i;
            i += 1;
            let body_start = i;
            while i < src.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += 1;
            }
            if i >= src.len() || bytes[i] != b'"' {
                return serr(
                    start..i,
                    "unterminated string",
                    Some("close the code value with a double quote"),
                );
            }
            out.push(Token {
                tok: Tok::Str(src[body_start..i].to_string()),
                span: start..i + 1,
            });
            i += 1;
            continue;
        }
        if let Some(op) = OPS.iter().find(|op| src[i..].starts_with(**op)) {
            out.push(Token {
                tok: Tok::Op(op),
                span: i..i + op.len(),
            });
            i += op.len();
            continue;
        }
        let hint = match c {
            '=' => Some("use `==` to compare"),
            '&' => Some("write `and`"),
            '|' => Some("write `or`"),
            '!' => Some("write `not`, or `!=` to compare"),
            '\'' => Some("code values are written in double quotes: \"nhi\""),
            '＝' | '＜' | '＞' | '（' | '）' | '　' => {
                Some("this is a full-width character; use the half-width one")
            }
            _ => None,
        };
        return serr(
            i..i + c.len_utf8(),
            format!("unexpected character `{c}`"),
            hint,
        );
    }
    Ok(out)
}

/// The member sets a quantifier ranges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberSet {
    Movers,
    Remaining,
    Members,
    Subjects,
}

impl MemberSet {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "movers" => MemberSet::Movers,
            "remaining" => MemberSet::Remaining,
            "members" => MemberSet::Members,
            "subjects" => MemberSet::Subjects,
            _ => return None,
        })
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            MemberSet::Movers => "異動する世帯員",
            MemberSet::Remaining => "残る世帯員",
            MemberSet::Members => "世帯員",
            MemberSet::Subjects => "対象者",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            MemberSet::Movers => "the movers",
            MemberSet::Remaining => "the remaining members",
            MemberSet::Members => "the members",
            MemberSet::Subjects => "the persons concerned",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    Any,
    All,
    Count,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn text(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Int(i64),
    Str(String),
    Bool(bool),
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Int(n) => write!(f, "{n}"),
            Lit::Str(s) => write!(f, "\"{s}\""),
            Lit::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Lit),
    List(Vec<(Lit, Span)>),
    /// A dotted path, with the span of each segment.
    Path(Vec<(String, Span)>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<(Lit, Span)>),
    Contains(Box<Expr>, String, Span),
    Default(Box<Expr>, Lit, Span),
    Quant(Quant, MemberSet, Span, Option<Box<Expr>>),
}

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    end: usize,
    /// Nesting of parentheses, quantifier bodies and `not`s so far.
    depth: usize,
}

/// Deepest nesting a condition may have. Real conditions nest 3–5 levels; the limit keeps the
/// recursive parser (and everything that walks the tree after it) far from the stack's end,
/// so 5,000 nested parentheses get a diagnostic at file:line:column, not a stack overflow.
pub const MAX_NESTING: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn peek_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(w), .. }) if w == word)
    }
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Op(o), .. }) if *o == op)
    }
    fn here(&self) -> Span {
        self.peek()
            .map(|t| t.span.clone())
            .unwrap_or(self.end..self.end)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect_op(&mut self, op: &str, hint: Option<&str>) -> Result<Span, SyntaxError> {
        if self.peek_op(op) {
            Ok(self.next().expect("peeked").span)
        } else {
            serr(self.here(), format!("expected `{op}`"), hint)
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.nested(|p| p.or())
    }

    /// Runs one level of nesting, refusing to go deeper than [`MAX_NESTING`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        if self.depth >= MAX_NESTING {
            let at = self.here();
            return serr(
                at,
                format!("the condition is nested more than {MAX_NESTING} levels deep"),
                Some(
                    "split it into simpler conditions (e.g. a derived fact or separate procedures)",
                ),
            );
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.and()?;
        if !self.peek_ident("or") {
            return Ok(first);
        }
        let start = first.span.start;
        let mut items = vec![first];
        while self.peek_ident("or") {
            self.next();
            items.push(self.and()?);
        }
        let end = items.last().expect("non-empty").span.end;
        Ok(Expr {
            kind: ExprKind::Or(items),
            span: start..end,
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.not()?;
        if !self.peek_ident("and") {
            return Ok(first);
        }
        let start = first.span.start;
        let mut items = vec![first];
        while self.peek_ident("and") {
            self.next();
            items.push(self.not()?);
        }
        let end = items.last().expect("non-empty").span.end;
        Ok(Expr {
            kind: ExprKind::And(items),
            span: start..end,
        })
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.peek_ident("not") {
            let start = self.next().expect("peeked").span.start;
            let inner = self.nested(|p| p.not())?;
            let end = inner.span.end;
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span: start..end,
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.value()?;
        let op = match self.peek() {
            Some(Token {
                tok: Tok::Op(o), ..
            }) => match *o {
                "==" => Some(CmpOp::Eq),
                "!=" => Some(CmpOp::Ne),
                "<" => Some(CmpOp::Lt),
                "<=" => Some(CmpOp::Le),
                ">" => Some(CmpOp::Gt),
                ">=" => Some(CmpOp::Ge),
                _ => None,
            },
            _ => None,
        };
        if let Some(op) = op {
            self.next();
            let right = self.value()?;
            let span = left.span.start..right.span.end;
            return Ok(Expr {
                kind: ExprKind::Cmp(op, Box::new(left), Box::new(right)),
                span,
            });
        }
        if self.peek_ident("in") {
            self.next();
            let list_start = self.here().start;
            if !self.peek_op("[") {
                return serr(
                    self.here(),
                    "expected a list after `in`",
                    Some("write the values in brackets: in [\"nhi\", \"none\"]"),
                );
            }
            let Expr {
                kind: ExprKind::List(items),
                span,
            } = self.list(list_start)?
            else {
                unreachable!("list() returns a list")
            };
            let span = left.span.start..span.end;
            return Ok(Expr {
                kind: ExprKind::In(Box::new(left), items),
                span,
            });
        }
        if self.peek_ident("contains") {
            self.next();
            match self.next() {
                Some(Token {
                    tok: Tok::Str(s),
                    span: sp,
                }) => {
                    let span = left.span.start..sp.end;
                    return Ok(Expr {
                        kind: ExprKind::Contains(Box::new(left), s, sp),
                        span,
                    });
                }
                other => {
                    let sp = other.map(|t| t.span).unwrap_or(self.end..self.end);
                    return serr(
                        sp,
                        "expected a code value after `contains`",
                        Some("e.g. member.disability_certificate contains \"physical\""),
                    );
                }
            }
        }
        Ok(left)
    }

    fn value(&mut self) -> Result<Expr, SyntaxError> {
        let e = self.primary()?;
        if self.peek_op("??") {
            self.next();
            let t = self.next();
            let (lit, sp) = match t {
                Some(Token {
                    tok: Tok::Int(n),
                    span,
                }) => (Lit::Int(n), span),
                Some(Token {
                    tok: Tok::Str(s),
                    span,
                }) => (Lit::Str(s), span),
                Some(Token {
                    tok: Tok::Ident(w),
                    span,
                }) if w == "true" || w == "false" => (Lit::Bool(w == "true"), span),
                other => {
                    let sp = other.map(|t| t.span).unwrap_or(self.end..self.end);
                    return serr(sp, "expected a value after `??`", Some("`??` gives the value to use when the fact is unknown, e.g. member.dog_owner ?? false"));
                }
            };
            let span = e.span.start..sp.end;
            return Ok(Expr {
                kind: ExprKind::Default(Box::new(e), lit, sp),
                span,
            });
        }
        Ok(e)
    }

    fn list(&mut self, start: usize) -> Result<Expr, SyntaxError> {
        self.expect_op("[", None)?;
        let mut items = Vec::new();
        loop {
            if self.peek_op("]") {
                let end = self.next().expect("peeked").span.end;
                return Ok(Expr {
                    kind: ExprKind::List(items),
                    span: start..end,
                });
            }
            match self.next() {
                Some(Token {
                    tok: Tok::Str(s),
                    span,
                }) => items.push((Lit::Str(s), span)),
                Some(Token {
                    tok: Tok::Int(n),
                    span,
                }) => items.push((Lit::Int(n), span)),
                Some(t) => {
                    return serr(
                        t.span,
                        "a list holds code values or numbers",
                        Some("e.g. [\"nhi\", \"none\"]"),
                    )
                }
                None => {
                    return serr(
                        self.end..self.end,
                        "unclosed list",
                        Some("close it with `]`"),
                    )
                }
            }
            if self.peek_op(",") {
                self.next();
            } else if !self.peek_op("]") {
                return serr(self.here(), "expected `,` or `]` in the list", None);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(t) = self.next() else {
            return serr(
                self.end..self.end,
                "the condition ends too early",
                Some("a comparison or a fact is missing here"),
            );
        };
        let span = t.span.clone();
        match t.tok {
            Tok::Int(n) => Ok(Expr {
                kind: ExprKind::Lit(Lit::Int(n)),
                span,
            }),
            Tok::Str(s) => Ok(Expr {
                kind: ExprKind::Lit(Lit::Str(s)),
                span,
            }),
            Tok::Op("-") => match self.next() {
                Some(Token {
                    tok: Tok::Int(n),
                    span: s2,
                }) => Ok(Expr {
                    kind: ExprKind::Lit(Lit::Int(-n)),
                    span: span.start..s2.end,
                }),
                _ => serr(span, "`-` must be followed by a number", None),
            },
            Tok::Op("(") => {
                let inner = self.expr()?;
                let end = self.expect_op(")", Some("a `(` is not closed"))?.end;
                Ok(Expr {
                    kind: inner.kind,
                    span: span.start..end,
                })
            }
            Tok::Op("[") => {
                self.pos -= 1;
                self.list(span.start)
            }
            Tok::Op(o) => serr(span, format!("unexpected `{o}`"), None),
            Tok::Ident(w) if w == "true" || w == "false" => Ok(Expr {
                kind: ExprKind::Lit(Lit::Bool(w == "true")),
                span,
            }),
            Tok::Ident(w) if matches!(w.as_str(), "and" | "or" | "not" | "in" | "contains") => {
                serr(
                    span,
                    format!("`{w}` cannot start a value"),
                    Some("a fact or a value is missing before it"),
                )
            }
            Tok::Ident(w) if matches!(w.as_str(), "any" | "all" | "count") => {
                let q = match w.as_str() {
                    "any" => Quant::Any,
                    "all" => Quant::All,
                    _ => Quant::Count,
                };
                self.expect_op("(", Some("write e.g. any(movers, member.age >= 65)"))?;
                let set_tok = self.next();
                let (set, set_span) = match set_tok {
                    Some(Token {
                        tok: Tok::Ident(s),
                        span,
                    }) => match MemberSet::parse(&s) {
                        Some(set) => (set, span),
                        None => {
                            return serr(
                                span,
                                format!("unknown member set `{s}`"),
                                Some("use movers, remaining, members or subjects"),
                            )
                        }
                    },
                    other => {
                        let sp = other.map(|t| t.span).unwrap_or(self.end..self.end);
                        return serr(
                            sp,
                            "expected a member set",
                            Some("use movers, remaining, members or subjects"),
                        );
                    }
                };
                let body = if self.peek_op(",") {
                    self.next();
                    Some(Box::new(self.expr()?))
                } else {
                    None
                };
                let end = self
                    .expect_op(")", Some("the quantifier is not closed"))?
                    .end;
                if body.is_none() && q != Quant::Count {
                    return serr(
                        span.start..end,
                        format!("`{w}` needs a condition"),
                        Some("e.g. any(movers, member.age >= 65)"),
                    );
                }
                Ok(Expr {
                    kind: ExprKind::Quant(q, set, set_span, body),
                    span: span.start..end,
                })
            }
            Tok::Ident(w) => {
                let mut segs = vec![(w, span.clone())];
                let mut end = span.end;
                while self.peek_op(".") {
                    self.next();
                    match self.next() {
                        Some(Token {
                            tok: Tok::Ident(s),
                            span,
                        }) => {
                            end = span.end;
                            segs.push((s, span));
                        }
                        other => {
                            let sp = other.map(|t| t.span).unwrap_or(self.end..self.end);
                            return serr(sp, "expected a name after `.`", None);
                        }
                    }
                }
                Ok(Expr {
                    kind: ExprKind::Path(segs),
                    span: span.start..end,
                })
            }
        }
    }
}

/// Parses a condition.
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return serr(
            0..src.len(),
            "the condition is empty",
            Some("write `true` for a procedure that always applies"),
        );
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        end: src.trim_end().len(),
        depth: 0,
    };
    let e = p.expr()?;
    if let Some(t) = p.peek() {
        let hint = match &t.tok {
            Tok::Ident(_) | Tok::Str(_) | Tok::Int(_) => Some("join conditions with `and` or `or`"),
            Tok::Op(")") => Some("there is a `)` without its `(`"),
            _ => None,
        };
        return serr(t.span.clone(), "unexpected text after the condition", hint);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_catalogue_shapes() {
        for src in [
            "true",
            r#"member.health_insurance in ["nhi", "none"] and member.age < 75 and not household.public_assistance"#,
            "count(remaining, member.age >= 15) >= 2 and (head.moving or deceased.is_head)",
            "household.dogs > 0 and (any(movers, member.dog_owner ?? false) or head.moving)",
            r#"member.disability_certificate != [] # any certificate"#,
            r#"member.grade <= param.child_medical_max_grade"#,
        ] {
            parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        }
    }

    #[test]
    fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
        for src in [
            format!("{}true{}", "(".repeat(5000), ")".repeat(5000)),
            format!("{}true", "not ".repeat(5000)),
            format!("{}true{}", "any(members, ".repeat(5000), ")".repeat(5000)),
            "(".repeat(100_000),
        ] {
            let e = parse(&src).unwrap_err();
            assert!(
                e.message.contains("nested more than 64 levels"),
                "{}",
                e.message
            );
            assert!(e.span.start < src.len());
        }
        let ok = format!(
            "{}true{}",
            "(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn syntax_errors_point_at_the_spot() {
        let e = parse("member.age = 3").unwrap_err();
        assert_eq!(e.span, 11..12);
        assert!(e.hint.unwrap().contains("=="));
        let e = parse("member.age >= 15 member.moving").unwrap_err();
        assert_eq!(e.span, 17..23);
        let e = parse("any(everyone, true)").unwrap_err();
        assert_eq!(e.span, 4..12);
        let e = parse("(member.moving").unwrap_err();
        assert!(e.message.contains("`)`"));
        assert!(parse("").is_err());
    }
}
