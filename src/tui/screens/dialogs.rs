//! Dialogs over the screens: the resident's PIN entry, the card-face check, forms, choices.

use super::widgets::{centered, dim, form_popup, popup};
use crate::tui::services::ProcMark;
use crate::tui::services::{SecretKind, Tries};
use crate::tui::state::ContinueView;
use crate::tui::state::{Overlay, PinPrompt, State};
use crate::tui::strings::{self as st, fit, pad, safe, tr};
use crate::tui::update::SET_ASIDE_REASONS;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, s: &State) -> Option<Position> {
    let l = s.lang;
    match s.overlay.as_ref()? {
        Overlay::Pin(p) => {
            draw_pin(f, area, s, p);
            None
        }
        Overlay::CardConfirm(b) => {
            let sex = b.sex.map_or("-", |x| x.label_ja());
            let lines = vec![
                Line::from(dim(tr(
                    l,
                    (
                        "読み取った内容が、カード表面の記載と同じか確かめてください。",
                        "Check that these match what is printed on the card.",
                    ),
                ))),
                Line::from(""),
                Line::from(safe(&format!(
                    "  {}    {}",
                    tr(l, ("氏名", "Name")),
                    b.name
                ))),
                Line::from(safe(&format!(
                    "  {}    {}",
                    tr(l, ("住所", "Addr")),
                    b.address
                ))),
                Line::from(format!(
                    "  {}{}  ({})",
                    pad(tr(l, ("生年月日", "Born")), 10),
                    crate::calendar::format_wareki(b.birth_date),
                    b.birth_date
                )),
                Line::from(format!("  {}{sex}", pad(tr(l, ("性別", "Sex")), 10))),
                Line::from(""),
                Line::from(Span::styled(
                    tr(
                        l,
                        (
                            "一致していれば Enter、違っていれば Esc。",
                            "Enter if they match, Esc if not.",
                        ),
                    ),
                    Style::default().add_modifier(Modifier::BOLD),
                )),
            ];
            popup(
                f,
                centered(area, 84, 12),
                tr(l, st::CARD_CONFIRM_TITLE),
                lines,
            );
            None
        }
        Overlay::MemberEdit(m) => {
            let title = if m.id.is_some() {
                ("世帯員の修正", "Edit member")
            } else {
                ("世帯員の追加", "Add member")
            };
            let extra = vec![Line::from(dim(tr(
                l,
                (
                    "氏名は姓と名の間に全角スペース。日付は 1980-02-17 の形。",
                    "Dates as 1980-02-17.",
                ),
            )))];
            form_popup(f, centered(area, 86, 14), tr(l, title), &m.form, l, extra)
        }
        Overlay::OutsideApplicant(form) => {
            let extra = vec![Line::from(dim(tr(
                l,
                (
                    "世帯に属さない方が届け出るとき (例: 別居の子が死亡を届け出る)。",
                    "For an applicant outside the household (e.g. a child living elsewhere).",
                ),
            )))];
            form_popup(
                f,
                centered(area, 86, 12),
                tr(l, ("世帯外の届出人", "Applicant outside the household")),
                form,
                l,
                extra,
            )
        }
        Overlay::SetAside { procedure, form } => {
            let extra = set_aside_presets(l);
            let name = s
                .set
                .procedures
                .iter()
                .find(|p| p.id == *procedure)
                .map_or(procedure.clone(), |p| p.name.get(l).to_string());
            form_popup(
                f,
                centered(area, 86, 10),
                &format!("{}: {name}", tr(l, ("手続を保留", "Set aside"))),
                form,
                l,
                extra,
            )
        }
        Overlay::ReloadPath(form) => {
            let extra = vec![Line::from(dim(tr(
                l,
                (
                    "検査 (check) とテスト (test) に合格したときだけ切り替えます。",
                    "Only a set that passes check and test replaces the current one.",
                ),
            )))];
            form_popup(
                f,
                centered(area, 86, 8),
                tr(l, ("新しい手続定義を読み込む", "Load a new procedure set")),
                form,
                l,
                extra,
            )
        }
        Overlay::ConfirmRemove(id) => {
            let name = s
                .case
                .intake
                .member(id)
                .map_or(id.clone(), |m| m.name.clone());
            popup(
                f,
                centered(area, 60, 5),
                tr(l, ("削除の確認", "Remove?")),
                vec![Line::from(safe(&format!(
                    "{name} {}",
                    tr(
                        l,
                        (
                            "を世帯から削除しますか (Y/N)",
                            ": remove from the household? (Y/N)"
                        )
                    )
                )))],
            );
            None
        }
        Overlay::QrOtherSet => {
            popup(
                f,
                centered(area, 76, 6),
                tr(l, ("別の組のQRコード", "A code of another set")),
                vec![
                    Line::from(tr(
                        l,
                        (
                            "読み取り途中のQRコードとは別の組のものです。",
                            "This code belongs to another set than the one being read.",
                        ),
                    )),
                    Line::from(tr(
                        l,
                        (
                            "Y: 新しい組を最初から読む   N: 無視して続きを読む",
                            "Y: start over with the new set   N: ignore it",
                        ),
                    )),
                ],
            );
            None
        }
        Overlay::QrMerge(m) => {
            let mut lines = vec![
                Line::from(tr(
                    l,
                    (
                        "QRコードの内容が、入力済みの内容と違います:",
                        "The QR content differs from what was entered:",
                    ),
                )),
                Line::from(""),
            ];
            // Every difference, wrapped; when they do not fit, they scroll (PgUp / PgDn).
            let w = area.width.min(96).saturating_sub(2) as usize;
            let mut diffs: Vec<Line> = vec![];
            for (label, diff) in m.conflicts.iter().skip(m.scroll) {
                for part in super::widgets::wrap_text(&safe(&format!("  {label}: {diff}")), w) {
                    diffs.push(Line::from(part));
                }
            }
            let room = (area.height as usize).saturating_sub(8).max(1);
            let more = diffs.len() > room || m.scroll > 0;
            lines.extend(diffs.into_iter().take(room));
            if more {
                lines.push(Line::from(dim(&format!(
                    "  ({} {}- / {}  PgUp PgDn)",
                    tr(l, ("違い", "differences")),
                    m.scroll + 1,
                    m.conflicts.len()
                ))));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(tr(l, ("Y: QRの内容を使う   N: 入力済みの内容を残す (足りない所だけQRから)   Esc: 取り込まない", "Y: use the QR   N: keep entered values   Esc: ignore"))));
            let h = (lines.len() as u16 + 2).min(area.height);
            popup(
                f,
                centered(area, 96, h),
                tr(l, ("内容の確認", "Confirm the merge")),
                lines,
            );
            None
        }
        Overlay::Resume {
            cases,
            selected,
            discarding,
        } => {
            let mut lines = vec![
                Line::from(tr(
                    l,
                    (
                        "中断した受付があります。続きから再開するか、破棄します。",
                        "There are unfinished cases: resume one, or discard it.",
                    ),
                )),
                Line::from(""),
            ];
            let room = (area.height as usize).saturating_sub(9).max(1);
            scrolled_rows(&mut lines, cases, *selected, room, |c| {
                format!(
                    "  {}  {}  {}",
                    c.code,
                    tr(l, (c.kind.label_ja(), c.kind.label_en())),
                    c.started
                )
            });
            lines.push(Line::from(""));
            if *discarding {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} {}",
                        cases.get(*selected).map_or("", |c| c.code.as_str()),
                        tr(
                            l,
                            (
                                "を破棄しますか。個人情報は今すぐ消え、元に戻せません。 Y: 破棄する  N: やめる",
                                ": discard it? Its personal data is removed now, for good.  Y: discard  N: keep",
                            )
                        )
                    ),
                    Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                )));
            } else {
                lines.push(Line::from(dim(tr(
                    l,
                    (
                        "Enter: 再開   D: 破棄 (ご本人が帰られたなど)   N: 新しい受付",
                        "Enter: resume   D: discard (the resident left)   N: new case",
                    ),
                ))));
            }
            popup(
                f,
                centered(
                    area,
                    84,
                    (cases.len().min(room) as u16 + 8).min(area.height),
                ),
                tr(l, ("中断した受付", "Unfinished cases")),
                lines,
            );
            None
        }
        Overlay::OpenCode(form) => form_popup(
            f,
            centered(area, 86, 8),
            tr(l, ("他の窓口の案件を開く", "Open another counter's case")),
            form,
            l,
            vec![Line::from(dim(tr(
                l,
                (
                    "受付中の方の入力内容はそのまま残ります。",
                    "The case on screen is kept as it is.",
                ),
            )))],
        ),
        Overlay::Continue(v) => {
            draw_continue(f, area, s, v);
            v.reason.as_ref().and_then(|form| {
                let name = v
                    .case
                    .procedures
                    .get(v.selected)
                    .map_or(String::new(), |p| proc_name(s, &p.id));
                let extra = set_aside_presets(l);
                form_popup(
                    f,
                    centered(area, 86, 10),
                    &format!("{}: {name}", tr(l, ("手続を保留", "Set aside"))),
                    form,
                    l,
                    extra,
                )
            })
        }
        Overlay::InProgress { cases, selected } => {
            let mut lines = vec![
                Line::from(tr(
                    l,
                    (
                        "どこかの課で未処理の手続が残っている案件 (古い順)。Enter で開きます。",
                        "Cases with something pending at some section, oldest first.",
                    ),
                )),
                Line::from(""),
            ];
            let room = (area.height as usize).saturating_sub(8).max(1);
            scrolled_rows(&mut lines, cases, *selected, room, |c| {
                let kind = c
                    .event_kind
                    .as_deref()
                    .and_then(crate::intake::EventKind::parse)
                    .map_or("-", |k| tr(l, (k.label_ja(), k.label_en())));
                fit(
                    &safe(&format!(
                        "  {}  {}  {kind}  {}  {} {}  {}",
                        c.code,
                        pad(&age(l, c.age_seconds), 10),
                        c.counter.as_deref().unwrap_or("-"),
                        tr(l, ("未処理", "pending")),
                        c.pending,
                        c.waiting_at.join("・"),
                    )),
                    (area.width as usize).saturating_sub(4),
                )
            });
            popup(
                f,
                centered(
                    area,
                    area.width.saturating_sub(4),
                    (cases.len().min(room) as u16 + 6).min(area.height),
                ),
                tr(
                    l,
                    ("進行中の案件 (全窓口)", "Cases in progress (every counter)"),
                ),
                lines,
            );
            None
        }
        Overlay::ConfirmQuit => {
            let code = s.case.code.as_deref().unwrap_or("-");
            let lines = vec![
                Line::from(format!(
                    "{} {code} {}",
                    tr(l, ("受付", "Case")),
                    tr(l, ("はまだ完了していません。", "is not finished.",))
                )),
                Line::from(tr(
                    l,
                    (
                        "終了しても記録は残り、次に起動したときに続きから再開できます。",
                        "It is kept: the next start offers to resume it.",
                    ),
                )),
                Line::from(""),
                Line::from(Span::styled(
                    tr(
                        l,
                        (
                            "Y: 終了する   N: 受付に戻る",
                            "Y: quit   N: back to the case",
                        ),
                    ),
                    Style::default().add_modifier(Modifier::BOLD),
                )),
            ];
            popup(
                f,
                centered(area, 72, 8),
                tr(l, ("終了しますか", "Quit?")),
                lines,
            );
            None
        }
    }
}

