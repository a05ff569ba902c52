//! Layout: turns a template and a case into a laid-out page (`pdf::Page`), measuring text
//! with the real fonts, shrinking or wrapping values to fit their box, and recording every
//! character no font has (the clerk is told before printing) and every value that does not
//! fit.

use super::bind::{format_value, is_checked, resolve, Ctx};
use super::fonts::{Fonts, BOLD, PRIMARY, PT_TO_MM};
use super::pdf::{Item, Page};
use super::template::{Align, Area, Column, Element, Kind, Piece, Template};
use crate::intake::Member;
use serde::Serialize;

/// A problem the clerk must see before printing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// No font has this character: it would print as a gap.
    MissingGlyph {
        page: usize,
        form: String,
        field: String,
        ch: char,
    },
    /// A value does not fit its box even at the smallest size.
    Overflow {
        page: usize,
        form: String,
        field: String,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::MissingGlyph { page, form, field, ch } => write!(
                f,
                "{page}ページ ({form}) の「{field}」: 文字「{ch}」(U+{:04X}) を印字できるフォントがありません。手書きで補ってください。 (no font has {ch:?} in field {field:?} on page {page})",
                *ch as u32
            ),
            Warning::Overflow { page, form, field } => write!(
                f,
                "{page}ページ ({form}) の「{field}」: 欄に収まりません。 (the value of {field:?} on page {page} does not fit its box)"
            ),
        }
    }
}

/// Draws on one page, measuring with the fonts and collecting warnings.
pub struct Canvas<'f> {
    pub fonts: &'f Fonts,
    pub page: Page,
    pub warnings: Vec<Warning>,
    pub page_no: usize,
    pub form: String,
    /// The field being drawn, for warnings.
    pub field: String,
}

pub const LINE: f32 = 0.3;
const MIN_FIT: f32 = 5.5;

impl<'f> Canvas<'f> {
    pub fn new(fonts: &'f Fonts, width: f32, height: f32, page_no: usize, form: &str) -> Self {
        Canvas {
            fonts,
            page: Page {
                width,
                height,
                items: vec![],
            },
            warnings: vec![],
            page_no,
            form: form.to_string(),
            field: String::new(),
        }
    }

    pub fn width(&self, s: &str, size: f32, bold: bool) -> f32 {
        self.fonts
            .width_mm(if bold { BOLD } else { PRIMARY }, s, size)
    }

    /// One line of text with its baseline at `y`; `x` is the left, centre or right edge.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, align: Align, s: &str) {
        if s.is_empty() {
            return;
        }
        let want = if bold { BOLD } else { PRIMARY };
        let mut missing = vec![];
        let runs = self.fonts.runs(want, s, &mut missing);
        for ch in missing {
            let w = Warning::MissingGlyph {
                page: self.page_no,
                form: self.form.clone(),
                field: self.field.clone(),
                ch,
            };
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        let total = self.width(s, size, bold);
        let mut cx = match align {
            Align::Left => x,
            Align::Center => x - total / 2.0,
            Align::Right => x - total,
        };
        let mut out = vec![];
        for (face, run) in runs {
            let w = self.fonts.width_mm(face, &run, size);
            out.push((face, cx, run));
            cx += w;
        }
        self.page.items.push(Item::Text { y, size, runs: out });
    }

