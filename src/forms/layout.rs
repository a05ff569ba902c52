//! Layout: turns a template and a case into a laid-out page (`pdf::Page`), measuring text
//! with the real fonts, shrinking or wrapping values to fit their box, and recording every
//! character no font has (the clerk is told before printing) and every value that does not
//! fit.

use super::bind::{format_for, format_value, is_checked, resolve, Ctx};
use super::fit;
use super::fonts::{Fonts, BOLD, LATIN, LATIN_BOLD, PRIMARY, PT_TO_MM};
use super::pdf::{Item, Page};
use super::template::{
    en_size, Align, Area, Column, Element, EnText, Kind, Piece, Template, CHECK_BOX, CHECK_GAP,
    EN_GAP, FIELD_CAPTION, NOTE_GAP,
};
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
    /// A value does not fit its box even at the smallest size: it would be cut off.
    Overflow {
        page: usize,
        form: String,
        field: String,
    },
    /// No face has the variant glyph of a variation sequence: the base character is printed.
    VariantBase {
        page: usize,
        form: String,
        field: String,
        sequence: String,
    },
}

impl Warning {
    /// Whether printing stops until the clerk has looked (`--accept-missing-glyphs`,
    /// `--accept-overflow`); a base character for a variant only informs.
    pub fn blocks_printing(&self) -> bool {
        !matches!(self, Warning::VariantBase { .. })
    }
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
                "{page}ページ ({form}) の「{field}」: 最小の文字サイズでも欄に収まらず、はみ出す部分が印字されません。内容を確認し、手書きで補ってください。 (the value of {field:?} on page {page} does not fit its box even at the smallest size; the rest is cut off)"
            ),
            Warning::VariantBase { page, form, field, sequence } => {
                let base: String = sequence.chars().take(1).collect();
                let vs = sequence.chars().nth(1).map_or(0, |c| c as u32);
                write!(
                    f,
                    "{page}ページ ({form}) の「{field}」: 異体字「{sequence}」(U+{:04X} U+{vs:04X}) の字形がフォントにないため、「{base}」で印字します。 (no face has the variant {sequence:?}; printed as its base character)",
                    base.chars().next().map_or(0, |c| c as u32)
                )
            }
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
    /// Latin letters in the proportional Latin face (English text).
    pub latin: bool,
    /// Forms: print the English captions beside the Japanese ones (`--lang en`).
    pub en: bool,
}

