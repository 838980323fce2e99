//! A [`Lane`] drawn as SVG, written by hand (no charting library, no
//! script): real `<text>`, a `<title>`/`<desc>` for screen readers and a
//! `<title>` tooltip on every mark holding its date arithmetic.
//!
//! Picture, top to bottom: what the provider or the customer does (each
//! step a mark on the time axis, its words, § and instant in a label above,
//! labels stacked in rows so none covers another or another's leader line),
//! the axis with local-midnight date ticks, the events that came in, and
//! for scenarios the expectations (a green tick or a red cross). Shapes say
//! the kind of action without colour: a circle for a neutral step, a
//! diamond for one that harms the customer, a crossed square for one that
//! cannot be undone; a hollow shape is a right, not an act. Windows and
//! two readings are bands along the axis.
//!
//! The root element carries the scale (`data-start`, `data-end` in unix
//! seconds, `data-left`, `data-width` in user units) and every mark its
//! instant (`data-at`), so the browser test can check positions.

use super::lane::{Harm, Lane, Mark};
use crate::describe;
use chrono::{DateTime, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = 980.0;
const FONT: f64 = 12.5;
const LINE: f64 = 15.0;
/// Characters of a label line before it wraps (CJK count double).
const WRAP: usize = 34;

/// The time scale shared by the lanes drawn one above the other.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    pub start: i64,
    pub end: i64,
    pub zone: Tz,
}

impl Axis {
    /// A scale showing every instant of the lanes, with a margin.
    pub fn covering<'a>(lanes: impl IntoIterator<Item = &'a Lane>, zone: Tz) -> Axis {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for l in lanes {
            let (a, b) = l.span();
            lo = lo.min(a);
            hi = hi.max(b);
        }
        if lo > hi {
            (lo, hi) = (0, 86_400);
        }
        let pad = ((hi - lo) / 25).max(3 * 3_600);
        Axis {
            start: lo - pad,
            end: hi + pad,
            zone,
        }
    }

    pub fn x(&self, t: i64) -> f64 {
        let span = (self.end - self.start).max(1) as f64;
        LEFT + (t - self.start) as f64 / span * (RIGHT - LEFT)
    }
}

/// Text for XML content and attribute values.
pub fn esc(s: &str) -> String {
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

fn text_width(s: &str, px: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.62 * px } else { 1.02 * px })
        .sum()
}

fn wrap(s: &str) -> Vec<String> {
    crate::compile::dot::wrap_words(s, WRAP)
}

/// One row of labels: the intervals they occupy and the leader lines
/// (from marks to labels in higher rows) crossing it.
type Row = (Vec<(f64, f64)>, Vec<f64>);

/// Rows of labels that keep clear of each other and of leader lines.
#[derive(Default)]
struct Rows {
    rows: Vec<Row>,
}

impl Rows {
    /// The lowest row where a label spanning `x0..x1`, its leader at `x`,
    /// fits without touching another label or leader; failing that (its
    /// leader must cross a label below whatever row it takes), the lowest row
    /// where the label itself is clear.
    fn place(&mut self, x: f64, x0: f64, x1: f64) -> usize {
        const GAP: f64 = 10.0;
        let free = |row: &Row| {
            row.0.iter().all(|&(a, b)| x1 + GAP <= a || b + GAP <= x0)
                && row.1.iter().all(|&l| l < x0 - 3.0 || l > x1 + 3.0)
        };
        let clear_below = |rows: &[Row]| {
            rows.iter()
                .all(|(spans, _)| spans.iter().all(|&(a, b)| x < a - 3.0 || x > b + 3.0))
        };
        let n = self.rows.len();
        let r = (0..n)
            .find(|&r| free(&self.rows[r]) && clear_below(&self.rows[..r]))
            .or_else(|| clear_below(&self.rows).then_some(n))
            .or_else(|| (0..n).find(|&r| free(&self.rows[r])))
            .unwrap_or(n);
        if r == n {
            self.rows.push((Vec::new(), Vec::new()));
        }
        self.rows[r].0.push((x0, x1));
        for (_, leaders) in &mut self.rows[..r] {
            leaders.push(x);
        }
        r
    }

