//! Reading supervisor-edited TOML with a location for every problem.
//!
//! serde would stop at the first error and lose positions inside nested values; this walker
//! keeps going, records every problem as a [`Diagnostic`] with `file:line:column`, and refuses
//! unknown keys (with a "did you mean" hint). The forms templates use it too.

use super::diagnostic::{Diagnostic, Severity};
use crate::intake::closest;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// One definition file being read.
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub diags: Vec<Diagnostic>,
}

/// A node of the document: an item, a value inside an array or inline table, or a table.
#[derive(Clone)]
pub enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
    Table(&'a dyn TableLike, Option<std::ops::Range<usize>>),
}

impl<'a> Node<'a> {
    pub fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
            Node::Table(_, s) => s.clone(),
        }
    }
    pub fn value(&self) -> Option<&'a Value> {
        match self {
            Node::Item(i) => i.as_value(),
            Node::Value(v) => Some(v),
            Node::Table(..) => None,
        }
    }
    pub fn as_str(&self) -> Option<&'a str> {
        self.value().and_then(|v| v.as_str())
    }
    pub fn as_integer(&self) -> Option<i64> {
        self.value().and_then(|v| v.as_integer())
    }
    pub fn as_float(&self) -> Option<f64> {
        self.value()
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
    }
    pub fn as_bool(&self) -> Option<bool> {
        self.value().and_then(|v| v.as_bool())
    }
    pub fn as_date_text(&self) -> Option<String> {
        match self.value()? {
            Value::Datetime(d) => Some(d.value().to_string()),
            Value::String(s) => Some(s.value().clone()),
            _ => None,
        }
    }
    pub fn table(&self) -> Option<&'a dyn TableLike> {
        match self {
            Node::Item(i) => i.as_table_like(),
            Node::Value(v) => v.as_inline_table().map(|t| t as &dyn TableLike),
            Node::Table(t, _) => Some(*t),
        }
    }
    /// The items of an array or an array of tables.
    pub fn array(&self) -> Option<Vec<Node<'a>>> {
        match self {
            Node::Item(Item::ArrayOfTables(a)) => Some(
                a.iter()
                    .map(|t| Node::Table(t as &dyn TableLike, t.span()))
                    .collect(),
            ),
            Node::Item(i) => i.as_array().map(|a| a.iter().map(Node::Value).collect()),
            Node::Value(v) => v.as_array().map(|a| a.iter().map(Node::Value).collect()),
            Node::Table(..) => None,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Item(Item::ArrayOfTables(_)) => "an array of tables",
            Node::Item(Item::Table(_)) | Node::Table(..) => "a table",
            Node::Item(Item::None) => "nothing",
            Node::Item(Item::Value(v)) => value_type_name(v),
            Node::Value(v) => value_type_name(v),
        }
    }
}

fn value_type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::InlineTable(_) => "a table",
    }
}

/// Most diagnostics kept for one file.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 50;

/// Unknown keys reported one by one per table; the rest are counted.
const MAX_UNKNOWN_KEYS_SHOWN: usize = 5;

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Source {
            file,
            text,
            diags: vec![],
        }
    }

    /// Parses the file; a syntax error is recorded and `None` returned.
    pub fn parse(&mut self) -> Option<ImDocument<String>> {
        match ImDocument::parse(self.text.to_string()) {
            Ok(doc) => Some(doc),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let msg = e.message().trim().to_string();
                self.error(
                    span,
                    format!("TOML syntax: {msg}"),
                    Some("check quotes, brackets and `=` on this line".into()),
                );
                None
            }
        }
    }

    pub fn error(
        &mut self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, span, message.into(), hint);
    }

    pub fn warning(
        &mut self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Warning, span, message.into(), hint);
    }

    /// Records a diagnostic; past [`MAX_DIAGNOSTICS_PER_FILE`] only one last note says that
    /// more were left out (a generated file with 100,000 mistakes is checked in moments, and
    /// the supervisor reads the first ones anyway).
    fn push(
        &mut self,
        severity: Severity,
        span: std::ops::Range<usize>,
        message: String,
        hint: Option<String>,
    ) {
        match self.diags.len().cmp(&MAX_DIAGNOSTICS_PER_FILE) {
            std::cmp::Ordering::Less => self.diags.push(Diagnostic::at(
                severity, self.file, self.text, span, message, hint,
            )),
            std::cmp::Ordering::Equal => self.diags.push(Diagnostic::file(
                Severity::Error,
                self.file,
                format!("more than {MAX_DIAGNOSTICS_PER_FILE} problems in this file; the rest are not shown"),
                Some("fix these first, then check again".into()),
            )),
            std::cmp::Ordering::Greater => {}
        }
    }

    pub fn error_at(&mut self, node: &Node<'_>, message: impl Into<String>, hint: Option<String>) {
        let span = node.span().unwrap_or(0..0);
        self.error(span, message, hint);
    }

    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }
}

