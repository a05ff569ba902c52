//! The type checker of conditions: every path is resolved against the fact vocabulary and
//! every comparison typed, before any evaluation (as cedar validates policies against a
//! schema). What passes is turned into the [`Cond`] the engine evaluates.

use super::lang::{CmpOp, Expr, ExprKind, Lit, Quant, Span, SyntaxError};
use super::model::{Attr, Cond, Derived, Val, Who};
use crate::intake::{closest, EventKind, FactScope, FactType, Relation, Sex, Vocabulary};
use std::collections::BTreeMap;

/// What a condition may refer to.
pub struct Env<'a> {
    pub vocab: &'a Vocabulary,
    pub params: &'a BTreeMap<String, i64>,
    /// Per-member procedure: `member.` is the member being evaluated.
    pub member_scope: bool,
    /// Every event of the procedure is a death: `deceased.` is known.
    pub death_only: bool,
    /// The town's prefecture is known (`[municipality] prefecture`): the derived facts
    /// `event.from_other_prefecture` / `event.to_other_prefecture` can be used.
    pub prefecture: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Bool,
    Int,
    Code { what: String, values: Vec<String> },
    Codes { what: String, values: Vec<String> },
    Text,
}

impl Ty {
    fn name(&self) -> String {
        match self {
            Ty::Bool => "true/false".into(),
            Ty::Int => "a number".into(),
            Ty::Code { what, .. } => format!("a code ({what})"),
            Ty::Codes { what, .. } => format!("a set of codes ({what})"),
            Ty::Text => "a text".into(),
        }
    }
}

enum Typed {
    Cond(Cond),
    Val(Val, Ty),
    Str(String),
    List(Vec<(Lit, Span)>),
}

type R<T> = Result<T, SyntaxError>;

fn e<T>(span: &Span, message: impl Into<String>, hint: Option<String>) -> R<T> {
    Err(SyntaxError {
        span: span.clone(),
        message: message.into(),
        hint,
    })
}

struct Checker<'a> {
    env: &'a Env<'a>,
    in_quant: bool,
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Checks a parsed condition; the result must be true/false.
pub fn check(expr: &Expr, env: &Env<'_>) -> R<Cond> {
    let mut c = Checker {
        env,
        in_quant: false,
    };
    c.cond(expr)
}

