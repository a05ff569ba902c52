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

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("{tool} is required (MADOGUCHI_REQUIRE_SERVICES=1): install poppler-utils");
        }
        eprintln!("skipping: {tool} is not installed");
    }
    ok
}

/// pdftotext of one page, as it is (U+3000 kept), lines trimmed at the right.
fn raw_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    let out = Command::new("pdftotext")
        .args(["-f", &p, "-l", &p, "-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
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
