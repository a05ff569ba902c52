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

/// The case store and its configuration, when the print is recorded.
type Recording = Option<(crate::store::Store, crate::config::Config)>;

pub fn run(a: Args, g: &Global) -> i32 {
    print(&a, g).unwrap_or_else(|code| code)
}

/// The whole command; `Err` carries the exit code of a step that stopped it (its message
/// already said).
///
/// Everything that can stop the print is checked before a case is opened, so a print that
/// cannot start never leaves an open case holding the intake (issue #14, 5): the output
/// folder, the printer, the database, then the rendering itself (templates, the page limit,
/// characters without a glyph, values that do not fit), with a case code drawn beforehand
/// and printed on every page.
fn print(a: &Args, g: &Global) -> Result<i32, i32> {
    let (set, intake) = super::load_set_and_intake(g, &a.intake)?;
    let fonts = Fonts::system();
    let templates = load_templates(g, &set, &fonts)?;
    let today = g.today();
    let det = determine(&intake, &set, today);
    announce_pending(&det);

    prepare_out(&a.out)?;
    let printer_problem = a
        .printer
        .as_deref()
        .and_then(|q| Cups::default().check_queue(q).err());
    let mut store = if a.no_record || printer_problem.is_some() {
        None
    } else {
        open_recording(g)?
    };
    let case_code = case_code(&store, &intake)?;
    let bundle = render(
        &Input {
            intake: &intake,
            det: &det,
            set: &set,
            templates: &templates,
            today,
            case_code: &case_code,
            lang: a.lang,
            large_print: a.large_print,
            with_guidance: true,
        },
        &fonts,
    )?;
    let refusal = Refusal::of(&bundle, a);
    if refusal.refused() {
        // Nothing will be printed: the clerk checks the bundle first; no case yet.
        store = None;
    }
    let record = open_case(&mut store, &case_code, &intake, &set.digest, &det)?;
    let pdf_path = write_bundle(&a.out, &bundle, &mut store, record.as_ref())?;
    crate::say!(
        "{}: {} ページ (pages), 受付番号 (case) {case_code}",
        pdf_path.display(),
        bundle.manifest.pages.len()
    );
    let (code, printed) = print_or_refuse(a, &pdf_path, &case_code, printer_problem, &refusal);
    if let (Some((s, _)), Some(id)) = (store.as_mut(), record.as_ref()) {
        record_print(s, id, &bundle.manifest.to_json_pretty(), printed, code)?;
    }
    Ok(code)
}

/// The templates, or every problem in them (exit 2: the set is not used).
fn load_templates(
    g: &Global,
    set: &crate::rules::ProcedureSet,
    fonts: &Fonts,
) -> Result<forms::Templates, i32> {
    forms::load_templates(g.templates.as_deref(), set, fonts)
        .map(|(t, _warnings)| t)
        .map_err(|diags| {
            for d in &diags {
                crate::say!("{d}");
            }
            crate::say!("様式テンプレートにエラーがあります。`madoguchi templates check` で確認してください。 (the templates have errors)");
            exit::BAD_INPUT
        })
}

/// Tells the clerk that some procedures still wait for an answer (they go on the sheet).
fn announce_pending(det: &crate::rules::Determination) {
    if !det.pending.is_empty() {
        crate::say!(
            "注意: 確認が必要な手続が{}件あります (案内シートに記載します)。 ({} procedure(s) still need an answer; they are listed on the guidance sheet)",
            det.pending.len(),
            det.pending.len()
        );
    }
}

/// Creates the output folder and proves it writable. The papers of a case are personal
/// data: folders we create are 0700, files 0600.
fn prepare_out(out: &Path) -> Result<(), i32> {
    if let Err(e) = output::create_private_dir_all(out) {
        crate::say!("{}: cannot create the folder: {e}", out.display());
        return Err(output::io_exit(&e));
    }
    probe_out(out)
}

/// The case store the print is recorded in (STORE: the configuration's database).
fn open_recording(g: &Global) -> Result<Recording, i32> {
    let config = super::database::config(g)?;
    match super::database::open_store(g, &config) {
        Ok(s) => Ok(Some((s, config))),
        Err(code) => {
            crate::say!("記録せずに印刷するには --no-record を付けてください。 (use --no-record to print without recording)");
            Err(code)
        }
    }
}

/// The code on every page: a fresh one from the store, else derived from the intake.
fn case_code(store: &Recording, intake: &crate::intake::Intake) -> Result<String, i32> {
    match store {
        Some((s, _)) => draw_code(s).map_err(|e| super::database::fail(s.path(), &e)),
        None => Ok(forms::derived_case_code(intake)),
    }
}

/// Renders the bundle; the clerk sees every warning (characters that cannot be printed,
/// values that do not fit) before anything is printed.
fn render(input: &Input<'_>, fonts: &Fonts) -> Result<forms::Bundle, i32> {
    let bundle = match forms::render(input, fonts) {
        Ok(b) => b,
        Err(e @ forms::RenderError::MissingTemplate(_))
        | Err(e @ forms::RenderError::TooManyPages(_)) => {
            crate::say!("{e}");
            return Err(exit::BAD_INPUT);
        }
        Err(e) => return Err(super::internal_error(e)),
    };
    for w in &bundle.warnings {
        crate::say!("警告 (warning): {w}");
    }
    Ok(bundle)
}

