//! `discover`: the result of `blocs discover`, from its two tables. Left, PRIM's peeling
//! and pasting trajectory (coverage against density, one dot per box, coloured by how many
//! fields it restricts) with the chosen box ringed; right, the chosen box: each restricted
//! field's range within the swept range, with the quasi-p-value of each limit.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::PlotError;
use crate::plot::output::{Figure, write_svg_png};
use crate::plot::style::{
    DrawResult, INK, Mark, Sizes, draw_header, draw_legend, fmt_num, font, register_fonts,
    split_legend, viridis,
};

struct Step {
    coverage: f64,
    density: f64,
    restricted: usize,
}

struct Limit {
    field: String,
    lower: f64,
    upper: f64,
    min: f64,
    max: f64,
    qp_lower: Option<f64>,
    qp_upper: Option<f64>,
}

struct Discover {
    colour: RGBColor,
    subtitle: String,
    steps: Vec<Step>,
    chosen: usize,
    limits: Vec<Limit>,
    legend: Vec<(Mark, String)>,
}

fn table(path: &Path) -> Result<Vec<csv::StringRecord>, PlotError> {
    let csv_err = |source| PlotError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut r = csv::Reader::from_path(path).map_err(csv_err)?;
    r.records().collect::<Result<_, _>>().map_err(csv_err)
}

fn num(path: &Path, rec: &csv::StringRecord, i: usize) -> Result<f64, PlotError> {
    rec.get(i)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| PlotError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("column {i} is not a number")),
        })
}

