//! The command line: argument parsing, progress, summaries and exit codes.
//!
//! Only this module and `main.rs` print, and only they see `anyhow`. Exit codes: 0
//! success, 1 a check ran and did not reproduce, 2 any error, after one line that names
//! the file, field or directory at fault.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use blocs::config::Scenario;
use blocs::metrics::Outcome;
use blocs::model::StopReason;
use blocs::output::{Manifest, RunWriter, Staging, check_target, run_rows};
use blocs::rng::RNG_ALGORITHM;
use blocs::runner::run_in_order;
use blocs::scheduler::WorldResult;

mod discover;
mod limits;
mod reproduce;
mod sweep;

/// blocs: building blocks or stumbling blocks? An agent-based model of regional
/// agreements and a multilateral institution.
#[derive(Debug, Parser)]
#[command(name = "blocs", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one or many worlds of a scenario and write output/<name>/.
    Run(RunArgs),
    /// Redraw the figures and report of a finished run or sweep from its tables.
    Plot {
        /// The result directory.
        dir: PathBuf,
        /// Draw only this figure (convergence, outcomes, phase, map, map.gif, sensitivity, gridlock).
        #[arg(long)]
        only: Option<String>,
    },
    /// Reproduce the published results blocs builds on (docking) and report PASS/FAIL.
    Dock {
        /// One experiment (krugman1991, yi1996, goyal_joshi2006, krishna1998); all when absent.
        name: Option<String>,
        /// Run one experiment with the parameters in this file, named like the shipped one
        /// (an edited copy of experiments/docking/yi1996.ron, say, with `concept: CoalitionMerger`).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Result directory (default: output/dock).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace existing results.
        #[arg(long)]
        force: bool,
    },
    /// Run a sweep: many worlds over a design of scenario fields (README, Sweeps).
    Sweep(sweep::SweepArgs),
    /// Run the seed texts' claims as checked experiments (experiments/eNN_*) and report PASS/FAIL.
    Reproduce(reproduce::ReproduceArgs),
    /// Scenario discovery: which ranges of the swept fields lead to an outcome class (PRIM).
    Discover(discover::DiscoverArgs),
    /// Combine the shard directories of one sweep into the files an unsharded run writes.
    Merge(sweep::MergeArgs),
    /// How close a scenario's start is to a rest point: each country's best response at tick 0.
    Calibrate {
        /// Scenario file (RON); the built-in default when absent.
        scenario: Option<PathBuf>,
        /// Master seed (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Check worlds 0..W (their stochastic parts differ).
        #[arg(long, default_value_t = 1)]
        worlds: u32,
        /// List at most this many movers of world 0.
        #[arg(long, default_value_t = 40)]
        list: usize,
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files (RON).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

/// Arguments of `blocs run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (RON); the built-in default when absent.
    pub scenario: Option<PathBuf>,
    /// Master seed (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of worlds (overrides the scenario's).
    #[arg(long)]
    pub worlds: Option<u32>,
    /// Result directory (default: output/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing result directory.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not draw figures or the HTML report.
    #[arg(long)]
    pub no_plots: bool,
    /// Rerun one world of a sweep directory exactly (with --world).
    #[arg(long, requires = "world", conflicts_with_all = ["scenario", "seed", "worlds"])]
    pub from_sweep: Option<PathBuf>,
    /// The index of the sweep world to rerun (the `world` column of worlds.csv).
    #[arg(long, requires = "from_sweep")]
    pub world: Option<u64>,
}

/// What a command that ran to its end found: exit code 0, or 1 when a check it ran did
/// not reproduce. Every error (bad arguments or input, a failed write) is exit code 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything asked for was done (and every check passed).
    Done,
    /// The command ran, but a check it ran did not reproduce.
    NotReproduced,
}

impl Verdict {
    /// The process exit code: 0 done, 1 not reproduced.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Done => 0,
            Verdict::NotReproduced => 1,
        }
    }
}

