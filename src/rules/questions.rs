//! The question keys of `facts.toml`: when a fact can be asked at all (`asked_when`, with the
//! value it takes otherwise), where the law decides it instead of the resident (`infer`), which
//! checklist screen asks it (`screen`, declared under `[screens]`) and which of its code values
//! are never read aloud (`sensitive_values`).
//!
//! Conditions here are checked like procedure conditions: every problem is reported at its
//! `file:line:column`, and a fact whose precondition or inference depends on itself (directly
//! or through other facts) is refused, so evaluation always terminates.

use super::check::{check, Env};
use super::lang;
use super::model::{Cond, FactDecl, Inference, ScreenDecl, Val, HOUSEHOLD_SCREEN};
use super::toml_walk::{read_text, Fields, Node, Source, Text};
use crate::intake::{closest, FactScope, FactType, FactValue, Vocabulary};
use std::collections::BTreeMap;
use std::ops::Range;

type FactTable = BTreeMap<(FactScope, String), FactDecl>;

/// The screen of a fact that names none: the clerk's "その他", or the resident's own screen
/// for a sensitive fact.
pub fn default_screen(sensitive: bool) -> &'static str {
    if sensitive {
        "private"
    } else {
        "other"
    }
}

/// A literal of `facts.toml` before it is typed against its fact.
#[derive(Clone, Debug)]
enum RawValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
    Other(&'static str),
}

fn raw_value(n: &Node<'_>) -> RawValue {
    if let Some(b) = n.as_bool() {
        return RawValue::Bool(b);
    }
    if let Some(i) = n.as_integer() {
        return RawValue::Int(i);
    }
    if let Some(s) = n.as_str() {
        return RawValue::Str(s.to_string());
    }
    if let Some(items) = n.array() {
        let strs: Option<Vec<String>> = items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect();
        if let Some(v) = strs {
            return RawValue::List(v);
        }
    }
    RawValue::Other(n.type_name())
}

struct RawInference {
    when: (String, Range<usize>),
    value: Option<(RawValue, Range<usize>)>,
    basis: Option<String>,
}

/// The question keys of one fact, as read; compiled once the whole vocabulary is known.
pub struct RawQuestionKeys {
    scope: FactScope,
    name: String,
    name_span: Range<usize>,
    asked_when: Option<(String, Range<usize>)>,
    otherwise: Option<(RawValue, Range<usize>)>,
    infer: Vec<RawInference>,
    pub screen: Option<(String, Range<usize>)>,
    sensitive_values: Vec<(String, Range<usize>)>,
    answers: Vec<(String, Text, Range<usize>)>,
}

/// Reads `asked_when`, `otherwise`, `infer`, `screen` and `sensitive_values` of one fact.
pub fn read_question_keys(
    src: &mut Source<'_>,
    f: &mut Fields<'_>,
    scope: FactScope,
    name: &str,
    name_span: Range<usize>,
) -> RawQuestionKeys {
    let asked_when = f.str(src, "asked_when");
    let otherwise = f
        .get("otherwise")
        .map(|n| (raw_value(&n), n.span().unwrap_or(0..0)));
    let screen = f.str(src, "screen");
    let mut sensitive_values = vec![];
    if let Some(n) = f.get("sensitive_values") {
        match n.array() {
            Some(items) => {
                for it in items {
                    match it.as_str() {
                        Some(s) => {
                            sensitive_values.push((s.to_string(), it.span().unwrap_or(0..0)))
                        }
                        None => src.error_at(&it, "a value code is a string", None),
                    }
                }
            }
            None => src.error_at(
                &n,
                "`sensitive_values` is a list of value codes",
                Some("sensitive_values = [\"public_assistance\"]".into()),
            ),
        }
    }
    let mut answers = vec![];
    if let Some(n) = f.get("answers") {
        match n.table() {
            Some(t) => {
                for (code, item) in t.iter() {
                    let span = t.key(code).and_then(|k| k.span()).unwrap_or(0..0);
                    if let Some((text, _, _)) = read_text(src, &Node::Item(item), "an answer word")
                    {
                        answers.push((code.to_string(), text, span));
                    }
                }
            }
            None => src.error_at(
                &n,
                "`answers` is a table: code = { ja = \"国保\", en = \"NHI\" }",
                None,
            ),
        }
    }
    let mut infer = vec![];
    if let Some(n) = f.get("infer") {
        let items: Vec<Node<'_>> = match n.array() {
            Some(items) => items,
            None => {
                // `[[member.x.infer]]` arrays of tables come as one table-array item.
                match n.value() {
                    None => match &n {
                        Node::Item(toml_edit::Item::ArrayOfTables(a)) => {
                            a.iter().map(|t| Node::Table(t, t.span())).collect()
                        }
                        _ => {
                            src.error_at(
                                &n,
                                "`infer` is a list of { when = '…', value = … }",
                                None,
                            );
                            vec![]
                        }
                    },
                    Some(_) => {
                        src.error_at(&n, "`infer` is a list of { when = '…', value = … }", None);
                        vec![]
                    }
                }
            }
        };
        for it in items {
            let Some(t) = it.table() else {
                src.error_at(&it, "each inference is { when = '…', value = … }", None);
                continue;
            };
            let mut rf = Fields::new(t, it.span(), format!("an inference of `{name}`"));
            let when = rf.req_str(src, "when", "when = 'a condition'");
            let value = rf.req(src, "value", "value = the fact's value where `when` holds");
            let basis = rf.str(src, "basis").map(|b| b.0);
            rf.finish(src);
            if let Some(when) = when {
                infer.push(RawInference {
                    when,
                    value: value.map(|v| (raw_value(&v), v.span().unwrap_or(0..0))),
                    basis,
                });
            }
        }
    }
    RawQuestionKeys {
        scope,
        name: name.to_string(),
        name_span,
        asked_when,
        otherwise,
        infer,
        screen,
        sensitive_values,
        answers,
    }
}

