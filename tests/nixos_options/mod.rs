//! An offline NixOS option checker for generated files, driven by `tests/nixos-options/26.05.toml`.
//!
//! It walks a module's rnix AST, follows the attribute paths it defines under `config` (through
//! `lib.mkIf`, `lib.mkMerge`, `lib.mkDefault` / `mkForce` / `mkOverride`, `lib.optionalAttrs`,
//! `//`, `let` bindings, `x.a or d`, and let-bound functions applied to their arguments, such as
//! the generated unit helpers), and reports every path that is not a NixOS option (or one of the
//! module's own `options`), and every literal whose type the option does not accept. Values it
//! cannot see through (function calls, `cfg.*`) are accepted: it proves what it can read, like a
//! type checker without inference.

use std::collections::BTreeMap;
use std::rc::Rc;

use rnix::ast::{self, HasEntry};
use rowan::ast::AstNode;

/// An option type, as far as literals can be checked against it.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    Str,
    Lines,
    Int {
        min: i64,
        max: i64,
    },
    Path,
    Package,
    ListOf(Box<Ty>),
    AttrsOf(Box<Ty>),
    NullOr(Box<Ty>),
    Enum(Vec<String>),
    Either(Box<Ty>, Box<Ty>),
    /// systemd unit settings: bool, int, string, path or a list of them.
    Unit,
    /// An option holding a submodule (its fields are declared as options below it).
    Submodule,
    Anything,
}

impl Ty {
    /// Parse the data file's type syntax: `bool`, `str`, `lines`, `int`, `port`,
    /// `ints.positive`, `ints.unsigned`, `path`, `package`, `unit`, `submodule`, `anything`,
    /// `listOf T`, `attrsOf T`, `nullOr T`, `either T T` (parenthesised operands),
    /// `enum a b c`.
    pub fn parse(s: &str) -> Result<Ty, String> {
        let s = s.trim();
        let strip = |s: &str| {
            let s = s.trim();
            s.strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(s)
                .to_string()
        };
        if let Some(rest) = s.strip_prefix("listOf ") {
            return Ok(Ty::ListOf(Box::new(Ty::parse(&strip(rest))?)));
        }
        if let Some(rest) = s.strip_prefix("attrsOf ") {
            return Ok(Ty::AttrsOf(Box::new(Ty::parse(&strip(rest))?)));
        }
        if let Some(rest) = s.strip_prefix("nullOr ") {
            return Ok(Ty::NullOr(Box::new(Ty::parse(&strip(rest))?)));
        }
        if let Some(rest) = s.strip_prefix("enum ") {
            return Ok(Ty::Enum(
                rest.split_whitespace().map(String::from).collect(),
            ));
        }
        if let Some(rest) = s.strip_prefix("either ") {
            let rest = rest.trim();
            let close = rest.find(')').ok_or(format!("either needs (a) (b): {s}"))?;
            let (a, b) = rest.split_at(close + 1);
            return Ok(Ty::Either(
                Box::new(Ty::parse(&strip(a))?),
                Box::new(Ty::parse(&strip(b))?),
            ));
        }
        Ok(match s {
            "bool" => Ty::Bool,
            "str" | "separatedString" => Ty::Str,
            "lines" => Ty::Lines,
            "int" => Ty::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            "port" => Ty::Int { min: 0, max: 65535 },
            "ints.positive" => Ty::Int {
                min: 1,
                max: i64::MAX,
            },
            "ints.unsigned" => Ty::Int {
                min: 0,
                max: i64::MAX,
            },
            "path" => Ty::Path,
            "package" => Ty::Package,
            "unit" => Ty::Unit,
            "submodule" => Ty::Submodule,
            "anything" => Ty::Anything,
            other => return Err(format!("unknown type `{other}`")),
        })
    }
}

/// One segment of an option path: a fixed name, or `<name>` (any attribute of an `attrsOf`).
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Name(String),
    Any,
}

