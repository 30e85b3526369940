//! The audit chain (R1.4): every entry carries the hash of the one written before it, so an
//! entry changed, removed or slipped in behind the server's back shows.
//!
//! One chain runs through the whole log in id order. An entry's hash is the SHA-256 of a
//! canonical serialisation of its stored fields and of the previous entry's hash
//! ([`entry_hash`]); the first entry of the chain follows [`GENESIS`]. The chain's *head*
//! (the last entry's id and hash) is kept apart from the log, so entries removed from the
//! end show too. [`ChainCheck`] walks stored entries one at a time (a page at a time from
//! the store, never the whole log at once) and names the first that breaks the chain.
//!
//! What it cannot see: someone who can write the database *and* recomputes every hash after
//! the entry they changed (and the head) leaves a chain that holds — the hashes carry no
//! secret. Against that, keep the head [`ChainSummary::head`] reported by a verification
//! somewhere the database's users cannot write, and compare it later.

use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::fmt;

/// The hash the first entry of the chain follows.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version of the serialisation [`entry_hash`] hashes; a new one would start a new
/// chain rather than change the meaning of stored hashes.
const FORMAT: &str = "sanbao-audit-1";

/// The fields of an entry its hash covers, exactly as stored (`before` and `after` are the
/// stored JSON text, instants epoch milliseconds). The id is not covered (the database
/// gives it after the hash is computed); the chain's order stands for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashedFields<'a> {
    pub entity: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub actor_id: Option<i64>,
    pub at: i64,
    pub note: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// The hash of an entry with `fields` following an entry whose hash is `prev_hash`: the
/// lower-case hex SHA-256 of the JSON array
/// `["sanbao-audit-1", prev_hash, entity, entity_id, action, actor_id, at, note, before, after]`
/// (absent values `null`), which no two different entries share.
pub fn entry_hash(fields: &HashedFields<'_>, prev_hash: &str) -> String {
    let f = fields;
    let canonical = (
        FORMAT,
        prev_hash,
        f.entity,
        f.entity_id,
        f.action,
        f.actor_id,
        f.at,
        f.note,
        f.before,
        f.after,
    );
    // A tuple of strings, integers and options always serialises.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub actor_id: Option<i64>,
    /// Epoch milliseconds.
    pub at: i64,
    pub note: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// `None` on entries written before the chain was kept.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl StoredEntry {
    pub fn fields(&self) -> HashedFields<'_> {
        HashedFields {
            entity: &self.entity,
            entity_id: self.entity_id,
            action: &self.action,
            actor_id: self.actor_id,
            at: self.at,
            note: self.note.as_deref(),
            before: self.before.as_deref(),
            after: self.after.as_deref(),
        }
    }
}

/// Where the chain stands, kept apart from the log and moved forward with every append.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainHead {
    /// The last entry of the chain; `None` before the first.
    pub last_id: Option<i64>,
    pub hash: Option<String>,
    /// Entries up to this id were written before the chain was kept (they carry no hash
    /// and are not covered); `None` when there were none.
    pub pre_chain_through: Option<i64>,
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's fields no longer give its hash: it was changed after it was written.
    Edited { id: i64 },
    /// Entries are missing before `before`: it does not follow `after` (the last entry
    /// that holds; `None` at the start of the chain). Also what a rewrite of `after` that
    /// recomputed its hash looks like.
    Deleted { after: Option<i64>, before: i64 },
    /// Entries are missing at the end: the chain's head says it reaches `head`, the log
    /// ends at `after` (`None`: no entry of the chain is left).
    Truncated { after: Option<i64>, head: i64 },
    /// The entry was not written as part of the chain: put in behind the server's back.
    Inserted { id: i64 },
}

impl ChainBreak {
    /// The entry to look at first.
    pub fn id(&self) -> i64 {
        match *self {
            ChainBreak::Edited { id } | ChainBreak::Inserted { id } => id,
            ChainBreak::Deleted { before, .. } => before,
            ChainBreak::Truncated { after, head } => after.unwrap_or(head),
        }
    }
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ChainBreak::Edited { id } => write!(
                f,
                "audit entry #{id} was changed after it was written: its fields no longer give its hash"
            ),
            ChainBreak::Deleted {
                after: Some(a),
                before,
            } => write!(
                f,
                "audit entry #{before} does not follow #{a}: entries between them were deleted \
                 (or #{a} was rewritten with a new hash)"
            ),
            ChainBreak::Deleted {
                after: None,
                before,
            } => write!(
                f,
                "audit entry #{before} does not start the chain: the entries before it were deleted"
            ),
            ChainBreak::Truncated {
                after: Some(a),
                head,
            } => write!(
                f,
                "audit entries after #{a} were deleted: the chain's head says it reaches #{head}"
            ),
            ChainBreak::Truncated { after: None, head } => write!(
                f,
                "every audit entry of the chain was deleted: its head says it reaches #{head}"
            ),
            ChainBreak::Inserted { id } => write!(
                f,
                "audit entry #{id} was not written as part of the chain: it was inserted behind the server's back"
            ),
        }
    }
}

