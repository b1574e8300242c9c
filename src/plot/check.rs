//! `check`: the picture of an experiment's PASS/FAIL: the checked statistic at every design point by group, and a − b with its interval against zero.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::PlotError;
use crate::plot::data::Tables;
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, INK, Mark, NONE_GREY, ORANGE, Sizes, bold, draw_header, draw_legend, fmt_num, font,
    split_legend,
};
use crate::plot::table::Table;

/// Group a and group b of a check, in the colours of every figure that shows them.
pub(crate) const GROUP_A: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub(crate) const GROUP_B: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const PASS: RGBColor = RGBColor(0x00, 0x9E, 0x73);

/// The row of `check.csv` that `blocs reproduce` writes.
#[derive(Clone, Debug)]
pub struct CheckRow {
    /// The claim in words.
    pub claim: String,
    /// What is compared, e.g. `share RivalBlocs: [initial_m=…] − […]`.
    pub statistic: String,
    /// Interval method (`Newcombe`, `Welch t`).
    pub method: String,
    /// The statistic in group a.
    pub a: f64,
    /// The statistic in group b (or the null value).
    pub b: f64,
    /// a − b.
    pub estimate: f64,
    /// Lower end of the 95 % interval of a − b.
    pub low: f64,
    /// Upper end of the 95 % interval of a − b.
    pub high: f64,
    /// Worlds in group a.
    pub n_a: u64,
    /// Worlds in group b.
    pub n_b: u64,
    /// Expected sign: `Positive` or `Negative`.
    pub direction: String,
    /// Whether the claim is expected to reproduce.
    pub expected: String,
    /// The verdict.
    pub pass: bool,
}

impl CheckRow {
    pub(crate) fn load(table: &Table) -> Result<Option<CheckRow>, PlotError> {
        if table.len() == 0 {
            return Ok(None);
        }
        let text = |name: &str| -> Result<String, PlotError> {
            Ok(table.text(0, table.col(name)?).to_owned())
        };
        let num = |name: &str| -> Result<f64, PlotError> { table.f64(0, table.col(name)?) };
        let whole = |name: &str| -> Result<u64, PlotError> { table.u64(0, table.col(name)?) };
        Ok(Some(CheckRow {
            claim: text("claim")?,
            statistic: text("statistic")?,
            method: text("method")?,
            a: num("a")?,
            b: num("b")?,
            estimate: num("estimate")?,
            low: num("low")?,
            high: num("high")?,
            n_a: whole("n_a")?,
            n_b: whole("n_b")?,
            direction: text("direction")?,
            expected: text("expected")?,
            pass: table.bool(0, table.col("pass")?)?,
        }))
    }

    /// What is measured (`share RivalBlocs`, `mean agreements`) and the two groups'
    /// selectors as written (`[initial_m∈{…}]`); group b is `None` against a fixed value.
    pub(crate) fn parts(&self) -> (String, String, Option<String>) {
        let (what, groups) = self
            .statistic
            .split_once(": ")
            .unwrap_or((&self.statistic, ""));
        let (a, b) = groups.split_once(" − ").unwrap_or((groups, ""));
        let b = b.trim();
        (
            what.to_owned(),
            a.trim().to_owned(),
            b.starts_with('[').then(|| b.to_owned()),
        )
    }

    /// The verdict as the report and the figure word it.
    pub(crate) fn verdict(&self) -> &'static str {
        if self.pass { "PASS" } else { "FAIL" }
    }
}

/// `[f=v, g∈{v1, v2}]` as field and allowed values.
fn selectors(group: &str) -> Vec<(String, Vec<String>)> {
    let inner = group.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    let mut rest = inner;
    while !rest.trim().is_empty() {
        let rest_t = rest.trim_start_matches([',', ' ']);
        if let Some((field, tail)) = rest_t.split_once("∈{") {
            let (values, tail) = tail.split_once('}').unwrap_or((tail, ""));
            out.push((
                field.trim().to_owned(),
                values.split(", ").map(|v| v.trim().to_owned()).collect(),
            ));
            rest = tail;
        } else if let Some((field, tail)) = rest_t.split_once('=') {
            let (value, tail) = tail.split_once(", ").unwrap_or((tail, ""));
            out.push((field.trim().to_owned(), vec![value.trim().to_owned()]));
            rest = tail;
        } else {
            break;
        }
    }
    out
}

