//! Waking workers when new work commits, without waiting for the next poll.
//!
//! A transaction that enqueued jobs marks its tenant due here when it commits: this
//! instance's workers wake at once, and the tenant is queued for a PostgreSQL `NOTIFY` that
//! wakes the other instances (sent after the commit, at most one per tenant per round, so
//! that committing transactions do not queue on the notification lock). Polling every few
//! seconds covers lost notifications and jobs whose time comes later.
use std::collections::BTreeSet;
use std::sync::Mutex;
use tokio::sync::Notify;

/// Tenants with work to look at, and the ones to announce to other instances.
#[derive(Default)]
pub struct JobSignal {
    due: Mutex<BTreeSet<String>>,
    wake: Notify,
    outgoing: Mutex<BTreeSet<String>>,
    announce: Notify,
}

impl JobSignal {
    /// Jobs of `tenant` were committed by this instance.
    pub fn committed(&self, tenant: &str) {
        self.mark_due(tenant);
        lock(&self.outgoing).insert(tenant.to_owned());
        self.announce.notify_one();
    }

    /// `tenant` may have work (committed elsewhere, a poll, or more than one batch).
    pub fn mark_due(&self, tenant: &str) {
        lock(&self.due).insert(tenant.to_owned());
        self.wake.notify_waiters();
    }

    /// Marks all of `tenants` due (the polling fallback).
    pub fn mark_all_due<'a>(&self, tenants: impl IntoIterator<Item = &'a str>) {
        lock(&self.due).extend(tenants.into_iter().map(str::to_owned));
        self.wake.notify_waiters();
    }

    /// Takes one due tenant for a worker.
    pub fn take_due(&self) -> Option<String> {
        lock(&self.due).pop_first()
    }

    /// Waits until a tenant is marked due or `timeout` passes.
    pub async fn wait(&self, timeout: std::time::Duration) {
        let notified = self.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if !lock(&self.due).is_empty() {
            return;
        }
        let _ = tokio::time::timeout(timeout, notified).await;
    }

    /// Waits for tenants to announce to other instances and takes them.
    pub async fn next_announcements(&self) -> Vec<String> {
        loop {
            let taken: Vec<String> = std::mem::take(&mut *lock(&self.outgoing)).into_iter().collect();
            if !taken.is_empty() {
                return taken;
            }
            self.announce.notified().await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_marks_its_tenant_due_once_and_queues_one_announcement() {
        let s = JobSignal::default();
        s.committed("acme");
        s.committed("acme");
        s.mark_due("bluegrass");
        assert_eq!(s.take_due().as_deref(), Some("acme"));
        assert_eq!(s.take_due().as_deref(), Some("bluegrass"));
        assert_eq!(s.take_due(), None);
        assert_eq!(s.next_announcements().await, vec!["acme".to_string()]);
    }

    #[tokio::test]
    async fn a_waiting_worker_wakes_when_work_is_marked_and_not_before() {
        let s = std::sync::Arc::new(JobSignal::default());
        let waiter = tokio::spawn({
            let s = s.clone();
            async move { s.wait(std::time::Duration::from_secs(30)).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        s.mark_due("acme");
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.expect("woken before the timeout").unwrap();
    }
}
