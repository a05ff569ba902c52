//! Form templates (`templates/<form id>.toml`): the model, the loader and the check.
//!
//! A template is data a supervisor edits. It is read with `rules::toml_walk`, so every
//! problem — an unknown key, a binding to an unknown value, a format that does not fit the
//! value, an element outside the page, two fields on top of each other, a form id no
//! procedure uses — is a `Diagnostic` with `file:line:column`, a caret and a hint, like the
//! procedure check. Coordinates are millimetres from the top-left corner of the page.

use super::bind::{self, check_binding, check_format, Where};
use super::fonts::{
    BOLD as BOLD_FACE, LATIN as LATIN_FACE, LATIN_BOLD as LATIN_BOLD_FACE, PRIMARY as PRIMARY_FACE,
};
use crate::rules::toml_walk::{Fields, Node, Source};
use crate::rules::Diagnostic;
use std::collections::BTreeSet;
use std::ops::Range;

/// A rectangle in mm from the page's top-left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Area {
    pub fn overlaps(&self, o: &Area) -> bool {
        const EPS: f32 = 0.01;
        self.x + EPS < o.x + o.w
            && o.x + EPS < self.x + self.w
            && self.y + EPS < o.y + o.h
            && o.y + EPS < self.y + self.h
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Per {
    Household,
    Member,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A piece of a static text: literal, or `{binding}` / `{binding|format}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Lit(String),
    Bind { path: String, format: String },
}

/// Which members the rows of a table list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSet {
    /// The members of the procedures that use the form (else the event's subjects).
    Procedure,
    Movers,
    Subjects,
    Household,
    Remaining,
    /// Children for 児童手当 (grade ≤ 12 on the event date), in the household after the event.
    Children,
    /// The deceased's heirs among the remaining members (`forms::roles`).
    Heirs,
}

impl RowSet {
    const NAMES: &'static [&'static str] = &[
        "procedure",
        "movers",
        "subjects",
        "household",
        "remaining",
        "children",
        "heirs",
    ];
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "procedure" => RowSet::Procedure,
            "movers" => RowSet::Movers,
            "subjects" => RowSet::Subjects,
            "household" => RowSet::Household,
            "remaining" => RowSet::Remaining,
            "children" => RowSet::Children,
            "heirs" => RowSet::Heirs,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    /// The English caption (`title_en`), shown under the Japanese one with `--lang en`.
    pub title_en: Option<String>,
    pub width: f32,
    /// Which line of a member's block the column is on (1 = the first; see `row_heights`).
    pub row: u32,
    /// `None`: a blank cell for the resident.
    pub value: Option<String>,
    pub format: String,
    pub size: f32,
    /// The smallest size the value may shrink to (≥ 7 pt).
    pub min_size: f32,
    pub align: Align,
    /// Tick when the value is true / equals this code (a check column).
    pub check: Option<Option<String>>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Text {
        x: f32,
        y: f32,
        pieces: Vec<Piece>,
        size: f32,
        bold: bool,
        align: Align,
        /// The English caption (`text_en`), printed with `--lang en`.
        en: Option<EnText>,
    },
    Note {
        pieces: Vec<Piece>,
        size: f32,
        /// The English paragraph (`text_en`), printed after the Japanese one with `--lang en`.
        en: Option<Vec<Piece>>,
    },
    Rect {
        line: f32,
        fill: Option<f32>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        dash: bool,
    },
    Field {
        label: Option<String>,
        /// The English caption (`label_en`), shown beside/under the label with `--lang en`.
        label_en: Option<String>,
        label_width: Option<f32>,
        /// `None`: a boxed blank the resident fills in.
        value: Option<String>,
        format: String,
        size: f32,
        /// The smallest size the value may shrink to (≥ 7 pt) before it wraps or overflows.
        min_size: f32,
        align: Align,
        lines: u32,
        boxed: bool,
        /// Grey help text shown in a blank ("ご記入ください").
        placeholder: Option<String>,
        placeholder_en: Option<String>,
    },
    Check {
        label: String,
        label_en: Option<String>,
        /// `None`: a blank box the clerk or the resident ticks.
        value: Option<String>,
        equals: Option<String>,
        size: f32,
    },
    Table {
        rows: u32,
        /// The heights of the lines of one member's block (one line: `[row_height]`).
        row_heights: Vec<f32>,
        header_h: f32,
        members: RowSet,
        columns: Vec<Column>,
    },
    Signature {
        label: String,
        label_en: Option<String>,
        /// The role that signs (`forms::roles`): `applicant` unless the template says.
        role: String,
    },
    Office {
        label: String,
    },
}

/// The English of a static text: its pieces, where it goes (`at_en`; default: after the
/// Japanese on the same baseline) and its size (`font_size_en`).
#[derive(Clone, Debug)]
pub struct EnText {
    pub pieces: Vec<Piece>,
    pub at: Option<(f32, f32)>,
    pub size: f32,
}

/// A condition on an element (`only_if`, `only_if_equals`): it is drawn only when the
/// value is yes (or equals one of the codes), e.g. the 委任状 box only for an agent, the
/// 転出先 only on a move out.
#[derive(Clone, Debug, PartialEq)]
pub struct OnlyIf {
    pub value: String,
    /// The codes that show the element (`only_if_equals = "agent"` or a list); empty: yes/no.
    pub equals: Vec<String>,
}

impl OnlyIf {
    /// Whether the element is drawn for this value.
    pub fn holds(&self, v: &bind::Value) -> bool {
        if self.equals.is_empty() {
            bind::is_checked(v, None)
        } else {
            self.equals.iter().any(|e| bind::is_checked(v, Some(e)))
        }
    }

    /// Whether two conditions can never hold together: the same value and no code in
    /// common (yes/no counts as the code "true").
    pub fn excludes(&self, o: &OnlyIf) -> bool {
        let codes = |c: &OnlyIf| {
            if c.equals.is_empty() {
                vec!["true".to_string()]
            } else {
                c.equals.clone()
            }
        };
        let (a, b) = (codes(self), codes(o));
        self.value == o.value && !a.iter().any(|x| b.contains(x))
    }
}

/// One element: its kind, the area it takes (for bounds and overlaps) and where it is
/// written (for messages).
#[derive(Clone, Debug)]
pub struct Element {
    pub kind: Kind,
    /// Drawn only when this holds.
    pub only_if: Option<OnlyIf>,
    pub area: Area,
    /// A name for warnings: the label, or the value it prints.
    pub name: String,
    pub span: Range<usize>,
    pub line: usize,
}

impl Element {
    /// Whether the element takes room other fields must not share.
    pub fn is_field(&self) -> bool {
        matches!(
            self.kind,
            Kind::Field { .. }
                | Kind::Check { .. }
                | Kind::Table { .. }
                | Kind::Signature { .. }
                | Kind::Office { .. }
        )
    }
}

/// A checked template.
#[derive(Clone, Debug)]
pub struct Template {
    pub id: String,
    pub file: String,
    pub title: String,
    pub title_en: Option<String>,
    pub per: Per,
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// Print order among the forms of a bundle (smaller first; equal: procedure order).
    pub order: i64,
    pub elements: Vec<Element>,
    /// Where the page's QR code goes (a square) and its caption below.
    pub qr: Area,
    /// The role that signs (`[signature] role`, default `applicant`).
    pub signer_role: String,
    /// The roles the template's bindings use (for the manifest).
    pub roles_used: Vec<String>,
}

impl Template {
    fn collect_roles(elements: &[Element], signer: &str) -> Vec<String> {
        let mut paths: Vec<&str> = vec![];
        for e in elements {
            match &e.kind {
                Kind::Text { pieces, .. } | Kind::Note { pieces, .. } => {
                    for p in pieces {
                        if let Piece::Bind { path, .. } = p {
                            paths.push(path);
                        }
                    }
                }
                Kind::Field { value: Some(v), .. } => paths.push(v),
                Kind::Check { value: Some(v), .. } => paths.push(v),
                Kind::Table { columns, .. } => {
                    paths.extend(columns.iter().filter_map(|c| c.value.as_deref()))
                }
                _ => {}
            }
        }
        let mut out: Vec<String> = vec![];
        for p in paths {
            let head = p.split('.').next().unwrap_or_default();
            if super::roles::ROLES.iter().any(|(r, _)| *r == head) && !out.iter().any(|o| o == head)
            {
                out.push(head.to_string());
            }
        }
        if !out.iter().any(|o| o == signer) {
            out.push(signer.to_string());
        }
        if signer == "heir" {
            out.push("heirs".into());
        }
        out.sort();
        out
    }
}

/// The room between a Japanese caption and the English after it (mm).
pub const EN_GAP: f32 = 1.5;
/// The line height factor of notes (paragraphs).
pub const NOTE_LEADING: f32 = 1.35;
/// The room between a note's Japanese and English paragraphs (mm).
pub const NOTE_GAP: f32 = 0.8;
/// The size of a check box (mm) and the room between it and its caption.
pub const CHECK_BOX: f32 = 4.5;
pub const CHECK_GAP: f32 = 1.2;

/// The literal part of a static text (bindings left out), for measuring.
pub fn literal_of(ps: &[Piece]) -> String {
    ps.iter()
        .map(|p| match p {
            Piece::Lit(l) => l.as_str(),
            Piece::Bind { .. } => "",
        })
        .collect()
}

/// The size of the QR square and the room for its caption.
pub const QR_SIZE: f32 = 20.0;
pub const QR_CAPTION: f32 = 4.0;
/// The height of a field's caption on top (a field without `label_width`).
pub const FIELD_CAPTION: f32 = 3.0;
/// The smallest signature box an elderly hand can write in.
pub const MIN_SIGNATURE: (f32, f32) = (80.0, 20.0);
/// The smallest font size for a printed value.
pub const MIN_SIZE: f32 = 7.0;

/// Form ids of the catalogue (`shared/spec/procedure-catalog.md`): a template for one of
/// these is expected even while the set does not use it yet.
pub const CATALOGUE_FORMS: &[&str] = &[
    "juminido",
    "juminido-head-change",
    "mynumber-card",
    "nhi",
    "nhi-funeral",
    "late-elderly",
    "late-elderly-funeral",
    "ltc",
    "ltc-certification",
    "pension",
    "child-allowance-claim",
    "child-allowance-change",
    "child-medical",
    "child-rearing",
    "school",
    "disability",
    "disability-return",
    "dog",
    "heir-representative",
    "water",
    "cremation-permit",
    // Edition 2 (procedure-catalog.md): forms of the new `form` procedures.
    "nhi-householder",
    "pension-category",
    "pension-survivor",
    "welfare-medical",
    "child-rearing-loss",
    "nursery",
    "moped",
    "public-housing",
    "mynumber-abroad",
];

/// Procedure ids of the catalogue, for `applies.` bindings.
pub const CATALOGUE_PROCEDURES: &[&str] = &[
    "resident.move_in",
    "resident.move_within",
    "resident.move_out",
    "resident.household_change",
    "resident.head_change",
    "mynumber.card_update",
    "foreign.residence_card",
    "seal.abolished",
    "koseki.death_notice",
    "koseki.cremation_permit",
    "nhi.enroll",
    "nhi.withdraw",
    "nhi.change",
    "nhi.funeral_expenses",
    "late_elderly.enroll",
    "late_elderly.withdraw",
    "late_elderly.change",
    "late_elderly.funeral_expenses",
    "pension.enroll",
    "pension.abroad",
    "pension.death_report",
    "pension.unpaid_benefit",
    "pension.survivors_basic",
    "ltc.enroll",
    "ltc.certification_transfer",
    "ltc.withdraw",
    "ltc.change",
    "child_allowance.claim",
    "child_allowance.termination",
    "child_allowance.change",
    "child_allowance.recipient_change",
    "child_medical.apply",
    "child_medical.withdraw",
    "child_medical.change",
    "child_rearing_allowance.change",
    "school.transfer_in",
    "school.transfer_out",
    "school.district_check",
    "child_health.transfer",
    "disability.certificate_address",
    "disability.certificate_return",
    "dog.registration_change",
    "dog.owner_change",
    "tax.heir_representative",
    "water.name_change",
    "public_assistance.consult",
    "external.inheritance_renunciation",
    "external.quasi_final_return",
    "external.inheritance_registration",
    // Edition 2
    "pension.survivors_employee",
    "pension.widow_or_lump_sum",
    "pension.category_change",
    "nhi.householder_change",
    "ltc.premium_settlement",
    "insurance.high_cost_refund",
    "external.burial_allowance",
    "external.inheritance_tax",
    "welfare_medical.apply",
    "welfare_medical.change",
    "welfare_medical.return",
    "child_rearing_allowance.loss",
    "childcare.nursery",
    "vehicle.moped",
    "external.vehicle",
    "external.drivers_license",
    "housing.public_succession",
    "koseki.surviving_spouse",
    "mynumber.certificate_reissue",
    "mynumber.abroad_continuation",
    "pension.lump_sum_withdrawal",
    "late_elderly.burden_certificate",
    "election.notice",
];

/// What the check compares templates against.
pub struct CheckEnv<'a> {
    pub bind: bind::Env<'a>,
    /// Form ids the procedure set uses.
    pub used_forms: BTreeSet<String>,
    /// Measures literal texts (mm at a size in pt, in a face of `forms::fonts`: PRIMARY,
    /// BOLD, LATIN, LATIN_BOLD) to find text running off the page.
    pub measure: &'a dyn Fn(&str, f32, usize) -> f32,
}

/// One template file.
pub struct TemplateFile {
    /// Path for messages (`templates/nhi.toml`).
    pub path: String,
    pub id: String,
    pub text: String,
}

/// Loads and checks templates. Returns the good ones and every diagnostic (errors and
/// warnings); a template with an error is not returned.
pub fn load(files: &[TemplateFile], env: &CheckEnv<'_>) -> (Vec<Template>, Vec<Diagnostic>) {
    let mut out = vec![];
    let mut diags = vec![];
    for f in files {
        let mut src = Source::new(&f.path, &f.text);
        let t = read_template(&mut src, &f.id, env);
        let bad = src.has_errors();
        diags.append(&mut src.diags);
        if let (Some(t), false) = (t, bad) {
            out.push(t);
        }
    }
    (out, diags)
}

fn num(src: &mut Source<'_>, node: &Node<'_>, what: &str) -> Option<f32> {
    match node.as_float() {
        Some(v) if v.is_finite() => Some(v as f32),
        _ => {
            src.error_at(
                node,
                format!(
                    "`{what}` must be a number (mm or pt), not {}",
                    node.type_name()
                ),
                None,
            );
            None
        }
    }
}

fn pair(src: &mut Source<'_>, node: &Node<'_>, what: &str) -> Option<(f32, f32)> {
    let arr = node.array().filter(|a| a.len() == 2);
    match arr {
        Some(a) => Some((num(src, &a[0], what)?, num(src, &a[1], what)?)),
        None => {
            src.error_at(
                node,
                format!(
                    "`{what}` must be two numbers [x, y] in mm, not {}",
                    node.type_name()
                ),
                Some("e.g. at = [10, 40] (from the top-left corner of the page)".into()),
            );
            None
        }
    }
}

fn opt_num(src: &mut Source<'_>, f: &mut Fields<'_>, key: &str, default: f32) -> f32 {
    match f.get(key) {
        Some(n) => num(src, &n, key).unwrap_or(default),
        None => default,
    }
}

fn opt_bool(src: &mut Source<'_>, f: &mut Fields<'_>, key: &str, default: bool) -> bool {
    match f.get(key) {
        Some(n) => match n.as_bool() {
            Some(b) => b,
            None => {
                src.error_at(&n, format!("`{key}` must be true or false"), None);
                default
            }
        },
        None => default,
    }
}

fn align(src: &mut Source<'_>, f: &mut Fields<'_>) -> Align {
    match f.str(src, "align") {
        None => Align::Left,
        Some((s, span)) => match s.as_str() {
            "left" => Align::Left,
            "center" => Align::Center,
            "right" => Align::Right,
            _ => {
                src.error(
                    span,
                    format!("unknown alignment `{s}`"),
                    Some("left, center or right".into()),
                );
                Align::Left
            }
        },
    }
}

/// `min_font_size`: the smallest size a value may shrink to (default 7 pt, never less, and
/// not more than `font_size`).
fn min_font_size(src: &mut Source<'_>, f: &mut Fields<'_>, size: f32) -> f32 {
    let Some(n) = f.get("min_font_size") else {
        return MIN_SIZE.min(size);
    };
    let Some(v) = num(src, &n, "min_font_size") else {
        return MIN_SIZE;
    };
    if v < MIN_SIZE {
        src.error_at(
            &n,
            format!("min_font_size {v}pt is too small to read (at least {MIN_SIZE}pt)"),
            Some("let the value wrap instead: lines = 2".into()),
        );
    } else if v > size {
        src.error_at(
            &n,
            format!("min_font_size {v}pt is larger than font_size {size}pt"),
            None,
        );
    }
    v.clamp(MIN_SIZE, size.max(MIN_SIZE))
}

/// Checks a binding and its format where it is used; returns the type.
fn binding(
    src: &mut Source<'_>,
    path: &str,
    span: Range<usize>,
    format: Option<(&str, Range<usize>)>,
    at: Where,
    env: &CheckEnv<'_>,
) -> Option<bind::Ty> {
    match check_binding(path, at, &env.bind) {
        Err((msg, hint)) => {
            src.error(span, msg, Some(hint));
            None
        }
        Ok(ty) => {
            if let Some((fmt, fspan)) = format {
                if let Err((msg, hint)) = check_format(fmt, ty) {
                    src.error(fspan, msg, Some(hint));
                }
            }
            Some(ty)
        }
    }
}

/// Parses `{path}` / `{path|format}` pieces of a static text, checking each binding.
fn pieces(
    src: &mut Source<'_>,
    s: &str,
    span: Range<usize>,
    at: Where,
    env: &CheckEnv<'_>,
) -> Vec<Piece> {
    let exact = span.len() == s.len();
    let mut out = vec![];
    let mut rest = s;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Lit(rest[..open].to_string()));
        }
        let Some(close) = rest[open..].find('}') else {
            let sp = if exact {
                span.start + offset + open..span.start + offset + open + 1
            } else {
                span.clone()
            };
            src.error(
                sp,
                "`{` without a closing `}`",
                Some("write {member.name} to print a value".into()),
            );
            return out;
        };
        let inner = &rest[open + 1..open + close];
        let start = span.start + offset + open + 1;
        let (path, format) = match inner.split_once('|') {
            Some((p, f)) => (p.trim(), f.trim()),
            None => (inner.trim(), "text"),
        };
        let psp = if exact {
            start..start + path.len()
        } else {
            span.clone()
        };
        let fsp = if exact {
            start + path.len() + 1..start + inner.len()
        } else {
            span.clone()
        };
        binding(src, path, psp, Some((format, fsp)), at, env);
        out.push(Piece::Bind {
            path: path.to_string(),
            format: format.to_string(),
        });
        offset += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest.to_string()));
    }
    out
}

fn area(
    src: &mut Source<'_>,
    f: &mut Fields<'_>,
    what: &str,
    default_size: Option<(f32, f32)>,
) -> Option<Area> {
    let at = f.req(
        src,
        "at",
        &format!("give the {what}'s top-left corner: at = [x, y] in mm"),
    )?;
    let (x, y) = pair(src, &at, "at")?;
    let (w, h) = match f.get("size") {
        Some(n) => pair(src, &n, "size")?,
        None => match default_size {
            Some(d) => d,
            None => {
                f.req(
                    src,
                    "size",
                    "give the width and height: size = [w, h] in mm",
                );
                return None;
            }
        },
    };
    if w <= 0.0 || h <= 0.0 {
        let span = f.key_span("size").unwrap_or(0..0);
        src.error(span, "a size must be positive", None);
        return None;
    }
    Some(Area { x, y, w, h })
}

/// Whether a caption holds Japanese (then it needs an English caption for `--lang en`).
pub fn has_japanese(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF01..=0xFF60 | 0x20000..=0x3134F)
    })
}

/// The English caption `key` of an element whose Japanese caption is `ja`: required when
/// `ja` holds Japanese (`--lang en` prints both), and it must not be Japanese itself.
fn english(
    src: &mut Source<'_>,
    f: &mut Fields<'_>,
    key: &str,
    ja: &str,
    span: &Range<usize>,
) -> Option<(String, Range<usize>)> {
    match f.str(src, key) {
        Some((en, esp)) => {
            if has_japanese(&en) {
                src.error(
                    esp.clone(),
                    format!("`{key}` is the English caption, but it holds Japanese: {en:?}"),
                    Some("write it in English (printed beside the Japanese with --lang en)".into()),
                );
            }
            Some((en, esp))
        }
        None => {
            if has_japanese(ja) {
                src.error(
                    span.clone(),
                    format!("「{}」 has no English caption", short(ja)),
                    Some(format!(
                        "add {key} = \"…\": with --lang en every form shows English beside the Japanese"
                    )),
                );
            }
            None
        }
    }
}

/// `only_if` / `only_if_equals`: the element is drawn only when the value is yes or equals
/// the code.
fn only_if(
    src: &mut Source<'_>,
    f: &mut Fields<'_>,
    at: Where,
    env: &CheckEnv<'_>,
) -> Option<OnlyIf> {
    let v = f.str(src, "only_if");
    let eq = only_if_codes(src, f);
    match (v, eq) {
        (None, None) => None,
        (None, Some((_, sp))) => {
            src.error(
                sp,
                "`only_if_equals` without `only_if`",
                Some("only_if = \"event.applicant_capacity\", only_if_equals = \"agent\"".into()),
            );
            None
        }
        (Some((v, vsp)), eq) => {
            if let Some(ty) = binding(src, &v, vsp.clone(), None, at, env) {
                if ty != bind::Ty::Bool && eq.is_none() {
                    src.error(
                        vsp,
                        format!("`{v}` is not yes/no: say which value shows the element"),
                        Some("add only_if_equals = \"…\" (a code, or a list of codes)".into()),
                    );
                }
            }
            Some(OnlyIf {
                value: v,
                equals: eq.map(|e| e.0).unwrap_or_default(),
            })
        }
    }
}

/// `only_if_equals`: one code (`"agent"`) or a list of them (`["move_out", "move_out_abroad"]`).
fn only_if_codes(src: &mut Source<'_>, f: &mut Fields<'_>) -> Option<(Vec<String>, Range<usize>)> {
    let node = f.get("only_if_equals")?;
    let span = node.span().unwrap_or(0..0);
    if let Some(s) = node.as_str() {
        return Some((vec![s.to_string()], span));
    }
    let list = node.array().map(|a| {
        a.iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
    });
    match list {
        Some(Some(codes)) if !codes.is_empty() => Some((codes, span)),
        _ => {
            src.error(
                span,
                "`only_if_equals` must be a code or a non-empty list of codes",
                Some("only_if_equals = [\"move_out\", \"move_out_abroad\"]".into()),
            );
            None
        }
    }
}

/// The smallest size of an English caption.
pub const MIN_EN_SIZE: f32 = 5.5;
/// The size of the English beside a Japanese caption of `size` pt.
pub fn en_size(size: f32) -> f32 {
    (size * 0.8).max(MIN_EN_SIZE)
}

fn read_template(src: &mut Source<'_>, id: &str, env: &CheckEnv<'_>) -> Option<Template> {
    let doc = src.parse()?;
    let root = doc.as_table();
    let mut top = Fields::new(root, Some(0..0), format!("template `{id}`"));

    // [form]
    let form = top.req(src, "form", "start the file with [form] and its title")?;
    let Some(ft) = form.table() else {
        src.error_at(&form, "[form] must be a table", None);
        return None;
    };
    let mut f = Fields::new(ft, form.span(), "[form]");
    let title = f.req_str(src, "title", "title = \"国民健康保険 資格取得届\"");
    let title_en = f.str(src, "title_en").map(|t| t.0);
    let per = match f.str(src, "per") {
        None => Per::Household,
        Some((s, span)) => match s.as_str() {
            "household" => Per::Household,
            "member" => Per::Member,
            _ => {
                src.error(
                    span,
                    format!("unknown `per = \"{s}\"`"),
                    Some("\"household\" (one copy) or \"member\" (one copy per member)".into()),
                );
                Per::Household
            }
        },
    };
    let (width, height) = match f.str(src, "page") {
        None => (210.0, 297.0),
        Some((s, span)) => match s.as_str() {
            "A4" => (210.0, 297.0),
            "A4-landscape" => (297.0, 210.0),
            _ => {
                src.error(
                    span,
                    format!("unknown page `{s}`"),
                    Some("\"A4\" or \"A4-landscape\"".into()),
                );
                (210.0, 297.0)
            }
        },
    };
    let margin = opt_num(src, &mut f, "margin", 10.0);
    let order = match f.get("order") {
        None => 50,
        Some(n) => n.as_integer().unwrap_or_else(|| {
            src.error_at(&n, "`order` is a whole number (smaller prints first)", None);
            50
        }),
    };
    let form_line = form.span().map(|s| s.start).unwrap_or(0);
    f.finish(src);
    let title = title.map(|t| t.0).unwrap_or_default();

    if !env.used_forms.contains(id) {
        let span = ft
            .get("title")
            .and_then(|i| i.span())
            .unwrap_or(form_line..form_line);
        if CATALOGUE_FORMS.contains(&id) {
            src.warning(
                span,
                format!("no procedure of the set uses form `{id}` yet"),
                Some("it is a form of the catalogue; add it to a procedure's `forms`".into()),
            );
        } else {
            src.error(
                span,
                format!("no procedure uses form `{id}`"),
                Some(format!(
                    "the file name is the form id; a procedure must list it in `forms = [\"{id}\"]`, or the file is misnamed"
                )),
            );
        }
    }

    let here = if per == Per::Member {
        Where::Member
    } else {
        Where::Household
    };
    let mut elements: Vec<Element> = vec![];
    let line_of = |src: &Source<'_>, span: &Range<usize>| {
        src.text[..span.start.min(src.text.len())]
            .matches('\n')
            .count()
            + 1
    };

    fn tables<'d>(
        f: &mut Fields<'d>,
        src: &mut Source<'_>,
        key: &str,
    ) -> Vec<(Node<'d>, Range<usize>)> {
        match f.get(key) {
            None => vec![],
            Some(n) => match n.array() {
                Some(items) => items
                    .into_iter()
                    .map(|i| {
                        let s = i.span().unwrap_or(0..0);
                        (i, s)
                    })
                    .collect(),
                None => {
                    src.error_at(
                        &n,
                        format!("`{key}` must be written [[{key}]] (a list of tables)"),
                        None,
                    );
                    vec![]
                }
            },
        }
    }

    // [[text]]
    for (node, span) in tables(&mut top, src, "text") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[text]]");
        let at = f.req(
            src,
            "at",
            "at = [x, y]: where the text's baseline starts, in mm",
        );
        let text = f.req_str(src, "text", "text = \"…\"");
        let size = opt_num(src, &mut f, "font_size", 10.0);
        let bold = opt_bool(src, &mut f, "bold", false);
        let al = align(src, &mut f);
        let cond = only_if(src, &mut f, here, env);
        let (Some(at), Some((s, sspan))) = (at, text) else {
            f.finish(src);
            continue;
        };
        let ps = pieces(src, &s, sspan.clone(), here, env);
        let literal = literal_of(&ps);
        let en_text = english(src, &mut f, "text_en", &literal, &sspan);
        let at_en = match f.get("at_en") {
            Some(n) => pair(src, &n, "at_en"),
            None => None,
        };
        let size_en = opt_num(src, &mut f, "font_size_en", en_size(size));
        f.finish(src);
        let Some((x, y)) = pair(src, &at, "at") else {
            continue;
        };
        if size_en < MIN_EN_SIZE {
            src.error(
                span.clone(),
                format!("font_size_en {size_en}pt is too small to read (at least {MIN_EN_SIZE}pt)"),
                None,
            );
        }
        let en = en_text.map(|(e, esp)| EnText {
            pieces: pieces(src, &e, esp, here, env),
            at: at_en,
            size: size_en,
        });
        let face = if bold { BOLD_FACE } else { PRIMARY_FACE };
        let w = (env.measure)(&literal, size, face);
        // With --lang en the English follows on the same baseline (or goes to `at_en`).
        let w_en = en.as_ref().map_or(0.0, |e| {
            (env.measure)(
                &literal_of(&e.pieces),
                e.size,
                if bold { LATIN_BOLD_FACE } else { LATIN_FACE },
            )
        });
        let (w_line, en_area) = match en.as_ref().and_then(|e| e.at.map(|a| (a, e.size))) {
            Some(((ex, ey), es)) => {
                let eh = es * super::fonts::PT_TO_MM;
                let ex0 = match al {
                    Align::Left => ex,
                    Align::Center => ex - w_en / 2.0,
                    Align::Right => ex - w_en,
                };
                (
                    w,
                    Some(Area {
                        x: ex0,
                        y: ey - eh * 0.88,
                        w: w_en,
                        h: eh,
                    }),
                )
            }
            None if en.is_some() => (w + EN_GAP + w_en, None),
            None => (w, None),
        };
        let x0 = match al {
            Align::Left => x,
            Align::Center => x - w_line / 2.0,
            Align::Right => x - w_line,
        };
        let h = size * super::fonts::PT_TO_MM;
        let mut a = Area {
            x: x0,
            y: y - h * 0.88,
            w: w_line,
            h,
        };
        if let Some(e) = en_area {
            let (x1, y1) = (a.x.min(e.x), a.y.min(e.y));
            let (x2, y2) = ((a.x + a.w).max(e.x + e.w), (a.y + a.h).max(e.y + e.h));
            a = Area {
                x: x1,
                y: y1,
                w: x2 - x1,
                h: y2 - y1,
            };
        }
        elements.push(Element {
            kind: Kind::Text {
                x,
                y,
                pieces: ps,
                size,
                bold,
                align: al,
                en,
            },
            only_if: cond,
            area: a,
            name: s.clone(),
            line: line_of(src, &span),
            span,
        });
    }
    // [[note]]
    for (node, span) in tables(&mut top, src, "note") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[note]]");
        let a = area(src, &mut f, "note", None);
        let text = f.req_str(src, "text", "text = \"…\" (wrapped inside the area)");
        let size = opt_num(src, &mut f, "font_size", 8.0);
        let cond = only_if(src, &mut f, here, env);
        let Some((s, sspan)) = text else {
            f.finish(src);
            continue;
        };
        let ps = pieces(src, &s, sspan.clone(), here, env);
        let en = english(src, &mut f, "text_en", &literal_of(&ps), &sspan)
            .map(|(e, esp)| pieces(src, &e, esp, here, env));
        f.finish(src);
        let Some(a) = a else { continue };
        // Both paragraphs must fit the area (the check measures the literal text).
        let lh = |sz: f32| sz * super::fonts::PT_TO_MM * NOTE_LEADING;
        let lines = |t: &str, sz: f32, face: usize| {
            super::fit::wrap(t, a.w, &|x| (env.measure)(x, sz, face)).len() as f32
        };
        let mut need = lines(&literal_of(&ps), size, PRIMARY_FACE) * lh(size);
        let ja_only = need;
        if let Some(e) = &en {
            let es = en_size(size);
            need += NOTE_GAP + lines(&literal_of(e), es, LATIN_FACE) * lh(es);
        }
        if need > a.h + 0.5 {
            src.error(
                span.clone(),
                format!(
                    "the note needs {need:.1} mm{} and its area is {:.1} mm high",
                    if en.is_some() {
                        format!(" with its English ({ja_only:.1} mm without)")
                    } else {
                        String::new()
                    },
                    a.h
                ),
                Some("make the area taller (size = [w, h]) or the text shorter".into()),
            );
        }
        elements.push(Element {
            kind: Kind::Note {
                pieces: ps,
                size,
                en,
            },
            only_if: cond,
            area: a,
            name: "note".into(),
            line: line_of(src, &span),
            span,
        });
    }
    // [[rect]]
    for (node, span) in tables(&mut top, src, "rect") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[rect]]");
        let a = area(src, &mut f, "rectangle", None);
        let line = opt_num(src, &mut f, "line", 0.3);
        let fill = f.get("fill").and_then(|n| num(src, &n, "fill"));
        let cond = only_if(src, &mut f, here, env);
        f.finish(src);
        let Some(a) = a else { continue };
        if let Some(g) = fill {
            if !(0.0..=1.0).contains(&g) {
                src.error(
                    span.clone(),
                    "`fill` is a grey level from 0 (black) to 1 (white)",
                    Some("e.g. fill = 0.92 for a light grey".into()),
                );
            }
        }
        elements.push(Element {
            only_if: cond,
            kind: Kind::Rect { line, fill },
            area: a,
            name: "rect".into(),
            line: line_of(src, &span),
            span,
        });
    }
    // [[line]]
    for (node, span) in tables(&mut top, src, "line") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[line]]");
        let from = f.req(src, "from", "from = [x, y]");
        let to = f.req(src, "to", "to = [x, y]");
        let width = opt_num(src, &mut f, "width", 0.3);
        let dash = opt_bool(src, &mut f, "dash", false);
        f.finish(src);
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let (Some((x1, y1)), Some((x2, y2))) = (pair(src, &from, "from"), pair(src, &to, "to"))
        else {
            continue;
        };
        let a = Area {
            x: x1.min(x2),
            y: y1.min(y2),
            w: (x2 - x1).abs(),
            h: (y2 - y1).abs(),
        };
        elements.push(Element {
            only_if: None,
            kind: Kind::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                dash,
            },
            area: a,
            name: "line".into(),
            line: line_of(src, &span),
            span,
        });
    }
    // [[field]]
    for (node, span) in tables(&mut top, src, "field") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[field]]");
        let label = f.str(src, "label").map(|l| l.0);
        let a = area(src, &mut f, "field", None);
        let value = f.str(src, "value");
        let format = f.str(src, "format");
        let size = opt_num(src, &mut f, "font_size", 11.0);
        let min_size = min_font_size(src, &mut f, size);
        let al = align(src, &mut f);
        let lines = match f.get("lines") {
            None => 1,
            Some(n) => match n.as_integer() {
                Some(v) if (1..=10).contains(&v) => v as u32,
                _ => {
                    src.error_at(
                        &n,
                        "`lines` is the number of lines a value may wrap to (1–10)",
                        None,
                    );
                    1
                }
            },
        };
        let boxed = opt_bool(src, &mut f, "box", true);
        let label_width = f
            .get("label_width")
            .and_then(|n| num(src, &n, "label_width"));
        let placeholder = f.str(src, "placeholder").map(|p| p.0);
        let label_en = label
            .as_ref()
            .and_then(|l| english(src, &mut f, "label_en", l, &span))
            .map(|e| e.0);
        let placeholder_en = placeholder
            .as_ref()
            .and_then(|p| english(src, &mut f, "placeholder_en", p, &span))
            .map(|e| e.0);
        let cond = only_if(src, &mut f, here, env);
        f.finish(src);
        let Some(a) = a else { continue };
        // The value's lines must fit the box at the smallest size.
        let value_h = match (label_width, &label) {
            (None, Some(_)) => a.h - FIELD_CAPTION,
            _ => a.h,
        };
        let need = lines as f32 * min_size * super::fonts::PT_TO_MM * super::fit::LEADING;
        if value.is_some() && need > value_h + 0.01 {
            src.error(
                span.clone(),
                format!(
                    "{lines} line(s) at {min_size}pt need {need:.1} mm, and the field has {value_h:.1} mm for its value"
                ),
                Some("make the field taller, or allow fewer lines".into()),
            );
        }
        if let Some((v, vspan)) = &value {
            binding(
                src,
                v,
                vspan.clone(),
                Some(
                    format
                        .as_ref()
                        .map_or(("text", vspan.clone()), |(f, s)| (f.as_str(), s.clone())),
                ),
                here,
                env,
            );
        } else if let Some((_, fspan)) = &format {
            src.error(
                fspan.clone(),
                "a `format` without a `value`",
                Some("a field without `value` is a blank for the resident".into()),
            );
        }
        if size < MIN_SIZE {
            src.error(
                span.clone(),
                format!("size {size}pt is too small to read (at least {MIN_SIZE}pt)"),
                None,
            );
        }
        if let Some(lw) = label_width {
            if lw >= a.w {
                src.error(
                    span.clone(),
                    "`label_width` leaves no room for the value",
                    None,
                );
            }
        }
        let name = label
            .clone()
            .or_else(|| value.as_ref().map(|v| v.0.clone()))
            .unwrap_or_else(|| "field".into());
        elements.push(Element {
            only_if: cond,
            kind: Kind::Field {
                label,
                label_en,
                placeholder_en,
                label_width,
                value: value.map(|v| v.0),
                format: format.map_or("text".into(), |f| f.0),
                size,
                min_size,
                align: al,
                lines,
                boxed,
                placeholder,
            },
            area: a,
            name,
            line: line_of(src, &span),
            span,
        });
    }
    // [[check]]
    for (node, span) in tables(&mut top, src, "check") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[check]]");
        let at = f.req(src, "at", "at = [x, y]: the check box's top-left corner");
        let label = f.str(src, "label").map(|l| l.0).unwrap_or_default();
        let value = f.str(src, "value");
        let equals = f.str(src, "equals");
        let size = opt_num(src, &mut f, "font_size", 9.0);
        let label_en = english(src, &mut f, "label_en", &label, &span).map(|e| e.0);
        let cond = only_if(src, &mut f, here, env);
        f.finish(src);
        let Some(at) = at else {
            continue;
        };
        let Some((x, y)) = pair(src, &at, "at") else {
            continue;
        };
        match (&value, &equals) {
            (Some((v, vspan)), _) => {
                if let Some(ty) = binding(src, v, vspan.clone(), None, here, env) {
                    if ty != bind::Ty::Bool && equals.is_none() {
                        src.error(
                            vspan.clone(),
                            format!("`{v}` is not yes/no: say which value ticks the box"),
                            Some("add equals = \"…\" (a code)".into()),
                        );
                    }
                }
            }
            (None, Some((_, esp))) => src.error(
                esp.clone(),
                "`equals` without a `value`",
                Some("a check without `value` is a blank box to tick by hand".into()),
            ),
            (None, None) => {}
        }
        if size < MIN_SIZE {
            src.error(
                span.clone(),
                format!("size {size}pt is too small to read (at least {MIN_SIZE}pt)"),
                None,
            );
        }
        // The room it takes with --lang en: box, Japanese, English.
        let mut w = CHECK_BOX + CHECK_GAP + (env.measure)(&label, size, PRIMARY_FACE);
        if let Some(e) = &label_en {
            w += EN_GAP + (env.measure)(e, en_size(size), LATIN_FACE);
        }
        elements.push(Element {
            kind: Kind::Check {
                label: label.clone(),
                label_en,
                value: value.map(|v| v.0),
                equals: equals.map(|e| e.0),
                size,
            },
            only_if: cond,
            area: Area {
                x,
                y,
                w,
                h: CHECK_BOX,
            },
            name: if label.is_empty() {
                "check".into()
            } else {
                label
            },
            line: line_of(src, &span),
            span,
        });
    }
    // [[table]]
    for (node, span) in tables(&mut top, src, "table") {
        let Some(t) = node.table() else { continue };
        let mut f = Fields::new(t, Some(span.clone()), "[[table]]");
        let at = f.req(src, "at", "at = [x, y]: the table's top-left corner");
        let rows = f
            .get("rows")
            .and_then(|n| n.as_integer())
            .unwrap_or(4)
            .max(1) as u32;
        let row_h = opt_num(src, &mut f, "row_height", 12.0);
        let row_heights: Vec<f32> = match f.get("row_heights") {
            None => vec![row_h],
            Some(n) => {
                let hs: Vec<f32> = n
                    .array()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|h| num(src, h, "row_heights"))
                    .collect();
                if hs.is_empty() || hs.iter().any(|h| *h <= 0.0) {
                    src.error_at(
                        &n,
                        "`row_heights` lists the heights of the lines of one member's block, in mm",
                        Some(
                            "e.g. row_heights = [8, 6.5] (columns say row = 2 for the second)"
                                .into(),
                        ),
                    );
                    vec![row_h]
                } else {
                    hs
                }
            }
        };
        let header_h = opt_num(src, &mut f, "header_height", 6.0);
        let members = match f.str(src, "members") {
            None => RowSet::Procedure,
            Some((s, sp)) => RowSet::parse(&s).unwrap_or_else(|| {
                src.error(
                    sp,
                    format!("unknown member set `{s}`"),
                    Some(format!("one of: {}", RowSet::NAMES.join(", "))),
                );
                RowSet::Procedure
            }),
        };
        let cols = f.req(
            src,
            "column",
            "add the columns: [[table.column]] title, width, value",
        );
        f.finish(src);
        let (Some(at), Some(cols)) = (at, cols) else {
            continue;
        };
        let Some((x, y)) = pair(src, &at, "at") else {
            continue;
        };
        let mut columns = vec![];
        for c in cols.array().unwrap_or_default() {
            let Some(ct) = c.table() else { continue };
            let cspan = c.span();
            let mut cf = Fields::new(ct, cspan.clone(), "[[table.column]]");
            let title = cf
                .req_str(src, "title", "title = \"氏名\"")
                .map(|t| t.0)
                .unwrap_or_default();
            let cspan_or = cspan.clone().unwrap_or(span.clone());
            let title_en = english(src, &mut cf, "title_en", &title, &cspan_or).map(|e| e.0);
            let row = match cf.get("row") {
                None => 1,
                Some(n) => match n.as_integer() {
                    Some(r) if r >= 1 && (r as usize) <= row_heights.len() => r as u32,
                    _ => {
                        src.error_at(
                            &n,
                            format!(
                                "`row` is the line of the member's block (1–{})",
                                row_heights.len()
                            ),
                            Some("add the line's height to the table's row_heights".into()),
                        );
                        1
                    }
                },
            };
            let width = cf
                .req(src, "width", "width = 40 (mm)")
                .and_then(|n| num(src, &n, "width"))
                .unwrap_or(20.0);
            let value = cf.str(src, "value");
            let format = cf.str(src, "format");
            let size = opt_num(src, &mut cf, "font_size", 10.0);
            let min_size = min_font_size(src, &mut cf, size);
            let al = align(src, &mut cf);
            let check = match cf.get("check") {
                None => None,
                Some(n) => match (n.as_bool(), n.as_str()) {
                    (Some(true), _) => Some(None),
                    (Some(false), _) => None,
                    (_, Some(code)) => Some(Some(code.to_string())),
                    _ => {
                        src.error_at(
                            &n,
                            "`check` is true (a yes/no value) or the code that ticks the box",
                            None,
                        );
                        None
                    }
                },
            };
            cf.finish(src);
            if let Some((v, vspan)) = &value {
                let fmt = format.as_ref().map(|(f, s)| (f.as_str(), s.clone()));
                let ty = binding(
                    src,
                    v,
                    vspan.clone(),
                    if check.is_some() {
                        None
                    } else {
                        Some(fmt.unwrap_or(("text", vspan.clone())))
                    },
                    Where::Member,
                    env,
                );
                if let (Some(ty), Some(None)) = (ty, &check) {
                    if ty != bind::Ty::Bool {
                        src.error(
                            vspan.clone(),
                            format!("`{v}` is not yes/no: give the code that ticks it"),
                            Some("check = \"male\"".into()),
                        );
                    }
                }
            }
            if size < MIN_SIZE {
                src.error(
                    cspan.clone().unwrap_or(span.clone()),
                    format!("size {size}pt is too small to read"),
                    None,
                );
            }
            columns.push(Column {
                title,
                title_en,
                row,
                width,
                value: value.map(|v| v.0),
                format: format.map_or("text".into(), |f| f.0),
                size,
                min_size,
                align: al,
                check,
            });
        }
        // Every line of the block spans the table's width.
        let line_w =
            |r: u32| -> f32 { columns.iter().filter(|c| c.row == r).map(|c| c.width).sum() };
        let w: f32 = line_w(1);
        for r in 2..=row_heights.len() as u32 {
            let wr = line_w(r);
            if (wr - w).abs() > 0.05 {
                src.error(
                    span.clone(),
                    format!("the columns of line {r} are {wr} mm wide, those of line 1 {w} mm"),
                    Some("every line of a member's block spans the table's width".into()),
                );
            }
        }
        let h = header_h + rows as f32 * row_heights.iter().sum::<f32>();
        elements.push(Element {
            only_if: None,
            kind: Kind::Table {
                rows,
                row_heights,
                header_h,
                members,
                columns,
            },
            area: Area { x, y, w, h },
            name: "table".into(),
            line: line_of(src, &span),
            span,
        });
    }
    // [signature], [office]
    let mut has_sig = false;
    let mut signer_role = "applicant".to_string();
    if let Some(n) = top.get("signature") {
        has_sig = true;
        let span = n.span().unwrap_or(0..0);
        if let Some(t) = n.table() {
            let mut f = Fields::new(t, Some(span.clone()), "[signature]");
            let a = area(src, &mut f, "signature box", None);
            let given = f.str(src, "label").map(|l| l.0);
            let label_en = match &given {
                Some(l) => english(src, &mut f, "label_en", l, &span).map(|e| e.0),
                None => Some("Signature".into()),
            };
            let label = given.unwrap_or_else(|| "署名".into());
            let role = match f.str(src, "role") {
                None => "applicant".to_string(),
                Some((r, rspan)) => {
                    let known = super::roles::ROLES
                        .iter()
                        .any(|(k, _)| *k == r && *k != "signer");
                    if !known {
                        let names = super::roles::ROLES
                            .iter()
                            .map(|(k, _)| *k)
                            .filter(|k| *k != "signer");
                        src.error(
                            rspan,
                            format!("unknown role `{r}` for the signature"),
                            Some(
                                crate::intake::closest(&r, names.clone())
                                    .map(|c| format!("did you mean `{c}`?"))
                                    .unwrap_or_else(|| {
                                        format!("roles: {}", names.collect::<Vec<_>>().join(", "))
                                    }),
                            ),
                        );
                    }
                    r
                }
            };
            signer_role = role.clone();
            f.finish(src);
            if let Some(a) = a {
                if a.w < MIN_SIGNATURE.0 || a.h < MIN_SIGNATURE.1 {
                    let sp = t.get("size").and_then(|i| i.span()).unwrap_or(span.clone());
                    src.error(
                        sp,
                        format!(
                            "the signature box ({}×{} mm) is too small for an elderly hand",
                            a.w, a.h
                        ),
                        Some(format!(
                            "at least {}×{} mm",
                            MIN_SIGNATURE.0, MIN_SIGNATURE.1
                        )),
                    );
                }
                elements.push(Element {
                    only_if: None,
                    kind: Kind::Signature {
                        label,
                        label_en,
                        role,
                    },
                    area: a,
                    name: "署名欄".into(),
                    line: line_of(src, &span),
                    span,
                });
            }
        }
    }
    let mut has_office = false;
    if let Some(n) = top.get("office") {
        has_office = true;
        let span = n.span().unwrap_or(0..0);
        if let Some(t) = n.table() {
            let mut f = Fields::new(t, Some(span.clone()), "[office]");
            let a = area(src, &mut f, "office-use area", Some((120.0, 30.0)));
            let label = f
                .str(src, "label")
                .map(|l| l.0)
                .unwrap_or_else(|| "市役所使用欄".into());
            f.finish(src);
            if let Some(a) = a {
                if a.w < 60.0 || a.h < 22.0 {
                    src.error(span.clone(), "the office-use area needs at least 60×22 mm for the 受付・入力・審査 stamps", None);
                }
                elements.push(Element {
                    only_if: None,
                    kind: Kind::Office { label },
                    area: a,
                    name: "事務処理欄".into(),
                    line: line_of(src, &span),
                    span,
                });
            }
        }
    }
    // [qr]
    let mut qr = Area {
        x: width - margin - QR_SIZE,
        y: height - margin - QR_SIZE - QR_CAPTION,
        w: QR_SIZE,
        h: QR_SIZE + QR_CAPTION,
    };
    let mut qr_span = 0..0;
    if let Some(n) = top.get("qr") {
        qr_span = n.span().unwrap_or(0..0);
        if let Some(t) = n.table() {
            let mut f = Fields::new(t, Some(qr_span.clone()), "[qr]");
            if let Some(at) = f.req(src, "at", "at = [x, y]: the QR code's top-left corner") {
                if let Some((x, y)) = pair(src, &at, "at") {
                    qr.x = x;
                    qr.y = y;
                }
            }
            f.finish(src);
        }
    }
    top.finish(src);

    if !has_sig {
        src.warning(
            form_line..form_line,
            format!("template `{id}` has no [signature] box"),
            Some(
                "add [signature] at = [x, y], size = [w, h]: the resident only checks and signs"
                    .into(),
            ),
        );
    }
    if !has_office {
        src.warning(
            form_line..form_line,
            format!("template `{id}` has no [office] area (受付・入力・審査)"),
            Some("add [office] at = [x, y]".into()),
        );
    }

    // Inside the printable area.
    let inside = |a: &Area| {
        a.x >= margin - 0.01
            && a.y >= margin - 0.01
            && a.x + a.w <= width - margin + 0.01
            && a.y + a.h <= height - margin + 0.01
    };
    for e in &elements {
        if !inside(&e.area) {
            src.error(
                e.span.clone(),
                format!(
                    "`{}` lies outside the page: {:.1}–{:.1} × {:.1}–{:.1} mm, printable {margin}–{} × {margin}–{} mm",
                    short(&e.name), e.area.x, e.area.x + e.area.w, e.area.y, e.area.y + e.area.h, width - margin, height - margin
                ),
                Some("move it or make it smaller (mm from the top-left corner)".into()),
            );
        }
    }
    if !inside(&qr) {
        src.error(qr_span.clone(), "the QR code lies outside the page", None);
    }
    // Fields must not overlap each other or the QR code.
    let fields: Vec<&Element> = elements.iter().filter(|e| e.is_field()).collect();
    // Two elements that are never drawn together (`only_if` on the same value, different
    // codes) may share room.
    let exclusive = |a: &Element, b: &Element| match (&a.only_if, &b.only_if) {
        (Some(x), Some(y)) => x.excludes(y),
        _ => false,
    };
    for (k, a) in fields.iter().enumerate() {
        for b in &fields[..k] {
            if a.area.overlaps(&b.area) && !exclusive(a, b) {
                src.error(
                    a.span.clone(),
                    format!(
                        "`{}` ({:.1}–{:.1} × {:.1}–{:.1} mm) overlaps `{}` (line {}: {:.1}–{:.1} × {:.1}–{:.1} mm)",
                        short(&a.name),
                        a.area.x,
                        a.area.x + a.area.w,
                        a.area.y,
                        a.area.y + a.area.h,
                        short(&b.name),
                        b.line,
                        b.area.x,
                        b.area.x + b.area.w,
                        b.area.y,
                        b.area.y + b.area.h,
                    ),
                    Some("fields must not share room: move or shrink one of them".into()),
                );
            }
        }
        if a.area.overlaps(&qr) {
            src.error(
                a.span.clone(),
                format!("`{}` overlaps the page's QR code", short(&a.name)),
                Some(format!(
                    "the QR code takes {:.0}–{:.0} × {:.0}–{:.0} mm; move it with [qr] at = [x, y]",
                    qr.x,
                    qr.x + qr.w,
                    qr.y,
                    qr.y + qr.h
                )),
            );
        }
    }

    let roles_used = Template::collect_roles(&elements, &signer_role);
    Some(Template {
        signer_role,
        roles_used,
        id: id.to_string(),
        file: src.file.to_string(),
        title,
        title_en,
        per,
        width,
        height,
        margin,
        order,
        elements,
        qr,
    })
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}
