//! The guidance sheet (窓口案内シート): what the resident takes home. The household and the
//! event; the procedures by counter in visiting order, each with whom it concerns, the
//! deadline in 和暦 with the weekday, what to bring and its status (done today / automatic /
//! still to do); the procedures outside city hall; what was considered and does not apply;
//! the town's contacts. Japanese or English, normal or large print.

use super::fonts::PT_TO_MM;
use super::layout::Canvas;
use super::template::{Align, Area, QR_CAPTION, QR_SIZE};
use crate::calendar::{age, format_en, format_wareki_weekday};
use crate::intake::{EventKind, Intake, Member};
use crate::rules::{Applied, Determination, Lang, ProcKind, ProcedureSet};
use chrono::NaiveDate;

pub struct Sheet<'a> {
    pub intake: &'a Intake,
    pub det: &'a Determination,
    pub set: &'a ProcedureSet,
    pub today: NaiveDate,
    pub case_code: &'a str,
    pub lang: Lang,
    pub large: bool,
}

const W: f32 = 210.0;
const H: f32 = 297.0;
const M: f32 = 12.0;

struct Flow<'f> {
    pages: Vec<Canvas<'f>>,
    y: f32,
    scale: f32,
    fonts: &'f super::fonts::Fonts,
    first_page: usize,
    continued: String,
}

impl<'f> Flow<'f> {
    fn cv(&mut self) -> &mut Canvas<'f> {
        self.pages.last_mut().expect("a page")
    }
    fn bottom(&self) -> f32 {
        H - M - QR_SIZE - QR_CAPTION - 2.0
    }
    fn new_page(&mut self) {
        let n = self.first_page + self.pages.len();
        let mut cv = Canvas::new(self.fonts, W, H, n, "guidance");
        cv.field = self
            .pages
            .last()
            .map_or_else(|| "案内".into(), |p| p.field.clone());
        let size = 9.0 * self.scale;
        cv.text(M, M + 4.0, size, false, Align::Left, &self.continued);
        self.pages.push(cv);
        self.y = M + 4.0 + size * PT_TO_MM * 1.5;
    }
    /// Makes room for `h` mm, starting a new page if needed.
    fn need(&mut self, h: f32) {
        if self.y + h > self.bottom() {
            self.new_page();
        }
    }
    fn size(&self, base: f32) -> f32 {
        base * self.scale
    }
    fn lh(&self, base: f32) -> f32 {
        self.size(base) * PT_TO_MM * 1.4
    }
    /// A wrapped paragraph at x (indent) with the flow's page breaks between lines.
    fn para(&mut self, x: f32, text: &str, base: f32, bold: bool) {
        let size = self.size(base);
        let lh = self.lh(base);
        let lines = self.cv().wrap(text, W - M - x, size, bold);
        for l in lines {
            self.need(lh);
            let y = self.y + size * PT_TO_MM * 0.95;
            self.cv().text(x, y, size, bold, Align::Left, &l);
            self.y += lh;
        }
    }
    fn heading(&mut self, text: &str) {
        let size = self.size(12.0);
        let h = size * PT_TO_MM * 1.7;
        self.need(h + self.lh(10.0) * 2.0);
        self.y += 1.5;
        let y = self.y;
        self.cv().field = text.to_string();
        self.cv().rect(
            Area {
                x: M,
                y,
                w: W - 2.0 * M,
                h,
            },
            None,
            Some(0.88),
        );
        self.cv()
            .text(M + 2.0, y + h * 0.72, size, true, Align::Left, text);
        self.y += h + 1.5;
    }
}

fn t<'s>(lang: Lang, ja: &'s str, en: &'s str) -> &'s str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Ja => format_wareki_weekday(d),
        Lang::En => format_en(d),
    }
}

fn relation(lang: Lang, m: &Member) -> String {
    match (lang, &m.relation_label, m.relation) {
        (Lang::Ja, Some(l), _) => l.clone(),
        (Lang::Ja, None, Some(r)) => r.label_ja().to_string(),
        (Lang::En, _, Some(r)) => r.as_str().replace('_', " "),
        _ => String::new(),
    }
}

fn names(lang: Lang, intake: &Intake, ids: &[String]) -> String {
    if ids.is_empty() {
        return t(lang, "世帯", "household").to_string();
    }
    ids.iter()
        .filter_map(|id| intake.member(id))
        .map(|m| m.name.clone())
        .collect::<Vec<_>>()
        .join(t(lang, "、", ", "))
}

