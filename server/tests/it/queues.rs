//! The staff workspace's exception queues through HTTP, as a browser uses them: a clerk finds
//! a credit hold in the credit queue, claims it and releases its order with the forms;
//! customer service is refused; bulk claim and an all-or-nothing bulk resolve; an SLA breach
//! shows escalated in the admin queue; forms without the CSRF token and the other tenant are
//! refused (cross-tenant matrix).

use chrono::{Duration, SecondsFormat, Utc};
use crate::common::*;
use serde_json::{Value, json};

const CREDIT: &str = "/workspace/queues/credit";

async fn customer_with_limit(app: &TestApp, host: &str, t: &str, id: &str, limit: i64) {
    let r = app.post(host, t, "/api/v1/customers", &json!({"external_id": id, "name": format!("Limited {id}"), "credit_limit_minor": limit})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

/// An order of 65.00 for `customer`, accepted `hours_ago` hours ago.
async fn accept(app: &TestApp, host: &str, t: &str, number: &str, customer: &str, hours_ago: i64) {
    let at = (Utc::now() - Duration::hours(hours_ago)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let v: Value = app.post(host, t, "/api/v1/events", &ev(&format!("acc-{number}"), "order.accepted", &at, order_payload(number, customer))).await.json().await.unwrap();
    assert_eq!(v["results"][0]["result"], "accepted", "{v}");
}

/// An exception as the API reads it back (by id or reference).
async fn exception(app: &TestApp, host: &str, t: &str, key: &str) -> Value {
    let r = app.get(host, t, &format!("/api/v1/exceptions/{key}")).await;
    assert_eq!(r.status(), 200, "exception {key}");
    r.json::<Value>().await.unwrap()["exception"].clone()
}

async fn id_of(app: &TestApp, host: &str, t: &str, number: &str) -> String {
    exception(app, host, t, &format!("credit-hold:{number}")).await["id"].as_str().unwrap().to_owned()
}

/// Posts one action's form and follows the redirect: the address it went back to and that
/// page's notice as (role, text).
async fn act(app: &TestApp, b: &reqwest::Client, id: &str, action: &str, form: &[(&str, &str)]) -> (String, (String, String)) {
    let r = post_form(app, b, ACME, &format!("/workspace/exceptions/{id}/{action}"), form).await;
    assert_eq!(r.status(), 303, "{action} redirects back");
    let to = location(&r);
    let (_, html) = page(app, b, ACME, &to).await;
    (to, notice(&html).unwrap_or_else(|| panic!("a notice after {action}")))
}

/// The page's one-time notice: `alert` (red, refused) or `status`, and its text.
fn notice(html: &str) -> Option<(String, String)> {
    let at = html.find("data-testid=\"notice\"")?;
    let start = html[..at].rfind("<p")?;
    let end = at + html[at..].find("</p>")?;
    let tag = &html[start..end];
    let role = if tag.contains("role=\"alert\"") { "alert" } else { "status" };
    Some((role.into(), tag[tag.find('>')? + 1..].to_owned()))
}

fn rows(html: &str) -> usize {
    html.matches("data-testid=\"exception-row\"").count()
}

fn has_form(html: &str, action: &str) -> bool {
    html.contains(&format!("data-testid=\"form-{action}\""))
}

#[tokio::test]
async fn a_clerk_finds_a_credit_hold_in_the_queue_claims_it_and_releases_the_order() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, ACME, &t, "C-Q1", 10_000).await;
    accept(&app, ACME, &t, "Q-1", "C-Q1", 0).await; // 65.00 of 100.00: passes
    accept(&app, ACME, &t, "Q-2", "C-Q1", 0).await; // 130.00: held
    let id = id_of(&app, ACME, &t, "Q-2").await;
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;

    let (_, home) = page(&app, &clerk, ACME, "/workspace").await;
    assert!(home.contains("data-queue=\"credit\"") && home.contains("data-queue=\"ar\""), "a clerk's home counts the credit and AR queues");
    assert!(!home.contains("data-queue=\"customer_service\""));
    assert!(home.contains("My work (0)"));

    let (status, html) = page(&app, &clerk, ACME, &format!("{CREDIT}?customer=C-Q1")).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&html), 1, "the held order only");
    for shown in ["credit-hold:Q-2", "href=\"/workspace/orders/Q-2\"", "Credit hold (1)", "3 h 59 min left", "Claim selected", &format!("href=\"/workspace/exceptions/{id}\"")] {
        assert!(html.contains(shown), "{shown} is on the queue page");
    }
    let (_, html) = page(&app, &clerk, ACME, &format!("/workspace/exceptions/{id}")).await;
    assert!(has_form(&html, "claim") && has_form(&html, "escalate") && has_form(&html, "comment"));
    assert!(html.contains("Release order") && html.contains("Reject order"));
    assert!(!has_form(&html, "release"), "nobody holds it, so there is nothing to release");
    assert!(html.contains("order.accepted") && html.contains("order.credit_hold"), "the order's timeline");
    let csrf = extract_csrf(&html);

    let (to, (role, text)) = act(&app, &clerk, &id, "claim", &[("csrf", &csrf)]).await;
    assert_eq!((to.as_str(), role.as_str()), (format!("/workspace/exceptions/{id}").as_str(), "status"));
    assert!(text.contains("credit-hold:Q-2 is yours now"), "{text}");
    let (_, html) = page(&app, &clerk, ACME, &format!("/workspace/exceptions/{id}")).await;
    assert!(html.contains("Carl Clerk") && has_form(&html, "release") && !has_form(&html, "claim"));
    let (_, work) = page(&app, &clerk, ACME, "/workspace/work").await;
    assert!(work.contains("credit-hold:Q-2") && rows(&work) == 1, "my work holds it");
    assert!(page(&app, &clerk, ACME, "/workspace").await.1.contains("My work (1)"));

    let (_, (role, text)) = act(&app, &clerk, &id, "resolve", &[("csrf", &csrf), ("code", "released"), ("note", "paid by wire")]).await;
    assert_eq!(role, "status", "{text}");
    assert!(text.contains("the order is released"), "{text}");
    assert_eq!(order(&app, &t, "Q-2").await["status"], "released", "the order continues");
    let (_, html) = page(&app, &clerk, ACME, &format!("/workspace/exceptions/{id}")).await;
    for step in ["opened", "claimed", "resolved"] {
        assert!(html.contains(&format!("data-action=\"{step}\"")), "history has {step}");
    }
    assert!(html.contains("data-actor=\"user Carl Clerk\"") && html.contains("paid by wire"));
    assert!(!has_form(&html, "resolve") && !has_form(&html, "claim") && has_form(&html, "comment"), "resolved: only comments");
    assert!(!page(&app, &clerk, ACME, "/workspace/work").await.1.contains("credit-hold:Q-2"));
}

