//! 3 確認: the checklist screens. One screen per `screen` of the procedure set; its facts as
//! rows, the members (and the household) as columns; a digit answers the focused cell and the
//! focus moves on; Enter takes the rest as "no". A screen with sensitive questions is turned
//! to the resident: large, plain, no clerk keys, and a true progress ("3 / 5").

use super::widgets::{dim, heading, wrap_items, wrap_text};
use crate::tui::checklist::{self, Cell, Checklist};
use crate::tui::state::State;
use crate::tui::strings::{self as st, pad, safe, tr, width};
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};
use ratatui::Frame;

/// The width of the question column.
const LABEL_W: usize = 24;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let Some(list) = checklist::build(s) else {
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
    if list.screen.resident {
        draw_resident(f, area, s, &list);
    } else {
        draw_clerk(f, area, s, &list);
    }
    None
}

/// The focused question, as the clerk reads it aloud (past tense about the deceased).
fn focused_question(s: &State, list: &Checklist) -> Option<(String, String)> {
    let (r, c) = list.focus?;
    let q = match list.cell(r, c) {
        Cell::Open(q) | Cell::Skipped(q) => Some(q.clone()),
        _ => None,
    };
    let who = match &list.cols[c].member {
        Some(id) => s
            .case
            .intake
            .member(id)
            .map_or(id.clone(), |m| m.name.clone()),
        None => tr(s.lang, ("世帯", "Household")).to_string(),
    };
    let text = match q {
        Some(q) => match s.lang {
            crate::rules::Lang::En if !q.text_en.is_empty() => q.text_en,
            _ => q.text,
        },
        None => checklist::pick(s.lang, &list.rows[r].label).to_string(),
    };
    Some((safe(&who), safe(&text)))
}

/// The focused row's answer keys, as "1:国保  2:後期高齢 …" wrapped to `w` cells.
fn option_lines(s: &State, list: &Checklist, w: usize) -> Vec<String> {
    let Some((r, _)) = list.focus else {
        return vec![];
    };
    let items: Vec<String> = list.rows[r]
        .kind
        .options()
        .iter()
        .map(|(k, ja, en)| {
            let t = if s.lang == crate::rules::Lang::Ja {
                ja
            } else {
                en
            };
            format!("{k}:{}", safe(t))
        })
        .collect();
    wrap_items(&items, w)
}

fn cell_text(s: &State, cell: &Cell) -> (String, Style) {
    match cell {
        Cell::Blank => (String::new(), Style::default()),
        Cell::Open(_) => ("?".into(), Style::default().fg(Color::Yellow)),
        Cell::Skipped(_) => (
            tr(s.lang, ("(不明)", "(unknown)")).into(),
            Style::default().fg(Color::DarkGray),
        ),
        Cell::Known { text, here } => (
            safe(checklist::pick(s.lang, text)),
            if *here {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default().fg(Color::DarkGray)
            },
        ),
    }
}

