//! Printing, behind a small trait: the real printer sends the bundle to a CUPS queue with
//! `lp` and follows the job with `lpstat`; a double records what it was asked. Printing never
//! deletes the bundle: when the printer is off or the job fails, the clerk sees why and can
//! retry or pick another printer.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One print job. The title carries no personal data (the case code only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintJob {
    pub queue: String,
    pub copies: u32,
    pub title: String,
    /// Pages to print (`lp -P`, e.g. `1-2,5`); all when `None`.
    pub pages: Option<String>,
}

impl PrintJob {
    pub fn new(queue: &str, case_code: &str) -> Self {
        PrintJob {
            queue: queue.to_string(),
            copies: 1,
            title: format!("madoguchi {case_code}"),
            pages: None,
        }
    }

    /// The `lp` arguments for a file.
    pub fn lp_args(&self, file: &Path) -> Vec<String> {
        let pages = match &self.pages {
            Some(p) => vec!["-P".to_string(), p.clone()],
            None => vec![],
        };
        let mut args = vec![
            "-d".into(),
            self.queue.clone(),
            "-o".into(),
            "media=A4".into(),
            "-n".into(),
            self.copies.to_string(),
            "-t".into(),
            self.title.clone(),
        ];
        args.extend(pages);
        args.extend(["--".to_string(), file.display().to_string()]);
        args
    }
}

/// What became of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    /// CUPS job id, e.g. `madoguchi-pdf-12`.
    pub job_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("プリンタ「{0}」が見つかりません (no printer named {0:?}): {1}")]
    NoSuchPrinter(String, String),
    #[error("プリンタ「{0}」は停止中です (printer {0:?} is not accepting jobs): {1}")]
    Offline(String, String),
    #[error("印刷を送れませんでした (lp failed): {0}")]
    Submit(String),
    #[error("印刷ジョブ {0} が失敗しました (the job failed): {1}")]
    JobFailed(String, String),
    #[error("印刷ジョブ {0} が {1} 秒たっても終わりません。用紙・カバーを確認してください (the job is still waiting)")]
    Timeout(String, u64),
    #[error("CUPS のコマンドを実行できません (cannot run {0}): {1}")]
    Tools(String, String),
}

pub trait Printer {
    /// Sends a PDF and waits until the printer has taken it.
    fn print(&mut self, pdf: &Path, job: &PrintJob) -> Result<Printed, PrintError>;
}

/// A CUPS queue through `lp` and `lpstat`.
pub struct Cups {
    pub lp: PathBuf,
    pub lpstat: PathBuf,
    /// How long to follow a job before telling the clerk to look at the printer.
    pub timeout: Duration,
    pub poll: Duration,
}

impl Default for Cups {
    fn default() -> Self {
        Cups {
            lp: "lp".into(),
            lpstat: "lpstat".into(),
            timeout: Duration::from_secs(60),
            poll: Duration::from_millis(250),
        }
    }
}

fn run(cmd: &Path, args: &[&str]) -> Result<(bool, String, String), PrintError> {
    let out = Command::new(cmd)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| PrintError::Tools(cmd.display().to_string(), e.to_string()))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    ))
}

/// The job id in `lp`'s answer: "request id is madoguchi-pdf-12 (1 file(s))".
pub fn parse_request_id(stdout: &str) -> Option<String> {
    let rest = stdout.split("request id is ").nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

impl Cups {
    /// The queue's state line, or why it cannot print.
    pub fn check_queue(&self, queue: &str) -> Result<(), PrintError> {
        let (ok, out, err) = run(&self.lpstat, &["-p", queue])?;
        if !ok {
            return Err(PrintError::NoSuchPrinter(
                queue.into(),
                if err.is_empty() { out } else { err },
            ));
        }
        if out.contains("disabled") {
            return Err(PrintError::Offline(queue.into(), out));
        }
        let (_, acc, _) = run(&self.lpstat, &["-a", queue])?;
        if acc.contains("not accepting") {
            return Err(PrintError::Offline(queue.into(), acc));
        }
        Ok(())
    }
}

impl Printer for Cups {
    fn print(&mut self, pdf: &Path, job: &PrintJob) -> Result<Printed, PrintError> {
        self.check_queue(&job.queue)?;
        let args = job.lp_args(pdf);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&self.lp, &argv)?;
        if !ok {
            return Err(PrintError::Submit(if err.is_empty() { out } else { err }));
        }
        let id = parse_request_id(&out)
            .ok_or_else(|| PrintError::Submit(format!("unexpected answer from lp: {out}")))?;
        let start = Instant::now();
        loop {
            let (_, pending, _) = run(&self.lpstat, &["-W", "not-completed", "-o", &job.queue])?;
            let waiting = pending
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id.as_str()));
            if !waiting {
                break;
            }
            // A queue that stops while our job waits has failed it.
            let (_, state, _) = run(&self.lpstat, &["-p", &job.queue])?;
            if state.contains("disabled") {
                return Err(PrintError::JobFailed(id, state));
            }
            if start.elapsed() > self.timeout {
                return Err(PrintError::Timeout(id, self.timeout.as_secs()));
            }
            std::thread::sleep(self.poll);
        }
        let (_, state, _) = run(&self.lpstat, &["-p", &job.queue])?;
        if state.contains("disabled") {
            return Err(PrintError::JobFailed(id, state));
        }
        Ok(Printed { job_id: id })
    }
}

/// A printer double: records every call, and fails when told to.
#[derive(Default)]
pub struct RecordingPrinter {
    pub calls: Vec<(PathBuf, PrintJob, Vec<String>)>,
    pub fail_with: Option<PrintError>,
}

impl Printer for RecordingPrinter {
    fn print(&mut self, pdf: &Path, job: &PrintJob) -> Result<Printed, PrintError> {
        self.calls
            .push((pdf.to_path_buf(), job.clone(), job.lp_args(pdf)));
        match &self.fail_with {
            Some(e) => Err(e.clone()),
            None => Ok(Printed {
                job_id: format!("{}-{}", job.queue, self.calls.len()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lp_arguments_and_answer() {
        let j = PrintJob::new("madoguchi-pdf", "7K3M9QXA");
        let a = j.lp_args(Path::new("/tmp/b.pdf"));
        assert_eq!(
            a,
            [
                "-d",
                "madoguchi-pdf",
                "-o",
                "media=A4",
                "-n",
                "1",
                "-t",
                "madoguchi 7K3M9QXA",
                "--",
                "/tmp/b.pdf"
            ]
        );
        assert_eq!(
            parse_request_id("request id is madoguchi-pdf-12 (1 file(s))").as_deref(),
            Some("madoguchi-pdf-12")
        );
        let mut p = RecordingPrinter::default();
        p.print(Path::new("/tmp/b.pdf"), &j).unwrap();
        assert_eq!(p.calls[0].1.queue, "madoguchi-pdf");
    }
}