pub const LINE: f32 = 0.3;

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
            latin: false,
            en: false,
        }
    }

    fn face(&self, bold: bool) -> usize {
        match (self.latin, bold) {
            (false, false) => PRIMARY,
            (false, true) => BOLD,
            (true, false) => LATIN,
            (true, true) => LATIN_BOLD,
        }
    }

    pub fn width(&self, s: &str, size: f32, bold: bool) -> f32 {
        self.fonts.width_mm(self.face(bold), s, size)
    }

    /// The width of English text (Latin letters in the proportional face).
    pub fn width_en(&self, s: &str, size: f32, bold: bool) -> f32 {
        self.fonts
            .width_mm(if bold { LATIN_BOLD } else { LATIN }, s, size)
    }

    /// One line of English text (Latin letters in the proportional face).
    pub fn text_en(&mut self, x: f32, y: f32, size: f32, bold: bool, align: Align, s: &str) {
        let was = self.latin;
        self.latin = true;
        self.text(x, y, size, bold, align, s);
        self.latin = was;
    }

    /// A caption in a label cell: the Japanese, and with `en` the English under it, each
    /// shrunk (to 5 pt at the least) to the cell.
    pub fn caption_pair(&mut self, a: Area, ja: &str, en: Option<&str>, size: f32) {
        match en.filter(|_| self.en) {
            None => self.caption(a, ja, size, Align::Center, 2),
            Some(en) => {
                let top = Area { h: a.h * 0.55, ..a };
                let bottom = Area {
                    y: a.y + a.h * 0.5,
                    h: a.h * 0.5,
                    ..a
                };
                self.caption(
                    Area {
                        y: top.y + 0.3,
                        ..top
                    },
                    ja,
                    size.min(a.h * 0.55 / (PT_TO_MM * fit::LEADING)),
                    Align::Center,
                    1,
                );
                let was = self.latin;
                self.latin = true;
                let es = en_size(size).min(a.h * 0.5 / (PT_TO_MM * fit::LEADING));
                self.caption(bottom, en, es, Align::Center, 2);
                self.latin = was;
            }
        }
    }

    /// A one-line caption from `x` (baseline `y`): the Japanese, then with `en` the English
    /// after it; both shrink together (to 4.5 pt at the least) to stay inside `width`.
    pub fn caption_line(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        ja: &str,
        en: Option<&str>,
        size: f32,
    ) {
        let en = en.filter(|_| self.en);
        let es = |s: f32| (s * 0.85).max(4.5);
        let gap = if ja.is_empty() { 0.0 } else { EN_GAP };
        let total = |cv: &Self, s: f32| {
            cv.width(ja, s, false) + en.map_or(0.0, |e| gap + cv.width_en(e, es(s), false))
        };
        let mut s = size;
        while s > 4.5 && total(self, s) > width {
            s -= 0.25;
        }
        self.text(x, y, s, false, Align::Left, ja);
        if let Some(e) = en {
            let w = self.width(ja, s, false);
            self.text_en(x + w + gap, y, es(s), false, Align::Left, e);
        }
    }

    /// One line of text with its baseline at `y`; `x` is the left, centre or right edge.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, align: Align, s: &str) {
        if s.is_empty() {
            return;
        }
        let want = self.face(bold);
        let (mut missing, mut base_only) = (vec![], vec![]);
        let runs = self.fonts.runs(want, s, &mut missing, &mut base_only);
        for ch in missing {
            self.warn(Warning::MissingGlyph {
                page: self.page_no,
                form: self.form.clone(),
                field: self.field.clone(),
                ch,
            });
        }
        for sequence in base_only {
            self.warn(Warning::VariantBase {
                page: self.page_no,
                form: self.form.clone(),
                field: self.field.clone(),
                sequence,
            });
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

    /// Records a warning once.
    pub fn warn(&mut self, w: Warning) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    /// Breaks a text into lines of at most `width` mm (see [`fit::wrap`]: 禁則 applied).
    pub fn wrap(&self, s: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        fit::wrap(s, width, &|t| self.width(t, size, bold))
    }

    /// Draws a value inside `a` (padding included) at the largest size from `size` down to
    /// `min` on at most `max_lines` lines, clipped to the box; reports it when it does not fit.
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        &mut self,
        a: Area,
        s: &str,
        size: f32,
        min: f32,
        bold: bool,
        align: Align,
        max_lines: u32,
    ) {
        let pad = 1.2;
        let avail_w = (a.w - 2.0 * pad).max(1.0);
        let f = fit::fit(
            s,
            avail_w,
            a.h.max(1.0),
            size,
            min,
            max_lines.max(1),
            &|t, sz| self.width(t, sz, bold),
        );
        if !f.fits {
            self.warn(Warning::Overflow {
                page: self.page_no,
                form: self.form.clone(),
                field: self.field.clone(),
            });
        }
        self.set_lines(a, &f, bold, align, pad);
    }

    /// Draws a static caption inside `a`, shrinking it (no smaller than 5 pt) and clipping it:
    /// captions come from the template, which the check measures, so nothing is reported.
    pub fn caption(&mut self, a: Area, s: &str, size: f32, align: Align, max_lines: u32) {
        let pad = 0.8;
        let f = fit::fit(
            s,
            (a.w - 2.0 * pad).max(1.0),
            a.h.max(1.0),
            size,
            5.0f32.min(size),
            max_lines.max(1),
            &|t, sz| self.width(t, sz, false),
        );
        self.set_lines(a, &f, false, align, pad);
    }

    fn set_lines(&mut self, a: Area, f: &fit::Fit, bold: bool, align: Align, pad: f32) {
        let lh = f.size * PT_TO_MM * fit::LEADING;
        let block = f.lines.len() as f32 * lh;
        let top = a.y + ((a.h - block) / 2.0).max(0.0);
        let x = match align {
            Align::Left => a.x + pad,
            Align::Center => a.x + a.w / 2.0,
            Align::Right => a.x + a.w - pad,
        };
        if !f.fits {
            self.page.items.push(Item::ClipBegin {
                x: a.x,
                y: a.y,
                w: a.w,
                h: a.h,
            });
        }
        for (k, l) in f.lines.iter().enumerate() {
            let base = top + k as f32 * lh + f.size * PT_TO_MM * 0.95;
            self.text(x, base, f.size, bold, align, l);
        }
        if !f.fits {
            self.page.items.push(Item::ClipEnd);
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
            Piece::Bind { path, format } => format_for(path, format, ctx).unwrap_or_default(),
        })
        .collect()
}

