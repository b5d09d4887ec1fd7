//! From a description file to the files it generates, checked and stamped; nothing is written
//! here. This step owns the project layout: where the module and its companions go (`--out`),
//! the flake, `flake.lock` and `secrets.nix` beside the description, what `--module-only` and
//! `--with-flake` select, and the generation stamp every file of one run shares.
//!
//! May call: `input` (reading), `description` and `model` (validation), `render` (text),
//! `output` (the rnix check, nixfmt and stamping; never writing). `cli` calls it and writes.

use std::path::{Component, Path, PathBuf};

use crate::input::{ReadError, read_regular};
use crate::model::Model;
use crate::output::{self, GeneratedFile};
use crate::render::{self, Layout, flake, vm_test};
use crate::{description, model};

/// Descriptions larger than this are refused before parsing: no real one comes close.
pub const MAX_DESCRIPTION_BYTES: u64 = 4 * 1024 * 1024;

/// Why generation failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: the message is ready to print (exit 2).
    Invalid(String),
    /// Environment or internal error (exit 3).
    Internal(String),
}

/// Which files a run writes, and where.
pub struct Selection<'a> {
    /// The directory of the module and its companions (default: the description's).
    pub out: Option<&'a Path>,
    /// The VM test (and, with `project_files`, the flake running it).
    pub vm_test: bool,
    /// The files beside the description: flake.nix, flake.lock, secrets.nix.
    pub project_files: bool,
}

impl Selection<'_> {
    /// Everything, into `out` (or beside the description).
    pub fn everything(out: Option<&Path>) -> Selection<'_> {
        Selection {
            out,
            vm_test: true,
            project_files: true,
        }
    }

    fn wants(&self, part: Part) -> bool {
        match part {
            Part::Module => true,
            Part::VmTest => self.vm_test,
            Part::Flake => self.vm_test && self.project_files,
            Part::Secrets => self.project_files,
        }
    }
}

/// What a generated file belongs to, for [`Selection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The module and its package.
    Module,
    /// The VM test and its script.
    VmTest,
    /// flake.nix and flake.lock.
    Flake,
    /// secrets/secrets.nix.
    Secrets,
}