    pub fn rect(&mut self, a: Area, stroke: Option<f32>, fill: Option<f32>) {
        self.page.items.push(Item::Rect {
            x: a.x,
            y: a.y,
            w: a.w,
            h: a.h,
            stroke,
            fill,
        });
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, dash: bool) {
        self.page.items.push(Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            dash,
        });
    }

    /// A tick mark inside a square at (x, y) of side `s`.
    pub fn tick(&mut self, x: f32, y: f32, s: f32) {
        let w = 0.55;
        self.line(
            x + s * 0.18,
            y + s * 0.52,
            x + s * 0.42,
            y + s * 0.78,
            w,
            false,
        );
        self.line(
            x + s * 0.42,
            y + s * 0.78,
            x + s * 0.86,
            y + s * 0.2,
            w,
            false,
        );
    }

    /// Breaks a text into lines of at most `width` mm (Japanese breaks between any two
    /// characters, but not before 、。）」 and not inside a Latin word when avoidable).
    pub fn wrap(&self, s: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        let mut lines = vec![];
        for para in s.split('\n') {
            let mut line = String::new();
            for ch in para.chars() {
                let mut cand = line.clone();
                cand.push(ch);
                if self.width(&cand, size, bold) > width && !line.is_empty() {
                    let no_start = "、。，．）」』】・ー！？!?,.)";
                    if no_start.contains(ch) {
                        line.push(ch);
                        continue;
                    }
                    // Break at the last space in a Latin run.
                    if ch.is_ascii_alphanumeric() {
                        if let Some(p) = line.rfind(' ') {
                            let tail = line[p + 1..].to_string();
                            if tail.chars().all(|c| c.is_ascii_graphic()) && !tail.is_empty() {
                                line.truncate(p);
                                lines.push(std::mem::take(&mut line));
                                line = tail;
                                line.push(ch);
                                continue;
                            }
                        }
                    }
                    lines.push(std::mem::take(&mut line));
                    if ch == ' ' {
                        continue;
                    }
                }
                line.push(ch);
            }
            lines.push(line);
        }
        lines
    }

    /// Draws `s` inside `a` (padding included): one line shrunk down to fit, or up to
    /// `max_lines` wrapped lines; warns when it cannot fit.
    pub fn fit(&mut self, a: Area, s: &str, size: f32, bold: bool, align: Align, max_lines: u32) {
        let pad = 1.2;
        let avail_w = (a.w - 2.0 * pad).max(1.0);
        let avail_h = a.h.max(1.0);
        let mut sz = size.min(avail_h / PT_TO_MM / 1.15);
        while sz > MIN_FIT
            && self.width(s, sz, bold) > avail_w
            && (max_lines == 1 || sz > size * 0.8)
        {
            sz -= 0.25;
        }
        let lines = if self.width(s, sz, bold) <= avail_w || max_lines == 1 {
            vec![s.to_string()]
        } else {
            let mut sz2 = sz;
            loop {
                let l = self.wrap(s, avail_w, sz2, bold);
                let h = l.len() as f32 * sz2 * PT_TO_MM * 1.2;
                if (l.len() as u32 <= max_lines && h <= avail_h) || sz2 <= MIN_FIT {
                    sz = sz2;
                    break l;
                }
                sz2 -= 0.25;
            }
        };
        let fits = lines
            .iter()
            .all(|l| self.width(l, sz, bold) <= avail_w + 0.05)
            && lines.len() as u32 <= max_lines.max(1);
        if !fits {
            self.warnings.push(Warning::Overflow {
                page: self.page_no,
                form: self.form.clone(),
                field: self.field.clone(),
            });
        }
        let lh = sz * PT_TO_MM * 1.2;
        let block = lines.len() as f32 * lh;
        let top = a.y + (a.h - block) / 2.0;
        let x = match align {
            Align::Left => a.x + pad,
            Align::Center => a.x + a.w / 2.0,
            Align::Right => a.x + a.w - pad,
        };
        for (k, l) in lines.iter().enumerate() {
            let base = top + k as f32 * lh + sz * PT_TO_MM * 0.95;
            self.text(x, base, sz, bold, align, l);
        }
    }

    /// A wrapped paragraph from (x, y) (top), `width` wide; returns the height used.
    pub fn paragraph(&mut self, x: f32, y: f32, width: f32, s: &str, size: f32, bold: bool) -> f32 {
        let lh = size * PT_TO_MM * 1.35;
        let lines = self.wrap(s, width, size, bold);
        for (k, l) in lines.iter().enumerate() {
            self.text(
                x,
                y + k as f32 * lh + size * PT_TO_MM * 0.9,
                size,
                bold,
                Align::Left,
                l,
            );
        }
        lines.len() as f32 * lh
    }

    /// The page's QR code (`MDGC…P03`) and its text below.
    pub fn qr(&mut self, a: Area, code: &str) {
        self.field = "QR".into();
        if let Ok(q) =
            qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
        {
            let n = q.width();
            let modules = q.to_colors();
            let side = a.w.min(a.h - super::template::QR_CAPTION);
            // Quiet zone of 2 modules inside the square (the page around it is white too).
            let m = side / (n as f32 + 4.0);
            let ox = a.x + 2.0 * m;
            let oy = a.y + 2.0 * m;
            for r in 0..n {
                let mut c = 0;
                while c < n {
                    if modules[r * n + c] == qrcode::Color::Dark {
                        let start = c;
                        while c < n && modules[r * n + c] == qrcode::Color::Dark {
                            c += 1;
                        }
                        self.rect(
                            Area {
                                x: ox + start as f32 * m,
                                y: oy + r as f32 * m,
                                w: (c - start) as f32 * m,
                                h: m,
                            },
                            None,
                            Some(0.0),
                        );
                    } else {
                        c += 1;
                    }
                }
            }
            self.text(
                a.x + side / 2.0,
                a.y + side + 2.6,
                6.5,
                false,
                Align::Center,
                code,
            );
        }
    }
}