/// Reads the keys of one table, refusing the ones nobody asked for.
pub struct Fields<'a> {
    pub table: &'a dyn TableLike,
    pub span: Option<std::ops::Range<usize>>,
    pub what: String,
    seen: Vec<String>,
}

impl<'a> Fields<'a> {
    pub fn new(
        table: &'a dyn TableLike,
        span: Option<std::ops::Range<usize>>,
        what: impl Into<String>,
    ) -> Self {
        Fields {
            table,
            span,
            what: what.into(),
            seen: vec![],
        }
    }

    /// The span of a key (for "unknown key" and "duplicate" errors).
    pub fn key_span(&self, key: &str) -> Option<std::ops::Range<usize>> {
        self.table.key(key).and_then(|k| k.span())
    }

    pub fn get(&mut self, key: &str) -> Option<Node<'a>> {
        self.seen.push(key.to_string());
        self.table.get(key).filter(|i| !i.is_none()).map(Node::Item)
    }

    /// A required key: missing is an error at the table.
    pub fn req(&mut self, src: &mut Source<'_>, key: &str, hint: &str) -> Option<Node<'a>> {
        let v = self.get(key);
        if v.is_none() {
            let span = self.span.clone().unwrap_or(0..0);
            src.error(
                span,
                format!("{} has no `{key}`", self.what),
                Some(hint.to_string()),
            );
        }
        v
    }

    pub fn str(
        &mut self,
        src: &mut Source<'_>,
        key: &str,
    ) -> Option<(String, std::ops::Range<usize>)> {
        let node = self.get(key)?;
        match node.as_str() {
            Some(s) => Some((
                s.to_string(),
                string_content_span(src.text, node.span().unwrap_or(0..0), s),
            )),
            None => {
                src.error_at(
                    &node,
                    format!("`{key}` must be a string, not {}", node.type_name()),
                    None,
                );
                None
            }
        }
    }

    pub fn req_str(
        &mut self,
        src: &mut Source<'_>,
        key: &str,
        hint: &str,
    ) -> Option<(String, std::ops::Range<usize>)> {
        if self.table.get(key).is_none() {
            self.req(src, key, hint);
            return None;
        }
        self.str(src, key)
    }

    /// All keys not read are errors.
    pub fn finish(self, src: &mut Source<'_>) {
        let seen: std::collections::HashSet<&str> = self.seen.iter().map(String::as_str).collect();
        let mut unknown = self
            .table
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !seen.contains(k));
        for k in unknown.by_ref().take(MAX_UNKNOWN_KEYS_SHOWN) {
            let span = self.key_span(k).unwrap_or(0..0);
            let hint = closest(k, self.seen.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"));
            let hint =
                hint.or_else(|| Some(format!("the keys here are: {}", self.seen.join(", "))));
            let k = crate::text::ellipsize(k, crate::text::QUOTE_CHARS);
            src.error(span, format!("unknown key `{k}` in {}", self.what), hint);
        }
        let more = unknown.count();
        if more > 0 {
            let span = self.span.clone().unwrap_or(0..0);
            src.error(
                span,
                format!("{more} more unknown key(s) in {}", self.what),
                None,
            );
        }
    }
}

