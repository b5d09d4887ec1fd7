//! Property tests: any string that reaches a generated file either is rejected by validation or
//! comes back from rnix's string normalisation exactly as written. `PROPTEST_CASES` raises the
//! case count (CI runs more).

use app2nix::nix;
use proptest::prelude::*;
use rnix::ast::{self, HasEntry, InterpolPart};
use rowan::ast::AstNode;

/// The literal strings of `text` as rnix reads them, in source order; `None` if any string
/// holds an interpolation (which generated code only does on purpose, never from a value).
fn string_values(node: &rnix::SyntaxNode) -> Vec<String> {
    node.descendants()
        .filter_map(ast::Str::cast)
        .map(|s| {
            s.normalized_parts()
                .into_iter()
                .map(|p| match p {
                    InterpolPart::Literal(l) => l,
                    InterpolPart::Interpolation(i) => format!("${{{}}}", i.syntax().text()),
                })
                .collect()
        })
        .collect()
}

fn read_back(literal: &str) -> Option<String> {
    let root = rnix::Root::parse(literal).ok().ok()?;
    let ast::Expr::Str(s) = root.expr()? else {
        return None;
    };
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// Strings biased toward what breaks Nix: quotes, backslashes, `$`, `{`, `''`, newlines.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\\\\"${}'\\n\\r\\t a-z]{0,40}",
        any::<String>().prop_map(|s| s.replace('\0', "")),
        Just("${builtins.abort \"pwned\"}".to_string()),
        Just("\"; }; x = import /etc/passwd; y = {\"".to_string()),
    ]
}

proptest! {
    #[test]
    fn strings_round_trip(s in nasty()) {
        prop_assert_eq!(read_back(&nix::string(&s)), Some(s));
    }

    #[test]
    fn attribute_names_round_trip(s in nasty()) {
        let src = format!("{{ {} = 1; }}", nix::attr_name(&s));
        let root = rnix::Root::parse(&src).ok().expect("parses");
        let Some(ast::Expr::AttrSet(set)) = root.expr() else { panic!("not a set: {src}") };
        let entry = set.attrpath_values().next().expect("one binding");
        let attrs: Vec<_> = entry.attrpath().expect("path").attrs().collect();
        prop_assert_eq!(attrs.len(), 1, "{} split into several attributes", src);
        let name = match &attrs[0] {
            ast::Attr::Ident(i) => i.syntax().text().to_string(),
            ast::Attr::Str(st) => st.normalized_parts().into_iter().map(|p| match p {
                InterpolPart::Literal(l) => l,
                InterpolPart::Interpolation(_) => panic!("interpolation"),
            }).collect(),
            ast::Attr::Dynamic(_) => panic!("dynamic attribute"),
        };
        prop_assert_eq!(name, s);
    }

    /// A whole description: hostile env values, descriptions, commands and health paths either
    /// fail validation or land in the module byte for byte, and the module parses.
    #[test]
    fn description_values_cannot_become_code(value in nasty(), title in nasty(), cmd in nasty(), health in nasty()) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("app")).expect("app");
        let toml_str = |s: &str| toml::Value::String(s.to_string()).to_string();
        let description = format!(
            "[app]\nname = \"demo\"\ndescription = {}\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[tasks.job]\ncommand = {}\n\n[env]\nVALUE = {}\n\n[health]\npath = {}\n",
            toml_str(&title), toml_str(&cmd), toml_str(&value), toml_str(&format!("/{health}"))
        );
        let file = dir.path().join("app2nix.toml");
        std::fs::write(&file, &description).expect("write");
        match app2nix::cli::generate(&file, None) {
            Err(app2nix::cli::Failure::Invalid(_)) => {}
            Err(app2nix::cli::Failure::Internal(e)) => prop_assert!(false, "internal error: {e}"),
            Ok(files) => {
                let text = &files[0].text;
                let parse = rnix::Root::parse(text);
                prop_assert!(parse.errors().is_empty(), "does not parse: {:?}", parse.errors());
                let values = string_values(&parse.syntax());
                for expected in [&value, &cmd, &format!("/{health}")] {
                    prop_assert!(values.iter().any(|v| v == expected), "{:?} not found as a string literal", expected);
                }
                prop_assert!(values.iter().any(|v| v == &title || v.contains(&title)), "title {:?} lost", title);
            }
        }
    }
}
