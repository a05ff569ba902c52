//! Small drawing helpers shared by the screens: forms (with the cursor position), popups.

use crate::rules::Lang;
use crate::tui::state::{FieldKind, Form};
use crate::tui::strings::{pad, safe, tr, width};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub const LABEL_W: usize = 16;

/// Borders in ASCII: the box-drawing characters are East Asian *ambiguous* width, drawn two
/// cells wide by many Japanese terminal setups, which would break every bordered line.
pub const ASCII_BORDER: ratatui::symbols::border::Set = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// A block with ASCII borders (the only kind the screens use).
pub fn block() -> Block<'static> {
    Block::default().border_set(ASCII_BORDER)
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears a popup's area and one cell to its left: a wide character starting just left of
/// the popup would otherwise cover its border.
pub fn clear(f: &mut Frame, r: Rect) {
    let x = r.x.saturating_sub(1);
    let area = f.area();
    let w = (r.width + (r.x - x) + 1).min(area.width.saturating_sub(x));
    f.render_widget(Clear, Rect { x, width: w, ..r });
}

pub fn popup(f: &mut Frame, r: Rect, title: &str, lines: Vec<Line>) {
    clear(f, r);
    let block = block().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", safe(title)),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

/// One row per field; returns the cursor position of the focused text field.
pub fn form_lines(
    form: &Form,
    lang: Lang,
    area: Rect,
    focused: bool,
) -> (Vec<Line<'static>>, Option<Position>) {
    let mut lines = vec![];
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let is_focus = focused && i == form.focus;
        let label = pad(&format!(" {}", tr(lang, field.label)), LABEL_W);
        let label_style = if is_focus {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        };
        let mut spans = vec![Span::styled(label, label_style), Span::raw(" ")];
        match &field.kind {
            FieldKind::Choice(opts) => {
                let blank = opts.first().is_some_and(|o| o.0.is_empty());
                let (first, last) = if blank {
                    (0, opts.len() - 1)
                } else {
                    (1, opts.len())
                };
                let text = opts
                    .get(field.index())
                    .map(|o| {
                        if lang == Lang::Ja {
                            o.1.clone()
                        } else {
                            o.2.clone()
                        }
                    })
                    .unwrap_or_default();
                spans.push(Span::styled(
                    format!("< {} >", safe(&text)),
                    Style::default().add_modifier(Modifier::BOLD),
                ));
                if is_focus {
                    spans.push(Span::styled(
                        format!("  {first}-{last} / Left Right"),
                        Style::default().fg(Color::DarkGray),
                    ));
                    // Every option, wrapped (never cut): the clerk sees "8:同居人" too.
                    let items: Vec<String> = opts
                        .iter()
                        .enumerate()
                        .map(|(k, o)| {
                            let n = if blank { k } else { k + 1 };
                            safe(&format!(
                                "{n}:{}",
                                if lang == Lang::Ja { &o.1 } else { &o.2 }
                            ))
                        })
                        .collect();
                    let indent = LABEL_W + 1;
                    let w = (area.width as usize).saturating_sub(indent + 1);
                    lines.push(Line::from(std::mem::take(&mut spans)));
                    for part in super::confirm::wrap_items(&items, w) {
                        lines.push(Line::from(Span::styled(
                            format!("{}{part}", " ".repeat(indent)),
                            Style::default().fg(Color::DarkGray),
                        )));
                    }
                    spans = vec![Span::raw(" ".repeat(LABEL_W + 1))];
                }
            }
            FieldKind::Text | FieldKind::Date => {
                let v = safe(&field.value);
                let style = if field.invalid {
                    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
                } else if field.fresh && is_focus {
                    // Put there before: typing replaces it (shown selected).
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                spans.push(Span::styled(v.clone(), style));
                if field.value.is_empty() {
                    if let Some(sug) = &field.suggest {
                        spans.push(Span::styled(
                            safe(&format!(
                                "{sug} {}",
                                tr(lang, ("(右キーで入力)", "(Right takes it)"))
                            )),
                            Style::default().fg(Color::DarkGray),
                        ));
                    }
                }
                if field.kind == FieldKind::Date {
                    if let Some(d) = field.date_value() {
                        spans.push(Span::styled(
                            match lang {
                                Lang::Ja => {
                                    format!("  {}", crate::calendar::format_wareki_weekday(d))
                                }
                                Lang::En => format!("  {}", crate::calendar::format_en(d)),
                            },
                            Style::default().fg(Color::DarkGray),
                        ));
                    } else if field.invalid || is_focus {
                        spans.push(Span::styled(
                            "  (YYYY-MM-DD)",
                            Style::default().fg(Color::DarkGray),
                        ));
                    }
                }
                if is_focus {
                    let before: String = field.value.chars().take(field.cursor).collect();
                    let x = area.x as usize + LABEL_W + 1 + width(&safe(&before));
                    let y = area.y as usize + lines.len();
                    if x < (area.x + area.width) as usize && y < (area.y + area.height) as usize {
                        cursor = Some(Position::new(x as u16, y as u16));
                    }
                }
            }
        }
        // What the field means, and any warning: beside the value when there is room, else on
        // the lines below (never cut).
        let mut notes: Vec<Span<'static>> = vec![];
        if let Some((ja, en)) = &field.warn {
            notes.push(Span::styled(
                safe(&format!("!! {}", if lang == Lang::Ja { ja } else { en })),
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ));
        }
        if let Some(h) = field.hint {
            notes.push(Span::styled(
                safe(tr(lang, h)),
                Style::default().fg(Color::DarkGray),
            ));
        }
        let used: usize = spans.iter().map(|sp| width(&sp.content)).sum();
        let room = (area.width as usize).saturating_sub(used + 2);
        for note in notes {
            let w = width(&note.content);
            if w <= room && lines_fit(&spans, &note, area) {
                spans.push(Span::raw("  "));
                spans.push(note);
            } else {
                lines.push(Line::from(std::mem::take(&mut spans)));
                let indent = LABEL_W + 1;
                for part in wrap_text(
                    &note.content,
                    (area.width as usize).saturating_sub(indent + 1),
                ) {
                    spans = vec![
                        Span::raw(" ".repeat(indent)),
                        Span::styled(part, note.style),
                    ];
                    lines.push(Line::from(std::mem::take(&mut spans)));
                }
                spans = vec![];
            }
        }
        if spans.is_empty() || spans.iter().all(|sp| sp.content.trim().is_empty()) {
            continue;
        }
        lines.push(Line::from(spans));
    }
    (lines, cursor)
}

/// Whether a note still fits on the line after `spans`.
fn lines_fit(spans: &[Span<'static>], note: &Span<'static>, area: Rect) -> bool {
    let used: usize = spans.iter().map(|sp| width(&sp.content)).sum();
    used + 2 + width(&note.content) <= area.width as usize
}

/// A form in a bordered popup; returns the cursor position.
pub fn form_popup(
    f: &mut Frame,
    r: Rect,
    title: &str,
    form: &Form,
    lang: Lang,
    extra: Vec<Line<'static>>,
) -> Option<Position> {
    clear(f, r);
    let block = block().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", safe(title)),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let (mut lines, cursor) = form_lines(form, lang, inner, true);
    lines.push(Line::from(""));
    lines.extend(extra);
    f.render_widget(Paragraph::new(lines), inner);
    cursor
}

pub fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(
        safe(text),
        Style::default()
            .add_modifier(Modifier::BOLD)
            .fg(Color::Cyan),
    ))
}

