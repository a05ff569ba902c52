//! 2 世帯: the members as a table, with movers, head, applicant and the deceased marked.
//! A long name wraps in its column; many members scroll with the selection and say so. Below
//! 100 columns the フリガナ and id columns give way (both are in the edit form).

use super::widgets::{dim, heading, wrap_text};
use crate::intake::{Applicant, EventKind};
use crate::rules::Lang;
use crate::tui::state::State;
use crate::tui::strings::{pad, safe, tr};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// 続柄 as the 住民票 says it: by sex where it differs (妻/夫, 父/母).
pub fn relation_text(m: &crate::intake::Member, l: Lang) -> &'static str {
    use crate::intake::{Relation, Sex};
    let Some(r) = m.relation else { return "-" };
    if l == Lang::En {
        return r.as_str();
    }
    match (r, m.sex) {
        (Relation::Spouse, Some(Sex::Female)) => "妻",
        (Relation::Spouse, Some(Sex::Male)) => "夫",
        (Relation::Parent, Some(Sex::Female)) => "母",
        (Relation::Parent, Some(Sex::Male)) => "父",
        _ => r.label_ja(),
    }
}

/// A column: padded to `w - 1` cells, so neighbours never touch.
fn col(s: &str, w: usize) -> String {
    format!("{} ", pad(s, w - 1))
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let i = &s.case.intake;
    let wide = area.width >= 100;
    let death = i.event.kind == EventKind::Death;
    let mut lines = vec![heading(&format!(
        "{}  ({})",
        tr(l, ("2 世帯", "2 Household")),
        if l == Lang::Ja {
            i.event.kind.label_ja()
        } else {
            i.event.kind.label_en()
        }
    ))];
    if area.height >= 20 {
        lines.push(Line::from(""));
    }
    // (title, width); the name column takes what is left.
    let mut cols: Vec<((&str, &str), usize)> = vec![];
    if wide {
        cols.push((("番号", "id"), 5));
    }
    cols.push((("氏名", "Name"), 0));
    if wide {
        cols.push((("フリガナ", "Kana"), 17));
    }
    cols.push((("生年月日", "Born"), if wide { 17 } else { 13 }));
    cols.push((("年齢", "Age"), 5));
    cols.push((("性別", "Sex"), 5));
    cols.push((("続柄", "Rel."), 9));
    if !death {
        cols.push((("異動", "Moves"), 7));
    }
    let marks_w = 16;
    let fixed: usize = 3 + cols.iter().map(|c| c.1).sum::<usize>() + marks_w;
    let name_w = (area.width as usize).saturating_sub(fixed).clamp(12, 22);
    let head = format!(
        "   {}{}",
        cols.iter()
            .map(|(t, w)| col(tr(l, *t), if *w == 0 { name_w } else { *w }))
            .collect::<String>(),
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
            if death {
                (
                    "   まだ誰もいません。A で、亡くなった方から追加します。",
                    "   Nobody yet. Add the deceased first with A.",
                )
            } else {
                (
                    "   まだ誰もいません。カードを置くか (C)、A で追加します。",
                    "   Nobody yet. Place a card (C) or add with A.",
                )
            },
        ))));
    }
    let mut rows: Vec<Vec<Line<'static>>> = vec![];
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
        if s.case.card_read.contains(&m.id) {
            marks.push_str(tr(l, ("[カ]", "[C]")));
        }
        let born = match (l, wide) {
            (Lang::Ja, true) => crate::calendar::format_wareki(m.birth_date),
            _ => m.birth_date.to_string(),
        };
        let moving = if !i.event.kind.is_move() {
            "-"
        } else if m.moving {
            tr(l, ("する", "yes"))
        } else {
            tr(l, ("しない", "no"))
        };
        let sex = m.sex.map_or("-", |x| {
            if l == Lang::Ja {
                x.label_ja()
            } else {
                x.as_str()
            }
        });
        let rel = relation_text(m, l);
        let age = crate::calendar::age(m.birth_date, i.event.date).to_string();
        let name_lines = wrap_text(&safe(&m.name), name_w - 1);
        let sel = k == s.case.selected_member;
        let style = if sel {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default()
        };
        let mut group = vec![];
        for (n, part) in name_lines.iter().enumerate() {
            let mut text = String::from(if sel && n == 0 { " > " } else { "   " });
            for (t, w) in &cols {
                let w = if *w == 0 { name_w } else { *w };
                let v = match t.0 {
                    "氏名" => part.clone(),
                    _ if n > 0 => String::new(),
                    "番号" => m.id.clone(),
                    "フリガナ" => safe(m.kana.as_deref().unwrap_or("")),
                    "生年月日" => born.clone(),
                    "年齢" => age.clone(),
                    "性別" => sex.to_string(),
                    "続柄" => rel.to_string(),
                    _ => moving.to_string(),
                };
                text.push_str(&col(&v, w));
            }
            if n == 0 {
                text.push_str(&marks);
            }
            group.push(Line::from(Span::styled(text, style)));
        }
        rows.push(group);
    }
    // Rows scroll to keep the selected member in view, with a position indicator.
    let tail = 3 + usize::from(matches!(i.event.applicant, Some(Applicant::Person(_)))) * 2;
    let room = (area.height as usize)
        .saturating_sub(lines.len() + tail)
        .max(1);
    let total: usize = rows.iter().map(Vec::len).sum();
    if total <= room {
        lines.extend(rows.into_iter().flatten());
    } else {
        let sel = s.case.selected_member.min(rows.len().saturating_sub(1));
        let mut first = 0;
        while first < sel && rows[first..=sel].iter().map(Vec::len).sum::<usize>() > room - 1 {
            first += 1;
        }
        let mut used = 0;
        let mut last = first;
        for r in &rows[first..] {
            if used + r.len() > room - 1 {
                break;
            }
            used += r.len();
            last += 1;
            lines.extend(r.iter().cloned());
        }
        lines.push(Line::from(dim(&format!(
            "   ({}-{} / {})  Up Down",
            first + 1,
            last,
            rows.len()
        ))));
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
    let legend = tr(
        l,
        (
            "印: [主] 世帯主  [届] 届出人  [故] 亡くなった方  [カ] この窓口でカードを読み取った方",
            "Marks: [H] head  [A] applicant  [D] deceased  [C] card read here",
        ),
    );
    for part in wrap_text(legend, (area.width as usize).saturating_sub(4)) {
        lines.push(Line::from(dim(&format!("   {part}"))));
    }
    f.render_widget(Paragraph::new(lines), area);
    None
}
