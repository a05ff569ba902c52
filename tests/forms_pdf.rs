//! The bundle checked with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm) and zbar
//! (zbarimg): bound values on the right page, fonts embedded and subset, A4 pages, a 𠮷 name
//! through a fallback font, the missing-glyph warning, and every page's QR code.
//!
//! With `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing tool is a failure, never a skip.

use madoguchi::forms::{self, fonts::Fonts, Bundle, Input, Warning};
use madoguchi::intake::{parse_intake, Intake};
use madoguchi::rules::{self, Applied, Determination, Lang, ProcKind, ProcedureSet};
use std::path::Path;
use std::process::Command;

mod pdf_support;
use pdf_support::{have, pdftotext};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
}

fn set() -> ProcedureSet {
    rules::load_embedded(Some(&forms::template_ids(None)))
        .expect("the embedded set loads")
        .0
}

fn intake(set: &ProcedureSet, path: &str) -> Intake {
    let text = std::fs::read_to_string(path).unwrap();
    parse_intake(&text, &set.vocabulary).unwrap()
}

/// The determination, plus a procedure for each of `extra` forms the set did not trigger
/// (so every template can be exercised whatever the state of the catalogue).
fn determination(i: &Intake, set: &ProcedureSet, extra: &[&str]) -> Determination {
    let mut d = rules::determine(i, set, today());
    for f in extra {
        if d.form_ids().contains(f) {
            continue;
        }
        d.procedures.push(Applied {
            id: format!("test.{f}"),
            name: format!("test {f}"),
            kind: ProcKind::Form,
            section: "市民課".into(),
            counter: "1番窓口".into(),
            members: i.subjects().iter().map(|m| m.id.clone()).collect(),
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

/// Whether a tool is there; with MADOGUCHI_REQUIRE_SERVICES=1 its absence fails the test.
fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pdftotext of one page, with U+3000 and runs of spaces folded to one space (pdftotext
/// prints the ideographic space as spaces).
fn page_text(pdf: &Path, page: usize) -> String {
    norm(&pdftotext(pdf, Some(page)))
}

fn norm(s: &str) -> String {
    s.replace('\u{3000}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of every page of the guidance sheet, joined.
fn guidance_text(b: &Bundle, pdf: &Path) -> String {
    b.manifest
        .pages
        .iter()
        .filter(|p| p.form == "guidance")
        .map(|p| page_text(pdf, p.page))
        .collect::<Vec<_>>()
        .join(" ")
}

fn write(dir: &Path, b: &Bundle) -> std::path::PathBuf {
    let p = dir.join("bundle.pdf");
    std::fs::write(&p, &b.pdf).unwrap();
    p
}

#[test]
fn bound_values_on_the_right_pages_fonts_a4_and_qr_codes() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "fixtures/intakes/move-in-family.json");
    let d = determination(&i, &set, &["juminido", "nhi"]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    if !(have("pdftotext") && have("zbarimg")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let pages = &b.manifest.pages;

    // pdfinfo: page count and A4.
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains(&format!("Pages:           {}", pages.len())),
        "{info}"
    );
    assert!(info.contains("(A4)"), "{info}");
    assert!(
        info.contains("Title:           まどぐち市 窓口案内・届出書"),
        "{info}"
    );
    assert!(
        !info.contains("山田"),
        "no personal data in the metadata: {info}"
    );

    // pdffonts: every font embedded and subset.
    let f = run("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = f.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{f}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "not embedded+subset: {r}"
        );
    }

    // The guidance sheet first.
    assert_eq!(pages[0].form, "guidance");
    let g = page_text(&pdf, 1);
    assert!(g.contains("窓口案内シート"), "{g}");
    assert!(
        g.contains("令和8年4月15日(水)"),
        "deadline in 和暦 with weekday: {g}"
    );
    assert!(g.contains("1番窓口 市民課"), "{g}");

    // 住民異動届: names with U+3000, 和暦, the address split, full-width digits kept.
    let j = pages
        .iter()
        .find(|p| p.form == "juminido")
        .expect("a juminido page");
    let t = page_text(&pdf, j.page);
    for want in [
        "住 民 異 動 届",
        "令和8年4月6日",
        "令和8年4月1日",
        "山田 太郎",
        "山田 花子",
        "山田 一郎",
        "山田 桜",
        "やまだ たろう",
        "昭和55年1月1日",
        "平成27年4月1日",
        "本町３丁目５番８号",
        "北海道",
        "北見市",
        "北五条東２丁目１番地",
        "まどぐち市",
    ] {
        assert!(t.contains(want), "page {} lacks {want:?}: {t}", j.page);
    }
    assert_eq!(j.members, ["m1", "m2", "m3", "m4"]);
    // 国保: the member the procedure is for.
    let n = pages.iter().find(|p| p.form == "nhi").expect("an nhi page");
    let t = page_text(&pdf, n.page);
    assert!(t.contains("山田 花子"), "{t}");
    assert!(n.procedures.iter().any(|p| p == "nhi.enroll"), "{n:?}");

    // Every page's QR code decodes to MDGC + case code + P + page.
    let prefix = dir.path().join("pg");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-gray",
            "-png",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), pages.len());
    for (png, entry) in pngs.iter().zip(pages) {
        let code = run("zbarimg", &["--raw", "-q", png.to_str().unwrap()]);
        assert_eq!(code.trim(), entry.code, "{}", png.display());
        assert_eq!(
            entry.code,
            format!("MDGC{}P{:02}", b.manifest.case_code, entry.page)
        );
        assert!(
            page_text(&pdf, entry.page).contains(&entry.code),
            "the code is printed under the QR"
        );
    }
}

#[test]
fn same_inputs_same_bytes() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "fixtures/intakes/move-in-family.json");
    let d = determination(&i, &set, &["juminido"]);
    let a = render(&i, &set, &d, Lang::Ja, &fonts);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(a.pdf == b.pdf, "two renders differ");
    assert_eq!(a.manifest, b.manifest);
    let code = forms::derived_case_code(&i);
    assert_eq!(code.len(), 8);
    assert!(
        code.bytes()
            .all(|c| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&c)),
        "{code}"
    );
}

