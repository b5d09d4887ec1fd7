//! Fuzz the whole pipeline: any bytes as `app2nix.toml` (in a project with an `app` directory
//! and a host configuration) must give generated files that parse, or an input error; never a
//! panic or an internal error (an app2nix bug, e.g. a generated file rnix rejects).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn project() -> &'static (tempfile::TempDir, PathBuf) {
    static PROJECT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        // What the seed descriptions (the examples and fixtures) refer to.
        for d in ["app", "backend", "frontend/dist/assets", "web", "host"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        for (path, text) in [
            ("frontend/dist/index.html", "<!doctype html>\n"),
            ("host.nix", "{ }\n"),
            ("host/configuration.nix", "{ }\n"),
            ("backend/base_schema.sql", "SELECT 1;\n"),
            ("backend/pyproject.toml", "[project]\nname = \"x\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
        ] {
            std::fs::write(dir.path().join(path), text).expect("project file");
        }
        let file = dir.path().join("app2nix.toml");
        (dir, file)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, file) = project();
    std::fs::write(file, data).expect("write description");
    match app2nix::generate::generate(file, Some(&dir.path().join("out"))) {
        Ok(files) => {
            for f in &files {
                if f.path.extension().is_some_and(|e| e == "nix") {
                    assert!(
                        rnix::Root::parse(&f.text).errors().is_empty(),
                        "{} does not parse",
                        f.path.display()
                    );
                }
            }
        }
        Err(app2nix::generate::Failure::Invalid(msg)) => {
            assert!(msg.starts_with("error: "), "unclear error: {msg}");
        }
        Err(app2nix::generate::Failure::Internal(e)) => panic!("internal error: {e}"),
    }
});
