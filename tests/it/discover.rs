//! PRIM against the EMA Workbench: `tests/data/prim/` holds points, classes and the
//! peeling and pasting trajectory that `ema_workbench.analysis.prim` 2.5.3 found
//! (`make_fixture.py` there).

use std::fs;

use blocs::sweep::discover::{Data, PrimOptions, prim};

fn read(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/prim/{name}", env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn fixture() -> Data {
    let rows = read("x.csv");
    let fields: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
    let x = (0..5)
        .map(|f| rows.iter().map(|r| r[f].parse().unwrap()).collect())
        .collect();
    let y = rows.iter().map(|r| r[5] == "1").collect();
    Data { fields, x, y }
}

#[test]
fn prim_follows_the_ema_workbench_trajectory() {
    let got = prim(&fixture(), &PrimOptions::default()).unwrap();
    let want = read("trajectory.csv");
    assert_eq!(got.trajectory.len(), want.len(), "boxes on the trajectory");
    for (b, w) in got.trajectory.iter().zip(&want) {
        let f = |i: usize| w[i].parse::<f64>().unwrap();
        let id = &w[0];
        assert_eq!(
            (b.n, b.k),
            (w[1].parse().unwrap(), w[2].parse().unwrap()),
            "box {id}"
        );
        for (g, e) in [(b.coverage, f(3)), (b.density, f(4)), (b.mass, f(5))] {
            assert!((g - e).abs() < 1e-12, "box {id}: {g} vs {e}");
        }
        assert_eq!(
            b.restricted(&got.init).len(),
            w[6].parse::<usize>().unwrap()
        );
        for (field, &(lo, hi)) in b.limits.iter().enumerate() {
            assert!(
                (lo - f(7 + 2 * field)).abs() < 1e-12,
                "box {id} field {field} lower"
            );
            assert!(
                (hi - f(8 + 2 * field)).abs() < 1e-12,
                "box {id} field {field} upper"
            );
        }
    }
    assert!(got.found, "the last box reaches density 0.8");
}

#[test]
fn quasi_p_values_match_the_ema_workbench() {
    // EMA calls scipy's binomtest (Boost's incomplete beta); blocs uses a continued
    // fraction: equal to 1e-9 relative, down to values of 1e-65.
    let got = prim(&fixture(), &PrimOptions::default()).unwrap();
    let names = ["a", "b", "c", "d", "e"];
    let mut checked = 0;
    for w in read("qp.csv") {
        let b = &got.trajectory[w[0].parse::<usize>().unwrap()];
        let f = names.iter().position(|n| *n == w[1]).unwrap();
        for (g, e) in [(b.qp[f].0, &w[2]), (b.qp[f].1, &w[3])] {
            let e: f64 = e.parse().unwrap();
            match g {
                None => assert_eq!(e, -1.0, "box {} {}: EMA has a value", w[0], w[1]),
                Some(g) => {
                    assert!(
                        (g - e).abs() <= 1e-9 * e.abs(),
                        "box {} {}: {g} vs {e}",
                        w[0],
                        w[1]
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn prim_refuses_data_it_cannot_search() {
    let mut d = fixture();
    d.y.iter_mut().for_each(|y| *y = false);
    let err = prim(&d, &PrimOptions::default()).unwrap_err().to_string();
    assert!(err.contains("no point is of the class"), "{err}");
    let bad = PrimOptions {
        peel_alpha: 1.5,
        ..PrimOptions::default()
    };
    let err = prim(&fixture(), &bad).unwrap_err().to_string();
    assert!(err.contains("peel_alpha 1.5: must be in (0, 1)"), "{err}");
}

fn blocs(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A sweep directory whose worlds.csv holds the fixture's points: class RivalBlocs where
/// y = 1, a categorical field that discovery must leave out.
fn fixture_sweep(name: &str) -> std::path::PathBuf {
    let dir = crate::temp_dir(name);
    let mut text = String::from("world,outcome,m_share,point,replicate,a,b,c,d,e,rule\n");
    for (i, r) in read("x.csv").iter().enumerate() {
        let class = if r[5] == "1" {
            "RivalBlocs"
        } else {
            "Fragmented"
        };
        text.push_str(&format!(
            "{i},{class},0.5,{i},0,{},{},{},{},{},Consensus\n",
            r[0], r[1], r[2], r[3], r[4]
        ));
    }
    fs::write(dir.join("worlds.csv"), text).unwrap();
    dir
}

#[test]
fn discover_command_writes_the_trajectory_box_and_figure() {
    let dir = fixture_sweep("discover-cli");
    let d = dir.to_str().unwrap();
    let (code, stdout, stderr) = blocs(&["discover", d, "--class", "RivalBlocs"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("438 of 1500 worlds are RivalBlocs"),
        "{stdout}"
    );
    assert!(stdout.contains("left out (not numeric): rule"), "{stdout}");
    let out = dir.join("discover-RivalBlocs");
    let traj = fs::read_to_string(out.join("trajectory.csv")).unwrap();
    let want = read("trajectory.csv");
    assert_eq!(traj.lines().count(), want.len() + 1);
    let last: Vec<&str> = traj.lines().last().unwrap().split(',').collect();
    assert_eq!((last[1], last[2]), ("253", "230"), "{last:?}");
    let boxed = fs::read_to_string(out.join("box.csv")).unwrap();
    let fields: Vec<&str> = boxed
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(fields, ["a", "c", "d", "e"]);
    let png = png::Decoder::new(std::io::BufReader::new(
        fs::File::open(out.join("discover.png")).unwrap(),
    ))
    .read_info()
    .unwrap();
    assert_eq!((png.info().width, png.info().height), (1600, 1000));

    // A result is never replaced without --force; bad input exits 2 with a clear line.
    let (code, _, stderr) = blocs(&["discover", d, "--class", "RivalBlocs"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("exists; pass --force"), "{stderr}");
    assert_eq!(
        blocs(&["discover", d, "--class", "RivalBlocs", "--force"]).0,
        0
    );
    let (code, _, stderr) = blocs(&["discover", d, "--class", "Rival"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown outcome class (allowed: GlobalFreeTrade"),
        "{stderr}"
    );
    let (code, _, stderr) = blocs(&["discover", d, "--class", "NetworkedOrder"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no point is of the class"), "{stderr}");
    let (code, _, stderr) = blocs(&[
        "discover",
        d,
        "--class",
        "RivalBlocs",
        "--box",
        "99",
        "--force",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--box 99: the trajectory has boxes 0 to 35"),
        "{stderr}"
    );
    let missing = dir.join("nothing");
    let (code, _, stderr) = blocs(&[
        "discover",
        missing.to_str().unwrap(),
        "--class",
        "RivalBlocs",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a directory"), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}
