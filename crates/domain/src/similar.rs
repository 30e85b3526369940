//! Similar past cases (issue 11, part 5): a finished repair, emergency or complaint is
//! kept as a case — its summary, the feedback form's fault cause, cause analysis and
//! handling, its model and component — so that whoever opens a new fault sees how the
//! same problem was solved before.
//!
//! Chinese has no spaces between words, so the text is cut into words here (jieba's
//! search mode, which also gives the shorter words inside a long one: "断路器" inside
//! "10kV断路器") and both databases index the words as they are given, space-joined. The
//! same cut on both backends gives the same matches. Model codes such as `KYN28A-12` are
//! kept whole. The store only fetches candidates by text score; [`rank`] orders them.

use crate::TicketId;
use crate::terms::TicketKind;
use chrono::{DateTime, Utc};
use jieba_rs::Jieba;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The most characters of a text that are cut into words; the rest is ignored (a case's
/// words come from its first pages, and a 50 kB paste costs no more than this).
pub const MAX_TEXT_CHARS: usize = 4000;
/// The most distinct terms kept from one text.
pub const MAX_TERMS: usize = 200;
/// The longest term kept, in characters (a longer run is not a word anyone types).
pub const MAX_TERM_CHARS: usize = 40;
/// The most cases shown.
pub const SHOWN: usize = 5;
/// The most candidates the store fetches by text score.
pub const CANDIDATES: i64 = 50;

/// Words too common to tell one fault from another.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "或", "是", "在", "有", "为", "对", "将", "把", "被", "等", "也",
    "都", "就", "而", "但", "并", "又", "这", "那", "其", "之", "以", "于", "由", "从", "到", "后",
    "时", "中", "上", "下", "个", "我", "你", "他", "她", "它", "我们", "客户", "进行", "一个",
    "没有", "已经", "现场", "情况", "问题", "a", "an", "the", "and", "or", "of", "to", "in", "on",
    "at", "is", "are", "was", "for", "with", "by", "it",
];

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// A character an ASCII word or model code is made of.
fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

/// Keep a term when it says something: not a stop word, not punctuation, not too long.
/// Only letters, digits and `-_./` may appear in a term (so it is one token on both
/// databases and needs no quoting beyond plain quotes).
fn keep(term: &str, out: &mut Vec<String>, seen: &mut HashSet<String>) {
    let t = term
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if t.is_empty()
        || t.chars().count() > MAX_TERM_CHARS
        || !t.chars().all(|c| c.is_alphanumeric() || code_char(c))
        || STOP_WORDS.contains(&t.as_str())
        || out.len() >= MAX_TERMS
    {
        return;
    }
    if seen.insert(t.clone()) {
        out.push(t);
    }
}

/// The search terms of a text, in the order they first appear, each once: ASCII words and
/// model codes whole and lower-cased, the rest cut by jieba in search mode; stop words
/// and punctuation dropped; at most [`MAX_TERMS`] terms from the first [`MAX_TEXT_CHARS`]
/// characters.
pub fn search_terms(text: &str) -> Vec<String> {
    let text: String = text
        .chars()
        .take(MAX_TEXT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // Runs of code characters are kept whole; everything between them goes to jieba.
    let mut rest = text.as_str();
    while !rest.is_empty() && out.len() < MAX_TERMS {
        let start = rest.find(code_char).unwrap_or(rest.len());
        let (other, tail) = rest.split_at(start);
        for token in jieba().cut_for_search(other, true) {
            keep(token.word, &mut out, &mut seen);
        }
        let end = tail.find(|c: char| !code_char(c)).unwrap_or(tail.len());
        let (code, tail) = tail.split_at(end);
        keep(code, &mut out, &mut seen);
        rest = tail;
    }
    out
}

/// The terms as the index stores them: space-joined.
pub fn indexed_text(texts: &[&str]) -> String {
    search_terms(&texts.join("\n")).join(" ")
}

/// A ticket of this kind becomes a case once finished: a repair, an emergency, a complaint.
pub fn is_case_kind(kind: TicketKind) -> bool {
    matches!(kind, TicketKind::Repair | TicketKind::Emergency) || kind.is_complaint()
}

/// One finished case as the index keeps it (and as a page shows it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub ticket_id: TicketId,
    pub kind: TicketKind,
    pub model_code: Option<String>,
    /// The first part replaced, when the form names one.
    pub component: Option<String>,
    pub summary: String,
    pub fault_cause: String,
    pub cause_analysis: String,
    pub handling: String,
    /// When it was finished (the form accepted or the ticket resolved).
    pub finished_at: DateTime<Utc>,
}

impl Case {
    /// The texts the case is found by.
    pub fn terms(&self) -> String {
        indexed_text(&[
            &self.summary,
            &self.fault_cause,
            &self.cause_analysis,
            &self.handling,
            self.model_code.as_deref().unwrap_or(""),
            self.component.as_deref().unwrap_or(""),
        ])
    }
}

/// A case the store found, with its text score (higher is closer; 0 when found only by
/// its model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub case: Case,
    pub score: f64,
}

/// What a new fault is compared by.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub ticket_id: Option<TicketId>,
    pub model_code: Option<String>,
    /// The new fault's text (summary, problem).
    pub text: String,
}

impl Query {
    pub fn terms(&self) -> Vec<String> {
        search_terms(&self.text)
    }
}

/// Why a case is shown where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// The same model and a component the new fault names.
    ModelAndComponent,
    SameModel,
    /// A component the new fault names, on another model.
    SameComponent,
    Text,
}

/// A case as shown, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similar {
    #[serde(flatten)]
    pub case: Case,
    pub matched: Match,
    pub score: f64,
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    }
}

/// The order of similar cases: the same model first (and among those the ones whose
/// component the new fault names), then cases of a component the new fault names, then
/// by text score, then the newest; the ticket itself never; cases found neither by model,
/// component nor text never; each case once (its best score); at most `n`.
pub fn rank(query: &Query, candidates: Vec<Candidate>, n: usize) -> Vec<Similar> {
    let text = query.text.to_lowercase();
    let mut best: HashMap<TicketId, Candidate> = HashMap::new();
    for c in candidates {
        if Some(c.case.ticket_id) == query.ticket_id || !c.score.is_finite() {
            continue;
        }
        match best.get(&c.case.ticket_id) {
            Some(b) if b.score >= c.score => {}
            _ => {
                best.insert(c.case.ticket_id, c);
            }
        }
    }
    let mut out: Vec<Similar> = best
        .into_values()
        .filter_map(|c| {
            let model = same(query.model_code.as_deref(), c.case.model_code.as_deref());
            let component = c
                .case
                .component
                .as_deref()
                .map(|k| k.trim().to_lowercase())
                .is_some_and(|k| !k.is_empty() && text.contains(&k));
            let matched = match (model, component) {
                (true, true) => Match::ModelAndComponent,
                (true, false) => Match::SameModel,
                (false, true) => Match::SameComponent,
                (false, false) if c.score > 0.0 => Match::Text,
                (false, false) => return None,
            };
            Some(Similar {
                case: c.case,
                matched,
                score: c.score,
            })
        })
        .collect();
    let tier = |m: Match| match m {
        Match::ModelAndComponent => 0,
        Match::SameModel => 1,
        Match::SameComponent => 2,
        Match::Text => 3,
    };
    out.sort_by(|a, b| {
        tier(a.matched)
            .cmp(&tier(b.matched))
            .then(b.score.total_cmp(&a.score))
            .then(b.case.finished_at.cmp(&a.case.finished_at))
            .then(b.case.ticket_id.0.cmp(&a.case.ticket_id.0))
    });
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests;
