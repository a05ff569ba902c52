//! The bundle: the guidance sheet first, then every form the case needs, filled in; each
//! page with a QR code `MDGC<case code>P<page>`; and the manifest (page → form, procedure,
//! member). Pure and deterministic: the same inputs give the same bytes.

use super::bind::Ctx;
use super::fonts::Fonts;
use super::guidance::{self, Sheet};
use super::layout::{draw_form, members_for, Canvas, Warning};
use super::pdf::{self, Doc};
use super::template::{Kind, Per, Template};
use crate::intake::{Intake, Member};
use crate::rules::{Applied, Determination, Lang, ProcedureSet};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Crockford base32 (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The case code used when the store has not assigned one (`print --no-record`): 8
/// Crockford base32 characters from a hash of the intake, so the same intake gives the same
/// code.
pub fn derived_case_code(intake: &Intake) -> String {
    let h = Sha256::digest(intake.to_json().as_bytes());
    let mut bits: u64 = 0;
    for b in &h[..5] {
        bits = (bits << 8) | *b as u64;
    }
    (0..8)
        .rev()
        .map(|k| CROCKFORD[((bits >> (k * 5)) & 31) as usize] as char)
        .collect()
}

/// Whether a case code has the contract's shape (8 Crockford characters, upper case).
pub fn is_case_code(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| CROCKFORD.contains(&b))
}

/// The text of a page's QR code: `MDGC` + case code + `P` + two-digit page number.
pub fn page_code(case: &str, page: usize) -> String {
    format!("MDGC{case}P{page:02}")
}

/// Everything one bundle is made from.
pub struct Input<'a> {
    pub intake: &'a Intake,
    pub det: &'a Determination,
    pub set: &'a ProcedureSet,
    pub templates: &'a BTreeMap<String, Template>,
    /// 届出日 default (today in Japan, or `--today`).
    pub today: NaiveDate,
    pub case_code: &'a str,
    pub lang: Lang,
    /// Large print guidance sheet for elderly residents.
    pub large_print: bool,
    /// Put the guidance sheet first (a form preview leaves it out).
    pub with_guidance: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    pub format: &'static str,
    pub case_code: String,
    pub title: String,
    pub procedure_set: crate::rules::SetRef,
    pub event: crate::rules::EventRef,
    pub lang: Lang,
    pub pages: Vec<PageEntry>,
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PageEntry {
    pub page: usize,
    pub code: String,
    /// The form id, or `guidance` for the guidance sheet.
    pub form: String,
    pub title: String,
    /// The procedures this page serves.
    pub procedures: Vec<String>,
    /// The member of a per-member form.
    pub member: Option<String>,
    /// The members listed on the page (tables).
    pub members: Vec<String>,
    /// Who is in each role of the form (`forms::roles`): role → member id
    /// (`event.applicant` for a 届出人 from outside the household; `heirs` is a list).
    pub roles: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug)]
pub struct Bundle {
    pub pdf: Vec<u8>,
    pub manifest: Manifest,
    /// Missing glyphs and values that do not fit: show them to the clerk before printing.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("no template for form `{0}` (templates/{0}.toml)")]
    MissingTemplate(String),
    #[error("the bundle would have {0} pages; a case code carries at most 99")]
    TooManyPages(usize),
    #[error("case code {0:?} is not 8 Crockford base32 characters")]
    BadCaseCode(String),
}

/// Guidance sheet + forms → one PDF, with the manifest and the warnings.
pub fn render(input: &Input<'_>, fonts: &Fonts) -> Result<Bundle, RenderError> {
    if !is_case_code(input.case_code) {
        return Err(RenderError::BadCaseCode(input.case_code.to_string()));
    }
    for id in input.det.form_ids() {
        if !input.templates.contains_key(id) {
            return Err(RenderError::MissingTemplate(id.to_string()));
        }
    }
    let mut pages = guidance_pages(input, fonts);
    // The forms, by the templates' `order`, then in procedure order.
    let mut form_ids = input.det.form_ids();
    form_ids.sort_by_key(|f| input.templates[*f].order);
    for form in form_ids {
        form_pages(input, fonts, form, &mut pages);
    }
    if pages.len() > 99 {
        return Err(RenderError::TooManyPages(pages.len()));
    }
    number_pages(input, &mut pages);
    Ok(write(input, fonts, pages))
}

