//! The generated builds from lock files, evaluated with the real libraries, deeper than the
//! flake evaluation's stand-ins (`../shared/tools/nixos-eval/run-flake` checks that the lock
//! parses and the overlays apply by name):
//!
//! - `<app>-python.nix` with the real pyproject.nix and uv2nix libraries over a stand-in build
//!   scope: uv2nix resolves the lock for Linux and the interpreter (asserting `requires-python`),
//!   every override app2nix writes names a package of that resolution, source builds get the
//!   build systems of the description, the workspace's packages their filtered sources, and
//!   the environment holds the workspace's packages.
//! - `<app>-<asset>.nix` with nixpkgs' real `importNpmLock`: every package of
//!   `package-lock.json` is fetched by its URL and integrity hash (forced for the whole lock).
//!
//! Needs `NIXPKGS_LIB`, `PYPROJECT_NIX`, `UV2NIX` (checkouts, see DEVELOPERS.md) and
//! `IMPORT_NPM_LOCK` (nixpkgs' `pkgs/build-support/node/import-npm-lock/default.nix`); ignored
//! otherwise, like the other evaluations `.ci/run` runs when they are set.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn env_path(var: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| panic!("set {var} (see DEVELOPERS.md)")))
}

fn nix_eval(expr: &str) -> serde_json::Value {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", expr])
        .env("NIX_STATE_DIR", "/tmp/app2nix-nix-state")
        .output()
        .expect("nix-instantiate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Generate `dir`'s description in place (the files land beside it).
fn generate(dir: &Path) {
    let out = common::run(dir, &["generate", "--module-only"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of a project (an example or a fixture), generated in place.
fn project(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("p");
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel), &dir);
    generate(&dir);
    (tmp, dir)
}

/// Evaluate `<app>-python.nix` over a stand-in scope: what the overlays and the environment
/// give.
fn python_env(dir: &Path, app: &str) -> serde_json::Value {
    let lib = common::nixpkgs_lib();
    let file = dir.join(format!("{app}-python.nix"));
    nix_eval(&format!(
        r#"
let
  lib = import {lib};
  platform = lib.systems.elaborate "x86_64-linux";
  pyproject-nix = {{
    lib = import ({pyproject}/lib) {{ inherit lib; }};
    build.packages = {{ __standIn = true; }};
  }};
  uv2nix.lib = import ({uv2nix}/lib) {{ inherit lib pyproject-nix; }};
  python = {{
    pythonVersion = "3.13"; version = "3.13.5"; implementation = "cpython";
    passthru = {{ pythonVersion = "3.13"; implementation = "cpython"; }};
    stdenv.hostPlatform = platform;
    # nixpkgs' releases of what app2nix may add beside the lock.
    pkgs = lib.genAttrs [ "gunicorn" "packaging" ] (n: {{
      pname = n; version = "1.0"; src = "/nixpkgs-source-of-${{n}}";
    }});
  }};
  # A package of the scope: what an override makes of it is kept for the checks.
  package = name: {{
    inherit name;
    overrideAttrs = f: package name // {{
      overridden = f {{ src = "/source-of-${{name}}"; nativeBuildInputs = [ "hook" ]; }};
    }};
  }};
  scope = {{
    inherit python;
    stdenv = {{
      hostPlatform = platform; targetPlatform = platform; buildPlatform = platform;
      mkDerivation = attrs: attrs // {{ built = true; }};
    }};
    pyprojectHook = "hook";
    resolveBuildSystem = spec: map (n: "build-system:" + n) (lib.attrNames spec);
    callPackage = _fn: _args: package "from-lock";
  }};
  set = base: {{
    overrideScope = overlay: set (lib.fix (final: base // overlay final base));
    mkVirtualEnv = name: deps: {{ inherit name deps; scope = base; }};
  }};
  pkgs = {{
    callPackage = fn: args: assert fn ? __standIn; assert args.python == python; set scope;
  }};
  env = import {file} {{
    inherit lib pkgs python pyproject-nix uv2nix;
    pyproject-build-systems.overlays.wheel = _final: _prev: {{ }};
  }};
  packages = lib.filterAttrs (_: p: lib.isAttrs p && p ? name && p ? overrideAttrs) env.scope;
in
{{
  name = env.name;
  deps = env.deps;
  packages = lib.attrNames packages;
  # Sources are not forced (that would copy them): a filtered source is `cleanSourceWith`'s.
  # Packages built outside the lock: from what source, with what, depending on what.
  built = lib.mapAttrs (_: p: {{
    inherit (p) pname src nativeBuildInputs;
    dependencies = p.passthru.dependencies or {{ }};
  }}) (lib.filterAttrs (_: p: lib.isAttrs p && p.built or false) env.scope);
  overridden = lib.mapAttrs (_: p: {{
    nativeBuildInputs = p.overridden.nativeBuildInputs or null;
    filtered_src = p.overridden ? src && lib.isAttrs p.overridden.src && p.overridden.src ? filter;
  }}) (lib.filterAttrs (_: p: p ? overridden) packages);
}}
"#,
        lib = lib.display(),
        pyproject = env_path("PYPROJECT_NIX").display(),
        uv2nix = env_path("UV2NIX").display(),
        file = file.display(),
    ))
}

#[test]
#[ignore = "needs NIXPKGS_LIB, PYPROJECT_NIX and UV2NIX: run by .ci/run"]
fn uv_environments_resolve_with_the_real_uv2nix() {
    // The example: 17 locked packages, the app a workspace of one.
    let (_tmp, dir) = project("examples/incident-tracker");
    let env = python_env(&dir, "incident-tracker");
    assert_eq!(env["name"], "incident-tracker-env");
    assert_eq!(env["deps"], serde_json::json!({ "incident-tracker": [] }));
    let packages = env["packages"].as_array().expect("packages");
    assert!(packages.len() >= 15, "{packages:?}");
    for p in [
        "fastapi",
        "uvicorn",
        "sqlalchemy",
        "psycopg2-binary",
        "incident-tracker",
    ] {
        assert!(
            packages.iter().any(|x| x == p),
            "{p} not resolved: {packages:?}"
        );
    }
    // The app's own source is the filtered one.
    assert_eq!(
        env["overridden"]["incident-tracker"]["filtered_src"], true,
        "{env}"
    );

    // The workspace fixture: two members, a source-only package with its build systems.
    let (_tmp, dir) = project("tests/fixtures/uv-workspace");
    let env = python_env(&dir, "board");
    // The app's project only; its workspace dependency comes with it.
    assert_eq!(env["deps"], serde_json::json!({ "board": [] }));
    assert_eq!(
        env["overridden"]["docopt"]["nativeBuildInputs"],
        serde_json::json!(["hook", "build-system:setuptools", "build-system:wheel"])
    );
    for member in ["board", "greeting"] {
        assert_eq!(
            env["overridden"][member]["filtered_src"], true,
            "{member}: {env}"
        );
    }
}

/// A project whose lock holds no gunicorn (it runs uWSGI): init's description, generated, gets
/// nixpkgs' gunicorn (and `packaging`, which the lock lacks too) built into the environment.
#[test]
#[ignore = "needs NIXPKGS_LIB, PYPROJECT_NIX and UV2NIX: run by .ci/run"]
fn a_server_the_lock_lacks_is_built_from_nixpkgs_source() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("bookshelf");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/init/uv-uwsgi"),
        &dir,
    );
    let init = common::run(&dir, &["init"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    generate(&dir);
    let env = python_env(&dir, "bookshelf");
    assert_eq!(
        env["deps"],
        serde_json::json!({ "bookshelf": ["postgres"], "gunicorn": [], "packaging": [] })
    );
    assert_eq!(
        env["built"]["gunicorn"],
        serde_json::json!({
            "pname": "gunicorn",
            "src": "/nixpkgs-source-of-gunicorn",
            "nativeBuildInputs": ["hook", "build-system:setuptools"],
            "dependencies": { "packaging": [] },
        })
    );
    assert_eq!(
        env["built"]["packaging"]["nativeBuildInputs"],
        serde_json::json!(["hook", "build-system:flit-core"])
    );
    // The lock's own packages are still uv2nix's.
    let packages = env["packages"].as_array().expect("packages");
    assert!(packages.iter().any(|p| p == "django"), "{packages:?}");
}

#[test]
#[ignore = "needs NIXPKGS_LIB and IMPORT_NPM_LOCK: run by .ci/run"]
fn npm_assets_fetch_every_locked_package_with_the_real_import_npm_lock() {
    let (_tmp, dir) = project("examples/incident-tracker");
    let lib = common::nixpkgs_lib();
    let result = nix_eval(&format!(
        r#"
let
  lib = import {lib};
  importNpmLock = import {import_npm_lock} {{
    inherit lib;
    fetchurl = {{ url, hash }}: assert lib.hasPrefix "sha512-" hash || lib.hasPrefix "sha1-" hash;
      {{ outPath = "/nix/store/00000000000000000000000000000000-" + baseNameOf url; }};
    stdenv = {{ }};
    callPackages = _: _: {{ npmConfigHook = "npm-config-hook"; linkNodeModulesHook = "hook"; }};
    runCommand = name: env: _script: {{ inherit name env; }};
  }};
  drv = import {file} {{ inherit lib importNpmLock; buildNpmPackage = args: args; }};
  lock = builtins.fromJSON drv.npmDeps.env.packageLock;
  fetched = lib.filterAttrs (path: p: path != "" && !(p.link or false)) lock.packages;
in
{{
  inherit (drv) pname version npmBuildScript env;
  hook = drv.npmConfigHook;
  packages = lib.length (lib.attrNames fetched);
  all_from_store = lib.all (p: lib.hasPrefix "file:/nix/store/" p.resolved) (lib.attrValues fetched);
}}
"#,
        lib = lib.display(),
        import_npm_lock = env_path("IMPORT_NPM_LOCK").display(),
        file = dir.join("incident-tracker-frontend.nix").display(),
    ));
    assert_eq!(result["pname"], "incident-tracker-frontend");
    assert_eq!(result["npmBuildScript"], "build");
    assert_eq!(result["hook"], "npm-config-hook");
    assert_eq!(result["env"]["VITE_API_URL"], "/api");
    assert!(result["packages"].as_u64().unwrap_or(0) >= 50, "{result}");
    assert_eq!(result["all_from_store"], true, "{result}");
}