/// Runs the command line; returns the process exit code: 0 success, 1 a check ran and did
/// not reproduce, 2 a usage or input error (README, Command line).
pub fn main_with(args: impl IntoIterator<Item = String>) -> std::process::ExitCode {
    let args: Vec<String> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    match dispatch(cli, &args) {
        Ok(verdict) => std::process::ExitCode::from(verdict.exit_code()),
        Err(err) => {
            eprintln!("blocs: error: {}", error_text(&err));
            std::process::ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, each said once: many errors already quote their
/// cause, which `{:#}` would print a second time.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let c = cause.to_string();
        if text.contains(&c) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&c);
    }
    text
}

fn dispatch(cli: Cli, args: &[String]) -> anyhow::Result<Verdict> {
    let done = |r: anyhow::Result<()>| r.map(|()| Verdict::Done);
    match cli.command {
        Command::Run(run) if run.from_sweep.is_some() => done(sweep::cmd_run_from_sweep(run, args)),
        Command::Run(run) => done(cmd_run(run, args)),
        Command::Dock {
            name,
            params,
            out,
            force,
        } => cmd_dock(name.as_deref(), params.as_deref(), out, force, args),
        Command::Sweep(sweep) => done(sweep::cmd_sweep(sweep, args)),
        Command::Merge(merge) => done(sweep::cmd_merge(merge, args)),
        Command::Discover(d) => done(discover::cmd_discover(d)),
        Command::Reproduce(r) => reproduce::cmd_reproduce(r, args),
        Command::Plot { dir, only } => {
            let files = draw(&dir, only.as_deref())?;
            println!("blocs plot: {} files in {}", files.len(), dir.display());
            Ok(Verdict::Done)
        }
        Command::Calibrate {
            scenario,
            seed,
            worlds,
            list,
        } => {
            let (scenario, spec, _) = load_scenario(scenario.as_deref())?;
            anyhow::ensure!(worlds >= 1, "--worlds 0: must be at least 1");
            limits::check_worlds("--worlds", u64::from(worlds))?;
            // Calibration keeps every world it builds, for the report.
            let n = scenario.countries_count() as u64;
            limits::check_bytes(
                u64::from(worlds) * limits::world_bytes(n, 0, spec.events.len() as u64),
                &format!("--worlds {worlds}: calibrating that many worlds of N = {n} countries"),
            )?;
            let seed = seed.unwrap_or(scenario.seed);
            let results: Vec<_> = (0..u64::from(worlds))
                .map(|w| blocs::calibrate::calibrate(&spec, seed, w))
                .collect();
            println!(
                "blocs calibrate: scenario `{}`, seed {seed}: best responses at tick 0, nothing applied",
                scenario.name
            );
            print!(
                "{}",
                without_negative_zeros(&blocs::calibrate::report(&results, list))
            );
            Ok(Verdict::Done)
        }
        Command::Check { scenarios } => {
            for path in scenarios {
                println!("{}: ok ({})", path.display(), check_file(&path)?);
            }
            Ok(Verdict::Done)
        }
    }
}

/// Validates a scenario or an experiment file (told apart by an experiment's `design`);
/// returns what it is.
fn check_file(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if looks_like_experiment(&text) {
        let plan = blocs::sweep::experiment::Plan::load(path)?;
        return Ok(format!(
            "experiment `{}`: {} points × {} replications = {} worlds",
            plan.name,
            plan.points,
            plan.replications,
            plan.worlds()
        ));
    }
    let scenario = Scenario::parse(&text, path)?;
    scenario.validate(path)?;
    Ok(scenario.name)
}

/// Whether RON text is an experiment: it has a top-level `design` or `base` field, which
/// no scenario has.
fn looks_like_experiment(text: &str) -> bool {
    ["design", "base", "replications", "bootstrap"]
        .iter()
        .any(|f| {
            text.match_indices(f).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                before.is_none_or(|c| c == '(' || c == ',' || c.is_whitespace())
                    && text[at + f.len()..].trim_start().starts_with(':')
            })
        })
}

/// Loads a scenario file (or the built-in default) and validates it.
pub fn load_scenario(
    path: Option<&Path>,
) -> anyhow::Result<(Scenario, blocs::model::WorldSpec, String)> {
    let (scenario, label) = match path {
        Some(p) => (blocs::input::read_scenario(p)?, p.display().to_string()),
        None => (Scenario::builtin_default(), "built-in default".to_string()),
    };
    let spec = scenario.validate(Path::new(&label))?;
    Ok((scenario, spec, label))
}

