//! `madoguchi determine --intake FILE [--format json|text]`.

use super::Global;
use crate::calendar::format_wareki_weekday;
use crate::rules::{determine, Determination};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The intake JSON (`-` for stdin).
    #[arg(long)]
    pub intake: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
}

pub fn run(a: Args, g: &Global) -> i32 {
    let (set, intake) = match super::load_set_and_intake(g, &a.intake) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let d = determine(&intake, &set, g.today());
    match a.format {
        Format::Json => super::output::stdout(d.to_json_pretty() + "\n"),
        Format::Text => super::output::stdout(text_report(&intake, &d)),
    }
}

/// A readable Japanese list for a clerk.
pub fn text_report(intake: &crate::intake::Intake, d: &Determination) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let name = |id: &str| intake.member(id).map_or(id.to_string(), |m| m.display());
    let _ = writeln!(
        s,
        "届出: {} ({})  世帯員 {}人",
        intake.event.kind.label_ja(),
        format_wareki_weekday(intake.event.date),
        intake.household.members.len()
    );
    let _ = writeln!(
        s,
        "手続セット: {} {}",
        d.procedure_set.name,
        &d.procedure_set.digest[..d.procedure_set.digest.len().min(19)]
    );
    let _ = writeln!(s, "\n■ 必要な手続 ({}件)", d.procedures.len());
    let mut last_counter = String::new();
    for p in &d.procedures {
        if p.counter != last_counter {
            let _ = writeln!(s, "\n  【{} {}】", p.counter, p.section);
            last_counter = p.counter.clone();
        }
        let who = if p.members.is_empty() {
            "世帯".to_string()
        } else {
            p.members
                .iter()
                .map(|m| name(m))
                .collect::<Vec<_>>()
                .join("、")
        };
        let _ = writeln!(s, "  ・{} [{}] — {}", p.name, p.kind.label_ja(), who);
        if p.deadlines.len() > 1 {
            // Several periods (国民年金 / 厚生年金): one line each.
            let _ = writeln!(s, "      期限:");
            for d in &p.deadlines {
                let label = d.label.as_deref().unwrap_or("");
                let _ = writeln!(s, "        {label}: {}", d.text);
            }
        } else if !p.deadline_text.is_empty() {
            let _ = writeln!(s, "      期限: {}", p.deadline_text);
        }
        for r in &p.reasons {
            let _ = writeln!(s, "      理由: {r}");
        }
        if !p.bring.is_empty() {
            let _ = writeln!(s, "      持ち物: {}", p.bring.join("、"));
        }
        if !p.forms.is_empty() {
            let _ = writeln!(s, "      様式: {}", p.forms.join(", "));
        }
        let _ = writeln!(s, "      根拠: {}", p.basis);
        if let Some(n) = &p.extra.note {
            let _ = writeln!(s, "      注意: {}", n.ja);
        }
    }
    if !d.pending.is_empty() {
        let _ = writeln!(s, "\n■ 確認が必要 ({}件)", d.pending.len());
        for p in &d.pending {
            let _ = writeln!(s, "  ・{}", p.id);
            for q in &p.questions {
                let who = q
                    .member
                    .as_deref()
                    .map(|m| format!("{}: ", name(m)))
                    .unwrap_or_default();
                let mark = if q.sensitive {
                    " (画面で確認・読み上げない)"
                } else {
                    ""
                };
                let _ = writeln!(s, "      ? {who}{}{mark}", q.text);
            }
        }
    }
    let _ = writeln!(s, "\n■ 対象外と判断した手続 ({}件)", d.excluded.len());
    for e in &d.excluded {
        let _ = writeln!(s, "  ・{}: {}", e.id, e.reason);
    }
    s
}
