//! Tidy checks on the source tree, run by `cargo test` (rust-analyzer's tidy.rs).

use blocs::scheduler::Phase;

use crate::repo;

/// The Rust files under `dirs` (repository-relative, `/`-separated) with their text, sorted.
fn rust_files(dirs: &[&str]) -> Vec<(String, String)> {
    let root = repo("");
    let mut out = Vec::new();
    let mut stack: Vec<_> = dirs.iter().map(|d| repo(d)).collect();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).unwrap().to_string_lossy();
                out.push((rel.replace('\\', "/"), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Both crates' sources.
fn sources() -> Vec<(String, String)> {
    rust_files(&["src", CORE_SRC])
}

/// The model core's sources.
fn core_sources() -> Vec<(String, String)> {
    rust_files(&[CORE_SRC])
}

const CORE_SRC: &str = "crates/blocs-core/src";

/// `text` without its comments (`//` to the end of the line), so that a doc comment may
/// name what the code must not use.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    for (path, text) in rust_files(&["src", CORE_SRC, "tests", "benches"]) {
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
    let files = core_sources();
    assert!(files.len() > 10, "the core's sources are found");
    for (path, text) in files {
        assert!(
            !text.contains("HashMap") && !text.contains("HashSet"),
            "{path} uses a hash container"
        );
    }
}

/// The core does no IO: no files, no standard streams, no printing, no environment,
/// processes, threads or clock (the shell owns all of them).
#[test]
fn no_io_in_the_model_core() {
    let banned = [
        "std::fs",
        "std::io",
        "std::env",
        "std::process",
        "std::thread",
        "std::time",
        "std::net",
        "File::",
        "println!",
        "print!",
        "eprintln!",
        "eprint!",
        "dbg!",
    ];
    for (path, text) in core_sources() {
        let code = code(&text);
        for bad in banned {
            assert!(
                !code.contains(bad),
                "{path} uses {bad}: the core does no IO"
            );
        }
    }
}

/// The command line's crates appear only in the binary: `src/main.rs`, `src/cli.rs` and
/// `src/cli/`.
#[test]
fn anyhow_clap_and_indicatif_only_in_the_binary() {
    let binary = |p: &str| p == "src/main.rs" || p == "src/cli.rs" || p.starts_with("src/cli/");
    for (path, text) in sources() {
        if binary(&path) {
            continue;
        }
        let code = code(&text);
        for bad in ["anyhow", "clap", "indicatif"] {
            assert!(
                !code.contains(bad),
                "{path} uses {bad}, which only the binary may"
            );
        }
    }
    let lib = std::fs::read_to_string(repo("src/lib.rs")).unwrap();
    assert!(
        !lib.contains("mod cli"),
        "the library declares the command line"
    );
}

/// Library errors are types, not strings: no public function of either crate returns
/// `Result<_, String>`.
#[test]
fn no_string_errors_in_the_public_api() {
    for (path, text) in sources() {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            if !t.starts_with("pub fn") && !t.starts_with("pub const fn") {
                continue;
            }
            // The signature runs to the line that opens the body (or ends a declaration).
            let mut sig = String::new();
            for l in &lines[i..] {
                sig.push_str(l.trim());
                sig.push(' ');
                if l.trim_end().ends_with('{') || l.trim_end().ends_with(';') {
                    break;
                }
            }
            let ret = sig.split_once("->").map_or("", |r| r.1);
            let compact: String = ret.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                !(compact.contains("Result<") && compact.contains(",String>")),
                "{path}:{}: a public function returns Result<_, String>: {sig}",
                i + 1
            );
        }
    }
}

/// The core's dependencies are exactly the model's: nothing that reads files, spawns
/// threads, draws or parses a command line, and not the shell (cargo forbids a cycle, so
/// without `blocs` in this list the core cannot import from the shell).
#[test]
fn the_core_depends_only_on_the_model_crates() {
    let manifest = std::fs::read_to_string(repo("crates/blocs-core/Cargo.toml")).unwrap();
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            tables.push((line.to_string(), Vec::new()));
        } else if let (Some(t), Some((key, _)), false) = (
            tables.last_mut(),
            line.split_once('='),
            line.starts_with('#'),
        ) {
            t.1.push(key.trim().to_string());
        }
    }
    let deps: Vec<&(String, Vec<String>)> = tables
        .iter()
        .filter(|t| t.0.contains("dependencies"))
        .collect();
    assert_eq!(
        deps.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["[dependencies]"],
        "the core has no dev-, build- or target-specific dependencies"
    );
    let mut names = deps[0].1.clone();
    names.sort();
    assert_eq!(
        names,
        [
            "libm",
            "rand",
            "rand_chacha",
            "rand_core",
            "ron",
            "serde",
            "thiserror"
        ]
    );
    assert!(
        !repo("crates/blocs-core/build.rs").exists(),
        "the core has no build script"
    );
}

/// ODD.md is the model's specification; no file points to a model file that does not
/// exist.
#[test]
fn no_references_to_a_model_md() {
    let name = concat!("MODEL", ".md");
    let root = repo("");
    let mut stack = vec![root.clone()];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if !["target", "output", ".git"].contains(&file.as_str()) {
                    stack.push(p);
                }
                continue;
            }
            assert_ne!(file, name, "{} exists", p.display());
            // Text files only: the figures and data are not searched.
            if let Ok(text) = std::fs::read_to_string(&p) {
                checked += 1;
                assert!(
                    !text.contains(name),
                    "{} points to {name}; point to ODD.md",
                    p.display()
                );
            }
        }
    }
    assert!(checked > 50, "the repository's text files are found");
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
const WORLD_FIELDS: [&str; 13] = [
    "countries",
    "agreements",
    "new_agreement",
    "bridge_agreement",
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
