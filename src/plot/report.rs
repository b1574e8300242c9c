//! `report.html`: one self-contained page with the manifest, outcome table, every figure inline as SVG and a plain-language reading guide.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::plot::data::{DirKind, Tables};
use crate::plot::output::{svg_string, write_atomic};
use crate::plot::style::{self, fmt_num, quantile};
use crate::plot::{CLASSES, FIGURES, PlotError, class_colour, prepare};

/// What each outcome class means, for readers who have not seen the model.
const CLASS_READINGS: [(&str, &str); 5] = [
    (
        "GlobalFreeTrade",
        "Almost all trade is tariff-free (free_share ≥ 0.95), whether M cut its tariff to zero or regional agreements spread until they covered nearly everyone. Regionalism, if there was any, acted as a building block.",
    ),
    (
        "NetworkedOrder",
        "Regional bodies nested in a working multilateral core: M includes at least three quarters of world GDP and its members keep their bindings (e_M ≥ 0.75), and at least half of world GDP is also in regional agreements. Think of today's WTO with the EU, USMCA or RCEP inside it.",
    ),
    (
        "MultilateralCore",
        "A strong multilateral institution with little regionalism: M is large and effective, but less than half of world GDP is in any regional agreement. Close to the GATT world of the 1960s.",
    ),
    (
        "RivalBlocs",
        "Walled regional blocs with a weak multilateral institution: M is small or ineffective, at least two blocs carry real weight, and trade between blocs faces high tariffs. The 1930s pattern, where regionalism became a stumbling block.",
    ),
    (
        "Fragmented",
        "None of the above: a patchwork with neither a strong multilateral order nor clearly walled blocs, often with many countries outside everything.",
    ),
];

/// Metric, plain-language reading; shown in the guide and, for runs, in the final-state table.
const METRIC_READINGS: [(&str, &str); 10] = [
    (
        "m_share",
        "Share of world GDP held by the members of M, the WTO-like multilateral institution.",
    ),
    (
        "e_m",
        "Effectiveness of M, 0 to 1: how far its members, weighted by GDP, keep to the agreed tariff. When large members raise walls it falls, and M stops binding anyone.",
    ),
    (
        "t_m",
        "The tariff M's members promise each other (bound most-favoured-nation rate). It falls each time a negotiation round passes.",
    ),
    (
        "coverage",
        "Share of world GDP in countries that belong to at least one regional agreement.",
    ),
    (
        "free_share",
        "Share of world trade relations, weighted by the GDP of both partners, that face no tariff at all.",
    ),
    (
        "effective_blocs",
        "Effective number of blocs: 1 means one bloc dominates, 3 means three blocs of equal weight.",
    ),
    (
        "bloc_wall",
        "Average tariff between countries in different blocs: the height of the walls between blocs.",
    ),
    (
        "welfare",
        "Sum of all countries' payoffs in model units: compare it across runs, not with real-world figures.",
    ),
    (
        "excluded",
        "Share of world GDP in countries outside every agreement and outside M: the marginalised.",
    ),
    (
        "rounds_failed",
        "Negotiation rounds of M that failed so far; a rising count with a flat t_M is gridlock.",
    ),
];

fn figure_reading(stem: &str) -> &'static str {
    match stem {
        "convergence" => {
            "Each panel follows one metric from the first tick to the last. With many worlds, the dark line is the median world and the grey band holds the middle 80 % of worlds; thin lines are single worlds, coloured by the outcome they ended in. Flat lines at the end mean the world has settled."
        }
        "gridlock" => {
            "Left: how many negotiation rounds of M passed and failed so far. Right: M's bound tariff, which only falls when a round passes. Failures piling up while the tariff stays flat is multilateral gridlock."
        }
        "map" => {
            "Countries at the start, middle and end of the run. Bigger circles are bigger economies; the colour is the country's bloc (grey: none): its customs union if it has one, else its largest agreement of three or more members, else its largest agreement. Filled circles are members of M, hollow ones are outside it. Lines join members of the same agreement."
        }
        "check" => {
            "The picture of the check. Left: the checked statistic at every design point, blue for group a, orange for group b, with 95 % intervals. Right: the difference a − b with its 95 % interval; the claim passes when the whole interval lies on the expected side of zero."
        }
        "outcomes" => {
            "How the chance of each outcome changes as one parameter is varied. Top: shares of worlds stacked to 100 %. Bottom: each class on its own, with 95 % intervals showing how sure the estimate is given the number of worlds."
        }
        "phase" => {
            "Each cell is one combination of the two varied parameters, coloured by the outcome most worlds ended in; the number is that outcome's share. Borders between colours are tipping points."
        }
        "phase_networked" => {
            "Probability of ending in a networked order (regional bodies inside a working multilateral core) for each combination of the two parameters; brighter is more likely."
        }
        "phase_rival" => {
            "Probability of ending in rival blocs (walled blocs, weak multilateral institution) for each combination of the two parameters; brighter is more likely."
        }
        "sensitivity" => {
            "Which parameters matter most. Sobol bars: the share of the output's variation due to a parameter alone (S1) or together with others (ST). Morris dots: far right means a strong effect, high up means the effect depends on other parameters."
        }
        _ => "",
    }
}

