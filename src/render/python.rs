//! Python literals, for the VM test script: the one escaping function for values that land in
//! Python. Strings are JSON strings (a subset of Python's string syntax), so no value can end
//! the literal or become code. Calls nothing of the crate.

use minijinja::Error;
use minijinja::value::{Value, ValueKind};

/// `value` as a Python literal (strings, booleans, `None`, integers, lists and dicts of them).
pub fn python_literal(value: &Value) -> Result<String, Error> {
    let bad = |what: &str| {
        Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot write {what} as Python"),
        )
    };
    Ok(match value.kind() {
        ValueKind::String => python_string(value.as_str().unwrap_or_default()),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::None | ValueKind::Undefined => "None".into(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::Seq => {
            let items = value
                .try_iter()?
                .map(|v| python_literal(&v))
                .collect::<Result<Vec<_>, _>>()?;
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let mut items = Vec::new();
            for k in value.try_iter()? {
                let v = value.get_item(&k)?;
                items.push(format!("{}: {}", python_literal(&k)?, python_literal(&v)?));
            }
            format!("{{{}}}", items.join(", "))
        }
        other => return Err(bad(&other.to_string())),
    })
}

/// A Python string literal for `s`.
pub fn python_string(s: &str) -> String {
    // serde_json cannot fail on a str.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_strings_cannot_escape() {
        for s in ["", "a\"b", "\\", "x\ny", "{}", "'''", "\u{7f}é\u{2028}"] {
            let lit = python_string(s);
            assert!(lit.starts_with('"') && lit.ends_with('"'));
            let back: String = serde_json::from_str(&lit).expect("json");
            assert_eq!(back, s);
        }
    }

    #[test]
    fn python_literals_of_every_kind() {
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": [1, true, null, "x\"y"]}),
        ));
        assert_eq!(
            python_literal(&v).expect("literal"),
            r#"{"a": [1, True, None, "x\"y"]}"#
        );
    }
}
