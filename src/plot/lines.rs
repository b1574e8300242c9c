//! A plain line chart of several series over one numeric x column: the docking figures
//! (welfare against the number of blocs, gains against the tariff).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::PlotError;
use crate::plot::output::{Figure, write_svg_png};
use crate::plot::style::{
    BLOC_PALETTE, DrawResult, Mark, Sizes, draw_header, draw_legend, fmt_num, font, padded_range,
    register_fonts, split_legend,
};

/// One line: its legend label and its points.
pub type Series = (String, Vec<(f64, f64)>);

struct Lines<'a> {
    title: &'a str,
    subtitle: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
}

impl Figure for Lines<'_> {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let area = draw_header(root, self.title, self.subtitle, sizes)?;
        // The legend sits in a strip below the plot, as in every other figure, so it can
        // never cover a line.
        let legend: Vec<(Mark, String)> = self
            .series
            .iter()
            .enumerate()
            .map(|(k, (label, _))| {
                (
                    Mark::Line(BLOC_PALETTE[k % BLOC_PALETTE.len()].mix(1.0), 4),
                    label.clone(),
                )
            })
            .collect();
        let (area, strip) = split_legend(&area, &legend, sizes);
        let points = || self.series.iter().flat_map(|s| s.1.iter());
        let (x0, x1) = padded_range(points().map(|p| p.0));
        let (y0, y1) = padded_range(points().map(|p| p.1));
        // A whole-number axis (blocs, countries) gets whole-number ticks only.
        let whole = points().all(|p| p.0.fract() == 0.0);
        let x_format = |v: &f64| {
            if whole && (v - v.round()).abs() > 1e-9 {
                String::new()
            } else {
                fmt_num(*v)
            }
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right((sizes.tick * 1.5) as u32)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.2 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&x_format)
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for (k, (_, pts)) in self.series.iter().enumerate() {
            let colour = BLOC_PALETTE[k % BLOC_PALETTE.len()];
            chart.draw_series(LineSeries::new(
                pts.iter().copied(),
                colour.stroke_width(sizes.line),
            ))?;
            chart.draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, sizes.line as i32 + 2, colour.filled())),
            )?;
        }
        draw_legend(&strip, &legend, sizes)
    }
}

/// Draws `<stem>.svg` and `<stem>.png` into `dir`.
pub fn line_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    subtitle: &str,
    axes: (&str, &str),
    series: &[Series],
) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let fig = Lines {
        title,
        subtitle,
        x_label: axes.0,
        y_label: axes.1,
        series,
    };
    write_svg_png(&fig, dir, stem)
}

/// The numeric columns of a table (first row = header) as series over its first column;
/// cells that are not numbers (such as `-`) are left out.
pub fn table_series(table: &[Vec<String>]) -> Vec<Series> {
    let Some((header, rows)) = table.split_first() else {
        return Vec::new();
    };
    (1..header.len())
        .map(|c| {
            let pts = rows
                .iter()
                .filter_map(|r| {
                    Some((
                        r.first()?.parse::<f64>().ok()?,
                        r.get(c)?.parse::<f64>().ok()?,
                    ))
                })
                .collect();
            (header[c].clone(), pts)
        })
        .filter(|s: &Series| !s.1.is_empty())
        .collect()
}

/// Series of a long table (first row = header): `y` against `x`, one series per value
/// of `group` in order of appearance, labelled by `label(value)`; rows whose cells are
/// not numbers (empty for a missing value) are left out.
pub fn long_series(
    table: &[Vec<String>],
    (x, group, y): (&str, &str, &str),
    label: impl Fn(&str) -> String,
) -> Vec<Series> {
    let Some((header, rows)) = table.split_first() else {
        return Vec::new();
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(xc), Some(gc), Some(yc)) = (col(x), col(group), col(y)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Series)> = Vec::new();
    for r in rows {
        let (Some(g), Some(Ok(xv)), Some(Ok(yv))) = (
            r.get(gc),
            r.get(xc).map(|v| v.parse::<f64>()),
            r.get(yc).map(|v| v.parse::<f64>()),
        ) else {
            continue;
        };
        match out.iter_mut().find(|(k, _)| k == g) {
            Some((_, s)) => s.1.push((xv, yv)),
            None => out.push((g.clone(), (label(g), vec![(xv, yv)]))),
        }
    }
    out.into_iter().map(|(_, s)| s).collect()
}