/// Writes `dir/report.html` and returns its path.
///
/// Figures are rendered afresh as SVG from the tables, so the report never shows stale
/// pictures; `figures/map.gif` is embedded when `plot_dir` has written it.
pub fn write_report(dir: &Path) -> Result<PathBuf, PlotError> {
    style::register_fonts()?;
    let tables = Tables::load(dir)?;
    let title = format!("blocs: {}", tables.scenario);
    let mut h = String::with_capacity(1 << 20);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    let _ = writeln!(h, "<title>{}</title>", esc(&title));
    h.push_str(STYLE);
    h.push_str("</head>\n<body>\n");
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p class=\"headline\">{}</p>",
        esc(&title),
        esc(&tables.headline())
    );

    // The answer first, in words; then the evidence; then how to read it; the manifest,
    // which only a referee rerunning the work needs, folded away last.
    h.push_str("<section class=\"answer\">\n<h2>The answer</h2>\n");
    for sentence in answer(&tables) {
        let _ = writeln!(h, "<p>{sentence}</p>");
    }
    h.push_str("</section>\n");
    if let Some(check) = &tables.check {
        check_section(&mut h, check, dir);
    }

    h.push_str("<h2>Outcomes</h2>\n");
    match tables.kind {
        DirKind::Run => run_tables(&mut h, &tables),
        DirKind::Sweep => sweep_table(&mut h, &tables),
    }

    h.push_str("<h2>Figures</h2>\n");
    let mut any = false;
    for name in FIGURES.iter().filter(|n| **n != "map.gif") {
        for (stem, figure) in prepare(name, &tables)? {
            let svg = svg_string(&figure, &dir.join("figures").join(format!("{stem}.svg")))?;
            let _ = writeln!(
                h,
                "<figure>\n<h3>{}</h3>\n<p>{}</p>\n<div class=\"svg\">{}</div>\n</figure>",
                esc(&stem),
                esc(figure_reading(&stem)),
                svg.trim()
            );
            any = true;
        }
    }
    // Phase diagrams of the slices `blocs reproduce` cuts from a three-field grid.
    for slice in phase_slices(dir) {
        let slice_tables = Tables::load(&slice)?;
        let name = slice
            .strip_prefix(dir)
            .map_or_else(|_| slice.display().to_string(), |p| p.display().to_string());
        for (stem, figure) in prepare("phase", &slice_tables)? {
            let svg = svg_string(&figure, &slice.join("figures").join(format!("{stem}.svg")))?;
            let _ = writeln!(
                h,
                "<figure>\n<h3>{} ({})</h3>\n<p>{}</p>\n<div class=\"svg\">{}</div>\n</figure>",
                esc(&stem),
                esc(&name),
                esc(figure_reading(&stem)),
                svg.trim()
            );
            any = true;
        }
    }
    let gif = dir.join("figures").join("map.gif");
    if gif.is_file() {
        let bytes = std::fs::read(&gif).map_err(|e| PlotError::io(&gif, e))?;
        let _ = writeln!(
            h,
            "<figure>\n<h3>map.gif</h3>\n<p>The map of world 0 tick by tick.</p>\n<img alt=\"animated map of world 0\" src=\"data:image/gif;base64,{}\"/>\n</figure>",
            base64(&bytes)
        );
        any = true;
    }
    if !any {
        h.push_str("<p>The tables here are not enough for any figure.</p>\n");
    }

    h.push_str("<h2>How to read the outcome classes</h2>\n<dl>\n");
    for (class, reading) in CLASS_READINGS {
        let _ = writeln!(
            h,
            "<dt>{} {}</dt><dd>{}</dd>",
            swatch(class),
            esc(class),
            esc(reading)
        );
    }
    h.push_str("</dl>\n<h2>How to read the key metrics</h2>\n<dl>\n");
    for (metric, reading) in METRIC_READINGS {
        let _ = writeln!(
            h,
            "<dt><code>{}</code></dt><dd>{}</dd>",
            esc(metric),
            esc(reading)
        );
    }
    h.push_str("</dl>\n");
    match &tables.manifest {
        Some(text) => {
            let _ = writeln!(
                h,
                "<details>\n<summary>What was run: manifest.ron (scenario, seed, version)</summary>\n<pre>{}</pre>\n</details>",
                esc(text)
            );
        }
        None => h.push_str("<p>No manifest.ron in this directory.</p>\n"),
    }
    h.push_str("<p class=\"foot\">Drawn from the CSV tables in this directory; PNG and SVG copies of each figure are in <code>figures/</code>.</p>\n</body>\n</html>\n");

    let path = dir.join("report.html");
    write_atomic(&path, h.as_bytes())?;
    Ok(path)
}

