//! The only module that talks to printpdf (pinned `=0.12.8`, `text_layout` on so fonts are
//! subset). Layout happens elsewhere in millimetres from the top-left corner; this module
//! turns laid-out pages into PDF bytes.
//!
//! Determinism: printpdf names fonts and the trailer `/ID` with a process-global counter, so
//! the same document rendered twice in one process would differ. Fonts are therefore added
//! under fixed ids, the dates come from the case, and the trailer ids are replaced by a hash
//! of the document's content (same length, so the cross-reference offsets stay right).

use super::fonts::{is_selector, Face, Fonts, PT_TO_MM};
use chrono::{Datelike, NaiveDate};
use printpdf::{
    Codepoint, Color, DictItem, FontId, Greyscale, Line, LineDashPattern, LinePoint, Mm, Op,
    PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect,
    TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

/// A laid-out document.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// The PDF title (no personal data: the case code and the town).
    pub title: String,
    /// Creation date (the case's 届出日), never the wall clock.
    pub date: Option<NaiveDate>,
    pub pages: Vec<Page>,
}

/// One page; sizes in mm.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

/// Drawing primitives, in mm from the top-left corner.
#[derive(Clone, Debug)]
pub enum Item {
    /// Runs of text on one baseline: each run is (face index, x in mm, text).
    Text {
        y: f32,
        size: f32,
        runs: Vec<(usize, f32, String)>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        /// Stroke width in mm.
        stroke: Option<f32>,
        /// Fill grey level (0 black … 1 white).
        fill: Option<f32>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        dash: bool,
    },
    /// Starts clipping to a rectangle (a value never draws outside its box).
    ClipBegin { x: f32, y: f32, w: f32, h: f32 },
    /// Ends the innermost clip.
    ClipEnd,
}

fn parsed(face: &'static Face) -> ParsedFont {
    static CACHE: OnceLock<Mutex<BTreeMap<usize, ParsedFont>>> = OnceLock::new();
    let key = face as *const Face as usize;
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().expect("font cache").get(&key) {
        return p.clone();
    }
    let p = ParsedFont::from_bytes(face.bytes, face.index as usize, &mut vec![])
        .expect("a face ttf-parser read also parses in printpdf");
    cache.lock().expect("font cache").insert(key, p.clone());
    p
}

/// A fixed six-letter subset tag per face ("MDGFAA", "MDGFAB", …): printpdf prefixes the
/// embedded font's name with the font id, and viewers (and `pdffonts`) recognise a subset by
/// a tag of exactly six capital letters.
fn subset_tag(i: usize) -> String {
    let a = (b'A' + (i / 26 % 26) as u8) as char;
    let b = (b'A' + (i % 26) as u8) as char;
    format!("MDGF{a}{b}")
}

fn mm(v: f32) -> Pt {
    Mm(v).into()
}