/// The group of a design point: `Some(true)` when it matches group a's selectors,
/// `Some(false)` for group b's, `None` for neither. Fixed fields of a slice count too.
pub(crate) fn group_of(
    a: &str,
    b: &str,
    points: &crate::plot::Points,
    row: &crate::plot::PointRow,
) -> Option<bool> {
    let value = |field: &str| -> Option<&str> {
        points
            .fields
            .iter()
            .position(|f| f == field)
            .map(|i| row.fields[i].as_str())
            .or_else(|| {
                points
                    .fixed
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, v)| v.as_str())
            })
    };
    let matches = |sel: &[(String, Vec<String>)]| {
        !sel.is_empty()
            && sel
                .iter()
                .all(|(f, vs)| value(f).is_some_and(|v| vs.iter().any(|x| x == v)))
    };
    if matches(&selectors(a)) {
        Some(true)
    } else if matches(&selectors(b)) {
        Some(false)
    } else {
        None
    }
}

struct Dot {
    label: String,
    group: Option<bool>,
    value: f64,
    lo: f64,
    hi: f64,
}

pub(crate) struct CheckFigure {
    /// The x axis of the left panel: the fields the groups select on.
    axis: String,
    title: String,
    subtitle: String,
    what: String,
    check: CheckRow,
    dots: Vec<Dot>,
    legend: Vec<(Mark, String)>,
}

pub(crate) fn prepare(tables: &Tables) -> Result<Option<CheckFigure>, PlotError> {
    let Some(check) = &tables.check else {
        return Ok(None);
    };
    let (what, a, b) = check.parts();
    let (sel_a, sel_b) = (selectors(&a), b.as_deref().map(selectors));
    let mut dots = Vec::new();
    let points = tables.dir.join("points.csv");
    if points.is_file() {
        let table = Table::read(&points)?;
        // The statistic's columns at each point: a class share (with its Wilson
        // interval) or a metric mean (with its t interval); sums of classes have none.
        let cols = if let Some(classes) = what.strip_prefix("share ") {
            let names: Vec<String> = classes.split('+').map(|c| format!("p_{c}")).collect();
            let single = names.len() == 1;
            let ps: Vec<_> = names.iter().filter_map(|n| table.opt_col(n)).collect();
            (ps.len() == names.len()).then(|| {
                let bound = |suffix: &str| {
                    single
                        .then(|| table.opt_col(&format!("{}_{suffix}", names[0])))
                        .flatten()
                };
                (ps, bound("lo"), bound("hi"))
            })
        } else if let Some(metric) = what.strip_prefix("mean ") {
            table.opt_col(&format!("{metric}_mean")).map(|m| {
                (
                    vec![m],
                    table.opt_col(&format!("{metric}_lo")),
                    table.opt_col(&format!("{metric}_hi")),
                )
            })
        } else {
            None
        };
        if let Some((ps, lo, hi)) = cols {
            let matches = |sel: &[(String, Vec<String>)], row: usize| {
                !sel.is_empty()
                    && sel.iter().all(|(field, values)| {
                        table
                            .opt_col(field)
                            .is_some_and(|c| values.iter().any(|v| v == table.text(row, c)))
                    })
            };
            let fields: Vec<String> = sel_a.iter().map(|(f, _)| f.clone()).collect();
            for row in 0..table.len() {
                let group = if matches(&sel_a, row) {
                    Some(true)
                } else if sel_b.as_deref().is_some_and(|s| matches(s, row)) {
                    Some(false)
                } else {
                    None
                };
                let mut value = 0.0;
                for &c in &ps {
                    value += table.f64_or_nan(row, c)?;
                }
                let bound = |c: Option<_>| -> Result<f64, PlotError> {
                    c.map_or(Ok(value), |c| Ok(table.opt_f64(row, c)?.unwrap_or(value)))
                };
                let label = fields
                    .iter()
                    .filter_map(|f| table.opt_col(f).map(|c| table.text(row, c).to_owned()))
                    .collect::<Vec<_>>()
                    .join(", ");
                dots.push(Dot {
                    label,
                    group,
                    value,
                    lo: bound(lo)?,
                    hi: bound(hi)?,
                });
            }
        }
    }
    // Wrapped numbers (`LargestShare(0.1)`) are labelled by their numbers.
    let mut axis = sel_a
        .iter()
        .map(|(f, _)| f.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let labels: Vec<String> = dots.iter().map(|d| d.label.clone()).collect();
    if let Some((wrapper, xs)) = crate::plot::outcomes::numeric_values(&labels) {
        for (d, x) in dots.iter_mut().zip(xs) {
            d.label = fmt_num(x);
        }
        if !wrapper.is_empty() {
            axis = format!("{axis} ({wrapper})");
        }
    }
    let mut legend = vec![
        (Mark::Dot(GROUP_A), format!("group a {a}")),
        (
            Mark::Dot(GROUP_B),
            match &b {
                Some(b) => format!("group b {b}"),
                None => format!("reference value {}", fmt_num(check.b)),
            },
        ),
    ];
    if dots.iter().any(|d| d.group.is_none()) {
        legend.push((Mark::Dot(NONE_GREY), "other design points".to_owned()));
    }
    legend.push((Mark::Line(INK.mix(1.0), 3), "95 % interval".to_owned()));
    Ok(Some(CheckFigure {
        axis,
        title: format!("Check: {}", check.claim),
        subtitle: tables.headline(),
        what,
        check: check.clone(),
        dots,
        legend,
    }))
}

impl Figure for CheckFigure {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(root, &self.title, &self.subtitle, sizes)?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        let (w, _) = body.dim_in_pixel();
        let (left, right) = body.split_horizontally(w * 3 / 5);
        if !self.dots.is_empty() {
            self.draw_points(&left, sizes)?;
        }
        self.draw_difference(&right, sizes)?;
        draw_legend(&strip, &self.legend, sizes)
    }
}