fn cmd_run(args: RunArgs, argv: &[String]) -> anyhow::Result<()> {
    let (mut scenario, spec, label) = load_scenario(args.scenario.as_deref())?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(w) = args.worlds {
        anyhow::ensure!(w >= 1, "--worlds 0: must be at least 1");
        limits::check_worlds("--worlds", u64::from(w))?;
        scenario.worlds = w;
    }
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            blocs::output::check_name("the scenario's `name`", &scenario.name)?;
            Path::new("output").join(&scenario.name)
        }
    };
    check_target(&out, args.force)?;
    let threads = limits::threads("--threads", args.threads)?;
    limits::check_memory(&scenario, &spec, threads)?;
    let worlds = u64::from(scenario.worlds);
    let start = Instant::now();
    let staging = Staging::new(&out, args.force)?;
    let with_g = scenario.public_goods.is_some();
    let mut writer = RunWriter::create(staging.path(), with_g)?;
    let progress = Progress::new(worlds, scenario.max_ticks, args.quiet);
    let mut summary = RunSummary::default();
    let format = |r: WorldResult| (run_rows(&r), WorldDigest::of(&r));
    run_in_order(
        &spec,
        scenario.seed,
        0..worlds,
        threads,
        &format,
        &|world, tick| progress.tick_of(world, tick),
        |_, (rows, digest)| {
            writer.push(&rows)?;
            summary.add(digest);
            progress.tick();
            Ok::<(), blocs::output::OutputError>(())
        },
    )??;
    progress.finish();
    writer.close()?;
    let manifest = Manifest {
        blocs_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: label,
        master_seed: scenario.seed,
        worlds,
        rng: RNG_ALGORITHM.to_string(),
        trade_model: blocs::output::trade_model_name(&spec.params.trade).to_string(),
        threads,
        command_line: argv.to_vec(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        scenario: scenario.clone(),
    };
    staging.write("manifest.ron", manifest.to_ron().as_bytes())?;
    // Figures and report go in before the rename: a result folder is complete or absent.
    if !args.no_plots {
        draw(staging.path(), None)
            .with_context(|| format!("drawing the results of {}", out.display()))?;
    }
    staging
        .publish(args.force)
        .with_context(|| format!("writing results of {}", scenario.name))?;
    if !args.quiet {
        let secs = start.elapsed().as_secs_f64();
        print_summary(&scenario, &summary, threads, secs, &out);
    }
    summary.solver_failures(&out)
}

/// Draws the figures (all, or one) and, for all, the HTML report.
fn draw(dir: &Path, only: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = blocs::plot::plot_dir(dir, only)
        .with_context(|| format!("drawing figures of {}", dir.display()))?;
    if only.is_none() {
        let report = blocs::plot::write_report(dir)
            .with_context(|| format!("writing the report of {}", dir.display()))?;
        files.push(report);
    }
    Ok(files)
}

/// What the printed summary needs of one world (its state is on disk already).
#[derive(Clone, Debug)]
pub(crate) struct WorldDigest {
    world: u64,
    outcome: Outcome,
    stop_reason: StopReason,
    stop_tick: u32,
    last: blocs::metrics::Metrics,
}

impl WorldDigest {
    pub(crate) fn of(r: &WorldResult) -> WorldDigest {
        WorldDigest {
            world: r.world_index,
            outcome: r.outcome,
            stop_reason: r.stop_reason,
            stop_tick: r.stop_tick,
            last: r.last().clone(),
        }
    }
}

/// The metrics whose means over worlds the summary prints.
const SUMMARY_MEANS: [&str; 9] = [
    "m_share",
    "e_m",
    "t_m",
    "coverage",
    "overlap",
    "free_share",
    "effective_blocs",
    "bloc_wall",
    "agreements",
];

const STOPS: [StopReason; 4] = [
    StopReason::Converged,
    StopReason::Cycling,
    StopReason::MaxTicks,
    StopReason::SolverFailed,
];

