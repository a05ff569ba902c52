//! Fonts — the one place that decides which face draws which character.
//!
//! - Primary: the embedded **BIZ UD Gothic** Regular and Bold (SIL OFL, `templates/fonts/`).
//! - Latin: the embedded **BIZ UDPGothic** Latin subset (proportional letters for English text;
//!   the primary face's Latin letters are fixed-width).
//! - Fallbacks for characters the primary face lacks (JIS X 0213 such as 𠮷, 戸籍の異体字):
//!   Noto Sans CJK JP (`fonts-noto-cjk`) and IPAmj明朝 (`fonts-ipamj-mincho`), found on the
//!   system. Only their paths are looked up at start; a face is read and parsed the first time
//!   a character needs it, so a bundle that needs none costs nothing.
//! - Ideographic variation sequences (葛 + U+E0100): drawn with the face's variant glyph from
//!   its `cmap` format 14 subtable; a face without the variant draws the base character and the
//!   clerk is warned.
//!
//! Measuring and glyph coverage use `ttf-parser`; only `pdf.rs` talks to printpdf. Every face
//! is loaded once per process and kept (`'static`): a counter prints all day.

use std::path::PathBuf;
use std::sync::OnceLock;

/// One face: its bytes, the index inside a collection, and a parsed view for metrics.
pub struct Face {
    /// Short name for messages ("BIZ UDGothic", "Noto Sans CJK JP").
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

    /// The glyph of a variation sequence (`base` + selector) when the face's `cmap` format
    /// 14 subtable lists it (a variant glyph, or "use the default glyph").
    pub fn variant(&self, base: char, selector: char) -> Option<u16> {
        self.face
            .glyph_variation_index(base, selector)
            .map(|g| g.0)
            .filter(|&g| g != 0)
    }

    /// The glyph of a character (0 when the face has none).
    pub fn glyph(&self, ch: char) -> u16 {
        self.face.glyph_index(ch).map_or(0, |g| g.0)
    }

    fn glyph_advance(&self, gid: u16) -> f32 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .map_or(0.5, |a| a as f32 / self.units_per_em)
    }

    /// Advance width of `ch` in em (1.0 = the font size).
    pub fn advance(&self, ch: char) -> f32 {
        if is_selector(ch) {
            return 0.0;
        }
        self.face
            .glyph_index(ch)
            .map_or(0.5, |g| self.glyph_advance(g.0))
    }

    /// Glyph ids of a run for the PDF, with the text each stands for (the text layer):
    /// a variation sequence becomes its variant glyph standing for base + selector.
    pub fn glyph_run(&self, text: &str) -> Vec<(u16, String)> {
        let mut out: Vec<(u16, String)> = vec![];
        let chars: Vec<char> = text.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let ch = chars[k];
            match chars.get(k + 1) {
                Some(&vs) if is_selector(vs) => {
                    let gid = self.variant(ch, vs).unwrap_or_else(|| self.glyph(ch));
                    out.push((gid, format!("{ch}{vs}")));
                    k += 2;
                }
                _ => {
                    out.push((self.glyph(ch), ch.to_string()));
                    k += 1;
                }
            }
        }
        out
    }
}

