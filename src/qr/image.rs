//! Drawing parts as PNG files, and reading QR codes from photos and screenshots.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};
use std::path::Path;

/// Pixels per module: a version ≈18 code becomes ≈780 px, sharp on a phone and in print.
const MODULE_PX: u32 = 8;
/// The quiet zone the QR standard asks for, in modules.
const QUIET_MODULES: u32 = 4;

/// A part as a PNG: error correction M, `MDG1` in alphanumeric mode and the digits in numeric
/// mode (the densest), in the smallest version that holds them. Deterministic.
///
/// A text that is not an upper-case `MDG1` part (only reachable by misuse) is drawn in the
/// encoder's automatic modes rather than refused, so this never fails.
pub fn render_png(part: &str) -> Vec<u8> {
    let code = mdg1_code(part)
        .or_else(|| QrCode::with_error_correction_level(part.as_bytes(), EcLevel::M).ok())
        .or_else(|| QrCode::with_error_correction_level(b"", EcLevel::M).ok());
    match code {
        Some(c) => png_of(&c),
        None => Vec::new(),
    }
}

fn mdg1_code(part: &str) -> Option<QrCode> {
    let (magic, digits) = (part.get(..4)?, part.get(4..)?);
    if magic != super::MAGIC || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    (1..=40).find_map(|v| {
        let mut bits = Bits::new(Version::Normal(v));
        bits.push_alphanumeric_data(magic.as_bytes()).ok()?;
        bits.push_numeric_data(digits.as_bytes()).ok()?;
        bits.push_terminator(EcLevel::M).ok()?;
        QrCode::with_bits(bits, EcLevel::M).ok()
    })
}

fn png_of(code: &QrCode) -> Vec<u8> {
    let w = code.width() as u32;
    let side = (w + 2 * QUIET_MODULES) * MODULE_PX;
    let colors = code.to_colors();
    let img = ::image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
        let dark = mx >= QUIET_MODULES
            && my >= QUIET_MODULES
            && mx < QUIET_MODULES + w
            && my < QUIET_MODULES + w
            && colors[((my - QUIET_MODULES) * w + (mx - QUIET_MODULES)) as usize] == Color::Dark;
        ::image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    match img.write_to(&mut out, ::image::ImageFormat::Png) {
        Ok(()) => out.into_inner(),
        Err(_) => Vec::new(),
    }
}

/// An image that could not be read at all (not a QR problem).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read the image: {0}")]
    Open(String),
}

/// Photos larger than this (longest side, pixels) are also tried scaled down: decoders find
/// codes in a 12-megapixel photo more reliably (and much faster) at a moderate size.
const SCALE_TO: u32 = 1600;

/// Every QR code found in an image file (PNG or JPEG), as texts, in reading order (top to
/// bottom, left to right). Codes that are not `MDG1` parts are returned too; the caller
/// decides.
pub fn decode_image_file(path: &Path) -> Result<Vec<String>, ImageError> {
    let img = ::image::open(path).map_err(|e| ImageError::Open(e.to_string()))?;
    Ok(decode_image(&img))
}

/// Every QR code found in an image, as texts (see [`decode_image_file`]).
pub fn decode_image(img: &::image::DynamicImage) -> Vec<String> {
    let luma = img.to_luma8();
    let mut found = decode_luma(&luma);
    let longest = luma.width().max(luma.height());
    if longest > SCALE_TO {
        let f = f64::from(SCALE_TO) / f64::from(longest);
        let small = ::image::imageops::resize(
            &luma,
            ((f64::from(luma.width()) * f).round() as u32).max(1),
            ((f64::from(luma.height()) * f).round() as u32).max(1),
            ::image::imageops::FilterType::Triangle,
        );
        found.extend(
            decode_luma(&small)
                .into_iter()
                .map(|(t, x, y)| (t, x / f, y / f)),
        );
    }
    // Reading order, then drop the same code found twice (two scales, or two detectors).
    found.sort_by(|a, b| {
        (a.2, a.1)
            .partial_cmp(&(b.2, b.1))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut out: Vec<String> = Vec::new();
    for (t, _, _) in found {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// (text, x, y) of each code found.
fn decode_luma(luma: &::image::GrayImage) -> Vec<(String, f64, f64)> {
    use rxing::{BarcodeFormat, DecodeHints};
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
        ..Default::default()
    };
    let results = rxing::helpers::detect_multiple_in_luma_with_hints(
        luma.as_raw().clone(),
        luma.width(),
        luma.height(),
        &mut hints,
    )
    .unwrap_or_default();
    results
        .into_iter()
        .map(|r| {
            let pts = r.getPoints();
            let n = pts.len().max(1) as f64;
            let x = pts.iter().map(|p| f64::from(p.x)).sum::<f64>() / n;
            let y = pts.iter().map(|p| f64::from(p.y)).sum::<f64>() / n;
            (r.getText().to_string(), x, y)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_part_is_error_correction_m_in_about_version_18() {
        let part = super::super::encode_part(1, 2, 123_456, &[0xAB; 480]);
        let code = mdg1_code(&part).expect("an MDG1 part is drawn in alphanumeric + numeric");
        assert_eq!(code.error_correction_level(), EcLevel::M);
        let Version::Normal(v) = code.version() else {
            panic!("a normal QR code")
        };
        assert!((16..=19).contains(&v), "version {v}");
        // Mixed modes are smaller than byte mode for the same text.
        let bytes = {
            let mut b = Bits::new(Version::Normal(40));
            b.push_byte_data(part.as_bytes()).unwrap();
            b.len()
        };
        let mut mixed = Bits::new(Version::Normal(40));
        mixed.push_alphanumeric_data(b"MDG1").unwrap();
        mixed.push_numeric_data(&part.as_bytes()[4..]).unwrap();
        assert!(mixed.len() * 2 < bytes);

        // An independent reader agrees on the level and the text.
        let img = ::image::load_from_memory(&render_png(&part))
            .unwrap()
            .to_luma8();
        let r = rxing::helpers::detect_in_luma(
            img.as_raw().clone(),
            img.width(),
            img.height(),
            Some(rxing::BarcodeFormat::QR_CODE),
        )
        .unwrap();
        assert_eq!(r.getText(), part);
        let level = r
            .getRXingResultMetadata()
            .get(&rxing::RXingResultMetadataType::ERROR_CORRECTION_LEVEL)
            .cloned();
        assert_eq!(
            level,
            Some(rxing::RXingResultMetadataValue::ErrorCorrectionLevel(
                "M".into()
            ))
        );
    }

    #[test]
    fn anything_else_is_still_drawn() {
        assert!(!render_png("hello").is_empty());
        assert!(!render_png("mdg10101").is_empty());
    }
}
