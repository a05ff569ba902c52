//! `madoguchi templates check`: the shipped templates pass, and each kind of mistake a
//! supervisor can make is an error at file:line:column with a hint.

use madoguchi::forms::{self, fonts::Fonts, template::TemplateFile};
use madoguchi::rules::{self, Diagnostic};

fn check(id: &str, text: &str) -> Vec<Diagnostic> {
    let set = rules::load_embedded(Some(&forms::template_ids(None)))
        .unwrap()
        .0;
    let fonts = Fonts::embedded_only();
    let measure = |s: &str, size: f32, face: usize| fonts.width_mm(face, s, size);
    let mut env = forms::check_env(&set, &measure);
    // As if the set used every catalogue form (the catalogue may still be growing).
    env.used_forms.extend(
        forms::template::CATALOGUE_FORMS
            .iter()
            .map(|s| s.to_string()),
    );
    let file = TemplateFile {
        path: format!("templates/{id}.toml"),
        id: id.into(),
        text: text.into(),
    };
    forms::template::load(&[file], &env).1
}

fn errors(d: &[Diagnostic]) -> Vec<String> {
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.location(), d.message))
        .collect()
}

const HEAD: &str = "[form]\ntitle = \"テスト\"\nper = \"household\"\n";
const FOOT: &str =
    "[signature]\nat = [10, 205]\nsize = [190, 28]\n[office]\nat = [10, 240]\nsize = [160, 37]\n";

fn with(body: &str) -> String {
    format!("{HEAD}{body}{FOOT}")
}

#[test]
fn shipped_templates_pass() {
    let set = rules::load_embedded(Some(&forms::template_ids(None)))
        .unwrap()
        .0;
    let fonts = Fonts::embedded_only();
    let (t, diags) = forms::load_templates(None, &set, &fonts)
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>()));
    for id in forms::template::CATALOGUE_FORMS {
        assert!(t.contains_key(*id), "no template for {id}");
    }
    assert!(diags.iter().all(|d| !d.is_error()));
    // Only form files count as templates (fonts/ and samples/ are not forms).
    let ids = forms::template_ids(None);
    assert_eq!(ids.len(), forms::template::CATALOGUE_FORMS.len(), "{ids:?}");
    // And the folder on disk is the same as the embedded one.
    let on_disk = forms::template_ids(Some(std::path::Path::new("templates")));
    assert_eq!(ids, on_disk);
}

#[test]
fn unknown_value_with_location_and_hint() {
    let d = check(
        "nhi",
        &with("[[field]]\nlabel = \"世帯主\"\nlabel_en = \"Head\"\nat = [10, 40]\nsize = [90, 10]\nvalue = \"head.nmae\"\n"),
    );
    let e = errors(&d);
    assert_eq!(
        e,
        ["templates/nhi.toml:9:10 unknown value `head.nmae`"],
        "{d:?}"
    );
    let text = d[0].to_string();
    assert!(text.contains("did you mean `head.name`?"), "{text}");
    assert!(text.contains("^^^^^^^^^"), "{text}");
}

