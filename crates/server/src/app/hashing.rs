//! Password hashing on a fixed number of threads with a bounded queue.
//!
//! Argon2id takes about 19 MiB and tens of milliseconds per check, on purpose. Run on
//! the runtime's blocking pool, a flood of sign-ins started hundreds of checks at once and
//! left the memory they took with hundreds of threads. Here checks run on as many threads
//! as there are cores, a few wait their turn, and beyond that a sign-in is answered 503
//! with `Retry-After` at once instead of piling up.

use sanbao_domain::Error;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub struct HashPool {
    jobs: SyncSender<Job>,
}

impl HashPool {
    /// Checks waiting per worker before new ones are turned away.
    pub const QUEUE_PER_WORKER: usize = 16;

    /// One worker per core (at most 8), each with [`Self::QUEUE_PER_WORKER`] waiting.
    pub fn for_this_machine() -> HashPool {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        HashPool::new(workers, workers * Self::QUEUE_PER_WORKER)
    }

    pub fn new(workers: usize, queue: usize) -> HashPool {
        let (jobs, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("sanbao-hash-{i}"))
                .spawn(move || work(&rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        HashPool { jobs }
    }

    /// Run `f` on a hashing thread; [`Error::Busy`] at once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        self.submit(f)?
            .await
            .map_err(|_| Error::Internal("a hashing thread stopped".into()))
    }

    /// Queue `f`, or refuse it when the queue is full.
    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_)) => {
                crate::metrics::add_counter("sanbao_password_checks_refused_total", 1);
                Err(Error::Busy {
                    retry_after_secs: 1,
                })
            }
            Err(TrySendError::Disconnected(_)) => {
                Err(Error::Internal("no hashing thread is running".into()))
            }
        }
    }
}

/// Take jobs until the pool is dropped (its sender gone).
fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let guard = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            guard.recv()
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_is_turned_away_at_once_and_the_rest_run() {
        let pool = HashPool::new(1, 2);
        let (started, first_running) = std::sync::mpsc::channel::<()>();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        // The one worker takes the first check and holds it until released.
        let first = pool
            .submit(move || {
                let _ = started.send(());
                let _ = hold.recv();
                1
            })
            .unwrap();
        first_running.recv().unwrap();
        // Two wait their turn; the next is refused at once.
        let waiting = [pool.submit(|| 2).unwrap(), pool.submit(|| 3).unwrap()];
        assert!(matches!(
            pool.submit(|| 4),
            Err(Error::Busy {
                retry_after_secs: 1
            })
        ));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), 1);
        let [a, b] = waiting;
        assert_eq!((a.await.unwrap(), b.await.unwrap()), (2, 3));
        assert_eq!(pool.run(|| 9).await.unwrap(), 9);
    }
}