/// The printed summary of a run, accumulated world by world in world order (so its sums
/// are the same for any thread count), in memory that does not grow with the worlds.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSummary {
    worlds: u64,
    first: Option<WorldDigest>,
    classes: [u64; 5],
    stops: [u64; 4],
    tick_sum: f64,
    sums: [f64; 9],
    failed: Vec<(u64, u32)>,
}

impl RunSummary {
    pub(crate) fn add(&mut self, d: WorldDigest) {
        self.worlds += 1;
        if let Some(k) = Outcome::ALL.iter().position(|c| *c == d.outcome) {
            self.classes[k] += 1;
        }
        if let Some(k) = STOPS.iter().position(|s| *s == d.stop_reason) {
            self.stops[k] += 1;
        }
        if d.stop_reason == StopReason::SolverFailed && self.failed.len() < 10 {
            self.failed.push((d.world, d.stop_tick));
        }
        self.tick_sum += f64::from(d.stop_tick);
        for (sum, m) in self.sums.iter_mut().zip(SUMMARY_MEANS) {
            *sum += d.last.get(m).unwrap_or(f64::NAN);
        }
        if self.first.is_none() {
            self.first = Some(d);
        }
    }

    /// An error if a world's trade module failed to solve (after the results are written,
    /// so that what happened can be read).
    pub(crate) fn solver_failures(&self, out: &Path) -> anyhow::Result<()> {
        let failed = self.stops[3];
        if failed == 0 {
            return Ok(());
        }
        let list: Vec<String> = self
            .failed
            .iter()
            .map(|(w, t)| format!("world {w} at tick {t}"))
            .collect();
        anyhow::bail!(
            "the trade module's solver did not converge in {failed} world{} ({}{}): those worlds stopped there with stop_reason SolverFailed; results in {} (ODD.md, choice 34)",
            if failed == 1 { "" } else { "s" },
            list.join(", "),
            if failed as usize > list.len() {
                ", …"
            } else {
                ""
            },
            out.display()
        )
    }
}

/// `x` to `decimals` places, without the sign of a value that rounds to zero (`-0.000`).
pub(crate) fn fixed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// Drops the sign of every number in `text` that prints as zero (`-0.000` → `0.000`):
/// a rounded −1e−9 is not a negative quantity to a reader.
pub(crate) fn without_negative_zeros(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = bytes[i];
        let number_start =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
        if c == b'-' && number_start && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let end = text[i + 1..]
                .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
                .map_or(text.len(), |e| i + 1 + e);
            if text[i + 1..end].bytes().all(|b| b == b'0' || b == b'.') {
                i += 1;
                continue;
            }
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// A share in percent for an interval end: whole percents, but tenths below 1 %, so that
/// a small upper bound does not print as `0%`.
fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if (0.05..1.0).contains(&p) {
        fixed(p, 1)
    } else {
        fixed(p, 0)
    }
}

