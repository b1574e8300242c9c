//! The result tables' file names and columns, declared once: the writers (`output`,
//! `sweep::files`) build their headers from these constants and `plot::data` looks columns up
//! by them, so a renamed or reordered column cannot drift between writer and reader. Only the
//! columns the plots read are shared this way; the sweep's `replicate`, `points.csv` and
//! `sensitivity.csv` columns other than [`POINT`] are still spelled by their writer and reader.
//!
//! `timeseries.csv` and `summary.csv` carry [`crate::metrics::METRIC_COLUMNS`] after their
//! `KEY_COLUMNS`, then [`G_SHARE`] when the scenario has public goods; the sweep's
//! `series.csv` and `worlds.csv` are those tables with [`POINT`] appended.

/// The metric column present only when the scenario has a public-goods institution.
pub const G_SHARE: &str = "g_share";

/// The column that numbers a sweep's design point (`series.csv`, `worlds.csv`, `points.csv`).
pub const POINT: &str = "point";

/// The run tables, in the order `output::run_files` lists them after the manifest.
pub const RUN_TABLES: [&str; 5] = [
    timeseries::FILE,
    countries::FILE,
    agreements::FILE,
    events::FILE,
    summary::FILE,
];

/// Declares a table's module: its file name, one constant per column and the array of
/// those columns in written order (`COLUMNS`, or `KEY_COLUMNS` when metrics follow).
macro_rules! table {
    ($(#[$doc:meta])* $module:ident = $file:literal, $array:ident: $($col:ident = $name:literal),+ $(,)?) => {
        $(#[$doc])*
        pub mod $module {
            #[doc = concat!("`", $file, "`.")]
            pub const FILE: &str = $file;
            $(
                #[doc = concat!("Column `", $name, "`.")]
                pub const $col: &str = $name;
            )+
            /// The columns, in the order they are written.
            pub const $array: [&str; [$($name),+].len()] = [$($col),+];
        }
    };
}

table! {
    /// Per-tick metrics of every world.
    timeseries = "timeseries.csv", KEY_COLUMNS:
    WORLD = "world", SEED = "seed", TICK = "tick",
}

table! {
    /// Final state and outcome class of every world.
    summary = "summary.csv", KEY_COLUMNS:
    WORLD = "world", SEED = "seed", OUTCOME = "outcome", STOP_REASON = "stop_reason",
    STOP_TICK = "stop_tick",
}

table! {
    /// Every country's final state, per world.
    countries = "countries.csv", COLUMNS:
    WORLD = "world", ID = "id", ISO3 = "iso3", NAME = "name", REGION = "region", X = "x",
    Y = "y", LON = "lon", LAT = "lat", GDP = "gdp", IN_M = "in_m", IN_G = "in_g",
    LOCKED = "locked", WALL = "wall", AGREEMENTS = "agreements",
    PRIMARY_BLOC = "primary_bloc", UTILITY = "utility", GAIN = "gain",
}

table! {
    /// Every agreement ever founded, per world.
    agreements = "agreements.csv", COLUMNS:
    WORLD = "world", ID = "id", NAME = "name", KIND = "kind", DEPTH = "depth", RULE = "rule",
    REACH = "reach", FOUNDED = "founded", DISSOLVED = "dissolved", MEMBERS = "members",
    GDP_SHARE = "gdp_share",
}

table! {
    /// The event log: every move of every country, per world.
    events = "events.csv", COLUMNS:
    WORLD = "world", TICK = "tick", COUNTRY = "country", ISO3 = "iso3", MOVE = "move",
    INSTITUTION = "institution", CAUSE = "cause", VALUE = "value",
}

/// A sweep's per-tick metrics: `timeseries.csv`'s columns, then [`POINT`](super::POINT) and
/// `replicate`.
pub mod series {
    /// `series.csv`.
    pub const FILE: &str = "series.csv";
}

/// A sweep's per-world summaries: `summary.csv`'s columns, then [`POINT`](super::POINT),
/// `replicate` and the varied fields.
pub mod worlds {
    /// `worlds.csv`.
    pub const FILE: &str = "worlds.csv";
}