#[tokio::test]
async fn customer_service_is_refused_releasing_a_credit_hold_and_nothing_changes() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, ACME, &t, "C-Q2", 100).await;
    accept(&app, ACME, &t, "Q2-1", "C-Q2", 0).await;
    let id = id_of(&app, ACME, &t, "Q2-1").await;
    let rep = signed_in(&app, ACME, "service@acme.test").await;
    let (_, html) = page(&app, &rep, ACME, &format!("/workspace/exceptions/{id}")).await;
    assert!(html.contains("data-testid=\"read-only\""), "the page says why only comments are offered");
    assert!(!has_form(&html, "resolve") && !has_form(&html, "claim") && has_form(&html, "comment"));
    let csrf = extract_csrf(&html);

    let (to, (role, text)) = act(&app, &rep, &id, "resolve", &[("csrf", &csrf), ("code", "released")]).await;
    assert!(to.ends_with("?refused=1"), "{to}");
    assert_eq!(role, "alert", "a red notice");
    assert!(text.contains("Not done: the Credit queue is not worked by your role (Customer service)"), "{text}");
    assert_eq!(order(&app, &t, "Q2-1").await["status"], "credit_hold", "the order is still held");
    let x = exception(&app, ACME, &t, &id).await;
    assert_eq!((x["status"].as_str(), x["assignee"].as_str()), (Some("open"), None));
    let (_, (role, text)) = act(&app, &rep, &id, "claim", &[("csrf", &csrf)]).await;
    assert_eq!(role, "alert", "{text}");

    let (_, (role, text)) = act(&app, &rep, &id, "comment", &[("csrf", &csrf), ("note", "customer called about it")]).await;
    assert_eq!((role.as_str(), text.contains("has your comment")), ("status", true), "{text}");
    let (_, (role, text)) = act(&app, &rep, &id, "comment", &[("csrf", &csrf), ("note", "  ")]).await;
    assert_eq!(role, "alert");
    assert!(text.contains("a comment needs text"), "{text}");

    // An admin reassigns it only to someone who works the credit queue; its holder escalates it.
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let (_, html) = page(&app, &admin, ACME, &format!("/workspace/exceptions/{id}")).await;
    assert!(html.contains("value=\"clerk@acme.test\"") && !html.contains("value=\"service@acme.test\""), "the select lists who works the queue");
    let admin_csrf = extract_csrf(&html);
    let (_, (role, text)) = act(&app, &admin, &id, "reassign", &[("csrf", &admin_csrf), ("assignee", "service@acme.test")]).await;
    assert_eq!(role, "alert");
    assert!(text.contains("Sam Service (Customer service) does not work the Credit queue"), "{text}");
    let (_, (_, text)) = act(&app, &admin, &id, "reassign", &[("csrf", &admin_csrf), ("assignee", "clerk@acme.test")]).await;
    assert!(text.contains("is assigned to Carl Clerk"), "{text}");
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let clerk_csrf = extract_csrf(&page(&app, &clerk, ACME, "/workspace/work").await.1);
    let (_, (_, text)) = act(&app, &clerk, &id, "escalate", &[("csrf", &clerk_csrf), ("note", "customer disputes the limit")]).await;
    assert!(text.contains("is escalated to the admin queue"), "{text}");
    let x = exception(&app, ACME, &t, &id).await;
    assert_eq!((x["status"].as_str(), x["queue"].as_str(), x["assignee"].as_str()), (Some("escalated"), Some("admin"), Some("Carl Clerk")));
}