pub(crate) fn print_summary(s: &Scenario, r: &RunSummary, threads: usize, secs: f64, out: &Path) {
    println!(
        "blocs run: scenario `{}`, seed {}, {} world{} on {threads} thread{} in {secs:.2} s",
        s.name,
        s.seed,
        r.worlds,
        if r.worlds == 1 { "" } else { "s" },
        if threads == 1 { "" } else { "s" },
    );
    if let (1, Some(d)) = (r.worlds, &r.first) {
        let m = &d.last;
        println!(
            "  outcome {} ({} at tick {})",
            d.outcome.as_str(),
            d.stop_reason.as_str(),
            d.stop_tick
        );
        println!(
            "  m_share {}  e_M {}  t_M {}  coverage {}  free_share {}  effective_blocs {}  bloc_wall {}  agreements {}  rounds {}/{} passed",
            fixed(m.m_share, 3),
            fixed(m.e_m, 3),
            fixed(m.t_m, 3),
            fixed(m.coverage, 3),
            fixed(m.free_share, 3),
            fixed(m.effective_blocs, 2),
            fixed(m.bloc_wall, 3),
            m.agreements,
            m.rounds_passed,
            m.rounds_passed + m.rounds_failed
        );
    } else {
        let n = r.worlds as f64;
        let classes: Vec<String> = Outcome::ALL
            .iter()
            .zip(r.classes)
            .map(|(c, k)| {
                let (lo, hi) = wilson_interval(k, r.worlds);
                format!(
                    "{} {k} ({}%, 95% CI {}–{}%)",
                    c.as_str(),
                    fixed(100.0 * k as f64 / n, 0),
                    percent(lo),
                    percent(hi)
                )
            })
            .collect();
        println!("  outcomes: {}", classes.join(", "));
        let stops: Vec<String> = STOPS
            .iter()
            .zip(r.stops)
            .filter(|(s, k)| **s != StopReason::SolverFailed || *k > 0)
            .map(|(s, k)| format!("{} {k}", s.as_str()))
            .collect();
        println!(
            "  stopped: {} (mean tick {})",
            stops.join(", "),
            fixed(r.tick_sum / n, 1)
        );
        let means: Vec<String> = SUMMARY_MEANS
            .iter()
            .zip(r.sums)
            .map(|(m, sum)| format!("{m} {}", fixed(sum / n, 3)))
            .collect();
        println!("  final metrics, mean over worlds: {}", means.join("  "));
    }
    println!("  results in {}", out.display());
}

/// The Wilson score interval (95 %) of a share of k successes in n trials, (0, 1) for
/// n = 0 (the one formula is `sweep::stats::wilson`).
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    blocs::sweep::stats::wilson(k, n)
}

/// A progress bar on a terminal, plain periodic lines otherwise. Besides finished worlds
/// it shows the tick a running world has reached, so a slow world is seen to move.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    done: AtomicU64,
    total: u64,
    max_ticks: u32,
    start: Instant,
    last_line: AtomicU64,
    /// The world and tick last reported by a running world, packed as world << 32 | tick.
    latest: AtomicU64,
    quiet: bool,
}

/// Seconds between plain progress lines (and before the first one).
const LINE_EVERY: u64 = 5;