/// Read and validate a description.
pub fn load(file: &Path) -> Result<Model, Failure> {
    let shown = file.display().to_string();
    let source = read_description(file, &shown)?;
    let desc =
        description::parse(&source).map_err(|d| Failure::Invalid(d.render(&shown, &source)))?;
    let project_dir = absolute(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let model = model::build(
        &desc,
        &model::Context {
            project_dir: &project_dir,
        },
    )
    .map_err(|d| Failure::Invalid(d.render(&shown, &source)))?;
    Ok(model)
}

/// The description's text: a regular UTF-8 file of bounded size.
fn read_description(file: &Path, shown: &str) -> Result<String, Failure> {
    let bytes = read_regular(file, MAX_DESCRIPTION_BYTES).map_err(|e| match e {
        ReadError::NotFound => Failure::Invalid(format!("error: {shown} does not exist\nhelp: run app2nix in the directory holding app2nix.toml, or pass it with -f FILE")),
        ReadError::Directory => Failure::Invalid(format!(
            "error: {shown} is a directory, not a description\nhelp: pass the file, e.g. -f {}",
            Path::new(shown).join("app2nix.toml").display()
        )),
        ReadError::NotRegular => Failure::Invalid(format!("error: {shown} is not a regular file (a FIFO, socket or device)\nhelp: pass the description itself, e.g. -f app2nix.toml")),
        ReadError::TooLarge { size: n, .. } => Failure::Invalid(format!(
            "error: {shown} is {n} bytes; descriptions are limited to {MAX_DESCRIPTION_BYTES} bytes\nhelp: is this the right file?"
        )),
        // The description is read wherever it is (no tree to stay in); kept for completeness.
        ReadError::OutsideTree => Failure::Invalid(format!("error: {shown} is a symbolic link out of the project\nhelp: pass the description itself, e.g. -f app2nix.toml")),
        ReadError::Io(e) => Failure::Internal(format!("error: cannot read {shown}: {e}\nhelp: check that the path names a file you can read")),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Failure::Invalid(format!(
            "error: {shown}:{line}:{col}: the description is not UTF-8 text\nhelp: save it as UTF-8"
        ))
    })
}

/// The whole pipeline: description file → checked generated files (nothing written), the flake
/// and its VM test included.
pub fn generate(file: &Path, out: Option<&Path>) -> Result<Vec<GeneratedFile>, Failure> {
    generate_selected(file, &Selection::everything(out)).map(|(_, files)| files)
}

/// The files `selection` asks for, and the model (for its notes). Every file of the run is
/// rendered, whatever the selection, so that the generation stamp is the same for a subset
/// (`--module-only`) as for the whole.
pub fn generate_selected(
    file: &Path,
    selection: &Selection,
) -> Result<(Model, Vec<GeneratedFile>), Failure> {
    let mut model = load(file)?;
    let plan = Plan::new(file, selection.out);
    if plan.flake_dir != plan.desc_dir && selection.wants(Part::Flake) {
        model.notes.push(format!(
            "this project has a flake.nix of its own, so the generated flake is {shown}/flake.nix (with the module beside it). To deploy from your flake instead, add `nixosModules.{app} = import ./{own}/{app}.nix;` to its outputs{uv}",
            shown = plan.shown_flake_dir.display(),
            app = model.name,
            own = relative(&plan.desc_dir, &plan.out_dir),
            uv = if matches!(&model.package, crate::model::Package::Python(p) if p.uv.is_some()) { format!(", and the inputs `pyproject-nix`, `uv2nix` and `pyproject-build-systems` of {}/flake.nix (the module's `package` is the environment `{}-python.nix` builds)", plan.shown_flake_dir.display(), model.name) } else { String::new() },
        ));
    }
    if selection.wants(Part::Flake) && !flake_can_read(&plan.flake_dir, &plan.out_dir) {
        model.notes.push(format!(
            "the flake beside the description refers to {}, outside its directory and git repository: Nix evaluates a flake from a copy of its own tree, so keep the output directory inside it",
            plan.out_dir.display()
        ));
    }
    let parts = render_all(&model, &plan)?;
    let (kinds, mut files): (Vec<Part>, Vec<GeneratedFile>) = parts.into_iter().unzip();
    output::finish_all(&mut files).map_err(|e| Failure::Internal(e.to_string()))?;
    let generation = output::generation(&files);
    output::stamp_all(&mut files, &generation);
    let files = kinds
        .into_iter()
        .zip(files)
        .filter(|(part, _)| selection.wants(*part))
        .map(|(_, f)| f)
        .collect();
    Ok((model, files))
}

/// Where everything goes: the layouts the renderers need and the directories files are named
/// in (as the user wrote them, for messages).
struct Plan {
    /// The description, absolute.
    desc_abs: PathBuf,
    /// Its directory, absolute.
    desc_dir: PathBuf,
    /// The module's directory, absolute.
    out_dir: PathBuf,
    /// The module's directory as given (or the description's).
    shown_dir: PathBuf,
    /// The description's directory as given.
    shown_desc_dir: PathBuf,
    /// The flake's directory (the description's, or its subdirectory when the project has a
    /// flake of its own), absolute and as given.
    flake_dir: PathBuf,
    shown_flake_dir: PathBuf,
    layout: Layout,
    flake_layout: flake::FlakeLayout,
}

/// Where the generated files go when the description's directory has a flake of its own: a
/// subdirectory, so the project's flake is never touched.
pub const OWN_FLAKE_DIR: &str = "nix";

/// Whether `dir` holds a `flake.nix` app2nix did not write.
pub fn has_own_flake(dir: &Path) -> bool {
    crate::input::read_text_if_any(&dir.join("flake.nix"))
        .is_some_and(|t| !t.starts_with(render::HEADER_PREFIX))
}

impl Plan {
    fn new(file: &Path, out: Option<&Path>) -> Plan {
        let desc_abs = absolute(file);
        let desc_dir = desc_abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let shown_desc_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        // A project with its own flake gets the generated files (the flake among them) in a
        // subdirectory; `--out` still chooses the module's directory.
        let own_flake = has_own_flake(&desc_dir);
        let flake_dir = if own_flake {
            desc_dir.join(OWN_FLAKE_DIR)
        } else {
            desc_dir.clone()
        };
        let shown_flake_dir = if own_flake {
            shown_desc_dir.join(OWN_FLAKE_DIR)
        } else {
            shown_desc_dir.clone()
        };
        let out = out
            .map(Path::to_path_buf)
            .or_else(|| own_flake.then(|| shown_flake_dir.clone()));
        let out = out.as_deref();
        let out_dir = out.map(absolute).unwrap_or_else(|| desc_dir.clone());
        let dir_prefix = |rel: String| {
            if rel.is_empty() {
                rel
            } else {
                format!("{rel}/")
            }
        };
        Plan {
            layout: Layout {
                source_label: relative(&out_dir, &desc_abs),
                to_project: dir_prefix(relative(&out_dir, &desc_dir)),
            },
            flake_layout: flake::FlakeLayout {
                flake_source_label: relative(&flake_dir, &desc_abs),
                to_out: dir_prefix(relative(&flake_dir, &out_dir)),
                to_project: dir_prefix(relative(&flake_dir, &desc_dir)),
            },
            shown_dir: out
                .map(Path::to_path_buf)
                .unwrap_or_else(|| shown_desc_dir.clone()),
            shown_desc_dir,
            shown_flake_dir,
            flake_dir,
            desc_abs,
            desc_dir,
            out_dir,
        }
    }
}

fn internal(what: &str) -> impl Fn(minijinja::Error) -> Failure + '_ {
    move |e| {
        Failure::Internal(format!(
            "internal error: rendering {what} failed: {e:#}\nThis is a bug in app2nix; please report it."
        ))
    }
}