/// Whether an element's `only_if` holds for this page.
fn shown(e: &Element, ctx: &Ctx<'_>) -> bool {
    e.only_if
        .as_ref()
        .is_none_or(|c| c.holds(&resolve(&c.value, ctx)))
}

/// What a form prints in English beside its Japanese (`--lang en`).
pub const EN_SIGNATURE_HINT: &str = "Signed by the person concerned (or a family member or agent)";
pub const EN_END_OF_LIST: &str = "(end of list)";

/// Draws one page of a form: the template's elements filled from `ctx`, `rows` in its
/// tables, and the page QR. With `cv.en` every caption carries its English.
pub fn draw_form(cv: &mut Canvas<'_>, t: &Template, ctx: &Ctx<'_>, rows: &[&Member], code: &str) {
    // Static drawing first (filled rectangles under lines under text), then fields.
    let rank = |e: &Element| match e.kind {
        Kind::Rect { .. } => 0,
        Kind::Line { .. } => 1,
        Kind::Text { .. } | Kind::Note { .. } => 2,
        _ => 3,
    };
    let mut order: Vec<&Element> = t.elements.iter().filter(|e| shown(e, ctx)).collect();
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
                en,
            } => draw_text(
                cv,
                ctx,
                (*x, *y),
                pieces,
                (*size, *bold, *align),
                en.as_ref(),
            ),
            Kind::Note { pieces, size, en } => draw_note(cv, ctx, a, pieces, *size, en.as_deref()),
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
            Kind::Field { .. } => draw_field(cv, ctx, a, &e.kind),
            Kind::Check {
                label,
                label_en,
                value,
                equals,
                size,
            } => {
                let ticked = value
                    .as_ref()
                    .is_some_and(|v| is_checked(&resolve(v, ctx), equals.as_deref()));
                draw_check(cv, a, label, label_en.as_deref(), *size, ticked);
            }
            Kind::Table {
                rows: n,
                row_heights,
                header_h,
                columns,
                ..
            } => {
                draw_table(cv, a, *n, row_heights, *header_h, columns, ctx, rows);
            }
            Kind::Signature {
                label, label_en, ..
            } => draw_signature(cv, a, label, label_en.as_deref()),
            Kind::Office { label } => draw_office(cv, a, label),
        }
    }
    cv.field = "QR".into();
    cv.qr(t.qr, code);
}

/// A static text; with `--lang en` its English at `at_en`, else after it on the same baseline
/// (the two aligned together).
fn draw_text(
    cv: &mut Canvas<'_>,
    ctx: &Ctx<'_>,
    (x, y): (f32, f32),
    pieces: &[Piece],
    (size, bold, align): (f32, bool, Align),
    en: Option<&EnText>,
) {
    let s = fill_pieces(pieces, ctx);
    let Some(en) = en.filter(|_| cv.en) else {
        cv.text(x, y, size, bold, align, &s);
        return;
    };
    let e_s = fill_pieces(&en.pieces, ctx);
    match en.at {
        Some((ex, ey)) => {
            cv.text(x, y, size, bold, align, &s);
            cv.text_en(ex, ey, en.size, bold, align, &e_s);
        }
        None => {
            let w = cv.width(&s, size, bold);
            let we = cv.width_en(&e_s, en.size, bold);
            let total = w + EN_GAP + we;
            let x0 = match align {
                Align::Left => x,
                Align::Center => x - total / 2.0,
                Align::Right => x - total,
            };
            cv.text(x0, y, size, bold, Align::Left, &s);
            cv.text_en(x0 + w + EN_GAP, y, en.size, bold, Align::Left, &e_s);
        }
    }
}

/// A wrapped paragraph (with `--lang en` the English one under it); more than its area holds
/// is an overflow.
fn draw_note(
    cv: &mut Canvas<'_>,
    ctx: &Ctx<'_>,
    a: Area,
    pieces: &[Piece],
    size: f32,
    en: Option<&[Piece]>,
) {
    let s = fill_pieces(pieces, ctx);
    let mut used = cv.paragraph(a.x, a.y, a.w, &s, size, false);
    if let Some(en) = en.filter(|_| cv.en) {
        let e_s = fill_pieces(en, ctx);
        used += NOTE_GAP;
        cv.latin = true;
        used += cv.paragraph(a.x, a.y + used, a.w, &e_s, en_size(size), false);
        cv.latin = false;
    }
    if used > a.h + 0.5 {
        cv.warn(Warning::Overflow {
            page: cv.page_no,
            form: cv.form.clone(),
            field: "note".into(),
        });
    }
}