/// The guidance sheet's pages (none for a preview).
fn guidance_pages<'f>(input: &Input<'_>, fonts: &'f Fonts) -> Vec<(Canvas<'f>, PageEntry)> {
    if !input.with_guidance {
        return vec![];
    }
    let sheet = Sheet {
        intake: input.intake,
        det: input.det,
        set: input.set,
        today: input.today,
        case_code: input.case_code,
        lang: input.lang,
        large: input.large_print,
    };
    let title = match input.lang {
        Lang::Ja => "窓口案内シート",
        Lang::En => "Guidance sheet",
    };
    guidance::draw(&sheet, fonts, 1)
        .into_iter()
        .map(|cv| {
            let e = PageEntry {
                page: cv.page_no,
                code: String::new(),
                form: "guidance".into(),
                title: title.into(),
                procedures: vec![],
                member: None,
                members: vec![],
                roles: BTreeMap::new(),
            };
            (cv, e)
        })
        .collect()
}

/// One copy of a form: the member of a per-member form, the procedures it serves and the
/// members of its table.
type FormCopy<'a> = (Option<&'a Member>, Vec<&'a Applied>, Vec<&'a Member>);

/// The copies a form gets: one per member of a per-member form; a household form one, or one
/// sheet per `rows` members of its table (「2枚のうち1枚目」).
fn copies<'a>(t: &Template, procs: &[&'a Applied], base: &Ctx<'a>) -> Vec<FormCopy<'a>> {
    let mut copies: Vec<FormCopy<'a>> = vec![];
    match t.per {
        Per::Member => {
            for m in members_for(super::template::RowSet::Procedure, base) {
                let serves: Vec<&Applied> = procs
                    .iter()
                    .copied()
                    .filter(|p| p.members.is_empty() || p.members.contains(&m.id))
                    .collect();
                copies.push((Some(m), serves, vec![m]));
            }
        }
        Per::Household => {
            let table = t.elements.iter().find_map(|e| match &e.kind {
                Kind::Table { rows, members, .. } => Some((*rows as usize, *members)),
                _ => None,
            });
            if let Some((n, set)) = table {
                let rows = members_for(set, base);
                for chunk in rows.chunks(n.max(1)) {
                    copies.push((None, procs.to_vec(), chunk.to_vec()));
                }
            }
        }
    }
    if copies.is_empty() {
        copies.push((None, procs.to_vec(), vec![]));
    }
    copies
}

/// Draws every copy of `form` onto new pages, each with its manifest entry and roles.
fn form_pages<'f>(
    input: &Input<'_>,
    fonts: &'f Fonts,
    form: &str,
    pages: &mut Vec<(Canvas<'f>, PageEntry)>,
) {
    let t = &input.templates[form];
    let code = input.case_code;
    let procs: Vec<&Applied> = input
        .det
        .procedures
        .iter()
        .filter(|p| p.forms.iter().any(|f| f == form))
        .collect();
    let base = Ctx {
        intake: input.intake,
        det: input.det,
        set: input.set,
        today: input.today,
        case_code: code,
        procedures: procs.clone(),
        member: None,
        roles: super::roles::resolve(input.intake, &procs, None, &t.signer_role),
    };
    let copies = copies(t, &procs, &base);
    let sheets = copies.len();
    for (k, (member, serves, rows)) in copies.into_iter().enumerate() {
        let n = pages.len() + 1;
        let ctx = Ctx {
            member,
            procedures: serves.clone(),
            roles: super::roles::resolve(input.intake, &serves, member, &t.signer_role),
            ..base.clone()
        };
        let mut cv = Canvas::new(fonts, t.width, t.height, n, form);
        cv.en = input.lang == Lang::En;
        draw_form(&mut cv, t, &ctx, &rows, &page_code(code, n));
        if t.per == Per::Household && sheets > 1 {
            sheet_number(&mut cv, t, k + 1, sheets);
        }
        let e = PageEntry {
            page: n,
            code: page_code(code, n),
            form: form.to_string(),
            title: t.title.clone(),
            procedures: serves.iter().map(|p| p.id.clone()).collect(),
            member: member.map(|m| m.id.clone()),
            members: rows.iter().map(|m| m.id.clone()).collect(),
            roles: ctx.roles.manifest(&t.roles_used),
        };
        pages.push((cv, e));
    }
}

