//! People as lists show them: sorted the way a Chinese office sorts names, by pinyin.

use pinyin::ToPinyin;

/// Surnames whose reading differs from the character's most common one (曾 is "zēng" as a
/// name, "céng" in words). Only the first character of a name is read this way.
const SURNAMES: &[(char, &str)] = &[
    ('曾', "zeng1"),
    ('单', "shan4"),
    ('解', "xie4"),
    ('仇', "qiu2"),
    ('朴', "piao2"),
    ('区', "ou1"),
    ('查', "zha1"),
    ('盖', "ge3"),
    ('尉', "yu4"),
    ('乐', "yue4"),
    ('覃', "qin2"),
    ('翟', "zhai2"),
    ('缪', "miao4"),
    ('种', "chong2"),
    ('长', "chang2"),
    ('重', "chong2"),
];

/// The key a name sorts by: each Chinese character as its pinyin with the tone's number
/// (`王丽` → `wang2 li4`), other characters in lower case, syllables apart by a space.
/// Names then sort by sound (li before lian before liu), tone next, as dictionaries do;
/// Latin names fall in among them by their letters.
pub fn pinyin_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 3);
    let mut last_was_syllable = false;
    for (i, c) in name.trim().chars().enumerate() {
        let surname = (i == 0)
            .then(|| SURNAMES.iter().find(|(s, _)| *s == c).map(|(_, p)| *p))
            .flatten();
        match surname.or_else(|| c.to_pinyin().map(|p| p.with_tone_num_end())) {
            Some(syllable) => {
                if !key.is_empty() {
                    key.push(' ');
                }
                key.push_str(syllable);
                last_was_syllable = true;
            }
            None if c.is_whitespace() => {
                if !key.ends_with(' ') && !key.is_empty() {
                    key.push(' ');
                }
                last_was_syllable = false;
            }
            None => {
                if last_was_syllable {
                    key.push(' ');
                }
                key.extend(c.to_lowercase());
                last_was_syllable = false;
            }
        }
    }
    key
}

/// Sort by the pinyin of each item's name; equal keys keep the order they came in.
pub fn sort_by_pinyin<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| pinyin_key(name(item)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_keyed_by_their_pinyin() {
        let table = [
            ("王丽", "wang2 li4"),
            ("李军", "li3 jun1"),
            ("赵敏", "zhao4 min3"),
            (" 陈工 ", "chen2 gong1"),
            ("曾国强", "zeng1 guo2 qiang2"),
            ("单雄", "shan4 xiong2"),
            ("张 Alice", "zhang1 alice"),
            ("Bob", "bob"),
            ("", ""),
        ];
        for (name, key) in table {
            assert_eq!(pinyin_key(name), key, "{name}");
        }
    }

    #[test]
    fn a_surname_reads_as_a_surname_only_in_first_place() {
        assert_eq!(pinyin_key("曾"), "zeng1");
        assert_ne!(pinyin_key("王曾"), "wang2 zeng1");
    }

    #[test]
    fn lists_sort_by_sound_then_tone() {
        let mut names = vec![
            "周涛",
            "刘洋",
            "李军",
            "连杰",
            "王丽",
            "安然",
            "曾国强",
            "Bob",
            "李建",
        ];
        sort_by_pinyin(&mut names, |n| n);
        assert_eq!(
            names,
            [
                "安然",
                "Bob",
                "李建",
                "李军",
                "连杰",
                "刘洋",
                "王丽",
                "曾国强",
                "周涛"
            ]
        );
    }
}
