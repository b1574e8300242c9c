//! Nearest-name hints for error messages ("did you mean `t_m`?").
//!
//! Scenario validation and the 2025 world both suggest names; keeping the distance here
//! lets `config` use `world2025` without `world2025` reaching back into `config`.

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The name among `names` nearest to `s` (edit distance ignoring case, ties to the first).
pub fn nearest<'a>(s: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .min_by_key(|n| edit_distance(&s.to_ascii_lowercase(), &n.to_ascii_lowercase()))
}
