use super::*;
use crate::error::Error;
use crate::time::local;
use chrono::NaiveDate;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn show(t: DateTime<Utc>) -> String {
    local(t).format("%Y-%m-%d %H:%M").to_string()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Working hours 08:30–12:00 and 13:00–17:30 on weekdays; the 2027 Spring Festival off
/// from 6 to 12 February, with Sunday 14 February a make-up working day.
fn office() -> BusinessCalendar {
    let day = vec![
        Span {
            start: 8 * 60 + 30,
            end: 12 * 60,
        },
        Span {
            start: 13 * 60,
            end: 17 * 60 + 30,
        },
    ];
    BusinessCalendar {
        name: "办公时间".into(),
        utc_offset_minutes: 480,
        week: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        holidays: (6..=12).map(|d| date(&format!("2027-02-{d:02}"))).collect(),
        workdays: [date("2027-02-14")].into_iter().collect(),
    }
}

/// The company's policy with every reply counted in office hours.
fn office_policy() -> DeadlinePolicy {
    let mut p = DeadlinePolicy::company();
    p.version = 3;
    p.calendars.push(office());
    for t in &mut p.targets {
        if t.deadline == DeadlineKind::Reply {
            t.calendar = Some("办公时间".into());
        }
    }
    p
}

fn due(policy: &DeadlinePolicy, kind: TicketKind, region: Region, received: &str) -> String {
    let d = compute(policy, kind, region, at(received), &[]);
    assert_eq!(d.len(), 1, "{kind:?}");
    show(d[0].due_at)
}

#[test]
fn r3_wall_clock_runs_through_midnight_month_end_and_year_end() {
    let p = DeadlinePolicy::company();
    use TicketKind as K;
    let cases = [
        // (kind, region, received (local), due (local))
        (
            K::ComplaintQuality,
            Region::Zhejiang,
            "2026-11-27T23:30:00+08:00",
            "2026-11-28 01:30",
        ),
        (
            K::ComplaintOther,
            Region::Zhejiang,
            "2026-11-30T20:00:00+08:00",
            "2026-12-01 08:00",
        ),
        (
            K::Emergency,
            Region::OutOfProvince,
            "2026-12-31T18:00:00+08:00",
            "2027-01-01 06:00",
        ),
        (
            K::Emergency,
            Region::HangzhouUrban,
            "2027-02-28T23:15:00+08:00",
            "2027-03-01 00:15",
        ),
        (
            K::Correspondence,
            Region::Zhejiang,
            "2026-02-28T12:00:00+08:00",
            "2026-03-01 12:00",
        ),
        (
            K::Consultation,
            Region::Zhejiang,
            "2027-02-08T10:00:00+08:00",
            "2027-02-08 22:00",
        ),
    ];
    for (kind, region, received, want) in cases {
        assert_eq!(due(&p, kind, region, received), want, "{kind:?} {received}");
    }
}

#[test]
fn r3_business_calendar_counts_only_working_time() {
    let p = office_policy();
    let k = TicketKind::Consultation; // 12 h of office time = 1 day 4 h of 8 h days
    let cases = [
        // An ordinary Monday morning: 8 h Monday, 4 h Tuesday (3.5 h before lunch).
        ("2027-01-04T08:30:00+08:00", "2027-01-05 13:30"),
        // Just before closing on Friday: 10 min Friday, then Monday and Tuesday.
        ("2027-01-08T17:20:00+08:00", "2027-01-12 13:20"),
        // At lunch: the clock starts at 13:00.
        ("2027-01-04T12:10:00+08:00", "2027-01-05 17:00"),
        // Received on a holiday (Spring Festival): nothing runs until Sunday the 14th, a
        // make-up working day with Monday's hours.
        ("2027-02-09T10:00:00+08:00", "2027-02-15 13:30"),
        // Received on the make-up working day itself.
        ("2027-02-14T09:00:00+08:00", "2027-02-15 14:00"),
        // Received on a Saturday night: Monday's hours.
        ("2027-01-09T23:00:00+08:00", "2027-01-12 13:30"),
    ];
    for (received, want) in cases {
        assert_eq!(due(&p, k, Region::Zhejiang, received), want, "{received}");
    }
    // Targets on the wall clock are untouched by the calendar.
    assert_eq!(
        due(
            &p,
            TicketKind::Emergency,
            Region::Zhejiang,
            "2027-02-09T10:00:00+08:00"
        ),
        "2027-02-09 16:00"
    );
}

#[test]
fn business_calendar_between_and_add_agree() {
    let c = office();
    let from = at("2027-02-05T16:00:00+08:00");
    for minutes in [1, 90, 91, 480, 600, 2000] {
        let to = c
            .add(from, Duration::minutes(minutes))
            .unwrap_or_else(|| panic!("{minutes}"));
        assert_eq!(c.between(from, to), Duration::minutes(minutes), "{minutes}");
    }
}

fn pause(from: &str, to: Option<&str>) -> Pause {
    Pause {
        from: at(from),
        to: to.map(at),
        reason: "waiting for the customer's parts".into(),
        resume_to: TicketStatus::InProgress,
    }
}

#[test]
fn pause_stops_the_clock_and_resume_runs_it_on_across_days() {
    let p = DeadlinePolicy::company();
    let k = TicketKind::ComplaintOther; // 12 h
    let received = at("2026-11-27T20:00:00+08:00"); // due 08:00 the next day
    // Paused at 22:00 (2 h run, 10 h left) and still waiting: due frozen, no alarm.
    let open = [pause("2026-11-27T22:00:00+08:00", None)];
    let d = &compute(&p, k, Region::Zhejiang, received, &open)[0];
    assert_eq!(d.paused_since, Some(at("2026-11-27T22:00:00+08:00")));
    assert_eq!(show(d.due_at), "2026-11-28 08:00");
    assert_eq!(
        d.state(at("2026-11-29T12:00:00+08:00"), TicketStatus::Waiting),
        DeadlineState::Paused
    );
    assert_eq!(d.next_alarm(TicketStatus::Waiting), None);
    // Resumed two days later at 09:00: 10 h left.
    let closed = [pause(
        "2026-11-27T22:00:00+08:00",
        Some("2026-11-29T09:00:00+08:00"),
    )];
    let d = &compute(&p, k, Region::Zhejiang, received, &closed)[0];
    assert_eq!(d.paused_since, None);
    assert_eq!(show(d.due_at), "2026-11-29 19:00");
    assert_eq!(d.basis.paused_minutes, 35 * 60);
    // The warning at 75 % (9 h): 2 h before the pause, 7 h after.
    assert_eq!(show(d.warn_at), "2026-11-29 16:00");
    // A target that does not pause ignores the pause.
    let mut strict = p.clone();
    strict.targets.iter_mut().for_each(|t| t.pauses = false);
    let d = &compute(&strict, k, Region::Zhejiang, received, &closed)[0];
    assert_eq!(show(d.due_at), "2026-11-28 08:00");
    // A deadline already breached before the pause stays breached.
    let late = [pause("2026-11-28T09:00:00+08:00", None)];
    let d = &compute(&p, k, Region::Zhejiang, received, &late)[0];
    assert_eq!(d.paused_since, None);
    assert!(d.breached(at("2026-11-28T09:30:00+08:00")));
}

#[test]
fn pause_on_a_business_clock_counts_working_time_only() {
    let p = office_policy();
    // Monday 08:30, 12 office hours: paused Monday 10:30 (2 h run) to Wednesday 08:30.
    let d = &compute(
        &p,
        TicketKind::Consultation,
        Region::Zhejiang,
        at("2027-01-04T08:30:00+08:00"),
        &[pause(
            "2027-01-04T10:30:00+08:00",
            Some("2027-01-06T08:30:00+08:00"),
        )],
    )[0];
    // 10 h left from Wednesday 08:30: 8 h Wednesday, 2 h Thursday.
    assert_eq!(show(d.due_at), "2027-01-07 10:30");
}

#[test]
fn the_explanation_names_everything_the_due_time_rests_on() {
    let p = office_policy();
    let d = &compute(
        &p,
        TicketKind::Consultation,
        Region::Zhejiang,
        at("2027-01-04T08:30:00+08:00"),
        &[],
    )[0];
    let e = d.explain();
    assert_eq!(e.policy_version, 3);
    assert_eq!(e.minutes, 12 * 60);
    assert_eq!(e.calendar.as_deref(), Some("办公时间"));
    assert_eq!(e.started_at, at("2027-01-04T08:30:00+08:00"));
    assert_eq!(e.region, None);
    let e = compute(
        &DeadlinePolicy::company(),
        TicketKind::Emergency,
        Region::Zhejiang,
        at("2027-01-04T08:30:00+08:00"),
        &[],
    )[0]
    .explain();
    assert_eq!(
        (e.region, e.minutes, e.calendar),
        (Some(Region::Zhejiang), 360, None)
    );
}

#[test]
fn recompute_keeps_met_deadlines_and_what_the_watcher_did() {
    let p = DeadlinePolicy::company();
    let received = at("2026-11-27T09:00:00+08:00");
    let mut old = compute(
        &p,
        TicketKind::ComplaintOther,
        Region::Zhejiang,
        received,
        &[],
    );
    old[0].alarms.warned_at = Some(at("2026-11-27T18:00:00+08:00"));
    // Found to be about quality: 2 h from the received time, the warning already sent
    // stays sent.
    let fresh = compute(
        &p,
        TicketKind::ComplaintQuality,
        Region::Zhejiang,
        received,
        &[],
    );
    let now = recompute(&old, fresh.clone());
    assert_eq!(show(now[0].due_at), "2026-11-27 11:00");
    assert_eq!(now[0].alarms.warned_at, old[0].alarms.warned_at);
    // A met deadline is history: it stays as it was.
    old[0].met_at = Some(at("2026-11-27T19:00:00+08:00"));
    assert_eq!(recompute(&old, fresh), old);
    // A running deadline the new kind does not carry is dropped; a new one starts.
    let consult = compute(
        &p,
        TicketKind::Consultation,
        Region::Zhejiang,
        received,
        &[],
    );
    let emergency = compute(&p, TicketKind::Emergency, Region::Zhejiang, received, &[]);
    let now = recompute(&consult, emergency);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].kind, DeadlineKind::Arrival);
}

