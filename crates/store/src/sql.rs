//! Small pieces of SQL shared by the record types: LIKE patterns, dynamic arguments, and
//! the lists of stored names that filters use.

use sanbao_domain::ticket::DeskLane;
use std::sync::LazyLock;

/// `(1, 2, 3)`: ids written into the SQL text (integers only, so nothing to escape), for
/// the reads that fetch the rows of many records in one query.
pub(crate) fn id_list(ids: &[i64]) -> String {
    let parts: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", parts.join(", "))
}

/// How many ids one such query names at most.
pub(crate) const ID_CHUNK: usize = 500;

/// `%text%` for LIKE, with LIKE's own wildcards taken literally.
pub(crate) fn like_pattern(s: &str) -> String {
    let escaped = s
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `('running', 'no_deadline', 'deadlines_met')`: the desk lanes that are still work, as
/// the domain says ([`DeskLane::is_work`]), for filters on the stored `desk_lane`.
pub(crate) static WORKING_LANES: LazyLock<String> = LazyLock::new(|| {
    let list: Vec<String> = DeskLane::working()
        .map(|l| format!("'{}'", l.as_str()))
        .collect();
    format!("({})", list.join(", "))
});

/// A dynamic argument of a query whose conditions depend on the filter.
pub(crate) enum Arg {
    I(i64),
    S(String),
}

/// Bind a list of dynamic arguments in order.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::sql::Arg::I(v) => q.bind(*v),
                $crate::sql::Arg::S(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}
pub(crate) use bind_all;