pub fn dim(text: &str) -> Span<'static> {
    Span::styled(safe(text), Style::default().fg(Color::DarkGray))
}

/// Wraps `text` to lines of at most `w` cells, never cutting anything off: Japanese breaks
/// anywhere, a run of ASCII words at its spaces where it can.
pub fn wrap_text(text: &str, w: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let w = w.max(2);
    let mut lines: Vec<String> = vec![];
    let mut cur = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            // Break an ASCII word at the last space of the line, if there is one; a short
            // number or word right after Japanese text moves down whole ("90日", not "9|0日").
            let carry = if c.is_ascii_alphanumeric() {
                let run = cur
                    .chars()
                    .rev()
                    .take_while(|x| x.is_ascii_alphanumeric())
                    .count();
                match cur.rfind(' ') {
                    Some(i) if cur[i + 1..].chars().all(|x| x.is_ascii_graphic()) => {
                        let rest = cur[i + 1..].to_string();
                        cur.truncate(i);
                        rest
                    }
                    _ if run > 0 && run <= 8 && run < cur.chars().count() => {
                        let at = cur.len() - run; // ASCII: one byte a character
                        let rest = cur[at..].to_string();
                        cur.truncate(at);
                        rest
                    }
                    _ => String::new(),
                }
            } else {
                String::new()
            };
            lines.push(cur.trim_end().to_string());
            cur = carry;
            used = width(&cur);
            if c == ' ' {
                continue;
            }
        }
        cur.push(c);
        used += cw;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_text;

    #[test]
    fn wrapping_keeps_every_character() {
        let t = "国民健康保険 加入、後期高齢者医療 加入、介護保険 資格取得";
        let lines = wrap_text(t, 20);
        assert!(lines.iter().all(|l| super::width(l) <= 20), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), t.replace(' ', ""));
        let lines = wrap_text("National Health Insurance enrolment", 12);
        assert_eq!(lines, vec!["National", "Health", "Insurance", "enrolment"]);
        // A number is never split.
        let lines = wrap_text("転入届の日から90日を過ぎると", 15);
        assert_eq!(lines, vec!["転入届の日から", "90日を過ぎると"]);
    }
}
