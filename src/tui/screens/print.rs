//! 5 印刷: the bundle's contents, what to print, the printer and its status.

use super::widgets::{dim, heading};
use crate::tui::state::{PrintStatus, State};
use crate::tui::strings::{pad, safe, tr};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let c = &s.case;
    let printer = s.printer().unwrap_or("-");
    let (status, color) = match c.print_status {
        PrintStatus::Idle => (tr(l, ("準備できました", "ready")), Color::Green),
        PrintStatus::Rendering => (tr(l, ("書類を作成中", "making the bundle")), Color::Cyan),
        PrintStatus::Printing => (tr(l, ("印刷中", "printing")), Color::Cyan),
        PrintStatus::Printed => (tr(l, ("印刷しました", "printed")), Color::Green),
        PrintStatus::Failed => (tr(l, ("失敗しました", "failed")), Color::Red),
    };
    let mut lines = vec![
        heading(tr(
            l,
            (
                "5 印刷: 窓口案内シートと記入済みの申請書",
                "5 Print: guidance sheet and pre-filled forms",
            ),
        )),
        Line::from(vec![
            Span::raw(safe(&format!(
                " {}: {printer}   {}: ",
                tr(l, ("プリンタ", "Printer")),
                tr(l, ("状態", "Status"))
            ))),
            Span::styled(
                status,
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::from(""),
    ];
    if let Some((ja, en)) = &c.print_error {
        lines.push(Line::from(Span::styled(
            safe(&format!(
                " {}",
                if l == crate::rules::Lang::Ja { ja } else { en }
            )),
            Style::default().fg(Color::White).bg(Color::Red),
        )));
        lines.push(Line::from(dim(tr(
            l,
            (
                " R で再試行、O で別のプリンタに送ります。",
                " R retries, O picks another printer.",
            ),
        ))));
        lines.push(Line::from(""));
    }
    if let Some(b) = &c.bundle {
        let total: u32 = b
            .items
            .iter()
            .zip(&c.print_selected)
            .filter(|(_, on)| **on)
            .map(|(i, _)| i.pages)
            .sum();
        let w = area.width as usize;
        let compact = w < 100;
        // The list scrolls with the cursor, and says which rows it shows.
        let room = (area.height as usize)
            .saturating_sub(lines.len() + 5)
            .max(3);
        let first = c
            .print_cursor
            .saturating_sub(room.saturating_sub(1))
            .min(b.items.len().saturating_sub(room));
        for (k, (item, on)) in b
            .items
            .iter()
            .zip(&c.print_selected)
            .enumerate()
            .skip(first)
            .take(room)
        {
            let member = item
                .member
                .as_deref()
                .and_then(|id| s.case.intake.member(id))
                .map_or(String::new(), |m| safe(&m.name));
            let row = if compact {
                format!(
                    "{} [{}] {:>2}. {}{} {}",
                    if k == c.print_cursor { ">" } else { " " },
                    if *on { "x" } else { " " },
                    k + 1,
                    pad(&safe(&item.title), w.saturating_sub(30).max(20)),
                    pad(&member, 12),
                    format_args!("{}{}", item.pages, tr(l, ("枚", " p."))),
                )
            } else {
                format!(
                    "{} [{}] {:>2}. {}{}{} {}",
                    if k == c.print_cursor { ">" } else { " " },
                    if *on { "x" } else { " " },
                    k + 1,
                    pad(&safe(&item.title), 34),
                    pad(&item.form, 24),
                    pad(&member, 14),
                    format_args!("{}{}", item.pages, tr(l, ("枚", " p."))),
                )
            };
            let style = if k == c.print_cursor {
                Style::default().fg(Color::Black).bg(Color::Cyan)
            } else {
                Style::default()
            };
            lines.push(Line::from(Span::styled(row, style)));
        }
        if b.items.len() > room {
            lines.push(Line::from(dim(&format!(
                "   ({}-{} / {})",
                first + 1,
                (first + room).min(b.items.len()),
                b.items.len()
            ))));
        }
        lines.push(Line::from(format!(
            " {} {total}{}",
            tr(l, ("印刷する枚数:", "Pages to print:")),
            tr(l, ("枚", ""))
        )));
        if let Some(p) = &b.path {
            lines.push(Line::from(dim(&format!(
                " {} {}",
                tr(
                    l,
                    (
                        "PDF の保存場所 (印刷できないときはこれを開きます。完了すると消えます):",
                        "The PDF is kept at (open it when no printer works; removed when the case closes):"
                    )
                ),
                p.display()
            ))));
        }
        if !b.missing_glyphs.is_empty() {
            lines.push(Line::from(Span::styled(
                safe(&format!(
                    " {}: {}",
                    tr(l, ("フォントにない文字", "Missing glyphs")),
                    b.missing_glyphs.join(" ")
                )),
                Style::default().fg(Color::Yellow),
            )));
        }
    }
    if !c.set_aside.is_empty() {
        lines.push(Line::from(dim(&format!(
            " {} {}",
            tr(
                l,
                ("保留にした手続 (印刷しません):", "Set aside (not printed):")
            ),
            c.set_aside.len()
        ))));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    None
}