/// The grid of the checklist: a header with the members' names (wrapped, never cut), one
/// line per fact. Columns that do not fit scroll with the focus, and say so.
fn grid_lines(s: &State, list: &Checklist, w: usize, big: bool) -> Grid {
    let l = s.lang;
    let label_w = if w < 90 { 18 } else { LABEL_W };
    let n = list.cols.len().max(1);
    let col_w = ((w.saturating_sub(label_w + 1)) / n).clamp(10, if big { 20 } else { 16 });
    let fit_cols = ((w.saturating_sub(label_w + 1)) / col_w).max(1);
    let focus_c = list.focus.map_or(0, |f| f.1);
    let first = if list.cols.len() <= fit_cols {
        0
    } else {
        focus_c
            .saturating_sub(fit_cols - 1)
            .min(list.cols.len() - fit_cols)
    };
    let shown: Vec<usize> = (first..list.cols.len()).take(fit_cols).collect();
    let mut out = vec![];
    let mut rows_out: Vec<Vec<Line<'static>>> = vec![];
    // Header: names wrapped over as many lines as they need.
    let names: Vec<Vec<String>> = shown
        .iter()
        .map(|&c| {
            let col = &list.cols[c];
            let name = if col.deceased {
                format!("{}{}", tr(l, ("故 ", "late ")), safe(&col.name))
            } else if col.member.is_none() {
                tr(l, ("世帯", "Household")).to_string()
            } else {
                safe(&col.name)
            };
            super::widgets::wrap_text(&name, col_w - 1)
        })
        .collect();
    let head_h = names.iter().map(Vec::len).max().unwrap_or(1);
    for k in 0..head_h {
        let mut spans = vec![Span::raw(pad(
            if k == 0 {
                tr(l, (" 質問", " Question"))
            } else {
                ""
            },
            label_w,
        ))];
        for (i, lines) in names.iter().enumerate() {
            let c = shown[i];
            let style = if list.focus.is_some_and(|f| f.1 == c) {
                Style::default()
                    .add_modifier(Modifier::BOLD)
                    .fg(Color::Cyan)
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                pad(lines.get(k).map_or("", String::as_str), col_w - 1),
                style,
            ));
        }
        out.push(Line::from(spans));
    }
    for (r, row) in list.rows.iter().enumerate() {
        let label = safe(checklist::pick(l, &row.label));
        let label_lines = wrap_text(&label, label_w - 2);
        // Every cell wraps inside its column: a long answer takes more lines, never gets cut.
        let cells: Vec<(Vec<String>, Style)> = shown
            .iter()
            .map(|&c| {
                let (text, style) = cell_text(s, list.cell(r, c));
                let focused = list.focus == Some((r, c));
                let shown_text = if focused {
                    format!("[{}]", if text.is_empty() { " ".into() } else { text })
                } else {
                    format!(" {text}")
                };
                let style = if focused {
                    Style::default()
                        .fg(Color::Black)
                        .bg(Color::Cyan)
                        .add_modifier(Modifier::BOLD)
                } else {
                    style
                };
                (wrap_text(&shown_text, col_w - 1), style)
            })
            .collect();
        let h = cells
            .iter()
            .map(|c| c.0.len())
            .max()
            .unwrap_or(1)
            .max(label_lines.len());
        let mut group = vec![];
        for k in 0..h {
            let part = label_lines.get(k).map_or("", String::as_str);
            let mut spans = vec![Span::raw(pad(&format!(" {part}"), label_w))];
            for (lines, style) in &cells {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(
                    pad(lines.get(k).map_or("", String::as_str), col_w - 1),
                    *style,
                ));
            }
            group.push(Line::from(spans));
        }
        rows_out.push(group);
    }
    let mut foot = vec![];
    if shown.len() < list.cols.len() {
        foot.push(Line::from(dim(&format!(
            " {} {}-{} / {}  (Left Right)",
            tr(l, ("列", "Columns")),
            first + 1,
            first + shown.len(),
            list.cols.len()
        ))));
    }
    Grid {
        header: out,
        rows: rows_out,
        foot,
    }
}

/// A checklist grid: the header (names), one group of lines per fact, and the columns'
/// position indicator when they scroll.
struct Grid {
    header: Vec<Line<'static>>,
    rows: Vec<Vec<Line<'static>>>,
    foot: Vec<Line<'static>>,
}

fn draw_clerk(f: &mut Frame, area: Rect, s: &State, list: &Checklist) {
    let l = s.lang;
    let w = area.width as usize;
    let (n, total) = list.progress;
    let title = format!(
        "{}  {}",
        tr(l, ("3 確認", "3 Questions")),
        safe(list.screen.label.get(l))
    );
    let progress = format!("{} {n} / {total} ", tr(l, ("画面", "Screen")));
    let gap = w.saturating_sub(width(&title) + width(&progress));
    let mut lines = vec![Line::from(vec![
        Span::styled(
            title,
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Cyan),
        ),
        Span::raw(" ".repeat(gap)),
        Span::styled(progress, Style::default().add_modifier(Modifier::BOLD)),
    ])];
    if area.height >= 16 {
        for part in wrap_text(
            tr(
                l,
                (
                    "結果が変わる質問だけです。数字キーで答えると次の欄へ。Enter で残りを「いいえ」にして次の画面へ。",
                    "Only questions that change the outcome. A digit answers and moves on; Enter takes the rest as \"no\".",
                ),
            ),
            w,
        ) {
            lines.push(Line::from(dim(&part)));
        }
    }
    if let Some((who, q)) = focused_question(s, list) {
        let text = format!("{who}: {q}");
        for (k, part) in wrap_text(&text, w.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            lines.push(Line::from(Span::styled(
                format!("{}{part}", if k == 0 { ">" } else { " " }),
                Style::default()
                    .add_modifier(Modifier::BOLD)
                    .fg(Color::Yellow),
            )));
        }
    }
    for o in option_lines(s, list, w.saturating_sub(3)) {
        lines.push(Line::from(Span::styled(
            format!("   {o}"),
            Style::default().fg(Color::Cyan),
        )));
    }
    lines.push(Line::from(""));
    let grid = grid_lines(s, list, w, false);
    lines.extend(scroll_to_focus(
        grid,
        list,
        area.height as usize - lines.len().min(area.height as usize),
        l,
    ));
    f.render_widget(Paragraph::new(lines), area);
}