impl Progress {
    pub(crate) fn new(total: u64, max_ticks: u32, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} worlds  {rate}  ETA {eta}  {msg}",
                )
                .expect("a valid template")
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", rate_text(state.per_sec()));
                    },
                ),
            );
            bar
        });
        Progress {
            bar,
            done: AtomicU64::new(0),
            total,
            max_ticks,
            start: Instant::now(),
            last_line: AtomicU64::new(0),
            latest: AtomicU64::new(u64::MAX),
            quiet,
        }
    }

    /// A world finished.
    pub(crate) fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.line();
    }

    /// World `world` finished tick `tick` (called from the workers).
    pub(crate) fn tick_of(&self, world: u64, tick: u32) {
        if self.quiet {
            return;
        }
        self.latest
            .store((world << 32) | u64::from(tick), Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            // indicatif redraws at most a few times a second, whatever the calls.
            bar.set_message(format!("world {world} at tick {tick}/{}", self.max_ticks));
        } else {
            self.line();
        }
    }

    /// A plain line at most every 5 s, so logs stay short.
    fn line(&self) {
        if self.quiet || self.bar.is_some() {
            return;
        }
        let secs = self.start.elapsed().as_secs();
        let last = self.last_line.load(Ordering::Relaxed);
        if secs < last + LINE_EVERY
            || self
                .last_line
                .compare_exchange(last, secs, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let done = self.done.load(Ordering::Relaxed);
        let rate = done as f64 / self.start.elapsed().as_secs_f64();
        let latest = self.latest.load(Ordering::Relaxed);
        let running = (latest != u64::MAX).then_some((latest >> 32, (latest & 0xffff_ffff) as u32));
        eprintln!(
            "{}",
            progress_line(done, self.total, rate, running, self.max_ticks)
        );
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A plain progress line: worlds done, the rate, and where a running world is.
pub(crate) fn progress_line(
    done: u64,
    total: u64,
    rate: f64,
    running: Option<(u64, u32)>,
    max_ticks: u32,
) -> String {
    let running = match running {
        Some((world, tick)) if done < total => {
            format!("; world {world} at tick {tick}/{max_ticks}")
        }
        _ => String::new(),
    };
    format!(
        "  {done}/{total} worlds, {}{running}",
        rate_text(rate).replace("/s", " worlds/s")
    )
}

/// A rate for people: whole numbers from 10 up, one decimal below.
fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() {
        "–/s".into()
    } else if per_sec >= 10.0 {
        format!("{per_sec:.0}/s")
    } else {
        format!("{per_sec:.1}/s")
    }
}

fn cmd_dock(
    name: Option<&str>,
    params: Option<&Path>,
    out: Option<PathBuf>,
    force: bool,
    argv: &[String],
) -> anyhow::Result<Verdict> {
    use blocs::docking::figures::draw_docking;
    use blocs::docking::scheduler::krugman_in_scheduler;
    use blocs::docking::{EXPERIMENTS, default_params, load_params_file, run_docking_with};
    let from_file = params.map(load_params_file).transpose()?;
    let names: Vec<&str> = match (name, &from_file) {
        (Some(n), Some(p)) if n != p.name() => anyhow::bail!(
            "--params {} holds the parameters of `{}`, not of `{n}`",
            params.map_or(String::new(), |f| f.display().to_string()),
            p.name()
        ),
        (_, Some(p)) => vec![p.name()],
        (Some(n), None) => vec![n],
        (None, None) => EXPERIMENTS.to_vec(),
    };
    let root = out.unwrap_or_else(|| Path::new("output").join("dock"));
    for n in &names {
        check_target(&root.join(n), force)?;
    }
    let (mut passed, mut failed, mut known) = (0, 0, 0);
    let mut verdict = Verdict::Done;
    for n in names {
        let p = match &from_file {
            Some(p) => p.clone(),
            None => default_params(n)?,
        };
        let mut report = run_docking_with(&p)?;
        if dock_verdict(&report) == Verdict::NotReproduced {
            verdict = Verdict::NotReproduced;
        }
        if n == "krugman1991" {
            report
                .tables
                .push(("scheduler_dynamics".into(), krugman_in_scheduler()));
        }
        println!("== {n}");
        for row in &report.rows {
            println!(
                "  [{}] {}\n         ours: {}",
                match (row.pass, row.expected) {
                    (true, _) => "PASS",
                    (false, true) => "FAIL",
                    (false, false) => "FAIL, listed as not reproduced",
                },
                row.claim,
                row.ours
            );
            match (row.pass, row.expected) {
                (true, _) => passed += 1,
                (false, true) => failed += 1,
                (false, false) => known += 1,
            }
        }
        let mut files: Vec<(String, Vec<u8>)> =
            vec![("report.md".into(), report.to_markdown().into_bytes())];
        for (t, rows) in &report.tables {
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in rows {
                w.write_record(r)?;
            }
            files.push((
                format!("{t}.csv"),
                w.into_inner().map_err(|e| e.into_error())?,
            ));
        }
        files.push(("manifest.ron".into(), dock_manifest(n, argv).into_bytes()));
        let dir = root.join(n);
        let staging = Staging::new(&dir, force)?;
        for (file, bytes) in &files {
            staging.write(file, bytes)?;
        }
        draw_docking(staging.path(), n, &report)?;
        staging.publish(force)?;
    }
    println!(
        "blocs dock: {passed} checks passed, {failed} not reproduced, {known} listed as not reproduced (README); results in {}",
        root.display()
    );
    Ok(verdict)
}

/// A docking report's verdict: not reproduced (exit code 1) when a claim expected to
/// reproduce fails.
fn dock_verdict(report: &blocs::docking::DockReport) -> Verdict {
    if report.reproduced() {
        Verdict::Done
    } else {
        Verdict::NotReproduced
    }
}

/// What a docking directory's `manifest.ron` records; it also marks the directory as
/// blocs's own, which `--force` requires before replacing it.
#[derive(serde::Serialize)]
struct DockManifest<'a> {
    blocs_version: &'a str,
    experiment: &'a str,
    command_line: &'a [String],
    created_unix: u64,
}

