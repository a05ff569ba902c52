//! Fallback fonts cost nothing when unused: a bundle whose every character the embedded
//! BIZ UD Gothic has never reads Noto Sans CJK JP or IPAmj明朝 (issue 13). Alone in its test
//! binary, because the fallback faces, once read, stay loaded for the process.

use madoguchi::forms::{self, fonts::Fonts, Input};
use madoguchi::intake::parse_intake;
use madoguchi::rules::{self, Lang};

#[test]
fn a_bundle_without_rare_characters_reads_no_fallback_font() {
    let set = rules::load_embedded(Some(&forms::template_ids(None)))
        .unwrap()
        .0;
    let fonts = Fonts::system();
    if fonts.fallback_names().is_empty() {
        if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("no fallback font installed: scripts/deps installs fonts-noto-cjk");
        }
        eprintln!("skipping: no fallback font on this machine");
        return;
    }
    let (templates, _) = forms::load_templates(None, &set, &fonts).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
    for (sample, lang) in [
        ("samples/move-in.json", Lang::Ja),
        ("samples/death.json", Lang::Ja),
        ("samples/head-change.json", Lang::En),
        ("samples/foreign.json", Lang::Ja),
    ] {
        let text = forms::EMBEDDED_TEMPLATES
            .get_file(sample)
            .unwrap()
            .contents_utf8()
            .unwrap();
        let intake = parse_intake(text, &set.vocabulary).unwrap();
        let det = rules::determine(&intake, &set, today);
        let code = forms::derived_case_code(&intake);
        let b = forms::render(
            &Input {
                intake: &intake,
                det: &det,
                set: &set,
                templates: &templates,
                today,
                case_code: &code,
                lang,
                large_print: false,
                with_guidance: true,
            },
            &fonts,
        )
        .unwrap();
        assert!(
            b.pdf.len() > 10_000 && b.warnings.is_empty(),
            "{sample}: {:?}",
            b.warnings
        );
        assert_eq!(
            fonts.fallbacks_loaded(),
            0,
            "{sample}: a fallback face was read for a bundle that needs none"
        );
    }
    // The same process reads one as soon as a character needs it (the counter above counts).
    let mut intake = parse_intake(
        forms::EMBEDDED_TEMPLATES
            .get_file("samples/move-in.json")
            .unwrap()
            .contents_utf8()
            .unwrap(),
        &set.vocabulary,
    )
    .unwrap();
    intake.household.members[0].name = "𠮷田　太郎".into();
    let det = rules::determine(&intake, &set, today);
    let code = forms::derived_case_code(&intake);
    forms::render(
        &Input {
            intake: &intake,
            det: &det,
            set: &set,
            templates: &templates,
            today,
            case_code: &code,
            lang: Lang::Ja,
            large_print: false,
            with_guidance: true,
        },
        &fonts,
    )
    .unwrap();
    assert_eq!(
        fonts.fallbacks_loaded(),
        1,
        "𠮷 reads exactly one fallback face"
    );
}
