//! The command line: argument parsing, progress, summaries and exit codes.
//!
//! Only this module and `main.rs` print, and only they see `anyhow`. Every error exits
//! with code 2 after one line that names the file, field or directory at fault.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use blocs::config::Scenario;
use blocs::metrics::Outcome;
use blocs::model::StopReason;
use blocs::output::{Manifest, check_target, run_files, write_dir_atomically};
use blocs::rng::RNG_ALGORITHM;
use blocs::runner::run_worlds;
use blocs::scheduler::WorldResult;

mod discover;
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

/// Runs the command line; returns the process exit code.
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
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("blocs: error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli, args: &[String]) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(run) if run.from_sweep.is_some() => sweep::cmd_run_from_sweep(run, args),
        Command::Run(run) => cmd_run(run, args),
        Command::Dock { name, out, force } => cmd_dock(name.as_deref(), out, force),
        Command::Sweep(sweep) => sweep::cmd_sweep(sweep, args),
        Command::Merge(merge) => sweep::cmd_merge(merge, args),
        Command::Discover(d) => discover::cmd_discover(d),
        Command::Reproduce(r) => reproduce::cmd_reproduce(r, args),
        Command::Plot { dir, only } => {
            let files = draw(&dir, only.as_deref())?;
            println!("blocs plot: {} files in {}", files.len(), dir.display());
            Ok(())
        }
        Command::Calibrate {
            scenario,
            seed,
            worlds,
            list,
        } => {
            let (scenario, spec, _) = load_scenario(scenario.as_deref())?;
            anyhow::ensure!(worlds >= 1, "--worlds 0: must be at least 1");
            let seed = seed.unwrap_or(scenario.seed);
            let results: Vec<_> = (0..u64::from(worlds))
                .map(|w| blocs::calibrate::calibrate(&spec, seed, w))
                .collect();
            println!(
                "blocs calibrate: scenario `{}`, seed {seed}: best responses at tick 0, nothing applied",
                scenario.name
            );
            print!("{}", blocs::calibrate::report(&results, list));
            Ok(())
        }
        Command::Check { scenarios } => {
            for path in scenarios {
                let scenario = blocs::input::read_scenario(&path)?;
                scenario.validate(&path)?;
                println!("{}: ok ({})", path.display(), scenario.name);
            }
            Ok(())
        }
    }
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
        scenario.worlds = w;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    check_target(&out, args.force)?;
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.threads
    };
    let worlds = u64::from(scenario.worlds);
    let start = Instant::now();
    let progress = Progress::new(worlds, args.quiet);
    let results = run_worlds(&spec, scenario.seed, worlds, threads, &|| progress.tick())?;
    progress.finish();
    let manifest = Manifest {
        blocs_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: label,
        master_seed: scenario.seed,
        worlds,
        rng: RNG_ALGORITHM.to_string(),
        trade_model: "Gravity".to_string(),
        threads,
        command_line: argv.to_vec(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        scenario: scenario.clone(),
    };
    let files = run_files(&manifest, &results)?;
    write_dir_atomically(&out, args.force, &files)
        .with_context(|| format!("writing results of {}", scenario.name))?;
    if !args.no_plots {
        draw(&out, None)?;
    }
    if !args.quiet {
        let secs = start.elapsed().as_secs_f64();
        print_summary(&scenario, &results, threads, secs, &out);
    }
    Ok(())
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

fn print_summary(s: &Scenario, results: &[WorldResult], threads: usize, secs: f64, out: &Path) {
    println!(
        "blocs run: scenario `{}`, seed {}, {} world{} on {threads} thread{} in {secs:.2} s",
        s.name,
        s.seed,
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        if threads == 1 { "" } else { "s" },
    );
    if let [r] = results {
        let m = r.last();
        println!(
            "  outcome {} ({} at tick {})",
            r.outcome.as_str(),
            r.stop_reason.as_str(),
            r.stop_tick
        );
        println!(
            "  m_share {:.3}  e_M {:.3}  t_M {:.3}  coverage {:.3}  free_share {:.3}  effective_blocs {:.2}  bloc_wall {:.3}  agreements {}  rounds {}/{} passed",
            m.m_share,
            m.e_m,
            m.t_m,
            m.coverage,
            m.free_share,
            m.effective_blocs,
            m.bloc_wall,
            m.agreements,
            m.rounds_passed,
            m.rounds_passed + m.rounds_failed
        );
    } else {
        let n = results.len() as f64;
        let classes: Vec<String> = Outcome::ALL
            .iter()
            .map(|c| {
                let k = results.iter().filter(|r| r.outcome == *c).count();
                let (lo, hi) = wilson_interval(k as u64, results.len() as u64);
                format!(
                    "{} {k} ({:.0}%, 95% CI {:.0}–{:.0}%)",
                    c.as_str(),
                    100.0 * k as f64 / n,
                    100.0 * lo,
                    100.0 * hi
                )
            })
            .collect();
        println!("  outcomes: {}", classes.join(", "));
        let stops: Vec<String> = [
            StopReason::Converged,
            StopReason::Cycling,
            StopReason::MaxTicks,
        ]
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.as_str(),
                results.iter().filter(|r| r.stop_reason == *s).count()
            )
        })
        .collect();
        let mean_tick = results.iter().map(|r| f64::from(r.stop_tick)).sum::<f64>() / n;
        println!("  stopped: {} (mean tick {mean_tick:.1})", stops.join(", "));
        let mean = |name: &str| {
            results
                .iter()
                .map(|r| r.last().get(name).unwrap_or(f64::NAN))
                .sum::<f64>()
                / n
        };
        let means: Vec<String> = [
            "m_share",
            "e_m",
            "t_m",
            "coverage",
            "overlap",
            "free_share",
            "effective_blocs",
            "bloc_wall",
            "agreements",
        ]
        .iter()
        .map(|m| format!("{m} {:.3}", mean(m)))
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