/// The PIN screen is the resident's: it fills the body, says what to do in plain words, and
/// never shows a digit.
fn draw_pin(f: &mut Frame, area: Rect, s: &State, p: &PinPrompt) {
    let l = s.lang;
    f.render_widget(Clear, area);
    let code_b = p.secret.kind == SecretKind::CodeB;
    let title = if p.blocked {
        tr(
            l,
            (
                "カードの暗証番号がロックされています",
                "The card's PIN is locked",
            ),
        )
    } else if code_b {
        tr(l, st::CODE_B_TITLE)
    } else {
        tr(l, st::PIN_TITLE)
    };
    let block = super::widgets::block()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(Color::Cyan))
        .title(Span::styled(
            format!(" {title} "),
            Style::default().add_modifier(Modifier::BOLD),
        ))
        .title_alignment(Alignment::Center);
    let big = Style::default().add_modifier(Modifier::BOLD);
    let n = p.secret.kind.digits();
    let mut boxes = String::new();
    for k in 0..n {
        boxes.push_str(if k < p.secret.len() { " * " } else { " _ " });
        if code_b && (k == 5 || k == 9) {
            boxes.push_str("  ");
        }
    }
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(title, big.fg(Color::Cyan))),
        Line::from(""),
    ];
    // A blocked key takes no input: no boxes, only the way forward.
    if !p.blocked {
        lines.push(Line::from(tr(
            l,
            if code_b { st::CODE_B_SUB } else { st::PIN_SUB },
        )));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            boxes,
            big.bg(Color::DarkGray).fg(Color::White),
        )));
        lines.push(Line::from(""));
    }
    match p.tries {
        Some(Tries::Known(n)) if n > 0 => lines.push(Line::from(format!(
            "{} {n} {}",
            tr(l, ("残り回数:", "Tries left:")),
            tr(l, ("回", ""))
        ))),
        Some(Tries::NotReported) => lines.push(Line::from(dim(tr(
            l,
            ("残り回数: 不明", "Tries left: not reported"),
        )))),
        _ => {}
    }
    if p.last_try() && !p.blocked {
        lines.push(Line::from(Span::styled(
            tr(l, st::LAST_TRY),
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        )));
    }
    if let Some(e) = &p.error {
        let m = if l == crate::rules::Lang::Ja {
            e.message_ja()
        } else {
            e.message_en()
        };
        lines.push(Line::from(Span::styled(
            safe(&m),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        )));
    }
    if p.reading {
        lines.push(Line::from(Span::styled(
            tr(
                l,
                (
                    "読み取り中です。カードを動かさないでください。",
                    "Reading. Please do not move the card.",
                ),
            ),
            big,
        )));
    }
    lines.push(Line::from(""));
    if p.blocked {
        lines.push(Line::from(Span::styled(
            tr(
                l,
                (
                    "B: 照合番号B で読み取る (職員)   M: 券面を見て手入力する   Esc: 中止",
                    "B: card-face code B (clerk)   M: type in from the card face   Esc: cancel",
                ),
            ),
            big,
        )));
    } else {
        lines.push(Line::from(dim(tr(
            l,
            (
                "暗証番号を忘れたとき: B 照合番号B / M 手入力 (職員が操作します)",
                "Forgot the PIN? B: code B / M: type in (clerk)",
            ),
        ))));
    }
    f.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(block),
        area,
    );
}