/// Every file of the run, in the order they are reported, each with its part.
fn render_all(model: &Model, plan: &Plan) -> Result<Vec<(Part, GeneratedFile)>, Failure> {
    let in_out = |name: String| plan.shown_dir.join(name);
    let text = render::module(model, &plan.layout).map_err(internal("the module"))?;
    let mut files = vec![(
        Part::Module,
        GeneratedFile::owned(in_out(format!("{}.nix", model.name)), text),
    )];
    if let Some(text) = render::package(model, &plan.layout).map_err(internal("the package"))? {
        let path = in_out(render::package_file_name(&model.name));
        files.push((Part::Module, GeneratedFile::owned(path, text)));
    }
    for (name, text) in render::npm_assets(model, &plan.layout).map_err(internal("an asset"))? {
        files.push((Part::Module, GeneratedFile::owned(in_out(name), text)));
    }
    let env =
        render::python_env(model, &plan.layout).map_err(internal("the Python environment"))?;
    if let Some(text) = env {
        let path = in_out(render::python_env_file_name(&model.name));
        files.push((Part::Module, GeneratedFile::owned(path, text)));
    }
    let (test_nix, test_py) =
        vm_test::vm_test(model, &plan.layout.source_label).map_err(internal("the VM test"))?;
    let test_file = in_out(vm_test::vm_test_file_name(&model.name));
    files.push((Part::VmTest, GeneratedFile::owned(test_file, test_nix)));
    let script_file = in_out(vm_test::vm_test_script_name(&model.name));
    files.push((Part::VmTest, GeneratedFile::owned(script_file, test_py)));
    let text = flake::flake_nix(model, &plan.flake_layout).map_err(internal("flake.nix"))?;
    let flake_file = plan.shown_flake_dir.join("flake.nix");
    files.push((Part::Flake, GeneratedFile::owned(flake_file, text)));
    let lock = flake::flake_lock(model).map_err(|e| {
        Failure::Internal(format!(
            "internal error: writing flake.lock failed: {e}\nThis is a bug in app2nix; please report it."
        ))
    })?;
    // An existing lock keeps its pins (`nix flake update` owns them) and gains new inputs.
    let lock_path = plan.shown_flake_dir.join("flake.lock");
    let lock = match crate::input::read_text_if_any(&lock_path) {
        Some(existing) => flake::refresh_lock(&existing, &lock),
        None => lock,
    };
    let lock_file = GeneratedFile {
        path: lock_path,
        text: lock,
        seed: true,
    };
    files.push((Part::Flake, lock_file));
    // secrets.nix lives with the encrypted files, where `agenix -e` is run.
    let secrets_dir = plan.desc_dir.join(&model.secrets_dir);
    let secrets = render::secrets_nix(model, &relative(&secrets_dir, &plan.desc_abs))
        .map_err(internal("secrets.nix"))?;
    if let Some(text) = secrets {
        let path = plan
            .shown_desc_dir
            .join(&model.secrets_dir)
            .join("secrets.nix");
        files.push((Part::Secrets, GeneratedFile::owned(path, text)));
    }
    Ok(files)
}

/// Whether a flake in `flake_dir` can refer to files in `dir`: Nix copies the flake's directory,
/// or its whole git repository when it has one, and nothing outside.
fn flake_can_read(flake_dir: &Path, dir: &Path) -> bool {
    let root = flake_dir
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(flake_dir);
    dir.starts_with(root)
}

/// `p` made absolute against the current directory and normalized lexically.
pub fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to the directory `from` (both absolute), `/`-separated; `""` when equal.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), f.len() - common).collect();
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), "");
        assert_eq!(
            relative(Path::new("/r/modules"), Path::new("/r/examples/x")),
            "../examples/x"
        );
        assert_eq!(
            relative(
                Path::new("/r/examples/x"),
                Path::new("/r/examples/x/app2nix.toml")
            ),
            "app2nix.toml"
        );
    }
}
