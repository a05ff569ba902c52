//! Small rules about text that every layer shares: what a message may quote of a value, and
//! which characters personal text may never hold.

use std::borrow::Cow;

/// How much of a value a message quotes.
pub const QUOTE_CHARS: usize = 40;

/// `s` cut after `max` characters (never inside a character), with `…` when cut. Messages
/// quote values through this, so a megabyte value never comes back whole.
pub fn ellipsize(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
    }
}

/// `s` as a message quotes it: cut after [`QUOTE_CHARS`] characters, in double quotes, with
/// control and invisible characters escaped (`\u{1b}`), so a value can never drive the
/// terminal that shows the message.
pub fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        None => format!("{s:?}"),
        Some((i, _)) => format!("{:?}…", &s[..i]),
    }
}

/// A character personal text may not hold, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForbiddenChar {
    pub ch: char,
    /// Position in characters, from 1.
    pub at: usize,
    pub what: &'static str,
}

impl std::fmt::Display for ForbiddenChar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "character {} is U+{:04X} ({}), which text may not contain",
            self.at, self.ch as u32, self.what
        )
    }
}

/// What kind of forbidden character `c` is, if it is one: control characters (C0 including
/// TAB, CR and LF, DEL, C1) that would move the cursor, ring the bell or start an escape
/// sequence on a terminal; bidirectional controls that reorder what a clerk reads (U+202E);
/// line and paragraph separators; the BOM and interlinear annotation marks. Zero-width
/// joiners and variation selectors stay allowed: 異体字 (IVS) and emoji sequences need them.
pub fn forbidden_kind(c: char) -> Option<&'static str> {
    match c {
        '\u{0}'..='\u{1F}' | '\u{7F}' => Some("a control character"),
        '\u{80}'..='\u{9F}' => Some("a C1 control character"),
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Some("a bidirectional control"),
        '\u{2028}' | '\u{2029}' => Some("a line or paragraph separator"),
        '\u{FEFF}' => Some("a byte order mark"),
        '\u{FFF9}'..='\u{FFFB}' => Some("an annotation control"),
        _ => None,
    }
}

/// The first forbidden character of `s`.
pub fn find_forbidden(s: &str) -> Option<ForbiddenChar> {
    s.chars().enumerate().find_map(|(i, ch)| {
        forbidden_kind(ch).map(|what| ForbiddenChar {
            ch,
            at: i + 1,
            what,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_by_characters_not_bytes() {
        assert_eq!(ellipsize("山田太郎", 2), "山田…");
        assert_eq!(ellipsize("山田", 2), "山田");
        let long = "あ".repeat(1_000_000);
        assert_eq!(quote(&long).chars().count(), QUOTE_CHARS + 3);
        assert_eq!(quote("a\u{1b}[31m"), "\"a\\u{1b}[31m\"");
        assert!(quote("\u{202e}abc").contains("\\u{202e}"));
    }

    #[test]
    fn forbidden_characters() {
        for c in [
            '\u{1b}', '\u{7}', '\r', '\n', '\t', '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}',
            '\u{2066}', '\u{200f}', '\u{2028}', '\u{feff}',
        ] {
            assert!(forbidden_kind(c).is_some(), "U+{:04X}", c as u32);
        }
        for c in [
            'a',
            '　',
            '\u{a0}',
            '山',
            '\u{200d}',
            '\u{fe0f}',
            '\u{e0100}',
            '𠮷',
            'ー',
        ] {
            assert_eq!(forbidden_kind(c), None, "U+{:04X}", c as u32);
        }
        let f = find_forbidden("山田\u{1b}太郎").unwrap();
        assert_eq!((f.at, f.ch), (3, '\u{1b}'));
        assert_eq!(
            f.to_string(),
            "character 3 is U+001B (a control character), which text may not contain"
        );
    }
}
