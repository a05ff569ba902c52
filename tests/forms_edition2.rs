//! Forms Edition 2 (issue 13), checked on the rendered PDF (pdftotext per page, pdftoppm
//! pixels) and on manifest.json: the right person in every role, overflow that stops
//! printing, glyphs through fallbacks and variation sequences, U+3000 in the text layer, the
//! take-home sheet that tells no sensitive negative, labels as the 住民票 prints them.
//!
//! With `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing poppler is a failure, never a skip.

use madoguchi::forms::{self, fonts::Fonts, Bundle, Input, Warning};
use madoguchi::intake::{parse_intake, Intake};
use madoguchi::rules::{self, Applied, Determination, Lang, ProcKind, ProcedureSet};
use serde_json::json;
use std::path::Path;
use std::process::Command;

mod pdf_support;
use pdf_support::{have, pdftotext};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 5, 8).unwrap()
}

fn set() -> ProcedureSet {
    rules::load_embedded(Some(&forms::template_ids(None)))
        .expect("the embedded set loads")
        .0
}

fn parse(set: &ProcedureSet, v: serde_json::Value) -> Intake {
    parse_intake(&v.to_string(), &set.vocabulary).expect("the intake parses")
}

fn file(set: &ProcedureSet, path: &str) -> Intake {
    parse_intake(&std::fs::read_to_string(path).unwrap(), &set.vocabulary).unwrap()
}

/// The determination, plus a procedure `id` using `form` for each pair the set did not
/// trigger (so every template can be exercised whatever the catalogue decides).
fn determination(i: &Intake, set: &ProcedureSet, extra: &[(&str, &str)]) -> Determination {
    let mut d = rules::determine(i, set, today());
    for (id, f) in extra {
        if d.form_ids().contains(f) {
            continue;
        }
        d.procedures.push(Applied {
            id: id.to_string(),
            name: format!("test {f}"),
            kind: ProcKind::Form,
            section: "市民課".into(),
            counter: "1番窓口".into(),
            members: vec![],
            deadline: None,
            deadline_text: "速やかに".into(),
            deadlines: vec![],
            basis: String::new(),
            reasons: vec![],
            bring: vec![],
            forms: vec![f.to_string()],
            extra: Default::default(),
        });
    }
    d
}

fn render(i: &Intake, set: &ProcedureSet, d: &Determination, lang: Lang, fonts: &Fonts) -> Bundle {
    let (templates, _) = forms::load_templates(None, set, fonts).expect("the templates check");
    let code = forms::derived_case_code(i);
    forms::render(
        &Input {
            intake: i,
            det: d,
            set,
            templates: &templates,
            today: today(),
            case_code: &code,
            lang,
            large_print: false,
            with_guidance: true,
        },
        fonts,
    )
    .expect("the bundle renders")
}

/// pdftotext of one page, as it is (U+3000 kept), lines trimmed at the right.
fn raw_text(pdf: &Path, page: usize) -> String {
    pdftotext(pdf, Some(page))
}