/// A field: its label (a grey cell on the left, or a caption on top), then the value fitted
/// into the rest (wrapped, shrunk, clipped: `fit`), or the placeholder for the resident.
fn draw_field(cv: &mut Canvas<'_>, ctx: &Ctx<'_>, a: Area, field: &Kind) {
    let Kind::Field {
        label,
        label_en,
        label_width,
        value,
        format,
        size,
        min_size,
        align,
        lines,
        boxed,
        placeholder,
        placeholder_en,
    } = field
    else {
        return;
    };
    let mut va = a;
    if let Some(lw) = label_width {
        let la = Area { w: *lw, ..a };
        cv.rect(la, Some(LINE), Some(0.93));
        if let Some(l) = label {
            cv.caption_pair(la, l, label_en.as_deref(), 8.5);
        }
        va = Area {
            x: a.x + lw,
            w: a.w - lw,
            ..a
        };
    } else if let Some(l) = label {
        cv.caption_line(a.x + 1.0, a.y + 2.5, a.w - 2.0, l, label_en.as_deref(), 6.5);
        va = Area {
            y: a.y + FIELD_CAPTION,
            h: a.h - FIELD_CAPTION,
            ..a
        };
    }
    if *boxed {
        cv.rect(a, Some(LINE), None);
    }
    let text = value.as_ref().and_then(|v| format_for(v, format, ctx));
    match text {
        Some(s) => cv.fit(va, &s, *size, *min_size, false, *align, *lines),
        None => {
            if let Some(p) = placeholder {
                let en = placeholder_en.as_deref().filter(|_| cv.en);
                match en {
                    // Room for two lines: the English under the Japanese.
                    Some(e) if va.h >= 7.0 => {
                        let mid = va.y + va.h / 2.0;
                        cv.caption_line(va.x + 1.5, mid - 0.4, va.w - 3.0, p, None, 7.0);
                        cv.caption_line(va.x + 1.5, mid + 2.6, va.w - 3.0, "", Some(e), 7.0);
                    }
                    _ => {
                        let base = va.y + va.h / 2.0 + 1.0;
                        cv.caption_line(va.x + 1.5, base, va.w - 3.0, p, en, 7.0);
                    }
                }
            }
        }
    }
}

/// A tick box with its label (and English), ticked when its value says so.
fn draw_check(
    cv: &mut Canvas<'_>,
    a: Area,
    label: &str,
    label_en: Option<&str>,
    size: f32,
    ticked: bool,
) {
    let s = CHECK_BOX;
    let box_ = Area {
        x: a.x,
        y: a.y,
        w: s,
        h: s,
    };
    cv.rect(box_, Some(LINE), None);
    if ticked {
        cv.tick(a.x, a.y, s);
    }
    let x = a.x + s + CHECK_GAP;
    let base = a.y + 3.6;
    cv.text(x, base, size, false, Align::Left, label);
    if let Some(en) = label_en.filter(|_| cv.en) {
        let w = cv.width(label, size, false);
        let gap = if label.is_empty() { 0.0 } else { EN_GAP };
        cv.text_en(x + w + gap, base, en_size(size), false, Align::Left, en);
    }
}

/// The 署名欄: its label, a dotted line and the hint who signs.
fn draw_signature(cv: &mut Canvas<'_>, a: Area, label: &str, label_en: Option<&str>) {
    cv.rect(a, Some(0.5), None);
    cv.text(a.x + 1.5, a.y + 4.5, 9.0, true, Align::Left, label);
    if let Some(en) = label_en.filter(|_| cv.en) {
        let w = cv.width(label, 9.0, true);
        let x = a.x + 1.5 + w + EN_GAP;
        cv.text_en(x, a.y + 4.5, en_size(9.0), true, Align::Left, en);
    }
    let hint_y = a.y + a.h - 1.8;
    let line_y = a.y + a.h - 6.0 - if cv.en { 2.4 } else { 0.0 };
    cv.line(a.x + 30.0, line_y, a.x + a.w - 4.0, line_y, 0.2, true);
    let ja = "ご本人（またはご家族・代理人）が署名してください";
    if cv.en {
        cv.text(a.x + a.w - 2.0, hint_y - 2.6, 7.0, false, Align::Right, ja);
        let x = a.x + a.w - 2.0;
        cv.text_en(x, hint_y, 6.0, false, Align::Right, EN_SIGNATURE_HINT);
    } else {
        cv.text(a.x + a.w - 2.0, hint_y, 7.0, false, Align::Right, ja);
    }
}

