//! 3 確認: the questions `determine` reports as pending, one at a time, one key per answer.
//! A sensitive question turns the screen to the resident: large, plain, nothing read aloud.

use super::widgets::{dim, heading};
use crate::intake::{FactScope, FactType};
use crate::rules::{Lang, Question};
use crate::tui::state::State;
use crate::tui::strings::{self as st, safe, tr};
use ratatui::layout::{Alignment, Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The answer keys of a question: (key, text).
pub fn options(s: &State, q: &Question) -> Vec<(String, String)> {
    let l = s.lang;
    let scope = if q.member.is_some() {
        FactScope::Member
    } else {
        FactScope::Household
    };
    let decl = s.set.facts.get(&(scope, q.fact.clone()));
    let value_text = |code: &str| {
        decl.and_then(|d| d.value_text(code))
            .map_or(code.to_string(), |t| t.get(l).to_string())
    };
    match s.set.vocabulary.get(scope, &q.fact) {
        Some(FactType::Bool) => vec![
            ("1".into(), tr(l, ("はい", "Yes")).into()),
            ("2".into(), tr(l, ("いいえ", "No")).into()),
        ],
        Some(FactType::Count) => vec![
            ("0".into(), tr(l, ("いない・ない", "none")).into()),
            ("1-9".into(), tr(l, ("その数", "that number")).into()),
        ],
        Some(FactType::Code(v)) => v
            .iter()
            .enumerate()
            .map(|(i, c)| ((i + 1).to_string(), value_text(c)))
            .collect(),
        Some(FactType::CodeSet(v)) => {
            let mut o: Vec<(String, String)> = v
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let on = if s.case.multi.contains(c) {
                        "[x] "
                    } else {
                        "[ ] "
                    };
                    ((i + 1).to_string(), format!("{on}{}", value_text(c)))
                })
                .collect();
            o.push((
                "0".into(),
                tr(l, ("どれも持っていない", "none of these")).into(),
            ));
            o.push(("Enter".into(), tr(l, ("決定", "done")).into()));
            o
        }
        None => vec![],
    }
}

fn subject(s: &State, q: &Question) -> String {
    match q.member.as_deref().and_then(|id| s.case.intake.member(id)) {
        Some(m) => format!(
            "{} {}",
            safe(&m.name),
            tr(s.lang, ("さんについて", "")).trim()
        ),
        None => tr(s.lang, ("世帯について", "About the household")).into(),
    }
}

fn text(s: &State, q: &Question) -> String {
    safe(match s.lang {
        Lang::Ja => &q.text,
        Lang::En if !q.text_en.is_empty() => &q.text_en,
        Lang::En => &q.text,
    })
}

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let open = s.case.open_questions();
    let Some(q) = open.first() else {
        let mut lines = vec![
            heading(tr(l, ("3 確認", "3 Questions"))),
            Line::from(""),
            Line::from(tr(l, st::NO_PENDING)),
        ];
        if !s.case.skipped.is_empty() {
            lines.push(Line::from(dim(&format!(
                "{} {} (R)",
                tr(l, ("わからないとした質問:", "Skipped questions:")),
                s.case.skipped.len()
            ))));
        }
        f.render_widget(Paragraph::new(lines), area);
        return None;
    };
    if q.sensitive {
        draw_resident(f, area, s, q, open.len());
        return None;
    }
    let mut lines = vec![
        heading(&format!(
            "{}  {} / {}",
            tr(l, ("3 確認", "3 Questions")),
            1,
            open.len()
        )),
        Line::from(dim(tr(
            l,
            (
                "結果が変わる質問だけを聞きます。答えのキーを1つ押してください。",
                "Only questions that change the outcome. One key answers.",
            ),
        ))),
        Line::from(""),
        Line::from(Span::styled(
            subject(s, q),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(Span::styled(
            text(s, q),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Yellow),
        )),
        Line::from(""),
    ];
    for (k, t) in options(s, q) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  [{k}] "),
                Style::default()
                    .add_modifier(Modifier::BOLD)
                    .fg(Color::Cyan),
            ),
            Span::raw(safe(&t)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(dim(tr(
        l,
        (
            "  [S] わからない (あとで確認)",
            "  [S] don't know (ask later)",
        ),
    ))));
    if open.len() > 1 {
        lines.push(Line::from(""));
        lines.push(Line::from(dim(tr(
            l,
            ("このあとの質問:", "Next questions:"),
        ))));
        for q in open.iter().skip(1).take(4) {
            lines.push(Line::from(dim(&format!("  - {}", text(s, q)))));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    None
}

/// The resident-facing view: turned to the resident, large and calm.
fn draw_resident(f: &mut Frame, area: Rect, s: &State, q: &Question, n: usize) {
    let l = s.lang;
    let block = super::widgets::block()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(Color::Cyan))
        .title(Span::styled(
            format!(" {} ", tr(l, st::ANSWER_ON_SCREEN)),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Cyan),
        ))
        .title_alignment(Alignment::Center);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let opts = options(s, q);
    let [top, question, buttons, bottom] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(inner);
    let big = Style::default().add_modifier(Modifier::BOLD);
    f.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                tr(l, st::ANSWER_ON_SCREEN),
                big.fg(Color::Cyan),
            )),
            Line::from(tr(l, st::ANSWER_ON_SCREEN_SUB)),
        ])
        .alignment(Alignment::Center),
        top,
    );
    f.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(subject(s, q), big)),
            Line::from(""),
            Line::from(Span::styled(text(s, q), big.fg(Color::Yellow))),
        ])
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true }),
        question,
    );
    // Answer keys as large buttons, side by side.
    let cols = opts.len().clamp(1, 4) as u32;
    let rows: Vec<&[(String, String)]> = opts.chunks(cols as usize).collect();
    let row_areas = Layout::vertical(rows.iter().map(|_| Constraint::Length(3))).split(buttons);
    for (r, chunk) in rows.iter().enumerate() {
        let Some(ra) = row_areas.get(r) else { break };
        let cells = Layout::horizontal((0..cols).map(|_| Constraint::Ratio(1, cols))).split(*ra);
        for (c, (k, t)) in chunk.iter().enumerate() {
            let b = super::widgets::block().borders(Borders::ALL);
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(
                        format!(" {k} "),
                        Style::default()
                            .fg(Color::Black)
                            .bg(Color::Cyan)
                            .add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(format!(" {}", safe(t)), big),
                ]))
                .alignment(Alignment::Center)
                .block(b),
                cells[c],
            );
        }
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(dim(&format!(
            "{}  ({} / {n})",
            tr(
                l,
                (
                    "わからないときは S を押してください。職員が後で確認します。",
                    "If unsure, press S; the clerk will follow up."
                )
            ),
            1
        )))])
        .alignment(Alignment::Center),
        bottom,
    );
}
