//! The resident's page, rendered on the server: one form per step, the state in hidden
//! inputs, every text from the procedure set or from [`super::text`]. Works without
//! JavaScript; the small script (inline, allowed by its hash in the CSP) only adds a
//! one-code-at-a-time viewer for the QR codes and tidies the nationality input.

use super::draft::{lang_code, question_key, Draft, MemberDraft, Step};
use super::flow::{Problem, View};
use super::html::{attr, esc, Html};
use super::text::{event_choice, event_short, tr, Tr, NATIONALITIES, RELATIONS, SEXES};
use crate::calendar::{format_en, format_wareki_weekday};
use crate::intake::{EventKind, FactScope, FactType};
use crate::rules::{Applied, Lang, ProcedureSet, Question};
use base64::Engine as _;
use std::fmt::Write;

/// The page's stylesheet and script, inlined (one request per page) and allowed by hash.
pub const CSS: &str = include_str!("assets/page.css");
pub const JS: &str = include_str!("assets/page.js");

/// The QR codes of a result, drawn by the reference encoder: (part text, PNG).
pub type Codes = Vec<(String, Vec<u8>)>;

/// Renders a view as a complete HTML document. `codes` are the QR codes of the result step.
pub fn render(view: &View, set: &ProcedureSet, codes: &Codes) -> String {
    let l = view.draft.lang;
    let mut h = Html::default();
    let title = tr(l, ("手続ナビ", "Procedure guide"));
    let town = set.municipality.name.get(l);
    let _ = write!(
        h.s,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{} — {}</title><link rel=\"icon\" href=\"data:,\"><style>{}</style></head><body>",
        lang_code(l),
        esc(title),
        esc(town),
        CSS
    );
    h.raw("<header class=\"top\"><div class=\"brand\">")
        .el("p", " class=\"town\"", town)
        .el("h1", "", title)
        .raw("</div><nav class=\"langs\" aria-label=\"Language / 言語\">");
    for (code, label) in [("ja", "日本語"), ("en", "English")] {
        let current = lang_code(l) == code;
        let _ = write!(
            h.s,
            "<button form=\"f\" name=\"go\" value=\"lang:{code}\" lang=\"{code}\"{}>{label}</button>",
            if current { " aria-current=\"true\"" } else { "" }
        );
    }
    h.raw("</nav></header><main>");
    steps_bar(&mut h, l, view.step);
    h.raw("<form id=\"f\" method=\"post\" action=\"/\" autocomplete=\"off\">");
    // Enter in a text field presses the first submit button: make that "next".
    let _ = write!(
        h.s,
        "<button class=\"implicit\" name=\"go\" value=\"next\" tabindex=\"-1\" aria-hidden=\"true\">{}</button>",
        esc(tr(l, ("次へ", "Next")))
    );
    h.hidden("step", view.step.as_str());
    view.draft.write_hidden(&mut h, view.step);
    problems_box(&mut h, l, &view.problems);
    if let Some(n) = view.notice {
        h.el("p", " class=\"notice\" role=\"status\"", tr(l, n));
    }
    match view.step {
        Step::Event => event_step(&mut h, view),
        Step::Household => household_step(&mut h, view),
        Step::Questions => questions_step(&mut h, view, set),
        Step::Result => result_step(&mut h, view, set, codes),
    }
    h.raw("</form></main>");
    footer(&mut h, l, set);
    let _ = write!(h.s, "<script>{JS}</script></body></html>");
    h.s
}

/// A page for a request the page cannot take (too large, broken), with a way back.
pub fn error_page(l: Lang, set: &ProcedureSet, message: Tr) -> String {
    let mut h = Html::default();
    let _ = write!(
        h.s,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"icon\" href=\"data:,\"><style>{}</style></head><body><main>",
        lang_code(l),
        esc(tr(l, ("手続ナビ", "Procedure guide"))),
        CSS
    );
    h.el("h1", "", tr(l, ("手続ナビ", "Procedure guide"))).el(
        "p",
        " class=\"problems\" role=\"alert\"",
        tr(l, message),
    );
    let _ = write!(
        h.s,
        "<p><a class=\"button\" href=\"/?lang={}\">{}</a></p></main>",
        lang_code(l),
        esc(tr(l, ("最初のページへ", "Back to the start")))
    );
    footer(&mut h, l, set);
    h.raw("</body></html>");
    h.s
}

fn steps_bar(h: &mut Html, l: Lang, current: Step) {
    let steps: [(Step, Tr); 4] = [
        (Step::Event, ("できごと", "Event")),
        (Step::Household, ("世帯", "Household")),
        (Step::Questions, ("質問", "Questions")),
        (Step::Result, ("手続とQR", "Procedures & QR")),
    ];
    h.raw("<ol class=\"steps\">");
    for (i, (s, t)) in steps.iter().enumerate() {
        let mark = if *s == current {
            " aria-current=\"step\""
        } else {
            ""
        };
        let _ = write!(
            h.s,
            "<li{mark}><span class=\"n\">{}</span> {}</li>",
            i + 1,
            esc(tr(l, *t))
        );
    }
    h.raw("</ol>");
}