/// What an intact chain held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    /// Entries of the chain checked.
    pub checked: u64,
    /// Entries from before the chain was kept, not covered.
    pub pre_chain: u64,
    /// The last entry's id and hash (`None` when the chain is empty).
    pub head: Option<(i64, String)>,
}

/// How many of the last entries that held are remembered, to tell an entry slipped in
/// between two from a gap.
const WINDOW: usize = 64;

/// A walk over the stored entries in id order: [`ChainCheck::push`] each, then
/// [`ChainCheck::finish`]. Memory stays bounded however long the log.
#[derive(Debug)]
pub struct ChainCheck {
    head: ChainHead,
    checked: u64,
    pre_chain: u64,
    /// The last entries that held, oldest first; the back is the chain's end so far.
    recent: VecDeque<(i64, String)>,
}

impl ChainCheck {
    /// A walk against `head`, read in the same snapshot as the entries.
    pub fn new(head: ChainHead) -> ChainCheck {
        ChainCheck {
            head,
            checked: 0,
            pre_chain: 0,
            recent: VecDeque::with_capacity(WINDOW),
        }
    }

    /// The next entry in id order; the first break found ends the walk.
    pub fn push(&mut self, e: &StoredEntry) -> Result<(), ChainBreak> {
        let pre_chain = self.head.pre_chain_through.is_some_and(|p| e.id <= p);
        let Some(hash) = e.hash.as_deref() else {
            // No hash: fine only among the entries from before the chain.
            if pre_chain && self.recent.is_empty() {
                self.pre_chain += 1;
                return Ok(());
            }
            return Err(ChainBreak::Inserted { id: e.id });
        };
        if pre_chain || self.head.last_id.is_none_or(|last| e.id > last) {
            // A hash where the chain did not yet run, or beyond the head it reached.
            return Err(ChainBreak::Inserted { id: e.id });
        }
        let prev = self.recent.back().map_or(GENESIS, |(_, h)| h.as_str());
        if e.prev_hash.as_deref() == Some(prev) {
            if entry_hash(&e.fields(), prev) != hash {
                return Err(ChainBreak::Edited { id: e.id });
            }
        } else {
            // It follows an earlier entry than the last one that held: those after that
            // one were slipped in. Following nothing known: entries are missing.
            let earlier = self
                .recent
                .iter()
                .position(|(_, h)| Some(h.as_str()) == e.prev_hash.as_deref());
            if let Some(i) = earlier
                && let Some((slipped_in, _)) = self.recent.get(i + 1)
            {
                return Err(ChainBreak::Inserted { id: *slipped_in });
            }
            return Err(ChainBreak::Deleted {
                after: self.recent.back().map(|(id, _)| *id),
                before: e.id,
            });
        }
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back((e.id, hash.to_string()));
        self.checked += 1;
        Ok(())
    }

    /// After the last entry: the log must end where the head says.
    pub fn finish(mut self) -> Result<ChainSummary, ChainBreak> {
        let last = self.recent.pop_back();
        match (&last, self.head.last_id) {
            (None, None) => {}
            (Some((id, hash)), Some(head)) if *id == head => {
                if self.head.hash.as_deref() != Some(hash.as_str()) {
                    // The last entry rewritten with a new hash (or the head changed).
                    return Err(ChainBreak::Edited { id: *id });
                }
            }
            (_, Some(head)) => {
                return Err(ChainBreak::Truncated {
                    after: last.as_ref().map(|(id, _)| *id),
                    head,
                });
            }
            // An entry beyond the head is refused by `push`.
            (Some((id, _)), None) => return Err(ChainBreak::Inserted { id: *id }),
        }
        Ok(ChainSummary {
            checked: self.checked,
            pre_chain: self.pre_chain,
            head: last,
        })
    }
}

