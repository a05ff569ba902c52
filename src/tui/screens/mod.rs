//! Drawing: pure functions of the state. Nothing here changes the state or talks to a device.
//!
//! The frame: header (who, where, devices, set, clock), the step tabs, the screen, a status
//! line and the footer with the keys that work now (drawn from the keymap's own table).

pub mod confirm;
mod dialogs;
mod done;
mod household;
mod print;
mod procedures;
pub use procedures::member_names as procedures_member_names;
mod reception;
mod supervisor;
pub mod widgets;

use super::keymap;
use super::state::{MsgKind, ReaderState, ScannerState, Screen, State};
use super::strings::{self as st, safe, tr};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The full layout needs 100 x 30; from 80 x 24 a compact one is drawn (one header line,
/// short tabs, narrower tables); smaller than that, only a message.
pub const FULL_W: u16 = 100;
pub const FULL_H: u16 = 30;
pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

/// Whether the compact layout is in use.
pub fn compact(area: Rect) -> bool {
    area.width < FULL_W || area.height < FULL_H
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, s: &State) {
    let area = f.area();
    if area.width < MIN_W || area.height < MIN_H {
        let lines = vec![
            Line::from(tr(s.lang, st::TOO_SMALL)),
            Line::from(format!("({} x {})", area.width, area.height)),
        ];
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let banner = u16::from(s.training);
    let small = compact(area);
    let [header, tabs, body, msg, footer] = Layout::vertical([
        Constraint::Length(if small { 1 } else { 2 } + banner),
        Constraint::Length(1),
        Constraint::Min(8),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_header(f, header, s);
    draw_tabs(f, tabs, s);
    let resident_view = matches!(s.overlay, Some(super::state::Overlay::Pin(_)));
    let mut cursor: Option<Position> = None;
    if !resident_view {
        cursor = match s.screen {
            Screen::Reception => reception::draw(f, body, s),
            Screen::Household => household::draw(f, body, s),
            Screen::Confirm => confirm::draw(f, body, s),
            Screen::Procedures => procedures::draw(f, body, s),
            Screen::Print => print::draw(f, body, s),
            Screen::Done => done::draw(f, body, s),
            Screen::Supervisor => supervisor::draw(f, body, s),
        };
    }
    if s.overlay.is_some() {
        cursor = dialogs::draw(f, body, s);
    }
    if s.help {
        draw_help(f, body, s);
        cursor = None;
    }
    draw_msg(f, msg, s);
    draw_footer(f, footer, s);
    // The terminal cursor sits on the focused field, so an IME opens its candidates there.
    if let Some(p) = cursor {
        f.set_cursor_position(p);
    }
}

fn reader_text(s: &State) -> (String, Color) {
    let l = s.lang;
    match &s.reader {
        ReaderState::None => (
            tr(l, ("カード: リーダーなし", "Card: no reader")).into(),
            Color::Yellow,
        ),
        ReaderState::Waiting(_) => (
            tr(l, ("カード: 待機中", "Card: waiting")).into(),
            Color::Green,
        ),
        ReaderState::CardPresent(_) => {
            (tr(l, ("カード: あり", "Card: present")).into(), Color::Cyan)
        }
        ReaderState::Reading(_) => (
            tr(l, ("カード: 読取中", "Card: reading")).into(),
            Color::Cyan,
        ),
        ReaderState::Unavailable => (
            tr(l, ("カード: 停止中", "Card: service down")).into(),
            Color::Red,
        ),
    }
}

fn draw_header(f: &mut Frame, area: Rect, s: &State) {
    let l = s.lang;
    let town = s.set.municipality.name.get(l);
    let (reader, rc) = reader_text(s);
    let scanner = match s.scanner {
        ScannerState::Keyboard => tr(l, ("QR: キーボード", "QR: keyboard")),
        ScannerState::Connected => tr(l, ("QR: 接続", "QR: connected")),
        ScannerState::Disconnected => tr(l, ("QR: 未接続", "QR: disconnected")),
    };
    let qr = s
        .case
        .qr_progress
        .map(|(r, t)| format!(" {r}/{t}"))
        .unwrap_or_default();
    let date = s.now.date();
    let clock = match l {
        crate::rules::Lang::Ja => format!(
            "{} {}",
            crate::calendar::format_wareki_weekday(date),
            s.now.format("%H:%M")
        ),
        crate::rules::Lang::En => s.now.format("%a %-d %b %Y %H:%M").to_string(),
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let w = area.width as usize;
    // Left and right parts on one line; the left is cut first, the clock never.
    let split = |left: String, right: String| -> (String, String) {
        let left = st::fit(&left, w.saturating_sub(st::width(&right) + 1));
        let gap = w.saturating_sub(st::width(&left) + st::width(&right));
        (format!("{left}{}", " ".repeat(gap)), right)
    };
    let code = s.case.code.as_deref().unwrap_or("-");
    let (l1, r1) = split(
        safe(&format!(
            " {town} {} | {} {} | {} {code}",
            s.config.counter,
            tr(l, ("担当", "Clerk")),
            s.config.clerk,
            tr(l, ("受付番号", "Case"))
        )),
        format!("{clock} "),
    );
    let line1 = Line::from(vec![Span::styled(l1, bold), Span::styled(r1, bold)]);
    let digest = s.set.digest.trim_start_matches("sha256:");
    let sup = if s.is_supervisor() {
        tr(l, (" | 監督者", " | supervisor"))
    } else {
        ""
    };
    let rest = format!(" | {scanner}{qr}{sup}");
    let (l2, r2) = split(
        format!(" {reader}{rest}"),
        safe(&format!(
            "{} {} [{}] ",
            tr(l, ("手続セット", "Set")),
            s.set.name,
            &digest[..digest.len().min(8)]
        )),
    );
    let reader_w = reader.chars().count() + 1;
    let line2 = Line::from(vec![
        Span::raw(" "),
        Span::styled(reader.clone(), Style::default().fg(rc)),
        Span::raw(l2.chars().skip(reader_w).collect::<String>()),
        Span::styled(r2, Style::default().fg(Color::DarkGray)),
    ]);
    let mut lines = if compact(f.area()) {
        // One line: who, which case, the reader; the set's name is on the supervisor's view.
        let (l1, r1) = split(
            safe(&format!(
                " {} {code} | {reader}{qr} | {} {}",
                tr(l, ("受付番号", "Case")),
                s.config.clerk,
                s.config.counter,
            )),
            format!("{clock} "),
        );
        vec![Line::from(vec![
            Span::styled(l1, bold),
            Span::styled(r1, bold),
        ])]
    } else {
        vec![line1, line2]
    };
    if s.training {
        lines.push(Line::from(Span::styled(
            st::pad(tr(l, st::TRAINING), area.width as usize),
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_tabs(f: &mut Frame, area: Rect, s: &State) {
    let l = s.lang;
    if keymap::resident_view(s) {
        // Turned to the resident: no clerk steps on screen.
        return;
    }
    let q = s.case.open_questions().len();
    let p = s.case.det.procedures.len();
    let names = [
        tr(l, st::STEP_RECEPTION).to_string(),
        tr(l, st::STEP_HOUSEHOLD).to_string()
            + &format!("({})", s.case.intake.household.members.len()),
        tr(l, st::STEP_CONFIRM).to_string() + &format!("({q})"),
        tr(l, st::STEP_PROCEDURES).to_string() + &format!("({p})"),
        tr(l, st::STEP_PRINT).to_string(),
        tr(l, st::STEP_DONE).to_string(),
    ];
    let mut spans = vec![];
    let full_w: usize = names
        .iter()
        .enumerate()
        .map(|(i, n)| st::width(&format!(" F{} {n} |", i + 1)))
        .sum::<usize>()
        + if s.is_supervisor() {
            st::width(&format!(" F7 {} ", tr(l, st::STEP_SUPERVISOR)))
        } else {
            0
        };
    // The short form when the full one does not fit (compact, or English with F7).
    let small = compact(f.area()) || full_w > area.width as usize;
    for (i, (screen, name)) in Screen::STEPS.iter().zip(names).enumerate() {
        let style = if *screen == s.screen {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        if small {
            spans.push(Span::styled(format!("F{}{name}", i + 1), style));
            spans.push(Span::raw(" "));
        } else {
            spans.push(Span::styled(format!(" F{} {name} ", i + 1), style));
            spans.push(Span::raw("|"));
        }
    }
    if s.is_supervisor() {
        let style = if s.screen == Screen::Supervisor {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default()
        };
        spans.push(Span::styled(
            if small {
                format!("F7{}", tr(l, st::STEP_SUPERVISOR))
            } else {
                format!(" F7 {} ", tr(l, st::STEP_SUPERVISOR))
            },
            style,
        ));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans))
            .style(Style::default().add_modifier(Modifier::UNDERLINED)),
        area,
    );
}

fn draw_msg(f: &mut Frame, area: Rect, s: &State) {
    let Some(m) = &s.msg else {
        return;
    };
    let style = match m.kind {
        MsgKind::Info => Style::default().fg(Color::Green),
        MsgKind::Warn => Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD),
        MsgKind::Error => Style::default()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
    };
    f.render_widget(
        Paragraph::new(Span::styled(safe(&format!(" {}", m.get(s.lang))), style)),
        area,
    );
}

/// The footer: every key that works now, as "key label" pairs, wrapped over two lines.
/// The footer: the keys that work now, as "key label" pairs, on two lines. When they do not
/// all fit, the last ones give way to "F11 ほかのキー": the help lists every key, so nothing
/// is hidden without saying so.
pub fn footer_lines(s: &State, width: usize) -> Vec<String> {
    let items: Vec<String> = keymap::bindings(s)
        .iter()
        .filter(|x| x.show)
        .map(|x| {
            format!(
                "{} {}",
                x.key_text.clone().unwrap_or_else(|| x.key.label()),
                tr(s.lang, x.label)
            )
        })
        .collect();
    let lay = |items: &[String]| -> Vec<String> {
        let mut lines = vec![String::new()];
        for item in items {
            let cur = lines.last_mut().expect("one line");
            if st::width(cur) + st::width(item) + 2 > width {
                lines.push(String::new());
            }
            let cur = lines.last_mut().expect("one line");
            cur.push(' ');
            cur.push_str(item);
            cur.push(' ');
        }
        lines
    };
    let all = lay(&items);
    if all.len() <= 2 || keymap::resident_view(s) {
        return all;
    }
    let more = tr(s.lang, ("F11 ほかのキー", "F11 more keys")).to_string();
    for keep in (0..items.len()).rev() {
        let mut v: Vec<String> = items[..keep].to_vec();
        v.push(more.clone());
        let lines = lay(&v);
        if lines.len() <= 2 {
            return lines;
        }
    }
    vec![more]
}

fn draw_footer(f: &mut Frame, area: Rect, s: &State) {
    let lines: Vec<Line> = footer_lines(s, area.width as usize)
        .into_iter()
        .take(2)
        .map(|t| {
            Line::from(Span::styled(
                t,
                Style::default().fg(Color::Black).bg(Color::Gray),
            ))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).style(Style::default().bg(Color::Gray)),
        area,
    );
}

fn draw_help(f: &mut Frame, area: Rect, s: &State) {
    let l = s.lang;
    let w = area.width.saturating_sub(4).min(96);
    let r = widgets::centered(area, w, area.height);
    let inner_w = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = vec![];
    for t in [
        ("流れ: F1 受付 > F2 世帯 > F3 確認 > F4 手続一覧 > F5 印刷 > F6 完了。Enter でいつでも次へ進みます。", "Steps: F1 event > F2 household > F3 questions > F4 procedures > F5 print > F6 done. Enter always goes on."),
        ("カードを置くと暗証番号の画面になります (ご本人が入力)。QRコードはどの画面でも読み取れます。", "A placed card opens the PIN screen (the resident types). QR codes can be scanned on any screen."),
        ("配慮が必要な質問は、ご本人向けの画面になります。声に出して読み上げないでください。", "Sensitive questions switch to the resident's view: never read them aloud."),
    ] {
        for part in widgets::wrap_text(tr(l, t), inner_w) {
            lines.push(Line::from(part));
        }
    }
    lines.push(Line::from(Span::styled(
        tr(
            l,
            ("この画面で使えるキー (すべて)", "Every key of this screen"),
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )));
    // Every key of the screen under the help, in two columns when they need the room.
    let entries = keymap::help_entries(s);
    let room = (r.height as usize).saturating_sub(lines.len() + 2);
    let cols = if entries.len() > room { 2 } else { 1 };
    let col_w = inner_w / cols;
    let per_col = entries.len().div_ceil(cols);
    let cell = |e: &(String, st::T)| st::pad(&format!("  {:<8} {}", e.0, tr(l, e.1)), col_w);
    for row in 0..per_col {
        let mut text = String::new();
        for c in 0..cols {
            if let Some(e) = entries.get(c * per_col + row) {
                text.push_str(&cell(e));
            }
        }
        lines.push(Line::from(safe(text.trim_end())));
    }
    widgets::popup(
        f,
        r,
        tr(l, ("ヘルプ (Esc で閉じる)", "Help (Esc closes)")),
        lines,
    );
}