/// A progress bar on a terminal, plain periodic lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    done: AtomicU64,
    total: u64,
    start: Instant,
    last_line: AtomicU64,
    quiet: bool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && total > 1 && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} worlds  {per_sec}  ETA {eta}",
                )
                .expect("a valid template"),
            );
            bar
        });
        Progress {
            bar,
            done: AtomicU64::new(0),
            total,
            start: Instant::now(),
            last_line: AtomicU64::new(0),
            quiet,
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if !self.quiet && self.total > 1 {
            // Plain lines at most every 5 s so logs stay short.
            let secs = self.start.elapsed().as_secs();
            let last = self.last_line.load(Ordering::Relaxed);
            if secs >= last + 5
                && self
                    .last_line
                    .compare_exchange(last, secs, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                let rate = done as f64 / self.start.elapsed().as_secs_f64();
                eprintln!("  {done}/{} worlds, {rate:.0} worlds/s", self.total);
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn cmd_dock(name: Option<&str>, out: Option<PathBuf>, force: bool) -> anyhow::Result<()> {
    use blocs::docking::figures::draw_docking;
    use blocs::docking::scheduler::krugman_in_scheduler;
    use blocs::docking::{EXPERIMENTS, run_docking};
    let names: Vec<&str> = match name {
        Some(n) => vec![n],
        None => EXPERIMENTS.to_vec(),
    };
    let root = out.unwrap_or_else(|| Path::new("output").join("dock"));
    for n in &names {
        check_target(&root.join(n), force)?;
    }
    let (mut passed, mut failed) = (0, 0);
    for n in names {
        let mut report = run_docking(n)?;
        if n == "krugman1991" {
            report
                .tables
                .push(("scheduler_dynamics".into(), krugman_in_scheduler()));
        }
        println!("== {n}");
        for row in &report.rows {
            println!(
                "  [{}] {}\n         ours: {}",
                if row.pass { "PASS" } else { "FAIL" },
                row.claim,
                row.ours
            );
            if row.pass {
                passed += 1;
            } else {
                failed += 1;
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
        let named: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(a, b)| (a.as_str(), b.clone())).collect();
        let dir = root.join(n);
        write_dir_atomically(&dir, force, &named)?;
        draw_docking(&dir, n, &report)?;
    }
    println!(
        "blocs dock: {passed} checks passed, {failed} not reproduced; results in {}",
        root.display()
    );
    Ok(())
}