/// Resolves and formats the pieces of a static text.
pub fn fill_pieces(pieces: &[Piece], ctx: &Ctx<'_>) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(s) => s.clone(),
            Piece::Bind { path, format } => {
                format_value(&resolve(path, ctx), format).unwrap_or_default()
            }
        })
        .collect()
}

/// Draws one page of a form: the template's elements filled from `ctx`, `rows` in its
/// tables, and the page QR.
pub fn draw_form(cv: &mut Canvas<'_>, t: &Template, ctx: &Ctx<'_>, rows: &[&Member], code: &str) {
    // Static drawing first (filled rectangles under lines under text), then fields.
    let rank = |e: &Element| match e.kind {
        Kind::Rect { .. } => 0,
        Kind::Line { .. } => 1,
        Kind::Text { .. } | Kind::Note { .. } => 2,
        _ => 3,
    };
    let mut order: Vec<&Element> = t.elements.iter().collect();
    order.sort_by_key(|e| rank(e));
    for e in order {
        cv.field = e.name.clone();
        let a = e.area;
        match &e.kind {
            Kind::Text {
                x,
                y,
                pieces,
                size,
                bold,
                align,
            } => {
                let s = fill_pieces(pieces, ctx);
                cv.text(*x, *y, *size, *bold, *align, &s);
            }
            Kind::Note { pieces, size } => {
                let s = fill_pieces(pieces, ctx);
                let lines = cv.wrap(&s, a.w, *size, false);
                let lh = size * PT_TO_MM * 1.35;
                if lines.len() as f32 * lh > a.h + 0.5 {
                    cv.warnings.push(Warning::Overflow {
                        page: cv.page_no,
                        form: cv.form.clone(),
                        field: "note".into(),
                    });
                }
                cv.paragraph(a.x, a.y, a.w, &s, *size, false);
            }
            Kind::Rect { line, fill } => {
                cv.rect(a, (*line > 0.0).then_some(*line), *fill);
            }
            Kind::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                dash,
            } => cv.line(*x1, *y1, *x2, *y2, *width, *dash),
            Kind::Field {
                label,
                label_width,
                value,
                format,
                size,
                align,
                lines,
                boxed,
                placeholder,
            } => {
                let mut va = a;
                if let Some(lw) = label_width {
                    let la = Area { w: *lw, ..a };
                    cv.rect(la, Some(LINE), Some(0.93));
                    if let Some(l) = label {
                        cv.fit(la, l, 8.5, false, Align::Center, 2);
                    }
                    va = Area {
                        x: a.x + lw,
                        w: a.w - lw,
                        ..a
                    };
                } else if let Some(l) = label {
                    cv.text(a.x + 1.0, a.y + 2.7, 6.5, false, Align::Left, l);
                    va = Area {
                        y: a.y + 3.0,
                        h: a.h - 3.0,
                        ..a
                    };
                }
                if *boxed {
                    cv.rect(a, Some(LINE), None);
                }
                let text = value
                    .as_ref()
                    .and_then(|v| format_value(&resolve(v, ctx), format));
                match text {
                    Some(s) => cv.fit(va, &s, *size, false, *align, *lines),
                    None => {
                        if let Some(p) = placeholder {
                            let base = va.y + va.h / 2.0 + 1.0;
                            cv.text(va.x + 1.5, base, 7.0, false, Align::Left, p);
                        }
                    }
                }
            }
            Kind::Check {
                label,
                value,
                equals,
            } => {
                let v = resolve(value, ctx);
                let s = 4.5;
                cv.rect(
                    Area {
                        x: a.x,
                        y: a.y,
                        w: s,
                        h: s,
                    },
                    Some(LINE),
                    None,
                );
                if is_checked(&v, equals.as_deref()) {
                    cv.tick(a.x, a.y, s);
                }
                cv.text(a.x + s + 1.2, a.y + 3.6, 9.0, false, Align::Left, label);
            }
            Kind::Table {
                rows: n,
                row_h,
                header_h,
                columns,
                ..
            } => {
                draw_table(cv, a, *n, *row_h, *header_h, columns, ctx, rows);
            }
            Kind::Signature { label } => {
                cv.rect(a, Some(0.5), None);
                cv.text(a.x + 1.5, a.y + 4.5, 9.0, true, Align::Left, label);
                cv.line(
                    a.x + 30.0,
                    a.y + a.h - 6.0,
                    a.x + a.w - 4.0,
                    a.y + a.h - 6.0,
                    0.2,
                    true,
                );
                cv.text(
                    a.x + a.w - 2.0,
                    a.y + a.h - 1.8,
                    7.0,
                    false,
                    Align::Right,
                    "ご本人（またはご家族・代理人）が署名してください",
                );
            }
            Kind::Office { label } => draw_office(cv, a, label),
        }
    }
    cv.field = "QR".into();
    cv.qr(t.qr, code);
}

