//! Group commit for 叫应 and feedback writes. A durable commit costs one log sync
//! (SQLite in WAL mode with `synchronous = FULL`, PostgreSQL's WAL flush), and
//! SQLite has one writer, so single-grid writes queued behind one sync each: about
//! 3 ms on this machine's disk, some 300 writes/s. Here one task commits: it takes
//! every write waiting when it starts a transaction, applies them in arrival order,
//! commits once and only then answers each. Durability is unchanged — nothing is
//! acknowledged before its commit — while a burst shares one sync.
//!
//! A group whose transaction fails is retried one write per transaction, so one
//! write's error (say, a constraint) is that write's answer alone.

use tokio::sync::{mpsc, oneshot};

use crate::error::{ErrorKind, IngestError};
use crate::grids::{GridState, GridWrite};
use crate::store::EventStore;

/// Writes per transaction at most: bounds a transaction's length (and its lock
/// time on PostgreSQL) under a flood.
const MAX_GROUP: usize = 256;

type Reply = oneshot::Sender<Result<Vec<GridState>, IngestError>>;

/// Where writes go to be committed; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<(GridWrite, Reply)>,
}

impl GroupCommit {
    /// Start the committing task for `store` (which must not itself submit to a
    /// group: it writes directly).
    pub(crate) fn start(store: EventStore) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, rx));
        Self { queue }
    }

    /// Commit `write` (with whatever else is waiting); its states once committed.
    pub(crate) async fn submit(&self, write: GridWrite) -> Result<Vec<GridState>, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((write, reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> IngestError {
    IngestError::new(
        ErrorKind::Store,
        "store",
        "the events store's writer has stopped",
    )
}

async fn run(store: EventStore, mut rx: mpsc::UnboundedReceiver<(GridWrite, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (writes, replies): (Vec<GridWrite>, Vec<Reply>) = group.into_iter().unzip();
        match store.commit_grid_writes(&writes).await {
            Ok(done) => {
                for (reply, states) in replies.into_iter().zip(done) {
                    let _ = reply.send(Ok(states));
                }
            }
            Err(e) if writes.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                for (write, reply) in writes.iter().zip(replies) {
                    let one = store
                        .commit_grid_writes(std::slice::from_ref(write))
                        .await
                        .map(|mut done| done.remove(0));
                    let _ = reply.send(one);
                }
            }
        }
    }
}