/// Reads `[screens.<key>]`: `label`, `order`, `resident`.
pub fn read_screens(src: &mut Source<'_>, top: &mut Fields<'_>) -> Vec<ScreenDecl> {
    let mut out = vec![];
    let Some(n) = top.get("screens") else {
        return out;
    };
    let Some(t) = n.table() else {
        src.error_at(&n, "[screens] must be a table of screens", None);
        return out;
    };
    for (key, item) in t.iter() {
        let node = Node::Item(item);
        let Some(st) = node.table() else {
            src.error_at(&node, format!("screen `{key}` must be a table"), None);
            continue;
        };
        let mut f = Fields::new(st, node.span(), format!("screen `{key}`"));
        let label = f
            .req(
                src,
                "label",
                "label = { ja = \"お持ちのもの\", en = \"…\" }",
            )
            .and_then(|n| read_text(src, &n, "label"))
            .map(|t| t.0);
        let order = match f.get("order") {
            None => 100,
            Some(n) => n.as_integer().unwrap_or_else(|| {
                src.error_at(
                    &n,
                    "`order` must be an integer (smaller is asked first)",
                    None,
                );
                100
            }),
        };
        let resident = match f.get("resident") {
            None => false,
            Some(n) => n.as_bool().unwrap_or_else(|| {
                src.error_at(&n, "`resident` is true or false", None);
                false
            }),
        };
        f.finish(src);
        if let Some(label) = label {
            out.push(ScreenDecl {
                key: key.to_string(),
                label,
                order,
                resident,
            });
        }
    }
    out
}

/// Adds the built-in screens the set does not declare itself, in asking order.
pub fn finish_screens(mut screens: Vec<ScreenDecl>, decls: &FactTable) -> Vec<ScreenDecl> {
    let builtin = [
        (
            HOUSEHOLD_SCREEN,
            Text {
                ja: "世帯員の確認".into(),
                en: Some("Household members".into()),
            },
            -1000,
            false,
        ),
        (
            "other",
            Text {
                ja: "その他の確認".into(),
                en: Some("Other questions".into()),
            },
            900,
            false,
        ),
        (
            "private",
            Text {
                ja: "画面でお答えください".into(),
                en: Some("Please answer on the screen".into()),
            },
            950,
            true,
        ),
    ];
    for (key, label, order, resident) in builtin {
        let used = key == HOUSEHOLD_SCREEN || decls.values().any(|d| d.screen == key);
        if used && !screens.iter().any(|s| s.key == key) {
            screens.push(ScreenDecl {
                key: key.to_string(),
                label,
                order,
                resident,
            });
        }
    }
    screens.sort_by(|a, b| (a.order, &a.key).cmp(&(b.order, &b.key)));
    screens
}