const STYLE: &str = "<style>\n\
body { font-family: 'DejaVu Sans', Verdana, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }\n\
h1 { margin-bottom: 0.2em; }\n\
.headline { color: #555; margin-top: 0; }\n\
pre { background: #f4f4f4; padding: 1em; overflow-x: auto; font-size: 0.85em; max-height: 30em; }\n\
table { border-collapse: collapse; margin: 1em 0; }\n\
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }\n\
td.num { text-align: right; white-space: nowrap; }\n\
.answer { background: #f3f8fb; border-left: 6px solid #0072B2; padding: 0.4em 1.2em; font-size: 1.15em; }\n\
.answer h2 { margin-top: 0.4em; }\n\
.pass { color: #007A5A; font-weight: bold; }\n\
.fail { color: #B04A00; font-weight: bold; }\n\
blockquote { border-left: 4px solid #ccc; margin: 1em 0; padding: 0.2em 1em; color: #444; }\n\
summary { cursor: pointer; font-weight: bold; margin: 1em 0; }\n\
td:first-child { white-space: nowrap; }\n\
.wide { overflow-x: auto; }\n\
table.points { font-size: 0.85em; }\n\
table.points td { white-space: nowrap; }\n\
figure { margin: 2em 0; }\n\
.svg svg { width: 100%; height: auto; border: 1px solid #eee; }\n\
figure img { width: 100%; max-width: 800px; height: auto; border: 1px solid #eee; }\n\
.sw { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: middle; border: 1px solid #555; }\n\
dt { font-weight: bold; margin-top: 0.8em; }\n\
.foot { color: #777; margin-top: 3em; }\n\
</style>\n";

/// One or two sentences that answer "what happened": the most frequent outcome with its
/// share and 95 % Wilson interval, and why the worlds stopped.
fn answer(tables: &Tables) -> Vec<String> {
    let Some(outcomes) = tables.outcomes.as_ref().filter(|o| !o.worlds.is_empty()) else {
        return vec!["No summary table here, so the outcome is unknown.".to_owned()];
    };
    let n = outcomes.worlds.len();
    let mut out = Vec::new();
    if let Some(c) = &tables.check {
        let (class, word) = if c.pass {
            ("pass", "passes")
        } else {
            ("fail", "fails")
        };
        out.push(format!(
            "The check <span class=\"{class}\">{word}</span>: “{}”. The difference a − b is {} (95&nbsp;% interval {} to {}); the claim expects it {}.",
            esc(&c.claim),
            fmt_num(c.estimate),
            fmt_num(c.low),
            fmt_num(c.high),
            esc(&c.direction.to_lowercase())
        ));
    }
    if n == 1 {
        let w = &outcomes.worlds[0];
        let stop = match w.stop_tick {
            Some(t) => format!("{} at tick {t}", esc(&w.stop_reason)),
            None => esc(&w.stop_reason),
        };
        out.push(format!(
            "World {} ended as <strong>{} {}</strong>: {} It stopped: {stop}.",
            w.key.world,
            swatch(&w.outcome),
            esc(&w.outcome),
            esc(&short_reading(&w.outcome))
        ));
    } else {
        let counts = outcomes.class_counts();
        if let Some((class, k)) = counts
            .iter()
            .fold(None::<&(String, usize)>, |best, c| match best {
                Some(b) if b.1 >= c.1 => Some(b),
                _ => Some(c),
            })
        {
            let (lo, hi) = crate::sweep::stats::wilson(*k as u64, n as u64);
            out.push(format!(
                "Of {n} worlds, {k} ({}&nbsp;%, 95&nbsp;% interval {}–{}&nbsp;%) ended as <strong>{} {}</strong>, the most frequent outcome: {}",
                pct(*k as f64 / n as f64),
                pct(lo),
                pct(hi),
                swatch(class),
                esc(class),
                esc(&short_reading(class))
            ));
        }
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for w in &outcomes.worlds {
            match reasons.iter_mut().find(|(r, _)| *r == w.stop_reason) {
                Some((_, k)) => *k += 1,
                None => reasons.push((w.stop_reason.clone(), 1)),
            }
        }
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let ticks: Vec<f64> = outcomes
            .worlds
            .iter()
            .filter_map(|w| w.stop_tick.map(|t| t as f64))
            .collect();
        let mean_tick = if ticks.is_empty() {
            String::new()
        } else {
            format!(
                ", after {} ticks on average",
                fmt_num(ticks.iter().sum::<f64>() / ticks.len() as f64)
            )
        };
        let parts: Vec<String> = reasons
            .iter()
            .map(|(r, k)| format!("{} {k}", esc(r)))
            .collect();
        out.push(format!(
            "Why they stopped: {}{mean_tick}.",
            parts.join(", ")
        ));
    }
    out
}

