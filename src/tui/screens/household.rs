//! 2 世帯: the members as a table, with movers, head, applicant and the deceased marked.

use super::widgets::{dim, heading};
use crate::intake::Applicant;
use crate::tui::state::State;
use crate::tui::strings::{pad, safe, tr};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// A column: cut to `w - 1` cells and padded, so neighbours never touch.
fn col(s: &str, w: usize) -> String {
    format!("{} ", pad(s, w - 1))
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let i = &s.case.intake;
    let mut lines = vec![
        heading(&format!(
            "{}  ({})",
            tr(l, ("2 世帯", "2 Household")),
            if l == crate::rules::Lang::Ja {
                i.event.kind.label_ja()
            } else {
                i.event.kind.label_en()
            }
        )),
        Line::from(""),
    ];
    let head = format!(
        "   {}{}{}{}{}{}{}{}{}",
        col(tr(l, ("番号", "id")), 5),
        col(tr(l, ("氏名", "Name")), 17),
        col(tr(l, ("フリガナ", "Kana")), 17),
        col(tr(l, ("生年月日", "Born")), 17),
        col(tr(l, ("年齢", "Age")), 5),
        col(tr(l, ("性別", "Sex")), 5),
        col(tr(l, ("続柄", "Rel.")), 9),
        col(tr(l, ("異動", "Moves")), 7),
        tr(l, ("印", "Marks")),
    );
    lines.push(Line::from(Span::styled(
        head,
        Style::default().add_modifier(Modifier::UNDERLINED),
    )));
    if i.household.members.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(dim(tr(
            l,
            (
                "   まだ誰もいません。カードを置くか (C)、A で追加します。",
                "   Nobody yet. Place a card (C) or add with A.",
            ),
        ))));
    }
    for (k, m) in i.household.members.iter().enumerate() {
        let mut marks = String::new();
        if i.household.head.as_deref() == Some(&m.id) {
            marks.push_str(tr(l, ("[主]", "[H]")));
        }
        if matches!(&i.event.applicant, Some(Applicant::Member(a)) if *a == m.id) {
            marks.push_str(tr(l, ("[届]", "[A]")));
        }
        if i.event.deceased.as_deref() == Some(&m.id) {
            marks.push_str(tr(l, ("[故]", "[D]")));
        }
        if m.facts.mynumber_card == Some(true) {
            marks.push_str(tr(l, ("[カ]", "[C]")));
        }
        let born = match l {
            crate::rules::Lang::Ja => crate::calendar::format_wareki(m.birth_date),
            crate::rules::Lang::En => m.birth_date.to_string(),
        };
        let moving = if !i.event.kind.is_move() {
            "-"
        } else if m.moving {
            tr(l, ("する", "yes"))
        } else {
            tr(l, ("しない", "no"))
        };
        let row = format!(
            "{}{}{}{}{}{}{}{}{}{}",
            if k == s.case.selected_member {
                " > "
            } else {
                "   "
            },
            col(&m.id, 5),
            col(&safe(&m.name), 17),
            col(&safe(m.kana.as_deref().unwrap_or("")), 17),
            col(&born, 17),
            col(
                &crate::calendar::age(m.birth_date, i.event.date).to_string(),
                5
            ),
            col(
                m.sex.map_or("-", |x| if l == crate::rules::Lang::Ja {
                    x.label_ja()
                } else {
                    x.as_str()
                }),
                5
            ),
            col(
                m.relation.map_or("-", |x| if l == crate::rules::Lang::Ja {
                    x.label_ja()
                } else {
                    x.as_str()
                }),
                9
            ),
            col(moving, 7),
            marks,
        );
        let style = if k == s.case.selected_member {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(row, style)));
    }
    if let Some(Applicant::Person(p)) = &i.event.applicant {
        lines.push(Line::from(""));
        lines.push(Line::from(safe(&format!(
            "   {}: {} ({})",
            tr(l, ("世帯外の届出人", "Applicant outside the household")),
            p.name,
            p.relation_to_deceased.as_deref().unwrap_or("-")
        ))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(dim(tr(
        l,
        (
            "   印: [主] 世帯主  [届] 届出人  [故] 亡くなった方  [カ] カード読取済み",
            "   Marks: [H] head  [A] applicant  [D] deceased  [C] card read",
        ),
    ))));
    f.render_widget(Paragraph::new(lines), area);
    None
}
