//! Charts drawn on the server as SVG: no script, no library, nothing fetched; they print
//! as they show. Each bar is a link to the records behind it.

use std::fmt::Write;

/// Text placed in SVG markup.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One bar: its label, its length, the words written after it, and its records.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    pub href: String,
}

const WIDTH: f64 = 560.0;
const LABEL_W: f64 = 150.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 16.0;
const TEXT_W: f64 = 90.0;

/// Horizontal bars against `max` (the longest bar when `max` is 0), one row each.
pub fn bars(title: &str, items: &[Bar], max: f64) -> String {
    let max = if max > 0.0 {
        max
    } else {
        items.iter().map(|b| b.value).fold(0.0, f64::max)
    };
    let plot = WIDTH - LABEL_W - TEXT_W;
    let h = ROW_H * items.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, b) in items.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = if max > 0.0 {
            (b.value / max).clamp(0.0, 1.0) * plot
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<a href="{href}"><text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{LABEL_W}" y="{by}" width="{plot}" height="{BAR_H}" class="chart-track"/><rect x="{LABEL_W}" y="{by}" width="{w:.1}" height="{BAR_H}" class="chart-bar"><title>{label}: {text}</title></rect><text x="{vx:.1}" y="{ty}" class="chart-value">{text}</text></a>"#,
            href = esc(&b.href),
            lx = LABEL_W - 8.0,
            ty = y + 13.0,
            by = y + 1.0,
            label = esc(&b.label),
            text = esc(&b.text),
            vx = LABEL_W + plot + 6.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// One bar of a Pareto chart: a cause, its count, and the running share (per mille).
pub struct ParetoBar {
    pub label: String,
    pub count: i64,
    pub cumulative_permille: i64,
    pub href: String,
}

/// The Pareto chart: bars largest first against the left scale, the running share as a
/// line against the right one (0–100 %).
pub fn pareto(title: &str, items: &[ParetoBar]) -> String {
    const H: f64 = 240.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 196.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = WIDTH - 44.0;
    let max = items.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let pitch = (RIGHT - LEFT) / items.len().max(1) as f64;
    let bar_w = (pitch * 0.6).min(48.0);
    let y_of = |v: f64, top: f64| BOTTOM - (v / top) * (BOTTOM - TOP);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart chart-pareto" viewBox="0 0 {WIDTH} {H}" width="{WIDTH}" height="{H}" role="img" aria-label="{t}"><title>{t}</title><line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" class="chart-axis"/><text x="{lx}" y="{ty}" text-anchor="end" class="chart-tick">{max}</text><text x="{lx}" y="{BOTTOM}" text-anchor="end" class="chart-tick">0</text><text x="{rx}" y="{ty}" class="chart-tick">100%</text><text x="{rx}" y="{mid}" class="chart-tick">50%</text>"#,
        t = esc(title),
        lx = LEFT - 6.0,
        rx = RIGHT + 6.0,
        ty = TOP + 4.0,
        mid = y_of(500.0, 1000.0) + 4.0,
        max = max as i64,
    );
    let mut points = Vec::new();
    for (i, b) in items.iter().enumerate() {
        let cx = LEFT + pitch * (i as f64 + 0.5);
        let y = y_of(b.count as f64, max);
        let _ = write!(
            s,
            r#"<a href="{href}"><rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{bh:.1}" class="chart-bar"><title>{label}: {count}</title></rect><text x="{cx:.1}" y="{vy:.1}" text-anchor="middle" class="chart-value">{count}</text><text x="{cx:.1}" y="{ly}" text-anchor="middle" class="chart-label">{label}</text></a>"#,
            href = esc(&b.href),
            x = cx - bar_w / 2.0,
            bh = BOTTOM - y,
            vy = y - 4.0,
            ly = BOTTOM + 16.0,
            label = esc(&b.label),
            count = b.count,
        );
        points.push(format!(
            "{cx:.1},{:.1}",
            y_of(b.cumulative_permille as f64, 1000.0)
        ));
    }
    if !points.is_empty() {
        let _ = write!(
            s,
            r#"<polyline points="{}" class="chart-line"/>"#,
            points.join(" ")
        );
        for (p, b) in points.iter().zip(items) {
            if let Some((x, y)) = p.split_once(',') {
                let _ = write!(
                    s,
                    r#"<circle cx="{x}" cy="{y}" r="3" class="chart-dot"><title>{}%</title></circle>"#,
                    b.cumulative_permille as f64 / 10.0
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_link_to_their_records() {
        let svg = bars(
            "x<y",
            &[Bar {
                label: "<script>\"".into(),
                value: 2.0,
                text: "2".into(),
                href: "/reports/2026-03/records?figure=jobs.repair.all&x=1".into(),
            }],
            0.0,
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&quot;"));
        assert!(svg.contains("figure=jobs.repair.all&amp;x=1"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn an_empty_chart_is_still_well_formed() {
        assert!(bars("t", &[], 0.0).ends_with("</svg>"));
        let p = pareto("t", &[]);
        assert!(p.ends_with("</svg>") && !p.contains("polyline"));
    }

    #[test]
    fn the_pareto_line_ends_at_the_full_share() {
        let p = pareto(
            "t",
            &[
                ParetoBar {
                    label: "a".into(),
                    count: 3,
                    cumulative_permille: 750,
                    href: "/a".into(),
                },
                ParetoBar {
                    label: "b".into(),
                    count: 1,
                    cumulative_permille: 1000,
                    href: "/b".into(),
                },
            ],
        );
        assert!(p.contains("polyline"));
        // 100 % sits on the plot's top line (y = 16).
        assert!(p.contains(",16.0\""));
    }
}