/// Variation selectors: VS1–16 (U+FE00–FE0F) and the ideographic VS17–256 (U+E0100–E01EF).
pub fn is_selector(ch: char) -> bool {
    matches!(ch, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Face indices: the embedded faces first, then the fallbacks in order of preference.
pub const PRIMARY: usize = 0;
pub const BOLD: usize = 1;
pub const LATIN: usize = 2;
pub const LATIN_BOLD: usize = 3;
const FIRST_FALLBACK: usize = 4;

/// A fallback face found on the system, read the first time a character needs it.
struct LazyFace {
    path: PathBuf,
    /// The family to pick inside a collection (`.ttc`).
    family: Option<&'static str>,
    display: &'static str,
    face: OnceLock<Option<&'static Face>>,
}

impl LazyFace {
    fn get(&self) -> Option<&'static Face> {
        *self.face.get_or_init(|| {
            let bytes: &'static [u8] =
                Box::leak(std::fs::read(&self.path).ok()?.into_boxed_slice());
            let count = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
            let index = match self.family {
                None => Some(0),
                Some(fam) => (0..count).find(|&i| {
                    ttf_parser::Face::parse(bytes, i)
                        .ok()
                        .and_then(|f| family_name(&f))
                        .is_some_and(|n| n == fam)
                }),
            };
            let face = Face::new(self.display, bytes, index?)?;
            Some(&*Box::leak(Box::new(face)))
        })
    }

    fn is_loaded(&self) -> bool {
        matches!(self.face.get(), Some(Some(_)))
    }
}

/// The faces a render may use.
pub struct Fonts {
    fixed: [&'static Face; 4],
    fallbacks: Vec<&'static LazyFace>,
}

/// A face of the embedded templates folder.
fn embedded(name: &str) -> &'static [u8] {
    super::EMBEDDED_TEMPLATES
        .get_file(format!("fonts/{name}"))
        .map(|f| f.contents())
        .unwrap_or_else(|| panic!("templates/fonts/{name} is embedded"))
}

static EMBEDDED_FACES: OnceLock<[Face; 4]> = OnceLock::new();
static SYSTEM_FALLBACKS: OnceLock<Vec<&'static LazyFace>> = OnceLock::new();

fn embedded_faces() -> [&'static Face; 4] {
    let f = EMBEDDED_FACES.get_or_init(|| {
        let face = |name: &str, file: &str| {
            Face::new(name, embedded(file), 0).expect("the embedded font parses")
        };
        [
            face("BIZ UDGothic", "BIZUDGothic-Regular.ttf"),
            face("BIZ UDGothic Bold", "BIZUDGothic-Bold.ttf"),
            face("BIZ UDPGothic", "BIZUDPGothic-Latin-Regular.ttf"),
            face("BIZ UDPGothic Bold", "BIZUDPGothic-Latin-Bold.ttf"),
        ]
    });
    [&f[0], &f[1], &f[2], &f[3]]
}

/// Where fallback faces are looked for, in order of preference: (file name, family to pick
/// inside a collection, display name). Noto Sans CJK JP covers JIS X 0213 (Adobe-Japan1-6);
/// IPAmj明朝 the 文字情報基盤 (MJ) characters of the 戸籍.
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

fn find_file(dir: &std::path::Path, name: &str, depth: usize) -> Option<PathBuf> {
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

/// The fallback faces installed on this machine (paths only; nothing is read yet).
/// `MADOGUCHI_FONT_DIRS` (colon-separated) replaces the standard font folders, e.g. to test a
/// machine without fallbacks.
fn system_fallbacks() -> &'static Vec<&'static LazyFace> {
    SYSTEM_FALLBACKS.get_or_init(|| {
        let dirs: Vec<PathBuf> = match std::env::var("MADOGUCHI_FONT_DIRS") {
            Ok(v) => v
                .split(':')
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect(),
            Err(_) => FONT_DIRS.iter().map(Into::into).collect(),
        };
        let mut out: Vec<&'static LazyFace> = vec![];
        for (file, family, display) in FALLBACKS {
            if out.iter().any(|f| f.display == *display) {
                continue;
            }
            if let Some(path) = dirs.iter().find_map(|d| find_file(d, file, 4)) {
                out.push(Box::leak(Box::new(LazyFace {
                    path,
                    family: *family,
                    display,
                    face: OnceLock::new(),
                })));
            }
        }
        out
    })
}

/// How one character (or variation sequence) is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cover {
    /// A face has it.
    Face(usize),
    /// A variation sequence no face has: the base character in this face (warn).
    BaseOnly(usize),
    /// No face has the character (warn; drawn as the primary face's .notdef).
    Missing,
}

impl Fonts {
    /// The embedded faces and the system's fallbacks (found, not yet read).
    pub fn system() -> Fonts {
        Fonts {
            fixed: embedded_faces(),
            fallbacks: system_fallbacks().clone(),
        }
    }

    /// The embedded faces only (a machine without fallback fonts).
    pub fn embedded_only() -> Fonts {
        Fonts {
            fixed: embedded_faces(),
            fallbacks: vec![],
        }
    }

    /// Display names of the fallbacks found on this machine.
    pub fn fallback_names(&self) -> Vec<&'static str> {
        self.fallbacks.iter().map(|f| f.display).collect()
    }

    /// How many fallback faces have been read so far (0 while none was needed).
    pub fn fallbacks_loaded(&self) -> usize {
        self.fallbacks.iter().filter(|f| f.is_loaded()).count()
    }

    /// The face at an index (a fallback is read on first use).
    pub fn face(&self, i: usize) -> &'static Face {
        if i < FIRST_FALLBACK {
            return self.fixed[i];
        }
        self.fallbacks
            .get(i - FIRST_FALLBACK)
            .and_then(|f| f.get())
            .unwrap_or(self.fixed[PRIMARY])
    }

    fn fallback(&self, k: usize) -> Option<&'static Face> {
        self.fallbacks.get(k).and_then(|f| f.get())
    }

    /// The face for a character: the Latin face for Latin letters of English text, the wanted
    /// face (regular or bold) if it has the glyph, else the first fallback that has it.
    fn cover(&self, want: usize, ch: char, vs: Option<char>) -> Cover {
        let base = if want == BOLD || want == LATIN_BOLD {
            BOLD
        } else {
            PRIMARY
        };
        if (want == LATIN || want == LATIN_BOLD) && vs.is_none() && self.fixed[want].has(ch) {
            return Cover::Face(want);
        }
        if let Some(vs) = vs {
            for i in [base, PRIMARY] {
                if self.fixed[i].variant(ch, vs).is_some() {
                    return Cover::Face(i);
                }
            }
            for k in 0..self.fallbacks.len() {
                if self
                    .fallback(k)
                    .is_some_and(|f| f.variant(ch, vs).is_some())
                {
                    return Cover::Face(FIRST_FALLBACK + k);
                }
            }
            return match self.cover(base, ch, None) {
                Cover::Face(i) => Cover::BaseOnly(i),
                other => other,
            };
        }
        if ch.is_whitespace() || ch.is_control() || self.fixed[base].has(ch) {
            return Cover::Face(base);
        }
        if self.fixed[PRIMARY].has(ch) {
            return Cover::Face(PRIMARY);
        }
        for k in 0..self.fallbacks.len() {
            if self.fallback(k).is_some_and(|f| f.has(ch)) {
                return Cover::Face(FIRST_FALLBACK + k);
            }
        }
        Cover::Missing
    }

    /// Splits a text into runs of one face each, a variation sequence staying together.
    /// Characters no face has go to `missing` (drawn with the primary face: the reader sees
    /// the gap, and the clerk was told before printing); variation sequences drawn as their
    /// base character go to `base_only`.
    pub fn runs(
        &self,
        want: usize,
        text: &str,
        missing: &mut Vec<char>,
        base_only: &mut Vec<String>,
    ) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = vec![];
        let chars: Vec<char> = text.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let ch = chars[k];
            let vs = chars.get(k + 1).copied().filter(|c| is_selector(*c));
            let (face, piece) = match self.cover(want, ch, vs) {
                Cover::Face(f) => (f, chars[k..k + 1 + vs.is_some() as usize].iter().collect()),
                Cover::BaseOnly(f) => {
                    let seq: String = [ch, vs.unwrap_or(ch)].iter().collect();
                    if !base_only.contains(&seq) {
                        base_only.push(seq);
                    }
                    (f, ch.to_string())
                }
                Cover::Missing => {
                    if !missing.contains(&ch) {
                        missing.push(ch);
                    }
                    (if want >= LATIN { want - 2 } else { want }, ch.to_string())
                }
            };
            k += 1 + vs.is_some() as usize;
            match out.last_mut() {
                Some((lf, s)) if *lf == face => s.push_str(&piece),
                _ => out.push((face, piece)),
            }
        }
        out
    }

    /// Width of a text in mm at `size_pt`.
    pub fn width_mm(&self, want: usize, text: &str, size_pt: f32) -> f32 {
        let mut em = 0.0;
        let chars: Vec<char> = text.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let ch = chars[k];
            let vs = chars.get(k + 1).copied().filter(|c| is_selector(*c));
            em += match self.cover(want, ch, vs) {
                Cover::Face(f) => {
                    let face = self.face(f);
                    match vs.and_then(|v| face.variant(ch, v)) {
                        Some(g) => face.glyph_advance(g),
                        None => face.advance(ch),
                    }
                }
                Cover::BaseOnly(f) => self.face(f).advance(ch),
                Cover::Missing => self.fixed[PRIMARY].advance(ch),
            };
            k += 1 + vs.is_some() as usize;
        }
        em * size_pt * PT_TO_MM
    }
}