fn watch(d: &Deadline, kind: TicketKind, now: &str) -> (Vec<Alarm>, Vec<Alarm>, Option<String>) {
    let q = DeadlinePolicy::company().watch.quiet;
    let out = decide(d, TicketStatus::InProgress, kind, q.as_ref(), at(now));
    (out.send, out.skip, out.next_at.map(show))
}

#[test]
fn r6_1_the_watcher_warns_then_escalates_each_exactly_once() {
    use Alarm::*;
    let p = DeadlinePolicy::company();
    let k = TicketKind::ComplaintOther; // 12 h, warn at 9 h, again 2 h after the breach
    let mut d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T09:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(
        watch(&d, k, "2026-11-27T17:59:59+08:00"),
        (vec![], vec![], Some("2026-11-27 18:00".into()))
    );
    let step = decide(
        &d,
        TicketStatus::InProgress,
        k,
        None,
        at("2026-11-27T18:00:00+08:00"),
    );
    assert_eq!(step.send, vec![Warn]);
    d.alarms = step.alarms;
    // The same pass again sends nothing more.
    assert_eq!(
        watch(&d, k, "2026-11-27T18:00:00+08:00"),
        (vec![], vec![], Some("2026-11-27 21:00".into()))
    );
    // At the due minute it is not yet breached; a second after it is.
    assert_eq!(watch(&d, k, "2026-11-27T20:59:59+08:00").0, vec![]);
    assert_eq!(
        watch(&d, k, "2026-11-27T21:00:00+08:00").0,
        vec![],
        "due at the minute is not late"
    );
    let step = decide(
        &d,
        TicketStatus::InProgress,
        k,
        None,
        at("2026-11-27T21:00:00.001+08:00"),
    );
    assert_eq!(step.send, vec![Escalate]);
    d.alarms = step.alarms;
    assert_eq!(watch(&d, k, "2026-11-27T21:30:00+08:00").0, vec![]);
    let step = decide(
        &d,
        TicketStatus::InProgress,
        k,
        None,
        at("2026-11-27T23:00:00+08:00"),
    );
    assert_eq!(step.send, vec![EscalateAgain]);
    assert_eq!(step.next_at, None);
    d.alarms = step.alarms;
    assert_eq!(
        watch(&d, k, "2026-11-30T00:00:00+08:00"),
        (vec![], vec![], None)
    );
}