fn problems_box(h: &mut Html, l: Lang, problems: &[Problem]) {
    if problems.is_empty() {
        return;
    }
    h.raw("<div class=\"problems\" role=\"alert\">")
        .el(
            "p",
            "",
            tr(
                l,
                ("入力を確認してください。", "Please check these entries."),
            ),
        )
        .raw("<ul>");
    for p in problems {
        if p.field.is_empty() {
            h.el("li", "", p.text(l));
        } else {
            let _ = write!(
                h.s,
                "<li><a href=\"#{}\">{}</a></li>",
                esc(&input_id(&p.field)),
                esc(p.text(l))
            );
        }
    }
    h.raw("</ul></div>");
}

fn input_id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

fn problem_for<'a>(view: &'a View, field: &str) -> Option<&'a Problem> {
    view.problems.iter().find(|p| p.field == field)
}

/// A labelled text input with its hint and problem.
fn text_field(
    h: &mut Html,
    view: &View,
    name: &str,
    value: &str,
    label: &str,
    hint: &str,
    extra: &str,
) {
    let l = view.draft.lang;
    let id = input_id(name);
    let err = problem_for(view, name);
    let _ = write!(
        h.s,
        "<div class=\"field{}\"><label for=\"{id}\">{}</label>",
        if err.is_some() { " bad" } else { "" },
        esc(label)
    );
    if !hint.is_empty() {
        let _ = write!(h.s, "<p class=\"hint\" id=\"{id}-hint\">{}</p>", esc(hint));
    }
    if let Some(p) = err {
        let _ = write!(
            h.s,
            "<p class=\"err\" id=\"{id}-err\">{}</p>",
            esc(p.text(l))
        );
    }
    let described = match (hint.is_empty(), err.is_some()) {
        (true, false) => String::new(),
        (false, false) => format!(" aria-describedby=\"{id}-hint\""),
        (true, true) => format!(" aria-describedby=\"{id}-err\" aria-invalid=\"true\""),
        (false, true) => {
            format!(" aria-describedby=\"{id}-hint {id}-err\" aria-invalid=\"true\"")
        }
    };
    let _ = write!(
        h.s,
        "<input id=\"{id}\"{}{}{described}{extra}></div>",
        attr("name", name),
        attr("value", value)
    );
}

/// A group of radio buttons: (value, label).
fn radios(
    h: &mut Html,
    view: &View,
    name: &str,
    current: &str,
    legend: &str,
    options: &[(&str, &str)],
) {
    let l = view.draft.lang;
    let id = input_id(name);
    let err = problem_for(view, name);
    let _ = write!(
        h.s,
        "<fieldset class=\"field radios{}\" id=\"{id}\"><legend>{}</legend>",
        if err.is_some() { " bad" } else { "" },
        esc(legend)
    );
    if let Some(p) = err {
        h.el("p", " class=\"err\"", p.text(l));
    }
    for (i, (value, label)) in options.iter().enumerate() {
        let checked = if *value == current { " checked" } else { "" };
        let _ = write!(
            h.s,
            "<label class=\"choice\" for=\"{id}-{i}\"><input type=\"radio\" id=\"{id}-{i}\"{}{}{checked}><span>{}</span></label>",
            attr("name", name),
            attr("value", value),
            esc(label)
        );
    }
    h.raw("</fieldset>");
}

fn select(
    h: &mut Html,
    view: &View,
    name: &str,
    current: &str,
    label: &str,
    options: &[(&str, &str)],
) {
    let l = view.draft.lang;
    let id = input_id(name);
    let err = problem_for(view, name);
    let _ = write!(
        h.s,
        "<div class=\"field{}\"><label for=\"{id}\">{}</label>",
        if err.is_some() { " bad" } else { "" },
        esc(label)
    );
    if let Some(p) = err {
        h.el("p", " class=\"err\"", p.text(l));
    }
    let _ = write!(h.s, "<select id=\"{id}\"{}>", attr("name", name));
    for (value, text) in options {
        let sel = if *value == current { " selected" } else { "" };
        let _ = write!(
            h.s,
            "<option{}{sel}>{}</option>",
            attr("value", value),
            esc(text)
        );
    }
    h.raw("</select></div>");
}

fn nav(h: &mut Html, l: Lang, back: Option<(&str, Tr)>, next: Tr) {
    h.raw("<div class=\"nav\">");
    let _ = write!(
        h.s,
        "<button class=\"primary\" name=\"go\" value=\"next\">{}</button>",
        esc(tr(l, next))
    );
    if let Some((value, text)) = back {
        let _ = write!(
            h.s,
            "<button class=\"secondary\" name=\"go\"{}>{}</button>",
            attr("value", value),
            esc(tr(l, text))
        );
    }
    h.raw("</div>");
}

const DATE_HINT: Tr = (
    "例: 2026-04-01、2026/4/1、令和8年4月1日",
    "For example 2026-04-01 or 2026/4/1",
);