    fn count(&self) -> usize {
        self.rows.len()
    }
}

/// Where a label goes: its row, and whether it reads leftwards from its leader.
struct Placed {
    row: usize,
    flip: bool,
}

fn place(rows: &mut Rows, x: f64, width: f64) -> Placed {
    let flip = x + 6.0 + width > RIGHT + 16.0;
    let (x0, x1) = if flip {
        (x - 6.0 - width, x + 2.0)
    } else {
        (x - 2.0, x + 6.0 + width)
    };
    Placed {
        row: rows.place(x, x0, x1),
        flip,
    }
}

fn colour(h: Harm) -> (&'static str, &'static str) {
    // (shape, text)
    match h {
        Harm::Neutral => ("#475569", "#1e293b"),
        Harm::Harmful => ("#c2410c", "#9a3412"),
        Harm::Irreversible => ("#7f1d1d", "#7f1d1d"),
        Harm::Customer => ("#1d4ed8", "#1e3a8a"),
    }
}

fn shape(out: &mut String, m: &Mark, x: f64, y: f64) {
    let (fill, _) = colour(m.harm);
    let (paint, stroke) = if m.right {
        (
            "#ffffff".to_string(),
            format!(" stroke=\"{fill}\" stroke-width=\"2\""),
        )
    } else {
        (fill.to_string(), String::new())
    };
    match m.harm {
        Harm::Neutral | Harm::Customer => {
            let _ = write!(
                out,
                "<circle class=\"mark-shape\" cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"5.5\" fill=\"{paint}\"{stroke}/>"
            );
        }
        Harm::Harmful => {
            let _ = write!(
                out,
                "<path class=\"mark-shape\" d=\"M{x:.2} {:.2} L{:.2} {y:.2} L{x:.2} {:.2} L{:.2} {y:.2} Z\" fill=\"{paint}\"{stroke}/>",
                y - 7.5,
                x + 7.5,
                y + 7.5,
                x - 7.5
            );
        }
        Harm::Irreversible => {
            let _ = write!(
                out,
                "<rect class=\"mark-shape\" x=\"{:.2}\" y=\"{:.2}\" width=\"13\" height=\"13\" fill=\"{paint}\"{stroke}/>\
                 <path d=\"M{:.2} {:.2} l7 7 m0 -7 l-7 7\" stroke=\"{}\" stroke-width=\"1.8\"/>",
                x - 6.5,
                y - 6.5,
                x - 3.5,
                y - 3.5,
                if m.right { fill } else { "#ffffff" }
            );
        }
    }
}

fn local_date(zone: Tz, t: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(t, 0).map(|u| zone.from_utc_datetime(&u.naive_utc()).date_naive())
}

fn midnight(zone: Tz, d: NaiveDate) -> Option<i64> {
    zone.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.timestamp())
}

/// Local midnights to label: about a dozen, on a round step of days.
fn ticks(axis: &Axis) -> Vec<(i64, NaiveDate)> {
    let days = (axis.end - axis.start) as f64 / 86_400.0;
    let step: i64 = [1_i32, 2, 5, 7, 14, 30, 61, 91, 183, 365]
        .into_iter()
        .find(|s| days / f64::from(*s) <= 12.0)
        .map_or(730, i64::from);
    let (Some(first), Some(last)) = (
        local_date(axis.zone, axis.start),
        local_date(axis.zone, axis.end),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut d = first + Duration::days(1);
    while d <= last {
        if let Some(t) = midnight(axis.zone, d) {
            if t >= axis.start && t <= axis.end {
                out.push((t, d));
            }
        }
        d += Duration::days(step);
    }
    out
}

/// An instant as RFC 3339 in the zone (what `data-at` holds).
fn rfc3339(zone: Tz, at: i64) -> String {
    DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&zone).to_rfc3339())
        .unwrap_or_default()
}

fn offset(lane: &Lane, at: i64, zone: Tz) -> String {
    crate::diff::probe::offset_text(lane.t0, at, zone)
}

