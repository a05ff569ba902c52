//! Previews: one form filled in for a sample household (`madoguchi templates preview`), so a
//! supervisor sees a template as a resident will.
//!
//! The household is the intake given, else the first sample of `templates/samples/` whose
//! determination uses the form: the page is then rendered exactly as in a bundle (the same
//! procedures, roles and members). A form no sample triggers is rendered for the first
//! sample whose event it serves, as if one procedure used it.

use super::fonts::Fonts;
use super::{Input, Template, Templates};
use crate::intake::{parse_intake, EventKind, Intake};
use crate::rules::{determine, Applied, AppliedExtra, Determination, Lang, ProcKind, ProcedureSet};
use chrono::NaiveDate;

/// The sample households, in the order they are tried. Between them they trigger every
/// shipped form (a test keeps it so), so each preview shows the people the form is for:
/// move-in (a family of four), death (an elderly head), head-change, foreign (a foreign
/// resident), move-abroad (a single mother and her nursery child), death-nhi (the NHI head of
/// a public-housing household), death-employee (an employee; his category-3 wife), move-within
/// (a single father and his daughter).
pub const SAMPLES: &[&str] = &[
    "samples/move-in.json",
    "samples/death.json",
    "samples/head-change.json",
    "samples/foreign.json",
    "samples/move-abroad.json",
    "samples/death-nhi.json",
    "samples/death-employee.json",
    "samples/move-within.json",
];

/// A sample household by its file (`samples/death.json`).
pub fn sample(set: &ProcedureSet, name: &str) -> Result<Intake, String> {
    let text = super::EMBEDDED_TEMPLATES
        .get_file(name)
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| format!("no sample {name}"))?;
    parse_intake(text, &set.vocabulary).map_err(|e| format!("{name}: {e}"))
}

/// Renders the pages of form `t` for `intake` (else a sample household).
pub fn render(
    set: &ProcedureSet,
    templates: &Templates,
    t: &Template,
    fonts: &Fonts,
    today: NaiveDate,
    lang: Lang,
    intake: Option<Intake>,
) -> Result<Vec<u8>, String> {
    let candidates: Vec<Intake> = match intake {
        Some(i) => vec![i],
        None => SAMPLES
            .iter()
            .map(|s| sample(set, s))
            .collect::<Result<_, _>>()?,
    };
    // A household whose determination uses the form: only those procedures.
    let mut chosen: Option<(Intake, Determination)> = None;
    for i in &candidates {
        let mut det = determine(i, set, today);
        // Only this form's pages; the other procedures stay (`applies.` boxes tick as in a
        // bundle) without their forms.
        for p in &mut det.procedures {
            p.forms.retain(|f| *f == t.id);
        }
        if det.procedures.iter().any(|p| !p.forms.is_empty()) {
            chosen = Some((i.clone(), det));
            break;
        }
    }
    let (intake, det) = match chosen {
        Some(c) => c,
        None => {
            // No sample triggers it: the first household whose event the form serves.
            let events: Vec<EventKind> = set
                .procedures
                .iter()
                .filter(|p| p.forms.contains(&t.id))
                .flat_map(|p| p.events.iter().copied())
                .collect();
            let i = candidates
                .iter()
                .find(|i| events.contains(&i.event.kind))
                .or(candidates.first())
                .cloned()
                .ok_or("no sample household")?;
            let det = as_if_used(&i, set, t);
            (i, det)
        }
    };
    let code = super::derived_case_code(&intake);
    let input = Input {
        intake: &intake,
        det: &det,
        set,
        templates,
        today,
        case_code: &code,
        lang,
        large_print: false,
        with_guidance: false,
    };
    super::render(&input, fonts)
        .map(|b| b.pdf)
        .map_err(|e| e.to_string())
}

/// A determination with one procedure using the form, for the event's subjects.
fn as_if_used(i: &Intake, set: &ProcedureSet, t: &Template) -> Determination {
    let base = determine(
        i,
        set,
        NaiveDate::from_ymd_opt(2026, 4, 6).unwrap_or_default(),
    );
    Determination {
        procedures: vec![Applied {
            id: "preview".into(),
            name: t.title.clone(),
            kind: ProcKind::Form,
            section: String::new(),
            counter: String::new(),
            members: i.subjects().iter().map(|m| m.id.clone()).collect(),
            deadline: None,
            deadline_text: "速やかに".into(),
            deadlines: vec![],
            basis: String::new(),
            reasons: vec![],
            bring: vec![],
            forms: vec![t.id.clone()],
            extra: AppliedExtra::default(),
        }],
        pending: vec![],
        excluded: vec![],
        ..base
    }
}
