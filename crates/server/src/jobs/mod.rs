//! Background jobs: started with `serve`, stopped cleanly on SIGTERM. Each job runs on its
//! own interval; work that must happen once is claimed through the database (the outbox's
//! leases, a lease per periodic job), so several instances on one PostgreSQL never do the
//! same work twice. On SQLite the single process is the only runner.

mod outbox;
mod sessions;
mod watcher;

use crate::app::AppState;
use chrono::Duration;
use std::time::Duration as StdDuration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A periodic job.
struct Job {
    name: &'static str,
    every: StdDuration,
    kind: Kind,
}

enum Kind {
    /// Send what the outbox holds; every instance may run it (messages are claimed one
    /// by one).
    Outbox,
    /// Remove expired sessions; one instance per interval (a lease).
    Sessions,
    /// Warn and escalate deadlines; every instance may run it (deadlines are claimed row
    /// by row).
    Watcher,
    /// Forget week-old idempotency keys; one instance per interval (a lease). Runs with
    /// the sessions' clean-up (the `sessions` job switches both).
    Keys,
    // ---- tools ----
    /// Tell of overdue tools and calibrations falling due; every instance may run it (each
    /// occasion is claimed row by row). Switched with the deadline watcher.
    Tools,
    // ---- end tools ----
    // ---- follow-ups ----
    /// From the 25th, remind each salesperson once a month of their customers still due a
    /// follow-up (claimed per salesperson and month). Switched with the deadline watcher.
    FollowUps,
    // ---- end follow-ups ----
    // ---- quality ----
    /// Warn the owner of each overdue quality action once (claimed per action). Switched
    /// with the deadline watcher.
    Quality,
    // ---- end quality ----
}

// ---- quality ----
/// How often overdue quality actions are looked for.
const QUALITY_EVERY: StdDuration = StdDuration::from_secs(600);
// ---- end quality ----
// ---- tools ----
/// How often the tools register is swept for overdue tools and calibrations falling due.
const TOOLS_EVERY: StdDuration = StdDuration::from_secs(300);
// ---- end tools ----
// ---- follow-ups ----
/// How often the month's follow-ups are swept for reminders.
const FOLLOW_UPS_EVERY: StdDuration = StdDuration::from_secs(900);
// ---- end follow-ups ----

/// How often week-old idempotency keys are forgotten.
const KEYS_EVERY: StdDuration = StdDuration::from_secs(3600);

/// How often each job runs.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub outbox_every: StdDuration,
    pub sessions_every: StdDuration,
    pub watcher_every: StdDuration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            outbox_every: StdDuration::from_secs(2),
            sessions_every: StdDuration::from_secs(600),
            watcher_every: StdDuration::from_secs(15),
        }
    }
}

/// The running jobs; [`Runner::stop`] lets the current round finish and waits for it.
pub struct Runner {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// This instance's name in leases: host, process and a random part, so two instances on
/// one machine differ.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "sanbao".into());
    let random = crate::app::sessions::random_token();
    format!("{host}:{}:{}", std::process::id(), &random[..8])
}

impl Runner {
    /// Start every job for `state`, holding leases as `holder`.
    pub fn start(state: AppState, holder: String, schedule: &Schedule) -> Runner {
        let (stop, _) = watch::channel(false);
        let jobs = [
            Job {
                name: "outbox",
                every: schedule.outbox_every,
                kind: Kind::Outbox,
            },
            Job {
                name: "sessions",
                every: schedule.sessions_every,
                kind: Kind::Sessions,
            },
            Job {
                name: "watcher",
                every: schedule.watcher_every,
                kind: Kind::Watcher,
            },
            Job {
                name: "idempotency_keys",
                every: KEYS_EVERY,
                kind: Kind::Keys,
            },
            // ---- tools ----
            Job {
                name: "tools",
                every: TOOLS_EVERY,
                kind: Kind::Tools,
            },
            // ---- end tools ----
            // ---- follow-ups ----
            Job {
                name: "follow_ups",
                every: FOLLOW_UPS_EVERY,
                kind: Kind::FollowUps,
            },
            // ---- end follow-ups ----
            // ---- quality ----
            Job {
                name: "quality_actions",
                every: QUALITY_EVERY,
                kind: Kind::Quality,
            },
            // ---- end quality ----
        ];
        let wanted = state.config.job_names().unwrap_or_default();
        let tasks = jobs
            .into_iter()
            .filter(|job| wanted.contains(&job.switch()))
            .map(|job| {
                let (state, holder, mut stopped) =
                    (state.clone(), holder.clone(), stop.subscribe());
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(job.every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tokio::select! {
                            _ = stopped.changed() => break,
                            _ = tick.tick() => {}
                        }
                        if let Err(e) = run_once(&state, &holder, &job).await {
                            tracing::warn!(job = job.name, error = ?e, "job failed; next round will try again");
                        }
                    }
                    tracing::debug!(job = job.name, "job stopped");
                })
            })
            .collect();
        Runner { stop, tasks }
    }

    /// Stop: no new round starts; a round under way finishes.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

impl Job {
    /// The name that switches the job on (`--jobs`).
    fn switch(&self) -> &'static str {
        match self.kind {
            Kind::Keys => "sessions",
            // ---- tools ----
            Kind::Tools => "watcher",
            // ---- end tools ----
            // ---- follow-ups ----
            Kind::FollowUps => "watcher",
            // ---- end follow-ups ----
            // ---- quality ----
            Kind::Quality => "watcher",
            // ---- end quality ----
            _ => self.name,
        }
    }
}

async fn run_once(state: &AppState, holder: &str, job: &Job) -> Result<(), sanbao_domain::Error> {
    match job.kind {
        Kind::Outbox => outbox::run(state, holder).await,
        Kind::Sessions => {
            let every = Duration::from_std(job.every).unwrap_or(Duration::minutes(10));
            sessions::run(state, holder, every).await
        }
        Kind::Watcher => watcher::run(state).await,
        Kind::Keys => {
            let every = Duration::from_std(job.every).unwrap_or(Duration::hours(1));
            sessions::purge_keys(state, holder, every).await
        }
        // ---- tools ----
        Kind::Tools => {
            let pass = crate::app::tools::sweep(state, state.now()).await?;
            let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
            crate::metrics::add_counter("sanbao_tools_overdue_notices_total", n(pass.overdue));
            crate::metrics::add_counter(
                "sanbao_tools_calibration_notices_total",
                n(pass.calibrations),
            );
            Ok(())
        } // ---- end tools ----
        // ---- follow-ups ----
        Kind::FollowUps => {
            let told = crate::app::followups::sweep(state, state.now()).await?;
            crate::metrics::add_counter(
                "sanbao_follow_up_reminders_total",
                u64::try_from(told).unwrap_or(u64::MAX),
            );
            Ok(())
        } // ---- end follow-ups ----
        // ---- quality ----
        Kind::Quality => {
            let told = crate::app::quality::sweep(state, state.now()).await?;
            crate::metrics::add_counter(
                "sanbao_quality_overdue_notices_total",
                u64::try_from(told).unwrap_or(u64::MAX),
            );
            Ok(())
        } // ---- end quality ----
    }
}

pub use outbox::drain as drain_outbox;