#[test]
fn member_value_on_a_household_form() {
    let e = errors(&check(
        "nhi",
        &with("[[field]]\nat = [10, 40]\nsize = [90, 10]\nvalue = \"member.name\"\n"),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("needs a member"), "{e:?}");
}

#[test]
fn field_outside_the_page() {
    let e = errors(&check(
        "nhi",
        &with(
            "[[field]]\nlabel = \"氏名\"\nlabel_en = \"Name\"\nat = [150, 40]\nsize = [90, 10]\nvalue = \"head.name\"\n",
        ),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("templates/nhi.toml:4:1 `氏名` lies outside the page"),
        "{e:?}"
    );
}

#[test]
fn overlapping_fields() {
    let e = errors(&check(
        "nhi",
        &with(concat!(
            "[[field]]\nlabel = \"世帯主\"\nlabel_en = \"Head\"\nat = [10, 40]\nsize = [90, 10]\nvalue = \"head.name\"\n",
            "[[field]]\nlabel = \"異動日\"\nlabel_en = \"Date\"\nat = [60, 45]\nsize = [90, 10]\nvalue = \"event.date\"\n",
        )),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("`異動日` (60.0–150.0 × 45.0–55.0 mm) overlaps `世帯主` (line 4: 10.0–100.0 × 40.0–50.0 mm)"),
        "{e:?}"
    );
    assert!(e[0].starts_with("templates/nhi.toml:10:1"), "{e:?}");
}

#[test]
fn field_over_the_qr_code() {
    let e = errors(&check(
        "nhi",
        &with(
            "[[field]]\nlabel = \"備考\"\nlabel_en = \"Notes\"\nat = [150, 265]\nsize = [45, 12]\n",
        ),
    ));
    assert!(
        e.iter().any(|e| e.contains("overlaps the page's QR code")),
        "{e:?}"
    );
}

#[test]
fn form_id_no_procedure_uses() {
    let e = errors(&check("no-such-form", &with("")));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("templates/no-such-form.toml:2:9 no procedure uses form `no-such-form`"),
        "{e:?}"
    );
}

#[test]
fn format_that_does_not_fit_the_value() {
    let e = errors(&check(
        "nhi",
        &with("[[field]]\nat = [10, 40]\nsize = [90, 10]\nvalue = \"head.name\"\nformat = \"wareki\"\n"),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("format `wareki` does not apply to a text"),
        "{e:?}"
    );
    assert!(e[0].starts_with("templates/nhi.toml:8:11"), "{e:?}");
}

#[test]
fn unknown_key_small_signature_and_check_without_equals() {
    let text = format!(
        "{HEAD}[[field]]\nat = [10, 40]\nsize = [90, 10]\nvalue = \"head.name\"\nfont = 12\n\
         [[check]]\nat = [10, 60]\nlabel = \"転入\"\nvalue = \"event.kind\"\n\
         [signature]\nat = [10, 205]\nsize = [50, 10]\n[office]\nat = [10, 240]\n"
    );
    let e = errors(&check("nhi", &text));
    assert!(
        e.iter()
            .any(|e| e.starts_with("templates/nhi.toml:8:1 unknown key `font`")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.contains("`event.kind` is not yes/no")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("too small for an elderly hand")),
        "{e:?}"
    );
}

#[test]
fn static_text_bindings_are_checked_too() {
    let e = errors(&check(
        "nhi",
        &with("[[text]]\nat = [12, 27]\ntext = \"（あて先）{town.nam}長\"\ntext_en = \"To: the Mayor of {town.name_en}\"\n"),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("templates/nhi.toml:6:15 unknown value `town.nam`"),
        "{e:?}"
    );
}

#[test]
fn applies_names_a_procedure() {
    let e = errors(&check(
        "nhi",
        &with("[[check]]\nat = [10, 60]\nlabel = \"国保\"\nlabel_en = \"NHI\"\nvalue = \"applies.nhx\"\n"),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("no procedure `nhx`"), "{e:?}");
}

#[test]
fn every_caption_needs_its_english() {
    // A label without label_en: one error at the element, with the key to add.
    let d = check(
        "nhi",
        &with("[[field]]\nlabel = \"世帯主\"\nat = [10, 40]\nsize = [90, 10]\nvalue = \"head.name\"\n"),
    );
    let e = errors(&d);
    assert_eq!(
        e,
        ["templates/nhi.toml:4:1 「世帯主」 has no English caption"],
        "{d:?}"
    );
    assert!(d[0].to_string().contains("add label_en"), "{}", d[0]);
    // English that is not English; a check, a column and a static text without theirs.
    let e = errors(&check(
        "nhi",
        &with(concat!(
            "[[check]]\nat = [14, 40]\nlabel = \"転入\"\nlabel_en = \"転入\"\nvalue = \"applies.nhi\"\n",
            "[[check]]\nat = [60, 40]\nlabel = \"転出\"\nvalue = \"applies.nhi\"\n",
            "[[text]]\nat = [10, 60]\ntext = \"対象となる方\"\n",
            "[[table]]\nat = [10, 70]\n[[table.column]]\ntitle = \"氏名\"\nwidth = 40\nvalue = \"member.name\"\n",
        )),
    ));
    assert_eq!(e.len(), 4, "{e:?}");
    assert!(
        e.iter().any(|e| e.starts_with(
            "templates/nhi.toml:7:13 `label_en` is the English caption, but it holds Japanese"
        )),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("「転出」 has no English caption")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("「対象となる方」 has no English caption")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("「氏名」 has no English caption")),
        "{e:?}"
    );
}

#[test]
fn a_note_must_hold_its_english_and_lines_must_fit_their_field() {
    let e = errors(&check(
        "nhi",
        &with(concat!(
            "[[note]]\nat = [10, 190]\nsize = [190, 5]\n",
            "text = \"印字された内容をご確認ください。\"\ntext_en = \"Please check what is printed.\"\n",
            "[[field]]\nlabel = \"住所\"\nlabel_en = \"Address\"\nlabel_width = 24\nat = [10, 40]\nsize = [190, 5]\n",
            "value = \"household.address\"\nlines = 2\n",
        )),
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("the note needs") && e[0].contains("with its English"),
        "{e:?}"
    );
    assert!(e[1].contains("2 line(s) at 7pt need"), "{e:?}");
}

#[test]
fn lines_of_a_member_block_and_conditions_are_checked() {
    let e = errors(&check(
        "nhi",
        &with(concat!(
            "[[table]]\nat = [10, 70]\nrow_heights = [8, 6]\n",
            "[[table.column]]\ntitle = \"氏名\"\ntitle_en = \"Name\"\nwidth = 40\nvalue = \"member.name\"\n",
            "[[table.column]]\nrow = 2\ntitle = \"本籍\"\ntitle_en = \"Honseki\"\nwidth = 30\nvalue = \"member.honseki\"\n",
            "[[table.column]]\nrow = 3\ntitle = \"筆頭者\"\ntitle_en = \"Head of the register\"\nwidth = 10\n",
            "[[check]]\nat = [14, 150]\nlabel = \"委任状\"\nlabel_en = \"Proxy\"\nonly_if = \"event.applicant_capacity\"\n",
        )),
    ));
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e.iter()
            .any(|e| e.contains("`row` is the line of the member's block (1–2)")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("the columns of line 2 are 30 mm wide, those of line 1 50 mm")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("`event.applicant_capacity` is not yes/no")),
        "{e:?}"
    );
}

#[test]
fn every_shipped_form_is_used_by_the_determination_of_a_sample_household() {
    // Previews (`templates preview`, docs/forms/) show a form filled in for the first sample
    // household whose real determination uses it: the people the form is for, in their roles.
    // A form no sample triggers would be previewed "as if" for whoever the event concerns.
    let set = rules::load_embedded(Some(&forms::template_ids(None)))
        .unwrap()
        .0;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
    let mut used = std::collections::BTreeSet::new();
    for s in forms::preview::SAMPLES {
        let i = forms::preview::sample(&set, s).unwrap();
        let d = rules::determine(&i, &set, today);
        used.extend(d.form_ids().into_iter().map(|f| f.to_string()));
    }
    let missing: Vec<String> = forms::template_ids(None)
        .into_iter()
        .filter(|id| !used.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "no sample household of templates/samples/ triggers {missing:?}: add one (and list it in forms::preview::SAMPLES)"
    );
}

#[test]
fn a_condition_may_list_codes_and_only_disjoint_lists_share_room() {
    // 前の住所 on a move in and 転出先 on a move out may take the same place; a 転出先 also
    // shown on a move within would print over the 前の住所.
    let field = |label: &str, codes: &str| {
        format!(
            "[[field]]\nlabel = \"{label}\"\nlabel_en = \"Address\"\nlabel_width = 24\nat = [10, 150]\nsize = [190, 10]\n\
             value = \"event.new_address\"\nonly_if = \"event.kind\"\nonly_if_equals = {codes}\n"
        )
    };
    let ok = with(
        &(field("前の住所", "[\"move_in\", \"move_within\"]")
            + &field("転出先", "[\"move_out\", \"move_out_abroad\"]")),
    );
    assert_eq!(errors(&check("nhi", &ok)), Vec::<String>::new());

    let e = errors(&check(
        "nhi",
        &with(
            &(field("前の住所", "[\"move_in\", \"move_within\"]")
                + &field("転出先", "[\"move_out\", \"move_within\"]")),
        ),
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("`転出先`") && e[0].contains("overlaps `前の住所`"),
        "{e:?}"
    );

    let e = errors(&check("nhi", &with(&field("転出先", "[]"))));
    assert!(
        e.iter()
            .any(|e| e.contains("`only_if_equals` must be a code or a non-empty list of codes")),
        "{e:?}"
    );
}
