//! `blocs reproduce`: runs the seed-text experiments (`experiments/eNN_*/`) through the
//! sweep library, draws their figures and report, evaluates each folder's check and
//! prints one table; the statistics are in `blocs::reproduce`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use super::{Verdict, draw, limits};
use blocs::output::write_file;
use blocs::reproduce::{self, Entry, Expected, check_csv, check_md, table_row};
use blocs::sweep::{Options, sweep_with};

/// Arguments of `blocs reproduce`.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// One experiment folder name (e.g. e05_critical_mass); with --all, every one.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<String>,
    /// Every experiment folder eNN_* under --experiments.
    #[arg(long)]
    pub all: bool,
    /// Fewer replications per point (each check's quick_replications).
    #[arg(long)]
    pub quick: bool,
    /// Root of the result directories; experiment NAME goes to OUT/NAME.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Where the experiment folders are.
    #[arg(long, default_value = "experiments")]
    pub experiments: PathBuf,
    /// Replace existing result directories.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Do not draw figures or the HTML report.
    #[arg(long)]
    pub no_plots: bool,
}

pub(super) fn cmd_reproduce(args: ReproduceArgs, argv: &[String]) -> anyhow::Result<Verdict> {
    let start = Instant::now();
    let threads = limits::threads("--threads", args.threads)?;
    let all = reproduce::discover(&args.experiments)?;
    let entries: Vec<Entry> = match &args.name {
        Some(n) => {
            let names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
            vec![all.iter().find(|e| &e.name == n).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: no experiment folder `{n}` with a check.ron; one of: {}",
                    args.experiments.display(),
                    names.join(", ")
                )
            })?]
        }
        None => all,
    };
    anyhow::ensure!(
        !entries.is_empty(),
        "{}: no experiment folders eNN_* with a check.ron",
        args.experiments.display()
    );
    // Load and check everything before running anything, so a typo fails at once.
    let mut loaded = Vec::new();
    for e in &entries {
        loaded.push((e, reproduce::load(e, args.quick)?));
    }
    let mode = if args.quick { "quick" } else { "full" };
    println!(
        "{:<22} {:<48} {:>7} {:>18}  verdict",
        "experiment", "claim", "a − b", "95 % interval"
    );
    let mut failed = Vec::new();
    let mut unexpected_pass = Vec::new();
    for (entry, (plan, check)) in loaded {
        let t0 = Instant::now();
        let out = args.out.join(&entry.name);
        let opts = Options {
            out: out.clone(),
            threads,
            resume: false,
            shard: None,
            force: args.force,
            command_line: argv.to_vec(),
        };
        // The check's files, the experiment's README, the phase slices, figures and report
        // go into the finished sweep before it is renamed into place, so that OUT/NAME is
        // complete or absent.
        let mut verdict = None;
        let mut finish = |dir: &Path| -> anyhow::Result<()> {
            let (a, b) = reproduce::gather(&check, &dir.join("worlds.csv"))?;
            let v = reproduce::evaluate(&check, &a, b.as_ref())
                .map_err(|e| anyhow::anyhow!("{}: {e}", entry.dir.join("check.ron").display()))?;
            write_file(
                &dir.join("check.csv"),
                check_csv(&entry.name, &check, &v).as_bytes(),
            )?;
            write_file(
                &dir.join("check.md"),
                check_md(&entry.name, &check, &v).as_bytes(),
            )?;
            verdict = Some(v);
            // The report quotes the claim's source passage from the experiment's README.
            let readme = entry.dir.join("README.md");
            if readme.is_file() {
                let text = std::fs::read(&readme)
                    .with_context(|| format!("reading {}", readme.display()))?;
                write_file(&dir.join("experiment.md"), &text)?;
            }
            // Drawn after check.csv exists, so the report can lead with the verdict.
            if !args.no_plots {
                // The sweep draws phase diagrams for two-field grids; slice three-field
                // ones, before the report, which shows the slices' phase maps.
                for (slice, files) in reproduce::phase_slices(dir, &plan.fields)? {
                    let slice = dir.join(slice);
                    for (name, bytes) in files {
                        write_file(&slice.join(name), &bytes)?;
                    }
                    blocs::plot::plot_dir(&slice, Some("phase")).with_context(|| {
                        format!("drawing the phase diagram of {}", slice.display())
                    })?;
                }
                draw(dir, None)?;
            }
            Ok(())
        };
        sweep_with(&plan, &opts, &mut |_| {}, &mut |dir| {
            finish(dir).map_err(|e| e.into_boxed_dyn_error())
        })
        .with_context(|| format!("sweep {}", entry.name))?;
        let verdict = verdict.expect("the sweep finished");
        println!(
            "{}   ({} worlds, {:.1} s)",
            table_row(&entry.name, &check, &verdict),
            plan.worlds(),
            t0.elapsed().as_secs_f64()
        );
        match (verdict.pass, check.expected) {
            (false, Expected::Reproduced) => failed.push(entry.name.clone()),
            (true, Expected::NotReproduced) => unexpected_pass.push(entry.name.clone()),
            _ => {}
        }
    }
    println!(
        "blocs reproduce: {} experiments ({mode}) in {:.1} s; results in {}",
        entries.len(),
        start.elapsed().as_secs_f64(),
        args.out.display()
    );
    if !unexpected_pass.is_empty() {
        println!(
            "note: listed as not reproduced but passed now: {} (update `expected` in their check.ron and README)",
            unexpected_pass.join(", ")
        );
    }
    if failed.is_empty() {
        Ok(Verdict::Done)
    } else {
        eprintln!(
            "blocs reproduce: not reproduced (expected to): {}; see {}/<name>/check.md",
            failed.join(", "),
            display(&args.out)
        );
        Ok(Verdict::NotReproduced)
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
