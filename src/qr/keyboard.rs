//! Keyboard-mode scanners: telling a typed `MDG1` part, or a printed page's code
//! (`MDGC<case code>P<page>`), from a clerk's typing.
//!
//! Most counter scanners are USB keyboards: they type the part and press Enter, into whatever
//! has focus. The TUI feeds every Char/Enter key through a [`ScanDetector`] so a scan is taken
//! on any screen, while ordinary typing reaches the UI unchanged and in order.
//!
//! How: a key that could start a scan (`m`/`M`) is held back; the following keys stay held
//! while they continue one of the two patterns *and* arrive in a burst (scanners type a key
//! every few milliseconds, people every 100 ms or more). The patterns, in any case (Caps
//! Lock): `MDG1` then digits; `MDGC`, the 8 characters of a case code (Crockford base32),
//! `P` and the page number (1–3 digits). The moment either the pattern or the pace breaks,
//! every held key is released as typing, in order. Enter after a complete header (`MDG1` +
//! at least 20 digits) or a complete page code makes it a scan. So the only cost to a clerk
//! is that an `m` appears some 60 ms late.
//!
//! The detector is pure: time comes in with each key, and [`ScanDetector::tick`] releases a
//! burst that went stale (a scan cut short, or a lone `m`).
//!
//! In the UI loop (any monotonic milliseconds will do):
//!
//! ```text
//! on Char(c) / Enter:  match detector.feed(key, now_ms) {
//!                          Pass(keys) => type each key into the focused widget, in order,
//!                          Hold => {},
//!                          Scan(part) => assembler.feed(&part) → progress / household / message,
//!                      }
//! on every poll tick:  for key in detector.tick(now_ms) { type key }
//!                      (poll at least every 30 ms while detector.is_holding(), and
//!                      drain pending key events before drawing)
//! ```

use super::{HEADER_DIGITS, MAGIC, MAX_PART_CHARS};
use crate::store::{ALPHABET as CODE_ALPHABET, PAGE_PREFIX};

/// A page code's shape: the prefix, the 8-character case code, `P`, at most 3 digits.
const CODE_CHARS: usize = 8;
const PAGE_CODE_MIN: usize = PAGE_PREFIX.len() + CODE_CHARS + 2;
const PAGE_CODE_MAX: usize = PAGE_PREFIX.len() + CODE_CHARS + 4;

/// A key as the TUI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKey {
    Char(char),
    Enter,
}

/// What to do with the keys so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFeed {
    /// Give these keys to the UI as ordinary typing, in this order. They may be keys held
    /// earlier; the key just fed is either among them or held.
    Pass(Vec<ScanKey>),
    /// The key was held back (it may be part of a scan); nothing to type now.
    Hold,
    /// A complete typed part (prefix normalised to `MDG1`), for the assembler; or a page
    /// code, upper case (`MDGC<code>P<NN>`), which opens that case.
    Scan(String),
}

/// Longest pause between two keys of the first few characters of a scan. Scanners in keyboard
/// mode type a character every 1–16 ms (USB HID reports); people rarely type two keys within
/// 60 ms, and even a typist that fast is never taken for a scanner, because a scan also needs
/// the whole pattern (`MDG1`, at least 20 digits, Enter). The margin over the scanner's pace
/// is for the UI: keys are timed when the loop reads them, and a slow redraw between two keys
/// must not split a scan. (The UI loop should drain pending key events before drawing.)
pub const START_GAP_MS: u64 = 60;
/// Longest pause once a scan is unmistakable (`MDG1` and 4 digits, or `MDGC` and 4 code
/// characters, in a burst): tolerates a scanner or a busy terminal hiccupping in the middle
/// of 1,200 digits.
pub const SCAN_GAP_MS: u64 = 200;
/// After this many characters in a burst the scan is unmistakable.
const CONFIRMED_CHARS: usize = MAGIC.len() + 4;

/// Recognises typed `MDG1` parts and page codes in a stream of key events.
#[derive(Debug, Clone, Default)]
pub struct ScanDetector {
    /// The held characters (as typed) and when the last one came.
    held: Vec<char>,
    last_ms: u64,
}