/// A share as a whole percentage, with one decimal below 1 %.
fn pct(p: f64) -> String {
    let v = 100.0 * p;
    if v > 0.0 && v < 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// The first sentence of a class's reading, with its full stop.
fn short_reading(class: &str) -> String {
    let first = CLASS_READINGS
        .iter()
        .find(|(c, _)| *c == class)
        .map_or("", |(_, r)| r.split(". ").next().unwrap_or(r));
    if first.is_empty() || first.ends_with('.') {
        first.to_owned()
    } else {
        format!("{first}.")
    }
}

/// The claim, the passage it comes from, the statistic, its interval and the verdict.
fn check_section(h: &mut String, check: &crate::plot::CheckRow, dir: &Path) {
    let (class, word) = if check.pass {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    let _ = writeln!(
        h,
        "<h2>The claim and its check</h2>\n<p><strong>Claim.</strong> {}</p>",
        esc(&check.claim)
    );
    if let Some(passage) = source_passage(dir) {
        let _ = writeln!(h, "<blockquote>{}</blockquote>", esc(&passage));
    }
    let _ = writeln!(
        h,
        "<p><strong>Statistic.</strong> {} ({}, 95&nbsp;% interval; expected sign {}, expected {}).</p>",
        esc(&check.statistic),
        esc(&check.method),
        esc(&check.direction),
        esc(&check.expected)
    );
    let _ = writeln!(
        h,
        "<table>\n<tr><th>group a</th><th>group b</th><th>a − b</th><th>95&nbsp;% interval</th><th>n_a</th><th>n_b</th><th>verdict</th></tr>\n<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">[{}, {}]</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{class}\">{word}</td></tr>\n</table>",
        fmt_num(check.a),
        fmt_num(check.b),
        fmt_num(check.estimate),
        fmt_num(check.low),
        fmt_num(check.high),
        check.n_a,
        check.n_b
    );
}

/// The `Source:` paragraph of the experiment's README, which `blocs reproduce` copies
/// next to the results as `experiment.md`.
fn source_passage(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("experiment.md")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Source:"))?;
    Some(line.replace(['*', '`'], ""))
}

/// Slice directories `phase_by_<field>/<value>/` with a `points.csv`, in name order.
fn phase_slices(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut roots: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("phase_by_"))
        })
        .collect();
    roots.sort();
    for root in roots {
        if let Ok(entries) = std::fs::read_dir(&root) {
            let mut slices: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("points.csv").is_file())
                .collect();
            slices.sort();
            out.extend(slices);
        }
    }
    out
}