impl CheckFigure {
    fn draw_points<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let (lo, hi) = self
            .dots
            .iter()
            .flat_map(|d| [d.lo, d.hi, d.value])
            .filter(|v| v.is_finite())
            .fold((0.0f64, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let hi = if hi > lo {
            hi + 0.05 * (hi - lo)
        } else {
            lo + 1.0
        };
        let n = self.dots.len();
        let labels: Vec<String> = self.dots.iter().map(|d| d.label.clone()).collect();
        let (w, _) = area.dim_in_pixel();
        let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
        let every = ((n as f64 * (widest * sizes.tick * 0.62 + sizes.tick)) / (w as f64 * 0.8))
            .ceil()
            .max(1.0) as usize;
        let label_at = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6
                && i >= 0.0
                && (i as usize) < n
                && (i as usize).is_multiple_of(every)
            {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{} at each design point", short_what(&self.what)),
                font(sizes.caption),
            )
            .margin(12)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(-0.6f64..n as f64 - 0.4, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc(self.axis.as_str())
            .y_desc(short_what(&self.what))
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(n.max(2))
            .y_labels(6)
            .x_label_formatter(&label_at)
            .y_label_formatter(&|v| fmt_num(*v))
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for (i, d) in self.dots.iter().enumerate() {
            let colour = match d.group {
                Some(true) => GROUP_A,
                Some(false) => GROUP_B,
                None => NONE_GREY,
            };
            let x = i as f64;
            chart.draw_series([
                PathElement::new(vec![(x, d.lo), (x, d.hi)], colour.stroke_width(3)),
                PathElement::new(vec![(x, d.value), (x, d.value)], colour.stroke_width(1)),
            ])?;
            chart.draw_series(std::iter::once(Circle::new(
                (x, d.value),
                (sizes.line * 2) as i32,
                colour.filled(),
            )))?;
        }
        Ok(())
    }

    fn draw_difference<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let c = &self.check;
        let (lo, hi) = [c.low, c.high, c.estimate, 0.0]
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let pad = ((hi - lo) * 0.15).max(1e-9);
        let verdict_colour = if c.pass { PASS } else { ORANGE };
        let mut chart = ChartBuilder::on(area)
            .caption(format!("a − b ({})", c.method), font(sizes.caption))
            .margin(12)
            .margin_right((sizes.tick * 1.5) as u32)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(0f64..1.0, lo - pad..hi + pad)?;
        let span = hi - lo + 2.0 * pad;
        chart
            .configure_mesh()
            .x_desc(format!("worlds: {} in a, {} in b", c.n_a, c.n_b))
            .y_desc("difference a − b")
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(0)
            .y_labels(6)
            // A tick at zero computed from a range like [-0.28, 0.11] comes out as -2.8e-17;
            // it is zero to the axis's resolution, so it is labelled 0.
            .y_label_formatter(&|v| fmt_num(if v.abs() < 1e-9 * span { 0.0 } else { *v }))
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (1.0, 0.0)],
            INK.mix(0.6).stroke_width(2),
        )))?;
        let x = 0.2;
        chart.draw_series([
            PathElement::new(
                vec![(x, c.low), (x, c.high)],
                verdict_colour.stroke_width(8),
            ),
            PathElement::new(
                vec![(x - 0.06, c.low), (x + 0.06, c.low)],
                verdict_colour.stroke_width(4),
            ),
            PathElement::new(
                vec![(x - 0.06, c.high), (x + 0.06, c.high)],
                verdict_colour.stroke_width(4),
            ),
        ])?;
        chart.draw_series(std::iter::once(Circle::new(
            (x, c.estimate),
            (sizes.line * 3) as i32,
            INK.filled(),
        )))?;
        let verdict = format!("{}: expected {}", c.verdict(), c.direction.to_lowercase());
        let reading = format!(
            "{} [{}, {}]",
            fmt_num(c.estimate),
            fmt_num(c.low),
            fmt_num(c.high)
        );
        chart.draw_series([
            EmptyElement::at((0.5, hi + pad * 0.5))
                + Text::new(
                    verdict,
                    (0, 0),
                    bold(sizes.legend)
                        .color(&verdict_colour)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ),
            EmptyElement::at((0.3, c.estimate))
                + Text::new(
                    reading,
                    (0, 0),
                    font(sizes.legend)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ),
        ])?;
        Ok(())
    }
}