fn event_step(h: &mut Html, view: &View) {
    let l = view.draft.lang;
    let d = &view.draft;
    h.el("h2", "", tr(l, ("どんな届出ですか", "What happened?")));
    h.el(
        "p",
        " class=\"lead\"",
        tr(
            l,
            (
                "引っ越しやご家族が亡くなったときに必要な手続と、窓口で見せるQRコードを作ります。入力した内容はこのサーバーに保存されません。",
                "This page lists the procedures a move or a death in the family needs, and makes QR codes to show at the counter. Nothing you enter is stored on the server.",
            ),
        ),
    );
    let labels: Vec<(&str, &str)> = EventKind::ALL
        .iter()
        .map(|k| (k.as_str(), tr(l, event_choice(*k))))
        .collect();
    radios(
        h,
        view,
        "kind",
        &d.kind,
        tr(l, ("できごと", "Event")),
        &labels,
    );
    text_field(
        h,
        view,
        "date",
        &d.date,
        tr(
            l,
            (
                "その日付 (引っ越した日・引っ越す日、亡くなった日)",
                "The date (of the move, or of the death)",
            ),
        ),
        tr(l, DATE_HINT),
        " inputmode=\"numeric\" autocomplete=\"off\"",
    );
    nav(h, l, None, ("次へ", "Next"));
}

fn event_summary(h: &mut Html, d: &Draft) {
    let l = d.lang;
    let Some(kind) = d.event_kind() else {
        return;
    };
    let date = super::dates::parse_resident_date(&d.date)
        .map(|x| match l {
            Lang::Ja => format_wareki_weekday(x),
            Lang::En => format_en(x),
        })
        .unwrap_or_default();
    let _ = write!(
        h.s,
        "<p class=\"summary\"><strong>{}</strong> {}</p>",
        esc(tr(l, event_short(kind))),
        esc(&date)
    );
}

fn household_step(h: &mut Html, view: &View) {
    let l = view.draft.lang;
    let d = &view.draft;
    let kind = d.event_kind();
    h.el("h2", "", tr(l, ("住所と世帯の方", "Address and household")));
    event_summary(h, d);
    h.raw("<section class=\"card\">");
    let (prev, new): (Option<Tr>, Option<Tr>) = match kind {
        Some(EventKind::MoveIn) => (
            Some(("前の住所", "Previous address")),
            Some(("新しい住所 (この市の住所)", "New address (in this town)")),
        ),
        Some(EventKind::MoveInFromAbroad) => (
            Some((
                "海外の住所 (国名だけでも構いません)",
                "Address abroad (the country is enough)",
            )),
            Some(("新しい住所 (この市の住所)", "New address (in this town)")),
        ),
        Some(EventKind::MoveWithin) => (
            Some(("前の住所", "Previous address")),
            Some(("新しい住所", "New address")),
        ),
        Some(EventKind::MoveOut) => (
            Some(("今の住所", "Current address")),
            Some(("引っ越し先の住所", "Address you are moving to")),
        ),
        Some(EventKind::MoveOutAbroad) => (
            Some(("今の住所", "Current address")),
            Some((
                "引っ越し先の国・住所",
                "Country and address you are moving to",
            )),
        ),
        _ => (None, Some(("世帯の住所", "Address of the household"))),
    };
    let optional = tr(l, ("分かる範囲で", "As far as you know"));
    // An address in another town is read for its prefecture (後期高齢者医療 and others
    // depend on it): asking for it to start with the prefecture spares a question later.
    let with_prefecture = tr(
        l,
        (
            "都道府県から書いてください。例: 北海道北見市北五条東2丁目1番地",
            "Start with the prefecture, e.g. 北海道北見市… (Hokkaido, Kitami-shi, …)",
        ),
    );
    let (prev_hint, new_hint) = match kind {
        Some(EventKind::MoveIn) => (with_prefecture, optional),
        Some(EventKind::MoveOut) => (optional, with_prefecture),
        _ => (optional, optional),
    };
    if let Some(t) = prev {
        text_field(h, view, "prev_addr", &d.prev_addr, tr(l, t), prev_hint, "");
    }
    if let Some(t) = new {
        text_field(h, view, "new_addr", &d.new_addr, tr(l, t), new_hint, "");
    }
    if kind == Some(EventKind::MoveIn) {
        text_field(
            h,
            view,
            "planned",
            &d.planned,
            tr(
                l,
                (
                    "転出証明書に書かれた「転出予定日」",
                    "The planned move-out date on your moving-out certificate",
                ),
            ),
            tr(
                l,
                (
                    "分からなければ空欄のまま",
                    "Leave empty if you do not know it",
                ),
            ),
            " inputmode=\"numeric\"",
        );
    }
    if kind == Some(EventKind::Death) {
        text_field(
            h,
            view,
            "funeral",
            &d.funeral,
            tr(l, ("葬儀の日 (決まっていれば)", "Date of the funeral (if it is set)")),
            tr(
                l,
                (
                    "葬祭費の期限 (葬儀の翌日から2年) の計算に使います。分からなければ空欄のまま",
                    "Used for the funeral grant's deadline (2 years from the day after the funeral). Leave empty if not known",
                ),
            ),
            " inputmode=\"numeric\"",
        );
    }
    h.raw("</section>");
    h.el(
        "p",
        " class=\"lead\"",
        tr(
            l,
            match kind {
                Some(EventKind::Death) => (
                    "亡くなった方と、同じ世帯の方全員を入力してください。",
                    "Enter the person who died and everyone in the same household.",
                ),
                Some(k) if k.is_move() => (
                    "世帯の方全員を入力し、引っ越すかどうかを選んでください。",
                    "Enter everyone in the household, and say who moves.",
                ),
                _ => (
                    "世帯の方全員を入力してください。",
                    "Enter everyone in the household.",
                ),
            },
        ),
    );
    if let Some(p) = problem_for(view, "deceased") {
        let _ = write!(
            h.s,
            "<p class=\"err\" id=\"{}\">{}</p>",
            input_id("deceased"),
            esc(p.text(l))
        );
    }
    for (i, m) in d.members.iter().enumerate() {
        member_card(h, view, m, i + 1, kind);
    }
    let _ = write!(
        h.s,
        "<p><button class=\"secondary add\" name=\"go\" value=\"add\">{}</button></p>",
        esc(tr(l, ("＋ 世帯の方を追加", "+ Add a person")))
    );
    nav(h, l, Some(("back", ("戻る", "Back"))), ("次へ", "Next"));
}

