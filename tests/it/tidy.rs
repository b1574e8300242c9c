//! Tidy checks on the source tree, run by `cargo test` (rust-analyzer's tidy.rs).

use blocs::scheduler::Phase;

use crate::repo;

fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![repo("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    for (path, text) in sources() {
        assert!(
            text.starts_with("//!"),
            "{path} does not start with a //! doc comment"
        );
    }
}

#[test]
fn no_unportable_or_unseeded_randomness() {
    for (path, text) in sources() {
        for bad in [
            "thread_rng",
            "rand::rng(",
            "StdRng",
            "SmallRng",
            "from_entropy",
            "from_os_rng",
            "random::<",
        ] {
            assert!(!text.contains(bad), "{path} uses {bad}");
        }
    }
}

#[test]
fn no_hash_maps_in_the_model_core() {
    for (path, text) in sources() {
        let core = [
            "model",
            "payoff.rs",
            "scheduler.rs",
            "metrics.rs",
            "build.rs",
            "rng.rs",
        ];
        if core.iter().any(|c| path.contains(c)) {
            assert!(
                !text.contains("HashMap") && !text.contains("HashSet"),
                "{path} uses a hash container"
            );
        }
    }
}

#[test]
fn no_ignored_tests() {
    for (path, text) in sources() {
        assert!(
            !text.contains(concat!("#[", "ignore")),
            "{path} ignores a test"
        );
    }
}

#[test]
fn odd_process_overview_lists_the_scheduler_phases_in_order() {
    let odd = std::fs::read_to_string(repo("ODD.md")).unwrap();
    let begin = odd
        .find("<!-- phases:begin -->")
        .expect("ODD.md has a phases:begin marker");
    let end = odd
        .find("<!-- phases:end -->")
        .expect("ODD.md has a phases:end marker");
    let names: Vec<String> = odd[begin..end]
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.split_once(". `")?.1;
            Some(rest.split('`').next()?.to_string())
        })
        .collect();
    let code: Vec<String> = Phase::ALL.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(names, code);
}
