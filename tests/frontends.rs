//! Frontends built from source and placed where the app reads them (issue 19): each fixture of
//! `tests/fixtures/frontend-*` generated in a copy, its asset files and the module's parts that
//! build, place and serve the assets snapshotted. `.ci/run` evaluates the same fixtures in the
//! module system and `run-flake`.

use std::path::Path;

mod common;

/// The fixtures, by directory name.
const FIXTURES: &[&str] = &[
    "frontend-into",
    "frontend-bun",
    "frontend-pnpm",
    "frontend-yarn",
];

/// The generated files of `fixture` (asset files whole, the module's asset lines), as one text.
fn generated(fixture: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        dir.path(),
    );
    let out = common::run(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::printed(&out));
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    let mut all = String::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&f).expect("read");
        if name.ends_with("-vm-test.nix") || name == "flake.nix" || name.ends_with("-package.nix") {
            continue;
        }
        if text.contains("nixosModules") || !name.contains('-') {
            // The module: the lines that build, place and serve the assets.
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("assets") || l.contains("$out/"))
                .collect();
            all.push_str(&format!(
                "==> {name} (asset lines) <==\n{}\n",
                lines.join("\n")
            ));
        } else {
            all.push_str(&format!("==> {name} <==\n{text}"));
        }
    }
    all
}

#[test]
fn snapshots() {
    for fixture in FIXTURES {
        insta::assert_snapshot!(*fixture, generated(fixture));
    }
}
