//! The import page: upload, preview (nothing written), confirm (written once), the
//! file's problems named, and the page refused to those who may not import.

use crate::support::{TestApp, on_both_backends};
use crate::web::{Browser, csrf, signed_in};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sanbao_domain::customer::CustomerFilter;

const BOUNDARY: &str = "----sanbao-test-boundary";

/// A multipart body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    b: &mut Browser<'_>,
    kind: &str,
    file: Option<(&str, &[u8])>,
) -> crate::support::Response {
    let page = b.get("/imports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let token = csrf(&page.text);
    let body = multipart(&[("_csrf", &token), ("kind", kind)], file);
    let req = Request::builder()
        .method("POST")
        .uri("/imports")
        .header(header::COOKIE, b.cookie_header())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn customers(app: &TestApp) -> usize {
    app.db
        .customers(&CustomerFilter::default(), 200, None)
        .await
        .unwrap()
        .len()
}

/// The id in the preview's confirmation form.
fn upload_id(html: &str) -> String {
    let marker = "action=\"/imports/";
    let i = html.find(marker).expect("a confirmation form") + marker.len();
    html[i..].split('/').next().unwrap().to_string()
}

on_both_backends!(
    a_manager_previews_then_imports_a_file_once,
    a_manager_previews_then_imports_a_file_once_on_postgres,
    a_manager_previews_then_imports_a_file_once_on
);
async fn a_manager_previews_then_imports_a_file_once_on(app: &TestApp) {
    let mut b = signed_in(app, "boss", "service_manager").await;
    // GB18030, as a spreadsheet saved on a Chinese Windows writes it; row 3 has no address.
    let text = "客户名称,地址,联系人,联系电话\n杭州甲电力,杭州市西湖区文三路1号,王工,0571-88886666\n宁波乙港务,,李工,0574-1234567\n温州丙电器,浙江省温州市乐清市柳市镇1号,,\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    let r = upload(app, &mut b, "customers", Some(("客户档案.csv", &gb))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("客户档案.csv"));
    assert!(r.text.contains("GB18030"), "the encoding is named");
    assert!(r.text.contains("id=\"n-added\">2<"), "two rows to add");
    assert!(
        r.text.contains("id=\"n-rejected\">1<"),
        "one row with a problem"
    );
    assert!(r.text.contains("杭州甲电力"), "the first rows are shown");
    assert_eq!(customers(app).await, 0, "a preview writes nothing");
    let id = upload_id(&r.text);
    let token = csrf(&r.text);
    let r = b
        .post(&format!("/imports/{id}/confirm"), &[("_csrf", &token)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("id=\"n-added\">2<"), "{}", r.text);
    assert_eq!(customers(app).await, 2);
    // The same confirmation again (a double click, a retry): nothing more is written and
    // the first result is shown.
    let r = b
        .post(&format!("/imports/{id}/confirm"), &[("_csrf", &token)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("id=\"n-added\">2<"));
    assert_eq!(customers(app).await, 2);
    // The same file uploaded again would add nothing.
    let r = upload(app, &mut b, "customers", Some(("客户档案.csv", &gb))).await;
    assert!(r.text.contains("id=\"n-added\">0<"), "{}", r.text);
    // Without the session's token, the confirmation is refused.
    let r = b
        .post(&format!("/imports/{id}/confirm"), &[("_csrf", "forged")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another manager cannot confirm someone else's upload.
    let mut other = signed_in(app, "boss2", "service_manager").await;
    let page = other.get("/imports").await;
    let r = other
        .post(
            &format!("/imports/{id}/confirm"),
            &[("_csrf", &csrf(&page.text))],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    a_file_that_cannot_be_read_is_named_and_nothing_kept,
    a_file_that_cannot_be_read_is_named_and_nothing_kept_on_postgres,
    a_file_that_cannot_be_read_is_named_and_nothing_kept_on
);
async fn a_file_that_cannot_be_read_is_named_and_nothing_kept_on(app: &TestApp) {
    let mut b = signed_in(app, "boss", "service_manager").await;
    // No file.
    let r = upload(app, &mut b, "units", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"file-error\""), "{}", r.text);
    // A units file without the serial number column.
    let r = upload(
        app,
        &mut b,
        "units",
        Some(("units.csv", "客户名称,型号\n杭州甲,KYN28A-12\n".as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("缺少必需的列"), "{}", r.text);
    assert!(
        r.text.contains("出厂编号"),
        "the missing column is named: {}",
        r.text
    );
    // The kind chosen is kept.
    assert!(r.text.contains("value=\"units\" id=\"kind-units\" checked"));
    // Binary nonsense with a NUL.
    let r = upload(
        app,
        &mut b,
        "customers",
        Some(("x.xlsx", b"PK\x03\x04\x00\x00garbage")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // No kind.
    let r = upload(
        app,
        &mut b,
        "",
        Some(("a.csv", "名称,地址\n甲,乙\n".as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"kind-error\""), "{}", r.text);
    assert_eq!(customers(app).await, 0);
}

on_both_backends!(
    only_those_who_import_see_the_import_page,
    only_those_who_import_see_the_import_page_on_postgres,
    only_those_who_import_see_the_import_page_on
);
async fn only_those_who_import_see_the_import_page_on(app: &TestApp) {
    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    assert_eq!(clerk.get("/imports").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        clerk.get("/imports/template?kind=units").await.status,
        StatusCode::FORBIDDEN
    );
    let mut boss = signed_in(app, "boss", "service_manager").await;
    let r = boss.get("/imports/template?kind=units").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers
            .get(header::CONTENT_DISPOSITION)
            .is_some_and(|v| v.to_str().unwrap().contains("units"))
    );
    let page = boss.get("/").await;
    assert!(
        page.text.contains("href=\"/imports\""),
        "in the manager's menu"
    );
    let page = clerk.get("/").await;
    assert!(
        !page.text.contains("href=\"/imports\""),
        "not in the clerk's"
    );
}