/// Renders a laid-out document to PDF bytes.
pub fn write(doc: &Doc, fonts: &Fonts) -> Vec<u8> {
    let mut pdf = PdfDocument::new(&doc.title);
    if let Some(d) = doc.date {
        let dt = printpdf::date::DateTime::new_in_offset(
            printpdf::date::Date {
                year: d.year(),
                month: d.month() as u8,
                day: d.day() as u8,
            },
            printpdf::date::Time {
                hour: 0,
                minute: 0,
                second: 0,
                millisecond: 0,
            },
            printpdf::date::Offset {
                hours: 9,
                minutes: 0,
                seconds: 0,
                milliseconds: 0,
            },
        );
        pdf.metadata.info.creation_date = dt;
        pdf.metadata.info.modification_date = dt;
        pdf.metadata.info.metadata_date = dt;
    }
    pdf.metadata.info.creator = "madoguchi".into();
    pdf.metadata.info.producer = "madoguchi (printpdf)".into();

    // Only the faces actually used, under fixed ids.
    let used: BTreeSet<usize> = doc
        .pages
        .iter()
        .flat_map(|p| p.items.iter())
        .filter_map(|i| match i {
            Item::Text { runs, .. } => Some(runs.iter().map(|r| r.0).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let ids: BTreeMap<usize, FontId> = used.iter().map(|&i| (i, FontId(subset_tag(i)))).collect();
    for (&i, id) in &ids {
        pdf.resources
            .fonts
            .map
            .insert(id.clone(), printpdf::PdfFont::new(parsed(fonts.face(i))));
    }

    let pages: Vec<PdfPage> = doc
        .pages
        .iter()
        .map(|p| PdfPage::new(Mm(p.width), Mm(p.height), page_ops(p, &ids, fonts)))
        .collect();
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut bytes = pdf.with_pages(pages).save(&opts, &mut vec![]);
    fix_trailer_id(&mut bytes);
    bytes
}

fn page_ops(p: &Page, ids: &BTreeMap<usize, FontId>, fonts: &Fonts) -> Vec<Op> {
    let h = p.height;
    let mut ops = vec![];
    let black = Color::Greyscale(Greyscale::new(0.0, None));
    ops.push(Op::SetOutlineColor { col: black.clone() });
    ops.push(Op::SetFillColor { col: black.clone() });
    let mut dashed = false;
    let mut dashed_before_clip: Vec<bool> = vec![];
    for item in &p.items {
        if matches!(item, Item::ClipBegin { .. }) {
            dashed_before_clip.push(dashed);
        }
        match item {
            Item::Rect {
                x,
                y,
                w,
                h: rh,
                stroke,
                fill,
            } => {
                if let Some(g) = fill {
                    ops.push(Op::SetFillColor {
                        col: Color::Greyscale(Greyscale::new(*g, None)),
                    });
                }
                if let Some(sw) = stroke {
                    ops.push(Op::SetOutlineThickness { pt: mm(*sw) });
                    if dashed {
                        ops.push(Op::SetLineDashPattern {
                            dash: LineDashPattern::solid(),
                        });
                        dashed = false;
                    }
                }
                let mode = match (stroke, fill) {
                    (Some(_), Some(_)) => PaintMode::FillStroke,
                    (None, Some(_)) => PaintMode::Fill,
                    _ => PaintMode::Stroke,
                };
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: mm(*x),
                        y: mm(h - y - rh),
                        width: mm(*w),
                        height: mm(*rh),
                        mode: Some(mode),
                        winding_order: None,
                    },
                });
                if fill.is_some() {
                    ops.push(Op::SetFillColor { col: black.clone() });
                }
            }
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                dash,
            } => {
                ops.push(Op::SetOutlineThickness { pt: mm(*width) });
                if *dash != dashed {
                    ops.push(Op::SetLineDashPattern {
                        dash: if *dash {
                            LineDashPattern::new(0.0, &[2.0, 2.0])
                        } else {
                            LineDashPattern::solid()
                        },
                    });
                    dashed = *dash;
                }
                let pt = |x: f32, y: f32| LinePoint {
                    p: Point {
                        x: mm(x),
                        y: mm(h - y),
                    },
                    bezier: false,
                };
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![pt(*x1, *y1), pt(*x2, *y2)],
                        is_closed: false,
                    },
                });
            }
            Item::Text { y, size, runs } => {
                // pdftotext reads an ideographic space (U+3000) as a word break and prints
                // an ASCII space; an /ActualText span around the line keeps it in the text
                // layer (PDF 32000-1 §14.9.4).
                let all: String = runs.iter().map(|r| r.2.as_str()).collect();
                let actual = all.contains('\u{3000}');
                if actual {
                    let utf16: Vec<u8> = [0xFEFFu16]
                        .into_iter()
                        .chain(all.encode_utf16())
                        .flat_map(|u| u.to_be_bytes())
                        .collect();
                    ops.push(Op::BeginMarkedContentWithProperties {
                        tag: "Span".into(),
                        properties: DictItem::Dict {
                            map: BTreeMap::from([(
                                "ActualText".to_string(),
                                DictItem::String {
                                    data: utf16,
                                    literal: false,
                                },
                            )]),
                        },
                    });
                }
                ops.push(Op::StartTextSection);
                for (face, x, text) in runs {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(ids[face].clone()),
                        size: Pt(*size),
                    });
                    // `Tm` (absolute), not `Td`: `Td` moves relative to the previous line.
                    ops.push(Op::SetTextMatrix {
                        matrix: TextMatrix::Translate(mm(*x), mm(h - y)),
                    });
                    // A variation sequence is drawn with the face's variant glyph, standing
                    // for base + selector in the text layer.
                    let item = if text.chars().any(is_selector) {
                        TextItem::GlyphIds(
                            fonts
                                .face(*face)
                                .glyph_run(text)
                                .into_iter()
                                .map(|(gid, s)| Codepoint {
                                    gid,
                                    offset: 0.0,
                                    cid: Some(s),
                                })
                                .collect(),
                        )
                    } else {
                        TextItem::Text(text.clone())
                    };
                    ops.push(Op::ShowText { items: vec![item] });
                }
                ops.push(Op::EndTextSection);
                if actual {
                    ops.push(Op::EndMarkedContentWithProperties);
                }
            }
            Item::ClipBegin { x, y, w, h: ch } => {
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: mm(*x),
                        y: mm(h - y - ch),
                        width: mm(*w),
                        height: mm(*ch),
                        mode: Some(PaintMode::Clip),
                        winding_order: None,
                    },
                });
            }
            Item::ClipEnd => {
                ops.push(Op::RestoreGraphicsState);
                // The graphics state (dash, colours) is back to what it was before the clip.
                dashed = dashed_before_clip.pop().unwrap_or(false);
            }
        }
    }
    ops
}

/// Replaces the two random 32-character strings of the trailer `/ID` with a hash of the rest
/// of the file (same length: the xref table stays valid).
fn fix_trailer_id(bytes: &mut [u8]) {
    let Some(pos) = find_last(bytes, b"/ID") else {
        return;
    };
    let hash = {
        let mut h = Sha256::new();
        h.update(&bytes[..pos]);
        h.finalize()
    };
    let hex: Vec<u8> = hash
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    // The strings are literal strings `(…)` of 32 characters.
    let mut i = pos;
    let mut n = 0;
    while i < bytes.len() && n < 2 {
        if bytes[i] == b'(' {
            let start = i + 1;
            if let Some(len) = bytes[start..].iter().position(|&c| c == b')') {
                for k in 0..len {
                    bytes[start + k] = hex[(k + n * 32) % hex.len()];
                }
                i = start + len;
                n += 1;
            }
        } else if bytes[i] == b']' {
            break;
        }
        i += 1;
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Text height helper for layout: the baseline offset from the top of a line box of
/// `size_pt` (ascent ≈ 0.88 em for the Japanese faces).
pub fn ascent_mm(size_pt: f32) -> f32 {
    size_pt * PT_TO_MM * 0.88
}