/// The status of an applied procedure on the sheet.
pub fn status(lang: Lang, p: &Applied) -> &'static str {
    match (p.kind, lang) {
        (ProcKind::Form, Lang::Ja) => "本日受付",
        (ProcKind::Form, Lang::En) => "Done today",
        (ProcKind::Notice, Lang::Ja) => "自動・お知らせ",
        (ProcKind::Notice, Lang::En) => "Automatic",
        (ProcKind::Guidance, Lang::Ja) => "要手続き",
        (ProcKind::Guidance, Lang::En) => "Still to do",
    }
}

/// Lays out the sheet; pages are numbered from `first_page`. The QR codes are added by the
/// caller once page numbers are final.
pub fn draw<'f>(
    s: &Sheet<'_>,
    fonts: &'f super::fonts::Fonts,
    first_page: usize,
) -> Vec<Canvas<'f>> {
    let lang = s.lang;
    let town = s.set.municipality.name.get(lang).to_string();
    let notified = s.intake.notified_on(s.today);
    let mut f = Flow {
        pages: vec![],
        y: M,
        scale: if s.large { 1.45 } else { 1.0 },
        fonts,
        first_page,
        continued: format!(
            "{} — {} {}",
            t(
                lang,
                "窓口案内シート（つづき）",
                "Guidance sheet (continued)"
            ),
            t(lang, "受付番号", "Case"),
            s.case_code
        ),
    };
    // First page header.
    let mut cv = Canvas::new(fonts, W, H, first_page, "guidance");
    cv.field = "見出し".into();
    let title = t(lang, "窓口案内シート", "Your procedures at city hall");
    let ts = if s.large { 24.0 } else { 18.0 };
    cv.text(W / 2.0, M + 8.0, ts, true, Align::Center, title);
    let sub = match lang {
        Lang::Ja => format!(
            "{town}　届出日 {}　受付番号 {}",
            date(lang, notified),
            s.case_code
        ),
        Lang::En => format!("{town} — {} — case {}", date(lang, notified), s.case_code),
    };
    cv.text(
        W / 2.0,
        M + 8.0 + ts * PT_TO_MM * 0.9 + 2.0,
        f.size(9.5),
        false,
        Align::Center,
        &sub,
    );
    f.pages.push(cv);
    f.y = M + 8.0 + ts * PT_TO_MM * 0.9 + 2.0 + f.lh(9.5) + 1.0;
    let intro = t(
        lang,
        "本日のお届けで必要になる手続きを、回る順番にまとめました。「本日受付」の手続きは、このあとの書類に署名するだけで終わります。「要手続き」は期限までにご自身でお手続きください。",
        "These are all the procedures your notification triggers, in the order of the counters. Procedures marked \"Done today\" are finished when you sign the forms that follow; those marked \"Still to do\" must be done by you before the deadline.",
    );
    f.para(M, intro, 9.0, false);
    f.y += 2.0;

    // The household and the event.
    f.heading(t(lang, "お届けの内容", "Your notification"));
    let i = s.intake;
    let kind = match lang {
        Lang::Ja => i.event.kind.label_ja(),
        Lang::En => i.event.kind.label_en(),
    };
    let date_label = match i.event.kind {
        EventKind::Death => t(lang, "死亡日", "Date of death"),
        _ => t(lang, "異動日", "Date of the move"),
    };
    let mut lines = vec![format!(
        "{}: {kind}　{date_label}: {}",
        t(lang, "届出の種類", "Notification"),
        date(lang, i.event.date)
    )];
    if let Some(a) = &i.event.new_address {
        let l = match i.event.kind {
            EventKind::MoveOut | EventKind::MoveOutAbroad => t(lang, "転出先", "Moving to"),
            _ => t(lang, "新住所", "New address"),
        };
        lines.push(format!("{l}: {a}"));
    }
    if let Some(a) = &i.event.previous_address {
        let l = match i.event.kind {
            EventKind::MoveOut | EventKind::MoveOutAbroad => t(lang, "現住所", "Current address"),
            _ => t(lang, "前住所", "Previous address"),
        };
        lines.push(format!("{l}: {a}"));
    }
    if let Some(d) = i.event.deceased.as_deref().and_then(|id| i.member(id)) {
        lines.push(format!(
            "{}: {}",
            t(lang, "亡くなった方", "The deceased"),
            d.name
        ));
    }
    for l in lines {
        f.para(M + 2.0, &l, 10.0, false);
    }
    let members: Vec<String> = i
        .household
        .members
        .iter()
        .map(|m| {
            let rel = relation(lang, m);
            let a = age(m.birth_date, i.event.date);
            match lang {
                Lang::Ja => format!("{}（{rel}・{a}歳）", m.name),
                Lang::En => format!("{} ({rel}, {a})", m.name),
            }
        })
        .collect();
    f.para(
        M + 2.0,
        &format!(
            "{}: {}",
            t(lang, "世帯", "Household"),
            members.join(t(lang, "　", "; "))
        ),
        10.0,
        false,
    );
    f.y += 2.0;

    // Procedures at city hall, by counter.
    let inside: Vec<&Applied> = s
        .det
        .procedures
        .iter()
        .filter(|p| !p.extra.outside)
        .collect();
    let outside: Vec<&Applied> = s
        .det
        .procedures
        .iter()
        .filter(|p| p.extra.outside)
        .collect();
    f.heading(t(
        lang,
        "市役所での手続き（上から順にお回りください）",
        "At city hall (visit the counters in this order)",
    ));
    let mut current = String::new();
    let mut stop = 0;
    for p in &inside {
        if p.extra.section_key != current {
            current = p.extra.section_key.clone();
            stop += 1;
            let sec = s
                .set
                .municipality
                .sections
                .iter()
                .find(|x| x.key == current);
            let (counter, section) = match lang {
                Lang::Ja => (p.counter.clone(), p.section.clone()),
                Lang::En => (p.extra.counter_en.clone(), p.extra.section_en.clone()),
            };
            let place = sec
                .map(|x| {
                    let loc = x
                        .location
                        .as_ref()
                        .map(|l| l.get(lang).to_string())
                        .unwrap_or_default();
                    let tel = x
                        .phone
                        .as_ref()
                        .map(|p| format!("{} {p}", t(lang, "電話", "Tel.")))
                        .unwrap_or_default();
                    [loc, tel]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("　")
                })
                .unwrap_or_default();
            let size = f.size(11.0);
            f.need(f.lh(11.0) * 6.5);
            f.y += 1.0;
            let y = f.y;
            let badge = format!("{stop}");
            let bw = 6.0 * f.scale;
            f.cv().rect(
                Area {
                    x: M,
                    y,
                    w: bw,
                    h: bw,
                },
                Some(0.6),
                None,
            );
            f.cv().text(
                M + bw / 2.0,
                y + bw * 0.75,
                size * 0.85,
                true,
                Align::Center,
                &badge,
            );
            f.cv().text(
                M + bw + 1.5,
                y + bw * 0.78,
                size,
                true,
                Align::Left,
                &format!("{counter}　{section}"),
            );
            f.y += bw + 0.8;
            if !place.is_empty() {
                f.para(M + bw + 1.5, &place, 8.5, false);
            }
        }
        draw_procedure(&mut f, s, p);
    }
    if inside.is_empty() {
        f.para(M + 2.0, t(lang, "ありません。", "None."), 10.0, false);
    }

    if !outside.is_empty() {
        f.heading(t(
            lang,
            "市役所の外での手続き（期限までにご自身で）",
            "Outside city hall (by yourself, before the deadline)",
        ));
        for p in &outside {
            let sec = s
                .set
                .municipality
                .sections
                .iter()
                .find(|x| x.key == p.extra.section_key);
            let place = sec
                .map(|x| {
                    let name = x.name.get(lang).to_string();
                    let loc = x
                        .location
                        .as_ref()
                        .map(|l| l.get(lang).to_string())
                        .unwrap_or_default();
                    let tel = x
                        .phone
                        .as_ref()
                        .map(|p| format!("{} {p}", t(lang, "電話", "Tel.")))
                        .unwrap_or_default();
                    [name, loc, tel]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("　")
                })
                .unwrap_or_default();
            f.para(
                M + 2.0,
                &format!("{}: {place}", t(lang, "場所", "Where")),
                9.0,
                true,
            );
            draw_procedure(&mut f, s, p);
        }
    }

    if !s.det.pending.is_empty() {
        f.heading(t(lang, "確認が必要な手続き", "Still to be confirmed"));
        for p in &s.det.pending {
            let name = proc_name(s, &p.id);
            let qs: Vec<String> = p
                .questions
                .iter()
                .map(|q| match lang {
                    Lang::Ja => q.text.clone(),
                    Lang::En => q.text_en.clone(),
                })
                .collect();
            f.para(
                M + 2.0,
                &format!(
                    "・{name} ({}) — {}",
                    names(lang, i, &p.members),
                    qs.join(" / ")
                ),
                9.0,
                false,
            );
        }
    }

    if !s.det.excluded.is_empty() {
        f.heading(t(
            lang,
            "確認した結果、該当しなかった手続き",
            "Checked and not needed",
        ));
        f.para(
            M + 2.0,
            t(
                lang,
                "次の手続きも確認しましたが、今回は必要ありません。",
                "We also checked these; you do not need them this time.",
            ),
            8.5,
            false,
        );
        for e in &s.det.excluded {
            let name = proc_name(s, &e.id);
            let reason = match lang {
                Lang::Ja => &e.reason,
                Lang::En => &e.reason_en,
            };
            f.para(M + 4.0, &format!("・{name}: {reason}"), 8.0, false);
        }
    }

    // Contacts.
    f.heading(t(lang, "お問い合わせ", "Contacts"));
    let m = &s.set.municipality;
    let mut head = vec![m.name.get(lang).to_string()];
    if let Some(a) = &m.address {
        head.push(a.clone());
    }
    if let Some(p) = &m.phone {
        head.push(format!("{} {p}", t(lang, "代表", "Main line")));
    }
    if let Some(h) = &m.hours {
        head.push(h.get(lang).to_string());
    }
    f.para(M + 2.0, &head.join("　"), 9.0, false);
    let mut used: Vec<&str> = s
        .det
        .procedures
        .iter()
        .map(|p| p.extra.section_key.as_str())
        .collect();
    used.dedup();
    for sec in m.sections.iter().filter(|x| used.contains(&x.key.as_str())) {
        let counter = if sec.outside {
            String::new()
        } else {
            sec.counter.get(lang).to_string()
        };
        let phone = sec.phone.clone().unwrap_or_default();
        f.para(
            M + 4.0,
            &format!(
                "・{} {counter}　{} {phone}",
                sec.name.get(lang),
                t(lang, "電話", "Tel.")
            ),
            8.5,
            false,
        );
    }
    f.pages
}

