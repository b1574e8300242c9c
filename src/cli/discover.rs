//! `blocs discover`: scenario discovery over a finished sweep (the command-line side; PRIM
//! is in `blocs::sweep::discover`, the figure in `blocs::plot`).

use std::path::PathBuf;

use anyhow::Context;

use blocs::plot::{CLASSES, draw_discover};
use blocs::sweep::discover::{PrimOptions, box_csv, prim, read_sweep, trajectory_csv};

/// Arguments of `blocs discover`.
#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// The result directory of a finished `blocs sweep` (its worlds.csv is read).
    pub sweep_dir: PathBuf,
    /// The outcome class to explain (GlobalFreeTrade, NetworkedOrder, MultilateralCore,
    /// RivalBlocs, Fragmented).
    #[arg(long)]
    pub class: String,
    /// Density a box must reach to count as found.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// Share of a box's worlds one peel removes.
    #[arg(long, default_value_t = 0.05)]
    pub peel_alpha: f64,
    /// Share of the worlds outside a limit one paste adds back.
    #[arg(long, default_value_t = 0.05)]
    pub paste_alpha: f64,
    /// Smallest share of all worlds a box may hold.
    #[arg(long, default_value_t = 0.05)]
    pub mass_min: f64,
    /// The box of the trajectory to describe (default: the last, as the EMA Workbench).
    #[arg(long = "box")]
    pub box_index: Option<usize>,
    /// Result directory (default: SWEEP_DIR/discover-<class>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing result directory.
    #[arg(long)]
    pub force: bool,
    /// Do not draw the figure.
    #[arg(long)]
    pub no_plots: bool,
}

pub(super) fn cmd_discover(args: DiscoverArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        CLASSES.contains(&args.class.as_str()),
        "--class {}: unknown outcome class (allowed: {})",
        args.class,
        CLASSES.join(", ")
    );
    let (data, skipped) = read_sweep(&args.sweep_dir, &args.class)?;
    let opts = PrimOptions {
        threshold: args.threshold,
        peel_alpha: args.peel_alpha,
        paste_alpha: args.paste_alpha,
        mass_min: args.mass_min,
    };
    let found = prim(&data, &opts).with_context(|| {
        format!(
            "{}: scenario discovery of {}",
            args.sweep_dir.display(),
            args.class
        )
    })?;
    let last = found.trajectory.len() - 1;
    let chosen = args.box_index.unwrap_or(last);
    anyhow::ensure!(
        chosen <= last,
        "--box {chosen}: the trajectory has boxes 0 to {last}"
    );
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.sweep_dir.join(format!("discover-{}", args.class)));
    anyhow::ensure!(
        args.force || !out.exists(),
        "{}: exists; pass --force to replace it",
        out.display()
    );
    // Written beside and renamed into place, so a failure leaves no half-written result.
    let partial = out.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial).with_context(|| format!("{}", partial.display()))?;
    }
    std::fs::create_dir_all(&partial).with_context(|| format!("{}", partial.display()))?;
    let write = |name: &str, bytes: Vec<u8>| {
        let p = partial.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("{}", p.display()))
    };
    write("trajectory.csv", trajectory_csv(&data, &found))?;
    write("box.csv", box_csv(&data, &found, chosen))?;
    if !args.no_plots {
        draw_discover(&partial, &args.class, chosen, args.threshold)?;
    }
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("{}", out.display()))?;
    }
    std::fs::rename(&partial, &out).with_context(|| format!("{}", out.display()))?;

    let b = &found.trajectory[chosen];
    let k_all = data.y.iter().filter(|&&y| y).count();
    println!(
        "blocs discover: {} of {} worlds are {}; box {chosen} of {}: coverage {:.3}, density {:.3}, mass {:.3}{}",
        k_all,
        data.y.len(),
        args.class,
        found.trajectory.len(),
        b.coverage,
        b.density,
        b.mass,
        if found.found {
            String::new()
        } else {
            format!(" (below the density threshold {})", args.threshold)
        }
    );
    for f in b.restricted(&found.init) {
        let qp = |q: Option<f64>| q.map_or("-".to_string(), |q| format!("{q:.2e}"));
        println!(
            "  {} in [{}, {}] (swept [{}, {}]), quasi-p lower {}, upper {}",
            data.fields[f],
            b.limits[f].0,
            b.limits[f].1,
            found.init[f].0,
            found.init[f].1,
            qp(b.qp[f].0),
            qp(b.qp[f].1)
        );
    }
    if !skipped.is_empty() {
        println!("  left out (not numeric): {}", skipped.join(", "));
    }
    println!("  results in {}", out.display());
    Ok(())
}