/// The grid within `room` lines: the header stays, the rows scroll to keep the focused one in
/// view, and a position indicator says which rows are shown when not all are.
fn scroll_to_focus(
    g: Grid,
    list: &Checklist,
    room: usize,
    l: crate::rules::Lang,
) -> Vec<Line<'static>> {
    let total: usize = g.header.len() + g.rows.iter().map(Vec::len).sum::<usize>() + g.foot.len();
    let mut out = g.header.clone();
    if total <= room {
        out.extend(g.rows.into_iter().flatten());
        out.extend(g.foot);
        return out;
    }
    let avail = room
        .saturating_sub(g.header.len() + g.foot.len() + 1)
        .max(1);
    let focus_r = list
        .focus
        .map_or(0, |f| f.0)
        .min(g.rows.len().saturating_sub(1));
    // The first row shown: as late as needed to include the focused row.
    let mut start = 0;
    loop {
        let used: usize = g.rows[start..=focus_r].iter().map(Vec::len).sum();
        if used <= avail || start == focus_r {
            break;
        }
        start += 1;
    }
    let mut used = 0;
    let mut end = start;
    for r in &g.rows[start..] {
        if used + r.len() > avail && end > start {
            break;
        }
        used += r.len();
        end += 1;
        out.extend(r.iter().take(avail).cloned());
    }
    out.extend(g.foot);
    out.push(Line::from(dim(&format!(
        " {} {}-{} / {}  (Up Down)",
        tr(l, ("行", "Rows")),
        start + 1,
        end,
        g.rows.len()
    ))));
    out
}

/// The resident-facing view: turned to the resident, large and calm, no clerk keys.
fn draw_resident(f: &mut Frame, area: Rect, s: &State, list: &Checklist) {
    let l = s.lang;
    let (n, total) = list.progress;
    let block = super::widgets::block()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(Color::Cyan))
        .title(Span::styled(
            format!(" {}   {n} / {total} ", tr(l, st::ANSWER_ON_SCREEN)),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Cyan),
        ))
        .title_alignment(Alignment::Center);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let big = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = vec![];
    if inner.height >= 14 {
        lines.push(Line::from(Span::styled(
            safe(list.screen.label.get(l)),
            big.fg(Color::Cyan),
        )));
        lines.push(Line::from(tr(l, st::ANSWER_ON_SCREEN_SUB)));
        lines.push(Line::from(""));
    }
    if let Some((who, q)) = focused_question(s, list) {
        for part in wrap_text(&format!("{who}: {q}"), w.saturating_sub(2)) {
            lines.push(Line::from(Span::styled(part, big.fg(Color::Yellow))));
        }
    }
    for o in option_lines(s, list, w.saturating_sub(4)) {
        lines.push(Line::from(Span::styled(format!("  {o}"), big)));
    }
    lines.push(Line::from(""));
    if list.cols.len() > 1 || list.rows.len() > 1 {
        let grid = grid_lines(s, list, w, true);
        let room = (inner.height as usize).saturating_sub(lines.len() + 2);
        lines.extend(scroll_to_focus(grid, list, room, l));
        lines.push(Line::from(""));
    }
    for part in wrap_text(
        tr(
            l,
            (
                "当てはまらないものは、そのままで構いません。終わったら Enter。わからないときは S。",
                "Leave what does not apply. Press Enter when done; S if you are not sure.",
            ),
        ),
        w,
    ) {
        lines.push(Line::from(dim(&part)));
    }
    f.render_widget(Paragraph::new(lines).alignment(Alignment::Left), inner);
}