/// Why a bundle sent to a printer is not printed yet: characters without a glyph or values
/// that do not fit, each until the clerk accepts them (`--accept-missing-glyphs`,
/// `--accept-overflow`).
struct Refusal {
    missing: usize,
    overflow: usize,
    glyphs: bool,
    overflows: bool,
}

impl Refusal {
    fn of(bundle: &forms::Bundle, a: &Args) -> Refusal {
        let count =
            |f: fn(&forms::Warning) -> bool| bundle.warnings.iter().filter(|w| f(w)).count();
        let missing = count(|w| matches!(w, forms::Warning::MissingGlyph { .. }));
        let overflow = count(|w| matches!(w, forms::Warning::Overflow { .. }));
        Refusal {
            missing,
            overflow,
            glyphs: a.printer.is_some() && missing > 0 && !a.accept_missing_glyphs,
            overflows: a.printer.is_some() && overflow > 0 && !a.accept_overflow,
        }
    }

    fn refused(&self) -> bool {
        self.glyphs || self.overflows
    }
}

/// Opens the case with the code on the pages, then saves the intake and the determination,
/// each committed at once.
fn open_case(
    store: &mut Recording,
    case_code: &str,
    intake: &crate::intake::Intake,
    digest: &str,
    det: &crate::rules::Determination,
) -> Result<Option<crate::store::CaseId>, i32> {
    let Some((s, config)) = store.as_mut() else {
        return Ok(None);
    };
    s.open_case_with_code(case_code, &config.clerk, Some(intake.event.kind))
        .and_then(|id| {
            id.ok_or_else(|| {
                crate::store::StoreError::Internal(format!(
                    "case code {case_code} was taken meanwhile; print again"
                ))
            })
        })
        .and_then(|id| {
            s.save_intake(&id, intake)?;
            s.save_determination(&id, digest, det)?;
            Ok(id)
        })
        .map(Some)
        .map_err(|e| super::database::fail(s.path(), &e))
}

/// Writes `bundle.pdf` and `manifest.json`; returns the PDF's path.
fn write_bundle(
    out: &Path,
    bundle: &forms::Bundle,
    store: &mut Recording,
    record: Option<&crate::store::CaseId>,
) -> Result<PathBuf, i32> {
    let pdf_path = out.join("bundle.pdf");
    let manifest_path = out.join("manifest.json");
    let manifest_text = bundle.manifest.to_json_pretty() + "\n";
    for (path, bytes) in [
        (&pdf_path, &bundle.pdf[..]),
        (&manifest_path, manifest_text.as_bytes()),
    ] {
        if let Err(e) = output::write_private_file(path, bytes) {
            crate::say!("{}: cannot write: {e}", path.display());
            // The folder was writable a moment ago (a full disk?): nothing was printed, so
            // the case just opened must not keep the intake.
            if let (Some((s, config)), Some(id)) = (store.as_mut(), record) {
                let _ = s.discard(id, &config.clerk);
            }
            return Err(output::io_exit(&e));
        }
    }
    Ok(pdf_path)
}

/// Sends the bundle to `--printer`, or says why not; the exit code and, when printed, the
/// queue and the job id.
fn print_or_refuse(
    a: &Args,
    pdf_path: &Path,
    case_code: &str,
    printer_problem: Option<crate::forms::printer::PrintError>,
    refusal: &Refusal,
) -> (i32, Option<(String, String)>) {
    let (missing, overflow) = (refusal.missing, refusal.overflow);
    match (&a.printer, printer_problem) {
        (None, _) => (exit::OK, None),
        // What the clerk must look at first (bad input) before what is unavailable.
        (Some(_), _) if refusal.glyphs => {
            crate::say!(
                "印刷していません: 印字できない文字が{missing}か所あります。確認のうえ、手書きで補う場合は --accept-missing-glyphs を付けて印刷してください。 (not printed: {missing} character(s) have no glyph; check them, then print with --accept-missing-glyphs)"
            );
            (exit::BAD_INPUT, None)
        }
        (Some(_), _) if refusal.overflows => {
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
            let mut job = PrintJob::new(queue, case_code);
            job.copies = a.copies.max(1);
            let mut cups = Cups::default();
            match cups.print(pdf_path, &job) {
                Ok(p) => {
                    crate::say!("印刷しました (printed): {} → {}", p.job_id, job.queue);
                    (exit::OK, Some((queue.clone(), p.job_id)))
                }
                Err(_) => (send(&mut cups, pdf_path, &job), None),
            }
        }
    }
}

/// Records the manifest and the print job with the case, and closes the case when the
/// bundle was printed (or only written).
fn record_print(
    s: &mut crate::store::Store,
    id: &crate::store::CaseId,
    manifest_json: &str,
    printed: Option<(String, String)>,
    code: i32,
) -> Result<(), i32> {
    let (printer, job) = match &printed {
        Some((q, j)) => (Some(q.as_str()), Some(j.as_str())),
        None => (None, None),
    };
    s.record_print(id, manifest_json, printer, job)
        .and_then(|_| {
            if code == exit::OK {
                s.close_case(id)
            } else {
                Ok(())
            }
        })
        .map_err(|e| super::database::fail(s.path(), &e))
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