#[allow(clippy::too_many_arguments)]
fn draw_table(
    cv: &mut Canvas<'_>,
    a: Area,
    n: u32,
    row_h: f32,
    header_h: f32,
    columns: &[Column],
    ctx: &Ctx<'_>,
    rows: &[&Member],
) {
    cv.rect(Area { h: header_h, ..a }, Some(LINE), Some(0.93));
    cv.rect(a, Some(0.4), None);
    let mut x = a.x;
    for (k, c) in columns.iter().enumerate() {
        if k > 0 {
            cv.line(x, a.y, x, a.y + a.h, LINE, false);
        }
        cv.field = c.title.clone();
        cv.fit(
            Area {
                x,
                y: a.y,
                w: c.width,
                h: header_h,
            },
            &c.title,
            7.5,
            false,
            Align::Center,
            1,
        );
        x += c.width;
    }
    for r in 0..n {
        let y = a.y + header_h + r as f32 * row_h;
        cv.line(a.x, y, a.x + a.w, y, LINE, false);
        let Some(m) = rows.get(r as usize) else {
            continue;
        };
        let rctx = Ctx {
            member: Some(m),
            procedures: ctx.procedures.clone(),
            ..*ctx
        };
        let mut x = a.x;
        for c in columns {
            cv.field = format!("{} ({}行目)", c.title, r + 1);
            let cell = Area {
                x,
                y,
                w: c.width,
                h: row_h,
            };
            if let Some(v) = &c.value {
                let val = resolve(v, &rctx);
                match &c.check {
                    Some(eq) => {
                        let s = 4.0;
                        let bx = cell.x + (cell.w - s) / 2.0;
                        let by = cell.y + (cell.h - s) / 2.0;
                        cv.rect(
                            Area {
                                x: bx,
                                y: by,
                                w: s,
                                h: s,
                            },
                            Some(LINE),
                            None,
                        );
                        if is_checked(&val, eq.as_deref()) {
                            cv.tick(bx, by, s);
                        }
                    }
                    None => {
                        if let Some(s) = format_value(&val, &c.format) {
                            cv.fit(cell, &s, c.size, false, c.align, 2);
                        }
                    }
                }
            }
            x += c.width;
        }
    }
}

fn draw_office(cv: &mut Canvas<'_>, a: Area, label: &str) {
    let head = 5.0;
    cv.rect(Area { h: head, ..a }, Some(LINE), Some(0.85));
    cv.rect(a, Some(0.4), None);
    cv.text(a.x + 1.5, a.y + 3.7, 7.5, true, Align::Left, label);
    let stamps = ["受付", "入力", "審査"];
    let sw = ((a.w * 0.6) / 3.0).min(22.0);
    let mut x = a.x;
    let top = a.y + head;
    for s in stamps {
        cv.rect(
            Area {
                x,
                y: top,
                w: sw,
                h: 4.5,
            },
            Some(LINE),
            Some(0.95),
        );
        cv.text(x + sw / 2.0, top + 3.4, 7.0, false, Align::Center, s);
        cv.line(x + sw, top, x + sw, a.y + a.h, LINE, false);
        x += sw;
    }
    cv.line(a.x, top + 4.5, x, top + 4.5, LINE, false);
    cv.text(
        x + 1.5,
        top + 3.4,
        7.0,
        false,
        Align::Left,
        "備考・確認書類",
    );
}

/// Rows of a table: (members) for the template's row set.
pub fn members_for<'a>(set: super::template::RowSet, ctx: &Ctx<'a>) -> Vec<&'a Member> {
    use super::template::RowSet;
    let i = ctx.intake;
    match set {
        RowSet::Procedure => {
            let mut ids: Vec<&str> = vec![];
            for p in &ctx.procedures {
                for m in &p.members {
                    if !ids.contains(&m.as_str()) {
                        ids.push(m);
                    }
                }
            }
            if ids.is_empty() {
                i.subjects()
            } else {
                // Household order, not procedure order.
                i.household
                    .members
                    .iter()
                    .filter(|m| ids.contains(&m.id.as_str()))
                    .collect()
            }
        }
        RowSet::Movers => i.movers().collect(),
        RowSet::Subjects => i.subjects(),
        RowSet::Household => i.household.members.iter().collect(),
        RowSet::Remaining => i.remaining().collect(),
        RowSet::Children => i
            .household
            .members
            .iter()
            .filter(|m| {
                i.event.deceased.as_deref() != Some(m.id.as_str())
                    && m.birth_date <= i.event.date
                    && crate::calendar::grade(m.birth_date, i.event.date) <= 12
            })
            .collect(),
    }
}