/// The same with runs of ASCII spaces folded (U+3000 kept).
fn text(pdf: &Path, page: usize) -> String {
    raw_text(pdf, page)
        .split([' ', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn write(dir: &Path, b: &Bundle) -> std::path::PathBuf {
    let p = dir.join("bundle.pdf");
    std::fs::write(&p, &b.pdf).unwrap();
    p
}

fn page_of<'b>(b: &'b Bundle, form: &str) -> &'b forms::render::PageEntry {
    b.manifest
        .pages
        .iter()
        .find(|p| p.form == form)
        .unwrap_or_else(|| panic!("no page for {form}"))
}

/// A death: the head dies; his wife and their adult son stay; a daughter living in another
/// prefecture reports it. The head held the water contract and NHI.
fn death_household(set: &ProcedureSet) -> Intake {
    parse(
        set,
        json!({
          "format": "madoguchi-intake/1",
          "event": { "kind": "death", "date": "2026-05-05", "notified_on": "2026-05-08", "deceased": "m1",
                     "applicant": { "name": "大森　由美", "kana": "オオモリ　ユミ", "birth_date": "1988-02-02",
                                    "address": "大阪府大阪市北区梅田一丁目１番１号", "relation_to_deceased": "長女",
                                    "phone": "090-1111-2222" } },
          "household": {
            "address": "まどぐち市本町１丁目２番３号", "head": "m1",
            "members": [
              { "id": "m1", "name": "原田　勝", "kana": "ハラダ　マサル", "birth_date": "1958-03-03", "sex": "male", "relation": "head",
                "facts": { "health_insurance": "nhi", "water_contract_holder": true, "child_allowance_recipient": false } },
              { "id": "m2", "name": "原田　信子", "kana": "ハラダ　ノブコ", "birth_date": "1960-06-06", "sex": "female", "relation": "spouse",
                "facts": { "health_insurance": "nhi", "pregnant": false, "disability_certificate": [] } },
              { "id": "m3", "name": "原田　翔", "kana": "ハラダ　ショウ", "birth_date": "1992-09-09", "sex": "male", "relation": "child",
                "facts": { "health_insurance": "nhi" } }
            ],
            "facts": { "public_assistance": false, "dogs": 0 }
          }
        }),
    )
}

#[test]
fn the_right_person_in_every_role_after_a_death() {
    let set = set();
    let fonts = Fonts::system();
    let i = death_household(&set);
    let d = determination(
        &i,
        &set,
        &[("nhi.withdraw", "nhi"), ("water.name_change", "water")],
    );
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    // 水道: the new user is a remaining member, never the daughter in 大阪府.
    let water = page_of(&b, "water");
    assert_eq!(water.roles["new_user"], json!("m2"), "{:?}", water.roles);
    assert_eq!(water.roles["signer"], json!("m2"));
    // 国保 after the death: signed by the new head, never the deceased.
    let nhi = page_of(&b, "nhi");
    assert_eq!(nhi.roles["head"], json!("m2"), "{:?}", nhi.roles);
    assert_eq!(nhi.roles["signer"], json!("m2"));
    for p in b.manifest.pages.iter().filter(|p| p.form != "guidance") {
        assert_ne!(
            p.roles.get("signer"),
            Some(&json!("m1")),
            "page {} ({}) asks the deceased to sign",
            p.page,
            p.form
        );
    }
    // The manifest on disk carries the roles.
    let m: serde_json::Value = serde_json::from_str(&b.manifest.to_json_pretty()).unwrap();
    assert!(m["pages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["roles"]["new_user"] == json!("m2")));
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, water.page);
    assert!(t.contains("原田　信子"), "{t}");
    assert!(
        !t.contains("大森"),
        "the daughter elsewhere is not the new user: {t}"
    );
    let t = text(&pdf, nhi.page);
    assert!(t.contains("原田　信子"), "{t}");
}

#[test]
fn the_child_allowance_claimant_is_the_recipient_spouse() {
    let set = set();
    let fonts = Fonts::system();
    let i = file(&set, "templates/samples/move-in.json");
    let d = determination(
        &i,
        &set,
        &[("child_allowance.claim", "child-allowance-claim")],
    );
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let p = page_of(&b, "child-allowance-claim");
    // 見本 花子 (m2) is the recipient; the 届出人 is 見本 太郎 (m1).
    assert_eq!(p.roles["claimant"], json!("m2"), "{:?}", p.roles);
    assert_eq!(p.roles["signer"], json!("m2"));
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, p.page);
    assert!(t.contains("見本　花子"), "{t}");
    assert!(
        !t.contains("見本　太郎"),
        "the 届出人 is not the claimant: {t}"
    );
}

#[test]
fn the_loss_of_the_child_rearing_allowance_names_the_deceased_recipient_and_the_notifier() {
    // A single mother who received 児童扶養手当 dies; her mother (the head) raises the child
    // and files the loss. 受給者 is the deceased; the notifier and signer is the grandmother.
    let set = set();
    let fonts = Fonts::system();
    let i = parse(
        &set,
        json!({
          "format": "madoguchi-intake/1",
          "event": { "kind": "death", "date": "2026-05-01", "notified_on": "2026-05-08", "deceased": "m2",
                     "applicant": "m1" },
          "household": {
            "address": "まどぐち市栄町２丁目３番４号", "head": "m1",
            "members": [
              { "id": "m1", "name": "石川　和江", "kana": "イシカワ　カズエ", "birth_date": "1962-04-04", "sex": "female", "relation": "head",
                "facts": { "health_insurance": "nhi" } },
              { "id": "m2", "name": "石川　真理", "kana": "イシカワ　マリ", "birth_date": "1991-07-07", "sex": "female", "relation": "child",
                "facts": { "health_insurance": "nhi", "child_rearing_allowance_recipient": true } },
              { "id": "m3", "name": "石川　蒼", "kana": "イシカワ　アオイ", "birth_date": "2017-10-10", "sex": "male", "relation": "grandchild",
                "facts": { "health_insurance": "nhi" } }
            ]
          }
        }),
    );
    let d = determination(
        &i,
        &set,
        &[("child_rearing_allowance.loss", "child-rearing-loss")],
    );
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let p = page_of(&b, "child-rearing-loss");
    assert_eq!(p.roles["recipient"], json!("m2"), "{:?}", p.roles);
    assert_eq!(p.roles["signer"], json!("m1"), "{:?}", p.roles);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, p.page);
    let recipient = t.find("受給者").expect("the 受給者 heading");
    let notifier = t.find("届出人").expect("the 届出人 heading");
    assert!(
        t[recipient..notifier].contains("石川　真理"),
        "受給者 is the deceased: {t}"
    );
    assert!(
        t[notifier..].contains("石川　和江"),
        "the grandmother files it: {t}"
    );
    assert!(
        t[recipient..notifier].contains("石川　蒼"),
        "the child is listed: {t}"
    );
}