#[test]
fn r6_1_a_deadline_met_in_the_meantime_is_never_escalated() {
    let p = DeadlinePolicy::company();
    let k = TicketKind::ComplaintQuality;
    let mut d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T09:00:00+08:00"),
        &[],
    )[0]
    .clone();
    d.met_at = Some(at("2026-11-27T10:59:59+08:00"));
    for now in ["2026-11-27T11:00:01+08:00", "2026-11-28T11:00:00+08:00"] {
        assert_eq!(watch(&d, k, now), (vec![], vec![], None), "{now}");
    }
    // Nor is a finished ticket's, nor a paused one's.
    d.met_at = None;
    for status in [TicketStatus::Cancelled, TicketStatus::Resolved] {
        assert_eq!(
            decide(&d, status, k, None, at("2026-11-28T00:00:00+08:00")).send,
            vec![]
        );
    }
    d.paused_since = Some(at("2026-11-27T10:00:00+08:00"));
    assert_eq!(
        decide(
            &d,
            TicketStatus::Waiting,
            k,
            None,
            at("2026-11-28T00:00:00+08:00")
        )
        .send,
        vec![]
    );
}

#[test]
fn r6_1_quiet_hours_hold_warnings_never_emergencies_or_escalations() {
    use Alarm::*;
    let p = DeadlinePolicy::company();
    // A consultation at 20:00: warned at 05:00 (75 % of 12 h), in quiet hours: held until
    // 08:00, the end of quiet hours — the same as its due time, so it is passed over for
    // the escalation, which is never held.
    let k = TicketKind::Consultation;
    let d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T20:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(
        watch(&d, k, "2026-11-28T05:00:00+08:00"),
        (vec![], vec![], Some("2026-11-28 08:00".into()))
    );
    assert_eq!(
        watch(&d, k, "2026-11-28T08:00:01+08:00"),
        (vec![Escalate], vec![Warn], Some("2026-11-28 10:00".into()))
    );
    // A letter received at 18:00 (24 h): warned at 12:00 the next day, outside quiet hours.
    let k = TicketKind::Correspondence;
    let d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T18:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(watch(&d, k, "2026-11-28T12:00:00+08:00").0, vec![Warn]);
    // A complaint warned at 23:00 gets its warning at 08:00, before its due time at 10:00.
    let k = TicketKind::ComplaintOther;
    let d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T14:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(
        watch(&d, k, "2026-11-27T23:00:00+08:00"),
        (vec![], vec![], Some("2026-11-28 02:00".into()))
    );
    let d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-27T22:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(show(d.warn_at), "2026-11-28 07:00");
    assert_eq!(
        watch(&d, k, "2026-11-28T07:00:00+08:00"),
        (vec![], vec![], Some("2026-11-28 08:00".into()))
    );
    assert_eq!(watch(&d, k, "2026-11-28T08:00:00+08:00").0, vec![Warn]);
    // An emergency at 02:00 is warned at once, quiet hours or not.
    let k = TicketKind::Emergency;
    let d = compute(
        &p,
        k,
        Region::Zhejiang,
        at("2026-11-28T00:00:00+08:00"),
        &[],
    )[0]
    .clone();
    assert_eq!(watch(&d, k, "2026-11-28T04:30:00+08:00").0, vec![Warn]);
}

