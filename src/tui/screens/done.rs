//! 6 完了: the case code, and nothing else of the resident: the screen is ready for the next.

use crate::tui::state::State;
use crate::tui::strings::tr;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let code = s.last_code.as_deref().unwrap_or("--------");
    // Spaced out so it can be read aloud or copied from across the counter.
    let spaced: String = code.chars().flat_map(|c| [c, ' ']).collect();
    let big = Style::default().add_modifier(Modifier::BOLD);
    let lines = vec![
        Line::from(""),
        Line::from(Span::styled(
            tr(l, ("受付が完了しました", "The case is complete")),
            big.fg(Color::Green),
        )),
        Line::from(""),
        Line::from(tr(
            l,
            (
                "受付番号 (各書類に印刷されています)",
                "Case code (printed on every page)",
            ),
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!("  {}  ", spaced.trim_end()),
            big.fg(Color::Black).bg(Color::Yellow),
        )),
        Line::from(""),
        Line::from(tr(
            l,
            (
                "画面からご本人の情報を消去しました。",
                "The resident's data has been cleared from the screen.",
            ),
        )),
        Line::from(tr(
            l,
            (
                "次の方: Enter、またはカードを置くかQRコードを読み取ってください。",
                "Next resident: Enter, or place a card or scan a QR code.",
            ),
        )),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .block(super::widgets::block().borders(Borders::ALL)),
        area,
    );
    None
}
