//! 1 受付: the event (kind, dates, addresses). A card read or a QR scan usually fills it first.

use super::widgets::{dim, form_lines, heading};
use crate::tui::state::State;
use crate::tui::strings::tr;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    let mut lines = vec![
        heading(tr(l, ("1 受付: 届出の内容", "1 Event"))),
        Line::from(dim(tr(
            l,
            (
                "マイナンバーカードを置くか、QRコードを読み取ると自動で入力されます。",
                "Place a My Number card or scan the resident's QR codes to fill this in.",
            ),
        ))),
        Line::from(""),
    ];
    let form_area = Rect {
        y: area.y + lines.len() as u16,
        height: area.height.saturating_sub(lines.len() as u16),
        ..area
    };
    let (form, cursor) = form_lines(&s.case.reception, l, form_area, s.overlay.is_none());
    lines.extend(form);
    lines.push(Line::from(""));
    let i = &s.case.intake;
    let movers = i.household.members.iter().filter(|m| m.moving).count();
    let mut counts = format!(
        " {} {}{}",
        tr(l, ("世帯員", "Members")),
        i.household.members.len(),
        tr(l, ("人", "")),
    );
    if i.event.kind.is_move() {
        counts.push_str(&format!(
            "  {} {movers}{}",
            tr(l, ("異動する方", "Movers")),
            tr(l, ("人", ""))
        ));
    }
    counts.push_str(&format!(
        "  {} {}  {} {}",
        tr(l, ("確認の質問", "Questions")),
        s.case.open_questions().len(),
        tr(l, ("手続", "Procedures")),
        s.case.det.procedures.len(),
    ));
    lines.push(Line::from(counts));
    let help = tr(
        l,
        (
            " Enter で 世帯 へ。日付は 2026-04-01 か 20260401 (8桁なら次の欄へ進みます)。和暦は右に出ます。",
            " Enter goes to the household. Dates as 2026-04-01 or 20260401 (8 digits move on).",
        ),
    );
    for part in super::widgets::wrap_text(help, (area.width as usize).saturating_sub(1)) {
        lines.push(Line::from(dim(&part)));
    }
    f.render_widget(Paragraph::new(lines), area);
    cursor
}