#[tokio::test]
async fn bulk_claim_takes_both_and_a_bulk_resolve_with_one_refused_does_nothing() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, ACME, &t, "C-Q3", 10_000).await;
    for n in ["Q3-1", "Q3-2", "Q3-3", "Q3-4"] {
        accept(&app, ACME, &t, n, "C-Q3", 0).await;
    }
    let (a, b, c) = (id_of(&app, ACME, &t, "Q3-2").await, id_of(&app, ACME, &t, "Q3-3").await, id_of(&app, ACME, &t, "Q3-4").await);
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let here = format!("{CREDIT}?customer=C-Q3");
    let (_, html) = page(&app, &clerk, ACME, &here).await;
    assert_eq!(rows(&html), 3);
    let csrf = extract_csrf(&html);
    let bulk = format!("{CREDIT}/bulk");

    // The export holds what the filters match, as a download.
    let r = clerk.get(app.url(ACME, &format!("{CREDIT}/export.csv?customer=C-Q3"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"credit-queue-acme-"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("\"reference\",\"type\",\"status\"") && lines[1].starts_with("\"credit-hold:Q3-2\",\"credit_hold\",\"open\""), "{csv}");

    let r = post_form(&app, &clerk, ACME, &bulk, &[("csrf", &csrf), ("back", &here), ("action", "claim"), ("id", &a), ("id", &b)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, here.clone()));
    let (_, html) = page(&app, &clerk, ACME, &here).await;
    assert!(notice(&html).unwrap().1.contains("2 exceptions claimed"), "{:?}", notice(&html));
    for id in [&a, &b] {
        assert_eq!(exception(&app, ACME, &t, id).await["assignee"], "Carl Clerk");
    }
    assert!(exception(&app, ACME, &t, &c).await["assignee"].is_null(), "the unticked one is untouched");

    // Q3-2 is resolved on its own; a batch that holds it is refused as a whole.
    act(&app, &clerk, &a, "resolve", &[("csrf", &csrf), ("code", "released")]).await;
    let r = post_form(&app, &clerk, ACME, &bulk, &[("csrf", &csrf), ("back", &here), ("action", "resolve"), ("code", "released"), ("id", &b), ("id", &a)]).await;
    assert_eq!(location(&r), format!("{here}&refused=1"));
    let (role, text) = notice(&page(&app, &clerk, ACME, &location(&r)).await.1).unwrap();
    assert_eq!(role, "alert");
    assert!(text.contains("Nothing was done: credit-hold:Q3-2 was refused: this exception is resolved already"), "{text}");
    assert_eq!(exception(&app, ACME, &t, &b).await["status"], "claimed", "Q3-3 was rolled back with the batch");
    assert_eq!(order(&app, &t, "Q3-3").await["status"], "credit_hold");

    // Nothing ticked, and a foreign address to go back to.
    let r = post_form(&app, &clerk, ACME, &bulk, &[("csrf", &csrf), ("back", "//evil.example/x"), ("action", "claim")]).await;
    assert_eq!(location(&r), format!("{CREDIT}?refused=1"), "never another site");
    let r = post_form(&app, &clerk, ACME, &bulk, &[("csrf", &csrf), ("back", &here), ("action", "resolve"), ("code", "released"), ("id", &b), ("id", &c)]).await;
    assert_eq!(location(&r), here, "both resolved");
    assert_eq!(order(&app, &t, "Q3-4").await["status"], "released");
}

#[tokio::test]
async fn a_breached_exception_is_escalated_into_the_admin_queue_and_shows_as_breached() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, ACME, &t, "C-Q4", 1).await;
    accept(&app, ACME, &t, "Q4-1", "C-Q4", 5).await; // due an hour ago
    let id = id_of(&app, ACME, &t, "Q4-1").await;
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(5)).await.unwrap();

    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    assert_eq!(rows(&page(&app, &clerk, ACME, &format!("{CREDIT}?customer=C-Q4")).await.1), 0, "it left the credit queue");
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &admin, ACME, "/workspace/queues/admin?customer=C-Q4").await;
    assert_eq!(status, 200);
    assert_eq!(rows(&html), 1);
    assert!(html.contains("data-sla=\"breached\"") && html.contains("breached 1 h") && html.contains(">escalated<") && html.contains(">critical<"), "escalated, breached, critical");
    let (_, html) = page(&app, &admin, ACME, &format!("/workspace/exceptions/{id}")).await;
    assert!(html.contains("data-testid=\"exception-status\" class=\"rounded bg-red-100") && html.contains("data-sla=\"breached\""), "escalated and breached");
    assert!(html.contains("data-action=\"escalated\" data-actor=\"system\""), "the system escalated it");
    assert!(!has_form(&html, "escalate"), "escalated already");
    let (_, home) = page(&app, &admin, ACME, "/workspace").await;
    let card = &home[home.find("data-queue=\"admin\"").unwrap()..];
    let key = "data-testid=\"breached-count\">";
    let breached = &card[card.find(key).unwrap() + key.len()..];
    assert_ne!(&breached[..breached.find('<').unwrap()], "0", "the admin's home counts it as breached");
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, ACME, &t, "C-Q5", 1).await;
    accept(&app, ACME, &t, "Q5-1", "C-Q5", 0).await;
    let id = id_of(&app, ACME, &t, "Q5-1").await;
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let bad = "0".repeat(64);
    for form in [vec![], vec![("csrf", bad.as_str())]] {
        let r = post_form(&app, &clerk, ACME, &format!("/workspace/exceptions/{id}/claim"), &form).await;
        assert_eq!(r.status(), 403);
        let mut bulk = form.clone();
        bulk.extend([("action", "claim"), ("id", id.as_str())]);
        assert_eq!(post_form(&app, &clerk, ACME, &format!("{CREDIT}/bulk"), &bulk).await.status(), 403);
    }
    let x = exception(&app, ACME, &t, &id).await;
    assert_eq!((x["status"].as_str(), x["assignee"].as_str()), (Some("open"), None), "untouched");
    let (status, html) = page(&app, &clerk, ACME, "/workspace/exceptions/not-an-exception").await;
    assert_eq!(status, 404);
    assert!(html.contains("No such exception"));
    assert_eq!(page(&app, &clerk, ACME, "/workspace/queues/nowhere").await.0, 404);
    // A customer user never reaches the staff queues.
    let buyer = signed_in(&app, ACME, "buyer@initech.test").await;
    for path in [CREDIT.to_owned(), format!("/workspace/exceptions/{id}")] {
        assert_eq!(location(&buyer.get(app.url(ACME, &path)).send().await.unwrap()), "/portal", "{path}");
    }
}