impl ScanDetector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether keys are held back right now (the TUI may call [`tick`](Self::tick) sooner).
    pub fn is_holding(&self) -> bool {
        !self.held.is_empty()
    }

    fn gap_limit(&self) -> u64 {
        if self.held.len() >= CONFIRMED_CHARS {
            SCAN_GAP_MS
        } else {
            START_GAP_MS
        }
    }

    fn release(&mut self) -> Vec<ScanKey> {
        self.held.drain(..).map(ScanKey::Char).collect()
    }

    /// Whether `c` continues a pattern after the `held` keys: the shared `MDG`, then `1`
    /// (an intake part: digits follow) or `C` (a page code).
    fn continues(held: &[char], c: char) -> bool {
        let pos = held.len();
        let same = |m: u8| c.eq_ignore_ascii_case(&char::from(m));
        if pos < MAGIC.len() - 1 {
            return same(MAGIC.as_bytes()[pos]);
        }
        if pos == MAGIC.len() - 1 {
            return same(MAGIC.as_bytes()[pos]) || same(PAGE_PREFIX.as_bytes()[pos]);
        }
        if held[MAGIC.len() - 1] == '1' {
            return c.is_ascii_digit() && pos < MAX_PART_CHARS;
        }
        match pos - PAGE_PREFIX.len() {
            i if i < CODE_CHARS => {
                c.is_ascii() && CODE_ALPHABET.contains(&(c.to_ascii_uppercase() as u8))
            }
            CODE_CHARS => same(b'P'),
            _ => c.is_ascii_digit() && pos < PAGE_CODE_MAX,
        }
    }

    /// The held keys as a complete scan, if they are one (Enter just came).
    fn complete(&self) -> Option<String> {
        let n = self.held.len();
        if n < MAGIC.len() {
            return None;
        }
        let rest: String = self.held[MAGIC.len()..].iter().collect();
        if self.held[MAGIC.len() - 1] == '1' {
            (n >= MAGIC.len() + HEADER_DIGITS).then(|| format!("{MAGIC}{rest}"))
        } else {
            (PAGE_CODE_MIN..=PAGE_CODE_MAX)
                .contains(&n)
                .then(|| format!("{PAGE_PREFIX}{}", rest.to_ascii_uppercase()))
        }
    }

    /// One key, typed at `at_ms` (any monotonic clock in milliseconds).
    pub fn feed(&mut self, key: ScanKey, at_ms: u64) -> KeyFeed {
        let mut out = Vec::new();
        if !self.held.is_empty() && at_ms.saturating_sub(self.last_ms) > self.gap_limit() {
            // The burst went stale before this key: what was held was typing.
            out = self.release();
        }
        match key {
            ScanKey::Char(c) => {
                if Self::continues(&self.held, c) {
                    self.held.push(c);
                    self.last_ms = at_ms;
                } else {
                    out.extend(self.release());
                    // The breaking key may itself start a scan (a clerk's "m" just before).
                    if Self::continues(&[], c) {
                        self.held.push(c);
                        self.last_ms = at_ms;
                    } else {
                        out.push(key);
                    }
                }
            }
            ScanKey::Enter => {
                if out.is_empty() {
                    if let Some(scan) = self.complete() {
                        self.held.clear();
                        return KeyFeed::Scan(scan);
                    }
                }
                out.extend(self.release());
                out.push(ScanKey::Enter);
            }
        }
        if out.is_empty() {
            KeyFeed::Hold
        } else {
            KeyFeed::Pass(out)
        }
    }

    /// Releases the held keys as typing when the burst went stale (no key for the gap
    /// limit): a lone `m`, or a scan cut short without its Enter. Call it from the UI loop.
    pub fn tick(&mut self, now_ms: u64) -> Vec<ScanKey> {
        if !self.held.is_empty() && now_ms.saturating_sub(self.last_ms) > self.gap_limit() {
            self.release()
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(d: &mut ScanDetector, s: &str, start: u64, step: u64) -> Vec<KeyFeed> {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                let k = if c == '\n' {
                    ScanKey::Enter
                } else {
                    ScanKey::Char(c)
                };
                d.feed(k, start + i as u64 * step)
            })
            .collect()
    }

    fn passed(feeds: &[KeyFeed]) -> String {
        feeds
            .iter()
            .flat_map(|f| match f {
                KeyFeed::Pass(k) => k.clone(),
                _ => vec![],
            })
            .map(|k| match k {
                ScanKey::Char(c) => c,
                ScanKey::Enter => '\n',
            })
            .collect()
    }

    #[test]
    fn a_person_typing_md_is_not_held_forever() {
        let mut d = ScanDetector::new();
        let f = typed(&mut d, "md", 0, 10);
        assert_eq!(f, vec![KeyFeed::Hold, KeyFeed::Hold]);
        assert!(d.tick(30).is_empty());
        assert_eq!(d.tick(100), vec![ScanKey::Char('m'), ScanKey::Char('d')]);
    }

    #[test]
    fn a_burst_scan_is_taken() {
        let mut d = ScanDetector::new();
        let part = "mdg1010112345600000000001234\n";
        let f = typed(&mut d, part, 0, 3);
        assert_eq!(
            f.last(),
            Some(&KeyFeed::Scan("MDG1010112345600000000001234".into()))
        );
        assert_eq!(passed(&f), "");
    }

    #[test]
    fn a_burst_page_code_is_taken_in_either_case() {
        let mut d = ScanDetector::new();
        let f = typed(&mut d, "MDGC7K3P9QXAP02\n", 0, 3);
        assert_eq!(f.last(), Some(&KeyFeed::Scan("MDGC7K3P9QXAP02".into())));
        assert_eq!(passed(&f), "");
        // Caps Lock on: the scanner types it in lower case.
        let f = typed(&mut d, "mdgc7k3p9qxap112\n", 1_000, 4);
        assert_eq!(f.last(), Some(&KeyFeed::Scan("MDGC7K3P9QXAP112".into())));
        // The page code printed by the store is what the detector takes.
        let code = crate::store::page_code("00ZZ1234", 7);
        let f = typed(&mut d, &format!("{code}\n"), 2_000, 3);
        assert_eq!(f.last(), Some(&KeyFeed::Scan(code)));
    }

    #[test]
    fn a_page_code_typed_slowly_or_malformed_is_typing() {
        // A clerk typing it (100 ms a key): every key reaches the field, no scan.
        let mut d = ScanDetector::new();
        let f = typed(&mut d, "MDGC7K3P9QXAP02\n", 0, 100);
        assert!(!f.iter().any(|x| matches!(x, KeyFeed::Scan(_))));
        let mut got = passed(&f);
        got.extend(d.tick(10_000).into_iter().map(|k| match k {
            ScanKey::Char(c) => c,
            ScanKey::Enter => '\n',
        }));
        assert_eq!(got, "MDGC7K3P9QXAP02\n");
        // At scanner pace but not a page code: a letter outside the code's alphabet (U), no
        // page number, too many digits, no P. Each is passed through unchanged.
        for text in [
            "MDGC7K3U9QXAP02\n",
            "MDGC7K3P9QXAP\n",
            "MDGC7K3P9QXAP0212\n",
            "MDGC7K3P9QXA02\n",
            "MDGC7K3P\n",
        ] {
            let mut d = ScanDetector::new();
            let f = typed(&mut d, text, 0, 3);
            assert!(!f.iter().any(|x| matches!(x, KeyFeed::Scan(_))), "{text}");
            let mut got = passed(&f);
            got.extend(d.tick(10_000).into_iter().map(|k| match k {
                ScanKey::Char(c) => c,
                ScanKey::Enter => '\n',
            }));
            assert_eq!(got, text);
        }
    }

    fn replay(keys: &[(ScanKey, u64)]) -> (Vec<ScanKey>, Vec<String>) {
        let mut d = ScanDetector::new();
        let (mut typed, mut scans) = (Vec::new(), Vec::new());
        let mut t = 0;
        for &(k, gap) in keys {
            t += gap;
            typed.extend(d.tick(t));
            match d.feed(k, t) {
                KeyFeed::Pass(p) => typed.extend(p),
                KeyFeed::Hold => {}
                KeyFeed::Scan(s) => scans.push(s),
            }
        }
        typed.extend(d.tick(t + 10_000));
        (typed, scans)
    }

    fn key_strategy() -> impl proptest::strategy::Strategy<Value = ScanKey> {
        use proptest::prelude::*;
        prop_oneof![
            4 => prop::sample::select(vec!['m', 'M', 'd', 'D', 'g', 'G', '1', '0', '5', 'a', ' ', '山', 'c', 'C', 'p', 'P', 'u', 'Z'])
                .prop_map(ScanKey::Char),
            1 => Just(ScanKey::Enter),
        ]
    }

    proptest::proptest! {
        /// People (61 ms or more between keys) are never held: the UI gets exactly their keys.
        #[test]
        fn human_typing_is_passed_unchanged(
            keys in proptest::collection::vec((key_strategy(), 61u64..400), 0..200)
        ) {
            let (typed, scans) = replay(&keys);
            proptest::prop_assert!(scans.is_empty());
            let want: Vec<ScanKey> = keys.iter().map(|k| k.0).collect();
            proptest::prop_assert_eq!(typed, want);
        }

        /// At any speed, a key is never lost, duplicated or reordered unless it became a scan.
        #[test]
        fn no_key_is_lost_at_any_speed(
            keys in proptest::collection::vec((key_strategy(), 0u64..60), 0..300)
        ) {
            let (typed, scans) = replay(&keys);
            if scans.is_empty() {
                let want: Vec<ScanKey> = keys.iter().map(|k| k.0).collect();
                proptest::prop_assert_eq!(typed, want);
            }
        }
    }
}
