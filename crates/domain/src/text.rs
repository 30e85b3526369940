//! Small value types for text people type: names, phone numbers, e-mail addresses.

use crate::error::Problem;

/// Trimmed, non-empty text of at most `max` characters.
pub fn required(s: &str, max: usize) -> Result<String, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::required());
    }
    if t.chars().count() > max {
        return Err(Problem::too_long(max));
    }
    if has_control(t) {
        return Err(control_problem());
    }
    Ok(t.to_string())
}

/// Whether `c` is refused in any text sent to the system: a control character other than
/// tab, line feed and carriage return (a NUL byte among them).
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Text without a refused control character, as a regular expression for the API's
/// document: what [`has_control`] refuses.
pub const NO_CONTROL_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Whether `s` holds a refused control character.
pub fn has_control(s: &str) -> bool {
    s.chars().any(is_refused_control)
}

/// The problem of text holding a refused control character.
pub fn control_problem() -> Problem {
    Problem::invalid("contains a control character (such as a NUL byte)")
}

/// The longest value any single query or form parameter may have, in characters (a
/// search text has its own, shorter limit).
pub const PARAM_MAX: usize = 2000;

/// Where in a JSON document the first refused control character is, written as the
/// field it is in (`contacts[0].name`; a key's own name when the key holds it; `body`
/// for a bare string), or `None` when there is none.
pub fn control_in_json(v: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        let here = || {
            if path.is_empty() {
                "body".to_string()
            } else {
                path.to_string()
            }
        };
        match v {
            serde_json::Value::String(s) => has_control(s).then(here),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{}[{i}]", here()))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if has_control(k) {
                    return Some(if path.is_empty() {
                        "body".into()
                    } else {
                        path.to_string()
                    });
                }
                walk(x, &p)
            }),
            _ => None,
        }
    }
    walk(v, "")
}

/// Like [`required`], but empty text is `None`.
pub fn optional(s: Option<&str>, max: usize) -> Result<Option<String>, Problem> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required(t, max).map(Some),
    }
}

/// A phone number as written (`0571-8888 6666`, `+86 138 0000 0000`), kept as typed but
/// validated: 5 to 20 digits, with only `+ - ( ) space` and an extension mark around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub display: String,
    /// Digits only, for search.
    pub digits: String,
}

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, Problem> {
        let t: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '＋' => '+',
                '－' | '—' => '-',
                '（' => '(',
                '）' => ')',
                '　' => ' ',
                c => c,
            })
            .collect();
        if t.is_empty() {
            return Err(Problem::required());
        }
        if let Some(bad) = t
            .chars()
            .find(|c| !(c.is_ascii_digit() || " +-()转xX".contains(*c)))
        {
            return Err(Problem::invalid(format!(
                "phone numbers contain digits only, not '{bad}'"
            )));
        }
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        if !(5..=20).contains(&digits.len()) {
            return Err(Problem::invalid("a phone number has 5 to 20 digits"));
        }
        Ok(Phone { display: t, digits })
    }
}

/// A plausible e-mail address: one `@`, a dot in the domain, no spaces.
pub fn email(s: &str) -> Result<String, Problem> {
    let t = s.trim();
    let ok = t.len() <= 254
        && !t.contains(char::is_whitespace)
        && t.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(t.to_string())
    } else {
        Err(Problem::invalid("not an e-mail address"))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_documented_text_pattern_refuses_what_has_control_refuses() {
        let re = regex_automata::meta::Regex::new(NO_CONTROL_PATTERN).unwrap();
        for s in [
            "",
            "王工",
            "两行\n文字",
            "a\tb\r\n",
            "a\u{0}b",
            "\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9f}",
            "\u{a0}",
            "\u{b}",
            "\u{c}",
            "\u{e}",
            "\u{1f}",
            "\u{20}",
        ] {
            assert_eq!(re.is_match(s), !has_control(s), "{s:?}");
        }
    }
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(
            required("  杭州  ", 10).as_ref().map(String::as_str),
            Ok("杭州")
        );
        assert_eq!(required("   ", 10).map_err(|p| p.code), Err("required"));
        assert_eq!(required("一二三", 2).map_err(|p| p.code), Err("too_long"));
        assert_eq!(required("a\u{0}b", 10).map_err(|p| p.code), Err("invalid"));
        assert_eq!(optional(Some("  "), 10), Ok(None));
        assert_eq!(optional(None, 10), Ok(None));
    }

    #[test]
    fn phones_as_people_write_them() {
        for (input, digits) in [
            ("0571-88886666", "057188886666"),
            ("+86 138 0000 0000", "8613800000000"),
            ("(0571) 8888 6666", "057188886666"),
            ("１３８００００００００", "13800000000"),
            ("0571-88886666转123", "057188886666123"),
        ] {
            assert_eq!(
                Phone::parse(input).map(|p| p.digits),
                Ok(digits.into()),
                "{input}"
            );
        }
        for bad in [
            "",
            "abc",
            "123",
            "0571-8888-6666-1234-5678-999",
            "138 0000 000a",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("wang@example.com").is_ok());
        for bad in [
            "", "wang", "wang@", "@x.cn", "a b@x.cn", "a@x", "a@@x.cn", "a@.cn",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod control_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_are_kept() {
        for (s, refused) in [
            ("abc", false),
            ("两行\r\n文字\t制表", false),
            ("a\u{0}b", true),
            ("\u{7}", true),
            ("\u{1b}[31m", true),
            ("\u{7f}", true),
            ("\u{85}", true),
            ("配电柜", false),
        ] {
            assert_eq!(has_control(s), refused, "{s:?}");
        }
        assert!(required("a\u{0}", 10).is_err());
    }

    #[test]
    fn the_field_holding_a_control_character_is_named() {
        for (v, want) in [
            (json!({"name": "ok", "summary": "a\u{0}b"}), Some("summary")),
            (
                json!({"contacts": [{"name": "x"}, {"phone": "\u{0}"}]}),
                Some("contacts[1].phone"),
            ),
            (json!({"a": {"b": ["\u{7}"]}}), Some("a.b[0]")),
            (json!("\u{0}"), Some("body")),
            (json!({"k\u{0}": 1}), Some("body")),
            (json!({"n": 1, "t": "two\nlines"}), None),
        ] {
            assert_eq!(control_in_json(&v).as_deref(), want, "{v}");
        }
    }
}