impl Checker<'_> {
    fn cond(&mut self, ex: &Expr) -> R<Cond> {
        match self.typed(ex)? {
            Typed::Cond(c) => Ok(c),
            Typed::Val(Val::Bool(b), _) => Ok(Cond::Const(b)),
            Typed::Val(v, Ty::Bool) => Ok(Cond::Truth(v)),
            Typed::Val(_, ty) => e(
                &ex.span,
                format!("this is {}, not a condition (true/false)", ty.name()),
                Some("compare it, e.g. member.age >= 65".into()),
            ),
            Typed::Str(_) | Typed::List(_) => e(
                &ex.span,
                "a value alone is not a condition",
                Some("compare a fact with it, e.g. member.health_insurance == \"nhi\"".into()),
            ),
        }
    }

    fn member_ok(&self, who: Who, span: &Span) -> R<()> {
        match who {
            Who::Current if !(self.env.member_scope || self.in_quant) => e(
                span,
                "`member` is not defined in a household procedure",
                Some("use a quantifier, e.g. any(movers, member.age >= 65), or make the procedure `scope = \"member\"`".into()),
            ),
            Who::Deceased if !self.env.death_only => e(
                span,
                "`deceased` is only known when every event of the procedure is `death`",
                Some("split the procedure, or use member/any(...) instead".into()),
            ),
            _ => Ok(()),
        }
    }

    fn path(&mut self, segs: &[(String, Span)], span: &Span) -> R<(Val, Ty)> {
        let (root, root_span) = &segs[0];
        let field = |i: usize| -> R<&(String, Span)> {
            segs.get(i).map_or_else(
                || {
                    e(
                        span,
                        format!("`{root}` needs a name after it"),
                        Some(format!("e.g. {root}.…")),
                    )
                },
                Ok,
            )
        };
        if segs.len() > 2 {
            return e(
                &segs[2].1,
                "paths have two parts",
                Some("e.g. member.age, household.dogs".into()),
            );
        }
        match root.as_str() {
            "member" | "deceased" | "head" => {
                let who = match root.as_str() {
                    "member" => Who::Current,
                    "deceased" => Who::Deceased,
                    _ => Who::Head,
                };
                self.member_ok(who, root_span)?;
                let (name, nspan) = field(1)?;
                if let Some(attr) = Attr::parse(name) {
                    let ty = match attr {
                        Attr::Age | Attr::Grade => Ty::Int,
                        Attr::Relation => Ty::Code {
                            what: "relation".into(),
                            values: strings(Relation::VALUES),
                        },
                        Attr::Sex => Ty::Code {
                            what: "sex".into(),
                            values: strings(Sex::VALUES),
                        },
                        Attr::Nationality => Ty::Text,
                        _ => Ty::Bool,
                    };
                    return Ok((Val::Attr(who, attr), ty));
                }
                match self.env.vocab.member.get(name) {
                    Some(ft) => Ok((
                        Val::Fact {
                            who,
                            scope: FactScope::Member,
                            name: name.clone(),
                            default: None,
                        },
                        fact_ty(name, ft),
                    )),
                    None if self.env.vocab.household.contains_key(name) => e(
                        nspan,
                        format!("`{name}` is a household fact"),
                        Some(format!("write household.{name}")),
                    ),
                    None => {
                        let cands = self
                            .env
                            .vocab
                            .member
                            .keys()
                            .map(String::as_str)
                            .chain(Attr::NAMES.iter().copied());
                        let hint = closest(name, cands).map(|c| format!("did you mean `{c}`?"));
                        e(
                            nspan,
                            format!("unknown fact `{name}`"),
                            hint.or(Some(
                                "declare it in facts.toml, or check the spelling".into(),
                            )),
                        )
                    }
                }
            }
            "household" => {
                let (name, nspan) = field(1)?;
                if Derived::parse(name).is_some() {
                    return e(
                        nspan,
                        format!("`household.{name}` only keeps the clerk's answer"),
                        Some(format!("write event.{name}: it is read from the address, and asked only when the address cannot be read")),
                    );
                }
                match self.env.vocab.household.get(name) {
                    Some(ft) => Ok((
                        Val::Fact {
                            who: Who::Current,
                            scope: FactScope::Household,
                            name: name.clone(),
                            default: None,
                        },
                        fact_ty(name, ft),
                    )),
                    None if self.env.vocab.member.contains_key(name) => e(
                        nspan,
                        format!("`{name}` is a member fact"),
                        Some(format!(
                            "write member.{name}, or any(movers, member.{name})"
                        )),
                    ),
                    None => {
                        let hint =
                            closest(name, self.env.vocab.household.keys().map(String::as_str))
                                .map(|c| format!("did you mean `{c}`?"));
                        e(
                            nspan,
                            format!("unknown household fact `{name}`"),
                            hint.or(Some(
                                "declare it in facts.toml, or check the spelling".into(),
                            )),
                        )
                    }
                }
            }
            "event" => {
                let (name, nspan) = field(1)?;
                if name == "kind" {
                    Ok((
                        Val::EventKind,
                        Ty::Code {
                            what: "event.kind".into(),
                            values: strings(EventKind::VALUES),
                        },
                    ))
                } else if let Some(d) = Derived::parse(name) {
                    if !self.env.prefecture {
                        return e(
                            nspan,
                            format!("`event.{name}` needs the town's prefecture"),
                            Some("add prefecture = \"…県\" under [municipality] in municipality.toml".into()),
                        );
                    }
                    // The clerk's answer, when the address cannot be read, is kept as a
                    // household fact of the same name: its type and question must exist.
                    if self.env.vocab.household.get(name) != Some(&FactType::Bool) {
                        return e(
                            nspan,
                            format!("`event.{name}` needs the household fact `{name}` (bool) in facts.toml"),
                            Some(format!("declare [household.{name}] with type = \"bool\" and the question asked when the address cannot be read")),
                        );
                    }
                    Ok((Val::Derived(d), Ty::Bool))
                } else {
                    let cands = std::iter::once("kind").chain(Derived::NAMES.iter().copied());
                    let hint = closest(name, cands)
                        .map(|c| format!("did you mean `event.{c}`?"))
                        .unwrap_or_else(|| {
                            "event.kind, event.from_other_prefecture or event.to_other_prefecture"
                                .into()
                        });
                    e(nspan, format!("unknown event field `{name}`"), Some(hint))
                }
            }
            "param" => {
                let (name, nspan) = field(1)?;
                match self.env.params.get(name) {
                    Some(v) => Ok((Val::Int(*v), Ty::Int)),
                    None => {
                        let hint = closest(name, self.env.params.keys().map(String::as_str))
                            .map(|c| format!("did you mean `{c}`?"));
                        e(
                            nspan,
                            format!("unknown municipal parameter `{name}`"),
                            hint.or(Some(
                                "add it under [parameters] in municipality.toml".into(),
                            )),
                        )
                    }
                }
            }
            other => {
                let hint = if Attr::parse(other).is_some()
                    || self.env.vocab.member.contains_key(other)
                {
                    format!("write member.{other}")
                } else if self.env.vocab.household.contains_key(other) {
                    format!("write household.{other}")
                } else {
                    "a path starts with member, household, deceased, head, event or param".into()
                };
                e(root_span, format!("unknown name `{other}`"), Some(hint))
            }
        }
    }

    fn typed(&mut self, ex: &Expr) -> R<Typed> {
        let span = &ex.span;
        Ok(match &ex.kind {
            ExprKind::Lit(Lit::Int(n)) => Typed::Val(Val::Int(*n), Ty::Int),
            ExprKind::Lit(Lit::Bool(b)) => Typed::Val(Val::Bool(*b), Ty::Bool),
            ExprKind::Lit(Lit::Str(s)) => Typed::Str(s.clone()),
            ExprKind::List(items) => Typed::List(items.clone()),
            ExprKind::Path(segs) => {
                let (v, t) = self.path(segs, span)?;
                Typed::Val(v, t)
            }
            ExprKind::Not(inner) => Typed::Cond(Cond::Not(Box::new(self.cond(inner)?))),
            ExprKind::And(items) => Typed::Cond(Cond::And(
                items.iter().map(|i| self.cond(i)).collect::<R<_>>()?,
            )),
            ExprKind::Or(items) => Typed::Cond(Cond::Or(
                items.iter().map(|i| self.cond(i)).collect::<R<_>>()?,
            )),
            ExprKind::Quant(q, set, _set_span, body) => {
                if self.in_quant {
                    return e(
                        span,
                        "quantifiers cannot be nested",
                        Some("write the inner test as its own condition".into()),
                    );
                }
                self.in_quant = true;
                let body = body.as_ref().map(|b| self.cond(b)).transpose();
                self.in_quant = false;
                let body = body?;
                match q {
                    Quant::Any => Typed::Cond(Cond::Any(
                        *set,
                        Box::new(body.expect("parser requires a body")),
                    )),
                    Quant::All => Typed::Cond(Cond::All(
                        *set,
                        Box::new(body.expect("parser requires a body")),
                    )),
                    Quant::Count => Typed::Val(Val::Count(*set, body.map(Box::new)), Ty::Int),
                }
            }
            ExprKind::Default(inner, lit, lspan) => {
                let (v, ty) = match self.typed(inner)? {
                    Typed::Val(v @ Val::Fact { .. }, ty) => (v, ty),
                    _ => {
                        return e(
                            &inner.span,
                            "`??` follows a fact",
                            Some("e.g. member.dog_owner ?? false".into()),
                        )
                    }
                };
                let d = self.literal_as(lit, lspan, &ty)?;
                let Val::Fact {
                    who, scope, name, ..
                } = v
                else {
                    unreachable!("matched above")
                };
                Typed::Val(
                    Val::Fact {
                        who,
                        scope,
                        name,
                        default: Some(Box::new(d)),
                    },
                    ty,
                )
            }
            ExprKind::Cmp(op, l, r) => {
                let lt = self.typed(l)?;
                let rt = self.typed(r)?;
                Typed::Cond(self.compare(*op, lt, &l.span, rt, &r.span, span)?)
            }
            ExprKind::In(l, items) => {
                let (v, ty) = match self.typed(l)? {
                    Typed::Val(v, ty) => (v, ty),
                    _ => return e(&l.span, "`in` needs a fact on its left", None),
                };
                if let Ty::Codes { .. } = ty {
                    return e(
                        span,
                        "a set of codes cannot be tested with `in`",
                        Some("use `contains \"…\"`, or `!= []` for \"has any\"".into()),
                    );
                }
                if ty == Ty::Bool {
                    return e(
                        &l.span,
                        "true/false cannot be tested with `in`",
                        Some("test it directly, or with == true".into()),
                    );
                }
                let vals = items
                    .iter()
                    .map(|(lit, sp)| self.literal_as(lit, sp, &ty))
                    .collect::<R<Vec<_>>>()?;
                Typed::Cond(Cond::In(v, vals))
            }
            ExprKind::Contains(l, code, cspan) => {
                let (v, ty) = match self.typed(l)? {
                    Typed::Val(v, ty) => (v, ty),
                    _ => return e(&l.span, "`contains` needs a fact on its left", None),
                };
                match &ty {
                    Ty::Codes { what, values } => {
                        if !values.contains(code) {
                            return e(
                                cspan,
                                format!("unknown code value \"{code}\" for {what}"),
                                Some(format!("the values are: {}", values.join(", "))),
                            );
                        }
                        Typed::Cond(Cond::Contains(v, code.clone()))
                    }
                    other => {
                        return e(
                            &l.span,
                            format!("`contains` needs a set of codes, not {}", other.name()),
                            Some("use == or in".into()),
                        )
                    }
                }
            }
        })
    }

    /// A literal checked against the type it is compared with.
    fn literal_as(&self, lit: &Lit, span: &Span, ty: &Ty) -> R<Val> {
        match (lit, ty) {
            (Lit::Int(n), Ty::Int) => Ok(Val::Int(*n)),
            (Lit::Bool(b), Ty::Bool) => Ok(Val::Bool(*b)),
            (Lit::Str(s), Ty::Code { what, values }) => {
                if values.contains(s) {
                    Ok(Val::Code(s.clone()))
                } else {
                    let hint = closest(s, values.iter().map(String::as_str))
                        .map(|c| {
                            format!(
                                "did you mean \"{c}\"? the values are: {}",
                                values.join(", ")
                            )
                        })
                        .unwrap_or_else(|| format!("the values are: {}", values.join(", ")));
                    e(
                        span,
                        format!("unknown code value \"{s}\" for {what}"),
                        Some(hint),
                    )
                }
            }
            (Lit::Str(s), Ty::Text) => Ok(Val::Text(s.clone())),
            (Lit::Int(_), Ty::Code { what, .. }) => e(
                span,
                format!("comparison of a code ({what}) with a number"),
                Some("code values are written in quotes, e.g. \"nhi\"".into()),
            ),
            (Lit::Str(_), Ty::Int) => e(
                span,
                "comparison of a number with a code or text",
                Some("numbers are written without quotes".into()),
            ),
            (lit, ty) => e(
                span,
                format!("{lit} cannot be compared with {}", ty.name()),
                None,
            ),
        }
    }

    fn compare(
        &mut self,
        op: CmpOp,
        lt: Typed,
        lspan: &Span,
        rt: Typed,
        rspan: &Span,
        span: &Span,
    ) -> R<Cond> {
        let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
        let (lv, ty, rv) = match (lt, rt) {
            (Typed::Val(lv, lty), Typed::Val(rv, rty)) => {
                let same = match (&lty, &rty) {
                    (Ty::Code { values: a, .. }, Ty::Code { values: b, .. }) => a == b,
                    (a, b) => a == b,
                };
                if !same {
                    let msg = match (&lty, &rty) {
                        (Ty::Code { what, .. }, Ty::Int) | (Ty::Int, Ty::Code { what, .. }) => {
                            format!("comparison of a code ({what}) with a number")
                        }
                        _ => format!("cannot compare {} with {}", lty.name(), rty.name()),
                    };
                    return e(span, msg, None);
                }
                (lv, lty, rv)
            }
            (Typed::Val(lv, lty), Typed::Str(s)) => {
                let rv = self.literal_as(&Lit::Str(s), rspan, &lty)?;
                (lv, lty, rv)
            }
            (Typed::Str(s), Typed::Val(rv, rty)) => {
                let lv = self.literal_as(&Lit::Str(s), lspan, &rty)?;
                (lv, rty, rv)
            }
            (Typed::Val(lv, lty @ Ty::Codes { .. }), Typed::List(items)) => {
                if !items.is_empty() {
                    return e(
                        rspan,
                        "a set of codes is only compared with []",
                        Some("use `contains \"…\"` to test one value".into()),
                    );
                }
                if ordering {
                    return e(span, "sets are compared with == or != only", None);
                }
                (lv, lty, Val::EmptySet)
            }
            (Typed::Cond(_), _) | (_, Typed::Cond(_)) => {
                return e(
                    span,
                    "conditions are combined with and / or / not, not compared",
                    Some("remove the comparison, or add parentheses".into()),
                )
            }
            _ => return e(span, "this comparison needs a fact on one side", None),
        };
        if ordering && ty != Ty::Int {
            return e(
                span,
                format!("`{}` compares numbers, not {}", op.text(), ty.name()),
                Some("use == or != (or `in [...]`)".into()),
            );
        }
        Ok(Cond::Cmp(op, lv, rv))
    }
}

