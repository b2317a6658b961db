//! Bar charts drawn on the server as inline SVG: no script, no style attribute (the
//! Content-Security-Policy allows neither), colours from the stylesheet. Each bar carries
//! its key and count as data attributes, and every chart sits beside a table of the same
//! numbers for screen readers and print.

use maud::{Markup, html};

const HEIGHT: u32 = 220;
const TOP: u32 = 16;
const BOTTOM: u32 = 48;
const LEFT: u32 = 48;

/// A vertical bar chart of `data` (label, count), `width` px wide.
pub fn bars(id: &str, label: &str, data: &[(String, u64)], width: u32) -> Markup {
    let max = data.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let plot_w = width.saturating_sub(LEFT + 8).max(1);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w as f64 / data.len().max(1) as f64;
    // A few bars stay bars, not walls.
    let bar_w = (slot * 0.8).clamp(1.0, 60.0);
    // Label every bar when they fit, else every k-th.
    let every = ((data.len() as f64 * 40.0 / plot_w as f64).ceil() as usize).max(1);
    html! {
        svg.chart id=(id) role="img" aria-label=(label) viewBox=(format!("0 0 {width} {HEIGHT}"))
            width=(width) height=(HEIGHT) xmlns="http://www.w3.org/2000/svg" {
            line x1=(LEFT) y1=(TOP + plot_h) x2=(width - 4) y2=(TOP + plot_h) stroke="#4a5568" {}
            text x=(LEFT - 6) y=(TOP + 4) text-anchor="end" { (max) }
            text x=(LEFT - 6) y=(TOP + plot_h) text-anchor="end" { "0" }
            @for (i, (key, n)) in data.iter().enumerate() {
                @let h = (*n as f64 / max as f64 * plot_h as f64).round();
                @let x = LEFT as f64 + i as f64 * slot + (slot - bar_w) / 2.0;
                rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", TOP as f64 + plot_h as f64 - h))
                    width=(format!("{bar_w:.1}")) height=(format!("{h:.1}")) data-key=(key) data-count=(n) {
                    title { (key) ": " (n) }
                }
                @if i % every == 0 {
                    text x=(format!("{:.1}", x + bar_w / 2.0)) y=(TOP + plot_h + 14) text-anchor="middle" { (short(key)) }
                }
            }
        }
    }
}

/// Dates shown as MM-DD under the bars (the table has the full date).
fn short(key: &str) -> &str {
    if key.len() == 10 && key.as_bytes()[4] == b'-' { &key[5..] } else { key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_item_scaled_to_the_largest() {
        let data = vec![("2021-07-01".to_owned(), 10), ("2021-07-02".to_owned(), 5), ("2021-07-03".to_owned(), 0)];
        let svg = bars("c", "doses", &data, 400).into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"data-key="2021-07-02" data-count="5""#));
        assert!(svg.contains(r#"height="156.0""#), "the largest bar fills the plot: {svg}");
        assert!(svg.contains(r#"height="78.0""#));
        assert!(!svg.contains("style="), "no style attribute under the CSP");
        assert!(bars("e", "empty", &[], 400).into_string().contains("<svg"));
    }
}
