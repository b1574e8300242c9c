//! A CSV table read whole and addressed by column name, with typed cell access whose errors name file, row and column.

use std::path::{Path, PathBuf};

use crate::plot::PlotError;

/// A column of a [`Table`], found by name once and then used for every row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col(usize);

pub(crate) struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Result<Table, PlotError> {
        let csv_err = |source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(|e| PlotError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(std::io::BufReader::new(file));
        let headers = reader
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(csv_err)?;
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn col(&self, name: &str) -> Result<Col, PlotError> {
        self.opt_col(name).ok_or_else(|| PlotError::MissingColumn {
            path: self.path.clone(),
            column: name.to_owned(),
        })
    }

    pub(crate) fn opt_col(&self, name: &str) -> Option<Col> {
        self.headers.iter().position(|h| h == name).map(Col)
    }

    pub(crate) fn col_at(&self, index: usize) -> Col {
        Col(index)
    }

    pub(crate) fn text(&self, row: usize, col: Col) -> &str {
        self.rows[row].get(col.0).unwrap_or("")
    }

    pub(crate) fn f64(&self, row: usize, col: Col) -> Result<f64, PlotError> {
        self.opt_f64(row, col)?
            .ok_or_else(|| self.bad(row, col, "a number is required here"))
    }

    /// An empty cell is `None`; Rust's `inf`, `-inf` and `NaN` spellings are numbers.
    pub(crate) fn opt_f64(&self, row: usize, col: Col) -> Result<Option<f64>, PlotError> {
        let cell = self.text(row, col);
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse::<f64>()
            .map(Some)
            .map_err(|_| self.bad(row, col, "expected a number"))
    }

    /// Like [`Table::opt_f64`] but an empty cell reads as NaN, which the figures skip.
    pub(crate) fn f64_or_nan(&self, row: usize, col: Col) -> Result<f64, PlotError> {
        Ok(self.opt_f64(row, col)?.unwrap_or(f64::NAN))
    }

    pub(crate) fn u64(&self, row: usize, col: Col) -> Result<u64, PlotError> {
        self.opt_u64(row, col)?
            .ok_or_else(|| self.bad(row, col, "a whole number is required here"))
    }

    pub(crate) fn opt_u64(&self, row: usize, col: Col) -> Result<Option<u64>, PlotError> {
        let cell = self.text(row, col);
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse::<u64>()
            .map(Some)
            .map_err(|_| self.bad(row, col, "expected a whole number ≥ 0"))
    }

    pub(crate) fn bool(&self, row: usize, col: Col) -> Result<bool, PlotError> {
        match self.text(row, col) {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.bad(row, col, "expected `true` or `false`")),
        }
    }

    pub(crate) fn bad(&self, row: usize, col: Col, problem: &'static str) -> PlotError {
        let line = self.rows[row]
            .position()
            .map_or(row as u64 + 2, |p| p.line());
        PlotError::BadValue {
            path: self.path.clone(),
            row: row + 1,
            line,
            column: self.headers.get(col.0).cloned().unwrap_or_default(),
            value: self.text(row, col).to_owned(),
            problem,
        }
    }
}
