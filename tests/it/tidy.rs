//! Tidy checks on the source tree, run by `cargo test` (rust-analyzer's tidy.rs).

use blocs::scheduler::Phase;

use crate::repo;

fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![repo("src"), repo("crates")];
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
            "payoff/",
            "scheduler.rs",
            "metrics.rs",
            "setup.rs",
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

/// The state fields of `World`: after a world is built, they change only through
/// `World::apply`, so every change has an inverse and one function lists them all.
const WORLD_FIELDS: [&str; 12] = [
    "countries",
    "agreements",
    "new_agreement",
    "in_m",
    "in_g",
    "locked",
    "wall",
    "t_m",
    "decision_rule",
    "accession_rule",
    "tick",
    "dist",
];

/// The places in `text` where a world's state field is assigned or borrowed mutably
/// directly (`world.in_m[i] = …`, `self.world.tick += 1`, `&mut sim.world.wall`,
/// `world.countries.iter_mut()`), as `line: code`. A world is any receiver spelled
/// `world`, which is how the model names it everywhere.
fn direct_world_writes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut from = 0;
        while let Some(at) = code[from..].find("world.") {
            let start = from + at;
            from = start + "world.".len();
            let before = &code[..start];
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `new_world.`, `some_world.`: a different name
            }
            let rest = &code[from..];
            let field_len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if !WORLD_FIELDS.contains(&&rest[..field_len]) {
                continue;
            }
            // Walk the place expression: indexes and further fields, no calls but `_mut`.
            let mut tail = &rest[field_len..];
            let mut mutating_call = false;
            loop {
                if let Some(r) = tail.strip_prefix('[') {
                    let mut depth = 1;
                    let close = r.find(|c| {
                        depth += match c {
                            '[' => 1,
                            ']' => -1,
                            _ => 0,
                        };
                        depth == 0
                    });
                    let Some(close) = close else { break };
                    tail = &r[close + 1..];
                } else if let Some(r) = tail.strip_prefix('.') {
                    let len = r
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(r.len());
                    if r[len..].starts_with('(') {
                        mutating_call = r[..len].ends_with("_mut");
                        break;
                    }
                    tail = &r[len..];
                } else {
                    break;
                }
            }
            let tail = tail.trim_start();
            let assigns = ["+=", "-=", "*=", "/=", "|=", "&="]
                .iter()
                .any(|op| tail.starts_with(op))
                || tail.starts_with('=') && !tail.starts_with("==") && !tail.starts_with("=>");
            let receiver_start = before
                .trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
                .trim_end();
            let borrows = receiver_start.ends_with("&mut");
            if assigns || borrows || mutating_call {
                found.push(format!("{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn world_state_changes_only_through_apply() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        // `World::apply` itself lives in model/world.rs; a file that declares a `World`
        // of its own (the plot tests' replay fixture) is about another type.
        if path.replace('\\', "/").ends_with("model/world.rs") || text.contains("struct World ") {
            continue;
        }
        for hit in direct_world_writes(&text) {
            offenders.push(format!("{path}:{hit}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "World state assigned directly; make it an Op through World::apply:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_world_write_check_sees_what_it_must() {
    let caught = [
        "self.world.locked[i as usize] = true;",
        "self.world.tick += 1;",
        "self.world.countries[i as usize].gdp *= factor;",
        "self.world.agreements[k as usize].spec.rule = r;",
        "world.t_m = 0.1;",
        "let w = &mut sim.world.wall;",
        "std::mem::replace(&mut self.world.decision_rule, r);",
        "for c in world.countries.iter_mut() {",
    ];
    for line in caught {
        assert_eq!(direct_world_writes(line).len(), 1, "missed: {line}");
    }
    let fine = [
        "self.world.apply(Op::SetLocked(i, true));",
        "if self.world.in_m[i as usize] == on {",
        "let gdp = self.world.countries[i as usize].gdp * factor;",
        "match self.world.decision_rule {",
        "InstitutionSel::M if !self.world.in_m[i as usize] => {",
        "self.engine.commit(&mut self.world, &self.spec.params, ops);",
        "new_world.tick = 3;",
        "s.multilateral.decision_rule = rule; // world.tick = 1 in a comment",
    ];
    for line in fine {
        assert_eq!(direct_world_writes(line), Vec::<String>::new(), "{line}");
    }
}

/// The names of the backticked words of `text` that are metric columns, in order of
/// first appearance.
fn metric_names_in(text: &str) -> Vec<String> {
    let columns: Vec<&str> = blocs::metrics::METRIC_COLUMNS
        .iter()
        .copied()
        .chain(["g_share"])
        .collect();
    let mut names: Vec<String> = Vec::new();
    for word in text.split('`').skip(1).step_by(2) {
        if columns.contains(&word) && !names.iter().any(|n| n == word) {
            names.push(word.to_string());
        }
    }
    names
}

#[test]
fn readme_and_odd_document_every_metric_column_in_order() {
    let mut expected: Vec<String> = blocs::metrics::METRIC_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.push("g_share".to_string());
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let table = readme
        .split("### timeseries.csv")
        .nth(1)
        .expect("README.md documents timeseries.csv")
        .split("\n#")
        .next()
        .unwrap();
    let rows: Vec<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .filter(|c| !["world", "seed", "tick"].contains(c))
        .map(str::to_string)
        .collect();
    assert_eq!(rows, expected, "README.md's timeseries.csv table");
    let odd = std::fs::read_to_string(repo("ODD.md")).unwrap();
    let section = odd
        .split("### 7.6 Observation")
        .nth(1)
        .expect("ODD.md has section 7.6")
        .split("\n#")
        .next()
        .unwrap();
    assert_eq!(metric_names_in(section), expected, "ODD.md section 7.6");
}