fn fact_ty(name: &str, ft: &FactType) -> Ty {
    match ft {
        FactType::Bool => Ty::Bool,
        FactType::Count => Ty::Int,
        FactType::Code(v) => Ty::Code {
            what: name.to_string(),
            values: v.clone(),
        },
        FactType::CodeSet(v) => Ty::Codes {
            what: name.to_string(),
            values: v.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::lang::parse;

    fn chk(src: &str, member_scope: bool) -> R<Cond> {
        let vocab = Vocabulary::core();
        let params = BTreeMap::from([("child_medical_max_grade".to_string(), 12)]);
        let env = Env {
            vocab: &vocab,
            params: &params,
            member_scope,
            death_only: false,
            prefecture: false,
        };
        check(&parse(src).unwrap(), &env)
    }

    #[test]
    fn the_errors_supervisors_make() {
        let err = chk("member.helth_insurance == \"nhi\"", true).unwrap_err();
        assert_eq!(err.message, "unknown fact `helth_insurance`");
        assert_eq!(err.span, 7..22);
        assert_eq!(
            err.hint.as_deref(),
            Some("did you mean `health_insurance`?")
        );
        let err = chk("member.health_insurance == 3", true).unwrap_err();
        assert!(err.message.contains("comparison of a code"), "{err:?}");
        let err = chk("member.health_insurance in [\"nhi\", \"kokuho\"]", true).unwrap_err();
        assert_eq!(
            err.message,
            "unknown code value \"kokuho\" for health_insurance"
        );
        assert_eq!(err.span, 35..43);
        let err = chk("member.age >= 65", false).unwrap_err();
        assert!(err.message.contains("household procedure"));
        let err = chk("member.grade <= param.child_medical_max", true).unwrap_err();
        assert!(err.hint.unwrap().contains("child_medical_max_grade"));
        let err = chk("household.dogs", false).unwrap_err();
        assert!(err.message.contains("not a condition"));
        let err = chk("any(movers, any(remaining, member.moving))", false).unwrap_err();
        assert!(err.message.contains("nested"));
        let err = chk("deceased.pension_recipient", false).unwrap_err();
        assert!(err.message.contains("death"));
        let err = chk("member.relation < \"child\"", true).unwrap_err();
        assert!(err.message.contains("compares numbers"));
    }

    #[test]
    fn the_catalogue_shapes_check() {
        chk(
            "count(remaining, member.age >= 15) >= 2 and head.moving",
            false,
        )
        .unwrap();
        chk(
            "household.dogs > 0 and any(movers, member.dog_owner ?? false)",
            false,
        )
        .unwrap();
        chk("member.disability_certificate != []", true).unwrap();
        chk("member.nationality != \"JP\" and member.residence_status in [\"mid_long_term\", \"special_permanent\"]", true).unwrap();
        chk("member.grade <= param.child_medical_max_grade", true).unwrap();
    }
}
