//! QR images of one `shc:/` string as the SHC spec asks: two segments, bytes for the
//! `shc:/` (and `i/n/`) prefix and numeric for the digits, error correction L, the
//! smallest version that holds them. PNG (grayscale, 4 px a module, 4-module quiet zone)
//! and SVG.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

const SCALE: usize = 4;
const QUIET: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the card does not fit a QR code")]
    TooLong,
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// The QR code of `shc` (one string of [`super::numeric::chunks`]).
pub fn code(shc: &str) -> Result<QrCode, QrError> {
    let split = shc.rfind('/').map_or(0, |i| i + 1);
    let (prefix, digits) = shc.split_at(split);
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        let fits = bits.push_byte_data(prefix.as_bytes()).is_ok()
            && bits.push_numeric_data(digits.as_bytes()).is_ok()
            && bits.push_terminator(EcLevel::L).is_ok();
        if fits {
            return QrCode::with_bits(bits, EcLevel::L).map_err(|_| QrError::TooLong);
        }
    }
    Err(QrError::TooLong)
}

pub fn svg(code: &QrCode) -> String {
    code.render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(SCALE as u32, SCALE as u32)
        .build()
}

pub fn png(code: &QrCode) -> Result<Vec<u8>, QrError> {
    let w = code.width();
    let side = (w + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == Color::Dark {
            let (mx, my) = (i % w + QUIET, i / w + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let side32 = u32::try_from(side).map_err(|e| QrError::Png(e.to_string()))?;
    let mut enc = png::Encoder::new(&mut out, side32, side32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| QrError::Png(e.to_string()))?;
    writer.write_image_data(&pixels).map_err(|e| QrError::Png(e.to_string()))?;
    writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_of_a_card() {
        let shc = format!("shc:/{}", "56".repeat(600));
        let c = code(&shc).unwrap();
        assert!(matches!(c.version(), Version::Normal(v) if v <= 22), "{:?}", c.version());
        assert_eq!(c.error_correction_level(), EcLevel::L);
        let png = png(&c).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(svg(&c).starts_with("<?xml"));
        assert!(code(&format!("shc:/1/2/{}", "12".repeat(1191))).is_ok());
    }
}
