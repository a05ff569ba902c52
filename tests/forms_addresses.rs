//! The right address in each box for the event (issue 13): every template that a move out,
//! a move in, a move within the town or a death can print names the address that event
//! gives it — 住所 where the person lives (the town's address until a move out takes effect),
//! 前の住所 only after a move in or within, 転出先 on a move out, neither after a death.
//! Checked on the rendered PDF, text per page (pdftotext).
//!
//! With `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing poppler is a failure, never a skip.

use madoguchi::forms::{self, fonts::Fonts, Bundle, Input};
use madoguchi::intake::{parse_intake, Intake};
use madoguchi::rules::{self, Lang, ProcedureSet};
use serde_json::json;
use std::path::Path;

mod pdf_support;
use pdf_support::{have, pdftotext};

const TOWN_ADDRESS: &str = "まどぐち市桜台４丁目２番１０号";
const MOVING_TO: &str = "大阪府堺市北区中百舌鳥町２丁目３番地";

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 5, 8).unwrap()
}

fn set() -> ProcedureSet {
    rules::load_embedded(Some(&forms::template_ids(None)))
        .expect("the embedded set loads")
        .0
}

/// pdftotext of one page with runs of ASCII spaces folded (U+3000 kept).
fn text(pdf: &Path, page: usize) -> String {
    pdftotext(pdf, Some(page))
        .split([' ', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bundle of an intake as `madoguchi print` makes it, written to a temporary folder.
fn bundle(set: &ProcedureSet, intake: serde_json::Value) -> (Bundle, tempfile::TempDir) {
    let i: Intake = parse_intake(&intake.to_string(), &set.vocabulary).expect("the intake parses");
    let fonts = Fonts::system();
    let (templates, _) = forms::load_templates(None, set, &fonts).expect("the templates check");
    let d = rules::determine(&i, set, today());
    let code = forms::derived_case_code(&i);
    let b = forms::render(
        &Input {
            intake: &i,
            det: &d,
            set,
            templates: &templates,
            today: today(),
            case_code: &code,
            lang: Lang::Ja,
            large_print: false,
            with_guidance: true,
        },
        &fonts,
    )
    .expect("the bundle renders");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bundle.pdf"), &b.pdf).unwrap();
    (b, dir)
}

/// The text of the first page of `form` (its page number in the manifest).
fn form_text(b: &Bundle, dir: &tempfile::TempDir, form: &str) -> String {
    let page = b
        .manifest
        .pages
        .iter()
        .find(|p| p.form == form)
        .unwrap_or_else(|| panic!("the bundle has no {form} page"))
        .page;
    text(&dir.path().join("bundle.pdf"), page)
}

/// A family leaving the town for Osaka: the intake gives the town address only as the
/// household's (no `previous_address`, which the spec allows on a move out). A nursery child,
/// a grandmother with 後期高齢者医療 and 要介護認定, NHI, a moped.
fn moving_out(kind: &str) -> serde_json::Value {
    json!({
      "format": "madoguchi-intake/1",
      "event": { "kind": kind, "date": "2026-05-20", "notified_on": "2026-05-08",
                 "new_address": MOVING_TO, "applicant": "a1" },
      "household": {
        "address": TOWN_ADDRESS, "head": "a1",
        "members": [
          { "id": "a1", "name": "森川　健司", "kana": "モリカワ　ケンジ", "birth_date": "1985-03-03", "sex": "male", "relation": "head",
            "facts": { "health_insurance": "nhi", "mynumber_card": true, "moped_owner": true } },
          { "id": "a2", "name": "森川　綾", "kana": "モリカワ　アヤ", "birth_date": "1987-11-21", "sex": "female", "relation": "spouse",
            "facts": { "health_insurance": "nhi", "child_allowance_recipient": true } },
          { "id": "a3", "name": "森川　蒼", "kana": "モリカワ　アオイ", "birth_date": "2023-01-15", "sex": "male", "relation": "child",
            "facts": { "health_insurance": "nhi", "childcare": "nursery" } },
          { "id": "a4", "name": "森川　トメ", "kana": "モリカワ　トメ", "birth_date": "1940-02-02", "sex": "female", "relation": "parent",
            "facts": { "health_insurance": "late_elderly", "ltc_certified": true } }
        ],
        "facts": { "dogs": 0, "public_assistance": false }
      }
    })
}

#[test]
fn on_a_move_out_the_nursery_form_has_the_town_address_and_the_new_one() {
    if !have("pdftotext") {
        return;
    }
    let set = set();
    let (b, dir) = bundle(&set, moving_out("move_out"));
    let t = form_text(&b, &dir, "nursery");
    assert!(t.contains(&format!("住所 {TOWN_ADDRESS}")), "{t}");
    assert!(t.contains(&format!("転出先 {MOVING_TO}")), "{t}");
    assert!(
        !t.contains("前の住所"),
        "no 前の住所 box on a move out: {t}"
    );

    // The same boxes on the 国保 withdrawal and the moped's 廃車 of the same bundle.
    for form in ["nhi", "moped"] {
        let t = form_text(&b, &dir, form);
        assert!(t.contains(&format!("住所 {TOWN_ADDRESS}")), "{form}: {t}");
        assert!(t.contains(&format!("転出先 {MOVING_TO}")), "{form}: {t}");
        assert!(!t.contains("前の住所"), "{form}: {t}");
    }
    // Forms with both boxes: the 転出先 as the new address, the town address as the one
    // before (never blank although the intake has no previous_address).
    for form in ["late-elderly", "ltc", "child-allowance-change"] {
        let t = form_text(&b, &dir, form);
        assert!(
            t.contains(&format!("新しい住所 {MOVING_TO}")),
            "{form}: {t}"
        );
        assert!(
            t.contains(&format!("前の住所 {TOWN_ADDRESS}")),
            "{form}: {t}"
        );
    }
}

#[test]
fn abroad_the_nursery_form_names_the_address_abroad() {
    if !have("pdftotext") {
        return;
    }
    let set = set();
    let mut i = moving_out("move_out_abroad");
    i["event"]["new_address"] = json!("アメリカ合衆国　オレゴン州ポートランド市");
    let (b, dir) = bundle(&set, i);
    let t = form_text(&b, &dir, "nursery");
    assert!(
        t.contains("転出先 アメリカ合衆国　オレゴン州ポートランド市"),
        "{t}"
    );
    assert!(t.contains(&format!("住所 {TOWN_ADDRESS}")), "{t}");
}

#[test]
fn on_a_move_in_or_within_the_boxes_name_the_new_and_the_previous_address() {
    if !have("pdftotext") {
        return;
    }
    let set = set();
    let new = "まどぐち市緑町３丁目１番２号　コーポ緑２０２";
    for (kind, previous) in [
        ("move_within", TOWN_ADDRESS),
        ("move_in", "福岡県北九州市小倉北区大手町１番１号"),
    ] {
        let mut i = moving_out(kind);
        i["event"]["previous_address"] = json!(previous);
        i["event"]["new_address"] = json!(new);
        i["household"]["address"] = json!(new);
        let (b, dir) = bundle(&set, i);
        let t = form_text(&b, &dir, "nursery");
        assert!(t.contains(&format!("住所 {new}")), "{kind}: {t}");
        assert!(t.contains(&format!("前の住所 {previous}")), "{kind}: {t}");
        assert!(!t.contains("転出先"), "{kind}: {t}");
        let t = form_text(&b, &dir, "nhi");
        assert!(t.contains(&format!("前の住所 {previous}")), "{kind}: {t}");
        // The 住民異動届 splits an address in the town written without its prefecture
        // (「まどぐち市…」) with the town's prefecture in the 都道府県 box.
        let t = form_text(&b, &dir, "juminido");
        assert!(
            t.contains("新しい住所 山形県 まどぐち市 緑町３丁目１番２号"),
            "{kind}: {t}"
        );
    }
}

#[test]
fn after_a_death_no_box_asks_for_a_previous_or_new_address() {
    if !have("pdftotext") {
        return;
    }
    let set = set();
    let i = json!({
      "format": "madoguchi-intake/1",
      "event": { "kind": "death", "date": "2026-05-02", "notified_on": "2026-05-08", "deceased": "c1", "applicant": "c2" },
      "household": {
        "address": TOWN_ADDRESS, "head": "c1",
        "members": [
          { "id": "c1", "name": "大西　正雄", "kana": "オオニシ　マサオ", "birth_date": "1940-07-07", "sex": "male", "relation": "head",
            "facts": { "health_insurance": "late_elderly", "ltc_certified": true, "dog_owner": true, "moped_owner": true } },
          { "id": "c2", "name": "大西　和子", "kana": "オオニシ　カズコ", "birth_date": "1955-03-12", "sex": "female", "relation": "spouse",
            "facts": { "health_insurance": "nhi" } }
        ],
        "facts": { "dogs": 1, "public_assistance": false, "death_notice_filed": true }
      }
    });
    let (b, dir) = bundle(&set, i);
    for form in ["late-elderly", "ltc", "moped", "dog"] {
        let t = form_text(&b, &dir, form);
        for label in [
            "前の住所",
            "新しい住所",
            "転出先",
            "前の所在地",
            "新しい所在地",
        ] {
            assert!(
                !t.contains(label),
                "{form} after a death shows {label}: {t}"
            );
        }
        assert!(t.contains(TOWN_ADDRESS), "{form}: {t}");
    }
    assert!(form_text(&b, &dir, "dog").contains(&format!("所在地 {TOWN_ADDRESS}")));
}

#[test]
fn a_long_address_written_without_a_space_puts_the_building_in_the_katagaki_box() {
    if !have("pdftotext") {
        return;
    }
    // 68 characters, as the card writes it: no space between the 番地 and the building.
    let set = set();
    let new = "山形県まどぐち市大字本町字中川原三丁目五番八号まどぐちセントラルパークタワーレジデンス・グランドイーストウイング東棟第２５階２５０３号室";
    assert_eq!(new.chars().count(), 68);
    let mut i = moving_out("move_in");
    i["event"]["previous_address"] = json!("福岡県北九州市小倉北区大手町１番１号");
    i["event"]["new_address"] = json!(new);
    i["household"]["address"] = json!(new);
    let (b, dir) = bundle(&set, i);
    assert!(
        !b.warnings
            .iter()
            .any(|w| matches!(w, forms::Warning::Overflow { .. })),
        "{:?}",
        b.warnings
    );
    let t = form_text(&b, &dir, "juminido");
    assert!(
        t.contains("新しい住所 山形県 まどぐち市 大字本町字中川原三丁目五番八号"),
        "{t}"
    );
    assert!(t.contains("まどぐちセントラルパークタワー"), "{t}");
}
