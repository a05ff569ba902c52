//! The supervisor's view: browse the set, read a definition and the scenario tests that
//! exercise it, run check and test, load a new set (only one that passes replaces the old).

use super::widgets::{dim, heading};
use crate::tui::state::State;
use crate::tui::strings::{fit, safe, tr};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};
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

    let [def, tests] = Layout::vertical([Constraint::Min(6), Constraint::Length(9)]).areas(right);
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
    f.render_widget(
        Paragraph::new(dl).block(super::widgets::block().borders(Borders::LEFT)),
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
        for sc in using.iter().take(3) {
            tl.push(Line::from(dim(&format!(
                "  {}  {}",
                sc.name, sc.description
            ))));
        }
    }
    if let Some(ok) = s.supervisor.output_ok {
        let style = if ok {
            Style::default().fg(Color::Green)
        } else {
            Style::default().fg(Color::Red)
        };
        for t in s.supervisor.output.iter().take(5) {
            tl.push(Line::from(Span::styled(safe(t), style)));
        }
    }
    f.render_widget(
        Paragraph::new(tl)
            .wrap(Wrap { trim: false })
            .block(super::widgets::block().borders(Borders::TOP | Borders::LEFT)),
        tests,
    );
    None
}
