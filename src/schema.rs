//! The result tables' file names and columns, declared once: the writers (`output`,
//! `sweep::files`) build their headers from these constants and `plot::data` looks columns up
//! by them, so a renamed or reordered column cannot drift between writer and reader. The
//! sweep's `points.csv` columns depend on the experiment (its varied fields, metrics and the
//! outcome classes), so [`points`] declares how they are named rather than listing them.
//!
//! `timeseries.csv` and `summary.csv` carry [`crate::metrics::METRIC_COLUMNS`] after their
//! `KEY_COLUMNS`, then [`G_SHARE`] when the scenario has public goods; the sweep's
//! `series.csv` and `worlds.csv` are those tables with [`POINT`] appended.

/// The metric column present only when the scenario has a public-goods institution.
pub const G_SHARE: &str = "g_share";

/// The column that numbers a sweep's design point (`series.csv`, `worlds.csv`, `points.csv`).
pub const POINT: &str = "point";

/// The column that numbers a world's replicate at its design point (`series.csv`,
/// `worlds.csv`).
pub const REPLICATE: &str = "replicate";

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

/// A sweep's per-point aggregates: [`POINT`](super::POINT), the varied fields, [`N`], then
/// for each recorded metric its [`METRIC_STATS`] columns ([`metric_column`]) and for each
/// outcome class its share with the interval's ends ([`share_columns`]).
pub mod points {
    /// `points.csv`.
    pub const FILE: &str = "points.csv";
    /// Column `n`: the worlds at the point; the varied fields stand between `point` and it.
    pub const N: &str = "n";
    /// The statistics written for each metric, in order.
    pub const METRIC_STATS: [&str; 4] = ["mean", "sd", "lo", "hi"];
    /// The prefix of a class-share column.
    pub const SHARE_PREFIX: &str = "p_";

    /// The column of statistic `stat` (one of [`METRIC_STATS`]) of `metric`.
    pub fn metric_column(metric: &str, stat: &str) -> String {
        format!("{metric}_{stat}")
    }

    /// A class's share column and its interval's low and high ends.
    pub fn share_columns(class: &str) -> [String; 3] {
        let p = format!("{SHARE_PREFIX}{class}");
        [p.clone(), format!("{p}_lo"), format!("{p}_hi")]
    }
}

table! {
    /// First-order, total and Morris indices of each output and swept field.
    sensitivity = "sensitivity.csv", COLUMNS:
    METHOD = "method", OUTPUT = "output", PARAMETER = "parameter", S1 = "s1", S1_LO = "s1_lo",
    S1_HI = "s1_hi", ST = "st", ST_LO = "st_lo", ST_HI = "st_hi", MU_STAR = "mu_star",
    SIGMA = "sigma", MU = "mu",
}

table! {
    /// Second-order Sobol indices of each pair of swept fields.
    sensitivity_s2 = "sensitivity_s2.csv", COLUMNS:
    OUTPUT = "output", PARAMETER_A = "parameter_a", PARAMETER_B = "parameter_b", S2 = "s2",
    S2_LO = "s2_lo", S2_HI = "s2_hi",
}

table! {
    /// Sobol indices estimated from the first base samples, for growing sample counts.
    sensitivity_convergence = "sensitivity_convergence.csv", COLUMNS:
    OUTPUT = "output", PARAMETER = "parameter", BASE_SAMPLES = "base_samples", S1 = "s1",
    ST = "st",
}
