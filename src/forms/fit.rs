//! Fitting text into boxes — the one place that decides line breaks (with 禁則), font sizes
//! and whether a value fits.
//!
//! A field declares how many lines its value may take and the smallest size it may shrink to
//! (never under 7 pt). [`fit`] tries the largest size first, on one line, then wrapped onto
//! the lines allowed, shrinking step by step down to the minimum. A value that still does not
//! fit is drawn at the minimum size, clipped to its box, and reported: printing stops until
//! the clerk has looked (like a missing glyph).

/// Characters that never start a line (行頭禁則): they hang at the end of the previous one.
const NO_START: &str =
    "、。，．）」』】〕〉》・ー！？!?,.)]}ゃゅょっぁぃぅぇぉャュョッァィゥェォ々ゝゞヽヾ：；:;";
/// Characters that never end a line (行末禁則): they move to the next one.
const NO_END: &str = "（「『【〔〈《([{";

/// The line height factor of wrapped values.
pub const LEADING: f32 = 1.2;
/// Points to mm.
use super::fonts::PT_TO_MM;

/// How a value is set in its box.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub size: f32,
    pub lines: Vec<String>,
    /// False: even at the minimum size the value does not fit (it is clipped and reported).
    pub fits: bool,
}

/// Breaks a text into lines of at most `width` (as `measure` counts it). Japanese breaks
/// between any two characters, except before a 行頭禁則 character (it hangs) and after a
/// 行末禁則 one (it moves down); Latin breaks at spaces when it can.
pub fn wrap(s: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let measure = |t: &str| {
        if t.contains(GLUE) {
            measure(&t.replace(GLUE, ""))
        } else {
            measure(t)
        }
    };
    let mut lines = vec![];
    for para in s.split('\n') {
        let mut line = String::new();
        for ch in para.chars() {
            let mut cand = line.clone();
            cand.push(ch);
            if measure(&cand) > width && !line.is_empty() {
                if NO_START.contains(ch) || super::fonts::is_selector(ch) {
                    line.push(ch);
                    continue;
                }
                // Inside a run kept together (a name): the whole run moves down, unless it
                // is longer than a line on its own.
                if line.ends_with(GLUE) {
                    if let Some(p) = glue_run_start(&line) {
                        let tail = line[p..].to_string();
                        line.truncate(p);
                        lines.push(std::mem::take(&mut line));
                        line = tail;
                        line.push(ch);
                        continue;
                    }
                }
                // Break at the last space in a Latin run ("8:30–17:15" is one word).
                if is_latin_word(ch) && ch != '(' {
                    if let Some(p) = line.rfind(' ') {
                        let tail = line[p + 1..].to_string();
                        if !tail.is_empty() && tail.chars().all(is_latin_word) {
                            line.truncate(p);
                            lines.push(std::mem::take(&mut line));
                            line = tail;
                            line.push(ch);
                            continue;
                        }
                    }
                }
                // Opening brackets at the end of the line move down with what follows.
                let mut carry = String::new();
                while let Some(last) = line.chars().last() {
                    if NO_END.contains(last) && line.chars().count() > 1 {
                        line.pop();
                        carry.insert(0, last);
                    } else {
                        break;
                    }
                }
                lines.push(std::mem::take(&mut line));
                line = carry;
                if ch == ' ' && line.is_empty() {
                    continue;
                }
            }
            line.push(ch);
        }
        lines.push(line);
    }
    for l in &mut lines {
        l.retain(|c| c != GLUE);
    }
    lines
}

/// WORD JOINER: never drawn, it only tells [`wrap`] not to break between its neighbours.
const GLUE: char = '\u{2060}';

/// `s` with no line break allowed inside it when wrapped (a member's name in a paragraph:
/// 「山田」 at the end of one line and 「太郎」 at the start of the next reads as two people).
pub fn keep_together(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for (i, c) in s.chars().enumerate() {
        if i > 0 {
            out.push(GLUE);
        }
        out.push(c);
    }
    out
}

/// Where the run kept together at the end of `line` starts, when there is text before it to
/// break after (else `None`: a run longer than a line is broken like any text).
fn glue_run_start(line: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = chars.len();
    // Walk back over "x GLUE x GLUE ..." to the run's first character.
    while i >= 2 && chars[i - 1].1 == GLUE {
        i -= 2;
    }
    if i >= 1 && chars[i - 1].1 == GLUE {
        return None;
    }
    (i > 0).then(|| chars[i].0)
}

/// A character of a Latin word: ASCII, Latin-1 and Latin Extended letters, and the general
/// punctuation inside words (‐ – — ’ “ ” …), which never starts a line on its own.
fn is_latin_word(c: char) -> bool {
    c.is_ascii_graphic()
        || ('\u{A1}'..='\u{24F}').contains(&c)
        || ('\u{2010}'..='\u{2027}').contains(&c)
}

