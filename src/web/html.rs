//! The little HTML the page needs: escaping, and a string builder. No template engine: the
//! page is a handful of forms, and every value written goes through [`esc`].

use std::fmt::Write;

/// Escapes text for an HTML text node or a double-quoted attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An HTML document under construction.
#[derive(Default)]
pub struct Html {
    pub s: String,
}

impl Html {
    /// Raw markup (only literals and already-escaped text).
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.s.push_str(markup);
        self
    }

    /// Escaped text.
    pub fn text(&mut self, t: &str) -> &mut Self {
        self.s.push_str(&esc(t));
        self
    }

    /// `<tag attrs>text</tag>` with the text escaped.
    pub fn el(&mut self, tag: &str, attrs: &str, t: &str) -> &mut Self {
        let _ = write!(self.s, "<{tag}{attrs}>{}</{tag}>", esc(t));
        self
    }

    /// A hidden input carrying a value of the form's state.
    pub fn hidden(&mut self, name: &str, value: &str) -> &mut Self {
        let _ = write!(
            self.s,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
        self
    }
}

/// ` name="value"` with the value escaped, for building attribute lists.
pub fn attr(name: &str, value: &str) -> String {
    format!(" {name}=\"{}\"", esc(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("山田　太郎"), "山田　太郎");
    }
}