pub const PT_TO_MM: f32 = 25.4 / 72.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variation_sequence_uses_the_variant_glyph_of_the_primary_face() {
        let f = Fonts::embedded_only();
        let (mut missing, mut base) = (vec![], vec![]);
        let runs = f.runs(PRIMARY, "葛\u{E0100}西", &mut missing, &mut base);
        assert_eq!(runs, vec![(PRIMARY, "葛\u{E0100}西".to_string())]);
        assert!(missing.is_empty() && base.is_empty());
        let glyphs = f.face(PRIMARY).glyph_run("葛\u{E0100}葛");
        assert_eq!(glyphs.len(), 2);
        assert_ne!(glyphs[0].0, glyphs[1].0, "the variant is another glyph");
        assert_eq!(glyphs[0].1, "葛\u{E0100}");
    }

    #[test]
    fn an_unknown_sequence_prints_its_base_and_is_reported() {
        let f = Fonts::embedded_only();
        let (mut missing, mut base) = (vec![], vec![]);
        // U+E01EF after 山: no face lists this sequence.
        let runs = f.runs(PRIMARY, "山\u{E01EF}", &mut missing, &mut base);
        assert_eq!(runs, vec![(PRIMARY, "山".to_string())]);
        assert_eq!(base, vec!["山\u{E01EF}".to_string()]);
    }

    #[test]
    fn latin_letters_are_proportional_in_the_latin_face() {
        let f = Fonts::embedded_only();
        let i = f.width_mm(LATIN, "iiii", 10.0);
        let m = f.width_mm(LATIN, "MMMM", 10.0);
        assert!(m > i * 1.8, "{i} {m}");
        let fi = f.width_mm(PRIMARY, "iiii", 10.0);
        let fm = f.width_mm(PRIMARY, "MMMM", 10.0);
        assert!((fi - fm).abs() < 0.01, "the primary face is fixed-width");
        // Japanese in the Latin face falls back to the primary face.
        let (mut m1, mut b1) = (vec![], vec![]);
        let runs = f.runs(LATIN, "Name 氏名", &mut m1, &mut b1);
        assert_eq!(runs[0], (LATIN, "Name ".to_string()));
        assert_eq!(runs[1], (PRIMARY, "氏名".to_string()));
    }
}