/// Walk `entries` (in id order) against `head`.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a StoredEntry>,
    head: ChainHead,
) -> Result<ChainSummary, ChainBreak> {
    let mut check = ChainCheck::new(head);
    for e in entries {
        check.push(e)?;
    }
    check.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(i: i64) -> StoredEntry {
        StoredEntry {
            id: i,
            entity: "ticket".into(),
            entity_id: 100 + i,
            action: "update".into(),
            actor_id: Some(1),
            at: 1_700_000_000_000 + i,
            note: None,
            before: Some(format!(r#"{{"status":"s{i}"}}"#)),
            after: Some(format!(r#"{{"status":"s{}"}}"#, i + 1)),
            prev_hash: None,
            hash: None,
        }
    }

    /// Entries 1..=n written through the chain, and the head they leave.
    fn chain(n: i64) -> (Vec<StoredEntry>, ChainHead) {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for i in 1..=n {
            let mut e = fields(i);
            let h = entry_hash(&e.fields(), &prev);
            e.prev_hash = Some(prev);
            e.hash = Some(h.clone());
            prev = h;
            out.push(e);
        }
        let head = ChainHead {
            last_id: out.last().map(|e| e.id),
            hash: out.last().and_then(|e| e.hash.clone()),
            pre_chain_through: None,
        };
        (out, head)
    }

    #[test]
    fn r1_4_the_hash_covers_every_field_and_the_previous_hash() {
        let e = fields(1);
        let base = entry_hash(&e.fields(), GENESIS);
        assert_eq!(base.len(), 64);
        assert!(
            base.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(base, entry_hash(&e.fields(), GENESIS), "deterministic");
        let f = e.fields();
        let variants = [
            (
                "entity",
                HashedFields {
                    entity: "customer",
                    ..f
                },
            ),
            ("entity_id", HashedFields { entity_id: 7, ..f }),
            (
                "action",
                HashedFields {
                    action: "create",
                    ..f
                },
            ),
            (
                "actor_id",
                HashedFields {
                    actor_id: None,
                    ..f
                },
            ),
            ("at", HashedFields { at: f.at + 1, ..f }),
            (
                "note",
                HashedFields {
                    note: Some(""),
                    ..f
                },
            ),
            ("before", HashedFields { before: None, ..f }),
            (
                "after",
                HashedFields {
                    after: Some("{}"),
                    ..f
                },
            ),
            // Moving text between fields changes the hash too (no concatenation blur).
            (
                "entity/action",
                HashedFields {
                    entity: "ticketupdate",
                    action: "",
                    ..f
                },
            ),
        ];
        for (what, v) in variants {
            assert_ne!(entry_hash(&v, GENESIS), base, "{what}");
        }
        assert_ne!(entry_hash(&f, &base), base, "previous hash");
    }

    #[test]
    fn r1_4_the_canonical_form_is_fixed() {
        // A stored chain must verify with every later build: this value never changes.
        let f = HashedFields {
            entity: "ticket",
            entity_id: 1,
            action: "create",
            actor_id: Some(2),
            at: 0,
            note: None,
            before: None,
            after: Some(r#"{"a":1}"#),
        };
        let expected = {
            let text = r#"["sanbao-audit-1","0000000000000000000000000000000000000000000000000000000000000000","ticket",1,"create",2,0,null,null,"{\"a\":1}"]"#;
            Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(entry_hash(&f, GENESIS), expected);
    }

    #[test]
    fn r1_4_verification_names_the_first_entry_that_breaks_the_chain() {
        type Tamper = fn(&mut Vec<StoredEntry>, &mut ChainHead);
        let cases: [(&str, Tamper, Result<u64, ChainBreak>); 12] = [
            ("intact", |_, _| {}, Ok(5)),
            (
                "edited in the middle",
                |v, _| v[2].note = Some("quietly".into()),
                Err(ChainBreak::Edited { id: 3 }),
            ),
            (
                "edited first entry",
                |v, _| v[0].after = Some("{}".into()),
                Err(ChainBreak::Edited { id: 1 }),
            ),
            (
                "edited and rehashed: the next entry no longer follows it",
                |v, _| {
                    v[2].action = "other".into();
                    let prev = v[1].hash.clone().unwrap();
                    v[2].hash = Some(entry_hash(&v[2].fields(), &prev));
                },
                Err(ChainBreak::Deleted {
                    after: Some(3),
                    before: 4,
                }),
            ),
            (
                "deleted in the middle",
                |v, _| {
                    v.remove(2);
                },
                Err(ChainBreak::Deleted {
                    after: Some(2),
                    before: 4,
                }),
            ),
            (
                "deleted at the start",
                |v, _| {
                    v.remove(0);
                },
                Err(ChainBreak::Deleted {
                    after: None,
                    before: 2,
                }),
            ),
            (
                "deleted at the end: the head still names it",
                |v, _| {
                    v.pop();
                },
                Err(ChainBreak::Truncated {
                    after: Some(4),
                    head: 5,
                }),
            ),
            (
                "all deleted",
                |v, _| v.clear(),
                Err(ChainBreak::Truncated {
                    after: None,
                    head: 5,
                }),
            ),
            (
                "inserted without a hash",
                |v, h| {
                    let mut x = fields(6);
                    x.id = 6;
                    v.push(x);
                    h.last_id = Some(6);
                },
                Err(ChainBreak::Inserted { id: 6 }),
            ),
            (
                "inserted between two, linked to the one before",
                |v, h| {
                    // The chain's ids are 1, 2, 4, 5, 6 (3 left free by a rolled-back
                    // write); an entry hashed like the chain does is slipped into #3, and
                    // #4 still follows #2.
                    for e in v.iter_mut().skip(2) {
                        e.id += 1;
                    }
                    h.last_id = Some(6);
                    let mut x = fields(30);
                    let prev = v[1].hash.clone().unwrap();
                    x.id = 3;
                    x.hash = Some(entry_hash(&x.fields(), &prev));
                    x.prev_hash = Some(prev);
                    v.insert(2, x);
                },
                Err(ChainBreak::Inserted { id: 3 }),
            ),
            (
                "appended after the head, hashed like the chain",
                |v, _| {
                    let mut x = fields(6);
                    let prev = v[4].hash.clone().unwrap();
                    x.hash = Some(entry_hash(&x.fields(), &prev));
                    x.prev_hash = Some(prev);
                    v.push(x);
                },
                Err(ChainBreak::Inserted { id: 6 }),
            ),
            (
                "the last entry rewritten with a new hash: the head differs",
                |v, _| {
                    v[4].note = Some("x".into());
                    let prev = v[3].hash.clone().unwrap();
                    v[4].hash = Some(entry_hash(&v[4].fields(), &prev));
                },
                Err(ChainBreak::Edited { id: 5 }),
            ),
        ];
        for (name, tamper, expected) in cases {
            let (mut v, mut head) = chain(5);
            tamper(&mut v, &mut head);
            let got = verify(&v, head).map(|s| s.checked);
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn r1_4_entries_from_before_the_chain_are_counted_apart_and_nothing_hides_among_them() {
        let (chained, _) = chain(3);
        // Entries 1..=2 written before the chain was kept; the chain starts at #3.
        let mut v = vec![fields(1), fields(2)];
        let mut prev = GENESIS.to_string();
        for mut e in chained {
            e.id += 2;
            let h = entry_hash(&e.fields(), &prev);
            e.prev_hash = Some(prev);
            e.hash = Some(h.clone());
            prev = h;
            v.push(e);
        }
        let head = ChainHead {
            last_id: Some(5),
            hash: Some(prev),
            pre_chain_through: Some(2),
        };
        let s = verify(&v, head.clone()).unwrap();
        assert_eq!((s.checked, s.pre_chain), (3, 2));
        assert_eq!(s.head.map(|h| h.0), Some(5));
        // Not covered: a change to an entry from before the chain.
        let mut changed = v.clone();
        changed[0].note = Some("unseen".into());
        assert!(verify(&changed, head.clone()).is_ok());
        // An entry without a hash after the chain began was not written by it.
        let mut late = v.clone();
        late[3].hash = None;
        assert_eq!(
            verify(&late, head.clone()),
            Err(ChainBreak::Inserted { id: 4 })
        );
        // Nor was a hashed one among the ids from before the chain.
        let mut early = v.clone();
        early[1].hash = Some(GENESIS.into());
        assert_eq!(verify(&early, head), Err(ChainBreak::Inserted { id: 2 }));
    }

    #[test]
    fn r1_4_an_empty_log_is_intact() {
        let s = verify(&[], ChainHead::default()).unwrap();
        assert_eq!((s.checked, s.pre_chain, s.head), (0, 0, None));
    }

    #[test]
    fn r1_4_a_break_names_its_entry_in_words() {
        let cases = [
            (ChainBreak::Edited { id: 7 }, 7, "#7 was changed"),
            (
                ChainBreak::Deleted {
                    after: Some(6),
                    before: 9,
                },
                9,
                "#9 does not follow #6",
            ),
            (
                ChainBreak::Truncated {
                    after: Some(8),
                    head: 10,
                },
                8,
                "after #8 were deleted",
            ),
            (ChainBreak::Inserted { id: 11 }, 11, "#11 was not written"),
        ];
        for (b, id, words) in cases {
            assert_eq!(b.id(), id);
            assert!(b.to_string().contains(words), "{b}");
        }
    }
}