fn member_card(h: &mut Html, view: &View, m: &MemberDraft, number: usize, kind: Option<EventKind>) {
    let l = view.draft.lang;
    let heading = match l {
        Lang::Ja => format!("{number}人目"),
        Lang::En => format!("Person {number}"),
    };
    let _ = write!(
        h.s,
        "<fieldset class=\"card member\" id=\"{}\"><legend>{}</legend>",
        esc(&input_id(&m.id())),
        esc(&heading)
    );
    // The name, then its kana: family and given side by side.
    let pairs = [
        [
            ("family", &m.family, ("姓", "Family name")),
            ("given", &m.given, ("名", "Given name")),
        ],
        [
            (
                "family_kana",
                &m.family_kana,
                ("セイ (フリガナ)", "Family name in kana"),
            ),
            (
                "given_kana",
                &m.given_kana,
                ("メイ (フリガナ)", "Given name in kana"),
            ),
        ],
    ];
    for pair in pairs {
        h.raw("<div class=\"pair\">");
        for (key, value, label) in pair {
            text_field(h, view, &m.field(key), value, tr(l, label), "", "");
        }
        h.raw("</div>");
    }
    text_field(
        h,
        view,
        &m.field("birth"),
        &m.birth,
        tr(l, ("生年月日", "Date of birth")),
        tr(
            l,
            (
                "例: 1980-01-01、昭和55年1月1日、S55.1.1",
                "For example 1980-01-01",
            ),
        ),
        " inputmode=\"numeric\"",
    );
    let sexes: Vec<(&str, &str)> = SEXES.iter().map(|(v, t)| (*v, tr(l, *t))).collect();
    radios(
        h,
        view,
        &m.field("sex"),
        &m.sex,
        tr(l, ("性別", "Sex")),
        &sexes,
    );
    let mut rel: Vec<(&str, &str)> = vec![("", tr(l, ("選んでください", "Choose")))];
    rel.extend(RELATIONS.iter().map(|(v, t)| (*v, tr(l, *t))));
    select(
        h,
        view,
        &m.field("relation"),
        &m.relation,
        tr(l, ("世帯主との続柄", "Relation to the head of household")),
        &rel,
    );
    let mut nats: Vec<(&str, &str)> = NATIONALITIES.iter().map(|(v, t)| (*v, tr(l, *t))).collect();
    nats.push((
        "other",
        tr(l, ("その他の国・地域", "Another country or region")),
    ));
    select(
        h,
        view,
        &m.field("nat"),
        &m.nat,
        tr(l, ("国籍", "Nationality")),
        &nats,
    );
    text_field(
        h,
        view,
        &m.field("nat_other"),
        &m.nat_other,
        tr(
            l,
            (
                "「その他」のときの国コード (2文字)",
                "If another: its two-letter code",
            ),
        ),
        tr(l, ("例: FR (フランス)", "For example FR (France)")),
        " class=\"short\" maxlength=\"2\" data-other-of=\"nat\"",
    );
    if kind.is_some_and(|k| k.is_move()) {
        let (yes, no): (Tr, Tr) = match kind {
            Some(EventKind::MoveOut | EventKind::MoveOutAbroad) => (
                ("引っ越す", "Moves"),
                ("この市に残る", "Stays in this town"),
            ),
            _ => (
                ("一緒に引っ越す", "Moves"),
                ("引っ越さない", "Does not move"),
            ),
        };
        radios(
            h,
            view,
            &m.field("moving"),
            &m.moving,
            tr(l, ("引っ越し", "Move")),
            &[("yes", tr(l, yes)), ("no", tr(l, no))],
        );
    }
    if kind == Some(EventKind::Death) {
        let checked = if view.draft.deceased == m.id() {
            " checked"
        } else {
            ""
        };
        let id = format!("{}-deceased", input_id(&m.id()));
        let _ = write!(
            h.s,
            "<label class=\"choice deceased\" for=\"{id}\"><input type=\"radio\" id=\"{id}\" name=\"deceased\"{}{checked}><span>{}</span></label>",
            attr("value", &m.id()),
            esc(tr(l, ("この方が亡くなった方です", "This is the person who died")))
        );
    }
    if view.draft.members.len() > 1 {
        let _ = write!(
            h.s,
            "<p><button class=\"link\" name=\"go\"{}>{}</button></p>",
            attr("value", &format!("remove:{}", m.id())),
            esc(tr(l, ("この方を削除", "Remove this person")))
        );
    }
    h.raw("</fieldset>");
}

