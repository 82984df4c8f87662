//! Message sequence charts of a trace: one lifeline per process; sends, receipts, losses,
//! crashes and decisions. Rendered as Mermaid (`sequenceDiagram`) or as a self-contained SVG
//! (also what the Explorer shows next to each state).

use crate::engine::chart::Lane as Pid;
pub use crate::engine::chart::{events, Event};
use crate::engine::spec::Reported;
use std::fmt::Write;

fn clean(s: &str) -> String {
    s.replace([';', '#', '"'], " ").replace("  ", " ")
}

/// Mermaid `sequenceDiagram` text.
pub fn mermaid(n: usize, events: &[Event]) -> String {
    let mut s = String::from("sequenceDiagram\n");
    for p in 0..n {
        let _ = writeln!(s, "    participant p{p}");
    }
    for e in events {
        match e {
            Event::Msg {
                from,
                to,
                label,
                lost,
            } => {
                let arrow = if *lost { "-x" } else { "->>" };
                let tag = if *lost { " (lost)" } else { "" };
                let _ = writeln!(s, "    p{from}{arrow}p{to}: {}{tag}", clean(label));
            }
            Event::Note { at, text } => {
                let _ = writeln!(s, "    Note over p{at}: {}", clean(text));
            }
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained SVG chart.
pub fn svg(n: usize, events: &[Event]) -> String {
    let col = 150.0;
    let row = 28.0;
    let left = 60.0;
    let top = 40.0;
    let width = left * 2.0 + col * (n.max(1) as f64 - 1.0) + 120.0;
    let height = top + row * (events.len() as f64 + 1.5);
    let x = |p: Pid| left + col * f64::from(p);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"broadcheck-msc\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n"
    );
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<defs><marker id=\"arr\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\"><path d=\"M0,0 L7,3 L0,6 z\" fill=\"#333\"/></marker></defs>\n";
    for p in 0..n as Pid {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">p{p}</text><line x1=\"{0}\" y1=\"26\" x2=\"{0}\" y2=\"{}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
            x(p),
            height - 5.0
        );
    }
    for (i, e) in events.iter().enumerate() {
        let y = top + row * (i as f64 + 0.5);
        match e {
            Event::Msg {
                from,
                to,
                label,
                lost,
            } => {
                let (x1, x2) = (x(*from), x(*to));
                let color = if *lost { "#c00" } else { "#333" };
                if from == to {
                    let _ = writeln!(
                        s,
                        "<path d=\"M{x1},{y} h30 v10 h-28\" fill=\"none\" stroke=\"{color}\" marker-end=\"url(#arr)\"/><text x=\"{}\" y=\"{}\">{}</text>",
                        x1 + 34.0,
                        y + 4.0,
                        esc(label)
                    );
                } else {
                    let dash = if *lost {
                        " stroke-dasharray=\"5 3\""
                    } else {
                        ""
                    };
                    let mid = (x1 + x2) / 2.0;
                    let tag = if *lost { " ✗ lost" } else { "" };
                    let _ = writeln!(
                        s,
                        "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{}\" stroke=\"{color}\"{dash} marker-end=\"url(#arr)\"/><text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\">{}{tag}</text>",
                        y + 8.0,
                        y - 2.0,
                        esc(label)
                    );
                }
            }
            Event::Note { at, text } => {
                let w = 8.0 + 6.6 * text.chars().count() as f64;
                let _ = writeln!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"18\" fill=\"#ffd\" stroke=\"#aa8\"/><text x=\"{}\" y=\"{}\">{}</text>",
                    x(*at) - 4.0,
                    y - 12.0,
                    x(*at),
                    y + 1.0,
                    esc(text)
                );
            }
        }
    }
    s += "</svg>\n";
    s
}

/// The Explorer's chart for a stateright path.
pub fn explorer_svg<M: Reported>(
    m: &M,
    path: stateright::Path<M::State, M::Action>,
) -> Option<String> {
    let steps = path.into_vec();
    let mut ev = Vec::new();
    for w in steps.windows(2) {
        if let (Some(a), next) = (&w[0].1, &w[1].0) {
            ev.extend(m.events(&w[0].0, a, next));
        }
    }
    Some(svg(m.processes(), &ev))
}
