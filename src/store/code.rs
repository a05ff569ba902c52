//! Case codes and page codes.
//!
//! A case code is 8 characters of Crockford base32 (40 random bits). Crockford's alphabet
//! leaves out I, L, O and U, so a code read aloud or typed from paper is hard to get wrong,
//! and [`normalize_code`] forgives the usual slips (lower case, I/L for 1, O for 0, hyphens).
//! Each printed page carries `MDGC<code>P<NN>` as a QR code: the case and the page number of
//! the bundle, which the stored print manifest turns into a form.

use super::StoreError;

/// Crockford base32, upper case.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Prefix of a page code's text.
pub const PAGE_PREFIX: &str = "MDGC";

/// A fresh random case code. Randomness comes from the operating system: codes must not be
/// guessable from one another (a code on a lost page must not lead to the next case).
pub fn new_code() -> Result<String, StoreError> {
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b)
        .map_err(|e| StoreError::Internal(format!("no randomness from the OS: {e}")))?;
    Ok(encode40(b))
}

/// The 8-character encoding of 40 bits, most significant first.
pub fn encode40(b: [u8; 5]) -> String {
    let mut n: u64 = 0;
    for x in b {
        n = (n << 8) | u64::from(x);
    }
    (0..8)
        .rev()
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A case code as typed or scanned, in canonical form: upper case, `I`/`L` read as `1`, `O`
/// as `0`, hyphens and spaces dropped. `None` if it cannot be a code.
pub fn normalize_code(s: &str) -> Option<String> {
    let mut out = String::with_capacity(8);
    for c in s.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == 8).then_some(out)
}

/// The text of page `page`'s QR code.
pub fn page_code(code: &str, page: u32) -> String {
    format!("{PAGE_PREFIX}{code}P{page:02}")
}

/// Splits `MDGC<code>P<NN>` into the canonical case code and the page number. A bare case
/// code (no prefix, no page) is accepted too, with no page.
pub fn parse_page_code(text: &str) -> Option<(String, Option<u32>)> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let Some(rest) = upper.strip_prefix(PAGE_PREFIX) else {
        return normalize_code(t).map(|c| (c, None));
    };
    // The code is exactly 8 characters, so a 'P' inside it is not taken for the separator.
    if rest.len() < 10 || !rest.is_char_boundary(8) {
        return None;
    }
    let (code, tail) = rest.split_at(8);
    let digits = tail.strip_prefix('P')?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((normalize_code(code)?, Some(digits.parse().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(encode40([0, 0, 0, 0, 0]), "00000000");
        assert_eq!(encode40([0xff; 5]), "ZZZZZZZZ");
        assert_eq!(encode40([0, 0, 0, 0, 32]), "00000010");
        let c = new_code().unwrap();
        assert_eq!(normalize_code(&c).as_deref(), Some(c.as_str()));
        assert_eq!(normalize_code("ab1o-il2z").as_deref(), Some("AB10112Z"));
        assert_eq!(normalize_code("AB1U112Z"), None);
        assert_eq!(normalize_code("AB1"), None);
        assert_eq!(page_code("7K3P9QXA", 2), "MDGC7K3P9QXAP02");
        assert_eq!(
            parse_page_code("MDGC7K3P9QXAP02"),
            Some(("7K3P9QXA".into(), Some(2)))
        );
        assert_eq!(
            parse_page_code(" mdgc7k3p9qxap12\n"),
            Some(("7K3P9QXA".into(), Some(12)))
        );
        assert_eq!(parse_page_code("7k3p9qxa"), Some(("7K3P9QXA".into(), None)));
        assert_eq!(parse_page_code("MDGC7K3P9QXAX02"), None);
        assert_eq!(parse_page_code("MDGC7K3P9QXAP"), None);
        assert_eq!(parse_page_code("MDG1abc"), None);
    }
}
