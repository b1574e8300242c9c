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

pub(crate) fn prepare(tables: &Tables) -> Result<Option<OutcomeShares>, PlotError> {
    let Some(points) = &tables.points else {
        return Ok(None);
    };
    if points.fields.len() != 1 || points.rows.is_empty() {
        return Ok(None);
    }
    let values: Vec<String> = points.rows.iter().map(|r| r.fields[0].clone()).collect();
    let order = value_order(&values);
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
        field: points.fields[0].clone(),
        labels: order.iter().map(|&i| values[i].clone()).collect(),
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
        let title = format!("Which order emerges, by {}", self.field);
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
    fn chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        caption: &str,
        y_desc: &str,
        sizes: Sizes,
    ) -> DrawResult<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, DB> {
        let n = self.labels.len();
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font(sizes.caption))
            .margin(12)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..1.06)?;
        let labels = &self.labels;
        let label_at = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(self.field.as_str())
            .y_desc(y_desc)
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(n.min(12))
            .y_labels(6)
            .x_label_formatter(&label_at)
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
        let mut chart = self.chart(
            area,
            "Share of worlds in each class (stacked)",
            "share of worlds",
            sizes,
        )?;
        let half = 0.38;
        for (i, shares) in self.shares.iter().enumerate() {
            let x = i as f64;
            let mut bottom = 0.0;
            for (class, share) in self.classes.iter().zip(shares) {
                if share.p > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - half, bottom), (x + half, bottom + share.p)],
                        class_colour(class).filled(),
                    )))?;
                }
                bottom += share.p;
            }
            // Each class's interval sits on the top edge of its own segment, spread
            // sideways so that neighbouring intervals do not hide each other.
            let mut bottom = 0.0;
            let k = shares.len().max(2) as f64;
            for (c, share) in shares.iter().enumerate() {
                if share.p > 0.0 {
                    let top = bottom + share.p;
                    let xc = x - half * 0.7 + 1.4 * half * c as f64 / (k - 1.0);
                    whisker(
                        &mut chart,
                        xc,
                        top - (share.p - share.lo),
                        top + (share.hi - share.p),
                        0.04,
                    )?;
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
        let mut chart = self.chart(area, "Probability of each class", "probability", sizes)?;
        let k = self.classes.len() as f64;
        for (c, class) in self.classes.iter().enumerate() {
            let colour = class_colour(class);
            // Spread the classes sideways so that their whiskers do not hide each other.
            let dx = (c as f64 - (k - 1.0) / 2.0) * 0.05;
            let points: Vec<(f64, f64)> = self
                .shares
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64 + dx, s[c].p))
                .collect();
            chart.draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(sizes.line),
            ))?;
            for (i, s) in self.shares.iter().enumerate() {
                let x = i as f64 + dx;
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

fn whisker<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x: f64,
    lo: f64,
    hi: f64,
    cap: f64,
) -> DrawResult<(), DB> {
    let style = INK.stroke_width(2);
    chart.draw_series([
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ])?;
    Ok(())
}
