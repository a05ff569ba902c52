//! `madoguchi templates check [DIR]` and `madoguchi templates preview ID --out FILE`.

use super::{exit, Global};
use crate::forms::{self, fonts::Fonts};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Check every template.
    Check { dir: Option<std::path::PathBuf> },
    /// Render one form with sample data.
    Preview {
        id: String,
        #[arg(long, default_value = "preview.pdf")]
        out: std::path::PathBuf,
        /// Captions in Japanese, or in Japanese and English.
        #[arg(long, value_enum, default_value = "ja")]
        lang: crate::rules::Lang,
        /// The household to fill in (default: the first sample of templates/samples/ that uses the form).
        #[arg(long)]
        intake: Option<std::path::PathBuf>,
    },
}

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    let set = match super::set::load_set(g, None) {
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
        Cmd::Preview {
            id,
            out,
            lang,
            intake,
        } => {
            let intake = match intake {
                Some(p) => match super::load_set_and_intake(g, &p) {
                    Ok((_, i)) => Some(i),
                    Err(c) => return c,
                },
                None => None,
            };
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
            match forms::preview::render(&set, &templates, t, &fonts, g.today(), lang, intake) {
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