/// Whose answer a choice group holds: "山田　花子さん", or the household.
fn subject(view: &View, member: Option<&str>) -> String {
    let l = view.draft.lang;
    match member.and_then(|id| view.draft.member(id)) {
        // The person who died is named as such: their questions are about the past.
        Some(m)
            if view.draft.event_kind() == Some(EventKind::Death)
                && view.draft.deceased == m.id() =>
        {
            match l {
                Lang::Ja => format!("{}さん (亡くなった方)", m.name()),
                Lang::En => format!("{} (the deceased)", m.name()),
            }
        }
        Some(m) => match l {
            Lang::Ja => format!("{}さん", m.name()),
            Lang::En => m.name(),
        },
        None => tr(l, ("世帯", "The household")).to_string(),
    }
}

/// One checklist screen of questions, as the counter asks them: the screen's rows (one
/// question each, in the set's order), each with a choice group per member it is about.
fn questions_step(h: &mut Html, view: &View, set: &ProcedureSet) {
    let l = view.draft.lang;
    let (pos, total) = view.progress;
    if total > 1 {
        let text = match l {
            Lang::Ja => format!("質問 {pos} / {total}"),
            Lang::En => format!("Questions, page {pos} of {total}"),
        };
        h.el("p", " class=\"progress\"", &text);
    }
    let label = view.screen.as_ref().map_or_else(
        || {
            tr(
                l,
                (
                    "あてはまるものを選んでください",
                    "Please answer these questions",
                ),
            )
            .to_string()
        },
        |s| match s.key.as_str() {
            // The counter's built-in screen is "answer on the screen" (turned to the
            // resident); on the resident's own page every question is, so it says what it is.
            "private" => tr(l, ("プライバシーに関わる質問", "Private questions")).to_string(),
            _ => s.label.get(l).to_string(),
        },
    );
    h.el("h2", "", &label);
    if let Some(s) = &view.screen {
        h.hidden("at", &s.key);
    }
    event_summary(h, &view.draft);
    h.el(
        "p",
        " class=\"lead\"",
        tr(
            l,
            if pos <= 1 {
                (
                    "答えによって必要な手続が変わる質問だけをお聞きします。分からないときは「分からない」を選んでください。窓口で一緒に確認します。",
                    "Only questions whose answer changes what you need to do. If you are not sure, choose \"Not sure\": the counter will check with you.",
                )
            } else {
                (
                    "分からないときは「分からない」を選んでください。",
                    "If you are not sure, choose \"Not sure\".",
                )
            },
        ),
    );
    let private =
        view.screen.as_ref().is_some_and(|s| s.resident) || view.open.iter().any(|q| q.sensitive);
    if private {
        h.el(
            "p",
            " class=\"private\"",
            tr(
                l,
                (
                    "このページの質問は、あなただけが画面で答えるものです。窓口で声に出して聞くことはありません。答えたくない質問は「答えない」を選んでください。",
                    "You answer these questions on the screen only: the counter never asks them aloud. If you prefer not to answer, choose \"Prefer not to say\".",
                ),
            ),
        );
    }
    // Rows: consecutive questions with the same fact and wording (the engine's order is the
    // screen's row order, then the members).
    let mut rows: Vec<Vec<&Question>> = vec![];
    for q in &view.open {
        match rows.last_mut() {
            Some(r) if r[0].fact == q.fact && r[0].text == q.text => r.push(q),
            _ => rows.push(vec![q]),
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let first = row[0];
        let text = match l {
            Lang::En if !first.text_en.is_empty() => &first.text_en,
            _ => &first.text,
        };
        let hid = format!("qh-{}", i + 1);
        let _ = write!(
            h.s,
            "<section class=\"card qrow{}\" aria-labelledby=\"{hid}\"><h3 id=\"{hid}\">{}</h3>",
            if first.sensitive { " sensitive" } else { "" },
            esc(text)
        );
        for q in row {
            question(h, view, set, q, &hid);
        }
        h.raw("</section>");
    }
    nav(h, l, Some(("back", ("戻る", "Back"))), ("次へ", "Next"));
}

/// The choices answering one question about one member (or the household), with what was
/// answered before checked.
fn question(h: &mut Html, view: &View, set: &ProcedureSet, q: &Question, heading: &str) {
    let l = view.draft.lang;
    let key = question_key(q.member.as_deref(), &q.fact);
    let scope = if q.member.is_some() {
        FactScope::Member
    } else {
        FactScope::Household
    };
    let Some(t) = set.vocabulary.get(scope, &q.fact) else {
        return;
    };
    let decl = set.facts.get(&(scope, q.fact.clone()));
    let id = input_id(&format!("q.{key}"));
    h.hidden("shown", &key);
    let before = view.draft.answers.get(&key).map(String::as_str);
    let skipped = view.draft.skipped.contains(&key);
    let who = subject(view, q.member.as_deref());
    let _ = write!(
        h.s,
        "<fieldset class=\"q\" id=\"{id}\" aria-labelledby=\"{heading} {id}-who\"><legend id=\"{id}-who\">{}</legend>",
        esc(&who)
    );
    let name = format!("q.{key}");
    let dont_know: Tr = if q.sensitive {
        (
            "答えない (窓口で相談する)",
            "Prefer not to say (ask at the counter)",
        )
    } else {
        ("分からない", "Not sure")
    };
    let choice = |h: &mut Html,
                  ty: &str,
                  i: usize,
                  value: &str,
                  label: &str,
                  more: &str,
                  on: bool| {
        let _ = write!(
            h.s,
            "<label class=\"choice\" for=\"{id}-{i}\"><input type=\"{ty}\" id=\"{id}-{i}\"{}{}{}><span>{}",
            attr("name", &name),
            attr("value", value),
            if on { " checked" } else { "" },
            esc(label)
        );
        if !more.is_empty() {
            let _ = write!(h.s, "<small>{}</small>", esc(more));
        }
        h.raw("</span></label>");
    };
    // A code's choice: the short answer word (「国保」), with the full phrase under it when
    // it says more (「国民健康保険に加入」).
    let code_texts = |code: &str| -> (String, String) {
        let word = decl
            .and_then(|d| d.answer_text(code))
            .map_or(code.to_string(), |t| t.get(l).to_string());
        let phrase = decl
            .and_then(|d| d.value_text(code))
            .map_or(String::new(), |t| t.get(l).to_string());
        if phrase == word {
            (word, String::new())
        } else {
            (word, phrase)
        }
    };
    match t {
        FactType::Bool => {
            choice(
                h,
                "radio",
                0,
                "yes",
                tr(l, ("はい", "Yes")),
                "",
                before == Some("yes"),
            );
            choice(
                h,
                "radio",
                1,
                "no",
                tr(l, ("いいえ", "No")),
                "",
                before == Some("no"),
            );
            choice(h, "radio", 2, "skip", tr(l, dont_know), "", skipped);
        }
        FactType::Code(values) => {
            for (i, c) in values.iter().enumerate() {
                let (word, phrase) = code_texts(c);
                choice(h, "radio", i, c, &word, &phrase, before == Some(c.as_str()));
            }
            choice(
                h,
                "radio",
                values.len(),
                "skip",
                tr(l, dont_know),
                "",
                skipped,
            );
        }
        FactType::CodeSet(values) => {
            let held: Vec<&str> = before.map_or(vec![], |v| v.split(',').collect());
            for (i, c) in values.iter().enumerate() {
                let (word, phrase) = code_texts(c);
                choice(
                    h,
                    "checkbox",
                    i,
                    c,
                    &word,
                    &phrase,
                    held.contains(&c.as_str()),
                );
            }
            choice(
                h,
                "checkbox",
                values.len(),
                "__none",
                tr(l, ("どれもあてはまらない", "None of these")),
                "",
                before == Some(""),
            );
            choice(
                h,
                "checkbox",
                values.len() + 1,
                "__skip",
                tr(l, dont_know),
                "",
                skipped,
            );
        }
        FactType::Count => {
            let _ = write!(
                h.s,
                "<label class=\"count\" for=\"{id}-n\"><input type=\"number\" id=\"{id}-n\" min=\"0\" max=\"999\" inputmode=\"numeric\"{}{}> <span>{}</span></label>",
                attr("name", &name),
                attr("value", before.unwrap_or("")),
                esc(tr(l, ("(分からなければ空欄)", "(leave empty if not sure)")))
            );
        }
    }
    h.raw("</fieldset>");
}

fn names_of(view: &View, ids: &[String]) -> String {
    let l = view.draft.lang;
    if ids.is_empty() {
        return tr(l, ("世帯", "The household")).to_string();
    }
    let names: Vec<String> = ids
        .iter()
        .map(|id| view.draft.member(id).map_or(id.clone(), |m| m.name()))
        .collect();
    names.join(tr(l, ("、", ", ")))
}

fn or_ja<'a>(en: &'a str, ja: &'a str) -> &'a str {
    if en.is_empty() {
        ja
    } else {
        en
    }
}

fn procedure_name(set: &ProcedureSet, id: &str, l: Lang) -> String {
    set.procedures
        .iter()
        .find(|p| p.id == id)
        .map_or(id.to_string(), |p| p.name.get(l).to_string())
}

fn result_step(h: &mut Html, view: &View, set: &ProcedureSet, codes: &Codes) {
    let l = view.draft.lang;
    let Some(det) = &view.det else {
        return;
    };
    h.el("h2", "", tr(l, ("必要な手続", "What you need to do")));
    event_summary(h, &view.draft);
    let counters = counter_groups(&det.procedures);
    let summary = match l {
        Lang::Ja => format!(
            "手続 {}件、窓口 {}か所。窓口では下のQRコードを見せてください。",
            det.procedures.len(),
            counters.len()
        ),
        Lang::En => format!(
            "{} procedures at {} places. Show the QR codes below at the counter.",
            det.procedures.len(),
            counters.len()
        ),
    };
    h.el("p", " class=\"lead\"", &summary);
    let _ = write!(
        h.s,
        "<p><a class=\"button\" href=\"#codes\">{}</a></p>",
        esc(tr(l, ("QRコードを表示 ↓", "Show the QR codes ↓")))
    );
    for group in &counters {
        let first = group[0];
        let (counter, section) = match l {
            Lang::Ja => (first.counter.as_str(), first.section.as_str()),
            Lang::En => (
                or_ja(&first.extra.counter_en, &first.counter),
                or_ja(&first.extra.section_en, &first.section),
            ),
        };
        h.raw("<section class=\"card counter\">");
        let _ = write!(
            h.s,
            "<h3><span class=\"place\">{}</span> {}</h3>",
            esc(counter),
            esc(section)
        );
        if first.extra.outside {
            h.el(
                "p",
                " class=\"hint\"",
                tr(
                    l,
                    ("市役所の外の窓口です。", "This is outside the city hall."),
                ),
            );
        }
        h.raw("<ul class=\"procs\">");
        for p in group {
            procedure_item(h, view, p);
        }
        h.raw("</ul></section>");
    }
    if !det.pending.is_empty() {
        h.raw("<section class=\"card pending\">").el(
            "h3",
            "",
            tr(l, ("窓口で確認すること", "To check at the counter")),
        );
        h.el(
            "p",
            " class=\"hint\"",
            tr(
                l,
                (
                    "次の手続は、答えによって必要になるかもしれません。",
                    "These may apply, depending on the answers.",
                ),
            ),
        );
        h.raw("<ul>");
        for p in &det.pending {
            let _ = write!(
                h.s,
                "<li><strong>{}</strong> — {}</li>",
                esc(&procedure_name(set, &p.id, l)),
                esc(&names_of(view, &p.members))
            );
        }
        h.raw("</ul></section>");
    }
    qr_section(h, l, codes);
    let _ = write!(
        h.s,
        "<details class=\"card\"><summary>{} ({})</summary><ul class=\"excluded\">",
        esc(tr(
            l,
            (
                "対象外と判断した手続",
                "Procedures considered that do not apply"
            )
        )),
        det.excluded.len()
    );
    for e in &det.excluded {
        let reason = match l {
            Lang::Ja => &e.reason,
            Lang::En => or_ja(&e.reason_en, &e.reason),
        };
        let _ = write!(
            h.s,
            "<li><strong>{}</strong>: {}</li>",
            esc(&procedure_name(set, &e.id, l)),
            esc(&without_ids(&view.draft, reason))
        );
    }
    h.raw("</ul></details>");
    entered(h, view);
    h.raw("<div class=\"nav edits\">");
    for (value, t) in [
        ("edit:event", ("できごとを直す", "Change the event")),
        ("edit:household", ("世帯を直す", "Change the household")),
        (
            "edit:answers",
            ("質問に答え直す", "Answer the questions again"),
        ),
    ] {
        let _ = write!(
            h.s,
            "<button class=\"secondary\" name=\"go\" value=\"{value}\">{}</button>",
            esc(tr(l, t))
        );
    }
    let _ = write!(
        h.s,
        "<a class=\"button secondary\" href=\"/?lang={}\">{}</a></div>",
        lang_code(l),
        esc(tr(
            l,
            ("入力を消して最初から", "Clear everything and start over")
        ))
    );
}

/// Consecutive procedures at the same counter (the engine orders them by counter).
fn counter_groups(procs: &[Applied]) -> Vec<Vec<&Applied>> {
    let mut out: Vec<Vec<&Applied>> = vec![];
    for p in procs {
        match out.last_mut() {
            Some(g) if g[0].counter == p.counter && g[0].section == p.section => g.push(p),
            _ => out.push(vec![p]),
        }
    }
    out
}

fn procedure_item(h: &mut Html, view: &View, p: &Applied) {
    let l = view.draft.lang;
    let en = l == Lang::En;
    let name = if en {
        or_ja(&p.extra.name_en, &p.name)
    } else {
        &p.name
    };
    h.raw("<li class=\"proc\">").el("h4", "", name);
    let label = |h: &mut Html, t: Tr, v: &str| {
        let _ = write!(
            h.s,
            "<p><span class=\"k\">{}</span> {}</p>",
            esc(tr(l, t)),
            esc(v)
        );
    };
    label(h, ("対象:", "For:"), &names_of(view, &p.members));
    let deadline = if en {
        or_ja(&p.extra.deadline_text_en, &p.deadline_text)
    } else {
        &p.deadline_text
    };
    if !deadline.is_empty() {
        h.raw("<div class=\"deadline\">");
        label(h, ("期限:", "Deadline:"), deadline);
        h.raw("</div>");
    }
    let reasons: &[String] = if en && !p.extra.reasons_en.is_empty() {
        &p.extra.reasons_en
    } else {
        &p.reasons
    };
    for r in reasons {
        label(h, ("理由:", "Why:"), &without_ids(&view.draft, r));
    }
    let bring: &[String] = if en && !p.extra.bring_en.is_empty() {
        &p.extra.bring_en
    } else {
        &p.bring
    };
    if !bring.is_empty() {
        label(h, ("持ち物:", "Bring:"), &bring.join(tr(l, ("、", ", "))));
    }
    if let Some(n) = &p.extra.note {
        label(h, ("ご注意:", "Note:"), n.get(l));
    }
    h.raw("</li>");
}

/// The engine names members "山田　太郎 (m1)" (the counter needs the id); a resident reads
/// just the name. Only the display changes, never the determination.
fn without_ids(d: &Draft, text: &str) -> String {
    let mut out = text.to_string();
    for m in &d.members {
        out = out.replace(&format!("{} ({})", m.name(), m.id()), &m.name());
    }
    out
}

fn qr_section(h: &mut Html, l: Lang, codes: &Codes) {
    h.raw("<section class=\"codes\" id=\"codes\">").el(
        "h2",
        "",
        tr(l, ("窓口で見せるQRコード", "QR codes for the counter")),
    );
    let lead = match l {
        Lang::Ja => format!(
            "窓口でこの画面を見せてください。コードは{}枚です。1枚ずつ読み取ります。",
            codes.len()
        ),
        Lang::En => format!(
            "Show this screen at the counter. There {} {} code{}; the clerk scans them one by one.",
            if codes.len() == 1 { "is" } else { "are" },
            codes.len(),
            if codes.len() == 1 { "" } else { "s" }
        ),
    };
    h.el("p", " class=\"lead\"", &lead);
    let total = codes.len();
    for (i, (_, png)) in codes.iter().enumerate() {
        let side = png_side(png);
        let b64 = base64::engine::general_purpose::STANDARD.encode(png);
        let _ = write!(
            h.s,
            "<figure class=\"qr\"><img src=\"data:image/png;base64,{b64}\" width=\"{side}\" height=\"{side}\" alt=\"{} {} / {total}\"><figcaption>{} / {total}</figcaption></figure>",
            esc(tr(l, ("QRコード", "QR code"))),
            i + 1,
            i + 1
        );
    }
    h.raw("</section>");
}

/// The width of a PNG from its IHDR (the codes are square).
fn png_side(png: &[u8]) -> u32 {
    png.get(16..20)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// What was entered, to check before going to the counter.
fn entered(h: &mut Html, view: &View) {
    let l = view.draft.lang;
    let d = &view.draft;
    let _ = write!(
        h.s,
        "<details class=\"card\"><summary>{}</summary><ul class=\"entered\">",
        esc(tr(l, ("入力した内容", "What you entered")))
    );
    for m in &d.members {
        let birth = super::dates::parse_resident_date(&m.birth)
            .map(|b| match l {
                Lang::Ja => crate::calendar::format_wareki(b),
                Lang::En => format_en(b),
            })
            .unwrap_or_default();
        let rel = RELATIONS
            .iter()
            .find(|(c, _)| *c == m.relation)
            .map_or("", |(_, t)| tr(l, *t));
        let kana = m.kana();
        let _ = write!(
            h.s,
            "<li><strong>{}</strong>{} — {}、{}</li>",
            esc(&m.name()),
            if kana.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(&kana))
            },
            esc(rel),
            esc(&birth)
        );
    }
    h.raw("</ul></details>");
}

fn footer(h: &mut Html, l: Lang, set: &ProcedureSet) {
    let m = &set.municipality;
    h.raw("<footer>");
    h.el(
        "p",
        "",
        tr(
            l,
            (
                "入力した内容はサーバーに保存されず、記録もされません。共用の端末では、終わったら「入力を消して最初から」を押してください。",
                "Nothing you enter is stored or logged on the server. On a shared device, press \"Clear everything and start over\" when you are done.",
            ),
        ),
    );
    let mut contact = m.name.get(l).to_string();
    if let Some(p) = &m.phone {
        let _ = write!(contact, " ☎ {p}");
    }
    if let Some(hours) = &m.hours {
        let _ = write!(contact, " ({})", hours.get(l));
    }
    h.el("p", "", &contact);
    let _ = write!(
        h.s,
        "<p class=\"set\">{} <span class=\"set-name\">{}</span> <code class=\"digest\">{}</code></p>",
        esc(tr(l, ("手続セット:", "Procedure set:"))),
        esc(&set.name),
        esc(&set.digest)
    );
    h.raw("</footer>");
}
