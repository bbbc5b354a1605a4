//! A tenant's logo and favicon, uploaded by its partner in the branding editor: shown in the
//! tenant's page header, as the browser tab's icon, in the editor and on its PDFs; served with
//! its version and an etag. An SVG with a script is cleaned before it is kept; a GIF, a text
//! file or a favicon over its limit is refused and nothing changes. Removing an image falls
//! back (the favicon to the logo). Another partner, a tenant's own admin and a forged form
//! change nothing (rows of the cross-partner matrix).
use crate::common::*;
use reqwest::multipart::{Form, Part};

const EDITOR: &str = "/partner/tenants/acme/branding";
const IMAGES: &str = "/partner/tenants/acme/images";

/// A PNG of `w` × `h` pixels; `noisy` makes it incompressible.
fn png(w: u32, h: u32, noisy: bool) -> Vec<u8> {
    let mut seed = 7u32;
    let img = image::RgbaImage::from_fn(w, h, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        if noisy { image::Rgba(seed.to_le_bytes()) } else { image::Rgba([15, 118, 110, 255]) }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const HOSTILE_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" onload="alert(1)"><script>alert(document.cookie)</script><image href="https://evil.test/t.png" width="4" height="4"/><circle cx="16" cy="16" r="16" fill="#b45309"/></svg>"##;

fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

async fn upload(app: &TestApp, b: &reqwest::Client, host: &str, form: Form) -> reqwest::Response {
    b.post(app.url(host, IMAGES)).multipart(form).send().await.unwrap()
}

/// The `href` of the page's `<link rel="icon">`.
fn icon_href(html: &str) -> String {
    let at = html.find(r#"rel="icon""#).expect("an icon link");
    let tag = &html[html[..at].rfind('<').unwrap()..at + html[at..].find('>').unwrap()];
    let href = &tag[tag.find("href=\"").expect("href") + 6..];
    href[..href.find('"').unwrap()].replace("&amp;", "&")
}

#[tokio::test]
async fn a_partner_uploads_a_logo_and_favicon_that_show_on_every_surface() {
    let app = spawn_app().await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let logo = png(240, 80, false);
    let r = upload(&app, &partner, "localhost", Form::new().text("csrf", csrf.clone()).part("logo", file("acme.png", logo.clone()))).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, EDITOR.into()));
    let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert!(editor.contains("Logo of Acme Industrial Supply saved.") && editor.contains(r#"data-testid="current-logo""#), "{editor}");
    assert!(editor.contains("No favicon: the tab shows the logo."), "{editor}");

    // The tenant's pages: the header and the tab show the new logo, by its version.
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    let href = icon_href(&login);
    assert!(href.starts_with("/branding/logo?v="), "the tab shows the logo until a favicon is set: {href}");
    let r = app.browser().get(app.url(ACME, &href)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(r.bytes().await.unwrap().to_vec(), logo, "the bytes as uploaded");
    let again = app.browser().get(app.url(ACME, "/branding/logo")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304, "unchanged since the browser's copy");
    let (_, other) = page(&app, &app.browser(), BLUEGRASS, "/login").await;
    assert_eq!(icon_href(&other), "/branding/logo.svg", "bluegrass keeps the logo it was created with");
    let bg = app.browser().get(app.url(BLUEGRASS, "/branding/logo")).send().await.unwrap();
    assert_eq!(bg.headers()["content-type"], "image/svg+xml");

    // The invoice PDFs carry it as an image.
    let buyer = signed_in(&app, ACME, "buyer@initech.test").await;
    let pdf = buyer.get(app.url(ACME, "/portal/statement.pdf")).send().await.unwrap().bytes().await.unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let images = doc.objects.values().filter(|o| o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Image"))).count();
    assert!(images >= 1, "the PNG logo is an image in the statement PDF");

    // A favicon with a script: cleaned, then served as the tab's icon.
    let r = upload(&app, &partner, "localhost", Form::new().text("csrf", csrf.clone()).part("favicon", file("icon.svg", HOSTILE_SVG.as_bytes().to_vec()))).await;
    assert_eq!(r.status(), 303);
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    let href = icon_href(&login);
    assert!(href.starts_with("/branding/favicon?v="), "{href}");
    let r = app.browser().get(app.url(ACME, &href)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.contains("#b45309") && !svg.contains("script") && !svg.contains("onload") && !svg.contains("evil.test"), "cleaned: {svg}");

    // Removing the logo: no header image, the favicon stays; the audit trail has both.
    let r = upload(&app, &partner, "localhost", Form::new().text("csrf", csrf.clone()).text("remove", "logo")).await;
    assert_eq!(r.status(), 303);
    let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert!(editor.contains("Logo of Acme Industrial Supply removed.") && editor.contains("No logo yet."), "{editor}");
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(!login.contains(r#"data-testid="brand-logo""#) && icon_href(&login).starts_with("/branding/favicon?v="), "{login}");
    assert_eq!(app.browser().get(app.url(ACME, "/branding/logo")).send().await.unwrap().status(), 404);
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    for action in ["tenant.logo_changed", "tenant.favicon_changed", "tenant.logo_removed"] {
        let row = csv.lines().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action} audited: {csv}"));
        assert!(row.contains("Nora Partner (Partner admin, Northwind Partners)"), "{row}");
    }
}

#[tokio::test]
async fn images_that_are_not_accepted_are_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let cases = [
        ("logo", "anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "anim.gif was refused: GIF images are not accepted"),
        ("logo", "notes.txt", b"just some words".to_vec(), "notes.txt was refused: the file is not a PNG, JPEG, WebP or SVG image"),
        ("logo", "cut.png", png(40, 40, false)[..60].to_vec(), "cut.png was refused: the image is damaged or incomplete"),
        ("favicon", "big.png", png(300, 300, true), "Nothing was changed: the favicon is larger than 128 KB"),
        ("logo", "empty.svg", br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(), "empty.svg was refused: the SVG draws nothing"),
    ];
    for (field, name, bytes, says) in cases {
        let r = upload(&app, &partner, "localhost", Form::new().text("csrf", csrf.clone()).part(field, file(name, bytes))).await;
        assert_eq!((r.status().as_u16(), location(&r)), (303, EDITOR.into()), "{name}");
        let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
        assert!(editor.contains(says), "{name}: {editor}");
    }
    let r = upload(&app, &partner, "localhost", Form::new().text("csrf", csrf.clone())).await;
    assert_eq!(r.status(), 303);
    assert!(page(&app, &partner, "localhost", EDITOR).await.1.contains("Nothing was changed: choose a logo or favicon file."));
    let r = upload(&app, &partner, "localhost", Form::new().text("csrf", "forged").part("logo", file("a.png", png(8, 8, false)))).await;
    assert_eq!(r.status(), 403, "CSRF");
    // Still the SVG logo acme was created with.
    let r = app.browser().get(app.url(ACME, "/branding/logo")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert_eq!(icon_href(&login), "/branding/logo.svg");
}

#[tokio::test]
async fn cross_partner_matrix_brand_images() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (olga, csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let r = upload(&app, &olga, "localhost", Form::new().text("csrf", csrf.clone()).part("logo", file("x.png", png(8, 8, false)))).await;
    assert_eq!(r.status(), 404, "another partner's tenant does not exist for her");
    assert_eq!(olga.get(app.url("localhost", "/partner/tenants/acme/images/logo")).send().await.unwrap().status(), 404);
    // Her own tenant: the console shows what she uploads.
    let mine = png(16, 16, false);
    let r = olga.post(app.url("localhost", "/partner/tenants/zenith/images")).multipart(Form::new().text("csrf", csrf).part("logo", file("z.png", mine.clone()))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let shown = olga.get(app.url("localhost", "/partner/tenants/zenith/images/logo")).send().await.unwrap();
    assert_eq!(shown.bytes().await.unwrap().to_vec(), mine);
    let (nora, _) = console(&app, "partner@northwind.test", PW).await;
    assert_eq!(nora.get(app.url("localhost", "/partner/tenants/zenith/images/logo")).send().await.unwrap().status(), 404);
    // A tenant's own admin, on the tenant's host, is sent to their own home.
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csrf_t = extract_csrf(&admin.get(app.url(ACME, "/workspace")).send().await.unwrap().text().await.unwrap());
    let r = upload(&app, &admin, ACME, Form::new().text("csrf", csrf_t).part("logo", file("x.png", png(8, 8, false)))).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    let r = admin.get(app.url(ACME, "/partner/tenants/acme/images/logo")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    let r = app.raw_client().get(app.url("localhost", "/partner/tenants/acme/images/logo")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "signed out");
    let r = app.browser().get(app.url(ACME, "/branding/logo")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml", "acme's logo unchanged");
}