#[test]
fn long_values_wrap_and_values_that_cannot_fit_stop_printing() {
    let set = set();
    let fonts = Fonts::system();
    // A realistic 68-character address with a building name.
    let addr = "まどぐち市本町三丁目五番八号　まどぐちグランドレジデンス本町三丁目東館イーストウィング棟北側エレベーターホール前南側通路の奥１２０１号室";
    assert!(addr.chars().count() >= 68);
    let mut i = file(&set, "templates/samples/move-in.json");
    i.event.new_address = Some(addr.into());
    i.household.address = Some(addr.into());
    let d = determination(&i, &set, &[("resident.move_in", "juminido")]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(
        !b.warnings
            .iter()
            .any(|w| matches!(w, Warning::Overflow { .. })),
        "{:?}",
        b.warnings
    );
    if have("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let pdf = write(dir.path(), &b);
        let j = page_of(&b, "juminido");
        let t: String = raw_text(&pdf, j.page)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(
            t.contains("奥１２０１号室"),
            "the end of the address prints: {t}"
        );
    }

    // Three times that does not fit at 7 pt: a warning naming the form, page and field, and
    // `madoguchi print --printer` refuses until --accept-overflow.
    let huge = addr.repeat(3);
    i.event.new_address = Some(huge.clone());
    i.household.address = Some(huge);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let j = page_of(&b, "juminido").page;
    let w = b
        .warnings
        .iter()
        .find(|w| matches!(w, Warning::Overflow { page, form, .. } if *page == j && form == "juminido"))
        .unwrap_or_else(|| panic!("{:?}", b.warnings));
    let msg = w.to_string();
    assert!(
        msg.contains(&format!("{j}ページ")) && msg.contains("juminido") && msg.contains("「"),
        "{msg}"
    );

    let dir = tempfile::tempdir().unwrap();
    let intake_path = dir.path().join("case.json");
    std::fs::write(&intake_path, i.to_json()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["--today", "2026-04-06", "print", "--no-record", "--intake"])
        .arg(&intake_path)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(["--printer", "no-such-queue-for-overflow"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--accept-overflow"), "{err}");
    assert!(
        dir.path().join("out/bundle.pdf").exists(),
        "the bundle is kept"
    );
}

#[test]
fn u3000_variation_sequences_and_jis_x_0213_in_the_text_layer() {
    let set = set();
    let fonts = Fonts::system();
    if fonts.fallback_names().is_empty() {
        if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("no fallback font: scripts/deps installs fonts-noto-cjk");
        }
        return;
    }
    let mut i = file(&set, "templates/samples/move-in.json");
    i.household.members[1].name = "葛\u{E0100}西　花子".into();
    i.household.members[2].name = "𠮷田　一郎".into();
    let d = determination(&i, &set, &[("resident.move_in", "juminido")]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, page_of(&b, "juminido").page);
    assert!(t.contains("見本\u{3000}太郎"), "U+3000 kept: {t}");
    assert!(
        t.contains("葛\u{E0100}西\u{3000}花子"),
        "the sequence kept: {t}"
    );
    assert!(t.contains("𠮷田\u{3000}一郎"), "{t}");
    // The variant is another glyph than the plain 葛: the pixels differ.
    let mut plain = i.clone();
    plain.household.members[1].name = "葛西　花子".into();
    let bp = render(&plain, &set, &d, Lang::Ja, &fonts);
    let dir2 = tempfile::tempdir().unwrap();
    let pdf2 = write(dir2.path(), &bp);
    let png = |pdf: &Path, out: &Path| {
        let p = page_of(&b, "juminido").page.to_string();
        let st = Command::new("pdftoppm")
            .args(["-r", "150", "-f", &p, "-l", &p, "-gray", "-singlefile"])
            .arg(pdf)
            .arg(out)
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::read(out.with_extension("pgm")).unwrap()
    };
    let a = png(&pdf, &dir.path().join("a"));
    let c = png(&pdf2, &dir2.path().join("c"));
    assert_ne!(a, c, "葛󠄀 is drawn with its variant glyph");
}

#[test]
fn the_take_home_sheet_tells_no_sensitive_negative_and_no_internal_id() {
    let set = set();
    let fonts = Fonts::system();
    let i = death_household(&set);
    let d = determination(&i, &set, &[]);
    assert!(!d.excluded.is_empty());
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let pages: Vec<usize> = b
        .manifest
        .pages
        .iter()
        .filter(|p| p.form == "guidance")
        .map(|p| p.page)
        .collect();
    let raw: String = pages.iter().map(|&p| raw_text(&pdf, p)).collect();
    for bad in [
        "妊娠していない",
        "受給していない",
        "障害者手帳: なし",
        "(m1)",
        "(m2)",
        "(m3)",
        "妻/夫",
    ] {
        assert!(!raw.contains(bad), "the sheet prints {bad:?}:\n{raw}");
    }
    // The not-applicable section is short: fewer lines than the to-do list.
    let flat = raw.replace('\n', "\u{1}");
    let todo_start = flat.find("市役所での手続き").unwrap();
    let na_start = flat.find("確認した結果、今回は必要のない手続き").unwrap();
    let na_end = flat.find("お問い合わせ").unwrap();
    let lines = |a: usize, b: usize| {
        flat[a..b]
            .split('\u{1}')
            .filter(|l| !l.trim().is_empty())
            .count()
    };
    let todo_end = flat[todo_start..]
        .find("確認が必要な手続き")
        .map_or(na_start, |k| todo_start + k)
        .min(na_start);
    assert!(
        lines(na_start, na_end) < lines(todo_start, todo_end),
        "{raw}"
    );
    // 禁則: no opening bracket at a line end, no 。 at a line start.
    for l in raw.lines() {
        let l = l.trim();
        assert!(
            !l.ends_with('（') && !l.starts_with('。') && !l.starts_with('、'),
            "{l:?}"
        );
    }
    // The members are named: the spouse is 妻 as on the 住民票.
    assert!(raw.contains("原田　信子（妻"), "{raw}");
}

#[test]
fn nationality_and_relation_as_the_juminhyo_prints_them() {
    let set = set();
    let fonts = Fonts::system();
    let mut i = file(&set, "templates/samples/move-in.json");
    i.household.members[1].nationality = "PH".into();
    let d = determination(&i, &set, &[("resident.move_in", "juminido")]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, page_of(&b, "juminido").page);
    assert!(t.contains("フィリピン"), "{t}");
    assert!(!t.contains(" PH "), "{t}");
    assert!(t.contains("妻") && t.contains("母"), "{t}");
    assert!(!t.contains("妻/夫") && !t.contains("父/母"), "{t}");
}

// --- Edition 2, second part: the standard 様式, 世帯主変更, English, the マイナンバーカード box.

/// The templates as the bundle uses them.
fn templates(set: &ProcedureSet, fonts: &Fonts) -> forms::Templates {
    forms::load_templates(None, set, fonts)
        .expect("the templates check")
        .0
}

/// Where a check box of a template is (its label), in mm.
fn check_box(t: &forms::Template, label: &str) -> forms::template::Area {
    t.elements
        .iter()
        .find(|e| matches!(&e.kind, forms::template::Kind::Check { label: l, .. } if l == label))
        .map(|e| forms::template::Area {
            w: forms::template::CHECK_BOX,
            h: forms::template::CHECK_BOX,
            ..e.area
        })
        .unwrap_or_else(|| panic!("{} has no check {label:?}", t.id))
}

/// The share of dark pixels inside a box (inset from its border) on a rendered page.
fn ink(pdf: &Path, page: usize, a: forms::template::Area) -> f32 {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let p = page.to_string();
    let st = Command::new("pdftoppm")
        .args(["-r", "150", "-f", &p, "-l", &p, "-gray", "-singlefile"])
        .arg(pdf)
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(out.with_extension("pgm")).unwrap();
    // P5 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = vec![];
    let mut k = 0;
    while fields.len() < 4 {
        while bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        let start = k;
        while !bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..k]).into_owned());
    }
    let data = &bytes[k + 1..];
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let px = |mm: f32| (mm / 25.4 * 150.0).round() as usize;
    let inset = 0.9;
    let (x0, x1) = (px(a.x + inset), px(a.x + a.w - inset));
    let (y0, y1) = (px(a.y + inset), px(a.y + a.h - inset));
    let (mut dark, mut all) = (0, 0);
    for y in y0..y1.min(h) {
        for x in x0..x1.min(w) {
            all += 1;
            if data[y * w + x] < 128 {
                dark += 1;
            }
        }
    }
    dark as f32 / all.max(1) as f32
}