#[test]
fn itaiji_through_a_fallback_font() {
    let set = set();
    let fonts = Fonts::system();
    if fonts.fallback_names().is_empty() {
        if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("no fallback font (fonts-noto-cjk) installed");
        }
        eprintln!("skipping: no fallback font");
        return;
    }
    let mut i = intake(&set, "fixtures/intakes/move-in-family.json");
    i.household.members[1].name = "𠮷田　花子".into();
    let d = determination(&i, &set, &["juminido"]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let f = run("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        f.lines().count() >= 4,
        "a second (fallback) font is embedded: {f}"
    );
    let j = b
        .manifest
        .pages
        .iter()
        .find(|p| p.form == "juminido")
        .unwrap();
    assert!(page_text(&pdf, j.page).contains("𠮷田 花子"));
}

#[test]
fn a_character_no_font_has_is_reported_with_its_field() {
    let set = set();
    let fonts = Fonts::system();
    let mut i = intake(&set, "fixtures/intakes/move-in-family.json");
    // A 外字 in the Private Use Area: no font draws it.
    i.household.members[0].name = "山田　\u{E000}郎".into();
    let d = determination(&i, &set, &["juminido"]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    let juminido = b
        .manifest
        .pages
        .iter()
        .find(|p| p.form == "juminido")
        .unwrap()
        .page;
    let hit = b.warnings.iter().find(|w| {
        matches!(w, Warning::MissingGlyph { ch: '\u{E000}', page, field, .. } if *page == juminido && field.starts_with("氏名"))
    });
    assert!(hit.is_some(), "{:?}", b.warnings);
    let msg = hit.unwrap().to_string();
    assert!(msg.contains("U+E000") && msg.contains("氏名"), "{msg}");
    assert_eq!(b.manifest.warnings, b.warnings);
}

#[test]
fn english_and_large_print_guidance() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "fixtures/intakes/move-in-family.json");
    let d = determination(&i, &set, &["juminido"]);
    let en = render(&i, &set, &d, Lang::En, &fonts);
    let (templates, _) = forms::load_templates(None, &set, &fonts).unwrap();
    let code = forms::derived_case_code(&i);
    let large = forms::render(
        &Input {
            intake: &i,
            det: &d,
            set: &set,
            templates: &templates,
            today: today(),
            case_code: &code,
            lang: Lang::Ja,
            large_print: true,
            with_guidance: true,
        },
        &fonts,
    )
    .unwrap();
    let normal = render(&i, &set, &d, Lang::Ja, &fonts);
    let guidance = |b: &Bundle| {
        b.manifest
            .pages
            .iter()
            .filter(|p| p.form == "guidance")
            .count()
    };
    assert!(guidance(&large) >= guidance(&normal));
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &en);
    let t = page_text(&pdf, 1);
    assert!(t.contains("Your procedures at city hall"), "{t}");
    assert!(t.contains("Wed 15 Apr 2026"), "{t}");
    assert!(t.contains("Counter 1"), "{t}");
}