/// Draws `discover.svg` and `discover.png` in `dir` from its `trajectory.csv` and
/// `box.csv`; `chosen` is the box on the trajectory `box.csv` describes, `class` and
/// `threshold` go into the subtitle.
pub fn draw_discover(
    dir: &Path,
    class: &str,
    chosen: usize,
    threshold: f64,
) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let tpath = dir.join("trajectory.csv");
    let steps = table(&tpath)?
        .iter()
        .map(|r| {
            Ok(Step {
                coverage: num(&tpath, r, 3)?,
                density: num(&tpath, r, 4)?,
                restricted: num(&tpath, r, 6)? as usize,
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let bpath = dir.join("box.csv");
    let limits = table(&bpath)?
        .iter()
        .map(|r| {
            let opt = |i: usize| r.get(i).and_then(|v| v.parse().ok());
            Ok(Limit {
                field: r.get(0).unwrap_or("").to_owned(),
                lower: num(&bpath, r, 1)?,
                upper: num(&bpath, r, 2)?,
                min: num(&bpath, r, 3)?,
                max: num(&bpath, r, 4)?,
                qp_lower: opt(5),
                qp_upper: opt(6),
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let max_res = steps.iter().map(|s| s.restricted).max().unwrap_or(0);
    let mut legend: Vec<(Mark, String)> = (0..=max_res)
        .filter(|k| steps.iter().any(|s| s.restricted == *k))
        .map(|k| {
            (
                Mark::Dot(res_colour(k, max_res)),
                format!("{k} field{} restricted", if k == 1 { "" } else { "s" }),
            )
        })
        .collect();
    legend.push((Mark::Ring(INK), "chosen box".to_owned()));
    legend.push((
        Mark::Note,
        "quasi-p: chance of the box's count of the class without that limit; above 0.05 the limit may be noise".to_owned(),
    ));
    let chosen_step = steps.get(chosen);
    let fig = Discover {
        colour: crate::plot::class_colour(class),
        subtitle: format!(
            "{class}: box {chosen} of {}, coverage {}, density {} (threshold {})",
            steps.len(),
            chosen_step.map_or("?".into(), |s| fmt_num(s.coverage)),
            chosen_step.map_or("?".into(), |s| fmt_num(s.density)),
            fmt_num(threshold)
        ),
        steps,
        chosen,
        limits,
        legend,
    };
    write_svg_png(&fig, dir, "discover")
}

fn res_colour(k: usize, max: usize) -> RGBColor {
    viridis(if max == 0 {
        0.0
    } else {
        k as f64 / max as f64 * 0.85
    })
}

impl Figure for Discover {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(root, "Where the class is: PRIM", &self.subtitle, sizes)?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        let (left, right) = body.split_horizontally(body.dim_in_pixel().0 / 2);
        self.draw_trajectory(&left, sizes)?;
        self.draw_box(&right, sizes)?;
        draw_legend(&strip, &self.legend, sizes)
    }
}

impl Discover {
    fn draw_trajectory<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let mut chart = ChartBuilder::on(area)
            .caption("Peeling trajectory", font(sizes.caption))
            .margin(14)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
            .build_cartesian_2d(0f64..1.02, 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_desc("coverage (share of the class inside the box)")
            .y_desc("density (share of the box in the class)")
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        let max_res = self.steps.iter().map(|s| s.restricted).max().unwrap_or(0);
        chart.draw_series(std::iter::once(PathElement::new(
            self.steps
                .iter()
                .map(|s| (s.coverage, s.density))
                .collect::<Vec<_>>(),
            INK.mix(0.3).stroke_width(1),
        )))?;
        let r = (sizes.line * 2) as i32;
        chart.draw_series(self.steps.iter().map(|s| {
            Circle::new(
                (s.coverage, s.density),
                r,
                res_colour(s.restricted, max_res).filled(),
            )
        }))?;
        if let Some(s) = self.steps.get(self.chosen) {
            chart.draw_series(std::iter::once(Circle::new(
                (s.coverage, s.density),
                r * 3,
                INK.stroke_width(3),
            )))?;
        }
        Ok(())
    }

    fn draw_box<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sizes: Sizes,
    ) -> DrawResult<(), DB> {
        let n = self.limits.len().max(1);
        let mut chart = ChartBuilder::on(area)
            .caption("The chosen box", font(sizes.caption))
            .margin(14)
            .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
            .y_label_area_size(10)
            .build_cartesian_2d(0f64..1.0, -0.5f64..n as f64 - 0.5)?;
        chart
            .configure_mesh()
            .x_desc("position within the swept range (0 = min, 1 = max)")
            .axis_desc_style(font(sizes.axis))
            .label_style(font(sizes.tick))
            .x_labels(6)
            .y_labels(0)
            .x_label_formatter(&|v| fmt_num(*v))
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        if self.limits.is_empty() {
            chart.draw_series(std::iter::once(Text::new(
                "no field restricted: the box is the whole swept range".to_owned(),
                (0.5, 0.0),
                font(sizes.tick)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
        let h = 0.18;
        for (i, l) in self.limits.iter().enumerate() {
            // Top to bottom in table order.
            let y = (n - 1 - i) as f64;
            let span = (l.max - l.min).max(f64::MIN_POSITIVE);
            let (a, b) = ((l.lower - l.min) / span, (l.upper - l.min) / span);
            chart.draw_series([
                Rectangle::new([(0.0, y - h), (1.0, y + h)], BLACK.mix(0.08).filled()),
                Rectangle::new([(a, y - h), (b, y + h)], self.colour.mix(0.8).filled()),
            ])?;
            let qp = |q: Option<f64>| q.map_or("–".to_owned(), fmt_qp);
            chart.draw_series([
                Text::new(
                    format!("{}: {} to {}", l.field, fmt_num(l.lower), fmt_num(l.upper)),
                    (0.0, y + h + 0.05),
                    font(sizes.tick)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                ),
                // Under the bar, so that long names and ranges never run into it.
                Text::new(
                    format!(
                        "quasi-p: lower {}, upper {}",
                        qp(l.qp_lower),
                        qp(l.qp_upper)
                    ),
                    (0.0, y - h - 0.04),
                    font(sizes.tick * 0.85)
                        .color(&RGBColor(0x44, 0x44, 0x44))
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ),
            ])?;
        }
        Ok(())
    }
}

fn fmt_qp(q: f64) -> String {
    if q < 1e-3 {
        format!("{q:.1e}")
    } else {
        fmt_num(q)
    }
}
