//! The fanout-sweep chart, as a self-contained SVG written here (no plotting service, no
//! script): simulated P(every process delivers) with its confidence interval at each fanout,
//! beside the asymptotic curve `exp(−e^{−c})` of Kermarrec, Massoulié and Ganesh (2003).

use crate::sim::{asymptotic, SweepRow};
use std::fmt::Write as _;

const W: f64 = 720.0;
const H: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart for `rows` (sorted by fanout), titled with `title`.
pub fn sweep_svg(title: &str, n: u32, rows: &[SweepRow]) -> String {
    let cmin = rows.iter().map(|r| r.c).fold(f64::INFINITY, f64::min);
    let cmax = rows.iter().map(|r| r.c).fold(f64::NEG_INFINITY, f64::max);
    let (x0, x1) = if rows.is_empty() {
        (-3.0, 3.0)
    } else {
        ((cmin - 0.5).floor(), (cmax + 0.5).ceil())
    };
    let px = |c: f64| LEFT + (c - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |p: f64| TOP + (1.0 - p) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        W / 2.0,
        esc(title)
    );
    // Grid and axes.
    for i in 0..=10 {
        let p = f64::from(i) / 10.0;
        let y = py(p);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e4e4e4"/>"##,
            W - RIGHT
        );
        if i % 2 == 0 {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{p:.1}</text>"#,
                LEFT - 8.0,
                y + 4.0
            );
        }
    }
    let mut c = x0;
    while c <= x1 + 1e-9 {
        let x = px(c);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#e4e4e4"/>"##,
            H - BOTTOM
        );
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{c}</text>"#,
            H - BOTTOM + 18.0
        );
        c += 1.0;
    }
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="none" stroke="#333"/>"##,
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">c = fanout − ln N   (N = {n}, ln N = {:.3})</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 18.0,
        f64::from(n).ln()
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">P(every process delivers)</text>"#,
        (TOP + H - BOTTOM) / 2.0
    );
    // The asymptotic curve.
    let mut pts = Vec::new();
    let steps = 200;
    for i in 0..=steps {
        let c = x0 + (x1 - x0) * f64::from(i) / f64::from(steps);
        pts.push(format!("{:.1},{:.1}", px(c), py(asymptotic(c))));
    }
    let _ = writeln!(
        s,
        r##"<polyline id="asymptotic" points="{}" fill="none" stroke="#d62728" stroke-width="2"/>"##,
        pts.join(" ")
    );
    // Simulated points with interval bars, joined by a line.
    let line: Vec<String> = rows
        .iter()
        .map(|r| format!("{:.1},{:.1}", px(r.c), py(r.p_hat)))
        .collect();
    let _ = writeln!(
        s,
        r##"<polyline id="simulated" points="{}" fill="none" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        line.join(" ")
    );
    for r in rows {
        let x = px(r.c);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#1f77b4"/>"##,
            py(r.ci_low),
            py(r.ci_high)
        );
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{:.1}" r="4" fill="#1f77b4"><title>fanout {}: {:.4} [{:.4}, {:.4}]</title></circle>"##,
            py(r.p_hat),
            r.fanout,
            r.p_hat,
            r.ci_low,
            r.ci_high
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#1f77b4" font-size="10">t={}</text>"##,
            x + 7.0,
            py(r.p_hat) + 14.0,
            r.fanout
        );
    }
    // Legend.
    let lx = LEFT + 16.0;
    let ly = TOP + 18.0;
    let _ = writeln!(
        s,
        r##"<rect x="{:.1}" y="{:.1}" width="300" height="44" fill="white" stroke="#999"/>"##,
        lx - 8.0,
        ly - 14.0
    );
    let _ = writeln!(
        s,
        r##"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="#d62728" stroke-width="2"/><text x="{:.1}" y="{:.1}">exp(−e^(−c)), N → ∞ (Kermarrec et al. 2003)</text>"##,
        lx + 24.0,
        lx + 32.0,
        ly + 4.0
    );
    let _ = writeln!(
        s,
        r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#1f77b4"/><text x="{:.1}" y="{:.1}">simulated, with confidence interval</text>"##,
        lx + 12.0,
        ly + 20.0,
        lx + 32.0,
        ly + 24.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_both_curves_and_is_well_formed() {
        let rows = vec![SweepRow {
            fanout: 3,
            c: 0.5,
            runs: 10,
            successes: 5,
            p_hat: 0.5,
            ci_low: 0.2,
            ci_high: 0.8,
            asymptotic: asymptotic(0.5),
        }];
        let svg = sweep_svg("eager-gossip <n>", 10, &rows);
        assert!(svg.contains(r#"id="asymptotic""#));
        assert!(svg.contains(r#"id="simulated""#));
        assert!(svg.contains("eager-gossip &lt;n&gt;"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
