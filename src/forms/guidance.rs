//! The guidance sheet (窓口案内シート): what the resident takes home. The household and the
//! event; the procedures by counter in visiting order, each with whom it concerns, the
//! deadline in 和暦 with the weekday, what to bring and its status (done today / automatic /
//! still to do); the procedures outside city hall; what was considered and does not apply;
//! the town's contacts. Japanese or English, normal or large print.

use super::fonts::PT_TO_MM;
use super::labels;
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
    /// English: Latin letters in the proportional face.
    latin: bool,
}

impl<'f> Flow<'f> {
    fn new(s: &Sheet<'_>, fonts: &'f super::fonts::Fonts, first_page: usize) -> Self {
        let lang = s.lang;
        Flow {
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
            latin: lang == Lang::En,
        }
    }
    fn cv(&mut self) -> &mut Canvas<'f> {
        self.pages.last_mut().expect("a page")
    }
    fn bottom(&self) -> f32 {
        H - M - QR_SIZE - QR_CAPTION - 2.0
    }
    fn new_page(&mut self) {
        let n = self.first_page + self.pages.len();
        let mut cv = Canvas::new(self.fonts, W, H, n, "guidance");
        cv.latin = self.latin;
        let first = self.pages.is_empty();
        cv.field = self
            .pages
            .last()
            .map_or_else(|| "案内".into(), |p| p.field.clone());
        self.pages.push(cv);
        if first {
            self.y = M;
            return;
        }
        let size = 9.0 * self.scale;
        let continued = self.continued.clone();
        self.cv()
            .text(M, M + 4.0, size, false, Align::Left, &continued);
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
    /// A section heading, kept together with the first `next` mm of what follows (never
    /// alone at the foot of a page).
    fn heading(&mut self, text: &str, next: f32) {
        let size = self.size(12.0);
        let h = size * PT_TO_MM * 1.7;
        self.need(h + 3.0 + next);
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

/// 続柄 as the 住民票 prints it (by sex), or in English.
fn relation(lang: Lang, m: &Member, head: Option<&Member>) -> String {
    match (lang, &m.relation_label, m.relation) {
        (Lang::Ja, Some(l), _) => l.clone(),
        (Lang::Ja, None, r) => labels::member_relation(m, r, head).unwrap_or_default(),
        (Lang::En, _, Some(r)) => labels::relation_en(r, m.sex).to_string(),
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

/// Lays out the sheet, one function per section; pages are numbered from `first_page`. The
/// QR codes are added by the caller once page numbers are final.
pub fn draw<'f>(
    s: &Sheet<'_>,
    fonts: &'f super::fonts::Fonts,
    first_page: usize,
) -> Vec<Canvas<'f>> {
    let mut f = Flow::new(s, fonts, first_page);
    header(&mut f, s);
    notification(&mut f, s);
    at_city_hall(&mut f, s);
    outside_city_hall(&mut f, s);
    open_questions(&mut f, s);
    not_applicable(&mut f, s);
    contacts(&mut f, s);
    f.pages
}

/// The title, the town, the 届出日 and the case code, and how to read the sheet.
fn header(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    let town = s.set.municipality.name.get(lang).to_string();
    let notified = s.intake.notified_on(s.today);
    f.new_page();
    let cv = f.cv();
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
    let sub_size = f.size(9.5);
    let y = M + 8.0 + ts * PT_TO_MM * 0.9 + 2.0;
    f.cv()
        .text(W / 2.0, y, sub_size, false, Align::Center, &sub);
    f.y = y + f.lh(9.5) + 1.0;
    let intro = t(
        lang,
        "本日のお届けで必要になる手続きを、回る順番にまとめました。「本日受付」の手続きは、このあとの書類に署名するだけで終わります。「要手続き」は期限までにご自身でお手続きください。",
        "These are all the procedures your notification triggers, in the order of the counters. Procedures marked \"Done today\" are finished when you sign the forms that follow; those marked \"Still to do\" must be done by you before the deadline.",
    );
    f.para(M, intro, 9.0, false);
    f.y += 2.0;
}

/// The event and the household.
fn notification(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    let i = s.intake;
    f.heading(
        t(lang, "お届けの内容", "Your notification"),
        f.lh(10.0) * 2.0,
    );
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
    let head = i.household.head.as_deref().and_then(|h| i.member(h));
    let members: Vec<String> = i
        .household
        .members
        .iter()
        .map(|m| {
            let rel = relation(lang, m, head);
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
}

/// "Place · phone" of a section, for the counter headings.
fn place(s: &Sheet<'_>, key: &str, with_name: bool) -> String {
    let lang = s.lang;
    s.set
        .municipality
        .sections
        .iter()
        .find(|x| x.key == key)
        .map(|x| {
            let name = if with_name {
                x.name.get(lang).to_string()
            } else {
                String::new()
            };
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
        .unwrap_or_default()
}

/// The procedures at city hall, by counter in visiting order.
fn at_city_hall(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    let inside: Vec<&Applied> = s
        .det
        .procedures
        .iter()
        .filter(|p| !p.extra.outside)
        .collect();
    f.heading(
        t(
            lang,
            "市役所での手続き（上から順にお回りください）",
            "At city hall (visit the counters in this order)",
        ),
        f.lh(11.0) * 6.5,
    );
    let mut current = String::new();
    let mut stop = 0;
    for p in &inside {
        if p.extra.section_key != current {
            current = p.extra.section_key.clone();
            stop += 1;
            counter_heading(f, s, p, stop);
        }
        draw_procedure(f, s, p);
    }
    if inside.is_empty() {
        f.para(M + 2.0, t(lang, "ありません。", "None."), 10.0, false);
    }
}

/// A numbered counter: its number, name, section, place and phone.
fn counter_heading(f: &mut Flow<'_>, s: &Sheet<'_>, p: &Applied, stop: usize) {
    let (counter, section) = match s.lang {
        Lang::Ja => (p.counter.clone(), p.section.clone()),
        Lang::En => (p.extra.counter_en.clone(), p.extra.section_en.clone()),
    };
    let place = place(s, &p.extra.section_key, false);
    let size = f.size(11.0);
    f.need(f.lh(11.0) * 6.5);
    f.y += 1.0;
    let y = f.y;
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
        &stop.to_string(),
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

/// The procedures outside city hall (年金事務所, 税務署, 法務局, 家庭裁判所).
fn outside_city_hall(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    let outside: Vec<&Applied> = s
        .det
        .procedures
        .iter()
        .filter(|p| p.extra.outside)
        .collect();
    if outside.is_empty() {
        return;
    }
    f.heading(
        t(
            lang,
            "市役所の外での手続き（期限までにご自身で）",
            "Outside city hall (by yourself, before the deadline)",
        ),
        f.lh(10.5) * 4.0,
    );
    for p in &outside {
        let place = place(s, &p.extra.section_key, true);
        f.need(f.lh(10.5) * 4.0);
        f.para(
            M + 2.0,
            &format!("{}: {place}", t(lang, "場所", "Where")),
            9.0,
            true,
        );
        draw_procedure(f, s, p);
    }
}

/// Questions still open: which procedure, about whom, and the question.
fn open_questions(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    if s.det.pending.is_empty() {
        return;
    }
    f.heading(
        t(lang, "確認が必要な手続き", "Still to be confirmed"),
        f.lh(9.0) * 2.0,
    );
    f.para(
        M + 2.0,
        t(
            lang,
            "次のことがわかれば、必要かどうかが決まります。窓口でお知らせください。",
            "Tell the counter the answers below; they decide whether these apply.",
        ),
        8.5,
        false,
    );
    for p in &s.det.pending {
        let name = proc_name(s, &p.id);
        // One entry per question, naming every member it is asked about (the same question
        // for three members is printed once, with the three names).
        let mut qs: Vec<(String, Vec<String>)> = vec![];
        for q in &p.questions {
            let who = q
                .member
                .as_deref()
                .and_then(|id| s.intake.member(id))
                .map(|m| m.name.clone())
                .unwrap_or_else(|| t(lang, "世帯", "household").to_string());
            // A sensitive question is answered on the counter's screen, never printed.
            let text = match (q.sensitive, lang) {
                (true, _) => t(
                    lang,
                    "窓口の画面でお答えください",
                    "please answer on the counter's screen",
                ),
                (false, Lang::Ja) => q.text.as_str(),
                (false, Lang::En) => q.text_en.as_str(),
            };
            match qs.iter_mut().find(|(t, _)| t == text) {
                Some((_, w)) if !w.contains(&who) => w.push(who),
                Some(_) => {}
                None => qs.push((text.to_string(), vec![who])),
            }
        }
        let qs: Vec<String> = qs
            .iter()
            .map(|(text, who)| format!("{}: {text}", who.join(t(lang, "・", ", "))))
            .collect();
        f.para(
            M + 2.0,
            &format!("・{name} — {}", qs.join(t(lang, "　", "; "))),
            9.0,
            false,
        );
    }
}

/// Whether the exclusion of a procedure hinges on a sensitive fact (pregnancy, disability,
/// public assistance, …): it is never printed for the resident as a negative statement.
fn is_sensitive(s: &Sheet<'_>, id: &str) -> bool {
    const CORE: &[&str] = &[
        "pregnant",
        "disability_certificate",
        "public_assistance",
        "child_rearing_allowance_recipient",
        "medical_certificates",
    ];
    let Some(p) = s.set.procedures.iter().find(|p| p.id == id) else {
        return true;
    };
    let sensitive: Vec<&str> = s
        .set
        .facts
        .values()
        .filter(|d| d.sensitive)
        .map(|d| d.name.as_str())
        .chain(CORE.iter().copied())
        .collect();
    p.when_src
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| sensitive.contains(&w))
}

/// What was considered and is not needed: procedure names with the members they were checked
/// for, in one short paragraph. No reasons (they could state a sensitive negative such as
/// "妊娠していない"), no internal ids; procedures that hinge on a sensitive fact are only
/// counted.
fn not_applicable(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    if s.det.excluded.is_empty() {
        return;
    }
    let mut items: Vec<(String, Vec<String>)> = vec![];
    let mut quiet = 0;
    for e in &s.det.excluded {
        if is_sensitive(s, &e.id) {
            quiet += 1;
            continue;
        }
        let name = proc_name(s, &e.id);
        let who: Vec<String> = e
            .members
            .iter()
            .filter_map(|id| s.intake.member(id))
            .map(|m| super::fit::keep_together(&m.name))
            .collect();
        match items.iter_mut().find(|(n, _)| *n == name) {
            Some((_, w)) => {
                for x in who {
                    if !w.contains(&x) {
                        w.push(x);
                    }
                }
            }
            None => items.push((name, who)),
        }
    }
    f.heading(
        t(
            lang,
            "確認した結果、今回は必要のない手続き",
            "Checked and not needed this time",
        ),
        f.lh(8.5) * 2.0,
    );
    // Checked for every member: "世帯全員" rather than every name again (a one-person
    // household: no name at all).
    let everyone = s.intake.household.members.len();
    let list: Vec<String> = items
        .iter()
        .map(|(n, w)| {
            if w.is_empty() || everyone == 1 {
                n.clone()
            } else if w.len() == everyone {
                match lang {
                    Lang::Ja => format!("{n}（世帯全員）"),
                    Lang::En => format!("{n} (everyone)"),
                }
            } else {
                match lang {
                    Lang::Ja => format!("{n}（{}）", w.join("・")),
                    Lang::En => format!("{n} ({})", w.join(", ")),
                }
            }
        })
        .collect();
    let mut text = list.join(t(lang, "、", "; "));
    if quiet > 0 {
        text.push_str(t(
            lang,
            "。このほか、福祉・医療の手続きも確認しました。",
            ". We also checked welfare and medical procedures.",
        ));
    } else if !text.is_empty() {
        text.push_str(t(lang, "。", "."));
    }
    f.para(M + 2.0, &text, 8.5, false);
}

/// The town's and the sections' contacts.
fn contacts(f: &mut Flow<'_>, s: &Sheet<'_>) {
    let lang = s.lang;
    f.heading(t(lang, "お問い合わせ", "Contacts"), f.lh(9.0) * 2.0);
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
        // Name, counter (inside city hall) and phone, each only when there is one: a place
        // without a number (the employer's insurer) must not print an empty 「電話」.
        let mut line = format!("・{}", sec.name.get(lang));
        if !sec.outside {
            line.push(' ');
            line.push_str(sec.counter.get(lang));
        }
        if let Some(phone) = sec.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            line.push_str(&format!("　{} {phone}", t(lang, "電話", "Tel.")));
        }
        f.para(M + 4.0, &line, 8.5, false);
    }
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