/// A list that scrolls with its selection (the selected row highlighted): the rows that fit
/// in `room`, and the position indicator `(3-8 / 12)` when some are out of sight.
fn scrolled_rows<T>(
    lines: &mut Vec<Line<'_>>,
    items: &[T],
    selected: usize,
    room: usize,
    row: impl Fn(&T) -> String,
) {
    let first = selected.saturating_sub(room.saturating_sub(1));
    for (k, item) in items.iter().enumerate().skip(first).take(room) {
        let style = if k == selected {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(row(item), style)));
    }
    if items.len() > room {
        lines.push(Line::from(dim(&format!(
            "  ({}-{} / {})",
            first + 1,
            (first + room).min(items.len()),
            items.len()
        ))));
    }
}

/// A procedure's name in the screen's language (its id when the set does not have it).
fn proc_name(s: &State, id: &str) -> String {
    s.set
        .procedures
        .iter()
        .find(|p| p.id == id)
        .map_or(id.to_string(), |p| p.name.get(s.lang).to_string())
}

/// An age as a clerk says it: minutes, hours, days.
fn age(l: crate::rules::Lang, secs: i64) -> String {
    let m = secs.max(0) / 60;
    let ja = l == crate::rules::Lang::Ja;
    match m {
        m if m < 60 => format!("{m}{}", if ja { "分" } else { " min" }),
        m if m < 60 * 24 => format!("{}{}", m / 60, if ja { "時間" } else { " h" }),
        m => format!("{}{}", m / (60 * 24), if ja { "日" } else { " d" }),
    }
}

