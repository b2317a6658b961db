//! The coupon's 18-digit OCR line as a site reads it (camera, barcode, keyboard): any
//! text either parses to a line that prints back as the same digits, or is refused with
//! a typed error; `Debug` never shows the coupon number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_protocol::ids::OcrLine;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(line) = OcrLine::parse(text) else { return };
    let digits = line.to_digits();
    assert_eq!(digits, text.trim(), "a parsed line prints back as its digits");
    assert_eq!(OcrLine::parse(&digits), Ok(line));
    assert!(!format!("{line:?}").contains(&digits[8..]), "Debug shows the coupon number");
    // The node's own check on top: the municipality must exist (never panics either).
    let _ = vrs_node::municipalities::lookup(line.municipality);
});