/// Sets `s` in a box `w` × `h` mm: the largest size from `max` down to `min` (step 0.25 pt) at
/// which it fits on `max_lines` lines. `measure(text, size)` gives the width in mm.
pub fn fit(
    s: &str,
    w: f32,
    h: f32,
    max: f32,
    min: f32,
    max_lines: u32,
    measure: &dyn Fn(&str, f32) -> f32,
) -> Fit {
    let min = min.min(max);
    let line_h = |size: f32| size * PT_TO_MM * LEADING;
    // The largest size whose single line is as tall as the box allows.
    let top = max.min(h / (PT_TO_MM * LEADING)).max(min);
    let sizes = |floor: f32| {
        let mut v = vec![];
        let mut s = top;
        loop {
            v.push(s);
            if s <= floor {
                break v;
            }
            s = (s - 0.25).max(floor);
        }
    };
    // A name reads better a little smaller than broken: one line down to 80 % first.
    let one_line = |size: f32| measure(s, size) <= w && !s.contains('\n');
    for size in sizes((max * 0.8).max(min)) {
        if one_line(size) {
            return Fit {
                size,
                lines: vec![s.to_string()],
                fits: line_h(size) <= h + 0.01,
            };
        }
    }
    for size in sizes(min) {
        if one_line(size) {
            return Fit {
                size,
                lines: vec![s.to_string()],
                fits: line_h(size) <= h + 0.01,
            };
        }
        if max_lines > 1 {
            let lines = wrap(s, w, &|t| measure(t, size));
            let tall = lines.len() as f32 * line_h(size);
            let wide = lines.iter().all(|l| measure(l, size) <= w + 0.05);
            if lines.len() as u32 <= max_lines && tall <= h + 0.01 && wide {
                return Fit {
                    size,
                    lines,
                    fits: true,
                };
            }
        }
    }
    // Does not fit: the minimum size, as many lines as allowed, clipped by the caller.
    let lines = if max_lines > 1 {
        let mut l = wrap(s, w, &|t| measure(t, min));
        l.truncate(max_lines as usize);
        l
    } else {
        vec![s.to_string()]
    };
    Fit {
        size: min,
        lines,
        fits: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character half its size in pt wide, in mm.
    fn m(s: &str, size: f32) -> f32 {
        s.chars().count() as f32 * size / 2.0
    }

    #[test]
    fn kinsoku_keeps_brackets_and_stops_in_place() {
        let l = wrap("あいう（えお）かき。くけ", 20.0, &|s| {
            m(s, 10.0)
        });
        assert!(l.iter().all(|x| !x.ends_with('（')), "{l:?}");
        assert!(l.iter().all(|x| !x.starts_with('。')), "{l:?}");
        assert!(l.iter().all(|x| !x.starts_with('）')), "{l:?}");
        assert_eq!(l.concat(), "あいう（えお）かき。くけ");
    }

    #[test]
    fn a_name_kept_together_moves_down_whole() {
        let text = format!(
            "国民年金（{}・{}）、児童手当",
            keep_together("山田　太郎"),
            keep_together("花子")
        );
        // 9 characters a line: 「山田　太郎」 would start on the first line and break.
        let l = wrap(&text, 45.0, &|s| m(s, 10.0));
        assert!(l.iter().any(|x| x.starts_with("山田　太郎")), "{l:?}");
        assert!(l.iter().all(|x| !x.contains('\u{2060}')), "{l:?}");
        assert_eq!(l.concat(), "国民年金（山田　太郎・花子）、児童手当");
        // A run longer than a line is broken like any text rather than overflowing.
        let long = keep_together("一二三四五六七八九十一二");
        let l = wrap(&long, 45.0, &|s| m(s, 10.0));
        assert!(
            l.len() >= 2 && l.iter().all(|x| m(x, 10.0) <= 45.0),
            "{l:?}"
        );
    }

    #[test]
    fn latin_breaks_at_spaces_and_keeps_a_range_together() {
        let text = "Weekdays 8:30–17:15";
        let l = wrap(text, 65.0, &|s| m(s, 10.0));
        assert_eq!(l, vec!["Weekdays", "8:30–17:15"], "{l:?}");
    }

    #[test]
    fn shrinks_then_wraps_then_reports() {
        // 12 characters in 40 mm × 10 mm from 11 pt: one line would need 6.6 pt, under the
        // 7 pt minimum, so two lines at the largest size that fits.
        let f = fit("一二三四五六七八九十一二", 40.0, 10.0, 11.0, 7.0, 2, &m);
        assert!(f.fits && f.lines.len() == 2 && f.size >= 7.0, "{f:?}");
        // A single-line field that cannot shrink enough does not fit.
        let f = fit("一二三四五六七八九十一二", 40.0, 10.0, 11.0, 7.0, 1, &m);
        assert!(!f.fits && f.size == 7.0, "{f:?}");
        // Short values keep the largest size.
        let f = fit("一二", 40.0, 10.0, 11.0, 7.0, 1, &m);
        assert!(f.fits && f.size == 11.0 && f.lines == vec!["一二"], "{f:?}");
    }
}