fn ticked(pdf: &Path, page: usize, t: &forms::Template, label: &str) -> bool {
    ink(pdf, page, check_box(t, label)) > 0.04
}

fn pages_of<'b>(b: &'b Bundle, form: &str) -> Vec<&'b forms::render::PageEntry> {
    b.manifest.pages.iter().filter(|p| p.form == form).collect()
}

#[test]
fn the_juminido_has_the_standard_fields_for_a_foreign_resident_and_a_japanese_national() {
    let set = set();
    let fonts = Fonts::system();
    let i = file(&set, "templates/samples/foreign.json");
    let d = determination(&i, &set, &[("resident.move_in", "juminido")]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let j = page_of(&b, "juminido");
    assert_eq!(j.members, vec!["m1", "m2", "m3"]);
    assert_eq!(j.roles["applicant"], json!("m2"), "{:?}", j.roles);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, j.page);
    for want in [
        // 本籍・筆頭者 of the Japanese members
        "本籍",
        "筆頭者",
        "北海道北見市北五条東２丁目１番地",
        // the foreign resident: 国籍・地域, 在留資格, 在留期間, 在留カード等の番号, 第30条の45 区分
        "SANTOS MARIA CLARA",
        "フィリピン",
        "日本人の配偶者等",
        "令和10年6月30日",
        "AB12345678CD",
        "中長期在留者",
        "在留カード等の番号",
        "法第30条の45の区分",
        // nothing may be added below the last member
        "以下余白",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    assert!(!t.contains(" PH "), "{t}");
    // One sheet only: no sheet count.
    assert!(!t.contains("枚のうち"), "{t}");
    // 届出人の資格: 世帯員 ticked, the others not; no 委任状 box for a household member.
    let tpl = &templates(&set, &fonts)["juminido"];
    if !have("pdftoppm") {
        return;
    }
    assert!(ticked(&pdf, j.page, tpl, "世帯員"));
    for other in ["本人", "世帯主", "代理人"] {
        assert!(!ticked(&pdf, j.page, tpl, other), "{other} is ticked");
    }
    assert!(!t.contains("委任状"), "{t}");
    assert!(ticked(&pdf, j.page, tpl, "転入"));
    assert!(!ticked(&pdf, j.page, tpl, "転居"));
}

#[test]
fn an_agent_gets_the_power_of_attorney_box_and_members_continue_on_numbered_sheets() {
    let set = set();
    let fonts = Fonts::system();
    let mut i = file(&set, "templates/samples/move-in.json");
    // Six movers: the table holds four per sheet.
    for (k, name) in ["見本　二郎", "見本　三郎"].iter().enumerate() {
        let mut m = i.household.members[2].clone();
        m.id = format!("m{}", 5 + k);
        m.name = name.to_string();
        i.household.members.push(m);
    }
    i.event.applicant = Some(madoguchi::intake::Applicant::Person(
        madoguchi::intake::OutsidePerson {
            name: "代理　花子".into(),
            kana: None,
            birth_date: None,
            address: Some("東京都三鷹市野崎一丁目１番１号".into()),
            relation_to_deceased: None,
            phone: None,
        },
    ));
    i.event.applicant_capacity = None; // derived: someone from outside is an agent
    let d = determination(&i, &set, &[("resident.move_in", "juminido")]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let sheets = pages_of(&b, "juminido");
    assert_eq!(sheets.len(), 2, "{:?}", b.manifest.pages);
    assert_eq!(sheets[0].members.len(), 4);
    assert_eq!(sheets[1].members.len(), 2);
    if !have("pdftotext") || !have("pdftoppm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let (t1, t2) = (text(&pdf, sheets[0].page), text(&pdf, sheets[1].page));
    assert!(t1.contains("2枚のうち1枚目"), "{t1}");
    assert!(t2.contains("2枚のうち2枚目"), "{t2}");
    // 以下余白 only where the list ends.
    assert!(!t1.contains("以下余白"), "{t1}");
    assert!(t2.contains("以下余白"), "{t2}");
    let tpl = &templates(&set, &fonts)["juminido"];
    for p in [sheets[0].page, sheets[1].page] {
        let t = text(&pdf, p);
        assert!(t.contains("代理　花子") && t.contains("委任状"), "{t}");
        assert!(ticked(&pdf, p, tpl, "代理人"));
        assert!(!ticked(&pdf, p, tpl, "委任状 確認"), "the clerk ticks it");
    }
}

/// The head dies; his wife and their adult son remain (two adults: a 世帯主変更).
fn head_dies_two_adults_remain(set: &ProcedureSet) -> Intake {
    parse(
        set,
        json!({
          "format": "madoguchi-intake/1",
          "event": { "kind": "death", "date": "2026-05-05", "notified_on": "2026-05-08", "deceased": "m1",
                     "applicant": "m3" },
          "household": {
            "address": "まどぐち市本町１丁目２番３号", "head": "m1",
            "members": [
              { "id": "m1", "name": "原田　勝", "kana": "ハラダ　マサル", "birth_date": "1958-03-03", "sex": "male", "relation": "head",
                "facts": { "health_insurance": "nhi" } },
              { "id": "m2", "name": "原田　信子", "kana": "ハラダ　ノブコ", "birth_date": "1960-06-06", "sex": "female", "relation": "spouse",
                "facts": { "health_insurance": "nhi" } },
              { "id": "m3", "name": "原田　翔", "kana": "ハラダ　ショウ", "birth_date": "1992-09-09", "sex": "male", "relation": "child",
                "facts": { "health_insurance": "nhi" } }
            ],
            "facts": { "public_assistance": false, "dogs": 0, "death_notice_filed": true }
          }
        }),
    )
}

#[test]
fn after_the_head_dies_the_head_change_names_old_and_new_head_and_the_new_relations() {
    let set = set();
    let fonts = Fonts::system();
    let i = head_dies_two_adults_remain(&set);
    let d = rules::determine(&i, &set, today());
    assert!(d.procedures.iter().any(|p| p.id == "resident.head_change"));
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    // Never the deceased as the only 異動者 of a 住民異動届 with no box ticked.
    for p in b
        .manifest
        .pages
        .iter()
        .filter(|p| p.form.starts_with("juminido"))
    {
        assert_ne!(p.members, vec!["m1".to_string()], "{p:?}");
    }
    let hc = page_of(&b, "juminido-head-change");
    assert_eq!(hc.roles["old_head"], json!("m1"), "{:?}", hc.roles);
    assert_eq!(hc.roles["new_head"], json!("m2"), "the wife, not the son");
    assert_eq!(hc.roles["signer"], json!("m3"), "the son files it");
    assert_eq!(hc.members, vec!["m2", "m3"]);
    if !have("pdftotext") || !have("pdftoppm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, hc.page);
    assert!(t.contains("新しい世帯主 原田　信子"), "{t}");
    assert!(t.contains("旧世帯主 原田　勝"), "{t}");
    assert!(t.contains("死亡"), "{t}");
    // The son stays 子 of the new head; the wife becomes 世帯主 (before: 妻).
    let row = |name: &str| {
        t.split(name)
            .nth(1)
            .unwrap_or_else(|| panic!("{name} not listed: {t}"))
            .chars()
            .take(40)
            .collect::<String>()
    };
    assert!(row("原田　信子 昭和").contains("妻 世帯主"), "{t}");
    assert!(row("原田　翔 平成").contains("子 子"), "{t}");
    let tpl = &templates(&set, &fonts)["juminido-head-change"];
    assert!(ticked(&pdf, hc.page, tpl, "世帯主変更"));
}

#[test]
fn the_head_moving_out_gives_a_move_out_for_the_movers_and_a_head_change_for_those_who_stay() {
    let set = set();
    let fonts = Fonts::system();
    let mut i = head_dies_two_adults_remain(&set);
    i.event.kind = madoguchi::intake::EventKind::MoveOut;
    i.event.deceased = None;
    i.event.applicant = Some(madoguchi::intake::Applicant::Member("m1".into()));
    i.event.previous_address = Some("まどぐち市本町１丁目２番３号".into());
    i.event.new_address = Some("大阪府大阪市北区梅田一丁目１番１号".into());
    for m in &mut i.household.members {
        m.moving = m.id == "m1";
    }
    // The son becomes the head (the intake says so).
    i.household.members[2].new_relation = Some(madoguchi::intake::Relation::Head);
    let d = rules::determine(&i, &set, today());
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let mv = page_of(&b, "juminido");
    assert_eq!(mv.members, vec!["m1"]);
    let hc = page_of(&b, "juminido-head-change");
    assert_eq!(hc.members, vec!["m2", "m3"]);
    assert_eq!(hc.roles["new_head"], json!("m3"));
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let t = text(&pdf, hc.page);
    // The mother of the new head: 妻 before, 母 after.
    assert!(t.contains("新しい世帯主 原田　翔"), "{t}");
    assert!(t.contains("妻 母"), "{t}");
    // The 転出届 shows the head as 世帯主 of the movers, at the 転出先.
    let t = text(&pdf, mv.page);
    assert!(t.contains("梅田一丁目１番１号"), "{t}");
    assert!(t.contains("原田　勝 昭和33年3月3日 男 世帯主"), "{t}");
}

#[test]
fn the_my_number_card_box_follows_the_event() {
    let set = set();
    let fonts = Fonts::system();
    if !have("pdftoppm") {
        return;
    }
    let tpl = templates(&set, &fonts)["mynumber-card"].clone();
    for (kind, want) in [
        (madoguchi::intake::EventKind::MoveIn, "継続利用（転入）"),
        (
            madoguchi::intake::EventKind::MoveInFromAbroad,
            "継続利用（国外からの転入）",
        ),
        (
            madoguchi::intake::EventKind::MoveWithin,
            "券面記載事項変更（転居）",
        ),
    ] {
        let mut i = file(&set, "templates/samples/move-in.json");
        i.event.kind = kind;
        let d = determination(&i, &set, &[("mynumber.card_update", "mynumber-card")]);
        let b = render(&i, &set, &d, Lang::Ja, &fonts);
        let p = page_of(&b, "mynumber-card").page;
        let dir = tempfile::tempdir().unwrap();
        let pdf = write(dir.path(), &b);
        for label in [
            "継続利用（転入）",
            "継続利用（国外からの転入）",
            "券面記載事項変更（転居）",
        ] {
            assert_eq!(
                ticked(&pdf, p, &tpl, label),
                label == want,
                "{kind:?}: {label}"
            );
        }
    }
}

#[test]
fn in_english_every_form_page_carries_its_english_title_and_captions() {
    let set = set();
    let fonts = Fonts::system();
    let tpls = templates(&set, &fonts);
    // Every template once, with the move-in household (and the death household for forms
    // that need a deceased).
    for sample in [
        "templates/samples/move-in.json",
        "templates/samples/death.json",
    ] {
        let i = file(&set, sample);
        let extra: Vec<(String, String)> = tpls
            .keys()
            .map(|id| (format!("test.{id}"), id.clone()))
            .collect();
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let d = determination(&i, &set, &extra);
        let b = render(&i, &set, &d, Lang::En, &fonts);
        if !have("pdftotext") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let pdf = write(dir.path(), &b);
        for p in b.manifest.pages.iter().filter(|p| p.form != "guidance") {
            let t = text(&pdf, p.page);
            let title_en = tpls[&p.form]
                .title_en
                .clone()
                .expect("every form has title_en");
            let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words(&t).contains(&words(&title_en)),
                "page {} ({}) lacks {title_en:?}:\n{t}",
                p.page,
                p.form
            );
            let squeezed: String = t.chars().filter(|c| *c != ' ').collect();
            assert!(
                squeezed.contains(&tpls[&p.form].title.replace(' ', "")),
                "{t}"
            );
            // Captions in both languages, beside each other.
            assert!(t.contains("Filed on") || t.contains("To: the Mayor"), "{t}");
            assert!(
                t.contains("Signature") || t.contains("Signed by"),
                "{}: {t}",
                p.form
            );
        }
        // The English is set in the proportional Latin face.
        let out = Command::new("pdffonts").arg(&pdf).output().unwrap();
        let f = String::from_utf8_lossy(&out.stdout);
        assert!(f.contains("BIZUDPGothic"), "{f}");
    }
}

#[test]
fn person_boxes_name_a_role_not_whoever_is_the_applicant() {
    // The 届出人 of a notice anyone of the household may file is the applicant; every other
    // person box names the role the law gives it (claimant, owner, successor, heir, guardian,
    // the person themselves).
    const FILED_BY_WHOEVER_COMES: &[&str] =
        &["juminido", "juminido-head-change", "cremation-permit"];
    for f in forms::template_files(None).unwrap() {
        if FILED_BY_WHOEVER_COMES.contains(&f.id.as_str()) {
            continue;
        }
        for (n, line) in f.text.lines().enumerate() {
            assert!(
                !line.contains("\"applicant.") && !line.contains("{applicant."),
                "{}:{}: a person box bound to the applicant: {line}",
                f.path,
                n + 1
            );
        }
    }
}

#[test]
fn an_open_question_is_printed_once_with_every_member_it_is_asked_about() {
    // Three adults moving in, nobody has said whether they have a 印鑑登録: one line naming
    // the three, not the same question three times; what was checked for every member says
    // 世帯全員 instead of every name again.
    let set = set();
    let fonts = Fonts::system();
    let adult = |id: &str, name: &str, born: &str, sex: &str, rel: &str| {
        json!({ "id": id, "name": name, "birth_date": born, "sex": sex, "relation": rel,
                "facts": { "health_insurance": "employee", "mynumber_card": true } })
    };
    let i = parse(
        &set,
        json!({
          "format": "madoguchi-intake/1",
          "event": { "kind": "move_in", "date": "2026-05-01", "notified_on": "2026-05-08",
                     "previous_address": "宮城県仙台市青葉区一番町１丁目１番１号", "new_address": "まどぐち市本町２丁目２番２号" },
          "household": { "address": "まどぐち市本町２丁目２番２号", "head": "p1",
            "members": [ adult("p1", "杉本　亮", "1970-01-10", "male", "head"),
                         adult("p2", "杉本　恵", "1972-02-20", "female", "spouse"),
                         adult("p3", "杉本　光", "2000-03-30", "female", "child") ],
            "facts": { "dogs": 0 } }
        }),
    );
    let d = determination(&i, &set, &[]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let sheet: String = b
        .manifest
        .pages
        .iter()
        .filter(|p| p.form == "guidance")
        .map(|p| text(&pdf, p.page))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        sheet.contains("杉本　亮・杉本　恵・杉本　光: 印鑑登録をしていますか"),
        "{sheet}"
    );
    assert_eq!(
        sheet.matches("印鑑登録をしていますか").count(),
        1,
        "{sheet}"
    );
    assert!(sheet.contains("（世帯全員）"), "{sheet}");
}