/// The byte span of a string's content inside its quotes, so that a position inside the
/// string (a condition, a template) maps to the right column. Literal strings (`'…'`,
/// `'''…'''`) map exactly; basic strings map exactly when they contain no escapes, else the
/// whole string is pointed at.
pub fn string_content_span(
    text: &str,
    span: std::ops::Range<usize>,
    value: &str,
) -> std::ops::Range<usize> {
    let Some(raw) = text.get(span.clone()) else {
        return span;
    };
    for delim in ["'''", "\"\"\"", "'", "\""] {
        if raw.starts_with(delim) && raw.len() >= 2 * delim.len() {
            let mut start = span.start + delim.len();
            if delim.len() == 3 {
                if text[start..].starts_with("\r\n") {
                    start += 2;
                } else if text[start..].starts_with('\n') {
                    start += 1;
                }
            }
            if text.get(start..start + value.len()) == Some(value) {
                return start..start + value.len();
            }
            return span;
        }
    }
    span
}

/// A Japanese text with an optional English version.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    pub ja: String,
    pub en: Option<String>,
}

impl Text {
    pub fn ja(s: impl Into<String>) -> Self {
        Text {
            ja: s.into(),
            en: None,
        }
    }
    /// The English text, falling back to the Japanese one.
    pub fn en(&self) -> &str {
        self.en.as_deref().unwrap_or(&self.ja)
    }
    pub fn get(&self, lang: crate::rules::Lang) -> &str {
        match lang {
            crate::rules::Lang::Ja => &self.ja,
            crate::rules::Lang::En => self.en(),
        }
    }
}

/// A text given as `"…"` (Japanese only) or `{ ja = "…", en = "…" }`. Returns the text and
/// the span of the Japanese and English strings' contents.
pub fn read_text(
    src: &mut Source<'_>,
    node: &Node<'_>,
    what: &str,
) -> Option<(Text, std::ops::Range<usize>, Option<std::ops::Range<usize>>)> {
    if let Some(s) = node.as_str() {
        let span = string_content_span(src.text, node.span().unwrap_or(0..0), s);
        check_chars(src, s, &span, what);
        return Some((Text::ja(s), span, None));
    }
    let Some(t) = node.table() else {
        src.error_at(
            node,
            format!(
                "{what} must be a string or {{ ja = \"…\", en = \"…\" }}, not {}",
                node.type_name()
            ),
            None,
        );
        return None;
    };
    let mut f = Fields::new(t, node.span(), what.to_string());
    let ja = f.req_str(src, "ja", "give the Japanese text: ja = \"…\"");
    let en = f.str(src, "en");
    f.finish(src);
    let (ja, ja_span) = ja?;
    if ja.trim().is_empty() {
        src.error(ja_span.clone(), format!("{what} is empty"), None);
    }
    let (en, en_span) = match en {
        Some((e, s)) => (Some(e), Some(s)),
        None => (None, None),
    };
    check_chars(src, &ja, &ja_span, what);
    if let (Some(e), Some(span)) = (&en, &en_span) {
        check_chars(src, e, span, what);
    }
    Some((Text { ja, en }, ja_span, en_span))
}

/// Texts reach the clerk's terminal and the forms: no control or bidi characters (a line
/// break, from a multi-line TOML string, is the one allowed).
pub fn check_chars(src: &mut Source<'_>, text: &str, span: &std::ops::Range<usize>, what: &str) {
    let bad = text
        .split('\n')
        .scan(0, |before, line| {
            let found = crate::text::find_forbidden(line).map(|mut f| {
                f.at += *before;
                f
            });
            *before += line.chars().count() + 1;
            Some(found)
        })
        .flatten()
        .next();
    if let Some(f) = bad {
        src.error(
            span.clone(),
            format!("{what}: {f}"),
            Some("write escape sequences and direction marks out of the text".into()),
        );
    }
}
