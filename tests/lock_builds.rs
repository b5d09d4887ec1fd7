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
    python_env_with(dir, app, "/nix/store/00000000000000000000000000000000-")
}

/// [`python_env`], the nixpkgs packages an override names (`libpq`, `pkg-config`, the C
/// library) standing in as `<store><name>`.
fn python_env_with(dir: &Path, app: &str, store: &str) -> serde_json::Value {
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
  # (environment markers read its platforms and name: `python_full_version < '3.13'`)
  python = {{
    pname = "python3"; pythonVersion = "3.13"; version = "3.13.5"; implementation = "cpython";
    passthru = {{ pythonVersion = "3.13"; implementation = "cpython"; }};
    stdenv = {{ hostPlatform = platform; targetPlatform = platform; buildPlatform = platform; }};
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
  standIn = name: {{ inherit name; outPath = "{store}${{name}}"; }};
  pkgs = {{
    callPackage = fn: args: assert fn ? __standIn; assert args.python == python; set scope;
    libpq = standIn "libpq";
    pkg-config = standIn "pkg-config";
    # (the C library; the platforms as the scope has them)
    stdenv = scope.stdenv // {{ cc.libc = standIn "glibc"; }};
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
    buildInputs = p.overridden.buildInputs or null;
    postFixup = p.overridden.postFixup or null;
    filtered_src = p.overridden ? src && lib.isAttrs p.overridden.src && p.overridden.src ? filter;
  }}) (lib.filterAttrs (_: p: p ? overridden) packages);
}}
"#,
        lib = lib.display(),
        pyproject = env_path("PYPROJECT_NIX").display(),
        uv2nix = env_path("UV2NIX").display(),
        file = file.display(),
        store = store,
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

/// A package's native libraries (issue 18, item 10): `[package.python.native.psycopg]` of the
/// fixture gives the resolved `psycopg` its build inputs, and its `find_library("pq")` (psycopg
/// 3's pure-Python libpq loader) and `find_library("c")` become the files of libpq and of the
/// C library, as nixpkgs' psycopg does with a patch. The fixup script is run on a copy of
/// psycopg's loader, against stand-in packages holding those libraries.
#[test]
#[ignore = "needs NIXPKGS_LIB, PYPROJECT_NIX and UV2NIX: run by .ci/run"]
fn native_libraries_reach_the_resolved_package() {
    let (tmp, dir) = project("tests/fixtures/uv-native");
    let store = tmp.path().join("store");
    for (pkg, libs) in [
        ("libpq", &["libpq.so", "libpq.so.5", "libpq.so.5.18"][..]),
        ("glibc", &["libc.so", "libc.so.6", "libm.so.6"][..]),
    ] {
        std::fs::create_dir_all(store.join(pkg).join("lib")).expect("lib");
        for l in libs {
            std::fs::write(store.join(pkg).join("lib").join(l), "ELF").expect("library");
        }
    }
    let prefix = format!("{}/", store.display());
    let env = python_env_with(&dir, "ledger", &prefix);
    let packages = env["packages"].as_array().expect("packages");
    assert!(packages.iter().any(|p| p == "psycopg"), "{packages:?}");
    let psycopg = &env["overridden"]["psycopg"];
    assert_eq!(
        psycopg["buildInputs"],
        serde_json::json!([format!("{prefix}libpq")]),
        "{env}"
    );
    assert_eq!(
        psycopg["nativeBuildInputs"],
        serde_json::json!(["hook", format!("{prefix}pkg-config")])
    );
    // No other package is touched.
    assert_eq!(
        env["overridden"]
            .as_object()
            .expect("overridden")
            .keys()
            .collect::<Vec<_>>(),
        ["ledger", "psycopg"]
    );

    // The fixup, on psycopg's loader as psycopg 3.3 ships it.
    let script = psycopg["postFixup"].as_str().expect("postFixup");
    let out = tmp.path().join("out");
    let pq = out.join("lib/python3.13/site-packages/psycopg/pq");
    std::fs::create_dir_all(&pq).expect("pq");
    std::fs::write(
        pq.join("misc.py"),
        "    else:\n        libname = ctypes.util.find_library(\"pq\")\n",
    )
    .expect("misc.py");
    std::fs::write(
        pq.join("_pq_ctypes.py"),
        "if not (libcname := ctypes.util.find_library(\"c\")):\n    libcname = \"libc.so\"\nother = find_library('pqx')\n",
    )
    .expect("_pq_ctypes.py");
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("out", &out)
        .output()
        .expect("bash");
    assert!(run.status.success(), "{}", common::printed(&run));
    let misc = std::fs::read_to_string(pq.join("misc.py")).expect("misc.py");
    assert_eq!(
        misc,
        format!("    else:\n        libname = \"{prefix}libpq/lib/libpq.so\"\n")
    );
    let ctypes = std::fs::read_to_string(pq.join("_pq_ctypes.py")).expect("_pq_ctypes.py");
    assert!(
        ctypes.starts_with(&format!(
            "if not (libcname := \"{prefix}glibc/lib/libc.so.6\"):"
        )),
        "{ctypes}"
    );
    assert!(
        ctypes.ends_with("other = find_library('pqx')\n"),
        "{ctypes}"
    );

    // A package built from source and given native inputs gets one override with both.
    let (_tmp2, dir) = project("tests/fixtures/uv-workspace");
    let description = std::fs::read_to_string(dir.join("app2nix.toml")).expect("description");
    std::fs::write(
        dir.join("app2nix.toml"),
        description.replace(
            "[processes.web]",
            "[package.python.native.docopt]\nbuild_inputs = [\"libpq\"]\nnative_build_inputs = [\"pkg-config\"]\n\n[processes.web]",
        ),
    )
    .expect("description");
    generate(&dir);
    let env = python_env_with(&dir, "board", &prefix);
    assert_eq!(
        env["overridden"]["docopt"]["nativeBuildInputs"],
        serde_json::json!([
            "hook",
            "build-system:setuptools",
            "build-system:wheel",
            format!("{prefix}pkg-config")
        ]),
        "{env}"
    );
    assert_eq!(
        env["overridden"]["docopt"]["buildInputs"],
        serde_json::json!([format!("{prefix}libpq")])
    );
    assert_eq!(
        env["overridden"]["docopt"]["postFixup"],
        serde_json::Value::Null
    );

    // A package that loads none of the libraries fails to build, saying which.
    std::fs::write(pq.join("misc.py"), "libname = None\n").expect("misc.py");
    std::fs::write(pq.join("_pq_ctypes.py"), "\n").expect("_pq_ctypes.py");
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("out", &out)
        .output()
        .expect("bash");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        err.contains("no find_library call") && err.contains("libpq/lib"),
        "{err}"
    );
}
