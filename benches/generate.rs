//! `cargo bench`: time of the whole pipeline (read, validate, render, rnix check) on the bundled
//! examples and on a synthetic description with many processes and tasks.

use std::path::{Path, PathBuf};

fn main() {
    divan::main();
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("app2nix.toml")
}

#[divan::bench(args = ["nanotrace", "request-tracker-utils", "incident-tracker"])]
fn examples(bencher: divan::Bencher, name: &str) {
    let file = example(name);
    bencher.bench(|| {
        app2nix::cli::generate(divan::black_box(&file), None)
            .map(|f| f.len())
            .ok()
    });
}

/// A description with `n` processes, `n` tasks and `n` environment variables.
fn synthetic(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let mut s = String::from(
        "[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[postgresql]\n\n[secrets]\nSECRET_KEY = \"env\"\n\n[env]\n",
    );
    for i in 0..n {
        s.push_str(&format!("VAR_{i} = \"value {i}\"\n"));
    }
    for i in 0..n {
        s.push_str(&format!(
            "\n[processes.p{i}]\nwsgi = \"app.m{i}:app\"\nlisten = \"127.0.0.1:{}\"\nworkers = 2\n",
            10_000 + i
        ));
        s.push_str(&format!(
            "\n[tasks.t{i}]\ncommand = \"echo {i}\"\nbefore = [\"p{i}\"]\n"
        ));
    }
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, s).expect("write");
    (dir, file)
}

#[divan::bench(args = [10, 50, 200])]
fn processes(bencher: divan::Bencher, n: usize) {
    let (_dir, file) = synthetic(n);
    assert!(app2nix::cli::generate(&file, None).is_ok());
    bencher.bench(|| {
        app2nix::cli::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}
