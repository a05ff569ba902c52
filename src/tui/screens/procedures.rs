//! 4 手続一覧: what applies, grouped by counter in visiting order, with members, deadlines
//! and reasons; the excluded ones (the record that nothing was overlooked) one key away.

use super::widgets::{dim, heading};
use crate::rules::Lang;
use crate::tui::state::State;
use crate::tui::strings::{pad, safe, tr};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};
use ratatui::Frame;

fn member_names(s: &State, ids: &[String]) -> String {
    if ids.is_empty() {
        return tr(s.lang, ("世帯", "household")).into();
    }
    ids.iter()
        .map(|id| {
            s.case.intake.member(id).map_or(id.clone(), |m| {
                m.name
                    .split(['\u{3000}', ' '])
                    .next_back()
                    .unwrap_or(&m.name)
                    .to_string()
            })
        })
        .collect::<Vec<_>>()
        .join("・")
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let d = &s.case.det;
    let [list, detail] = Layout::vertical([Constraint::Min(6), Constraint::Length(9)]).areas(area);
    let mut lines = vec![];
    if s.case.show_excluded {
        lines.push(heading(&format!(
            "{} ({})",
            tr(l, ("対象外と判断した手続", "Considered, not applicable")),
            d.excluded.len()
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
            let style = if k == s.case.proc_selected {
                Style::default().fg(Color::Black).bg(Color::Cyan)
            } else {
                Style::default()
            };
            lines.push(Line::from(Span::styled(
                safe(&format!(
                    "{} {}  {}",
                    if k == s.case.proc_selected { ">" } else { " " },
                    pad(&name, 30),
                    reason
                )),
                style,
            )));
        }
        f.render_widget(Paragraph::new(lines), list);
        return None;
    }
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
    lines.push(heading(&title));
    let mut counter = String::new();
    for (k, p) in d.procedures.iter().enumerate() {
        let c = if l == Lang::Ja {
            format!("{} {}", p.counter, p.section)
        } else {
            format!("{} {}", p.extra.counter_en, p.extra.section_en)
        };
        if c != counter {
            lines.push(Line::from(Span::styled(
                safe(&format!(" 【{c}】")),
                Style::default().add_modifier(Modifier::BOLD),
            )));
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
        let row = format!(
            "{} {}{}{}{}",
            if k == s.case.proc_selected {
                " >"
            } else {
                "  "
            },
            if aside {
                tr(l, ("[保留] ", "[aside] "))
            } else {
                ""
            },
            pad(&safe(name), 30),
            pad(&safe(&member_names(s, &p.members)), 16),
            safe(deadline),
        );
        let style = if k == s.case.proc_selected {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else if aside {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(row, style)));
    }
    if d.procedures.is_empty() {
        lines.push(Line::from(dim(tr(
            l,
            ("  必要な手続はまだありません。", "  No procedures yet."),
        ))));
    }
    lines.push(Line::from(dim(&format!(
        "  {} {} (X)",
        tr(l, ("対象外と判断した手続:", "Excluded:")),
        d.excluded.len()
    ))));
    // Keep the selected row visible.
    let sel_row = lines
        .iter()
        .position(|x| {
            x.spans
                .first()
                .is_some_and(|sp| sp.content.starts_with(" >"))
        })
        .unwrap_or(0);
    let h = list.height as usize;
    let scroll = sel_row.saturating_sub(h.saturating_sub(2)) as u16;
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), list);

    let mut dl = vec![];
    if let Some(p) = d.procedures.get(s.case.proc_selected) {
        let reasons = if l == Lang::En && !p.extra.reasons_en.is_empty() {
            &p.extra.reasons_en
        } else {
            &p.reasons
        };
        let bring = if l == Lang::En && !p.extra.bring_en.is_empty() {
            &p.extra.bring_en
        } else {
            &p.bring
        };
        for r in reasons {
            dl.push(Line::from(safe(&format!(
                "{}: {r}",
                tr(l, ("理由", "Why"))
            ))));
        }
        if !bring.is_empty() {
            dl.push(Line::from(safe(&format!(
                "{}: {}",
                tr(l, ("持ち物", "Bring")),
                bring.join("、")
            ))));
        }
        if !p.forms.is_empty() {
            dl.push(Line::from(safe(&format!(
                "{}: {}",
                tr(l, ("様式", "Forms")),
                p.forms.join(", ")
            ))));
        }
        dl.push(Line::from(dim(&format!(
            "{}: {}  ({})",
            tr(l, ("根拠", "Basis")),
            p.basis,
            p.id
        ))));
        if let Some((_, r)) = s.case.set_aside.iter().find(|(id, _)| *id == p.id) {
            dl.push(Line::from(Span::styled(
                safe(&format!("{}: {r}", tr(l, ("保留の理由", "Set aside")))),
                Style::default().fg(Color::Yellow),
            )));
        }
    }
    f.render_widget(
        Paragraph::new(dl).wrap(Wrap { trim: false }).block(
            super::widgets::block()
                .borders(Borders::TOP)
                .title(tr(l, (" 詳細 ", " Details "))),
        ),
        detail,
    );
    None
}
