//! What a job of each kind does: the [`Handler`]s, found by kind in a [`Registry`].
use super::JobError;
use super::entity as job;
use crate::TenantTxn;
use crate::types::TenantSlug;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// What a handler is given: the batch's transaction (a savepoint for this job), the job,
/// the tenant and the time the worker runs at.
pub struct JobCx<'a> {
    pub txn: &'a TenantTxn,
    pub job: &'a job::Model,
    pub tenant: &'a TenantSlug,
    pub now: DateTime<Utc>,
}

impl JobCx<'_> {
    /// The job's payload, or a permanent failure naming what is wrong with it.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.job.payload).map_err(|e| JobError::Permanent(format!("the payload of this {} job is not valid: {e}", self.job.kind)))
    }
}

/// Runs jobs of one kind. Handlers are idempotent: what they write commits with the job's
/// completion, and what they do elsewhere (a mail, a webhook) must bear being done again
/// after a worker died between doing it and committing.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError>;

    /// Whether the handler writes to the database. One that does not runs without a
    /// savepoint of its own.
    fn writes(&self) -> bool {
        true
    }

    /// Whether the claimed jobs of this kind run together, through [`Handler::run_many`].
    fn batches(&self) -> bool {
        false
    }

    /// Runs several jobs of this kind in one go (when [`Handler::batches`]): reads and writes
    /// for all of them at once rather than a few round trips per job. Answers one outcome per
    /// job, in order; a job answered with an error must have written nothing. An `Err` of the
    /// whole call rolls all of them back, and the worker runs them again one at a time. A
    /// database error must fail the whole call (on PostgreSQL it aborts the savepoint).
    async fn run_many(&self, cx: &BatchCx<'_>, jobs: &[&job::Model]) -> Result<Vec<Result<(), JobError>>, JobError> {
        let _ = (cx, jobs);
        Err(JobError::Permanent("this kind of job runs one at a time".into()))
    }
}

/// What [`Handler::run_many`] is given: the batch's transaction (a savepoint for these
/// jobs), the tenant and the time the worker runs at.
pub struct BatchCx<'a> {
    pub txn: &'a TenantTxn,
    pub tenant: &'a TenantSlug,
    pub now: DateTime<Utc>,
}

impl JobCx<'_> {
    /// This job's context as a batch of one.
    pub fn batch(&self) -> BatchCx<'_> {
        BatchCx { txn: self.txn, tenant: self.tenant, now: self.now }
    }
}

/// The handlers by job kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Arc<dyn Handler>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the handler of `kind`.
    pub fn with(mut self, kind: &'static str, handler: impl Handler) -> Self {
        self.handlers.insert(kind, Arc::new(handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Handler>> {
        self.handlers.get(kind)
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }
}

/// `noop`: does nothing (measures the engine itself).
pub struct Noop;

#[async_trait::async_trait]
impl Handler for Noop {
    async fn run(&self, _cx: &JobCx<'_>) -> Result<(), JobError> {
        Ok(())
    }

    fn writes(&self) -> bool {
        false
    }
}
