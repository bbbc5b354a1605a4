//! Retention: the hourly `retention.purge` job deletes what the tenant's retention policy says
//! is old enough — finished webhook messages with their deliveries and attempts, and data-export
//! archives (from the document store; the request stays, expired) — and keeps what is pending
//! or younger. Each tenant runs its own policy: acme's override, bluegrass's default.
use crate::common::*;
use chrono::{Duration, Utc};
use domain::types::TenantSlug;
use domain::webhooks::entity::{attempt, delivery, message};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait};
use uuid::Uuid;

/// A webhook message of `age` with one delivery in `status` and one attempt; answers its id.
async fn webhook(app: &TestApp, slug: &str, age: Duration, status: &str) -> Uuid {
    let txn = app.db.tenant_txn(&TenantSlug::parse(slug).unwrap()).await.unwrap();
    let at = Utc::now() - age;
    let m = message::ActiveModel { id: Set(Uuid::now_v7()), event_id: Set(None), kind: Set("order.accepted".into()), body: Set("{}".into()), created_at: Set(at) }.insert(&txn).await.unwrap();
    let d = delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        endpoint_id: Set(Uuid::now_v7()),
        message_id: Set(m.id),
        status: Set(status.into()),
        attempts: Set(1),
        next_at: Set(at),
        last_status: Set(Some(200)),
        last_error: Set(None),
        invoice_delivery_id: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await
    .unwrap();
    attempt::ActiveModel { id: Set(Uuid::now_v7()), delivery_id: Set(d.id), at: Set(at), request_headers: Set(String::new()), status: Set(Some(200)), response_excerpt: Set(String::new()), error: Set(None), duration_ms: Set(5) }
        .insert(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    m.id
}

async fn counts(app: &TestApp, slug: &str) -> (u64, u64, u64) {
    let txn = app.db.tenant_txn(&TenantSlug::parse(slug).unwrap()).await.unwrap();
    let n = (message::Entity::find().count(&txn).await.unwrap(), delivery::Entity::find().count(&txn).await.unwrap(), attempt::Entity::find().count(&txn).await.unwrap());
    txn.rollback().await.unwrap();
    n
}

#[tokio::test]
async fn old_finished_records_go_by_each_tenant_s_retention_policy() {
    let app = spawn_app().await;
    // Acme keeps webhook messages and archives for 2 days; bluegrass the default 30.
    let ada = signed_in(&app, ACME, "admin@acme.test").await;
    let csrf = extract_csrf(&page(&app, &ada, ACME, "/workspace/admin/rules").await.1);
    let r = post_form(&app, &ada, ACME, "/workspace/admin/rules/retention", &[("csrf", &csrf), ("webhook_days", "2"), ("export_days", "2")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &ada, ACME, "/workspace/admin/rules").await;
    assert!(html.contains("Saved Retention as v1"), "{html}");
    let r = post_form(&app, &ada, ACME, "/workspace/admin/rules/retention", &[("csrf", &csrf), ("webhook_days", "0"), ("export_days", "2")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &ada, ACME, "/workspace/admin/rules").await;
    assert!(html.contains("Not saved: Retention stays as it was. Delivered or dead webhook messages is 0; keep records 1 to 3650 days."), "{html}");

    let (old_acme, young_acme, pending_acme, dead_acme) = (
        webhook(&app, "acme", Duration::days(3), "succeeded").await,
        webhook(&app, "acme", Duration::hours(12), "succeeded").await,
        webhook(&app, "acme", Duration::days(3), "pending").await,
        webhook(&app, "acme", Duration::days(3), "dead").await,
    );
    let old_bg = webhook(&app, "bluegrass", Duration::days(3), "succeeded").await;

    // An archive built, then made three days old.
    let (partner, pcsrf) = console(&app, "partner@northwind.test", PW).await;
    assert_eq!(post_form(&app, &partner, "localhost", "/partner/tenants/acme/exports", &[("csrf", &pcsrf)]).await.status(), 303);
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let acme = TenantSlug::parse("acme").unwrap();
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let export = domain::data_export::recent(&txn, 1).await.unwrap().remove(0);
    txn.rollback().await.unwrap();
    assert_eq!(export.status, "ready");
    let key = export.object_key.clone().unwrap();
    assert!(app.storage.get(&acme, &key).await.is_ok());
    let mut am: domain::data_export::entity::ActiveModel = export.clone().into();
    am.finished_at = Set(Some(Utc::now() - Duration::days(3)));
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    am.update(&txn).await.unwrap();
    txn.commit().await.unwrap();

    // The next hour's run.
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(1)).await.unwrap();
    let gone = |id: Uuid, slug: &'static str| {
        let app = &app;
        async move {
            let txn = app.db.tenant_txn(&TenantSlug::parse(slug).unwrap()).await.unwrap();
            let found = message::Entity::find_by_id(id).one(&txn).await.unwrap().is_none();
            txn.rollback().await.unwrap();
            found
        }
    };
    assert!(gone(old_acme, "acme").await && gone(dead_acme, "acme").await, "finished and older than acme's 2 days");
    assert!(!gone(young_acme, "acme").await, "younger than 2 days");
    assert!(!gone(pending_acme, "acme").await, "a delivery still pending keeps its message");
    assert!(!gone(old_bg, "bluegrass").await, "bluegrass keeps 30 days");
    assert_eq!(counts(&app, "acme").await, (2, 2, 2), "deliveries and attempts went with their messages");

    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let after = domain::data_export::find(&txn, export.id).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!((after.status.as_str(), after.object_key), ("expired", None));
    assert!(app.storage.get(&acme, &key).await.is_err(), "the archive's file is deleted");
    let (_, html) = page(&app, &partner, "localhost", "/partner/tenants/acme/exports").await;
    assert!(html.contains("xpired") && !html.contains(&format!("/partner/tenants/acme/exports/{}", export.id)), "no download of an expired archive: {html}");
}