/// Once the page count is known: the guidance pages' QR codes and footer, and 「n / N」 on
/// every page.
fn number_pages(input: &Input<'_>, pages: &mut [(Canvas<'_>, PageEntry)]) {
    use super::template::{Align, Area, QR_CAPTION, QR_SIZE};
    let total = pages.len();
    for (cv, e) in pages.iter_mut() {
        e.code = page_code(input.case_code, e.page);
        if e.form == "guidance" {
            let a = Area {
                x: 210.0 - 12.0 - QR_SIZE,
                y: 297.0 - 12.0 - QR_SIZE - QR_CAPTION,
                w: QR_SIZE,
                h: QR_SIZE + QR_CAPTION,
            };
            cv.qr(a, &e.code);
            guidance::footer(cv, input.lang, input.large_print);
        }
        cv.field = "ページ番号".into();
        let (x, y) = (cv.page.width / 2.0, cv.page.height - 6.0);
        let n = format!("{} / {total}", e.page);
        cv.text(x, y, 7.0, false, Align::Center, &n);
    }
}

/// The PDF and the manifest, with every page's warnings.
fn write(input: &Input<'_>, fonts: &Fonts, pages: Vec<(Canvas<'_>, PageEntry)>) -> Bundle {
    let code = input.case_code;
    let (pages, entries): (Vec<_>, Vec<_>) = pages.into_iter().unzip();
    let mut warnings = vec![];
    let mut drawn = vec![];
    for mut cv in pages {
        warnings.append(&mut cv.warnings);
        drawn.push(cv.page);
    }
    let town = input.set.municipality.name.get(input.lang).to_string();
    // No personal data in the title: the town, the kind of bundle and the case code.
    let title = match input.lang {
        Lang::Ja => format!("{town} 窓口案内・届出書 {code}"),
        Lang::En => format!("{town} guidance and forms {code}"),
    };
    let doc = Doc {
        title: title.clone(),
        date: Some(input.intake.notified_on(input.today)),
        pages: drawn,
    };
    Bundle {
        pdf: pdf::write(&doc, fonts),
        manifest: Manifest {
            format: "madoguchi-bundle/1",
            case_code: code.to_string(),
            title,
            procedure_set: input.det.procedure_set.clone(),
            event: input.det.event.clone(),
            lang: input.lang,
            pages: entries,
            warnings: warnings.clone(),
        },
        warnings,
    }
}

/// 「N枚のうちM枚目」 in the top margin at the right (with `--lang en` also "sheet M of N").
fn sheet_number(cv: &mut Canvas<'_>, t: &Template, k: usize, n: usize) {
    cv.field = "枚数".into();
    let x = t.width - t.margin;
    let y = t.margin - 3.0;
    let ja = format!("{n}枚のうち{k}枚目");
    if cv.en {
        let en = format!("sheet {k} of {n}");
        let we = cv.width_en(&en, 7.0, false);
        cv.text_en(x, y, 7.0, false, super::template::Align::Right, &en);
        cv.text(
            x - we - super::template::EN_GAP,
            y,
            8.5,
            true,
            super::template::Align::Right,
            &ja,
        );
    } else {
        cv.text(x, y, 8.5, true, super::template::Align::Right, &ja);
    }
}

impl Manifest {
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serializes")
    }
}
