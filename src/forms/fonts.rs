//! Fonts: the embedded primary face (BIZ UD Gothic, SIL OFL, `templates/fonts/`) and
//! fallbacks found on the system at run time (Noto Sans CJK JP, IPAmj明朝 for 異体字 such as
//! 𠮷 and 髙). Measuring and glyph coverage use `ttf-parser`; only `pdf.rs` talks to printpdf.
//!
//! Every face is loaded once per process and kept (`'static`): a counter prints all day.

use std::sync::OnceLock;

/// One face: its bytes, the index inside a collection, and a parsed view for metrics.
pub struct Face {
    /// Short name for messages and the manifest ("BIZ UDGothic", "Noto Sans CJK JP").
    pub name: String,
    pub bytes: &'static [u8],
    pub index: u32,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn new(name: &str, bytes: &'static [u8], index: u32) -> Option<Face> {
        let face = ttf_parser::Face::parse(bytes, index).ok()?;
        let units_per_em = face.units_per_em() as f32;
        Some(Face {
            name: name.to_string(),
            bytes,
            index,
            face,
            units_per_em,
        })
    }

    pub fn has(&self, ch: char) -> bool {
        self.face.glyph_index(ch).is_some_and(|g| g.0 != 0)
    }

    /// Advance width of `ch` in em (1.0 = the font size).
    pub fn advance(&self, ch: char) -> f32 {
        self.face
            .glyph_index(ch)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .map_or(0.5, |a| a as f32 / self.units_per_em)
    }
}

/// The faces a render may use. Index 0 is the primary regular face, 1 its bold; the rest are
/// fallbacks in order of preference.
pub struct Fonts {
    pub faces: Vec<&'static Face>,
}

/// Regular and bold of the embedded face, from the embedded templates folder.
fn embedded(name: &str) -> &'static [u8] {
    super::EMBEDDED_TEMPLATES
        .get_file(format!("fonts/{name}"))
        .map(|f| f.contents())
        .unwrap_or_else(|| panic!("templates/fonts/{name} is embedded"))
}

pub const PRIMARY: usize = 0;
pub const BOLD: usize = 1;

static PRIMARY_FACES: OnceLock<(Face, Face)> = OnceLock::new();
static SYSTEM_FALLBACKS: OnceLock<Vec<&'static Face>> = OnceLock::new();

fn primary_faces() -> &'static (Face, Face) {
    PRIMARY_FACES.get_or_init(|| {
        (
            Face::new("BIZ UDGothic", embedded("BIZUDGothic-Regular.ttf"), 0)
                .expect("the embedded font parses"),
            Face::new("BIZ UDGothic Bold", embedded("BIZUDGothic-Bold.ttf"), 0)
                .expect("the embedded font parses"),
        )
    })
}

/// Where fallback faces are looked for, in order of preference: (file name, family to pick
/// inside a collection, display name).
const FALLBACKS: &[(&str, Option<&str>, &str)] = &[
    (
        "NotoSansCJK-Regular.ttc",
        Some("Noto Sans CJK JP"),
        "Noto Sans CJK JP",
    ),
    ("NotoSansCJKjp-Regular.otf", None, "Noto Sans CJK JP"),
    ("NotoSansJP-Regular.otf", None, "Noto Sans JP"),
    ("ipamjm.ttf", None, "IPAmj明朝"),
];

const FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

fn find_file(dir: &std::path::Path, name: &str, depth: usize) -> Option<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in &entries {
        if e.file_name().to_str() == Some(name) {
            return Some(e.path());
        }
    }
    if depth == 0 {
        return None;
    }
    entries
        .iter()
        .filter(|e| e.path().is_dir())
        .find_map(|e| find_file(&e.path(), name, depth - 1))
}

fn family_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
        .find_map(|n| n.to_string())
}

/// Fallback faces installed on this machine. `MADOGUCHI_FONT_DIRS` (colon-separated) replaces
/// the standard font folders, e.g. to test a machine without fallbacks.
fn system_fallbacks() -> &'static Vec<&'static Face> {
    SYSTEM_FALLBACKS.get_or_init(|| {
        let dirs: Vec<std::path::PathBuf> = match std::env::var("MADOGUCHI_FONT_DIRS") {
            Ok(v) => v
                .split(':')
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect(),
            Err(_) => FONT_DIRS.iter().map(Into::into).collect(),
        };
        let mut out: Vec<&'static Face> = vec![];
        for (file, family, display) in FALLBACKS {
            if out.iter().any(|f| f.name == *display) {
                continue;
            }
            let Some(path) = dirs.iter().find_map(|d| find_file(d, file, 4)) else {
                continue;
            };
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let count = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
            let index = match family {
                None => Some(0),
                Some(fam) => (0..count).find(|&i| {
                    ttf_parser::Face::parse(bytes, i)
                        .ok()
                        .and_then(|f| family_name(&f))
                        .is_some_and(|n| n == *fam)
                }),
            };
            if let Some(face) = index.and_then(|i| Face::new(display, bytes, i)) {
                out.push(Box::leak(Box::new(face)));
            }
        }
        out
    })
}

impl Fonts {
    /// The embedded faces and the system's fallbacks.
    pub fn system() -> Fonts {
        let (r, b) = primary_faces();
        let mut faces: Vec<&'static Face> = vec![r, b];
        faces.extend(system_fallbacks().iter().copied());
        Fonts { faces }
    }

    /// The embedded faces only (tests of the missing-glyph path).
    pub fn embedded_only() -> Fonts {
        let (r, b) = primary_faces();
        Fonts { faces: vec![r, b] }
    }

    /// The face that draws `ch`: the wanted one (regular or bold) if it has the glyph, else
    /// the first fallback that has it; `None` when no face has it.
    pub fn face_for(&self, want: usize, ch: char) -> Option<usize> {
        if self.faces[want].has(ch) {
            return Some(want);
        }
        if want != PRIMARY && self.faces[PRIMARY].has(ch) {
            return Some(PRIMARY);
        }
        (2..self.faces.len()).find(|&i| self.faces[i].has(ch))
    }

    /// Splits a text into runs of one face each. Characters no face has are returned in
    /// `missing` and drawn with the primary face (the reader sees the gap, and the clerk was
    /// told before printing).
    pub fn runs(&self, want: usize, text: &str, missing: &mut Vec<char>) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = vec![];
        for ch in text.chars() {
            let f = if ch.is_whitespace() || ch.is_control() {
                Some(want)
            } else {
                self.face_for(want, ch)
            };
            let f = f.unwrap_or_else(|| {
                if !missing.contains(&ch) {
                    missing.push(ch);
                }
                want
            });
            match out.last_mut() {
                Some((lf, s)) if *lf == f => s.push(ch),
                _ => out.push((f, ch.to_string())),
            }
        }
        out
    }

    /// Width of a text in mm at `size_pt`.
    pub fn width_mm(&self, want: usize, text: &str, size_pt: f32) -> f32 {
        let em: f32 = text
            .chars()
            .map(|ch| {
                let f = self.face_for(want, ch).unwrap_or(want);
                self.faces[f].advance(ch)
            })
            .sum();
        em * size_pt * PT_TO_MM
    }
}

pub const PT_TO_MM: f32 = 25.4 / 72.0;