#[test]
fn quiet_hours_span_midnight() {
    let q = Quiet {
        from: 22 * 60,
        to: 8 * 60,
    };
    for (now, inside, end) in [
        ("2026-11-27T21:59:00+08:00", false, None),
        ("2026-11-27T22:00:00+08:00", true, Some("2026-11-28 08:00")),
        ("2026-12-31T23:59:00+08:00", true, Some("2027-01-01 08:00")),
        ("2027-01-01T07:59:00+08:00", true, Some("2027-01-01 08:00")),
        ("2027-01-01T08:00:00+08:00", false, None),
    ] {
        assert_eq!(q.contains(at(now)), inside, "{now}");
        if let Some(end) = end {
            assert_eq!(show(q.end_after(at(now))), end, "{now}");
        }
    }
}

fn input(p: &DeadlinePolicy) -> PolicyInput {
    p.to_input()
}

#[test]
fn a_policy_reads_back_what_it_wrote() {
    let p = office_policy();
    let mut again = input(&p).parse().unwrap_or_else(|e| panic!("{e:?}"));
    again.version = p.version;
    assert_eq!(again, p);
}

fn problems(r: Result<DeadlinePolicy, Error>) -> Vec<String> {
    match r {
        Err(Error::Validation(f)) => f.0.keys().cloned().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_bad_policy_is_refused_by_field() {
    let good = input(&office_policy());
    type Change = Box<dyn Fn(&mut PolicyInput)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|p| p.targets[0].minutes = Some(0)),
            "targets[0].minutes",
        ),
        (
            Box::new(|p| p.targets[0].minutes = None),
            "targets[0].minutes",
        ),
        (
            Box::new(|p| p.targets[1].calendar = Some("夜班".into())),
            "targets[1].calendar",
        ),
        (
            Box::new(|p| p.targets[0].deadline = Some(DeadlineKind::Reply)),
            "targets[0].deadline",
        ),
        (
            Box::new(|p| {
                let again = p.targets[0].clone();
                p.targets.push(again);
            }),
            "targets[8].region",
        ),
        (
            Box::new(|p| {
                p.targets.retain(|t| t.region != Some(Region::Zhejiang));
            }),
            "targets",
        ),
        (
            Box::new(|p| p.calendars[0].week[2] = "17:00-09:00".into()),
            "calendars[0].week[2]",
        ),
        (
            Box::new(|p| p.calendars[0].week[2] = "08:00-12:00, 11:00-13:00".into()),
            "calendars[0].week[2]",
        ),
        (
            Box::new(|p| p.calendars[0].week.pop().map(|_| ()).unwrap_or(())),
            "calendars[0].week",
        ),
        (
            Box::new(|p| p.calendars[0].holidays = "2027-02-30".into()),
            "calendars[0].holidays",
        ),
        (
            Box::new(|p| p.calendars[0].workdays = "2027-02-08".into()),
            "calendars[0].workdays",
        ),
        (
            Box::new(|p| p.calendars[0].name = " ".into()),
            "calendars[0].name",
        ),
        (
            Box::new(|p| p.calendars[0].utc_offset_minutes = Some(2000)),
            "calendars[0].utc_offset_minutes",
        ),
        (Box::new(|p| p.warn_pct = Some(100)), "warn_pct"),
        (
            Box::new(|p| p.escalate_again_minutes = Some(0)),
            "escalate_again_minutes",
        ),
        (
            Box::new(|p| p.quiet_hours = Some("22:00".into())),
            "quiet_hours",
        ),
    ];
    for (change, field) in cases {
        let mut p = good.clone();
        change(&mut p);
        assert!(
            problems(p.parse()).contains(&field.to_string()),
            "{field}: {:?}",
            problems(p.parse())
        );
    }
    let mut ranges = good.clone();
    ranges.calendars[0].holidays = "2027-10-01..2027-10-07, 2027-01-01".into();
    let p = ranges.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(p.calendars[0].holidays.len(), 8);
}

#[test]
fn the_editor_shows_runs_of_days_as_ranges() {
    let dates = parse_dates("2027-02-10..2027-02-16, 2027-02-20, 2027-10-01..2027-10-02").unwrap();
    assert_eq!(
        date_ranges(&dates),
        [
            "2027-02-10..2027-02-16",
            "2027-02-20",
            "2027-10-01..2027-10-02"
        ]
    );
    assert!(date_ranges(&std::collections::BTreeSet::new()).is_empty());
}
