//! 4 手続一覧: what applies, grouped by counter in visiting order, with members, deadlines
//! and reasons; the excluded ones (the record that nothing was overlooked) one key away.
//! Nothing is cut silently: the 対象 column says "他2名" when names do not fit, both lists
//! scroll with a position indicator, and the detail pane scrolls (PgUp / PgDn).

use super::widgets::{dim, heading, wrap_text};
use crate::rules::Lang;
use crate::tui::state::State;
use crate::tui::strings::{pad, safe, tr, width};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};
use ratatui::Frame;

/// A member's given name (the part after the space), as the list shows it.
fn given(s: &State, id: &str) -> String {
    s.case.intake.member(id).map_or(id.to_string(), |m| {
        m.name
            .split(['\u{3000}', ' '])
            .next_back()
            .unwrap_or(&m.name)
            .to_string()
    })
}

/// The 対象 column: the given names joined, or the first ones and "他N名" when they do not
/// fit in `w` cells.
pub fn member_names(s: &State, ids: &[String], w: usize) -> String {
    let l = s.lang;
    if ids.is_empty() {
        return tr(l, ("世帯", "household")).into();
    }
    let names: Vec<String> = ids.iter().map(|id| safe(&given(s, id))).collect();
    let all = names.join("・");
    if width(&all) <= w {
        return all;
    }
    for k in (1..names.len()).rev() {
        let rest = names.len() - k;
        let text = format!(
            "{} {}",
            names[..k].join("・"),
            match l {
                Lang::Ja => format!("他{rest}名"),
                Lang::En => format!("+{rest}"),
            }
        );
        if width(&text) <= w {
            return text;
        }
    }
    match l {
        Lang::Ja => format!("{}名", names.len()),
        Lang::En => format!("{} people", names.len()),
    }
}