/// When a mark was made, short: `04-06 10:15` (JST, as the store writes it).
fn short_time(at: &str) -> String {
    // RFC 3339 with the +09:00 offset: the date's month-day and the time's hour:minute.
    match (at.get(5..10), at.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => at.to_string(),
    }
}

/// A case continued at this counter: every applied procedure with its section, status and
/// who marked it when; this section's in bold, the others' dimmed.
fn draw_continue(f: &mut Frame, area: Rect, s: &State, v: &ContinueView) {
    let l = s.lang;
    let c = &v.case;
    let status = match c.status.as_str() {
        "open" => tr(l, ("受付中", "open")),
        "closed" => tr(l, ("受付済", "closed at reception")),
        "discarded" => tr(l, ("破棄 (個人情報消去済)", "discarded")),
        "purged" => tr(l, ("消去済", "purged")),
        _ => "-",
    };
    let progress = if c.complete {
        tr(l, ("すべての手続が済・保留です", "nothing pending"))
    } else {
        tr(l, ("未処理の手続があります", "something is pending"))
    };
    let mut head = format!(
        "{} {}  {status}  {progress}",
        tr(l, ("受付番号", "Case")),
        c.code
    );
    if let Some((page, form)) = &c.page {
        head.push_str(&format!(
            "  ({} {page}: {form})",
            tr(l, ("読み取ったページ", "scanned page"))
        ));
    }
    let mine = s.config.section.as_deref().unwrap_or("-");
    let mut lines = vec![
        Line::from(Span::styled(
            safe(&head),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(dim(&safe(&format!(
            "{}: {mine}",
            tr(l, ("この窓口の担当課", "This counter's section"))
        )))),
        Line::from(""),
    ];
    let width = (area.width as usize).saturating_sub(4);
    let room = (area.height as usize).saturating_sub(9).max(1);
    let first = v.selected.saturating_sub(room.saturating_sub(1));
    for (k, p) in c.procedures.iter().enumerate().skip(first).take(room) {
        let mark = match p.status {
            ProcMark::Pending => tr(l, ("未処理", "pending")),
            ProcMark::Done => tr(l, ("済", "done")),
            ProcMark::SetAside => tr(l, ("保留", "set aside")),
        };
        let who = match (&p.counter, &p.clerk, &p.at) {
            (None, None, None) => String::new(),
            (counter, clerk, at) => format!(
                "  {} {} {}",
                counter.as_deref().unwrap_or("-"),
                clerk.as_deref().unwrap_or(""),
                at.as_deref().map(short_time).unwrap_or_default()
            ),
        };
        let reason = p
            .reason
            .as_deref()
            .map(|r| format!(" 「{r}」"))
            .unwrap_or_default();
        let text = format!(
            "{} {} {}  {}{who}{reason}",
            if k == v.selected { ">" } else { " " },
            pad(mark, 6),
            pad(&p.section, 12),
            proc_name(s, &p.id),
        );
        let mut style = if p.ours {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(Color::DarkGray)
        };
        if k == v.selected {
            style = style.fg(Color::Black).bg(Color::Cyan);
        }
        lines.push(Line::from(Span::styled(fit(&safe(&text), width), style)));
    }
    if c.procedures.len() > room {
        lines.push(Line::from(dim(&format!(
            "  ({}-{} / {})",
            first + 1,
            (first + room).min(c.procedures.len()),
            c.procedures.len()
        ))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(dim(tr(
        l,
        (
            "太字がこの課の手続です。D: 済  H: 保留 (理由)  P: 未処理に戻す  Esc: 閉じる",
            "Bold: this section's. D: done  H: set aside (reason)  P: back to pending  Esc: close",
        ),
    ))));
    popup(
        f,
        centered(
            area,
            area.width.saturating_sub(2),
            (c.procedures.len().min(room) as u16 + 8).min(area.height),
        ),
        tr(l, ("他の窓口の案件", "Another counter's case")),
        lines,
    );
}

/// The hint under a set-aside reason: the preset reasons keys 1-3 fill in.
fn set_aside_presets(l: crate::rules::Lang) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(dim(tr(
        l,
        (
            "理由が空のとき 1-3 で定型文:",
            "Empty reason: 1-3 for a preset:",
        ),
    )))];
    for (k, (ja, en)) in SET_ASIDE_REASONS.iter().enumerate() {
        lines.push(Line::from(dim(&format!("  {} {}", k + 1, tr(l, (ja, en))))));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_scrolls_with_its_selection_and_says_where_it_is() {
        let items: Vec<usize> = (1..=12).collect();
        let mut lines = vec![];
        scrolled_rows(&mut lines, &items, 7, 5, |i| format!("case {i}"));
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            [
                "case 4",
                "case 5",
                "case 6",
                "case 7",
                "case 8",
                "  (4-8 / 12)"
            ]
        );
        // The selected row (index 7: "case 8") alone is highlighted.
        let highlighted: Vec<bool> = lines[..5]
            .iter()
            .map(|l| l.spans[0].style.bg == Some(Color::Cyan))
            .collect();
        assert_eq!(highlighted, [false, false, false, false, true]);
        // A list that fits: every row, no indicator.
        let mut lines = vec![];
        scrolled_rows(&mut lines, &items[..3], 0, 5, |i| format!("case {i}"));
        assert_eq!(lines.len(), 3);
    }
}