#[tokio::test]
async fn the_other_tenant_reaches_nothing() {
    let app = spawn_app().await;
    let (t, bg) = (app.acme_token().await, app.bg_token().await);
    customer_with_limit(&app, ACME, &t, "C-QX", 1).await;
    accept(&app, ACME, &t, "QX-1", "C-QX", 0).await;
    customer_with_limit(&app, BG, &bg, "B-QX", 1).await;
    accept(&app, BG, &bg, "BQX-1", "B-QX", 0).await;
    let (acme_id, bg_id) = (id_of(&app, ACME, &t, "QX-1").await, id_of(&app, BG, &bg, "BQX-1").await);
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let csrf = extract_csrf(&page(&app, &clerk, ACME, CREDIT).await.1);

    // Acme's session is no session on bluegrass's host.
    for path in [CREDIT.to_owned(), format!("{CREDIT}/export.csv"), "/workspace/work".into(), format!("/workspace/exceptions/{bg_id}")] {
        let r = clerk.get(app.url(BG, &path)).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{path}");
    }
    let r = post_form(&app, &clerk, BG, &format!("/workspace/exceptions/{bg_id}/claim"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/login");

    // Acme's exception id through bluegrass's host is no exception at all.
    let bg_clerk = signed_in(&app, BG, "clerk@bluegrass.test").await;
    let (status, html) = page(&app, &bg_clerk, BG, &format!("/workspace/exceptions/{acme_id}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("No such exception") && !html.contains("QX-1"));
    assert!(!page(&app, &bg_clerk, BG, CREDIT).await.1.contains("credit-hold:QX-1"));

    // Bluegrass's exception id in a form on acme's host: not found, nothing changed.
    let (_, (role, text)) = act(&app, &clerk, &bg_id, "claim", &[("csrf", &csrf)]).await;
    assert_eq!(role, "alert");
    assert!(text.contains("there is no such exception here"), "{text}");
    let r = post_form(&app, &clerk, ACME, &format!("{CREDIT}/bulk"), &[("csrf", &csrf), ("action", "claim"), ("id", &acme_id), ("id", &bg_id)]).await;
    let (_, text) = notice(&page(&app, &clerk, ACME, &location(&r)).await.1).unwrap();
    assert!(text.contains(&format!("Nothing was done: {bg_id} was refused: there is no such exception here")), "{text}");
    let x = exception(&app, BG, &bg, &bg_id).await;
    assert_eq!((x["status"].as_str(), x["assignee"].as_str()), (Some("open"), None), "bluegrass's exception is untouched");
    assert!(exception(&app, ACME, &t, &acme_id).await["assignee"].is_null(), "acme's was rolled back with the batch");
}