fn dock_manifest(name: &str, argv: &[String]) -> String {
    let manifest = DockManifest {
        blocs_version: env!("CARGO_PKG_VERSION"),
        experiment: name,
        command_line: argv,
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let pretty = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ".to_string());
    blocs::config::ron_options()
        .to_string_pretty(&manifest, pretty)
        .expect("manifests serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `blocs dock` exits with 1 when a docking claim fails: the Goyal & Joshi checks on a
    /// wrong model (tariff revenue with the wrong sign) against the model itself.
    #[test]
    fn a_failed_docking_claim_is_exit_code_1() {
        use blocs::docking::ExperimentParams;
        use blocs::docking::cournot::Cournot;
        use blocs::docking::experiments::goyal_joshi2006::{fta_welfare, run_with_payoff};
        use blocs::docking::networks::Graph;
        let Ok(ExperimentParams::GoyalJoshi2006(p)) =
            blocs::docking::default_params("goyal_joshi2006")
        else {
            panic!("goyal_joshi2006 defaults");
        };
        let p = blocs::docking::params::GoyalJoshi2006Params { n_max: 4, ..p };
        let right = run_with_payoff(&p, &fta_welfare).unwrap();
        assert_eq!(dock_verdict(&right).exit_code(), 0);
        let flipped = |m: &Cournot, g: &Graph| -> Vec<f64> {
            m.accounts(&m.fta_tariff_matrix(g))
                .iter()
                .map(|a| a.consumer_surplus + a.profits - a.tariff_revenue)
                .collect()
        };
        let wrong = run_with_payoff(&p, &flipped).unwrap();
        assert_eq!(dock_verdict(&wrong).exit_code(), 1);
    }

    #[test]
    fn summaries_print_no_negative_zero_and_no_empty_interval() {
        assert_eq!(fixed(-0.000_000_1, 3), "0.000");
        assert_eq!(fixed(-0.0, 1), "0.0");
        assert_eq!(fixed(-0.25, 2), "-0.25");
        // 0 of 1000 worlds: the Wilson upper end is 0.38 %, not "0%".
        let (lo, hi) = wilson_interval(0, 1000);
        assert_eq!((percent(lo), percent(hi)), ("0".into(), "0.4".into()));
        assert_eq!(percent(0.5), "50");
        assert_eq!(
            without_negative_zeros("gain -0.000, loss -0.010, x-0.0 -0 (-0.00)"),
            "gain 0.000, loss -0.010, x-0.0 0 (0.00)"
        );
    }

    #[test]
    fn rates_and_progress_lines_read_like_numbers() {
        assert_eq!(rate_text(385.294_6), "385/s");
        assert_eq!(rate_text(0.25), "0.2/s");
        assert_eq!(
            progress_line(3, 10, 0.5, Some((3, 220)), 500),
            "  3/10 worlds, 0.5 worlds/s; world 3 at tick 220/500"
        );
        // One slow world: the line shows its tick long before it finishes.
        assert_eq!(
            progress_line(0, 1, 0.0, Some((0, 41)), 500),
            "  0/1 worlds, 0.0 worlds/s; world 0 at tick 41/500"
        );
        assert_eq!(
            progress_line(10, 10, 12.0, Some((9, 3)), 500),
            "  10/10 worlds, 12 worlds/s"
        );
    }

    #[test]
    fn a_cause_already_quoted_is_not_printed_twice() {
        let io = std::io::Error::other("Read-only file system (os error 30)");
        let err = anyhow::Error::new(io)
            .context("out/x.png: Read-only file system (os error 30)")
            .context("drawing figures of out");
        assert_eq!(
            error_text(&err),
            "drawing figures of out: out/x.png: Read-only file system (os error 30)"
        );
    }

    #[test]
    fn experiments_are_told_from_scenarios() {
        assert!(looks_like_experiment("(\n  design: Grid([]),\n)"));
        assert!(looks_like_experiment("(base: Default, design: Grid([]))"));
        assert!(!looks_like_experiment("(name: \"database\", events: [])"));
        assert!(!looks_like_experiment("(\n  name: \"x\",\n  worlds: 2,\n)"));
    }
}