/// A table: a header line with the titles of the first line's columns, then one block per
/// member (one line per `row_heights`; columns of the later lines carry their title as a
/// small caption in the cell), and 「以下余白」 in the first block after the last member.
#[allow(clippy::too_many_arguments)]
fn draw_table(
    cv: &mut Canvas<'_>,
    a: Area,
    n: u32,
    row_heights: &[f32],
    header_h: f32,
    columns: &[Column],
    ctx: &Ctx<'_>,
    rows: &[&Member],
) {
    let block: f32 = row_heights.iter().sum();
    cv.rect(Area { h: header_h, ..a }, Some(LINE), Some(0.93));
    cv.rect(a, Some(0.4), None);
    // Header: the first line's columns.
    let mut x = a.x;
    for (k, c) in columns.iter().filter(|c| c.row == 1).enumerate() {
        if k > 0 {
            cv.line(x, a.y, x, a.y + header_h, LINE, false);
        }
        cv.field = c.title.clone();
        let cell = Area {
            x,
            y: a.y,
            w: c.width,
            h: header_h,
        };
        match c.title_en.as_deref().filter(|_| cv.en) {
            Some(en) => cv.caption_pair(cell, &c.title, Some(en), 7.5),
            None => cv.caption(cell, &c.title, 7.5, Align::Center, 1),
        }
        x += c.width;
    }
    for r in 0..n {
        let y0 = a.y + header_h + r as f32 * block;
        cv.line(
            a.x,
            y0,
            a.x + a.w,
            y0,
            if r == 0 { LINE } else { 0.4 },
            false,
        );
        let member = rows.get(r as usize);
        let mut y = y0;
        for (k, h) in row_heights.iter().enumerate() {
            let line_no = k as u32 + 1;
            if k > 0 {
                cv.line(a.x, y, a.x + a.w, y, 0.15, false);
            }
            let mut x = a.x;
            for (j, c) in columns.iter().filter(|c| c.row == line_no).enumerate() {
                if j > 0 {
                    cv.line(x, y, x, y + h, LINE, false);
                }
                let mut cell = Area {
                    x,
                    y,
                    w: c.width,
                    h: *h,
                };
                x += c.width;
                if line_no > 1 {
                    // The title of a later line's column is a caption in its cell.
                    cv.field = c.title.clone();
                    let en = c.title_en.as_deref().filter(|_| cv.en);
                    cv.caption_line(cell.x + 0.8, cell.y + 2.1, cell.w - 1.6, &c.title, en, 5.5);
                    cell = Area {
                        y: cell.y + TABLE_CAPTION,
                        h: cell.h - TABLE_CAPTION,
                        ..cell
                    };
                }
                let Some(m) = member else { continue };
                cv.field = format!("{} ({}行目)", c.title, r + 1);
                let rctx = Ctx {
                    member: Some(m),
                    ..ctx.clone()
                };
                let Some(v) = &c.value else { continue };
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
                            cv.fit(cell, &s, c.size, c.min_size, false, c.align, 2);
                        }
                    }
                }
            }
            y += h;
        }
        // 「以下余白」: nothing may be added after the last member.
        if member.is_none() && r as usize == rows.len() && !rows.is_empty() {
            cv.field = "以下余白".into();
            if cv.en && row_heights[0] >= 7.0 {
                cv.text(a.x + 3.0, y0 + 3.6, 9.0, false, Align::Left, END_OF_LIST);
                cv.text_en(a.x + 3.0, y0 + 6.6, 6.0, false, Align::Left, EN_END_OF_LIST);
            } else {
                let base = y0 + row_heights[0] / 2.0 + 1.3;
                cv.text(a.x + 3.0, base, 9.0, false, Align::Left, END_OF_LIST);
                if cv.en {
                    let w = cv.width(END_OF_LIST, 9.0, false);
                    cv.text_en(
                        a.x + 3.0 + w + EN_GAP,
                        base,
                        6.0,
                        false,
                        Align::Left,
                        EN_END_OF_LIST,
                    );
                }
            }
        }
    }
}

/// What closes a table's list of members (no one may be added by hand below it).
pub const END_OF_LIST: &str = "以下余白";
/// The height of a caption inside a cell of a table's later lines.
pub const TABLE_CAPTION: f32 = 2.4;

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
        RowSet::Heirs => super::roles::heirs(i),
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
