//! The module layout the docs promise, checked on the source: the files of `src/actor/` import
//! each other without a cycle (each depends only on files before it), and `error.rs` (the one
//! vocabulary of errors) imports neither the ring nor the mailbox.
//!
//! A line-based reader: it sees `use super::NAME` / `use super::{A, B}` (also `super::NAME::`
//! paths inside other `use` lines of a multi-line list), which is how the actor files refer to
//! each other; a path written out in full inside code (`super::run::run(..)`) is not seen.

#![cfg(not(miri))] // reads the source tree; Miri runs isolated, without a file system

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// `file stem -> sibling stems it uses`, for the `.rs` files of `dir` other than `mod.rs`.
fn sibling_uses(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("the actor folder") {
        let path = entry.expect("a directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) == Some("rs") && stem != "mod" {
            files.insert(
                stem.to_owned(),
                fs::read_to_string(&path).expect("readable"),
            );
        }
    }
    let names: BTreeSet<String> = files.keys().cloned().collect();
    files
        .into_iter()
        .map(|(stem, text)| {
            let mut uses = BTreeSet::new();
            for (i, _) in text.match_indices("super::") {
                let rest = &text[i + "super::".len()..];
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if names.contains(&word) && word != stem {
                    uses.insert(word);
                }
                if rest.starts_with('{') {
                    let list = &rest[1..rest.find('}').unwrap_or(rest.len())];
                    for item in list.split(',') {
                        let word = item.trim().split("::").next().unwrap_or("").to_owned();
                        if names.contains(&word) && word != stem {
                            uses.insert(word);
                        }
                    }
                }
            }
            (stem, uses)
        })
        .collect()
}

/// A cycle in `graph`, if any, as the path of files that closes it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn actor_files_import_each_other_without_a_cycle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/actor");
    let graph = sibling_uses(&dir);
    for expected in [
        "shared", "context", "report", "addr", "handle", "options", "run",
    ] {
        assert!(
            graph.contains_key(expected),
            "src/actor/{expected}.rs is missing"
        );
    }
    assert!(
        graph["options"].contains("run") && graph["addr"].contains("context"),
        "the reader no longer sees the imports: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle in src/actor/: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
            g.entry((*b).to_owned()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn error_rs_imports_neither_the_ring_nor_the_mailbox() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/error.rs");
    let text = fs::read_to_string(path).expect("readable");
    for line in text.lines().filter(|l| l.trim_start().starts_with("use ")) {
        assert!(
            !line.contains("crate::ring") && !line.contains("crate::mailbox"),
            "error.rs imports {line:?}"
        );
    }
}
