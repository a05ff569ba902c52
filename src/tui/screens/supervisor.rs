//! The supervisor's view: browse the set, read a definition and the scenario tests that
//! exercise it, run check and test, load a new set (only one that passes replaces the old).

use super::widgets::{dim, heading};
use crate::tui::state::State;
use crate::tui::strings::{fit, safe, tr};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let [left, right] =
        Layout::horizontal([Constraint::Length(38), Constraint::Min(20)]).areas(area);
    let mut lines = vec![heading(&format!(
        "{} ({})",
        tr(l, ("手続定義", "Procedures")),
        s.set.procedures.len()
    ))];
    let sel = s
        .supervisor
        .selected
        .min(s.set.procedures.len().saturating_sub(1));
    for (k, p) in s.set.procedures.iter().enumerate() {
        let style = if k == sel {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default()
        };
        // A staged version shows when it applies (valid_from / valid_until).
        let when = p
            .validity_ja()
            .map(|v| format!(" 〔{v}〕"))
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            fit(
                &safe(&format!(
                    "{} {}{when}",
                    if k == sel { ">" } else { " " },
                    p.id
                )),
                37,
            ),
            style,
        )));
    }
    let skip = sel.saturating_sub((left.height as usize).saturating_sub(3)) as u16;
    f.render_widget(Paragraph::new(lines).scroll((skip, 0)), left);

    // A check or test result takes the larger part, so it can be read at 100 x 30.
    let tests_h = if s.supervisor.output_ok.is_some() {
        right.height.saturating_sub(6).max(9)
    } else {
        9
    };
    let [def, tests] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(tests_h)]).areas(right);
    let mut dl = vec![];
    if let Some(p) = s.set.procedures.get(sel) {
        let file = p.file.clone();
        let when = p
            .validity_ja()
            .map(|v| format!("  〔{v}〕"))
            .unwrap_or_default();
        dl.push(Line::from(safe(&format!(
            "{}  ({file}){when}",
            p.name.get(l)
        ))));
        if let Some(src) = s.supervisor.files.iter().find(|x| x.path == file) {
            for t in src.text.lines() {
                dl.push(Line::from(safe(t)));
            }
        }
    }
    // Long definition lines wrap instead of being cut.
    f.render_widget(
        Paragraph::new(dl)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(super::widgets::block().borders(Borders::LEFT)),
        def,
    );

    let mut tl = vec![];
    if let Some(p) = s.set.procedures.get(sel) {
        let using: Vec<_> = s
            .supervisor
            .scenarios
            .iter()
            .filter(|sc| {
                sc.procedures.contains_key(&p.id)
                    || sc.pending.contains_key(&p.id)
                    || sc.excluded.contains_key(&p.id)
            })
            .collect();
        tl.push(Line::from(format!(
            "{} ({})",
            tr(l, ("この手続を確かめるシナリオ", "Scenarios exercising it")),
            using.len()
        )));
        let room = if s.supervisor.output_ok.is_some() {
            1
        } else {
            5
        };
        for sc in using.iter().take(room) {
            tl.push(Line::from(dim(&format!(
                "  {}  {}",
                sc.name, sc.description
            ))));
        }
        if using.len() > room {
            tl.push(Line::from(dim(&format!(
                "  ... {} / {}",
                room,
                using.len()
            ))));
        }
    }
    if let Some(ok) = s.supervisor.output_ok {
        let style = if ok {
            Style::default().fg(Color::Green)
        } else {
            Style::default().fg(Color::Red)
        };
        // Every line, wrapped; the pane scrolls (PgUp / PgDn) when they do not fit.
        let w = (tests.width as usize).saturating_sub(2);
        let mut out: Vec<Line> = vec![];
        for (ja, en) in &s.supervisor.output {
            let t = if l == crate::rules::Lang::Ja { ja } else { en };
            for part in super::widgets::wrap_text(&safe(t), w) {
                out.push(Line::from(Span::styled(part, style)));
            }
        }
        let room = (tests.height as usize).saturating_sub(tl.len() + 2).max(1);
        let n = out.len();
        let first = (s.supervisor.scroll as usize).min(n.saturating_sub(room));
        tl.extend(out.into_iter().skip(first).take(room));
        if n > room {
            tl.push(Line::from(dim(&format!(
                "  ({}-{} / {n})  PgUp PgDn",
                first + 1,
                (first + room).min(n)
            ))));
        }
    }
    f.render_widget(
        Paragraph::new(tl).block(super::widgets::block().borders(Borders::TOP | Borders::LEFT)),
        tests,
    );
    None
}