/// The lane as one `<svg>` element. `href` gives a mark's link (its step
/// in the clause file shown on the same page), `id` makes ids unique.
pub fn render(
    lane: &Lane,
    axis: &Axis,
    id: &str,
    href: &dyn Fn(&Mark) -> Option<String>,
) -> String {
    let zone = axis.zone;
    // labels above the axis
    let mut above = Rows::default();
    let labels: Vec<(Vec<String>, String, Placed)> = lane
        .marks
        .iter()
        .map(|m| {
            let mut words = wrap(&m.words);
            if words.len() > 3 {
                let rest = words.split_off(2).join(" ");
                let mut second: String = rest.chars().take(WRAP - 1).collect();
                second.push('…');
                words.push(second);
            }
            if m.harm == Harm::Irreversible {
                words.push("irreversible".into());
            }
            let detail = format!(
                "{}{} · {}",
                m.cite
                    .as_deref()
                    .map(|c| format!("§{c} · "))
                    .unwrap_or_default(),
                describe::instant(zone, m.at).get(5..).unwrap_or_default(),
                offset(lane, m.at, zone)
            );
            let width = words
                .iter()
                .map(|w| text_width(w, FONT) * 1.06)
                .chain([text_width(&detail, FONT - 1.5)])
                .fold(0.0, f64::max);
            let p = place(&mut above, axis.x(m.at), width);
            (words, detail, p)
        })
        .collect();
    // each row as tall as its tallest label
    let mut row_lines = vec![0usize; above.count()];
    for (words, _, p) in &labels {
        if let Some(n) = row_lines.get_mut(p.row) {
            *n = (*n).max(words.len() + 1);
        }
    }
    let row_heights: Vec<f64> = row_lines.iter().map(|&n| n as f64 * LINE + 8.0).collect();
    let top = 12.0;
    let axis_y = top + row_heights.iter().sum::<f64>() + 18.0;
    // the bottom of row r: above the axis by the rows below it
    let row_bottom = |r: usize| axis_y - 16.0 - row_heights.iter().take(r).sum::<f64>();
    // events below the axis
    let mut below = Rows::default();
    let events: Vec<(String, Placed)> = lane
        .events
        .iter()
        .map(|e| {
            let text = format!(
                "{} {}",
                e.name,
                describe::instant(zone, e.at).get(5..).unwrap_or_default()
            );
            let p = place(&mut below, axis.x(e.at), text_width(&text, FONT));
            (text, p)
        })
        .collect();
    let events_y = axis_y + 44.0;
    let event_row = 20.0;
    let expects_y = events_y + below.count().max(1) as f64 * event_row + 16.0;
    let mut expect_rows = Rows::default();
    let expect_places: Vec<usize> = lane
        .expects
        .iter()
        .map(|e| {
            let x = axis.x(e.at);
            expect_rows.place(x, x - 7.0, x + 7.0)
        })
        .collect();
    let height = if lane.expects.is_empty() {
        expects_y - 6.0
    } else {
        expects_y + expect_rows.count() as f64 * 18.0 + 8.0
    };

    let mut o = String::new();
    let title = esc(&lane.title);
    let desc: Vec<String> = lane
        .marks
        .iter()
        .map(|m| {
            format!(
                "{} {}{}",
                describe::instant(zone, m.at),
                m.words,
                m.cite
                    .as_deref()
                    .map(|c| format!(" §{c}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let desc = if desc.is_empty() {
        "nothing happens".to_string()
    } else {
        desc.join("; ")
    };
    let _ = write!(
        o,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         role=\"img\" aria-labelledby=\"{id}-t {id}-d\" data-start=\"{}\" data-end=\"{}\" data-left=\"{LEFT}\" \
         data-width=\"{}\" font-size=\"{FONT}\">\
         <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{}</desc>",
        axis.start,
        axis.end,
        RIGHT - LEFT,
        esc(&desc)
    );
    let _ = write!(
        o,
        "<defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fde68a\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b45309\" stroke-width=\"2\"/></pattern></defs>"
    );
    // lane names in the gutter
    let gutter = |o: &mut String, y: f64, s: &str| {
        let _ = write!(
            o,
            "<text class=\"gutter\" x=\"8\" y=\"{y:.1}\" fill=\"#64748b\" font-size=\"11\">{s}</text>"
        );
    };
    gutter(&mut o, axis_y - 10.0, "actions");
    gutter(&mut o, axis_y + 20.0, "dates");
    if !lane.events.is_empty() {
        gutter(&mut o, events_y + 4.0, "events");
    }
    if !lane.expects.is_empty() {
        gutter(&mut o, expects_y + 4.0, "expected");
    }
    // event guides behind everything
    for e in &lane.events {
        let x = axis.x(e.at);
        let _ = write!(
            o,
            "<line class=\"guide\" x1=\"{x:.2}\" y1=\"{:.1}\" x2=\"{x:.2}\" y2=\"{:.1}\" stroke=\"#94a3b8\" stroke-dasharray=\"3 3\"/>",
            top - 8.0,
            events_y - 6.0
        );
    }
    // the axis and its ticks
    let _ = write!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{axis_y:.1}\" x2=\"{RIGHT}\" y2=\"{axis_y:.1}\" stroke=\"#334155\" stroke-width=\"1.5\"/>"
    );
    let all_ticks = ticks(axis);
    let year_each = all_ticks
        .first()
        .zip(all_ticks.last())
        .is_some_and(|(a, b)| chrono::Datelike::year(&a.1) != chrono::Datelike::year(&b.1));
    for (i, (t, d)) in all_ticks.iter().enumerate() {
        let x = axis.x(*t);
        let label = if i == 0 || year_each {
            d.format("%Y-%m-%d").to_string()
        } else {
            d.format("%m-%d").to_string()
        };
        let _ = write!(
            o,
            "<g class=\"tick\" data-date=\"{}\"><line x1=\"{x:.2}\" y1=\"{:.1}\" x2=\"{x:.2}\" y2=\"{:.1}\" stroke=\"#334155\"/>\
             <text x=\"{x:.2}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#334155\" font-size=\"11\">{label}</text></g>",
            d.format("%Y-%m-%d"),
            axis_y,
            axis_y + 5.0,
            axis_y + 18.0
        );
    }
    // bands: windows and two readings
    for m in &lane.marks {
        if let Some([s, e]) = m.window {
            let (x0, x1) = (axis.x(s), axis.x(e));
            let (fill, _) = colour(m.harm);
            let _ = write!(
                o,
                "<rect class=\"band window\" x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"12\" fill=\"{fill}\" \
                 fill-opacity=\"0.18\" stroke=\"{fill}\" stroke-dasharray=\"4 2\"><title>window of {}: {} … {}</title></rect>",
                axis_y - 6.0,
                (x1 - x0).max(1.0),
                esc(&m.words),
                describe::instant(zone, s),
                describe::instant(zone, e)
            );
        }
        if let Some([a, b]) = m.readings {
            let (x0, x1) = (axis.x(a.min(b)), axis.x(a.max(b)));
            let other = if m.at == a { b } else { a };
            let _ = write!(
                o,
                "<g class=\"band readings\"><title>two readings of {}: {} or {}; {} chosen</title>\
                 <rect x=\"{x0:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"12\" fill=\"url(#{id}-hatch)\" fill-opacity=\"0.8\"/>\
                 <circle cx=\"{:.2}\" cy=\"{axis_y:.1}\" r=\"5\" fill=\"#ffffff\" stroke=\"#b45309\" stroke-width=\"2\" stroke-dasharray=\"2 2\"/></g>",
                esc(&m.words),
                describe::instant(zone, a),
                describe::instant(zone, b),
                describe::instant(zone, m.at),
                axis_y - 6.0,
                (x1 - x0).max(1.0),
                axis.x(other)
            );
        }
    }
    // marks and their labels
    for (m, (words, detail, p)) in lane.marks.iter().zip(&labels) {
        let x = axis.x(m.at);
        let row_bottom = row_bottom(p.row);
        let n = words.len() + 1;
        let first_y = row_bottom - (n as f64 - 1.0) * LINE;
        let (_, ink) = colour(m.harm);
        let mut tip = format!(
            "{}{}\n{}",
            m.words,
            m.cite
                .as_deref()
                .map(|c| format!(" (§{c})"))
                .unwrap_or_default(),
            describe::instant(zone, m.at)
        );
        for a in &m.arithmetic {
            tip.push('\n');
            tip.push_str(a);
        }
        let _ = write!(
            o,
            "<g class=\"mark harm-{}{}\" data-at=\"{}\" tabindex=\"0\"><title>{}</title>",
            match m.harm {
                Harm::Neutral => "neutral",
                Harm::Harmful => "harmful",
                Harm::Irreversible => "irreversible",
                Harm::Customer => "customer",
            },
            if m.right { " right" } else { "" },
            rfc3339(zone, m.at),
            esc(&tip)
        );
        let link = href(m);
        if let Some(h) = &link {
            let _ = write!(o, "<a href=\"{}\">", esc(h));
        }
        let _ = write!(
            o,
            "<line x1=\"{x:.2}\" y1=\"{:.1}\" x2=\"{x:.2}\" y2=\"{:.1}\" stroke=\"{ink}\" stroke-opacity=\"0.55\"/>",
            axis_y - 8.0,
            row_bottom + 4.0
        );
        let (tx, anchor) = if p.flip {
            (x - 6.0, "end")
        } else {
            (x + 6.0, "start")
        };
        let _ = write!(o, "<text x=\"{tx:.2}\" text-anchor=\"{anchor}\">");
        for (i, w) in words.iter().enumerate() {
            let weight = if m.harm == Harm::Irreversible && i + 1 == words.len() {
                " font-style=\"italic\""
            } else {
                ""
            };
            let _ = write!(
                o,
                "<tspan x=\"{tx:.2}\" y=\"{:.1}\" fill=\"{ink}\" font-weight=\"600\"{weight}>{}</tspan>",
                first_y + i as f64 * LINE,
                esc(w)
            );
        }
        let _ = write!(
            o,
            "<tspan x=\"{tx:.2}\" y=\"{:.1}\" fill=\"#475569\" font-size=\"{}\">{}</tspan></text>",
            row_bottom,
            FONT - 1.5,
            esc(detail)
        );
        shape(&mut o, m, x, axis_y);
        if link.is_some() {
            o.push_str("</a>");
        }
        o.push_str("</g>");
    }
    // events
    for (e, (text, p)) in lane.events.iter().zip(&events) {
        let x = axis.x(e.at);
        let y = events_y + p.row as f64 * event_row;
        let (tx, anchor) = if p.flip {
            (x - 8.0, "end")
        } else {
            (x + 8.0, "start")
        };
        let note = e
            .note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        let _ = write!(
            o,
            "<g class=\"event\" data-at=\"{}\"><title>event {}{}</title>\
             <path d=\"M{x:.2} {:.1} l5 8 h-10 z\" fill=\"#0f172a\"/>\
             <text x=\"{tx:.2}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#0f172a\">{}</text></g>",
            rfc3339(zone, e.at),
            esc(&format!("{} {}", e.name, describe::instant(zone, e.at))),
            esc(&note),
            y - 4.0,
            y + 4.0,
            esc(text)
        );
    }
    // expectations
    for (e, row) in lane.expects.iter().zip(&expect_places) {
        let x = axis.x(e.at);
        let y = expects_y + *row as f64 * 18.0;
        let tip = match &e.actual {
            Some(a) => format!("expected {} — FAILED: {a}", e.text),
            None => format!("expected {} — holds", e.text),
        };
        let (fill, glyph) = if e.passed {
            ("#15803d", format!("M{:.2} {y:.1} l2.5 3 l4.5 -6", x - 3.5))
        } else {
            (
                "#b91c1c",
                format!("M{:.2} {:.1} l6 6 m0 -6 l-6 6", x - 3.0, y - 3.0),
            )
        };
        let _ = write!(
            o,
            "<g class=\"expect {}\" data-at=\"{}\"><title>{}</title><circle cx=\"{x:.2}\" cy=\"{y:.1}\" r=\"7\" fill=\"{fill}\"/>\
             <path d=\"{glyph}\" stroke=\"#ffffff\" stroke-width=\"2\" fill=\"none\"/></g>",
            if e.passed { "pass" } else { "fail" },
            rfc3339(zone, e.at),
            esc(&tip)
        );
    }
    o.push_str("</svg>");
    o
}