fn run_tables(h: &mut String, tables: &Tables) {
    let Some(outcomes) = &tables.outcomes else {
        h.push_str("<p>No summary.csv: outcome classes are unknown.</p>\n");
        return;
    };
    let n = outcomes.worlds.len().max(1);
    h.push_str("<table>\n<tr><th>class</th><th>worlds</th><th>share</th><th>in short</th></tr>\n");
    for (class, count) in outcomes.class_counts() {
        let short = CLASS_READINGS
            .iter()
            .find(|(c, _)| *c == class)
            .map_or("", |(_, r)| {
                r.split(':')
                    .next()
                    .unwrap_or(r)
                    .split(". ")
                    .next()
                    .unwrap_or("")
            });
        let _ = writeln!(
            h,
            "<tr><td>{} {}</td><td>{count}</td><td class=\"num\">{:.0}&nbsp;%</td><td>{}</td></tr>",
            swatch(&class),
            esc(&class),
            100.0 * count as f64 / n as f64,
            esc(short)
        );
    }
    h.push_str("</table>\n");

    let columns: Vec<(usize, &str)> = METRIC_READINGS
        .iter()
        .filter_map(|(m, _)| {
            outcomes
                .metrics
                .iter()
                .position(|x| x == m)
                .map(|i| (i, *m))
        })
        .collect();
    if columns.is_empty() {
        return;
    }
    let single = outcomes.worlds.len() == 1;
    h.push_str("<h3>Final values of the key metrics</h3>\n<table>\n");
    if single {
        h.push_str("<tr><th>metric</th><th>final value</th></tr>\n");
    } else {
        h.push_str("<tr><th>metric</th><th>median</th><th>10 %</th><th>90 %</th></tr>\n");
    }
    for (i, metric) in columns {
        let mut values: Vec<f64> = outcomes
            .worlds
            .iter()
            .map(|w| w.finals[i])
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        let cell = |q: f64| {
            let v = quantile(&values, q);
            if v.is_nan() {
                "–".to_owned()
            } else {
                fmt_num(v)
            }
        };
        if single {
            let _ = writeln!(
                h,
                "<tr><td><code>{metric}</code></td><td class=\"num\">{}</td></tr>",
                cell(0.5)
            );
        } else {
            let _ = writeln!(
                h,
                "<tr><td><code>{metric}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                cell(0.5),
                cell(0.1),
                cell(0.9)
            );
        }
    }
    h.push_str("</table>\n");
}

/// Rows listed at most; a sweep with more points is summarised by its figures.
const MAX_POINT_ROWS: usize = 200;

fn sweep_table(h: &mut String, tables: &Tables) {
    if let Some(outcomes) = &tables.outcomes {
        let n = outcomes.worlds.len().max(1);
        h.push_str("<p>All worlds of the sweep together: ");
        let parts: Vec<String> = outcomes
            .class_counts()
            .into_iter()
            .map(|(c, k)| {
                format!(
                    "{} {} {k} ({:.0}&nbsp;%)",
                    swatch(&c),
                    esc(&c),
                    100.0 * k as f64 / n as f64
                )
            })
            .collect();
        h.push_str(&parts.join(", "));
        h.push_str(".</p>\n");
    }
    let Some(points) = &tables.points else {
        h.push_str("<p>No points.csv in this directory.</p>\n");
        return;
    };
    h.push_str("<p>Share of worlds in each class at each point, with its 95 % Wilson interval.</p>\n<div class=\"wide\">\n<table class=\"points\">\n<tr><th>point</th>");
    for f in &points.fields {
        let _ = write!(h, "<th>{}</th>", esc(f));
    }
    h.push_str("<th>n</th><th>most frequent</th>");
    for c in &points.classes {
        let _ = write!(h, "<th>p_{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for row in points.rows.iter().take(MAX_POINT_ROWS) {
        let _ = write!(h, "<tr><td>{}</td>", row.point);
        for v in &row.fields {
            let _ = write!(h, "<td>{}</td>", esc(v));
        }
        let best = row
            .shares
            .iter()
            .enumerate()
            .fold(None::<(usize, f64)>, |best, (i, s)| match best {
                Some((_, p)) if s.p <= p => best,
                _ => Some((i, s.p)),
            })
            .map(|(i, _)| points.classes[i].as_str())
            .unwrap_or("–");
        let _ = write!(
            h,
            "<td class=\"num\">{}</td><td>{} {}</td>",
            row.n,
            swatch(best),
            esc(best)
        );
        for s in &row.shares {
            let _ = write!(
                h,
                "<td class=\"num\">{:.2} [{:.2}–{:.2}]</td>",
                s.p, s.lo, s.hi
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n</div>\n");
    if points.rows.len() > MAX_POINT_ROWS {
        let _ = writeln!(
            h,
            "<p>First {MAX_POINT_ROWS} of {} points; the rest are in points.csv.</p>",
            points.rows.len()
        );
    }
}

fn swatch(class: &str) -> String {
    if !CLASSES.contains(&class) {
        return String::new();
    }
    let c = class_colour(class);
    format!(
        "<span class=\"sw\" style=\"background:#{:02X}{:02X}{:02X}\"></span>",
        c.0, c.1, c.2
    )
}

pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    // "100 %" must not break between the number and its sign.
    out.replace(" %", "&nbsp;%")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{base64, esc};

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
