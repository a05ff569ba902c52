//! Loading a procedure set: `municipality.toml`, `facts.toml` and one TOML file per
//! procedure (in folders by section). Every problem in every file is reported with
//! `file:line:column`; a set with any error is refused as a whole.

use super::check::{check, Env as CondEnv};
use super::diagnostic::{Diagnostic, Severity};
use super::lang;
use super::lang::MemberSet;
use super::model::*;
use super::questions::{
    check_fact_cycles, compile_question_keys, default_screen, finish_screens, read_question_keys,
    read_screens, RawQuestionKeys,
};
use super::toml_walk::{check_chars, read_text, string_content_span, Fields, Node, Source, Text};
use crate::calendar::{parse_date, Anchor, ClosedDay, OfficeCalendar, OnClosedDay, Period};
use crate::intake::{closest, EventKind, FactScope, FactType, Vocabulary};
use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The procedure set shipped inside the binary.
pub static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/procedures");

/// One file of a set: its path relative to the set's root (with `/`), and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

pub const MUNICIPALITY: &str = "municipality.toml";
pub const FACTS: &str = "facts.toml";

/// Whether a file of the set is a procedure definition.
fn is_procedure_file(path: &str) -> bool {
    path.ends_with(".toml") && path != MUNICIPALITY && path != FACTS && !path.starts_with("tests/")
}

