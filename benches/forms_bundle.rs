//! The bundle of the goal: the guidance sheet and 12 forms for a 4-member household
//! (goals: under 150 ms and under 400 KB). Figures go to docs/performance.md.
//!
//! `cargo bench --bench forms_bundle` (optimized) prints the size and the median wall-clock and
//! thread-CPU time of 30 renders and asserts both goals (time on CPU: the machine is shared),
//! then hands over to divan. Under `cargo test` (unoptimized) it renders once and asserts only
//! the size.

use madoguchi::forms::{self, fonts::Fonts, Input};
use madoguchi::intake::{parse_intake, Intake};
use madoguchi::rules::{self, Applied, Determination, Lang, ProcKind, ProcedureSet};

const TWELVE: [&str; 12] = [
    "juminido",
    "mynumber-card",
    "nhi",
    "late-elderly",
    "ltc-certification",
    "pension",
    "child-allowance-claim",
    "child-medical",
    "child-rearing",
    "school",
    "disability",
    "dog",
];

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
}

struct Case {
    set: ProcedureSet,
    intake: Intake,
    det: Determination,
    templates: forms::Templates,
    fonts: Fonts,
}

fn case() -> Case {
    let set = rules::load_embedded(Some(&forms::template_ids(None)))
        .unwrap()
        .0;
    let text = forms::EMBEDDED_TEMPLATES
        .get_file("samples/move-in.json")
        .unwrap()
        .contents_utf8()
        .unwrap();
    let intake = parse_intake(text, &set.vocabulary).unwrap();
    // Exactly the 12 forms, one page each: per-member procedures for the member they fit.
    let mut det = rules::determine(&intake, &set, today());
    det.procedures.clear();
    for f in TWELVE {
        let member = match f {
            "child-medical" | "school" => "m3",
            "late-elderly" | "ltc-certification" => "m4",
            "mynumber-card" | "pension" | "disability" => "m1",
            _ => "",
        };
        det.procedures.push(Applied {
            id: format!("bench.{f}"),
            name: f.into(),
            kind: ProcKind::Form,
            section: "市民課".into(),
            counter: "1番窓口".into(),
            members: if member.is_empty() {
                vec![]
            } else {
                vec![member.into()]
            },
            deadline: Some(today() + chrono::Days::new(14)),
            deadline_text: "令和8年4月20日(月)まで".into(),
            deadlines: vec![],
            basis: String::new(),
            reasons: vec![],
            bring: vec!["本人確認書類".into()],
            forms: vec![f.into()],
            extra: Default::default(),
        });
    }
    let fonts = Fonts::system();
    let templates = forms::load_templates(None, &set, &fonts).unwrap().0;
    Case {
        set,
        intake,
        det,
        templates,
        fonts,
    }
}

fn render(c: &Case) -> forms::Bundle {
    let code = forms::derived_case_code(&c.intake);
    forms::render(
        &Input {
            intake: &c.intake,
            det: &c.det,
            set: &c.set,
            templates: &c.templates,
            today: today(),
            case_code: &code,
            lang: Lang::Ja,
            large_print: false,
            with_guidance: true,
        },
        &c.fonts,
    )
    .unwrap()
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let c = case();
    let b = render(&c);
    let forms: std::collections::BTreeSet<&str> = b
        .manifest
        .pages
        .iter()
        .map(|p| p.form.as_str())
        .filter(|f| *f != "guidance")
        .collect();
    eprintln!(
        "bundle: {} pages ({} forms + guidance), {} bytes ({:.0} KB)",
        b.manifest.pages.len(),
        forms.len(),
        b.pdf.len(),
        b.pdf.len() as f64 / 1024.0
    );
    assert!(
        b.pdf.len() < 400 * 1024,
        "the bundle is {} bytes (goal: under 400 KB)",
        b.pdf.len()
    );
    if cfg!(debug_assertions) {
        return; // a smoke run under `cargo test`: no timing in an unoptimized build
    }
    let (mut wall, mut cpu) = (vec![], vec![]);
    for _ in 0..30 {
        let (t, c0) = (std::time::Instant::now(), thread_cpu());
        std::hint::black_box(render(&c));
        cpu.push(thread_cpu() - c0);
        wall.push(t.elapsed().as_secs_f64());
    }
    let (w, u) = (median(wall.clone()), median(cpu.clone()));
    eprintln!(
        "render + write, 30 runs: wall median {:.1} ms (fastest {:.1}, slowest {:.1}); CPU median {:.1} ms (fastest {:.1}, slowest {:.1})",
        w * 1e3,
        wall.iter().cloned().fold(f64::MAX, f64::min) * 1e3,
        wall.iter().cloned().fold(0.0, f64::max) * 1e3,
        u * 1e3,
        cpu.iter().cloned().fold(f64::MAX, f64::min) * 1e3,
        cpu.iter().cloned().fold(0.0, f64::max) * 1e3,
    );
    assert!(
        u < 0.150,
        "median CPU {:.1} ms (goal: under 150 ms)",
        u * 1e3
    );
    divan::main();
}

/// Rendering and writing the whole bundle (fonts parsed once per process, as at a counter).
#[divan::bench(sample_count = 30)]
fn guidance_and_12_forms_4_members(bencher: divan::Bencher) {
    let c = case();
    render(&c);
    bencher.bench_local(|| render(&c));
}
