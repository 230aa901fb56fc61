//! Small SVG charts rendered on the server (the reports page and its wall view): a horizontal bar
//! chart and a column chart over time. Every chart is an `<svg role="img">` with a `<title>` and
//! a `<desc>`, and every bar carries its label and value as text, so nothing is told by colour
//! or shape alone. All text is escaped here. No `style` attribute: the content security policy
//! (`style-src 'self'`) blocks inline styles, so the width is an SVG attribute and `app.css`
//! lets the chart shrink (`max-width: 100%`) on a narrow screen.

use std::fmt::Write;

/// One bar: its label and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
        }
    }
}

/// Escapes text for SVG/HTML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const LABEL_WIDTH: i64 = 130;
const BAR_AREA: i64 = 180;
const ROW: i64 = 22;

/// Horizontal bars, one row each: the label left, the bar, the value right of it. Negative
/// values (an NPS) grow left from a zero line in the middle.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let width = LABEL_WIDTH + BAR_AREA + 50;
    let height = ROW * i64::try_from(bars.len()).unwrap_or(0) + 4;
    let any_negative = bars.iter().any(|b| b.value < 0);
    let max = bars.iter().map(|b| b.value.abs()).max().unwrap_or(0).max(1);
    let (zero, span) = if any_negative {
        (LABEL_WIDTH + BAR_AREA / 2, BAR_AREA / 2)
    } else {
        (LABEL_WIDTH, BAR_AREA)
    };
    let desc = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart bar-chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" preserveAspectRatio=\"xMinYMin meet\">\
         <title>{}</title><desc>{}</desc>",
        escape(title),
        escape(&desc)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0) + 2;
        let length = (b.value.abs() * span) / max;
        let x = if b.value < 0 { zero - length } else { zero };
        let mut label = b.label.clone();
        // 18 characters of 12px text fit the 130 units left of the bars.
        if label.chars().count() > 18 {
            label = label.chars().take(17).collect::<String>() + "…";
        }
        let value_x = if b.value < 0 {
            zero + 4
        } else {
            x + length + 4
        };
        let _ = write!(
            svg,
            "<g class=\"bar\"><text x=\"0\" y=\"{ty}\" class=\"label\">{label}</text>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" class=\"{class}\"/>\
             <text x=\"{value_x}\" y=\"{ty}\" class=\"value\">{value}</text></g>",
            ty = y + 14,
            label = escape(&label),
            w = length.max(1),
            h = ROW - 6,
            class = if b.value < 0 { "neg" } else { "pos" },
            value = b.value,
        );
    }
    if any_negative {
        let _ = write!(
            svg,
            "<line x1=\"{zero}\" x2=\"{zero}\" y1=\"0\" y2=\"{height}\" class=\"zero\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Columns over time (days or months), with the first, middle and last label under the axis
/// and each column's label and value in its own `<title>`.
pub fn column_chart(title: &str, columns: &[Bar]) -> String {
    let n = i64::try_from(columns.len()).unwrap_or(0).max(1);
    let plot_height = 120;
    let width = 420;
    let height = plot_height + 34;
    let step = (width - 40) / n;
    let column = (step - 2).max(1);
    let max = columns.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let desc = columns
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart column-chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" preserveAspectRatio=\"xMinYMin meet\">\
         <title>{}</title><desc>{}</desc>\
         <text x=\"0\" y=\"10\" class=\"value\">{max}</text>\
         <line x1=\"36\" x2=\"{width}\" y1=\"{plot_height}\" y2=\"{plot_height}\" class=\"axis\"/>",
        escape(title),
        escape(&desc)
    );
    for (i, b) in columns.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let h = (b.value.max(0) * (plot_height - 14)) / max;
        let x = 38 + i * step;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{column}\" height=\"{h}\" class=\"pos\">\
             <title>{label}: {value}</title></rect>",
            y = plot_height - h,
            label = escape(&b.label),
            value = b.value,
        );
    }
    let last = columns.len().saturating_sub(1);
    let mut shown: Vec<usize> = vec![0, last / 2, last];
    shown.dedup();
    for i in shown {
        if let Some(b) = columns.get(i) {
            let x = 38 + i64::try_from(i).unwrap_or(0) * step;
            let anchor = if i == 0 {
                "start"
            } else if i == last {
                "end"
            } else {
                "middle"
            };
            let x = if i == last { x + column } else { x };
            let _ = write!(
                svg,
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\" class=\"label\">{}</text>",
                plot_height + 16,
                escape(&b.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_labelled_titled_and_escaped() {
        let svg = bar_chart(
            "Berichten <per bron>",
            &[Bar::new("Forum & co", 10), Bar::new("Mastodon", 5)],
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("<title>Berichten &lt;per bron&gt;</title>"));
        assert!(svg.contains(">Forum &amp; co</text>"));
        assert!(svg.contains(">10</text>") && svg.contains(">5</text>"));
        // The longest bar fills the area; the other is half of it.
        assert!(svg.contains("width=\"180\""), "{svg}");
        assert!(svg.contains("width=\"90\""), "{svg}");
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn charts_carry_no_inline_style_the_csp_would_block() {
        let bars = [Bar::new("a", 1)];
        for svg in [bar_chart("t", &bars), column_chart("t", &bars)] {
            assert!(!svg.contains("style="), "{svg}");
        }
        assert!(bar_chart("t", &bars).contains("viewBox=\"0 0 360 26\" width=\"360\""));
        // A long label is cut before it runs into its bar.
        let svg = bar_chart("t", &[Bar::new("Consumentenforum Kassa", 1)]);
        assert!(svg.contains(">Consumentenforum …</text>"), "{svg}");
    }

    #[test]
    fn negative_values_grow_left_of_a_zero_line() {
        let svg = bar_chart("NPS", &[Bar::new("Anna", 50), Bar::new("Bram", -100)]);
        assert!(svg.contains("class=\"zero\""));
        assert!(svg.contains("class=\"neg\""));
        assert!(svg.contains(">-100</text>"));
    }

    #[test]
    fn columns_carry_their_day_and_value() {
        let svg = column_chart(
            "Per dag",
            &[
                Bar::new("2026-03-01", 3),
                Bar::new("2026-03-02", 0),
                Bar::new("2026-03-03", 6),
            ],
        );
        assert!(svg.contains("<title>2026-03-02: 0</title>"));
        assert!(svg.contains(">2026-03-01</text>") && svg.contains(">2026-03-03</text>"));
        assert!(svg.contains("<desc>2026-03-01: 3; 2026-03-02: 0; 2026-03-03: 6</desc>"));
        assert_eq!(column_chart("leeg", &[]).matches("<rect").count(), 0);
    }
}
