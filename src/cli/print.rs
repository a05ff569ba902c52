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

    // Everything that can stop the print is checked before a case is opened, so a print
    // that cannot start never leaves an open case holding the intake (issue #14, 5): the
    // output folder, the printer, the database, then the rendering itself (templates, the
    // page limit, characters without a glyph, values that do not fit), with a case code
    // drawn beforehand and printed on every page.
    // The papers of a case are personal data: folders we create are 0700, files 0600.
    if let Err(e) = output::create_private_dir_all(&a.out) {
        crate::say!("{}: cannot create the folder: {e}", a.out.display());
        return output::io_exit(&e);
    }
    if let Err(code) = probe_out(&a.out) {
        return code;
    }
    let printer_problem = a
        .printer
        .as_deref()
        .and_then(|q| Cups::default().check_queue(q).err());
    let mut store = if a.no_record || printer_problem.is_some() {
        None
    } else {
        let config = match super::database::config(g) {
            Ok(c) => c,
            Err(code) => return code,
        };
        match super::database::open_store(g, &config) {
            Ok(s) => Some((s, config)),
            Err(code) => {
                crate::say!("記録せずに印刷するには --no-record を付けてください。 (use --no-record to print without recording)");
                return code;
            }
        }
    };
    let case_code = match &store {
        Some((s, _)) => match draw_code(s) {
            Ok(c) => c,
            Err(e) => return super::database::fail(s.path(), &e),
        },
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
        Err(e @ forms::RenderError::MissingTemplate(_))
        | Err(e @ forms::RenderError::TooManyPages(_)) => {
            crate::say!("{e}");
            return exit::BAD_INPUT;
        }
        Err(e) => return super::internal_error(e),
    };
    // The clerk sees every character that cannot be printed before anything is printed.
    for w in &bundle.warnings {
        crate::say!("警告 (warning): {w}");
    }
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
    let glyphs_refused = a.printer.is_some() && missing > 0 && !a.accept_missing_glyphs;
    let overflow_refused = a.printer.is_some() && overflow > 0 && !a.accept_overflow;
    if glyphs_refused || overflow_refused {
        // Nothing will be printed: the clerk checks the bundle first; no case yet.
        store = None;
    }

    // The case: opened with the code on the pages, then the intake and the determination,
    // each committed at once.
    let mut record = None;
    if let Some((s, config)) = store.as_mut() {
        let r = s
            .open_case_with_code(&case_code, &config.clerk, Some(intake.event.kind))
            .and_then(|id| {
                id.ok_or_else(|| {
                    crate::store::StoreError::Internal(format!(
                        "case code {case_code} was taken meanwhile; print again"
                    ))
                })
            })
            .and_then(|id| {
                s.save_intake(&id, &intake)?;
                s.save_determination(&id, &set.digest, &det)?;
                Ok(id)
            });
        match r {
            Ok(id) => record = Some(id),
            Err(e) => return super::database::fail(s.path(), &e),
        }
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
            // The folder was writable a moment ago (a full disk?): nothing was printed, so
            // the case just opened must not keep the intake.
            if let (Some((s, config)), Some(id)) = (store.as_mut(), record.as_ref()) {
                let _ = s.discard(id, &config.clerk);
            }
            return output::io_exit(&e);
        }
    }
    crate::say!(
        "{}: {} ページ (pages), 受付番号 (case) {case_code}",
        pdf_path.display(),
        bundle.manifest.pages.len()
    );
    let manifest_json = bundle.manifest.to_json_pretty();
    let (code, printed) = match (&a.printer, printer_problem) {
        (None, _) => (exit::OK, None),
        // What the clerk must look at first (bad input) before what is unavailable.
        (Some(_), _) if glyphs_refused => {
            crate::say!(
                "印刷していません: 印字できない文字が{missing}か所あります。確認のうえ、手書きで補う場合は --accept-missing-glyphs を付けて印刷してください。 (not printed: {missing} character(s) have no glyph; check them, then print with --accept-missing-glyphs)"
            );
            (exit::BAD_INPUT, None)
        }
        (Some(_), _) if overflow_refused => {
            crate::say!(
                "印刷していません: 欄に収まらない値が{overflow}か所あります。確認のうえ、手書きで補う場合は --accept-overflow を付けて印刷してください。 (not printed: {overflow} value(s) do not fit their box; check them, then print with --accept-overflow)"
            );
            (exit::BAD_INPUT, None)
        }
        (Some(_), Some(e)) => {
            crate::say!("{e}");
            crate::say!(
                "印刷していません。案件は記録していません。書類は {} に保存されています。プリンタを確認して、もう一度印刷してください (not printed, no case recorded; the bundle is kept)",
                pdf_path.display()
            );
            (exit::DEVICE, None)
        }
        (Some(queue), None) => {
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
    if let (Some((s, _)), Some(id)) = (store.as_mut(), record.as_ref()) {
        let (printer, job) = match &printed {
            Some((q, j)) => (Some(q.as_str()), Some(j.as_str())),
            None => (None, None),
        };
        let r = s
            .record_print(id, &manifest_json, printer, job)
            .and_then(|_| {
                if code == exit::OK {
                    s.close_case(id)
                } else {
                    Ok(())
                }
            });
        if let Err(e) = r {
            return super::database::fail(s.path(), &e);
        }
    }
    code
}

/// Proves the output folder writable before anything is recorded.
fn probe_out(out: &Path) -> Result<(), i32> {
    if !out.is_dir() {
        crate::say!("{}: フォルダではありません (not a folder)", out.display());
        return Err(exit::BAD_INPUT);
    }
    let probe = out.join(format!(".madoguchi-write-test-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => {
            crate::say!(
                "{}: 出力フォルダに書き込めません (cannot write into the folder): {e}",
                out.display()
            );
            Err(output::io_exit(&e))
        }
    }
}

/// A fresh case code not used in the store yet (the pages carry it before the case exists).
fn draw_code(store: &crate::store::Store) -> Result<String, crate::store::StoreError> {
    for _ in 0..16 {
        let c = crate::store::new_code()?;
        if store.code_is_free(&c)? {
            return Ok(c);
        }
    }
    Err(crate::store::StoreError::Internal(
        "could not draw an unused case code".into(),
    ))
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
