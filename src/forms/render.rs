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
    let mut pages: Vec<Canvas<'_>> = vec![];
    let mut entries: Vec<PageEntry> = vec![];
    let code = input.case_code;

    // The guidance sheet.
    let sheet = Sheet {
        intake: input.intake,
        det: input.det,
        set: input.set,
        today: input.today,
        case_code: code,
        lang: input.lang,
        large: input.large_print,
    };
    let title_g = match input.lang {
        Lang::Ja => "窓口案内シート",
        Lang::En => "Guidance sheet",
    };
    let sheet_pages = if input.with_guidance {
        guidance::draw(&sheet, fonts, 1)
    } else {
        vec![]
    };
    for cv in sheet_pages {
        entries.push(PageEntry {
            page: cv.page_no,
            code: String::new(),
            form: "guidance".into(),
            title: title_g.into(),
            procedures: vec![],
            member: None,
            members: vec![],
            roles: BTreeMap::new(),
        });
        pages.push(cv);
    }

    // The forms, by the templates' `order`, then in procedure order.
    let mut form_ids = input.det.form_ids();
    form_ids.sort_by_key(|f| input.templates[*f].order);
    for form in form_ids {
        let t = &input.templates[form];
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
            roles: super::roles::resolve(input.intake, &procs, &t.signer_role),
        };
        // (member of the copy, procedures it serves, rows of its tables)
        let mut copies: Vec<(Option<&Member>, Vec<&Applied>, Vec<&Member>)> = vec![];
        let table = t.elements.iter().find_map(|e| match &e.kind {
            Kind::Table { rows, members, .. } => Some((*rows as usize, *members)),
            _ => None,
        });
        match t.per {
            Per::Member => {
                let members = members_for(super::template::RowSet::Procedure, &base);
                for m in members {
                    let serves: Vec<&Applied> = procs
                        .iter()
                        .copied()
                        .filter(|p| p.members.is_empty() || p.members.contains(&m.id))
                        .collect();
                    copies.push((Some(m), serves, vec![m]));
                }
                if copies.is_empty() {
                    copies.push((None, procs.clone(), vec![]));
                }
            }
            Per::Household => match table {
                Some((n, set)) => {
                    let rows = members_for(set, &base);
                    if rows.is_empty() {
                        copies.push((None, procs.clone(), vec![]));
                    }
                    for chunk in rows.chunks(n.max(1)) {
                        copies.push((None, procs.clone(), chunk.to_vec()));
                    }
                }
                None => copies.push((None, procs.clone(), vec![])),
            },
        }
        for (member, serves, rows) in copies {
            let n = pages.len() + 1;
            let ctx = Ctx {
                member,
                procedures: serves.clone(),
                roles: super::roles::resolve(input.intake, &serves, &t.signer_role),
                ..base.clone()
            };
            let mut cv = Canvas::new(fonts, t.width, t.height, n, form);
            draw_form(&mut cv, t, &ctx, &rows, &page_code(code, n));
            entries.push(PageEntry {
                page: n,
                code: page_code(code, n),
                form: form.to_string(),
                title: t.title.clone(),
                procedures: serves.iter().map(|p| p.id.clone()).collect(),
                member: member.map(|m| m.id.clone()),
                members: rows.iter().map(|m| m.id.clone()).collect(),
                roles: ctx.roles.manifest(&t.roles_used),
            });
            pages.push(cv);
        }
    }
    if pages.len() > 99 {
        return Err(RenderError::TooManyPages(pages.len()));
    }
    // QR codes on the guidance pages, now that numbers are final.
    let total = pages.len();
    for (cv, e) in pages.iter_mut().zip(entries.iter_mut()) {
        if e.form == "guidance" {
            let a = super::template::Area {
                x: 210.0 - 12.0 - super::template::QR_SIZE,
                y: 297.0 - 12.0 - super::template::QR_SIZE - super::template::QR_CAPTION,
                w: super::template::QR_SIZE,
                h: super::template::QR_SIZE + super::template::QR_CAPTION,
            };
            cv.qr(a, &page_code(code, e.page));
            guidance::footer(cv, input.lang, input.large_print);
        }
        e.code = page_code(code, e.page);
        cv.field = "ページ番号".into();
        let y = cv.page.height - 6.0;
        let x = cv.page.width / 2.0;
        cv.text(
            x,
            y,
            7.0,
            false,
            super::template::Align::Center,
            &format!("{} / {total}", e.page),
        );
    }

    let mut warnings = vec![];
    for cv in &mut pages {
        warnings.append(&mut cv.warnings);
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
        pages: pages.into_iter().map(|c| c.page).collect(),
    };
    let bytes = pdf::write(&doc, fonts);
    Ok(Bundle {
        pdf: bytes,
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
    })
}

impl Manifest {
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serializes")
    }
}