/// The note at the bottom of every page of the sheet, left of the QR code.
pub fn footer(cv: &mut Canvas<'_>, lang: Lang, large: bool) {
    let text = t(
        lang,
        "このシートはお持ち帰りください。右のコードを窓口で見せると、どの窓口でも本日の受付内容を確認できます。",
        "Please keep this sheet. Show the code on the right at any counter to find today's case.",
    );
    let size = if large { 10.0 } else { 8.0 };
    let width = W - 2.0 * M - QR_SIZE - 4.0;
    let lh = size * PT_TO_MM * 1.35;
    let lines = cv.wrap(text, width, size, false);
    let top = H - M - QR_CAPTION - lines.len() as f32 * lh;
    cv.line(M, top - 2.0, M + width, top - 2.0, 0.2, false);
    cv.paragraph(M, top, width, text, size, false);
}

fn proc_name(s: &Sheet<'_>, id: &str) -> String {
    s.set
        .procedures
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.get(s.lang).to_string())
        .unwrap_or_else(|| id.to_string())
}

fn draw_procedure(f: &mut Flow<'_>, s: &Sheet<'_>, p: &Applied) {
    let lang = s.lang;
    let name = match lang {
        Lang::Ja => p.name.clone(),
        Lang::En => p.extra.name_en.clone(),
    };
    let st = status(lang, p);
    let size = f.size(10.5);
    let lh = f.lh(10.5);
    f.need(lh * 3.0);
    let y = f.y;
    let x = M + 3.0;
    // Status box.
    let small = f.size(8.5);
    let sw = f.cv().width(st, small, true) + 3.0;
    let sh = lh * 0.95;
    let fill = match p.kind {
        ProcKind::Form => 1.0,
        ProcKind::Notice => 0.9,
        ProcKind::Guidance => 0.75,
    };
    f.cv()
        .rect(Area { x, y, w: sw, h: sh }, Some(0.3), Some(fill));
    f.cv()
        .text(x + sw / 2.0, y + sh * 0.74, small, true, Align::Center, st);
    f.cv().field = name.clone();
    f.cv()
        .text(x + sw + 2.0, y + sh * 0.78, size, true, Align::Left, &name);
    f.y += lh * 1.05;
    let indent = x + 4.0;
    let who = names(lang, s.intake, &p.members);
    let deadline = match lang {
        Lang::Ja => p.deadline_text.clone(),
        Lang::En => p.extra.deadline_text_en.clone(),
    };
    let deadline = if deadline.is_empty() {
        p.deadline.map(|d| date(lang, d)).unwrap_or_default()
    } else {
        deadline
    };
    f.para(
        indent,
        &format!(
            "{}: {who}　{}: {deadline}",
            t(lang, "対象", "For"),
            t(lang, "期限", "Deadline")
        ),
        9.0,
        false,
    );
    let bring = match lang {
        Lang::Ja => &p.bring,
        Lang::En => &p.extra.bring_en,
    };
    if !bring.is_empty() {
        f.para(
            indent,
            &format!(
                "{}: {}",
                t(lang, "持ち物", "Bring"),
                bring.join(t(lang, "、", "; "))
            ),
            9.0,
            false,
        );
    }
    if let Some(n) = &p.extra.note {
        f.para(indent, n.get(lang), 8.5, false);
    }
    f.y += 1.2;
}
