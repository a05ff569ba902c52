//! `madoguchi print --intake FILE --out DIR [--printer NAME] [--lang ja|en]`: the guidance
//! sheet and every pre-filled form in `DIR/bundle.pdf`, the page map in `DIR/manifest.json`,
//! and with `--printer` the bundle sent to that CUPS queue.

use super::{exit, output, Global};
use crate::forms::printer::{Cups, PrintJob, Printer};
use crate::forms::{self, fonts::Fonts, Input};
use crate::rules::determine;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub intake: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    /// CUPS queue to send the bundle to.
    #[arg(long)]
    pub printer: Option<String>,
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: crate::rules::Lang,
    /// Do not record the case in the database.
    #[arg(long)]
    pub no_record: bool,
    /// Large print guidance sheet (for elderly residents).
    #[arg(long)]
    pub large_print: bool,
    /// Copies to print.
    #[arg(long, default_value_t = 1)]
    pub copies: u32,
    /// Print even though some characters have no glyph (they will be written by hand).
    #[arg(long)]
    pub accept_missing_glyphs: bool,
    /// Print even though some values do not fit their box (the rest will be written by hand).
    #[arg(long)]
    pub accept_overflow: bool,
}

pub fn run(a: Args, g: &Global) -> i32 {
    let (set, intake) = match super::load_set_and_intake(g, &a.intake) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let fonts = Fonts::system();
    let templates = match forms::load_templates(g.templates.as_deref(), &set, &fonts) {
        Ok((t, _warnings)) => t,
        Err(diags) => {
            for d in &diags {
                crate::say!("{d}");
            }
            crate::say!("様式テンプレートにエラーがあります。`madoguchi templates check` で確認してください。 (the templates have errors)");
            return exit::BAD_INPUT;
        }
    };
    let today = g.today();
    let det = determine(&intake, &set, today);
    if !det.pending.is_empty() {
        crate::say!(
            "注意: 確認が必要な手続が{}件あります (案内シートに記載します)。 ({} procedure(s) still need an answer; they are listed on the guidance sheet)",
            det.pending.len(),
            det.pending.len()
        );
    }

    // The case is recorded first (unless --no-record): the store gives the code printed on
    // every page, and every step is committed as it happens.
    let mut record = if a.no_record {
        None
    } else {
        match open_record(g, &intake, &set.digest, &det) {
            Ok(r) => Some(r),
            Err(code) => return code,
        }
    };
    let case_code = match &record {
        Some((_, id)) => id.code.clone(),
        None => forms::derived_case_code(&intake),
    };

    let input = Input {
        intake: &intake,
        det: &det,
        set: &set,
        templates: &templates,
        today,
        case_code: &case_code,
        lang: a.lang,
        large_print: a.large_print,
        with_guidance: true,
    };
    let bundle = match forms::render(&input, &fonts) {
        Ok(b) => b,
        Err(e @ forms::RenderError::MissingTemplate(_)) => {
            crate::say!("{e}");
            return exit::BAD_INPUT;
        }
        Err(e) => return super::internal_error(e),
    };
    // The clerk sees every character that cannot be printed before anything is printed.
    for w in &bundle.warnings {
        crate::say!("警告 (warning): {w}");
    }
    // The papers of a case are personal data: folders we create are 0700, files 0600.
    if let Err(e) = output::create_private_dir_all(&a.out) {
        crate::say!("{}: cannot create the folder: {e}", a.out.display());
        return output::io_exit(&e);
    }
    let pdf_path = a.out.join("bundle.pdf");
    let manifest_path = a.out.join("manifest.json");
    let manifest_text = bundle.manifest.to_json_pretty() + "\n";
    for (path, bytes) in [
        (&pdf_path, &bundle.pdf[..]),
        (&manifest_path, manifest_text.as_bytes()),
    ] {
        if let Err(e) = output::write_private_file(path, bytes) {
            crate::say!("{}: cannot write: {e}", path.display());
            return output::io_exit(&e);
        }
    }
    crate::say!(
        "{}: {} ページ (pages), 受付番号 (case) {case_code}",
        pdf_path.display(),
        bundle.manifest.pages.len()
    );
    let manifest_json = bundle.manifest.to_json_pretty();
    let missing = bundle
        .warnings
        .iter()
        .filter(|w| matches!(w, forms::Warning::MissingGlyph { .. }))
        .count();
    let overflow = bundle
        .warnings
        .iter()
        .filter(|w| matches!(w, forms::Warning::Overflow { .. }))
        .count();
    let (code, printed) = match &a.printer {
        None => (exit::OK, None),
        Some(_) if missing > 0 && !a.accept_missing_glyphs => {
            crate::say!(
                "印刷していません: 印字できない文字が{missing}か所あります。確認のうえ、手書きで補う場合は --accept-missing-glyphs を付けて印刷してください。 (not printed: {missing} character(s) have no glyph; check them, then print with --accept-missing-glyphs)"
            );
            (exit::BAD_INPUT, None)
        }
        Some(_) if overflow > 0 && !a.accept_overflow => {
            eprintln!(
                "印刷していません: 欄に収まらない値が{overflow}か所あります。確認のうえ、手書きで補う場合は --accept-overflow を付けて印刷してください。 (not printed: {overflow} value(s) do not fit their box; check them, then print with --accept-overflow)"
            );
            (exit::BAD_INPUT, None)
        }
        Some(queue) => {
            let mut job = PrintJob::new(queue, &case_code);
            job.copies = a.copies.max(1);
            let mut cups = Cups::default();
            match cups.print(&pdf_path, &job) {
                Ok(p) => {
                    crate::say!("印刷しました (printed): {} → {}", p.job_id, job.queue);
                    (exit::OK, Some((queue.clone(), p.job_id)))
                }
                Err(_) => (send(&mut cups, &pdf_path, &job), None),
            }
        }
    };
    if let Some((store, id)) = record.as_mut() {
        let (printer, job) = match &printed {
            Some((q, j)) => (Some(q.as_str()), Some(j.as_str())),
            None => (None, None),
        };
        let r = store
            .record_print(id, &manifest_json, printer, job)
            .and_then(|_| {
                if code == exit::OK {
                    store.close_case(id)
                } else {
                    Ok(())
                }
            });
        if let Err(e) = r {
            crate::say!("{e}");
            return e.exit_code();
        }
    }
    code
}

