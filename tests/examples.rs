//! The bundled examples: one insta snapshot per example (every generated file, concatenated),
//! and a check that `modules/` holds exactly what the binary generates from `examples/`.

use std::path::{Path, PathBuf};

const EXAMPLES: &[&str] = &[
    "incident-tracker",
    "nanotrace",
    "nanotrace-cluster",
    "request-tracker-utils",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Generate an example as `app2nix generate -f examples/<name>/app2nix.toml --out modules` would
/// from the repository root.
fn generate(name: &str) -> Vec<app2nix::output::GeneratedFile> {
    let file = root().join("examples").join(name).join("app2nix.toml");
    match app2nix::generate::generate(&file, Some(&root().join("modules"))) {
        Ok(files) => files,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

#[test]
fn snapshots() {
    for name in EXAMPLES {
        let mut all = String::new();
        for f in generate(name) {
            let rel = f
                .path
                .strip_prefix(root())
                .unwrap_or(&f.path)
                .display()
                .to_string();
            all.push_str(&format!("==> {rel} <==\n{}", f.text));
        }
        insta::assert_snapshot!(*name, all);
    }
}

/// The fixture whose driver loads a native library (`tests/fixtures/uv-native`): its Python
/// environment, with `[package.python.native]` applied to the locked package (issue 18, item
/// 10).
#[test]
fn native_libraries_snapshot() {
    let file = root().join("tests/fixtures/uv-native/app2nix.toml");
    let files = match app2nix::generate::generate(&file, None) {
        Ok(files) => files,
        Err(e) => panic!("uv-native: {e:?}"),
    };
    let env = files
        .iter()
        .find(|f| f.path.ends_with("ledger-python.nix"))
        .expect("ledger-python.nix");
    insta::assert_snapshot!("uv-native-python", env.text);
}

#[test]
fn committed_modules_are_fresh() {
    let mut stale = Vec::new();
    for name in EXAMPLES {
        for f in generate(name) {
            let on_disk = std::fs::read_to_string(&f.path).unwrap_or_default();
            if on_disk != f.text {
                stale.push(f.path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nregenerate with: for e in examples/*/; do cargo run -- generate -f $e/app2nix.toml --out modules; done"
    );
}

#[test]
fn every_module_in_modules_comes_from_an_example() {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("modules"))
        .expect("modules/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    found.sort();
    let mut expected: Vec<PathBuf> = EXAMPLES
        .iter()
        .flat_map(|n| generate(n))
        .map(|f| f.path)
        .filter(|p| p.starts_with(root().join("modules")))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn generation_is_deterministic() {
    for name in EXAMPLES {
        assert_eq!(generate(name), generate(name), "{name}");
    }
}

/// The lock of the example on several hosts is one `nix flake lock` would accept: every input
/// of colmena's and deploy-rs's own flake.nix has a node or a `follows`, every reference
/// resolves, every locked node has a real revision and NAR hash, and nothing is unreachable.
#[test]
fn the_cluster_lock_holds_colmena_and_deploy_rs_with_their_inputs() {
    let text = std::fs::read_to_string(root().join("examples/nanotrace-cluster/flake.lock"))
        .expect("flake.lock");
    let lock: serde_json::Value = serde_json::from_str(&text).expect("json");
    let nodes = lock["nodes"].as_object().expect("nodes");
    let inputs_of = |id: &str| -> Vec<String> {
        let mut names: Vec<String> = nodes[id]["inputs"]
            .as_object()
            .map(|i| i.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    };
    assert_eq!(
        inputs_of("colmena"),
        [
            "flake-compat",
            "flake-utils",
            "nix-github-actions",
            "nixpkgs",
            "stable"
        ]
    );
    assert_eq!(inputs_of("deploy-rs"), ["flake-compat", "nixpkgs", "utils"]);
    assert_eq!(
        nodes["colmena"]["inputs"]["nixpkgs"],
        serde_json::json!(["nixpkgs"])
    );
    assert_eq!(
        nodes["colmena"]["inputs"]["stable"],
        serde_json::json!(["nixpkgs"])
    );
    assert_eq!(
        nodes["deploy-rs"]["inputs"]["nixpkgs"],
        serde_json::json!(["nixpkgs"])
    );
    // Every reference resolves: a node id, or a `follows` path from the root.
    let mut reached = std::collections::BTreeSet::from(["root".to_string()]);
    let mut queue = vec!["root".to_string()];
    while let Some(id) = queue.pop() {
        for target in nodes[&id]["inputs"]
            .as_object()
            .into_iter()
            .flat_map(|i| i.values())
        {
            if let Some(t) = target.as_str() {
                assert!(nodes.contains_key(t), "{id} names a missing node {t}");
                if reached.insert(t.to_string()) {
                    queue.push(t.to_string());
                }
            } else {
                assert!(
                    follows(nodes, target, 0).is_some(),
                    "{id}: {target} does not resolve"
                );
            }
        }
    }
    assert_eq!(reached.len(), nodes.len(), "unreachable nodes in the lock");
    for (id, node) in nodes.iter().filter(|(id, _)| *id != "root") {
        let locked = &node["locked"];
        assert!(
            locked["narHash"]
                .as_str()
                .is_some_and(|h| h.starts_with("sha256-")),
            "{id}"
        );
        assert!(
            locked["rev"].as_str().is_some_and(|r| r.len() == 40) || locked["type"] == "tarball",
            "{id}"
        );
    }
    assert_eq!(nodes["flake-compat"]["flake"], serde_json::json!(false));
}

/// The node a `follows` path (input names from the root) leads to; inputs along the way may
/// follow other paths themselves.
fn follows(
    nodes: &serde_json::Map<String, serde_json::Value>,
    path: &serde_json::Value,
    depth: usize,
) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let mut at = "root".to_string();
    for step in path.as_array()? {
        let input = &nodes.get(&at)?["inputs"][step.as_str()?];
        at = match input.as_str() {
            Some(id) => id.to_string(),
            None => follows(nodes, input, depth + 1)?,
        };
    }
    nodes.contains_key(&at).then_some(at)
}