/// A segment of a path the module defines.
#[derive(Debug, Clone, PartialEq)]
enum PathSeg {
    Static(String),
    /// `${...}`: matches `<name>` only.
    Dynamic,
}

fn show(path: &[PathSeg]) -> String {
    path.iter()
        .map(|s| match s {
            PathSeg::Static(n) => n.clone(),
            PathSeg::Dynamic => "${…}".into(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The option declarations a check runs against.
#[derive(Debug, Clone, Default)]
pub struct Options {
    decls: Vec<(Vec<Seg>, Ty)>,
}

impl Options {
    /// Load the data file: tables named after the nixpkgs file that declares them, mapping
    /// option paths (`<name>` for attribute names) to types.
    pub fn load(text: &str) -> Result<Options, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        let mut o = Options::default();
        for (source, block) in &table {
            let block = block
                .as_table()
                .ok_or(format!("[{source}] must be a table"))?;
            for (path, ty) in block {
                let ty = ty
                    .as_str()
                    .ok_or(format!("{path}: type must be a string"))?;
                o.add(path, Ty::parse(ty).map_err(|e| format!("{path}: {e}"))?);
            }
        }
        Ok(o)
    }

    /// Declare one option.
    pub fn add(&mut self, path: &str, ty: Ty) {
        let segs = path
            .split('.')
            .map(|s| {
                if s == "<name>" {
                    Seg::Any
                } else {
                    Seg::Name(s.trim_matches('"').to_string())
                }
            })
            .collect();
        self.decls.push((segs, ty));
    }

    fn matches(decl: &[Seg], path: &[PathSeg]) -> bool {
        decl.iter().zip(path).all(|(d, p)| match (d, p) {
            (Seg::Any, _) => true,
            (Seg::Name(n), PathSeg::Static(s)) => n == s,
            (Seg::Name(_), PathSeg::Dynamic) => false,
        })
    }

    /// The type of the option at `path`, if one is declared there.
    fn exact(&self, path: &[PathSeg]) -> Option<&Ty> {
        // Fixed names win over `<name>` (e.g. `age.secrets.<name>.file` vs a freeform set).
        self.decls
            .iter()
            .filter(|(d, _)| d.len() == path.len() && Self::matches(d, path))
            .max_by_key(|(d, _)| d.iter().filter(|s| matches!(s, Seg::Name(_))).count())
            .map(|(_, t)| t)
    }

    /// Whether options are declared below `path`.
    fn is_prefix(&self, path: &[PathSeg]) -> bool {
        self.decls
            .iter()
            .any(|(d, _)| d.len() > path.len() && Self::matches(&d[..path.len()], path))
    }

    /// Add the options a module declares under `options` (its `services.<app>` tree).
    pub fn add_module_options(&mut self, module_text: &str) -> Result<(), String> {
        let root = rnix::Root::parse(module_text)
            .ok()
            .map_err(|e| format!("{e:?}"))?;
        let body = module_body(root.expr().ok_or("empty file")?);
        let (scope, set) = peel_lets(body, Scope::default());
        let Some(ast::Expr::AttrSet(set)) = set else {
            return Err("the module is not an attribute set".into());
        };
        for (segs, value) in bindings(&set) {
            if segs.first() == Some(&PathSeg::Static("options".into())) {
                self.collect_declarations(&segs[1..], value, &scope, 0);
            }
        }
        Ok(())
    }

    fn collect_declarations(&mut self, path: &[PathSeg], e: ast::Expr, scope: &Scope, depth: u32) {
        if depth > 40 {
            return;
        }
        let e = unparen(e);
        if let Some((f, args)) = application(&e) {
            // A let-bound helper that declares an option (`processEnvironment "web"`): its body.
            if let Some((ast::Expr::Lambda(l), _)) = scope.get(&f)
                && let Some((_, body)) = lambda_body(l, args.len())
            {
                self.collect_declarations(path, body, scope, depth + 1);
                return;
            }
            let ty = match f.as_str() {
                "lib.mkEnableOption" => Some(Ty::Bool),
                "lib.mkPackageOption" => Some(Ty::Package),
                "lib.mkOption" => Some(
                    args.first()
                        .and_then(|a| match unparen(a.clone()) {
                            ast::Expr::AttrSet(s) => bindings(&s)
                                .into_iter()
                                .find(|(p, _)| p == &[PathSeg::Static("type".into())])
                                .map(|(_, t)| lib_type(t)),
                            _ => None,
                        })
                        .unwrap_or(Ty::Anything),
                ),
                _ => None,
            };
            if let Some(ty) = ty {
                let name = show(path);
                self.add(&name, ty);
            }
            return;
        }
        if let ast::Expr::AttrSet(set) = e {
            for (segs, value) in bindings(&set) {
                let mut p = path.to_vec();
                p.extend(segs);
                self.collect_declarations(&p, value, scope, depth + 1);
            }
        }
    }
}

/// The type a `lib.types.*` expression declares.
fn lib_type(e: ast::Expr) -> Ty {
    let e = unparen(e);
    let text = e.syntax().text().to_string();
    if let Some((f, args)) = application(&e) {
        let arg = || args.first().cloned().map(lib_type).unwrap_or(Ty::Anything);
        return match f.as_str() {
            "lib.types.listOf" | "lib.types.nonEmptyListOf" => Ty::ListOf(Box::new(arg())),
            "lib.types.attrsOf" | "lib.types.lazyAttrsOf" => Ty::AttrsOf(Box::new(arg())),
            "lib.types.nullOr" => Ty::NullOr(Box::new(arg())),
            "lib.types.enum" => match args.first().map(|a| unparen(a.clone())) {
                Some(ast::Expr::List(l)) => {
                    Ty::Enum(l.items().filter_map(|i| string_literal(&i)).collect())
                }
                _ => Ty::Anything,
            },
            _ => Ty::Anything,
        };
    }
    match text.strip_prefix("lib.types.") {
        Some(t) => Ty::parse(t).unwrap_or(Ty::Anything),
        None => Ty::Anything,
    }
}

/// Names in scope: `let` bindings, and the parameters of the let-bound functions being applied
/// (each bound to its argument and the scope the argument is read in).
#[derive(Debug, Clone, Default)]
struct Scope {
    vars: BTreeMap<String, (ast::Expr, Option<Rc<Scope>>)>,
}

impl Scope {
    /// A variable's expression and the scope to read it in.
    fn get(&self, name: &str) -> Option<(ast::Expr, Scope)> {
        self.vars.get(name).map(|(e, captured)| {
            let scope = captured.as_deref().cloned().unwrap_or_else(|| self.clone());
            (e.clone(), scope)
        })
    }
}

fn unparen(mut e: ast::Expr) -> ast::Expr {
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// The parameter names and body of a function of `arity` simple parameters (`a: b: BODY`).
fn lambda_body(l: ast::Lambda, arity: usize) -> Option<(Vec<String>, ast::Expr)> {
    let mut params = Vec::new();
    let mut cur = ast::Expr::Lambda(l);
    while params.len() < arity {
        let ast::Expr::Lambda(l) = unparen(cur) else {
            return None;
        };
        match l.param()? {
            ast::Param::IdentParam(p) => params.push(p.ident()?.syntax().text().to_string()),
            ast::Param::Pattern(_) => return None,
        }
        cur = l.body()?;
    }
    Some((params, cur))
}

/// A module file's body: the function's result (`{ config, ... }: BODY`).
fn module_body(e: ast::Expr) -> ast::Expr {
    match unparen(e) {
        ast::Expr::Lambda(l) => l
            .body()
            .map(module_body)
            .unwrap_or_else(|| ast::Expr::Lambda(l)),
        other => other,
    }
}

/// Strip `let … in` layers, collecting their bindings.
fn peel_lets(e: ast::Expr, mut scope: Scope) -> (Scope, Option<ast::Expr>) {
    match unparen(e) {
        ast::Expr::LetIn(l) => {
            for entry in l.entries() {
                match entry {
                    ast::Entry::AttrpathValue(av) => {
                        let segs = av.attrpath().map(|p| p.attrs().collect::<Vec<_>>());
                        if let (Some(segs), Some(v)) = (segs, av.value())
                            && segs.len() == 1
                            && let ast::Attr::Ident(i) = &segs[0]
                        {
                            scope.vars.insert(i.syntax().text().to_string(), (v, None));
                        }
                    }
                    ast::Entry::Inherit(_) => {}
                }
            }
            match l.body() {
                Some(b) => peel_lets(b, scope),
                None => (scope, None),
            }
        }
        other => (scope, Some(other)),
    }
}

/// `f a b` as (`f`'s text, [a, b]) when `f` is a name or a selection like `lib.mkIf`.
fn application(e: &ast::Expr) -> Option<(String, Vec<ast::Expr>)> {
    let mut args = Vec::new();
    let mut cur = e.clone();
    while let ast::Expr::Apply(a) = &cur {
        args.push(a.argument()?);
        cur = unparen(a.lambda()?);
    }
    if args.is_empty() {
        return None;
    }
    args.reverse();
    match &cur {
        ast::Expr::Select(_) | ast::Expr::Ident(_) => Some((cur.syntax().text().to_string(), args)),
        _ => None,
    }
}

fn string_literal(e: &ast::Expr) -> Option<String> {
    match unparen(e.clone()) {
        ast::Expr::Str(s) => {
            let mut out = String::new();
            for p in s.normalized_parts() {
                match p {
                    ast::InterpolPart::Literal(l) => out.push_str(&l),
                    ast::InterpolPart::Interpolation(_) => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn attr_seg(a: &ast::Attr) -> PathSeg {
    match a {
        ast::Attr::Ident(i) => PathSeg::Static(i.syntax().text().to_string()),
        ast::Attr::Str(s) => {
            let mut out = String::new();
            for p in s.normalized_parts() {
                match p {
                    ast::InterpolPart::Literal(l) => out.push_str(&l),
                    ast::InterpolPart::Interpolation(_) => return PathSeg::Dynamic,
                }
            }
            PathSeg::Static(out)
        }
        ast::Attr::Dynamic(_) => PathSeg::Dynamic,
    }
}

/// The bindings of an attribute set as (path, value); `inherit` yields the names with their
/// source expressions where it can.
fn bindings(set: &ast::AttrSet) -> Vec<(Vec<PathSeg>, ast::Expr)> {
    let mut out = Vec::new();
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                if let (Some(p), Some(v)) = (av.attrpath(), av.value()) {
                    out.push((p.attrs().map(|a| attr_seg(&a)).collect(), v));
                }
            }
            ast::Entry::Inherit(inh) => {
                // `inherit (x) a;` is `a = x.a;`: an opaque value, but the name must be valid.
                for a in inh.attrs() {
                    if let Some(from) = inh.from().and_then(|f| f.expr()) {
                        out.push((vec![attr_seg(&a)], from));
                    }
                }
            }
        }
    }
    out
}

/// Problems found in one file.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<String>,
    /// Option paths the file sets that the data file knows (for coverage).
    pub checked: Vec<String>,
}

struct Checker<'a> {
    options: &'a Options,
    report: Report,
}

const WRAPPERS: &[&str] = &[
    "lib.mkDefault",
    "lib.mkForce",
    "lib.mkOverride",
    "lib.mkBefore",
    "lib.mkAfter",
    "lib.mkOrder",
    "lib.mkOptionDefault",
];

impl Checker<'_> {
    /// Expand what a value really is: wrappers and conditions dropped, variables resolved,
    /// let-bound functions applied, `x.a or d` selected, merges split; each part comes with the
    /// scope to read it in. Opaque expressions come back as they are.
    fn expand(&self, e: ast::Expr, scope: &Scope, depth: u32) -> Vec<(ast::Expr, Scope)> {
        let e = unparen(e);
        if depth > 60 {
            return vec![(e, scope.clone())];
        }
        if let Some((f, args)) = application(&e) {
            let last = args.last().cloned();
            match f.as_str() {
                "lib.mkMerge" => {
                    if let Some(ast::Expr::List(l)) = args.first().map(|a| unparen(a.clone())) {
                        return l
                            .items()
                            .flat_map(|i| self.expand(i, scope, depth + 1))
                            .collect();
                    }
                    return vec![(e, scope.clone())];
                }
                "lib.mkIf" | "lib.optionalAttrs" if args.len() == 2 => {
                    return last
                        .map(|x| self.expand(x, scope, depth + 1))
                        .unwrap_or_default();
                }
                w if WRAPPERS.contains(&w) => {
                    return last
                        .map(|x| self.expand(x, scope, depth + 1))
                        .unwrap_or_default();
                }
                name => {
                    if let Some(applied) = self.apply(name, &args, scope, depth) {
                        return applied;
                    }
                    return vec![(e, scope.clone())];
                }
            }
        }
        match &e {
            ast::Expr::Ident(i) => match scope.get(&i.syntax().text().to_string()) {
                Some((v, inner)) => self.expand(v, &inner, depth + 1),
                None => vec![(e, scope.clone())],
            },
            ast::Expr::BinOp(b) if b.operator() == Some(ast::BinOpKind::Update) => {
                let mut out = Vec::new();
                for side in [b.lhs(), b.rhs()].into_iter().flatten() {
                    out.extend(self.expand(side, scope, depth + 1));
                }
                out
            }
            ast::Expr::LetIn(_) => {
                let (inner, body) = peel_lets(e.clone(), scope.clone());
                body.map(|b| self.expand(b, &inner, depth + 1))
                    .unwrap_or_default()
            }
            ast::Expr::Select(sel) => self
                .select(sel, scope, depth)
                .unwrap_or_else(|| vec![(e, scope.clone())]),
            _ => vec![(e, scope.clone())],
        }
    }

    /// `f a b` where `f` is a let-bound function of simple parameters: its body, read with the
    /// parameters bound to the arguments (each in the caller's scope).
    fn apply(
        &self,
        name: &str,
        args: &[ast::Expr],
        scope: &Scope,
        depth: u32,
    ) -> Option<Vec<(ast::Expr, Scope)>> {
        let (ast::Expr::Lambda(l), defined) = scope.get(name)? else {
            return None;
        };
        let (params, body) = lambda_body(l, args.len())?;
        let caller = Rc::new(scope.clone());
        let mut inner = defined;
        for (param, arg) in params.into_iter().zip(args) {
            inner
                .vars
                .insert(param, (arg.clone(), Some(Rc::clone(&caller))));
        }
        Some(self.expand(body, &inner, depth + 1))
    }

    /// `x.a.b` or `x.a.b or d` where `x` expands to attribute sets: the selected values, or the
    /// default when no set defines the path. `None` when `x` is opaque.
    fn select(
        &self,
        sel: &ast::Select,
        scope: &Scope,
        depth: u32,
    ) -> Option<Vec<(ast::Expr, Scope)>> {
        let path: Vec<PathSeg> = sel.attrpath()?.attrs().map(|a| attr_seg(&a)).collect();
        if path.contains(&PathSeg::Dynamic) {
            return None;
        }
        let parts = self.expand(sel.expr()?, scope, depth + 1);
        if parts
            .iter()
            .any(|(p, _)| !matches!(p, ast::Expr::AttrSet(_)))
        {
            return None;
        }
        let mut out = Vec::new();
        for (part, inner) in parts {
            if let ast::Expr::AttrSet(set) = part {
                for (segs, value) in bindings(&set) {
                    if segs == path {
                        out.extend(self.expand(value, &inner, depth + 1));
                    }
                }
            }
        }
        if out.is_empty()
            && let Some(default) = sel.default_expr()
        {
            out.extend(self.expand(default, scope, depth + 1));
        }
        Some(out)
    }

    /// The attribute sets a value is made of, with their scopes (opaque parts dropped).
    fn walk(&mut self, e: ast::Expr, path: &[PathSeg], scope: &Scope, depth: u32) {
        if depth > 60 {
            return;
        }
        for (part, inner) in self.expand(e, scope, depth) {
            match &part {
                ast::Expr::AttrSet(set) => {
                    for (segs, value) in bindings(set) {
                        self.binding(path, &segs, value, &inner, depth + 1);
                    }
                }
                ast::Expr::Str(_)
                | ast::Expr::Literal(_)
                | ast::Expr::List(_)
                | ast::Expr::PathAbs(_)
                | ast::Expr::PathRel(_) => {
                    self.report.errors.push(format!(
                        "`{}` is a set of options, not `{}`",
                        show(path),
                        part.syntax().text()
                    ));
                }
                _ => {}
            }
        }
    }

    fn binding(
        &mut self,
        base: &[PathSeg],
        segs: &[PathSeg],
        value: ast::Expr,
        scope: &Scope,
        depth: u32,
    ) {
        let mut path = base.to_vec();
        for (i, seg) in segs.iter().enumerate() {
            path.push(seg.clone());
            if let Some(ty) = self.options.exact(&path).cloned() {
                if ty == Ty::Submodule && self.options.is_prefix(&path) {
                    continue;
                }
                self.report.checked.push(show(&path));
                self.check_nested(&ty, &segs[i + 1..], value, &path, scope, depth);
                return;
            }
            if !self.options.is_prefix(&path) {
                self.report
                    .errors
                    .push(format!("`{}` is not a NixOS option", show(&path)));
                return;
            }
        }
        self.walk(value, &path, scope, depth);
    }

    /// `value` assigned at `rest` below an option of type `ty` at `path`.
    fn check_nested(
        &mut self,
        ty: &Ty,
        rest: &[PathSeg],
        value: ast::Expr,
        path: &[PathSeg],
        scope: &Scope,
        depth: u32,
    ) {
        if rest.is_empty() {
            for (part, inner) in self.expand(value, scope, depth) {
                self.check_value(ty, part, path, &inner, depth + 1);
            }
            return;
        }
        match ty {
            ty @ (Ty::AttrsOf(_) | Ty::NullOr(_)) => {
                let inner = match ty {
                    Ty::AttrsOf(t) | Ty::NullOr(t) => t,
                    _ => unreachable!(),
                };
                let mut p = path.to_vec();
                p.push(rest[0].clone());
                if matches!(ty, Ty::AttrsOf(_)) {
                    self.check_nested(inner, &rest[1..], value, &p, scope, depth + 1);
                } else {
                    self.check_nested(inner, rest, value, path, scope, depth + 1);
                }
            }
            Ty::Anything | Ty::Unit => {}
            other => self.report.errors.push(format!(
                "`{}` has type {other:?}: it has no attribute `{}`",
                show(path),
                show(rest)
            )),
        }
    }

    fn check_value(&mut self, ty: &Ty, e: ast::Expr, path: &[PathSeg], scope: &Scope, depth: u32) {
        let e = unparen(e);
        let text = e.syntax().text().to_string();
        let wrong = |this: &mut Self, what: &str| {
            this.report.errors.push(format!(
                "`{}` expects {}, not {what} `{text}`",
                show(path),
                describe(ty)
            ));
        };
        let kind = literal_kind(&e);
        match (ty, kind) {
            (_, None) => {
                // Opaque, or `null` / `a ++ b` handled below.
                if text == "null" && !matches!(ty, Ty::NullOr(_) | Ty::Anything) {
                    wrong(self, "null");
                }
                if let (Ty::ListOf(_), ast::Expr::BinOp(b)) = (ty, &e)
                    && b.operator() == Some(ast::BinOpKind::Concat)
                {
                    for side in [b.lhs(), b.rhs()].into_iter().flatten() {
                        for (part, inner) in self.expand(side, scope, depth + 1) {
                            self.check_value(ty, part, path, &inner, depth + 1);
                        }
                    }
                }
                if let (Ty::AttrsOf(inner), ast::Expr::BinOp(b)) = (ty, &e)
                    && b.operator() == Some(ast::BinOpKind::Update)
                {
                    for side in [b.lhs(), b.rhs()].into_iter().flatten() {
                        for (part, within) in self.expand(side, scope, depth + 1) {
                            self.check_value(
                                &Ty::AttrsOf(inner.clone()),
                                part,
                                path,
                                &within,
                                depth + 1,
                            );
                        }
                    }
                }
            }
            (Ty::Anything, _) => {}
            (Ty::NullOr(inner), _) => self.check_value(inner, e, path, scope, depth),
            (Ty::Either(a, b), _) => {
                let before = self.report.errors.len();
                self.check_value(a, e.clone(), path, scope, depth);
                if self.report.errors.len() > before {
                    self.report.errors.truncate(before);
                    self.check_value(b, e, path, scope, depth);
                }
            }
            (Ty::Bool, Some(Lit::Bool)) => {}
            (Ty::Str | Ty::Lines, Some(Lit::Str)) => {}
            (Ty::Path, Some(Lit::Str | Lit::Path)) => {}
            (Ty::Int { min, max }, Some(Lit::Int(n))) => {
                if n < *min || n > *max {
                    wrong(self, "out-of-range integer");
                }
            }
            (Ty::Enum(values), Some(Lit::Str)) => {
                if let Some(s) = string_literal(&e)
                    && !values.contains(&s)
                {
                    wrong(self, "the value");
                }
            }
            (Ty::Unit, Some(Lit::Bool | Lit::Int(_) | Lit::Str | Lit::Path)) => {}
            (Ty::Unit, Some(Lit::List)) => {
                if let ast::Expr::List(l) = &e {
                    for item in l.items() {
                        self.check_value(&Ty::Unit, item, path, scope, depth + 1);
                    }
                }
            }
            (Ty::ListOf(inner), Some(Lit::List)) => {
                if let ast::Expr::List(l) = &e {
                    for item in l.items() {
                        for (part, within) in self.expand(item, scope, depth + 1) {
                            self.check_value(inner, part, path, &within, depth + 1);
                        }
                    }
                }
            }
            (Ty::AttrsOf(inner), Some(Lit::Attrs)) => {
                if let ast::Expr::AttrSet(set) = &e {
                    for (segs, value) in bindings(set) {
                        let mut p = path.to_vec();
                        p.push(segs[0].clone());
                        self.check_nested(inner, &segs[1..], value, &p, scope, depth + 1);
                    }
                }
            }
            (Ty::Submodule, Some(Lit::Attrs)) => self.walk(e, path, scope, depth + 1),
            (_, Some(Lit::Bool)) => wrong(self, "the boolean"),
            (_, Some(Lit::Int(_))) => wrong(self, "the integer"),
            (_, Some(Lit::Str)) => wrong(self, "the string"),
            (_, Some(Lit::Path)) => wrong(self, "the path"),
            (_, Some(Lit::List)) => wrong(self, "the list"),
            (_, Some(Lit::Attrs)) => wrong(self, "the attribute set"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Lit {
    Bool,
    Int(i64),
    Str,
    Path,
    List,
    Attrs,
}

fn literal_kind(e: &ast::Expr) -> Option<Lit> {
    match e {
        ast::Expr::Str(_) => Some(Lit::Str),
        ast::Expr::PathAbs(_)
        | ast::Expr::PathRel(_)
        | ast::Expr::PathHome(_)
        | ast::Expr::PathSearch(_) => Some(Lit::Path),
        ast::Expr::List(_) => Some(Lit::List),
        ast::Expr::AttrSet(s) if s.rec_token().is_none() => Some(Lit::Attrs),
        ast::Expr::Ident(i) => match i.syntax().text().to_string().as_str() {
            "true" | "false" => Some(Lit::Bool),
            _ => None,
        },
        ast::Expr::Literal(l) => match l.kind() {
            ast::LiteralKind::Integer(i) => i.value().ok().map(Lit::Int),
            ast::LiteralKind::Float(_) => None,
            ast::LiteralKind::Uri(_) => Some(Lit::Str),
        },
        _ => None,
    }
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Bool => "a boolean".into(),
        Ty::Str => "a string".into(),
        Ty::Lines => "lines (a string)".into(),
        Ty::Int { min: 0, max: 65535 } => "a port (0-65535)".into(),
        Ty::Int { .. } => "an integer".into(),
        Ty::Path => "a path".into(),
        Ty::Package => "a package".into(),
        Ty::ListOf(t) => format!("a list of {}", describe(t)),
        Ty::AttrsOf(t) => format!("an attribute set of {}", describe(t)),
        Ty::NullOr(t) => format!("null or {}", describe(t)),
        Ty::Enum(v) => format!("one of {}", v.join(", ")),
        Ty::Either(a, b) => format!("{} or {}", describe(a), describe(b)),
        Ty::Unit => "a systemd setting (bool, int, string or list)".into(),
        Ty::Submodule => "a set of options".into(),
        Ty::Anything => "anything".into(),
    }
}

/// Check a NixOS module: the paths it sets under `config`.
pub fn check_module(options: &Options, text: &str) -> Result<Report, String> {
    let root = rnix::Root::parse(text).ok().map_err(|e| format!("{e:?}"))?;
    let body = module_body(root.expr().ok_or("empty file")?);
    let (scope, set) = peel_lets(body, Scope::default());
    let Some(ast::Expr::AttrSet(set)) = set else {
        return Err("the module is not an attribute set".into());
    };
    let mut c = Checker {
        options,
        report: Report::default(),
    };
    for (segs, value) in bindings(&set) {
        match segs.first() {
            Some(PathSeg::Static(s)) if s == "config" => {
                c.binding(&[], &segs[1..], value, &scope, 0);
            }
            Some(PathSeg::Static(s)) if s == "options" || s == "imports" || s == "meta" => {}
            _ => c.report.errors.push(format!(
                "`{}`: a module with `options` must put its settings under `config`",
                show(&segs)
            )),
        }
    }
    Ok(c.report)
}

/// Check a generated VM test: every node's configuration.
pub fn check_vm_test(options: &Options, text: &str) -> Result<Report, String> {
    let root = rnix::Root::parse(text).ok().map_err(|e| format!("{e:?}"))?;
    let body = module_body(root.expr().ok_or("empty file")?);
    let (scope, set) = peel_lets(body, Scope::default());
    let Some(ast::Expr::AttrSet(set)) = set else {
        return Err("the test is not an attribute set".into());
    };
    let mut c = Checker {
        options,
        report: Report::default(),
    };
    for (segs, value) in bindings(&set) {
        if segs.first() != Some(&PathSeg::Static("nodes".into())) {
            continue;
        }
        // `nodes.server = { … }: { … }` or `nodes = { server = …; acme.imports = …; }`.
        let mut nodes: Vec<(Vec<PathSeg>, ast::Expr)> = Vec::new();
        if segs.len() > 1 {
            nodes.push((segs[1..].to_vec(), value));
        } else if let ast::Expr::AttrSet(ns) = unparen(value) {
            nodes.extend(bindings(&ns));
        }
        for (node_segs, node) in nodes {
            let config_path = &node_segs[1..];
            let node_body = module_body(node);
            let (inner, body) = peel_lets(node_body, scope.clone());
            if let Some(body) = body {
                if config_path.is_empty() {
                    c.walk(body, &[], &inner, 0);
                } else {
                    c.binding(&[], config_path, body, &inner, 0);
                }
            }
        }
    }
    Ok(c.report)
}
