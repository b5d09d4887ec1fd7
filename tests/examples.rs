//! The bundled examples: one insta snapshot per example (every generated file, concatenated),
//! and a check that `modules/` holds exactly what the binary generates from `examples/`.

use std::path::{Path, PathBuf};

const EXAMPLES: &[&str] = &["incident-tracker", "nanotrace", "request-tracker-utils"];

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
