//! `outcomes`: for a sweep over one field, the share of worlds in each class along it, with Wilson intervals.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::plot::data::{Share, Tables};
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, INK, Mark, Sizes, draw_header, draw_legend, fmt_num, font, split_legend,
};
use crate::plot::{PlotError, class_colour};

pub(crate) struct OutcomeShares {
    subtitle: String,
    field: String,
    labels: Vec<String>,
    /// Where each point sits on the x axis: its number, when every value is a number
    /// (possibly wrapped, as in `LargestShare(0.3)`), else its rank.
    xs: Vec<f64>,
    numeric: bool,
    classes: Vec<String>,
    /// `shares[point][class]`.
    shares: Vec<Vec<Share>>,
    legend: Vec<(Mark, String)>,
}

/// Orders sweep values numerically when they all are numbers, else keeps table order.
pub(crate) fn value_order(values: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        order.sort_by(|&a, &b| numbers[a].total_cmp(&numbers[b]));
    }
    order
}

/// The numbers inside values such as `0.3` or `LargestShare(0.3)`, with the wrapper's
/// name (`LargestShare`), when every value has the same wrapper; `None` otherwise.
pub(crate) fn numeric_values(values: &[String]) -> Option<(String, Vec<f64>)> {
    let split = |v: &str| -> Option<(String, f64)> {
        if let Ok(x) = v.trim().parse::<f64>() {
            return Some((String::new(), x));
        }
        let (name, rest) = v.trim().split_once('(')?;
        let inner = rest.strip_suffix(')')?;
        Some((name.to_owned(), inner.trim().parse().ok()?))
    };
    let parsed: Vec<(String, f64)> = values.iter().map(|v| split(v)).collect::<Option<_>>()?;
    let wrapper = parsed.first()?.0.clone();
    if parsed.iter().any(|(w, x)| *w != wrapper || !x.is_finite()) {
        return None;
    }
    Some((wrapper, parsed.into_iter().map(|(_, x)| x).collect()))
}

pub(crate) fn prepare(tables: &Tables) -> Result<Option<OutcomeShares>, PlotError> {
    let Some(points) = &tables.points else {
        return Ok(None);
    };
    if points.fields.len() != 1 || points.rows.is_empty() {
        return Ok(None);
    }
    let values: Vec<String> = points.rows.iter().map(|r| r.fields[0].clone()).collect();
    let numbers = numeric_values(&values);
    let order = match &numbers {
        Some((_, xs)) => {
            let mut order: Vec<usize> = (0..xs.len()).collect();
            order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
            order
        }
        None => value_order(&values),
    };
    let (field, xs, numeric) = match &numbers {
        Some((wrapper, xs)) => (
            if wrapper.is_empty() {
                points.fields[0].clone()
            } else {
                format!("{} ({wrapper})", points.fields[0])
            },
            order.iter().map(|&i| xs[i]).collect(),
            true,
        ),
        None => (
            points.fields[0].clone(),
            (0..order.len()).map(|i| i as f64).collect(),
            false,
        ),
    };
    let classes = points.classes.clone();
    let shares = order
        .iter()
        .map(|&i| {
            classes
                .iter()
                .map(|c| points.share(&points.rows[i], c))
                .collect()
        })
        .collect();
    let mut legend: Vec<(Mark, String)> = classes
        .iter()
        .map(|c| (Mark::Square(class_colour(c)), c.clone()))
        .collect();
    legend.push((
        Mark::Line(INK.mix(1.0), 2),
        "95 % Wilson interval".to_owned(),
    ));
    let n_total: u64 = points.rows.iter().map(|r| r.n).sum();
    Ok(Some(OutcomeShares {
        subtitle: if tables.world_count() > 0 {
            tables.headline()
        } else {
            format!("{} · {n_total} worlds", tables.headline())
        },
        field,
        labels: order.iter().map(|&i| values[i].clone()).collect(),
        xs,
        numeric,
        classes,
        shares,
        legend,
    }))
}

