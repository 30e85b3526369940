//! Deadline pages: the sentence that explains a due time, and the policy editor.

use crate::i18n::Lang;
use sanbao_domain::deadline::Explanation;

use super::view::full_time;

/// One sentence: "Due 2026-11-27 14:40: a quality complaint gets its handling opinion
/// within 2 h on the wall clock, counted from 12:40, plus 30 min paused (the company's
/// built-in policy)."
pub fn explain(lang: Lang, e: &Explanation) -> String {
    let clock = match &e.calendar {
        None => lang.t("deadline.clock_wall").to_string(),
        Some(name) => lang.f("deadline.clock_calendar", &[("name", name)]),
    };
    let mut paused = String::new();
    if e.paused_minutes > 0 {
        paused.push_str(&lang.f(
            "deadline.explain_paused",
            &[("d", &lang.duration(e.paused_minutes))],
        ));
    }
    if let Some(since) = e.paused_since {
        paused.push_str(&lang.f("deadline.explain_paused_since", &[("t", &full_time(since))]));
    }
    let policy = if e.policy_version == 0 {
        lang.t("deadline.policy_built_in").to_string()
    } else {
        lang.f("deadline.policy_version", &[("v", &e.policy_version)])
    };
    let region = e
        .region
        .map(|r| {
            lang.f(
                "deadline.explain_region",
                &[("region", &lang.t(&format!("region.{}", r.as_str())))],
            )
        })
        .unwrap_or_default();
    lang.f(
        "deadline.explain",
        &[
            ("due", &full_time(e.due_at)),
            ("kind", &lang.t(&format!("kind.{}", e.ticket_kind))),
            ("goal", &lang.t(&format!("deadline.goal.{}", e.kind))),
            ("d", &lang.duration(e.minutes)),
            ("clock", &clock),
            ("start", &full_time(e.started_at)),
            ("paused", &paused),
            ("policy", &policy),
            ("region", &region),
        ],
    )
}