/// The embedded set's files.
pub fn embedded_files() -> Vec<SourceFile> {
    fn walk(d: &Dir<'static>, out: &mut Vec<SourceFile>) {
        for f in d.files() {
            if let Some(text) = f.contents_utf8() {
                out.push(SourceFile {
                    path: f.path().to_string_lossy().replace('\\', "/"),
                    text: text.to_string(),
                });
            }
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut out = vec![];
    walk(&EMBEDDED, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Reads every file of a set directory (TOML and JSON).
/// Largest definition file read (the whole shipped set is about 100 KiB).
const MAX_FILE_BYTES: u64 = 4 << 20;

pub fn read_dir_files(dir: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<SourceFile>, errs: &mut Vec<Diagnostic>) {
        let entries = match std::fs::read_dir(d) {
            Ok(e) => e,
            Err(e) => {
                errs.push(Diagnostic::file(
                    Severity::Error,
                    &d.display().to_string(),
                    format!("cannot read the folder: {e}"),
                    None,
                ));
                return;
            }
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out, errs);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            ) {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                // Only regular files: a FIFO would block the check forever, a device
                // (`/dev/zero` behind a symlink) would never end.
                match std::fs::metadata(&p) {
                    Ok(m) if !m.is_file() => {
                        errs.push(Diagnostic::file(
                            Severity::Error,
                            &rel,
                            "not a regular file (a FIFO, socket or device): refused",
                            Some("a procedure set holds only ordinary text files".into()),
                        ));
                        continue;
                    }
                    Ok(m) if m.len() > MAX_FILE_BYTES => {
                        errs.push(Diagnostic::file(
                            Severity::Error,
                            &rel,
                            format!(
                                "{} bytes: larger than a definition file may be ({} MiB)",
                                m.len(),
                                MAX_FILE_BYTES >> 20
                            ),
                            None,
                        ));
                        continue;
                    }
                    _ => {}
                }
                match std::fs::read(&p) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => out.push(SourceFile { path: rel, text }),
                        Err(_) => errs.push(Diagnostic::file(
                            Severity::Error,
                            &rel,
                            "the file is not UTF-8 text",
                            Some("save it as UTF-8 (not Shift_JIS)".into()),
                        )),
                    },
                    Err(e) => errs.push(Diagnostic::file(
                        Severity::Error,
                        &rel,
                        format!("cannot read: {e}"),
                        None,
                    )),
                }
            }
        }
    }
    let mut out = vec![];
    let mut errs = vec![];
    if !dir.is_dir() {
        return Err(vec![Diagnostic::file(
            Severity::Error,
            &dir.display().to_string(),
            "no such folder",
            Some("give the folder that holds municipality.toml".into()),
        )]);
    }
    walk(dir, dir, &mut out, &mut errs);
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// A loaded set and its warnings, or every error found.
pub type LoadResult = Result<(ProcedureSet, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Loads the embedded default set.
pub fn load_embedded(known_forms: Option<&BTreeSet<String>>) -> LoadResult {
    load_files(&embedded_files(), known_forms)
}

/// Loads a set from a directory.
pub fn load_dir(dir: &Path, known_forms: Option<&BTreeSet<String>>) -> LoadResult {
    let files = read_dir_files(dir)?;
    load_files(&files, known_forms)
}

/// `sha256:<hex>` over the set's definition files (tests excluded: they do not change
/// outcomes), in path order.
pub fn digest(files: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = files
        .iter()
        .filter(|f| !f.path.starts_with("tests/"))
        .collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut h = Sha256::new();
    for f in sorted {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Loads and checks a set from its files. `known_forms` (the template ids) is checked
/// against every procedure's `forms` when given.
pub fn load_files(files: &[SourceFile], known_forms: Option<&BTreeSet<String>>) -> LoadResult {
    let mut diags = vec![];
    let find = |name: &str| files.iter().find(|f| f.path == name);

    let (mfile, ffile) = match (find(MUNICIPALITY), find(FACTS)) {
        (Some(m), Some(f)) => (m, f),
        (m, f) => {
            let mut d = vec![];
            match m {
                None => d.push(Diagnostic::file(
                    Severity::Error,
                    MUNICIPALITY,
                    "the set has no municipality.toml",
                    Some(
                        "every set needs the town's parameters: sections, counters, parameters"
                            .into(),
                    ),
                )),
                Some(m) => {
                    let mut src = Source::new(&m.path, &m.text);
                    read_municipality(&mut src);
                    d.append(&mut src.diags);
                }
            }
            if f.is_none() {
                d.push(Diagnostic::file(
                    Severity::Error,
                    FACTS,
                    "the set has no facts.toml",
                    Some("declare the facts and the questions that ask them".into()),
                ));
            }
            return Err(d);
        }
    };
    let (set_name, municipality, kind_overrides) = {
        let mut src = Source::new(&mfile.path, &mfile.text);
        let r = read_municipality(&mut src);
        diags.append(&mut src.diags);
        match r {
            Some(r) => r,
            None => return Err(diags),
        }
    };
    let (facts, vocabulary, screens) = {
        let mut src = Source::new(&ffile.path, &ffile.text);
        let r = read_facts(
            &mut src,
            &municipality.params,
            municipality.prefecture.is_some(),
        );
        diags.append(&mut src.diags);
        r
    };

    let mut procedures: Vec<Procedure> = vec![];
    let mut file_of: BTreeMap<String, String> = BTreeMap::new();
    let mut id_spans: Vec<(String, String, std::ops::Range<usize>)> = vec![];
    for f in files.iter().filter(|f| is_procedure_file(&f.path)) {
        let mut src = Source::new(&f.path, &f.text);
        let r = read_procedure(&mut src, &municipality, &vocabulary, known_forms);
        if let Some((p, id_span)) = r {
            // Two versions of one id are allowed only with disjoint validity periods.
            if let Some(other) = procedures.iter().find(|o| o.id == p.id && overlaps(o, &p)) {
                let where_ = file_of.get(&other.id).cloned().unwrap_or_default();
                src.error(
                    id_span.clone(),
                    format!("procedure `{}` is defined twice with overlapping validity", p.id),
                    Some(format!("the other definition is in {where_}; give them valid_from / valid_until that do not overlap")),
                );
            } else {
                file_of
                    .entry(p.id.clone())
                    .or_insert_with(|| f.path.clone());
                id_spans.push((p.id.clone(), f.path.clone(), id_span));
                procedures.push(p);
            }
        }
        diags.append(&mut src.diags);
    }
    if procedures.is_empty() && !diags.iter().any(Diagnostic::is_error) {
        diags.push(Diagnostic::file(
            Severity::Error,
            MUNICIPALITY,
            "the set defines no procedure",
            Some("add one TOML file per procedure beside municipality.toml".into()),
        ));
    }

    // Kind overrides of municipality.toml name procedures that must exist.
    for (id, kind, span) in &kind_overrides {
        let mut found = false;
        for p in procedures.iter_mut().filter(|p| &p.id == id) {
            p.kind = *kind;
            found = true;
        }
        match found {
            true => {}
            false => {
                let hint = closest(id, procedures.iter().map(|p| p.id.as_str()))
                    .map(|c| format!("did you mean `{c}`?"));
                diags.push(Diagnostic::error(
                    MUNICIPALITY,
                    &mfile.text,
                    span.clone(),
                    format!("[kinds] names an unknown procedure `{id}`"),
                    hint,
                ));
            }
        }
    }

    // Unused sections are only worth a warning.
    for s in &municipality.sections {
        if !procedures.iter().any(|p| p.section == s.key) {
            diags.push(Diagnostic::file(
                Severity::Warning,
                MUNICIPALITY,
                format!("section `{}` is used by no procedure", s.key),
                None,
            ));
        }
    }

    if diags.iter().any(Diagnostic::is_error) {
        diags.sort_by(|a, b| {
            (a.severity, &a.file, a.line, a.column).cmp(&(b.severity, &b.file, b.line, b.column))
        });
        return Err(diags);
    }
    let order = |p: &Procedure| {
        municipality
            .sections
            .iter()
            .find(|s| s.key == p.section)
            .map_or(i64::MAX, |s| s.order)
    };
    procedures.sort_by(|a, b| (order(a), a.order, &a.id).cmp(&(order(b), b.order, &b.id)));
    let set = ProcedureSet {
        name: set_name,
        digest: digest(files),
        municipality,
        facts,
        screens,
        vocabulary,
        procedures,
        files: file_of,
    };
    Ok((set, diags))
}

fn overlaps(a: &Procedure, b: &Procedure) -> bool {
    let start = |p: &Procedure| p.valid_from.unwrap_or(chrono::NaiveDate::MIN);
    let end = |p: &Procedure| p.valid_until.unwrap_or(chrono::NaiveDate::MAX);
    start(a) <= end(b) && start(b) <= end(a)
}

type KindOverride = (String, ProcKind, std::ops::Range<usize>);

fn read_municipality(src: &mut Source<'_>) -> Option<(String, Municipality, Vec<KindOverride>)> {
    let doc = src.parse()?;
    let root = doc.as_table();
    let mut top = Fields::new(root, Some(0..0), "municipality.toml");

    let mut set_name = String::new();
    if let Some(n) = top.req(src, "set", "add [set] with name = \"…\"") {
        if let Some(t) = n.table() {
            let mut f = Fields::new(t, n.span(), "[set]");
            if let Some((s, _)) =
                f.req_str(src, "name", "name = \"まどぐち市 手続セット 2026年度版\"")
            {
                set_name = s;
            }
            f.finish(src);
        }
    }

    let mut name = Text::default();
    let (mut code, mut address, mut phone, mut hours) = (String::new(), None, None, None);
    let mut prefecture = None;
    if let Some(n) = top.req(src, "municipality", "add [municipality] with name and code") {
        if let Some(t) = n.table() {
            let mut f = Fields::new(t, n.span(), "[municipality]");
            if let Some(node) = f.req(src, "name", "name = { ja = \"…市\", en = \"… City\" }")
            {
                if let Some((t, _, _)) = read_text(src, &node, "name") {
                    name = t;
                }
            }
            if let Some((c, span)) =
                f.req_str(src, "code", "code = \"6 digits\" (全国地方公共団体コード)")
            {
                if c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit()) {
                    src.error(
                        span,
                        format!("code {c:?} is not a 6-digit 全国地方公共団体コード"),
                        None,
                    );
                }
                code = c;
            }
            if let Some((p, span)) = f.str(src, "prefecture") {
                match super::address::canonical_prefecture(&p) {
                    Some(c) => prefecture = Some(c.to_string()),
                    None => src.error(
                        span,
                        format!("prefecture {p:?} is not one of the 47 都道府県"),
                        Some("write the full name, e.g. prefecture = \"山形県\", \"東京都\", \"北海道\", \"大阪府\"".into()),
                    ),
                }
            }
            address = f.str(src, "address").map(|s| s.0);
            phone = f.str(src, "phone").map(|s| s.0);
            if let Some(node) = f.get("hours") {
                hours = read_text(src, &node, "hours").map(|t| t.0);
            }
            f.finish(src);
        }
    }

    let mut params = BTreeMap::new();
    if let Some(n) = top.get("parameters") {
        if let Some(t) = n.table() {
            for (k, item) in t.iter() {
                let node = Node::Item(item);
                match node.as_integer() {
                    Some(v) => {
                        params.insert(k.to_string(), v);
                    }
                    None => {
                        src.error_at(&node, format!("parameter `{k}` must be an integer"), None)
                    }
                }
            }
        }
    }
    params
        .entry("child_medical_max_grade".to_string())
        .or_insert(12);

    let mut sections = vec![];
    if let Some(n) = top.req(
        src,
        "sections",
        "add [sections.<key>] tables with name, counter and order",
    ) {
        if let Some(t) = n.table() {
            for (key, item) in t.iter() {
                let node = Node::Item(item);
                let Some(st) = node.table() else {
                    src.error_at(&node, format!("section `{key}` must be a table"), None);
                    continue;
                };
                let mut f = Fields::new(st, node.span(), format!("section `{key}`"));
                let name = f
                    .req(src, "name", "name = { ja = \"市民課\", en = \"…\" }")
                    .and_then(|n| read_text(src, &n, "name"))
                    .map(|t| t.0);
                let outside = f.get("outside").and_then(|n| n.as_bool()).unwrap_or(false);
                let counter = f
                    .get("counter")
                    .and_then(|n| read_text(src, &n, "counter"))
                    .map(|t| t.0);
                let order = f.get("order").map(|n| match n.as_integer() {
                    Some(o) => o,
                    None => {
                        src.error_at(&n, "`order` must be an integer (the visiting order)", None);
                        0
                    }
                });
                let phone = f.str(src, "phone").map(|s| s.0);
                let location = f
                    .get("location")
                    .and_then(|n| read_text(src, &n, "location"))
                    .map(|t| t.0);
                f.finish(src);
                let span = t.key(key).and_then(|k| k.span()).unwrap_or(0..0);
                if counter.is_none() && !outside {
                    src.error(span.clone(), format!("section `{key}` has no counter"), Some("counter = { ja = \"1番窓口\", en = \"Counter 1\" }, or outside = true for a place outside city hall".into()));
                }
                let Some(name) = name else { continue };
                sections.push(Section {
                    key: key.to_string(),
                    counter: counter.unwrap_or_else(|| Text {
                        ja: "市役所外".into(),
                        en: Some("outside city hall".into()),
                    }),
                    name,
                    order: order.unwrap_or(if outside { 1000 } else { 100 })
                        + if outside { 10_000 } else { 0 },
                    outside,
                    phone,
                    location,
                });
            }
        }
    }
    sections.sort_by(|a, b| (a.order, &a.key).cmp(&(b.order, &b.key)));

    let calendar = read_calendar(src, top.get("calendar"));

    let mut kinds = vec![];
    if let Some(n) = top.get("kinds") {
        if let Some(t) = n.table() {
            for (id, item) in t.iter() {
                let node = Node::Item(item);
                let span = t.key(id).and_then(|k| k.span()).unwrap_or(0..0);
                match node.as_str().and_then(ProcKind::parse) {
                    Some(k) => kinds.push((id.to_string(), k, span)),
                    None => src.error_at(
                        &node,
                        "a kind is \"form\", \"notice\" or \"guidance\"",
                        None,
                    ),
                }
            }
        }
    }
    top.finish(src);
    Some((
        set_name,
        Municipality {
            name,
            code,
            address,
            phone,
            hours,
            prefecture,
            sections,
            params,
            calendar,
        },
        kinds,
    ))
}

/// `[calendar]` of municipality.toml: `closed_days = [2026-10-01, "06-23"]`, the town's own
/// closed days besides weekends, 祝日・休日 and 12月29日–1月3日 (a full date, or MM-DD for
/// every year).
fn read_calendar(src: &mut Source<'_>, node: Option<Node<'_>>) -> OfficeCalendar {
    let mut cal = OfficeCalendar::default();
    let Some(n) = node else { return cal };
    let Some(t) = n.table() else {
        src.error_at(
            &n,
            "[calendar] must be a table",
            Some("[calendar]\nclosed_days = [2026-10-01, \"06-23\"]".into()),
        );
        return cal;
    };
    let mut f = Fields::new(t, n.span(), "[calendar]");
    if let Some(list) = f.get("closed_days") {
        match list.array() {
            Some(items) => {
                for it in items {
                    match it.as_date_text().as_deref().and_then(ClosedDay::parse) {
                        Some(c) if !cal.closed_days.contains(&c) => cal.closed_days.push(c),
                        Some(_) => src.error_at(&it, "this closed day is listed twice", None),
                        None => src.error_at(
                            &it,
                            "a closed day is a date (2026-10-01) or a day every year (\"06-23\")",
                            None,
                        ),
                    }
                }
            }
            None => src.error_at(
                &list,
                "`closed_days` is a list of dates",
                Some("closed_days = [2026-10-01, \"06-23\"]".into()),
            ),
        }
    }
    f.finish(src);
    cal
}

type FactTable = BTreeMap<(FactScope, String), FactDecl>;

fn read_facts(
    src: &mut Source<'_>,
    params: &BTreeMap<String, i64>,
    prefecture: bool,
) -> (FactTable, Vocabulary, Vec<ScreenDecl>) {
    let mut decls = BTreeMap::new();
    let mut vocab = Vocabulary::core();
    let Some(doc) = src.parse() else {
        return (decls, vocab, vec![]);
    };
    let root = doc.as_table();
    let mut top = Fields::new(root, Some(0..0), "facts.toml");
    let screens = read_screens(src, &mut top);
    // The question keys are checked once the whole vocabulary is known (a precondition may
    // name a fact declared further down).
    let mut raw_questions: Vec<RawQuestionKeys> = vec![];
    for (scope, key) in [
        (FactScope::Member, "member"),
        (FactScope::Household, "household"),
    ] {
        let Some(n) = top.get(key) else { continue };
        let Some(t) = n.table() else {
            src.error_at(&n, format!("[{key}] must be a table of facts"), None);
            continue;
        };
        for (name, item) in t.iter() {
            let node = Node::Item(item);
            let name_span = t.key(name).and_then(|k| k.span()).unwrap_or(0..0);
            let Some(ft) = node.table() else {
                src.error_at(&node, format!("fact `{name}` must be a table"), None);
                continue;
            };
            if !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                || name.is_empty()
            {
                src.error(
                    name_span.clone(),
                    format!("fact name `{name}` must be lower-case snake_case"),
                    None,
                );
            }
            if crate::intake::individual_number::is_individual_number_name(name) {
                src.error(
                    name_span.clone(),
                    format!("fact `{name}` is named like the individual number (個人番号), which an intake never carries"),
                    Some("name the fact after what is asked, e.g. `mynumber_card` for holding the card".into()),
                );
            }
            let mut f = Fields::new(ft, node.span(), format!("fact `{key}.{name}`"));
            let core = Vocabulary::is_core(scope, name);
            let core_ty = vocab.get(scope, name).cloned().filter(|_| core);
            let declared_ty = f.str(src, "type");
            let label = f
                .req(src, "label", "label = { ja = \"…\", en = \"…\" }")
                .and_then(|n| read_text(src, &n, "label"))
                .map(|t| t.0);
            let question = f
                .req(
                    src,
                    "question",
                    "question = { ja = \"…ですか\", en = \"…?\" }",
                )
                .and_then(|n| read_text(src, &n, "question"))
                .map(|t| t.0);
            let sensitive = match f.get("sensitive") {
                None => false,
                Some(n) => n.as_bool().unwrap_or_else(|| {
                    src.error_at(&n, "`sensitive` is true or false", None);
                    false
                }),
            };
            let yes = f
                .get("yes")
                .and_then(|n| read_text(src, &n, "yes"))
                .map(|t| t.0);
            let no = f
                .get("no")
                .and_then(|n| read_text(src, &n, "no"))
                .map(|t| t.0);
            let question_past = f
                .get("question_past")
                .and_then(|n| read_text(src, &n, "question_past"))
                .map(|t| t.0);
            let raw = read_question_keys(src, &mut f, scope, name, name_span.clone());
            let mut values = vec![];
            let mut value_spans = vec![];
            if let Some(vn) = f.get("values") {
                if let Some(vt) = vn.table() {
                    for (code, vitem) in vt.iter() {
                        if let Some((t, _, _)) =
                            read_text(src, &Node::Item(vitem), "a value's text")
                        {
                            values.push((code.to_string(), t));
                            value_spans.push(vt.key(code).and_then(|k| k.span()).unwrap_or(0..0));
                        }
                    }
                } else {
                    src.error_at(
                        &vn,
                        "`values` is a table: code = { ja = \"…\", en = \"…\" }",
                        None,
                    );
                }
            }
            f.finish(src);

            let value_codes: Vec<String> = values.iter().map(|(c, _)| c.clone()).collect();
            let ty = match (&declared_ty, &core_ty) {
                (None, Some(t)) => t.clone(),
                (None, None) => {
                    src.error(
                        name_span.clone(),
                        format!("fact `{name}` has no type"),
                        Some("type = \"bool\", \"count\", \"code\" or \"codes\"".into()),
                    );
                    continue;
                }
                (Some((t, tspan)), core_ty) => {
                    let parsed = match t.as_str() {
                        "bool" => Some(FactType::Bool),
                        "count" => Some(FactType::Count),
                        "code" => Some(FactType::Code(value_codes.clone())),
                        "codes" => Some(FactType::CodeSet(value_codes.clone())),
                        _ => None,
                    };
                    let Some(parsed) = parsed else {
                        src.error(
                            tspan.clone(),
                            format!("unknown type `{t}`"),
                            Some("type = \"bool\", \"count\", \"code\" or \"codes\"".into()),
                        );
                        continue;
                    };
                    if let Some(ct) = core_ty {
                        if ct.name() != parsed.name() {
                            src.error(tspan.clone(), format!("`{name}` is a core fact of type {}, not {t}", ct.name()), Some("the core vocabulary of intake.md is fixed; remove `type` or correct it".into()));
                        }
                        ct.clone()
                    } else {
                        parsed
                    }
                }
            };
            match &ty {
                FactType::Code(domain) | FactType::CodeSet(domain) => {
                    if domain.is_empty() {
                        src.error(
                            name_span.clone(),
                            format!("code fact `{name}` lists no values"),
                            Some("add [..values] with one line per code".into()),
                        );
                    }
                    for d in domain {
                        if !value_codes.contains(d) {
                            src.error(
                                name_span.clone(),
                                format!("code `{d}` of `{name}` has no text"),
                                Some(format!(
                                    "add {d} = {{ ja = \"…\", en = \"…\" }} under values"
                                )),
                            );
                        }
                    }
                    for (c, span) in value_codes.iter().zip(&value_spans) {
                        if !domain.contains(c) {
                            src.error(
                                span.clone(),
                                format!("`{c}` is not a value of the core fact `{name}`"),
                                Some(format!("the values are: {}", domain.join(", "))),
                            );
                        }
                    }
                }
                _ => {
                    if !values.is_empty() {
                        src.error(
                            name_span.clone(),
                            format!("`{name}` is not a code fact but lists values"),
                            None,
                        );
                    }
                }
            }
            if !core {
                let other = match scope {
                    FactScope::Member => FactScope::Household,
                    FactScope::Household => FactScope::Member,
                };
                if vocab.get(other, name).is_some() {
                    src.error(
                        name_span.clone(),
                        format!("`{name}` is declared both for members and for the household"),
                        None,
                    );
                }
                match scope {
                    FactScope::Member => vocab.member.insert(name.to_string(), ty.clone()),
                    FactScope::Household => vocab.household.insert(name.to_string(), ty.clone()),
                };
            }
            let (Some(label), Some(question)) = (label, question) else {
                continue;
            };
            for (what, t) in [
                ("label", Some(&label)),
                ("question", Some(&question)),
                ("yes", yes.as_ref()),
                ("no", no.as_ref()),
            ] {
                if let Some(t) = t {
                    if t.en.is_none() {
                        src.warning(
                            name_span.clone(),
                            format!("`{name}` has no English {what}"),
                            Some("add en = \"…\" for residents reading English".into()),
                        );
                    }
                }
            }
            let screen = raw
                .screen
                .as_ref()
                .map_or_else(|| default_screen(sensitive).to_string(), |(s, _)| s.clone());
            decls.insert(
                (scope, name.to_string()),
                FactDecl {
                    name: name.to_string(),
                    scope,
                    ty,
                    label,
                    question,
                    sensitive,
                    yes,
                    no,
                    values,
                    question_past,
                    asked_when: None,
                    asked_when_src: None,
                    otherwise: None,
                    infer: vec![],
                    screen,
                    position: raw_questions.len(),
                    sensitive_values: vec![],
                    answers: vec![],
                },
            );
            raw_questions.push(raw);
        }
    }
    top.finish(src);
    let screens = finish_screens(screens, &decls);
    let spans: Vec<_> = raw_questions.iter().map(|r| r.key_span()).collect();
    for raw in raw_questions {
        compile_question_keys(src, raw, &mut decls, &vocab, params, prefecture, &screens);
    }
    check_fact_cycles(src, &decls, &spans);
    // Every core fact needs its declaration: its question is what the counter asks.
    for (scope, list) in [
        (FactScope::Member, &vocab.member),
        (FactScope::Household, &vocab.household),
    ] {
        for name in list.keys() {
            if Vocabulary::is_core(scope, name) && !decls.contains_key(&(scope, name.clone())) {
                src.error(0..0, format!("the core fact `{}.{name}` is not declared", scope.as_str()), Some("declare it with its label and question; the counter asks it when it matters".into()));
            }
        }
    }
    (decls, vocab, screens)
}

const PLACEHOLDERS: &[&str] = &[
    "member",
    "members",
    "who",
    "deceased",
    "head",
    "household",
    "new_address",
];

/// What a procedure's texts may refer to.
#[derive(Clone, Copy)]
struct TemplateEnv<'a> {
    params: &'a BTreeMap<String, i64>,
    vocab: &'a Vocabulary,
    member_scope: bool,
    death_only: bool,
}

/// Checks `{placeholder}`s of a template text.
fn check_template(
    src: &mut Source<'_>,
    text: &str,
    span: &std::ops::Range<usize>,
    env: &TemplateEnv<'_>,
) {
    let mut i = 0;
    while let Some(open) = text[i..].find('{') {
        let start = i + open;
        let Some(close) = text[start..].find('}') else {
            src.error(
                span.start + start..span.start + start + 1,
                "`{` is not closed",
                Some("placeholders look like {member}".into()),
            );
            return;
        };
        let name = &text[start + 1..start + close];
        let at = span.start + start..span.start + start + close + 1;
        let exact = span.len() == text.len();
        let at = if exact { at } else { span.clone() };
        let ok = match name {
            "member" => env.member_scope,
            "deceased" => env.death_only,
            n if n.starts_with("param.") => env.params.contains_key(&n["param.".len()..]),
            n if n.starts_with("member.") => {
                env.member_scope && env.vocab.member.contains_key(&n["member.".len()..])
            }
            n => PLACEHOLDERS.contains(&n),
        };
        if !ok {
            let hint = match name {
                "member" => "{member} is only for `scope = \"member\"`; use {who} for the members a household rule found".to_string(),
                "deceased" => "{deceased} is only for procedures of `death` alone".to_string(),
                n if n.starts_with("member.") && !env.member_scope => "{member.FACT} is only for `scope = \"member\"`".to_string(),
                n if n.starts_with("member.") => {
                    let f = &n["member.".len()..];
                    closest(f, env.vocab.member.keys().map(String::as_str))
                        .map(|c| format!("did you mean {{member.{c}}}?"))
                        .unwrap_or_else(|| "{member.FACT} names a member fact of facts.toml".into())
                }
                _ => "the placeholders are: {member}, {member.FACT}, {members}, {who}, {deceased}, {head}, {household}, {new_address}, {param.NAME}".to_string(),
            };
            src.error(at, format!("unknown placeholder `{{{name}}}`"), Some(hint));
        }
        i = start + close + 1;
    }
}

/// One text that may be limited to some events: a string, `{ ja, en }`, or
/// `{ events = [...], ja, en }`. Its placeholders are checked.
fn read_event_text(
    src: &mut Source<'_>,
    node: &Node<'_>,
    what: &str,
    proc_events: &[EventKind],
    env: &TemplateEnv<'_>,
) -> Option<EventText> {
    let (text, ja_span, en_span, events) = if let Some(s) = node.as_str() {
        let span = string_content_span(src.text, node.span().unwrap_or(0..0), s);
        (Text::ja(s), span, None, vec![])
    } else if let Some(t) = node.table() {
        let mut f = Fields::new(t, node.span(), what.to_string());
        let mut events = vec![];
        if let Some(en) = f.get("events") {
            match en.array() {
                Some(items) if !items.is_empty() => {
                    for e in items {
                        match e.as_str().and_then(EventKind::parse) {
                            Some(k) if proc_events.contains(&k) => events.push(k),
                            _ => src.error_at(
                                &e,
                                "not one of the procedure's events",
                                Some(format!(
                                    "the procedure's events are: {}",
                                    proc_events
                                        .iter()
                                        .map(|k| k.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            ),
                        }
                    }
                }
                _ => src.error_at(&en, "`events` is a non-empty list of events", None),
            }
        }
        let ja = f.req_str(src, "ja", "give the Japanese text: ja = \"…\"");
        let en = f.str(src, "en");
        f.finish(src);
        let (ja, ja_span) = ja?;
        if ja.trim().is_empty() {
            src.error(ja_span.clone(), format!("{what} is empty"), None);
        }
        let (en, en_span) = match en {
            Some((e, s)) => (Some(e), Some(s)),
            None => (None, None),
        };
        (Text { ja, en }, ja_span, en_span, events)
    } else {
        src.error_at(
            node,
            format!(
                "{what} must be a string or {{ ja = \"…\", en = \"…\" }}, not {}",
                node.type_name()
            ),
            None,
        );
        return None;
    };
    // Reasons, notes and things to bring reach the clerk's terminal and the guidance sheet,
    // like every other text of a procedure file.
    check_chars(src, &text.ja, &ja_span, what);
    if let (Some(en), Some(s)) = (&text.en, &en_span) {
        check_chars(src, en, s, what);
    }
    // A text for deaths alone may name {deceased}.
    let env = TemplateEnv {
        death_only: env.death_only
            || (!events.is_empty() && events.iter().all(|e| *e == EventKind::Death)),
        ..*env
    };
    check_template(src, &text.ja, &ja_span, &env);
    if let (Some(en), Some(s)) = (&text.en, &en_span) {
        check_template(src, en, s, &env);
    }
    Some(EventText { events, text })
}

/// A text per event: one text for every event, or a list of texts with `events` (an entry
/// without `events` is the default). `every_event`: each event of the procedure needs one.
fn read_event_texts(
    src: &mut Source<'_>,
    node: &Node<'_>,
    what: &str,
    proc_events: &[EventKind],
    env: &TemplateEnv<'_>,
    every_event: bool,
) -> Vec<EventText> {
    let items: Vec<Node<'_>> = match node.array() {
        Some(items) if !items.is_empty() => items,
        Some(_) => {
            src.error_at(node, format!("`{what}` is an empty list"), None);
            return vec![];
        }
        None => vec![node.clone()],
    };
    let mut out: Vec<EventText> = vec![];
    for it in &items {
        let Some(t) = read_event_text(src, it, what, proc_events, env) else {
            continue;
        };
        let clash = out.iter().any(|o| {
            (o.events.is_empty() && t.events.is_empty())
                || o.events.iter().any(|e| t.events.contains(e))
        });
        if clash {
            src.error_at(
                it,
                format!("two {what} texts for the same event"),
                Some("give each event one text; an entry without `events` is the default".into()),
            );
        }
        out.push(t);
    }
    if every_event && !out.is_empty() && !out.iter().any(|t| t.events.is_empty()) {
        for e in proc_events {
            if !out.iter().any(|t| t.events.contains(e)) {
                src.error_at(
                    node,
                    format!("no {what} for the event `{}`", e.as_str()),
                    Some(format!("add {{ events = [\"{}\"], ja = \"…\", en = \"…\" }}, or an entry without `events` as the default", e.as_str())),
                );
            }
        }
    }
    out
}

fn read_procedure(
    src: &mut Source<'_>,
    m: &Municipality,
    vocab: &Vocabulary,
    known_forms: Option<&BTreeSet<String>>,
) -> Option<(Procedure, std::ops::Range<usize>)> {
    let doc = src.parse()?;
    let root = doc.as_table();
    let mut f = Fields::new(root, Some(0..0), "the procedure");

    let id = f.req_str(src, "id", "id = \"section.name\", e.g. nhi.enroll");
    if let Some((id, span)) = &id {
        let stem = Path::new(src.file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        let ok_chars = id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if !ok_chars || !id.contains('.') {
            src.error(
                span.clone(),
                format!("id `{id}` must look like `section.name` in lower case"),
                None,
            );
        }
        if stem != id && !stem.starts_with(&format!("{id}@")) {
            src.error(
                span.clone(),
                format!("id `{id}` does not match the file name `{stem}.toml`"),
                Some(format!(
                    "rename the file to {id}.toml (or {id}@VERSION.toml for a staged version)"
                )),
            );
        }
    }
    let name = f
        .req(src, "name", "name = { ja = \"…\", en = \"…\" }")
        .and_then(|n| read_text(src, &n, "name"))
        .map(|t| t.0);
    let section = f.req_str(
        src,
        "section",
        "section = \"<a key of [sections] in municipality.toml>\"",
    );
    if let Some((s, span)) = &section {
        if !m.sections.iter().any(|x| &x.key == s) {
            let hint = closest(s, m.sections.iter().map(|x| x.key.as_str()))
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "the sections of municipality.toml are: {}",
                        m.sections
                            .iter()
                            .map(|x| x.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            src.error(
                span.clone(),
                format!("unknown section `{s}`: no counter for it in municipality.toml"),
                Some(hint),
            );
        }
    }
    let kind = f
        .req_str(src, "kind", "kind = \"form\", \"notice\" or \"guidance\"")
        .and_then(|(k, span)| {
            ProcKind::parse(&k).or_else(|| {
                src.error(
                    span,
                    format!("unknown kind `{k}`"),
                    Some("kind = \"form\", \"notice\" or \"guidance\"".into()),
                );
                None
            })
        });
    let mut events = vec![];
    if let Some(n) = f.req(src, "events", "events = [\"move_in\", …]") {
        match n.array() {
            Some(items) if !items.is_empty() => {
                for it in items {
                    match it.as_str().and_then(EventKind::parse) {
                        Some(k) if !events.contains(&k) => events.push(k),
                        Some(_) => src.error_at(&it, "event listed twice", None),
                        None => {
                            let s = it.as_str().unwrap_or("");
                            let hint = closest(s, EventKind::VALUES.iter().copied())
                                .map(|c| format!("did you mean \"{c}\"?"));
                            src.error_at(
                                &it,
                                format!("unknown event `{s}`"),
                                hint.or(Some(format!(
                                    "the events are: {}",
                                    EventKind::VALUES.join(", ")
                                ))),
                            );
                        }
                    }
                }
            }
            _ => src.error_at(&n, "`events` is a non-empty list", None),
        }
    }
    let scope = f
        .req_str(src, "scope", "scope = \"member\" or \"household\"")
        .and_then(|(s, span)| match s.as_str() {
            "member" => Some(Scope::Member),
            "household" => Some(Scope::Household),
            _ => {
                src.error(
                    span,
                    format!("unknown scope `{s}`"),
                    Some("scope = \"member\" (once per person) or \"household\"".into()),
                );
                None
            }
        });
    let member_scope = scope == Some(Scope::Member);
    let cond_env = |evs: &[EventKind], member_scope: bool| CondEnv {
        vocab,
        params: &m.params,
        member_scope,
        death_only: !evs.is_empty() && evs.iter().all(|e| *e == EventKind::Death),
        prefecture: m.prefecture.is_some(),
    };

    // `members`: whom a per-member procedure is evaluated for (default: the subjects).
    let read_members = |src: &mut Source<'_>, n: &Node<'_>| -> Option<MemberSet> {
        let s = n.as_str().unwrap_or("");
        match MemberSet::parse(s) {
            Some(ms) => Some(ms),
            None => {
                src.error_at(
                    n,
                    format!("unknown member set `{s}`"),
                    Some("members = \"subjects\" (default), \"movers\", \"remaining\" or \"members\"".into()),
                );
                None
            }
        }
    };
    let members = match f.get("members") {
        None => None,
        Some(n) => {
            if !member_scope && scope.is_some() {
                src.error_at(&n, "`members` is only for `scope = \"member\"`", None);
            }
            read_members(src, &n)
        }
    };

    // `[[rules]]`: a condition (and member set) of its own for some events.
    let mut rules: Vec<Rule> = vec![];
    if let Some(n) = f.get("rules") {
        match n.array() {
            Some(items) => {
                for it in items {
                    let Some(t) = it.table() else {
                        src.error_at(&it, "each of [[rules]] is a table", None);
                        continue;
                    };
                    let mut rf = Fields::new(t, it.span(), "the rule");
                    let evs = rf
                        .req(src, "events", "events = [\"death\"]")
                        .map(|en| read_sub_events(src, &en, &events))
                        .unwrap_or_default();
                    let rmembers = match rf.get("members") {
                        None => None,
                        Some(mn) => read_members(src, &mn),
                    };
                    let when = rf.req_str(src, "when", "when = 'a condition'");
                    rf.finish(src);
                    if evs
                        .iter()
                        .any(|e| rules.iter().any(|r| r.events.contains(e)))
                    {
                        src.error_at(&it, "two [[rules]] for the same event", None);
                    }
                    let Some((text, span)) = when else { continue };
                    if scope.is_none() {
                        continue;
                    }
                    if let Some(c) = check_cond(src, &text, &span, &cond_env(&evs, member_scope)) {
                        rules.push(Rule {
                            events: evs,
                            members: rmembers,
                            when_src: text,
                            when: c,
                        });
                    }
                }
            }
            None => src.error_at(
                &n,
                "`rules` is a list: [[rules]] events = [...] when = '…'",
                None,
            ),
        }
    }
    let default_events: Vec<EventKind> = events
        .iter()
        .copied()
        .filter(|e| !rules.iter().any(|r| r.events.contains(e)))
        .collect();

    let when = f.req_str(src, "when", "when = 'a condition', or when = 'true'");
    let mut cond = None;
    if let (Some((text, span)), Some(_)) = (&when, scope) {
        let evs = if default_events.is_empty() {
            events.clone()
        } else {
            default_events.clone()
        };
        cond = check_cond(src, text, span, &cond_env(&evs, member_scope));
    }

    // `[[place]]`: another section when a condition holds (the first that holds).
    let mut places = vec![];
    if let Some(n) = f.get("place") {
        match n.array() {
            Some(items) => {
                for it in items {
                    let Some(t) = it.table() else {
                        src.error_at(&it, "each [[place]] is a table", None);
                        continue;
                    };
                    let mut pf = Fields::new(t, it.span(), "the place");
                    let when = pf.req_str(src, "when", "when = 'a condition'");
                    let sec = pf.req_str(src, "section", "section = \"<a key of [sections]>\"");
                    pf.finish(src);
                    if let Some((sk, sspan)) = &sec {
                        if !m.sections.iter().any(|x| &x.key == sk) {
                            let hint = closest(sk, m.sections.iter().map(|x| x.key.as_str()))
                                .map(|c| format!("did you mean `{c}`?"));
                            src.error(
                                sspan.clone(),
                                format!("unknown section `{sk}`: no counter for it in municipality.toml"),
                                hint,
                            );
                        }
                    }
                    let (Some((text, span)), Some((sk, _))) = (when, sec) else {
                        continue;
                    };
                    // Evaluated once for the procedure: `member` only inside any/all/count.
                    if let Some(c) = check_cond(src, &text, &span, &cond_env(&events, false)) {
                        places.push(Place {
                            when_src: text,
                            when: c,
                            section: sk,
                        });
                    }
                }
            }
            None => src.error_at(
                &n,
                "`place` is a list: [[place]] when = '…' section = \"…\"",
                None,
            ),
        }
    }

    let deadlines = f
        .req(
            src,
            "deadline",
            "deadline = { from = \"event_date\", days = 14 } or deadline = { text = \"速やかに\" }",
        )
        .map(|n| read_deadlines(src, &n, &events));
    let basis = f
        .req_str(src, "basis", "basis = \"…法 第…条\"")
        .map(|(b, span)| {
            check_chars(src, &b, &span, "basis");
            b
        });
    let tpl = TemplateEnv {
        params: &m.params,
        vocab,
        member_scope,
        death_only: !events.is_empty() && events.iter().all(|e| *e == EventKind::Death),
    };
    let mut bring = vec![];
    if let Some(n) = f.get("bring") {
        match n.array() {
            Some(items) => {
                for it in items {
                    if let Some(t) = read_event_text(src, &it, "an item to bring", &events, &tpl) {
                        bring.push(t);
                    }
                }
            }
            None => src.error_at(&n, "`bring` is a list", None),
        }
    }
    let mut forms = vec![];
    if let Some(n) = f.get("forms") {
        match n.array() {
            Some(items) => {
                for it in items {
                    let Some(s) = it.as_str() else {
                        src.error_at(&it, "a form id is a string", None);
                        continue;
                    };
                    let span = string_content_span(src.text, it.span().unwrap_or(0..0), s);
                    if let Some(known) = known_forms {
                        if !known.contains(s) {
                            let hint = closest(s, known.iter().map(String::as_str))
                                .map(|c| format!("did you mean `{c}`?"));
                            src.error(
                                span,
                                format!("unknown form id `{s}`: no template has it"),
                                hint.or(Some("add templates/<id>.toml, or correct the id".into())),
                            );
                        }
                    }
                    forms.push(s.to_string());
                }
            }
            None => src.error_at(&n, "`forms` is a list of form ids", None),
        }
        if kind == Some(ProcKind::Guidance) && !forms.is_empty() {
            src.error_at(
                &n,
                "a guidance procedure prints no form",
                Some(
                    "guidance is done outside city hall; remove `forms` or change the kind".into(),
                ),
            );
        }
    }
    if kind == Some(ProcKind::Form) && forms.is_empty() {
        let span = f.key_span("kind").unwrap_or(0..0);
        src.error(
            span,
            "a `form` procedure needs at least one form id",
            Some("forms = [\"…\"], or kind = \"notice\"".into()),
        );
    }
    let reason = f
        .req(
            src,
            "reason",
            "reason = { ja = \"{member}: …\", en = \"…\" }",
        )
        .map(|n| read_event_texts(src, &n, "reason", &events, &tpl, true));
    let not_applicable = f
        .get("not_applicable")
        .and_then(|n| read_text(src, &n, "not_applicable"));
    if let Some((t, ja_span, _)) = &not_applicable {
        check_template(src, &t.ja, ja_span, &tpl);
    }
    let note = f
        .get("note")
        .map(|n| read_event_texts(src, &n, "note", &events, &tpl, false))
        .unwrap_or_default();
    let order = match f.get("order") {
        None => 100,
        Some(n) => n.as_integer().unwrap_or_else(|| {
            src.error_at(&n, "`order` must be an integer (smaller comes first)", None);
            100
        }),
    };
    let mut date_of = |key: &str| -> Option<chrono::NaiveDate> {
        let n = f.get(key)?;
        match n.as_date_text().as_deref().and_then(parse_date) {
            Some(d) => Some(d),
            None => {
                src.error_at(&n, format!("`{key}` must be a date (YYYY-MM-DD)"), None);
                None
            }
        }
    };
    let valid_from = date_of("valid_from");
    let valid_until = date_of("valid_until");
    if let (Some(a), Some(b)) = (valid_from, valid_until) {
        if a > b {
            let span = f.key_span("valid_until").unwrap_or(0..0);
            src.error(span, "valid_until is before valid_from", None);
        }
    }
    f.finish(src);

    if let Some(n) = &name {
        if n.en.is_none() {
            src.warning(
                0..0,
                "the procedure has no English name",
                Some("name = { ja = \"…\", en = \"…\" }".into()),
            );
        }
    }
    let (id, id_span) = id?;
    let p = Procedure {
        file: src.file.to_string(),
        id,
        name: name?,
        section: section?.0,
        kind: kind?,
        events,
        scope: scope?,
        when_src: when?.0,
        when: cond?,
        members,
        rules,
        places,
        deadlines: deadlines??,
        basis: basis?,
        bring,
        forms,
        reason: reason?,
        not_applicable: not_applicable.map(|t| t.0),
        note,
        valid_from,
        valid_until,
        order,
    };
    if src.has_errors() {
        return None;
    }
    Some((p, id_span))
}

/// Parses and type-checks a condition, reporting errors at their place in the file.
fn check_cond(
    src: &mut Source<'_>,
    text: &str,
    span: &std::ops::Range<usize>,
    env: &CondEnv<'_>,
) -> Option<Cond> {
    let exact = span.len() == text.len();
    let locate = |s: &std::ops::Range<usize>| {
        if exact {
            span.start + s.start..span.start + s.end
        } else {
            span.clone()
        }
    };
    match lang::parse(text) {
        Err(e) => {
            src.error(locate(&e.span), e.message, e.hint);
            None
        }
        Ok(expr) => match check(&expr, env) {
            Ok(c) => Some(c),
            Err(e) => {
                src.error(locate(&e.span), e.message, e.hint);
                None
            }
        },
    }
}

/// A list of some of the procedure's events.
fn read_sub_events(
    src: &mut Source<'_>,
    n: &Node<'_>,
    proc_events: &[EventKind],
) -> Vec<EventKind> {
    let mut out = vec![];
    match n.array() {
        Some(items) if !items.is_empty() => {
            for e in items {
                match e.as_str().and_then(EventKind::parse) {
                    Some(k) if proc_events.contains(&k) && !out.contains(&k) => out.push(k),
                    _ => src.error_at(&e, "not one of the procedure's events", None),
                }
            }
        }
        _ => src.error_at(n, "`events` is a non-empty list of events", None),
    }
    out
}

fn read_deadlines(
    src: &mut Source<'_>,
    n: &Node<'_>,
    events: &[EventKind],
) -> Option<Vec<DeadlineRule>> {
    let items: Vec<Node<'_>> = match n.array() {
        Some(items) => items,
        None if n.table().is_some() => vec![n.clone()],
        None => {
            src.error_at(
                n,
                "`deadline` is a table, or a list of tables per event",
                Some("deadline = { from = \"event_date\", days = 14 }".into()),
            );
            return None;
        }
    };
    let mut rules = vec![];
    for it in items {
        let Some(t) = it.table() else {
            src.error_at(&it, "each deadline is a table", None);
            continue;
        };
        let mut f = Fields::new(t, it.span(), "the deadline");
        let anchor = f
            .str(src, "from")
            .and_then(|(a, span)| match Anchor::parse(&a) {
                Some(Anchor::FuneralDate) if events.iter().any(|e| *e != EventKind::Death) => {
                    src.error(
                        span,
                        "`funeral_date` is only known for a death",
                        Some("use it in a procedure whose events are [\"death\"]".into()),
                    );
                    None
                }
                Some(x) => Some(x),
                None => {
                    let hint = closest(&a, Anchor::NAMES.iter().copied())
                        .map(|c| format!("did you mean \"{c}\"?"))
                        .unwrap_or_else(|| format!("from = one of: {}", Anchor::NAMES.join(", ")));
                    src.error(span, format!("unknown anchor `{a}`"), Some(hint));
                    None
                }
            });
        let label = f
            .get("label")
            .and_then(|n| read_text(src, &n, "the deadline label"));
        let fixed = f.get("date").and_then(|n| {
            let d = n.as_date_text().as_deref().and_then(parse_date);
            if d.is_none() {
                src.error_at(
                    &n,
                    "`date` must be a date (YYYY-MM-DD)",
                    Some("date = 2027-03-31: a last day the law fixes".into()),
                );
            }
            d
        });
        let count_first_day = match f.get("count_first_day") {
            None => false,
            Some(n) => n.as_bool().unwrap_or_else(|| {
                src.error_at(
                    &n,
                    "`count_first_day` is true or false",
                    Some(
                        "count_first_day = true counts the day of the event (戸籍法 第43条)".into(),
                    ),
                );
                false
            }),
        };
        let on_closed_day = f.str(src, "on_closed_day").map(|(v, span)| {
            OnClosedDay::parse(&v).unwrap_or_else(|| {
                src.error(
                    span,
                    format!("unknown on_closed_day `{v}`"),
                    Some(
                        "on_closed_day = \"next\" (the next open day), \"previous\" or \"keep\""
                            .into(),
                    ),
                );
                OnClosedDay::Next
            })
        });
        let mut num = |key: &str| -> u32 {
            match f.get(key) {
                None => 0,
                Some(n) => match n.as_integer() {
                    Some(v) if (0..=3650).contains(&v) => v as u32,
                    _ => {
                        src.error_at(&n, format!("`{key}` must be a whole number ≥ 0"), None);
                        0
                    }
                },
            }
        };
        let period = Period {
            days: num("days"),
            months: num("months"),
            years: num("years"),
        };
        let text = f
            .get("text")
            .and_then(|n| read_text(src, &n, "the deadline text"));
        let mut evs = vec![];
        if let Some(en) = f.get("events") {
            for e in en.array().unwrap_or_default() {
                match e.as_str().and_then(EventKind::parse) {
                    Some(k) if events.contains(&k) => evs.push(k),
                    _ => src.error_at(&e, "not one of the procedure's events", None),
                }
            }
        }
        let has_period = period != Period::default();
        let span = it.span().unwrap_or(0..0);
        f.finish(src);
        if anchor.is_none() && fixed.is_none() && text.is_none() {
            src.error(
                span.clone(),
                "a deadline needs `from` (with days/months/years), a `date` or a `text`",
                Some(
                    "deadline = { from = \"event_date\", days = 14 } or { text = \"速やかに\" }"
                        .into(),
                ),
            );
        }
        if anchor.is_none() && has_period {
            src.error(
                span.clone(),
                "days/months/years need `from`",
                Some("from = \"event_date\"".into()),
            );
        }
        if let Some((t, s, _)) = &text {
            if anchor.is_none() && fixed.is_none() && t.ja.contains("{date}") {
                src.error(s.clone(), "{date} needs `from`", None);
            }
        }
        if fixed.is_some() && (anchor.is_some() || has_period) {
            src.error(
                span.clone(),
                "a deadline is either `date` or `from` with a period, not both",
                None,
            );
        }
        if count_first_day && anchor.is_none() {
            src.error(span.clone(), "count_first_day needs `from`", None);
        }
        if let Some((l, ls, _)) = &label {
            if l.en.is_none() {
                src.warning(
                    ls.clone(),
                    "the deadline label has no English",
                    Some("label = { ja = \"…\", en = \"…\" }".into()),
                );
            }
        }
        rules.push(DeadlineRule {
            events: evs,
            label: label.map(|l| l.0),
            anchor,
            period,
            fixed,
            count_first_day,
            // A period's last day moves to the next open day (地方自治法 第4条の2 第4項,
            // 民法 第142条); a bare date ("by the move date") is the event's and stays.
            on_closed_day: on_closed_day.unwrap_or(
                if has_period || count_first_day || fixed.is_some() {
                    OnClosedDay::Next
                } else {
                    OnClosedDay::Keep
                },
            ),
            text: text.map(|t| t.0),
        });
    }
    for e in events {
        let named = rules.iter().filter(|r| r.events.contains(e)).count();
        let used: Vec<&DeadlineRule> = if named > 0 {
            rules.iter().filter(|r| r.events.contains(e)).collect()
        } else {
            rules.iter().filter(|r| r.events.is_empty()).collect()
        };
        if used.is_empty() {
            src.error_at(
                n,
                format!("no deadline for the event `{e}`"),
                Some("add a deadline without `events`, or one for this event".into()),
            );
        } else if used.len() > 1 && used.iter().any(|r| r.label.is_none()) {
            src.error_at(
                n,
                format!("the event `{e}` has {} deadlines; each needs a `label`", used.len()),
                Some("label = { ja = \"国民年金\", en = \"National pension\" } tells the resident which period is which".into()),
            );
        }
    }
    Some(rules)
}
