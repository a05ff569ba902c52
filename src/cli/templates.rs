//! `madoguchi templates check [DIR]` and `madoguchi templates preview ID --out FILE`.

use super::{exit, Global};
use crate::forms::{self, fonts::Fonts, Input};
use crate::intake::parse_intake;
use crate::rules::{Applied, AppliedExtra, Determination, EventRef, Lang, ProcKind, SetRef};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Check every template.
    Check { dir: Option<std::path::PathBuf> },
    /// Render one form with sample data.
    Preview {
        id: String,
        #[arg(long, default_value = "preview.pdf")]
        out: std::path::PathBuf,
    },
}

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    let set = match super::procedures::load_set(g, None) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let fonts = Fonts::system();
    match cmd {
        Cmd::Check { dir } => {
            let dir = dir.or(g.templates.clone());
            let label = dir
                .as_ref()
                .map_or("(embedded)".to_string(), |d| d.display().to_string());
            match forms::load_templates(dir.as_deref(), &set, &fonts) {
                Ok((t, warnings)) => {
                    for w in &warnings {
                        crate::say!("{w}");
                    }
                    let ids = forms::template_ids(dir.as_deref());
                    let mut missing = vec![];
                    for p in &set.procedures {
                        for f in &p.forms {
                            if !ids.contains(f) && !missing.contains(f) {
                                missing.push(f.clone());
                            }
                        }
                    }
                    if !missing.is_empty() {
                        crate::say!(
                            "error: the procedure set uses forms without a template: {}",
                            missing.join(", ")
                        );
                        return exit::BAD_INPUT;
                    }
                    super::output::stdout(format!(
                        "{label}: {} templates OK ({} warning(s))\n",
                        t.len(),
                        warnings.len()
                    ))
                }
                Err(diags) => {
                    for d in &diags {
                        crate::say!("{d}");
                    }
                    let n = diags.iter().filter(|d| d.is_error()).count();
                    crate::say!("様式テンプレートにエラーが{n}件あります。 ({n} error(s))");
                    exit::BAD_INPUT
                }
            }
        }
        Cmd::Preview { id, out } => {
            let templates = match forms::load_templates(g.templates.as_deref(), &set, &fonts) {
                Ok((t, _)) => t,
                Err(diags) => {
                    for d in &diags {
                        crate::say!("{d}");
                    }
                    return exit::BAD_INPUT;
                }
            };
            let Some(t) = templates.get(&id) else {
                crate::say!(
                    "no template `{id}`; templates: {}",
                    templates.keys().cloned().collect::<Vec<_>>().join(", ")
                );
                return exit::BAD_INPUT;
            };
            match preview(&set, &templates, t, &fonts, g.today()) {
                Ok(bytes) => match std::fs::write(&out, bytes) {
                    Ok(()) => {
                        crate::say!("{}: {id}", out.display());
                        exit::OK
                    }
                    Err(e) => {
                        crate::say!("{}: cannot write: {e}", out.display());
                        super::output::io_exit(&e)
                    }
                },
                Err(e) => super::internal_error(e),
            }
        }
    }
}

/// Renders one form with the sample household of `templates/samples/` (the death sample for
/// forms of death procedures).
pub fn preview(
    set: &crate::rules::ProcedureSet,
    templates: &std::collections::BTreeMap<String, forms::Template>,
    t: &forms::Template,
    fonts: &Fonts,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    let death_forms = [
        "nhi-funeral",
        "late-elderly-funeral",
        "disability-return",
        "heir-representative",
        "water",
        "cremation-permit",
    ];
    let uses_death = death_forms.contains(&t.id.as_str())
        || set.procedures.iter().any(|p| {
            p.forms.contains(&t.id)
                && p.events
                    .iter()
                    .all(|e| *e == crate::intake::EventKind::Death)
        });
    let sample = if uses_death {
        "samples/death.json"
    } else {
        "samples/move-in.json"
    };
    let text = forms::EMBEDDED_TEMPLATES
        .get_file(sample)
        .and_then(|f| f.contents_utf8())
        .ok_or("the sample intake is embedded")?;
    let intake = parse_intake(text, &set.vocabulary).map_err(|e| e.to_string())?;
    let members: Vec<String> = intake.subjects().iter().map(|m| m.id.clone()).collect();
    let det = Determination {
        procedure_set: SetRef {
            name: set.name.clone(),
            digest: set.digest.clone(),
        },
        event: EventRef {
            kind: intake.event.kind,
            date: intake.event.date,
        },
        procedures: vec![Applied {
            id: "preview".into(),
            name: t.title.clone(),
            kind: ProcKind::Form,
            section: String::new(),
            counter: String::new(),
            members,
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
    };
    let code = forms::derived_case_code(&intake);
    let input = Input {
        intake: &intake,
        det: &det,
        set,
        templates,
        today,
        case_code: &code,
        lang: Lang::Ja,
        large_print: false,
        with_guidance: false,
    };
    forms::render(&input, fonts)
        .map(|b| b.pdf)
        .map_err(|e| e.to_string())
}
