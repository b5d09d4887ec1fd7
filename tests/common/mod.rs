//! Helpers shared by the integration tests that run the binary on copied project trees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the app2nix binary with `args` in `dir`.
#[allow(dead_code)] // not every test crate runs the binary
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_app2nix"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run app2nix")
}

/// Everything a successful run printed (standard output, then standard error); panics with
/// its standard error when it failed.
#[allow(dead_code)] // not every test crate reads both streams
pub fn printed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Copy the directory tree `from` to `to`.
#[allow(dead_code)] // not every test crate copies trees
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("ls") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// `NIXPKGS_LIB`'s `lib/`: a checkout, or a bare git directory cloned once the way the
/// nixos-eval tools do (to /tmp/nixpkgs-lib-checkout).
#[allow(dead_code)]
pub fn nixpkgs_lib() -> PathBuf {
    let dir = PathBuf::from(
        std::env::var("NIXPKGS_LIB").expect("set NIXPKGS_LIB to a nixpkgs.lib checkout"),
    );
    if dir.join("lib").is_dir() {
        return dir.join("lib");
    }
    let checkout = PathBuf::from("/tmp/nixpkgs-lib-checkout");
    if !checkout.join("lib").is_dir() {
        let status = Command::new("git")
            .args(["clone", "-q"])
            .arg(&dir)
            .arg(&checkout)
            .status()
            .expect("git clone");
        assert!(status.success(), "cannot clone {}", dir.display());
    }
    checkout.join("lib")
}

/// A Nix string literal (JSON strings are Nix strings once `${` is escaped).
#[allow(dead_code)]
pub fn nix_str(s: &str) -> String {
    serde_json::to_string(s)
        .expect("json")
        .replace("${", "\\${")
}

/// Evaluate generated modules (`(path, app)`, each enabled) with `extra` (a Nix module) in the
/// real nixpkgs module system, against the option slice of `../shared/tools/nixos-eval`, and
/// return `summary` (a Nix expression over `lib` and `config`) as JSON. Evaluation errors
/// (conflicts, failed assertions, type errors) panic with Nix's message.
#[allow(dead_code)]
pub fn nixos_eval(
    modules: &[(&Path, &str)],
    extra: &str,
    agenix: bool,
    summary: &str,
) -> serde_json::Value {
    let out = try_nixos_eval(modules, extra, agenix, summary);
    assert!(
        out.status.success(),
        "evaluation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// [`nixos_eval`] without the success check: the evaluation's output.
/// Options of nixpkgs the shared slice lacks (`tests/nixos-eval/slice-extension.nix`), as the
/// evaluation imports them; nothing when the slice has them all (a second declaration is an
/// error, so an extension holds only what the slice still lacks; see `.ci/nixos-eval`).
#[allow(dead_code)]
pub fn slice_extension() -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nixos-eval/slice-extension.nix");
    if file.exists() {
        file.display().to_string()
    } else {
        String::new()
    }
}

#[allow(dead_code)]
pub fn try_nixos_eval(
    modules: &[(&Path, &str)],
    extra: &str,
    agenix: bool,
    summary: &str,
) -> Output {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/nixos-eval");
    let imports: Vec<String> = modules
        .iter()
        .map(|(m, app)| format!("{} {{ services.{app}.enable = true; }}", m.display()))
        .collect();
    let agenix_module = if agenix {
        format!("{}/agenix-module.nix", tools.display())
    } else {
        String::new()
    };
    let expr = format!(
        r#"let
  lib = import {lib};
  pkgs = import {tools}/pkgs.nix {{ inherit lib; }};
  evaluated = lib.evalModules {{
    specialArgs = {{ inherit pkgs; modulesPath = "/nix/store/00000000000000000000000000000000-nixos/modules"; }};
    modules = [ {tools}/options.nix {extension} {agenix_module} {imports} ({extra}) ];
  }};
  config = evaluated.config;
  failed = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
in
if failed != [ ] then throw "failed assertions: ${{lib.concatStringsSep "; " failed}}" else ({summary})"#,
        lib = nixpkgs_lib().display(),
        extension = slice_extension(),
        tools = tools.display(),
        imports = imports.join(" "),
    );
    Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .env(
            "NIX_STATE_DIR",
            std::env::temp_dir().join("app2nix-tests-nix"),
        )
        .output()
        .expect("nix-instantiate")
}
