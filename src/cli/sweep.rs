//! `blocs sweep`, `blocs merge` and `blocs run --from-sweep`: the command-line side of
//! sweeps (arguments, progress, the summary line); the work is in `blocs::sweep`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use super::{Progress, RunArgs, RunSummary, WorldDigest, draw, limits, print_summary};
use blocs::output::{Manifest, Staging, check_target, run_files};
use blocs::rng::RNG_ALGORITHM;
use blocs::scheduler::run_world;
use blocs::sweep::experiment::Plan;
use blocs::sweep::files::{Shard, SweepManifest, merge_with, partial_dir};
use blocs::sweep::{Event, Options, sweep_with};

/// Arguments of `blocs sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Experiment file (RON).
    pub experiment: PathBuf,
    /// Result directory (default: output/<experiment name>, or
    /// output/<name>-shard-I-of-N for a shard).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue an unfinished sweep (OUT.partial) if there is one.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard I of N (contiguous world ranges; combine with `blocs merge`).
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Replace an existing result directory (and, without --resume, an unfinished one).
    #[arg(long)]
    pub force: bool,
    /// Do not draw figures or the HTML report.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `blocs merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard directories, in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Result directory (default: output/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing result directory.
    #[arg(long)]
    pub force: bool,
    /// Do not draw figures or the HTML report.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub(super) fn cmd_sweep(args: SweepArgs, argv: &[String]) -> anyhow::Result<()> {
    let start = Instant::now();
    let plan = Plan::load(&args.experiment)?;
    let threads = limits::threads("--threads", args.threads)?;
    let first = plan.point(0).map_err(|e| anyhow::anyhow!("point 0: {e}"))?;
    limits::check_memory(&first.scenario, &plan.spec(0).spec, threads)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = match args.shard {
            Some(s) => format!("{}-shard-{}-of-{}", plan.name, s.index, s.count),
            None => plan.name.clone(),
        };
        Path::new("output").join(name)
    });
    let opts = Options {
        out: out.clone(),
        threads,
        resume: args.resume,
        shard: args.shard,
        force: args.force,
        command_line: argv.to_vec(),
    };
    let mut progress: Option<Progress> = None;
    let mut started = Instant::now();
    let draw_plots = args.shard.is_none() && !args.no_plots;
    let mut before_publish = |dir: &Path| {
        if draw_plots {
            draw(dir, None).map_err(|e| e.into_boxed_dyn_error())?;
        }
        Ok(())
    };
    let summary = sweep_with(
        &plan,
        &opts,
        &mut |event| match event {
            Event::Start { resumed, todo } => {
                if resumed > 0 && !args.quiet {
                    eprintln!(
                        "blocs sweep: resuming {}: {resumed} worlds already done, {todo} to run",
                        partial_dir(&out).display()
                    );
                }
                started = Instant::now();
                progress = Some(Progress::new(todo, 0, args.quiet));
            }
            Event::World => {
                if let Some(p) = &progress {
                    p.tick();
                }
            }
        },
        &mut before_publish,
    )
    .with_context(|| format!("sweep {}", plan.name))?;
    if let Some(p) = &progress {
        p.finish();
    }
    let secs = started.elapsed().as_secs_f64();
    if !args.quiet {
        let shard = args.shard.map_or(String::new(), |s| {
            let r = s.range(plan.worlds());
            format!(
                ", shard {}/{} (worlds {}..{})",
                s.index, s.count, r.start, r.end
            )
        });
        let resumed = if summary.resumed > 0 {
            format!(" ({} resumed)", summary.resumed)
        } else {
            String::new()
        };
        println!(
            "blocs sweep: experiment `{}`, {} points × {} replications = {} worlds{shard}; ran {} worlds{resumed} on {} thread{} in {secs:.2} s, {:.1} worlds/s; results in {} ({:.1} s in all)",
            plan.name,
            plan.points,
            plan.replications,
            plan.worlds(),
            summary.ran,
            summary.threads,
            if summary.threads == 1 { "" } else { "s" },
            summary.ran as f64 / secs.max(1e-9),
            out.display(),
            start.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

pub(super) fn cmd_merge(args: MergeArgs, argv: &[String]) -> anyhow::Result<()> {
    let first = SweepManifest::read(&args.dirs[0])?;
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new("output").join(first.experiment.name.clone().unwrap_or_default())
    });
    let plan = merge_with(&args.dirs, &out, args.force, argv, &mut |dir| {
        if !args.no_plots {
            draw(dir, None)?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    if !args.quiet {
        println!(
            "blocs merge: {} shards of experiment `{}` ({} worlds) into {}",
            args.dirs.len(),
            plan.name,
            plan.worlds(),
            out.display()
        );
    }
    Ok(())
}

pub(super) fn cmd_run_from_sweep(args: RunArgs, argv: &[String]) -> anyhow::Result<()> {
    let dir = args.from_sweep.clone().expect("dispatched on from_sweep");
    let world = args.world.expect("clap requires --world");
    let start = Instant::now();
    let manifest = SweepManifest::read(&dir)?;
    let plan = manifest.plan(&dir)?;
    anyhow::ensure!(
        world < plan.worlds(),
        "--world {world}: the sweep in {} has worlds 0..{}",
        dir.display(),
        plan.worlds()
    );
    let (point, replicate) = plan.point_of(world);
    let mut scenario = plan
        .point(point)
        .map_err(|e| anyhow::anyhow!("point {point} of {}: {e}", dir.display()))?
        .scenario;
    scenario.seed = plan.seed();
    scenario.worlds = 1;
    let label = format!(
        "world {world} of sweep {} (point {point}, replicate {replicate}, stream {world})",
        dir.display()
    );
    let spec = scenario.validate(Path::new(&label))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(format!("{}-world-{world}", plan.name)));
    check_target(&out, args.force)?;
    // The same call a sweep worker makes: same scenario, master seed and stream.
    let result = run_world(&spec, plan.seed(), world);
    let manifest = Manifest {
        blocs_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: label,
        master_seed: plan.seed(),
        worlds: 1,
        rng: RNG_ALGORITHM.to_string(),
        trade_model: blocs::output::trade_model_name(&spec.params.trade).to_string(),
        threads: 1,
        command_line: argv.to_vec(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        scenario: scenario.clone(),
    };
    let files = run_files(&manifest, std::slice::from_ref(&result))?;
    let staging = Staging::new(&out, args.force)?;
    for (name, bytes) in &files {
        staging.write(name, bytes)?;
    }
    if !args.no_plots {
        draw(staging.path(), None)?;
    }
    staging
        .publish(args.force)
        .with_context(|| format!("writing results of world {world}"))?;
    let mut summary = RunSummary::default();
    summary.add(WorldDigest::of(&result));
    if !args.quiet {
        print_summary(&scenario, &summary, 1, start.elapsed().as_secs_f64(), &out);
    }
    summary.solver_failures(&out)
}