/// Types a literal of `facts.toml` against the fact it is a value of.
fn typed_value(
    src: &mut Source<'_>,
    ty: &FactType,
    raw: &RawValue,
    span: &Range<usize>,
    what: &str,
) -> Option<FactValue> {
    let domain = |src: &mut Source<'_>, c: &str, values: &[String]| -> bool {
        if values.iter().any(|v| v == c) {
            return true;
        }
        let hint = closest(c, values.iter().map(String::as_str))
            .map(|x| {
                format!(
                    "did you mean \"{x}\"? the values are: {}",
                    values.join(", ")
                )
            })
            .unwrap_or_else(|| format!("the values are: {}", values.join(", ")));
        src.error(
            span.clone(),
            format!("{what}: unknown value \"{c}\""),
            Some(hint),
        );
        false
    };
    match (ty, raw) {
        (FactType::Bool, RawValue::Bool(b)) => Some(FactValue::Bool(*b)),
        (FactType::Count, RawValue::Int(n)) if *n >= 0 && *n <= u32::MAX as i64 => {
            Some(FactValue::Count(*n as u32))
        }
        (FactType::Code(values), RawValue::Str(c)) => {
            domain(src, c, values).then(|| FactValue::Code(c.clone()))
        }
        (FactType::CodeSet(values), RawValue::List(list)) => {
            let ok = list.iter().all(|c| domain(src, c, values));
            ok.then(|| FactValue::Codes(list.clone()))
        }
        (ty, raw) => {
            let got = match raw {
                RawValue::Bool(_) => "true/false",
                RawValue::Int(_) => "a number",
                RawValue::Str(_) => "a string",
                RawValue::List(_) => "a list",
                RawValue::Other(t) => t,
            };
            src.error(
                span.clone(),
                format!("{what} must be {}, not {got}", ty.describe()),
                None,
            );
            None
        }
    }
}