/// Opens the case in the store and records the intake and the determination.
fn open_record(
    g: &Global,
    intake: &crate::intake::Intake,
    digest: &str,
    det: &crate::rules::Determination,
) -> Result<(crate::store::Store, crate::store::CaseId), i32> {
    let config = crate::config::Config::load(g.config.as_deref()).map_err(|e| {
        crate::say!("{e}");
        exit::BAD_INPUT
    })?;
    let path = config.db_path(g.db.as_deref(), g.training);
    let fail = |e: crate::store::StoreError| {
        crate::say!("{e}");
        crate::say!("記録せずに印刷するには --no-record を付けてください。 (use --no-record to print without recording)");
        e.exit_code()
    };
    let mut store = crate::store::Store::open(&path).map_err(fail)?;
    let id = store
        .open_case(&config.clerk, Some(intake.event.kind))
        .map_err(fail)?;
    store.save_intake(&id, intake).map_err(fail)?;
    store.save_determination(&id, digest, det).map_err(fail)?;
    Ok((store, id))
}

/// Sends the bundle; on failure the bundle stays where it is and the clerk is told why and
/// how to retry (exit 3).
pub fn send(printer: &mut dyn Printer, pdf: &Path, job: &PrintJob) -> i32 {
    match printer.print(pdf, job) {
        Ok(p) => {
            crate::say!("印刷しました (printed): {} → {}", p.job_id, job.queue);
            exit::OK
        }
        Err(e) => {
            crate::say!("{e}");
            crate::say!(
                "書類は {} に保存されています。プリンタを確認して再印刷するか、別のプリンタを選んでください: lp -d <プリンタ> -o media=A4 {} (the bundle is kept; retry, or pick another printer with --printer)",
                pdf.display(),
                pdf.display()
            );
            exit::DEVICE
        }
    }
}