/// The full names, for the detail pane.
fn full_names(s: &State, ids: &[String]) -> String {
    if ids.is_empty() {
        return tr(s.lang, ("世帯", "the household")).into();
    }
    ids.iter()
        .map(|id| {
            s.case
                .intake
                .member(id)
                .map_or(id.clone(), |m| safe(&m.name))
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The rows of a list, scrolled so the selected one is in view, with "(a-b / n)" when not all
/// fit.
fn window(
    rows: Vec<(Line<'static>, bool)>,
    selected_row: usize,
    room: usize,
) -> Vec<Line<'static>> {
    let n = rows.len();
    if n <= room {
        return rows.into_iter().map(|r| r.0).collect();
    }
    let avail = room.saturating_sub(1).max(1);
    let first = selected_row
        .saturating_sub(avail.saturating_sub(2))
        .min(n - avail);
    let mut out: Vec<Line<'static>> = rows
        .into_iter()
        .skip(first)
        .take(avail)
        .map(|r| r.0)
        .collect();
    out.push(Line::from(dim(&format!(
        "   ({}-{} / {n})  Up Down",
        first + 1,
        first + avail
    ))));
    out
}

fn selected_style() -> Style {
    Style::default().fg(Color::Black).bg(Color::Cyan)
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let d = &s.case.det;
    let detail_h = if area.height >= 20 { 9 } else { 6 };
    let [list, detail] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(detail_h)]).areas(area);
    let w = area.width as usize;
    let name_w = if w >= 100 { 30 } else { 26 };
    let who_w = if w >= 100 { 16 } else { 12 };
    let mut head = vec![];
    let mut rows: Vec<(Line<'static>, bool)> = vec![];
    let mut sel_row = 0;
    let mut dl: Vec<Line<'static>> = vec![];
    if s.case.show_excluded {
        head.push(heading(&format!(
            "{} ({})  {}",
            tr(l, ("対象外と判断した手続", "Considered, not applicable")),
            d.excluded.len(),
            tr(l, ("X で戻る", "X: back"))
        )));
        for (k, e) in d.excluded.iter().enumerate() {
            let name = s
                .set
                .procedures
                .iter()
                .find(|p| p.id == e.id)
                .map_or(e.id.clone(), |p| p.name.get(l).to_string());
            let reason = if l == Lang::En && !e.reason_en.is_empty() {
                &e.reason_en
            } else {
                &e.reason
            };
            let sel = k == s.case.proc_selected;
            if sel {
                sel_row = rows.len();
                dl.push(Line::from(Span::styled(
                    safe(&name),
                    Style::default().add_modifier(Modifier::BOLD),
                )));
                dl.push(Line::from(safe(&format!(
                    "{}: {}",
                    tr(l, ("対象", "For")),
                    full_names(s, &e.members)
                ))));
                for part in wrap_text(
                    &safe(&format!("{}: {reason}", tr(l, ("理由", "Why")))),
                    w.saturating_sub(2),
                ) {
                    dl.push(Line::from(part));
                }
            }
            // The reason in full is in the details below; the row shows its start.
            let row = format!(
                "{} {}{}  {}",
                if sel { ">" } else { " " },
                pad(&safe(&name), name_w),
                pad(&member_names(s, &e.members, who_w), who_w),
                safe(reason)
            );
            let row = if width(&row) > w {
                // Cut with a mark: the reason in full is in the details below.
                format!(
                    "{}...",
                    super::super::strings::fit(&row, w.saturating_sub(3))
                )
            } else {
                row
            };
            rows.push((
                Line::from(Span::styled(
                    row,
                    if sel {
                        selected_style()
                    } else {
                        Style::default()
                    },
                )),
                sel,
            ));
        }
    } else {
        let pending = s.case.open_questions().len() + s.case.skipped.len();
        let mut title = format!(
            "{} ({})",
            tr(l, ("4 手続一覧", "4 Procedures")),
            d.procedures.len()
        );
        if pending > 0 {
            title.push_str(&format!(
                "  {} {pending} (F3)",
                tr(l, ("未確認の質問", "open questions"))
            ));
        }
        head.push(heading(&title));
        let mut counter = String::new();
        for (k, p) in d.procedures.iter().enumerate() {
            let c = if l == Lang::Ja {
                format!("{} {}", p.counter, p.section)
            } else {
                format!("{} {}", p.extra.counter_en, p.extra.section_en)
            };
            if c != counter {
                rows.push((
                    Line::from(Span::styled(
                        safe(&format!(" 【{c}】")),
                        Style::default().add_modifier(Modifier::BOLD),
                    )),
                    false,
                ));
                counter = c;
            }
            let aside = s.case.set_aside.iter().any(|(id, _)| *id == p.id);
            let name = if l == Lang::En && !p.extra.name_en.is_empty() {
                &p.extra.name_en
            } else {
                &p.name
            };
            let deadline = if l == Lang::En && !p.extra.deadline_text_en.is_empty() {
                &p.extra.deadline_text_en
            } else {
                &p.deadline_text
            };
            let sel = k == s.case.proc_selected;
            let aside_mark = if aside {
                tr(l, ("[保留] ", "[aside] "))
            } else {
                ""
            };
            // Name and deadline wrap in their columns instead of being cut.
            let name_col = name_w.saturating_sub(width(aside_mark));
            let names = wrap_text(&safe(name), name_col);
            let who = member_names(s, &p.members, who_w);
            let lead_w = 3 + width(aside_mark) + name_col + who_w + 1;
            let dw = w.saturating_sub(lead_w).max(12);
            let parts = wrap_text(&safe(deadline), dw);
            let style = if sel {
                selected_style()
            } else if aside {
                Style::default().fg(Color::DarkGray)
            } else {
                Style::default()
            };
            if sel {
                sel_row = rows.len();
            }
            for i in 0..names.len().max(parts.len()) {
                let text = format!(
                    "{} {}{}{} {}",
                    if sel && i == 0 { " >" } else { "  " },
                    if i == 0 { aside_mark } else { "" },
                    pad(
                        names.get(i).map_or("", String::as_str),
                        name_col + if i == 0 { 0 } else { width(aside_mark) }
                    ),
                    pad(if i == 0 { &who } else { "" }, who_w),
                    parts.get(i).map_or("", String::as_str),
                );
                rows.push((Line::from(Span::styled(text, style)), sel && i == 0));
            }
            if sel {
                detail_lines(s, p, w, &mut dl);
            }
        }
        if d.procedures.is_empty() {
            rows.push((
                Line::from(dim(tr(
                    l,
                    ("  必要な手続はまだありません。", "  No procedures yet."),
                ))),
                false,
            ));
        }
        rows.push((
            Line::from(dim(&format!(
                "  {} {} (X)",
                tr(l, ("対象外と判断した手続:", "Excluded:")),
                d.excluded.len()
            ))),
            false,
        ));
    }
    let room = (list.height as usize).saturating_sub(head.len());
    let mut lines = head;
    lines.extend(window(rows, sel_row, room));
    f.render_widget(Paragraph::new(lines), list);

    // The details scroll (PgUp / PgDn) and say so when there is more.
    let inner_h = detail_h.saturating_sub(1) as usize;
    let n = dl.len();
    let scroll = (s.case.detail_scroll as usize).min(n.saturating_sub(inner_h.max(1)));
    let mut shown: Vec<Line<'static>> = dl.into_iter().skip(scroll).take(inner_h).collect();
    let title = if n > inner_h {
        format!(
            " {} ({}-{} / {}  PgUp PgDn) ",
            tr(l, ("詳細", "Details")),
            scroll + 1,
            (scroll + inner_h).min(n),
            n
        )
    } else {
        format!(" {} ", tr(l, ("詳細", "Details")))
    };
    if shown.is_empty() {
        shown.push(Line::from(""));
    }
    f.render_widget(
        Paragraph::new(shown).block(super::widgets::block().borders(Borders::TOP).title(title)),
        detail,
    );
    None
}

/// The selected procedure in full: for whom, until when, why, what to bring, the forms, the
/// basis, and why it was set aside.
fn detail_lines(s: &State, p: &crate::rules::Applied, w: usize, dl: &mut Vec<Line<'static>>) {
    let l = s.lang;
    let en = l == Lang::En;
    let reasons = if en && !p.extra.reasons_en.is_empty() {
        &p.extra.reasons_en
    } else {
        &p.reasons
    };
    let bring = if en && !p.extra.bring_en.is_empty() {
        &p.extra.bring_en
    } else {
        &p.bring
    };
    let deadline = if en && !p.extra.deadline_text_en.is_empty() {
        &p.extra.deadline_text_en
    } else {
        &p.deadline_text
    };
    let mut push = |text: String, style: Style| {
        for part in wrap_text(&safe(&text), w.saturating_sub(2)) {
            dl.push(Line::from(Span::styled(part, style)));
        }
    };
    let plain = Style::default();
    push(
        format!("{}: {}", tr(l, ("対象", "For")), full_names(s, &p.members)),
        plain,
    );
    if !deadline.is_empty() {
        push(format!("{}: {deadline}", tr(l, ("期限", "When"))), plain);
    }
    for r in reasons {
        push(format!("{}: {r}", tr(l, ("理由", "Why"))), plain);
    }
    if !bring.is_empty() {
        push(
            format!("{}: {}", tr(l, ("持ち物", "Bring")), bring.join("、")),
            plain,
        );
    }
    if !p.forms.is_empty() {
        push(
            format!("{}: {}", tr(l, ("様式", "Forms")), p.forms.join(", ")),
            plain,
        );
    }
    push(
        format!("{}: {}  ({})", tr(l, ("根拠", "Basis")), p.basis, p.id),
        Style::default().fg(Color::DarkGray),
    );
    if let Some((_, r)) = s.case.set_aside.iter().find(|(id, _)| *id == p.id) {
        push(
            format!("{}: {r}", tr(l, ("保留の理由", "Set aside"))),
            Style::default().fg(Color::Yellow),
        );
    }
}