/// Parses and checks a condition of `facts.toml` at its place in the file.
fn condition(src: &mut Source<'_>, text: &str, span: &Range<usize>, env: &Env<'_>) -> Option<Cond> {
    let exact = span.len() == text.len();
    let locate = |s: &Range<usize>| {
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

/// Checks a fact's question keys and stores them in its declaration.
pub fn compile_question_keys(
    src: &mut Source<'_>,
    raw: RawQuestionKeys,
    decls: &mut FactTable,
    vocab: &Vocabulary,
    params: &BTreeMap<String, i64>,
    prefecture: bool,
    screens: &[ScreenDecl],
) {
    let key = (raw.scope, raw.name.clone());
    let Some(decl) = decls.get(&key) else { return };
    let ty = decl.ty.clone();
    let sensitive = decl.sensitive;
    let env = Env {
        vocab,
        params,
        member_scope: raw.scope == FactScope::Member,
        // A precondition may look at the deceased; it is only ever evaluated in a death.
        death_only: true,
        prefecture,
    };
    let asked_when = raw
        .asked_when
        .as_ref()
        .and_then(|(t, s)| condition(src, t, s, &env));
    let otherwise = match (&raw.asked_when, &raw.otherwise) {
        (None, Some((_, span))) => {
            src.error(
                span.clone(),
                format!("`otherwise` of `{}` without `asked_when`", raw.name),
                Some("`otherwise` is the value taken when asked_when is false".into()),
            );
            None
        }
        (Some(_), Some((v, span))) => typed_value(src, &ty, v, span, "otherwise"),
        (Some((_, span)), None) => match &ty {
            FactType::Bool => Some(FactValue::Bool(false)),
            FactType::Count => Some(FactValue::Count(0)),
            FactType::CodeSet(_) => Some(FactValue::Codes(vec![])),
            FactType::Code(values) => {
                src.error(
                    span.clone(),
                    format!(
                        "`{}` is a code fact: say which value it takes when it is not asked",
                        raw.name
                    ),
                    Some(format!("otherwise = \"…\" (one of {})", values.join(", "))),
                );
                None
            }
        },
        (None, None) => None,
    };
    let mut infer = vec![];
    for r in &raw.infer {
        let when = condition(src, &r.when.0, &r.when.1, &env);
        let value = r
            .value
            .as_ref()
            .and_then(|(v, span)| typed_value(src, &ty, v, span, "value"));
        if let (Some(when), Some(value)) = (when, value) {
            infer.push(Inference {
                when,
                when_src: r.when.0.clone(),
                value,
                basis: r.basis.clone(),
            });
        }
    }
    let mut sensitive_values = vec![];
    for (code, span) in &raw.sensitive_values {
        match &ty {
            FactType::Code(values) | FactType::CodeSet(values) => {
                if typed_value(
                    src,
                    &FactType::Code(values.clone()),
                    &RawValue::Str(code.clone()),
                    span,
                    "sensitive_values",
                )
                .is_some()
                {
                    sensitive_values.push(code.clone());
                }
            }
            _ => src.error(
                span.clone(),
                format!(
                    "`{}` has no code values to keep off the clerk's screen",
                    raw.name
                ),
                None,
            ),
        }
    }
    let mut answers = vec![];
    for (code, text, span) in &raw.answers {
        match &ty {
            FactType::Code(values) | FactType::CodeSet(values) => {
                if typed_value(
                    src,
                    &FactType::Code(values.clone()),
                    &RawValue::Str(code.clone()),
                    span,
                    "answers",
                )
                .is_some()
                {
                    answers.push((code.clone(), text.clone()));
                }
            }
            _ => src.error(
                span.clone(),
                format!("`{}` has no code values to give answer words for", raw.name),
                None,
            ),
        }
    }
    let screen_ok = match &raw.screen {
        Some((s, span)) => match screens.iter().find(|x| &x.key == s) {
            None => {
                let hint = closest(s, screens.iter().map(|x| x.key.as_str()))
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "declare it as [screens.{s}] with a label, or use one of: {}",
                            screens
                                .iter()
                                .map(|x| x.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                src.error(span.clone(), format!("unknown screen `{s}`"), Some(hint));
                false
            }
            Some(sc) if sensitive && !sc.resident => {
                src.error(
                    span.clone(),
                    format!(
                        "`{}` is sensitive, but screen `{s}` is read aloud by the clerk",
                        raw.name
                    ),
                    Some("put it on a screen with resident = true (turned to the resident)".into()),
                );
                false
            }
            Some(_) => true,
        },
        None => true,
    };
    let _ = screen_ok;
    if let Some(d) = decls.get_mut(&key) {
        d.asked_when = asked_when;
        d.asked_when_src = raw.asked_when.map(|a| a.0);
        d.otherwise = otherwise;
        d.infer = infer;
        d.sensitive_values = sensitive_values;
        d.answers = answers;
    }
    let _ = raw.name_span;
}

/// The facts a condition reads (for the cycle check).
pub fn fact_refs(c: &Cond, out: &mut Vec<(FactScope, String)>) {
    fn val(v: &Val, out: &mut Vec<(FactScope, String)>) {
        match v {
            Val::Fact { scope, name, .. } if !out.iter().any(|(s, n)| s == scope && n == name) => {
                out.push((*scope, name.clone()));
            }
            Val::Count(_, Some(body)) => fact_refs(body, out),
            _ => {}
        }
    }
    match c {
        Cond::Const(_) => {}
        Cond::Truth(v) | Cond::Contains(v, _) => val(v, out),
        Cond::Cmp(_, l, r) => {
            val(l, out);
            val(r, out);
        }
        Cond::In(v, items) => {
            val(v, out);
            items.iter().for_each(|i| val(i, out));
        }
        Cond::Not(inner) | Cond::Any(_, inner) | Cond::All(_, inner) => fact_refs(inner, out),
        Cond::And(items) | Cond::Or(items) => items.iter().for_each(|i| fact_refs(i, out)),
    }
}

/// The facts a fact's precondition and inferences read.
pub fn depends_on(d: &FactDecl) -> Vec<(FactScope, String)> {
    let mut out = vec![];
    if let Some(c) = &d.asked_when {
        fact_refs(c, &mut out);
    }
    for r in &d.infer {
        fact_refs(&r.when, &mut out);
    }
    out
}

/// Refuses facts whose precondition or inference depends on themselves.
pub fn check_fact_cycles(
    src: &mut Source<'_>,
    decls: &FactTable,
    spans: &[(FactScope, String, Range<usize>)],
) {
    fn visit(
        at: &(FactScope, String),
        decls: &FactTable,
        path: &mut Vec<(FactScope, String)>,
        done: &mut Vec<(FactScope, String)>,
    ) -> Option<Vec<(FactScope, String)>> {
        if let Some(i) = path.iter().position(|p| p == at) {
            let mut cycle = path[i..].to_vec();
            cycle.push(at.clone());
            return Some(cycle);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.clone());
        if let Some(d) = decls.get(at) {
            for next in depends_on(d) {
                if let Some(c) = visit(&next, decls, path, done) {
                    return Some(c);
                }
            }
        }
        path.pop();
        done.push(at.clone());
        None
    }
    let mut done = vec![];
    let mut reported: Vec<(FactScope, String)> = vec![];
    for key in decls.keys() {
        let mut path = vec![];
        if let Some(cycle) = visit(key, decls, &mut path, &mut done) {
            let first = &cycle[0];
            if reported.contains(first) {
                continue;
            }
            reported.extend(cycle.iter().cloned());
            let span = spans
                .iter()
                .find(|(s, n, _)| *s == first.0 && *n == first.1)
                .map_or(0..0, |x| x.2.clone());
            let chain = cycle
                .iter()
                .map(|(s, n)| format!("{}.{n}", s.as_str()))
                .collect::<Vec<_>>()
                .join(" → ");
            src.error(
                span,
                format!("the question of `{}.{}` depends on itself: {chain}", first.0.as_str(), first.1),
                Some("a precondition or inference may only read facts that do not read this one back".into()),
            );
        }
    }
}

impl RawQuestionKeys {
    pub fn key_span(&self) -> (FactScope, String, Range<usize>) {
        (self.scope, self.name.clone(), self.name_span.clone())
    }
}

/// The screen to ask next: the first, in asking order, with an open question.
pub fn next_screen<'a>(
    set: &'a super::ProcedureSet,
    open: &[&super::Question],
) -> Option<&'a ScreenDecl> {
    set.screens
        .iter()
        .find(|sc| open.iter().any(|q| q.screen == sc.key))
}

/// How a counter case goes through the checklist screens: the screen asked next is the first
/// with an open question; on it every open question is answered, each answer reruns
/// `determine` (so a follow-up question of the same screen appears on it at once), until the
/// screen has none left. Returns the screens asked, in order, and the final determination.
/// `answer` gives the value for a question (what the resident says); it may change the
/// intake beyond the fact (the pseudo-questions head, deceased, relation, sex).
pub fn simulate(
    intake: &mut crate::intake::Intake,
    set: &super::ProcedureSet,
    today: chrono::NaiveDate,
    mut answer: impl FnMut(&mut crate::intake::Intake, &super::Question),
) -> (Vec<String>, super::Determination) {
    let mut screens: Vec<String> = vec![];
    let mut det = super::determine(intake, set, today);
    let mut guard = 0;
    loop {
        let open = det.questions();
        let Some(sc) = next_screen(set, &open) else {
            return (screens, det);
        };
        screens.push(sc.key.clone());
        // Answer what this screen shows, again while answers bring follow-ups to it.
        loop {
            let q = det
                .questions()
                .into_iter()
                .find(|q| q.screen == sc.key)
                .cloned();
            let Some(q) = q else { break };
            answer(intake, &q);
            det = super::determine(intake, set, today);
            guard += 1;
            assert!(
                guard < 10_000,
                "an answer did not settle its question: {q:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::calendar::parse_date;
    use crate::intake::{parse_intake, Vocabulary};
    use crate::rules::determine;
    use crate::rules::loader::{embedded_files, load_files, SourceFile};
    use crate::rules::{Diagnostic, ProcedureSet};

    /// The shipped set with `facts.toml` edited by `edit`.
    fn set_with_facts(edit: impl Fn(&str) -> String) -> Result<ProcedureSet, Vec<Diagnostic>> {
        let files: Vec<SourceFile> = embedded_files()
            .into_iter()
            .map(|mut f| {
                if f.path == "facts.toml" {
                    f.text = edit(&f.text);
                }
                f
            })
            .collect();
        load_files(&files, None).map(|(s, _)| s)
    }

    fn one_error(edit: impl Fn(&str) -> String) -> Diagnostic {
        let text = embedded_files()
            .into_iter()
            .find(|f| f.path == "facts.toml")
            .unwrap()
            .text;
        assert!(edit(&text) != text, "the edit changes facts.toml");
        let Err(errs) = set_with_facts(edit) else {
            panic!("the edited set loads")
        };
        assert_eq!(errs.len(), 1, "{errs:#?}");
        errs.into_iter().next().unwrap()
    }

    /// The 1-based line and column of `needle` in the edited facts.toml.
    fn at(text: &str, needle: &str) -> (usize, usize) {
        let i = text.find(needle).expect("needle in the text");
        let line = text[..i].matches('\n').count() + 1;
        let col = text[..i].rsplit('\n').next().unwrap().chars().count() + 1;
        (line, col)
    }

    #[test]
    fn a_bad_precondition_is_reported_where_it_is() {
        let edit = |t: &str| {
            t.replace(
                "asked_when = 'member.age >= 40'",
                "asked_when = 'member.agee >= 40'",
            )
        };
        let d = one_error(edit);
        let text = edit(
            &embedded_files()
                .into_iter()
                .find(|f| f.path == "facts.toml")
                .unwrap()
                .text,
        );
        assert_eq!(d.file, "facts.toml");
        assert_eq!((d.line, d.column), at(&text, "agee"));
        assert_eq!(d.message, "unknown fact `agee`");
        assert_eq!(d.hint.as_deref(), Some("did you mean `age`?"));
    }

    #[test]
    fn screens_and_values_are_checked() {
        let d = one_error(|t| {
            t.replace(
                "お持ちでしたか\", en = \"Did this person hold a disability certificate?\" }\nscreen = \"benefits\"",
                "お持ちでしたか\", en = \"Did this person hold a disability certificate?\" }\nscreen = \"benifits\"",
            )
        });
        assert_eq!(d.message, "unknown screen `benifits`");
        assert_eq!(d.hint.as_deref(), Some("did you mean `benefits`?"));
        // A sensitive fact on a screen the clerk reads aloud.
        let d = one_error(|t| {
            t.replace(
                "asked_when = 'member.sex != \"male\" and member.age >= 10 and member.age < 60'\nscreen = \"benefits\"",
                "asked_when = 'member.sex != \"male\" and member.age >= 10 and member.age < 60'\nscreen = \"belongings\"",
            )
        });
        assert!(d.message.contains("`pregnant` is sensitive"), "{d:?}");
        let d = one_error(|t| {
            t.replace(
                "sensitive_values = [\"public_assistance\"]",
                "sensitive_values = [\"public_asistance\"]",
            )
        });
        assert!(
            d.message.contains("unknown value \"public_asistance\""),
            "{d:?}"
        );
        // A code fact needs to say what it is when not asked.
        let d = one_error(|t| t.replace("otherwise = \"other\"\n", ""));
        assert!(d.message.contains("say which value it takes"), "{d:?}");
        let d = one_error(|t| t.replace("otherwise = \"other\"", "otherwise = true"));
        assert!(d.message.contains("otherwise must be one of"), "{d:?}");
        let d = one_error(|t| {
            t.replace(
                "value = \"late_elderly\"\nbasis",
                "value = \"late_elder\"\nbasis",
            )
        });
        assert!(d.message.contains("unknown value \"late_elder\""), "{d:?}");
    }

    #[test]
    fn a_question_that_depends_on_itself_is_refused() {
        let d = one_error(|t| {
            t.replace(
                "asked_when = 'household.dogs > 0'",
                "asked_when = 'household.dogs > 0 and any(members, member.seal_registered)'",
            )
            .replace(
                "asked_when = 'member.age >= 15'\nscreen = \"belongings\"",
                "asked_when = 'member.age >= 15 and member.dog_owner'\nscreen = \"belongings\"",
            )
        });
        assert!(d.message.contains("depends on itself"), "{d:?}");
        assert!(
            d.message
                .contains("member.dog_owner → member.seal_registered → member.dog_owner")
                || d.message
                    .contains("member.seal_registered → member.dog_owner → member.seal_registered"),
            "{d:?}"
        );
    }

    fn det(json: &str) -> crate::rules::Determination {
        let set = set_with_facts(|t| t.to_string()).unwrap();
        let i = parse_intake(json, &Vocabulary::core()).unwrap();
        determine(&i, &set, parse_date("2026-04-06").unwrap())
    }

    fn asked(d: &crate::rules::Determination) -> Vec<(String, String)> {
        d.questions()
            .iter()
            .map(|q| (q.member.clone().unwrap_or_default(), q.fact.clone()))
            .collect()
    }

    const SINGLE: &str = r#"{"format":"madoguchi-intake/1","event":{"kind":"move_in","date":"2026-04-01"},
      "household":{"head":"m1","members":[{"id":"m1","name":"甲　一郎","birth_date":"BIRTH","sex":"male","relation":"head","facts":{"mynumber_card":true}}],"facts":{}}}"#;

    #[test]
    fn only_askable_questions_are_pending() {
        // A 30-year-old without children: no care certification (from 40), no child-rearing
        // allowance (no child), no seal question on a move-in for this set... but insurance.
        let d = det(&SINGLE.replace("BIRTH", "1996-01-01"));
        let facts: Vec<String> = asked(&d).into_iter().map(|a| a.1).collect();
        assert!(facts.contains(&"health_insurance".to_string()), "{facts:?}");
        for never in [
            "ltc_certified",
            "child_rearing_allowance_recipient",
            "pregnant",
            "public_school",
        ] {
            assert!(
                !facts.contains(&never.to_string()),
                "{never} asked: {facts:?}"
            );
        }
        let d = det(&SINGLE.replace("BIRTH", "1980-01-01"));
        assert!(
            asked(&d).iter().any(|a| a.1 == "ltc_certified"),
            "from 40 it is asked"
        );
    }

    #[test]
    fn the_law_decides_the_insurance_of_the_over_75s() {
        let d = det(&SINGLE.replace("BIRTH", "1948-01-01"));
        let facts: Vec<String> = asked(&d).into_iter().map(|a| a.1).collect();
        assert!(
            !facts.contains(&"health_insurance".to_string()),
            "{facts:?}"
        );
        assert!(
            facts.contains(&"public_assistance".to_string()),
            "{facts:?}"
        );
        // From another prefecture (Edition 2: 後期高齢者医療 加入 only then; within the
        // prefecture it is an address change).
        let no_pa = SINGLE
            .replace("BIRTH", "1948-01-01")
            .replace(
                "\"facts\":{}}}",
                "\"facts\":{\"public_assistance\":false}}}",
            )
            .replace(
                "\"date\":\"2026-04-01\"}",
                "\"date\":\"2026-04-01\",\"previous_address\":\"東京都千代田区千代田１番１号\"}",
            );
        let d = det(&no_pa);
        assert!(
            d.procedures.iter().any(|p| p.id == "late_elderly.enroll"),
            "{:?}",
            d.pending
        );
        assert!(!asked(&d).iter().any(|a| a.1 == "health_insurance"));
        let pa = no_pa.replace("\"public_assistance\":false", "\"public_assistance\":true");
        let d = det(&pa);
        assert!(!d
            .procedures
            .iter()
            .any(|p| p.id.starts_with("late_elderly")));
        assert!(d
            .procedures
            .iter()
            .any(|p| p.id == "public_assistance.consult"));
    }

    #[test]
    fn questions_carry_their_screen_and_the_past_tense_for_the_deceased() {
        let d = det(&SINGLE.replace("BIRTH", "1980-01-01"));
        let json: serde_json::Value = serde_json::from_str(&d.to_json_pretty()).unwrap();
        let qs: Vec<&serde_json::Value> = json["pending"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["questions"].as_array().unwrap())
            .collect();
        assert!(!qs.is_empty());
        for q in qs {
            let screen = q["screen"].as_str().unwrap();
            if q["fact"] == "health_insurance" {
                assert_eq!(screen, "insurance");
                assert!(!q["text"].as_str().unwrap().contains("生活保護"), "{q}");
            }
            if q["fact"] == "public_assistance" {
                assert_eq!(screen, "benefits");
            }
        }
        let death = r#"{"format":"madoguchi-intake/1","event":{"kind":"death","date":"2026-04-01","deceased":"m1"},
          "household":{"head":"m1","members":[{"id":"m1","name":"甲　一郎","birth_date":"1950-01-01","sex":"male","relation":"head","facts":{}},
          {"id":"m2","name":"甲　花子","birth_date":"1952-01-01","sex":"female","relation":"spouse","facts":{}}],"facts":{}}}"#;
        let d = det(death);
        let q = d
            .questions()
            .into_iter()
            .find(|q| q.fact == "pension_recipient")
            .cloned()
            .unwrap();
        assert_eq!(q.member.as_deref(), Some("m1"));
        assert_eq!(q.text, "公的年金 (老齢・障害・遺族) を受け取っていましたか");
    }
}
