//! The audit trail (R1.4): who changed what, when, with the fields before and after.
//!
//! The store writes an entry in the same transaction as the change it records; the domain
//! decides what an entry holds ([`changed_fields`]) and how the entries are chained so that
//! a change behind the server's back shows ([`chain`]).

pub mod chain;

use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// One recorded change, as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub before: Value,
    pub after: Value,
}

/// A record as its audit entries compare it: everything it serializes, without its id,
/// its instants and its version (which change with every write and say nothing of what
/// changed).
pub fn record_view<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record)
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                for k in ["id", "created_at", "updated_at", "version"] {
                    o.remove(k);
                }
            }
            v
        })
        .unwrap_or_default()
}

/// A change to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// `ticket`, `customer`, `user`, …
    pub entity: &'static str,
    pub entity_id: i64,
    /// `create`, `update`, or the workflow step (`assign`, `check_in`, …).
    pub action: String,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    /// `Null` when there was nothing before (creation).
    pub before: Value,
    pub after: Value,
}

impl NewAuditEntry {
    /// A record created: nothing before, the whole record after.
    pub fn created(
        entity: &'static str,
        entity_id: i64,
        actor: UserId,
        at: DateTime<Utc>,
        view: Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            entity,
            entity_id,
            action: "create".into(),
            actor_id: Some(actor),
            at,
            note: None,
            before: Value::Null,
            after: view,
        }
    }

    /// A record changed: only the fields that differ between the two views are kept.
    /// `None` when nothing changed.
    #[allow(clippy::too_many_arguments)]
    pub fn changed(
        entity: &'static str,
        entity_id: i64,
        action: &str,
        actor: UserId,
        at: DateTime<Utc>,
        note: Option<String>,
        before: &Value,
        after: &Value,
    ) -> Option<NewAuditEntry> {
        let (b, a) = changed_fields(before, after);
        if a.as_object().is_some_and(Map::is_empty) && note.is_none() {
            return None;
        }
        Some(NewAuditEntry {
            entity,
            entity_id,
            action: action.into(),
            actor_id: Some(actor),
            at,
            note,
            before: b,
            after: a,
        })
    }
}

/// Before and after, keeping only what changed: what an audit record stores (R1.4).
pub fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return (before.clone(), after.clone());
    };
    let mut out_b = Map::new();
    let mut out_a = Map::new();
    for (k, av) in a {
        let bv = b.get(k).unwrap_or(&Value::Null);
        if bv != av {
            out_b.insert(k.clone(), bv.clone());
            out_a.insert(k.clone(), av.clone());
        }
    }
    for (k, bv) in b {
        if !a.contains_key(k) {
            out_b.insert(k.clone(), bv.clone());
            out_a.insert(k.clone(), Value::Null);
        }
    }
    (Value::Object(out_b), Value::Object(out_a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn r1_4_only_changed_fields_are_kept() {
        let cases = [
            (
                json!({"a": 1, "b": 2}),
                json!({"a": 1, "b": 3}),
                json!({"b": 2}),
                json!({"b": 3}),
            ),
            (json!({"a": 1}), json!({"a": 1}), json!({}), json!({})),
            (
                json!({"a": 1, "gone": "x"}),
                json!({"a": 1}),
                json!({"gone": "x"}),
                json!({"gone": null}),
            ),
            (
                json!({}),
                json!({"new": 1}),
                json!({"new": null}),
                json!({"new": 1}),
            ),
        ];
        for (before, after, b, a) in cases {
            assert_eq!(
                changed_fields(&before, &after),
                (b, a),
                "{before} -> {after}"
            );
        }
    }

    #[test]
    fn r1_4_an_unchanged_record_writes_no_entry_unless_a_note_says_why() {
        let v = json!({"a": 1});
        let at = DateTime::<Utc>::default();
        assert!(NewAuditEntry::changed("x", 1, "update", UserId(1), at, None, &v, &v).is_none());
        let e = NewAuditEntry::changed("x", 1, "note", UserId(1), at, Some("n".into()), &v, &v);
        assert_eq!(e.map(|e| e.action), Some("note".into()));
    }
}