impl Figure for OutcomeShares {
    fn size(&self) -> (u32, u32) {
        (1600, 1100)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let title = format!(
            "Which order emerges, by {}",
            self.field.split(' ').next().unwrap_or_default()
        );
        let body = draw_header(root, &title, &self.subtitle, sizes)?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        let (_, h) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(h / 2);
        self.draw_stacked(&top, sizes)?;
        self.draw_lines(&bottom, sizes)?;
        draw_legend(&strip, &self.legend, sizes)
    }
}

impl OutcomeShares {
    /// The smallest gap between neighbouring points on the x axis (1 for one point).
    fn spacing(&self) -> f64 {
        self.xs
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.0)
            .fold(f64::INFINITY, f64::min)
            .min(if self.xs.len() > 1 {
                f64::INFINITY
            } else {
                1.0
            })
            .max(1e-9)
    }

    fn chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        caption: &str,
        y_desc: &str,
        y_max: f64,
        sizes: Sizes,
    ) -> DrawResult<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, DB> {
        let (x_lo, x_hi) = (self.xs[0], self.xs[self.xs.len() - 1]);
        let pad = self.spacing() * 0.6;
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font(sizes.caption))
            .margin(12)
            .margin_right((sizes.tick * 1.5) as u32)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(x_lo - pad..x_hi + pad, 0f64..y_max)?;
        let labels = &self.labels;
        // Categories: label every k-th one, so that long names never run into each other.
        let (w, _) = area.dim_in_pixel();
        let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
        let fits = ((w as f64 * 0.85) / (widest * sizes.tick * 0.62 + sizes.tick)).max(1.0);
        let every = (labels.len() as f64 / fits).ceil().max(1.0) as usize;
        let label_at = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                if (i as usize).is_multiple_of(every) {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            } else {
                String::new()
            }
        };
        let number_at = |v: &f64| fmt_num(*v);
        let x_labels = if self.numeric { 8 } else { labels.len() };
        chart
            .configure_mesh()
            .x_desc(self.field.as_str())
            .y_desc(y_desc)
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(x_labels)
            .y_labels(6)
            .x_label_formatter(if self.numeric { &number_at } else { &label_at })
            .y_label_formatter(&|v| fmt_num(*v))
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        Ok(chart)
    }

    fn draw_stacked<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        // Intervals belong to one class's share, not to a stacked edge: they are drawn in
        // the panel below, so no whisker here can leave the 0–1 range.
        let mut chart = self.chart(
            area,
            "Share of worlds in each class (stacked; intervals below)",
            "share of worlds",
            1.0,
            sizes,
        )?;
        let half = 0.38 * self.spacing();
        for (&x, shares) in self.xs.iter().zip(&self.shares) {
            let mut bottom = 0.0;
            for (class, share) in self.classes.iter().zip(shares) {
                if share.p > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - half, bottom), (x + half, (bottom + share.p).min(1.0))],
                        class_colour(class).filled(),
                    )))?;
                }
                bottom += share.p;
            }
        }
        Ok(())
    }

    fn draw_lines<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let mut chart = self.chart(
            area,
            "Probability of each class",
            "probability",
            1.06,
            sizes,
        )?;
        let spacing = self.spacing();
        let k = self.classes.len() as f64;
        for (c, class) in self.classes.iter().enumerate() {
            let colour = class_colour(class);
            // Spread the classes sideways so that their whiskers do not hide each other.
            let dx = (c as f64 - (k - 1.0) / 2.0) * 0.05 * spacing;
            let points: Vec<(f64, f64)> = self
                .xs
                .iter()
                .zip(&self.shares)
                .map(|(&x, s)| (x + dx, s[c].p))
                .collect();
            chart.draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(sizes.line),
            ))?;
            for (&x, s) in self.xs.iter().zip(&self.shares) {
                let x = x + dx;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, s[c].lo), (x, s[c].hi)],
                    colour.stroke_width(2),
                )))?;
            }
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, (sizes.line * 2) as i32, colour.filled())),
            )?;
        }
        Ok(())
    }
}