#[test]
fn four_member_household_with_twelve_forms_is_small() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "templates/samples/move-in.json");
    let twelve = [
        "juminido",
        "mynumber-card",
        "nhi",
        "late-elderly",
        "ltc-certification",
        "pension",
        "child-allowance-claim",
        "child-medical",
        "child-rearing",
        "school",
        "disability",
        "dog",
    ];
    let d = determination(&i, &set, &twelve);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    for f in twelve {
        assert!(b.manifest.pages.iter().any(|p| p.form == f), "{f} missing");
    }
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert!(b.pdf.len() < 400 * 1024, "{} bytes", b.pdf.len());
}

#[test]
fn death_with_an_applicant_from_outside_the_household() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "fixtures/intakes/death-with-outside-applicant.json");
    let d = determination(&i, &set, &["cremation-permit", "nhi-funeral"]);
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let guidance = guidance_text(&b, &pdf);
    assert!(guidance.contains("亡くなった方: 原田 勝"), "{guidance}");
    assert!(guidance.contains("令和8年5月5日(火)"), "{guidance}");
    if d.procedures.iter().any(|p| p.extra.outside) {
        assert!(guidance.contains("市役所の外での手続き"), "{guidance}");
    }
    if !d.excluded.is_empty() {
        assert!(
            guidance.contains("確認した結果、今回は必要のない手続き"),
            "{guidance}"
        );
    }
    assert!(
        guidance.contains("お問い合わせ") && guidance.contains("0000-11-2345"),
        "{guidance}"
    );
    // The 火葬許可申請書: the deceased, the date of death and the applicant from outside.
    let c = b
        .manifest
        .pages
        .iter()
        .find(|p| p.form == "cremation-permit")
        .unwrap();
    let t = page_text(&pdf, c.page);
    for want in [
        "原田 勝",
        "令和8年5月5日",
        "原田 健一",
        "ハラダ ケンイチ",
        "東京都三鷹市野崎一丁目１番１号",
        "090-0000-0000",
        "子",
    ] {
        assert!(t.contains(want), "page {} lacks {want:?}: {t}", c.page);
    }
    // The 葬祭費: the town's amount from the set's parameters.
    let f = b
        .manifest
        .pages
        .iter()
        .find(|p| p.form == "nhi-funeral")
        .unwrap();
    let amount = set.municipality.params["nhi_funeral_amount"];
    let yen = format!("{},{:03}円", amount / 1000, amount % 1000);
    assert!(page_text(&pdf, f.page).contains(&yen), "{yen}");
}

/// The contact list at the end of the sheet: a place without a telephone number (the
/// employer's health insurance after an employee's death) is listed without an empty 「電話」.
#[test]
fn contacts_print_a_phone_only_where_there_is_one() {
    let set = set();
    let fonts = Fonts::system();
    let i = intake(&set, "procedures/tests/d-02-two-survivors.intake.json");
    let d = rules::determine(
        &i,
        &set,
        chrono::NaiveDate::from_ymd_opt(2026, 6, 12).unwrap(),
    );
    assert!(
        d.procedures.iter().any(|p| p.extra.section_key == "employer_insurance"
            || p.section == "勤務先の健康保険"),
        "the sample needs a place without a number"
    );
    let b = render(&i, &set, &d, Lang::Ja, &fonts);
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), &b);
    let guidance = guidance_text(&b, &pdf);
    let contacts = &guidance[guidance.find("お問い合わせ").expect("contacts")..];
    assert!(contacts.contains("・勤務先の健康保険"), "{contacts}");
    assert!(!contacts.contains("勤務先の健康保険 電話"), "{contacts}");
    for (n, after) in contacts.split("電話").skip(1).enumerate() {
        assert!(
            after.trim_start().starts_with(|c: char| c.is_ascii_digit()),
            "「電話」 #{n} without a number: {contacts}"
        );
    }
}