/// The statistic as an axis can carry it: a share of several outcome classes
/// (`share GlobalFreeTrade+NetworkedOrder+MultilateralCore`) is longer than the panel is
/// tall, so the classes are abbreviated as in the experiments' tables (GFT, Net, Core,
/// Rival, Frag); anything else is kept as it is.
fn short_what(what: &str) -> String {
    match what.strip_prefix("share ") {
        Some(classes) if classes.contains('+') => {
            let short: Vec<&str> = classes
                .split('+')
                .map(|c| match c {
                    "GlobalFreeTrade" => "GFT",
                    "NetworkedOrder" => "Net",
                    "MultilateralCore" => "Core",
                    "RivalBlocs" => "Rival",
                    "Fragmented" => "Frag",
                    other => other,
                })
                .collect();
            format!("share {}", short.join("+"))
        }
        _ => what.to_string(),
    }
}

#[cfg(test)]
mod short_what_tests {
    use super::short_what;

    #[test]
    fn several_classes_are_abbreviated_and_one_is_kept() {
        assert_eq!(
            short_what("share GlobalFreeTrade+NetworkedOrder+MultilateralCore"),
            "share GFT+Net+Core"
        );
        assert_eq!(short_what("share RivalBlocs"), "share RivalBlocs");
        assert_eq!(short_what("mean cross_regional"), "mean cross_regional");
    }
}
