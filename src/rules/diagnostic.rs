//! Compiler-like diagnostics for definition files: `file:line:column`, the source line, a caret
//! under the spot (aligned for full-width characters) and a hint.

use std::fmt;
use unicode_width::UnicodeWidthStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path as given (relative to the set's root).
    pub file: String,
    /// 1-based line and column (column counted in characters).
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The source line (a long one cut to a window around the spot, with `…`) and the
    /// caret's start (1-based, in characters of `source_line`) and width.
    pub source_line: Option<String>,
    pub caret_column: usize,
    pub caret_len: usize,
}

/// Characters of a source line shown on each side of the spot, and most characters of a
/// message or hint: a diagnostic never echoes a megabyte line or value.
const LINE_WINDOW: usize = 80;
const MAX_MESSAGE_CHARS: usize = 400;

impl Diagnostic {
    /// A diagnostic at a byte span of a file's text.
    pub fn at(
        severity: Severity,
        file: &str,
        text: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.min(text.len()).max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_no = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let caret_end = end.min(line_end);
        let caret_len = text[start..caret_end].chars().count().max(1);
        let line = text[line_start..line_end].trim_end_matches('\r');
        // A window of the line around the spot.
        let skip = (column - 1).saturating_sub(LINE_WINDOW);
        let shown: String = line
            .chars()
            .skip(skip)
            .take(column - 1 - skip + caret_len.min(LINE_WINDOW) + LINE_WINDOW)
            .collect();
        let cut_end = skip + shown.chars().count() < line.chars().count();
        let (source_line, caret_column) = match (skip > 0, cut_end) {
            (false, false) => (shown, column),
            (cut_start, _) => (
                format!(
                    "{}{shown}{}",
                    if cut_start { "…" } else { "" },
                    if cut_end { "…" } else { "" }
                ),
                column - skip + usize::from(cut_start),
            ),
        };
        Diagnostic {
            severity,
            file: file.to_string(),
            line: line_no,
            column,
            message: short(message.into()),
            hint: hint.map(short),
            source_line: Some(source_line),
            caret_column,
            caret_len: caret_len.min(LINE_WINDOW),
        }
    }

    /// A diagnostic about a whole file (missing file, unreadable file).
    pub fn file(
        severity: Severity,
        file: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.to_string(),
            line: 1,
            column: 1,
            message: short(message.into()),
            hint: hint.map(short),
            source_line: None,
            caret_column: 1,
            caret_len: 0,
        }
    }

    pub fn error(
        file: &str,
        text: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Self::at(Severity::Error, file, text, span, message, hint)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

fn short(s: String) -> String {
    match crate::text::ellipsize(&s, MAX_MESSAGE_CHARS) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{level}: {}", self.message)?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$}--> {}", "", self.location())?;
        if let Some(src) = &self.source_line {
            let src = src.replace('\t', " ");
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", self.line, src)?;
            let before: String = src.chars().take(self.caret_column - 1).collect();
            let marked: String = src
                .chars()
                .skip(self.caret_column - 1)
                .take(self.caret_len)
                .collect();
            let pad = UnicodeWidthStr::width(before.as_str());
            let width = UnicodeWidthStr::width(marked.as_str()).max(1);
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(pad),
                "^".repeat(width)
            )?;
        }
        if let Some(h) = &self.hint {
            writeln!(f, "{:gutter$} = hint: {h}", "")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_full_width_text() {
        let text = "name = \"国保\"\nwhen = \"member.agee < 75\"\n";
        let start = text.find("agee").unwrap();
        let d = Diagnostic::error(
            "a.toml",
            text,
            start..start + 4,
            "unknown fact",
            Some("did you mean `age`?".into()),
        );
        assert_eq!(d.location(), "a.toml:2:16");
        let s = d.to_string();
        assert!(s.contains("2 | when = \"member.agee < 75\""), "{s}");
        assert!(s.contains("  |                ^^^^\n"), "{s}");
        let text = "x = \"国保 y\"";
        let start = text.find('y').unwrap();
        let d = Diagnostic::error("b.toml", text, start..start + 1, "m", None);
        // 国保 is 4 columns wide, so the caret sits after 5 + 4 + 1 columns.
        assert!(
            d.to_string().contains(&format!(" | {}^", " ".repeat(10))),
            "{d}"
        );
        // A megabyte line is shown as a window around the spot, the caret still under it.
        let text = format!(
            "x = \"{}\" y = 1{}\n",
            "あ".repeat(500_000),
            "い".repeat(500_000)
        );
        let start = text.find('y').unwrap();
        let d = Diagnostic::error("c.toml", &text, start..start + 1, "unknown key `y`", None);
        assert_eq!(d.location(), "c.toml:1:500008");
        let shown = d.to_string();
        assert!(shown.len() < 2000, "{}", shown.len());
        assert!(shown.contains("…"), "{shown}");
        let line = shown.lines().find(|l| l.contains(" y = 1")).unwrap();
        let caret = shown.lines().find(|l| l.ends_with('^')).unwrap();
        let before = &line[..line.find(" y = 1").unwrap() + 1];
        assert_eq!(
            UnicodeWidthStr::width(before),
            UnicodeWidthStr::width(&caret[..caret.len() - 1]),
            "{shown}"
        );
    }
}
