//! `phase`, `phase_networked`, `phase_rival`: heat maps over a two-field sweep of the most frequent class and of two class probabilities.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::data::Tables;
use crate::plot::outcomes::value_order;
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, Mark, NONE_GREY, Sizes, draw_header, draw_legend, fmt_num, font, split_legend,
    text_on, viridis,
};
use crate::plot::{CLASSES, PlotError, class_colour};

/// Grids larger than this get no numbers in the cells: they would not fit.
const MAX_LABELLED: usize = 16;

pub(crate) struct Phase {
    title: String,
    subtitle: String,
    x_field: String,
    y_field: String,
    x_labels: Vec<String>,
    y_labels: Vec<String>,
    cells: Vec<Cell>,
    key: Key,
}

struct Cell {
    ix: usize,
    iy: usize,
    colour: RGBColor,
    text: String,
}

enum Key {
    Classes(Vec<(Mark, String)>),
    Scale(String),
}

pub(crate) fn prepare(tables: &Tables) -> Result<Vec<(String, Phase)>, PlotError> {
    let Some(points) = &tables.points else {
        return Ok(Vec::new());
    };
    if points.fields.len() != 2 || points.rows.is_empty() {
        return Ok(Vec::new());
    }
    let axis = |f: usize| {
        let mut seen: Vec<String> = Vec::new();
        for r in &points.rows {
            if !seen.contains(&r.fields[f]) {
                seen.push(r.fields[f].clone());
            }
        }
        value_order(&seen)
            .into_iter()
            .map(|i| seen[i].clone())
            .collect::<Vec<_>>()
    };
    let (x_labels, y_labels) = (axis(0), axis(1));
    let position = |labels: &[String], v: &str| labels.iter().position(|l| l == v).unwrap_or(0);
    let labelled = x_labels.len() <= MAX_LABELLED && y_labels.len() <= MAX_LABELLED;
    let text = |p: f64| {
        if labelled {
            format!("{p:.2}")
        } else {
            String::new()
        }
    };

    let grid = |cell: &dyn Fn(&crate::plot::PointRow) -> (RGBColor, String)| -> Vec<Cell> {
        points
            .rows
            .iter()
            .map(|r| {
                let (colour, text) = cell(r);
                Cell {
                    ix: position(&x_labels, &r.fields[0]),
                    iy: position(&y_labels, &r.fields[1]),
                    colour,
                    text,
                }
            })
            .collect()
    };
    let base = |title: String, cells: Vec<Cell>, key: Key| Phase {
        title,
        subtitle: tables.headline(),
        x_field: points.fields[0].clone(),
        y_field: points.fields[1].clone(),
        x_labels: x_labels.clone(),
        y_labels: y_labels.clone(),
        cells,
        key,
    };

    let dominant = grid(&|r| {
        // Strictly greater keeps ties with the class listed first.
        let mut best: Option<(usize, f64)> = None;
        for (c, s) in r.shares.iter().enumerate() {
            if best.is_none_or(|(_, p)| s.p > p) {
                best = Some((c, s.p));
            }
        }
        match best {
            Some((c, p)) if p > 0.0 => (class_colour(&points.classes[c]), text(p)),
            _ => (NONE_GREY, String::new()),
        }
    });
    let mut legend: Vec<(Mark, String)> = points
        .classes
        .iter()
        .map(|c| (Mark::Square(class_colour(c)), c.clone()))
        .collect();
    if labelled {
        legend.push((
            Mark::Note,
            "number: share of worlds in that class".to_owned(),
        ));
    }
    let mut out = vec![(
        "phase".to_owned(),
        base(
            "Most frequent outcome".to_owned(),
            dominant,
            Key::Classes(legend),
        ),
    )];
    for (stem, class) in [("phase_networked", CLASSES[1]), ("phase_rival", CLASSES[3])] {
        let ps: Vec<f64> = points
            .rows
            .iter()
            .map(|r| points.share(r, class).p)
            .collect();
        let (lo, hi) = ps
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &p| {
                (a.min(p), b.max(p))
            });
        // One colour everywhere says nothing a sentence could not: the report says it.
        if hi - lo < 1e-12 {
            continue;
        }
        let cells = grid(&|r| {
            let p = points.share(r, class).p;
            (viridis(p), text(p))
        });
        out.push((
            stem.to_owned(),
            base(
                format!("Probability of {class}"),
                cells,
                Key::Scale(format!("P({class})")),
            ),
        ));
    }
    Ok(out)
}

impl Figure for Phase {
    fn size(&self) -> (u32, u32) {
        (1600, 1100)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(root, &self.title, &self.subtitle, sizes)?;
        match &self.key {
            Key::Classes(legend) => {
                let (body, strip) = split_legend(&body, legend, sizes);
                self.draw_grid(&body, sizes)?;
                draw_legend(&strip, legend, sizes)
            }
            Key::Scale(label) => {
                let (w, _) = body.dim_in_pixel();
                let (main, bar) = body.split_horizontally(w - 260);
                self.draw_grid(&main, sizes)?;
                draw_colour_bar(&bar, label, sizes)
            }
        }
    }
}

impl Phase {
    fn draw_grid<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let (nx, ny) = (self.x_labels.len(), self.y_labels.len());
        let label_len = self
            .y_labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1);
        let mut chart = ChartBuilder::on(area)
            .margin(20)
            .x_label_area_size((sizes.tick * 1.6 + sizes.axis * 1.6) as u32)
            .y_label_area_size((sizes.tick * 0.7 * label_len as f64 + sizes.axis * 2.2) as u32)
            .build_cartesian_2d(-0.5f64..nx as f64 - 0.5, -0.5f64..ny as f64 - 0.5)?;
        let pick = |labels: &[String], v: f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(self.x_field.as_str())
            .y_desc(self.y_field.as_str())
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(nx.min(12))
            .y_labels(ny.min(12))
            .x_label_formatter(&|v| pick(&self.x_labels, *v))
            .y_label_formatter(&|v| pick(&self.y_labels, *v))
            .disable_mesh()
            .draw()?;
        chart.draw_series(self.cells.iter().map(|c| {
            let (x, y) = (c.ix as f64, c.iy as f64);
            Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], c.colour.filled())
        }))?;
        chart.draw_series(self.cells.iter().map(|c| {
            let (x, y) = (c.ix as f64, c.iy as f64);
            Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                WHITE.stroke_width(2),
            )
        }))?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let cell_px = (pw as f64 / nx as f64).min(ph as f64 / ny as f64);
        let size = (cell_px / 3.2).min(sizes.tick * 1.2);
        if size >= 10.0 {
            chart.draw_series(self.cells.iter().filter(|c| !c.text.is_empty()).map(|c| {
                Text::new(
                    c.text.clone(),
                    (c.ix as f64, c.iy as f64),
                    font(size)
                        .color(&text_on(c.colour))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            }))?;
        }
        Ok(())
    }
}

fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom((sizes.tick * 1.6 + sizes.axis * 1.6) as u32 + 20)
        .margin_right(20)
        .y_label_area_size((sizes.tick * 2.6 + sizes.axis * 1.6) as u32)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .y_labels(6)
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    let steps = 100;
    chart.draw_series((0..steps).map(|i| {
        let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
        Rectangle::new([(0.0, a), (1.0, b)], viridis((a + b) / 2.0).filled())
    }))?;
    Ok(())
}
