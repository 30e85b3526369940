//! Exports of the archive from the list pages (R5.2): customers, their sites and units as
//! CSV and XLSX with Chinese headers and the list's filters applied, read back by the
//! import's reader; refused to a customer and to a stranger; odd filter text survives.

use crate::support::{TestApp, on_both_backends};
use crate::web::{Browser, signed_in};
use axum::http::{StatusCode, header};
use sanbao_server::archive::{Field, ImportKind, Table};
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> (Value, Value) {
    let manager = app.token("boss", "service_manager").await;
    let li = app.user("li", "salesperson").await;
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&manager),
            Some(
                json!({"code": "KYN28A-12", "name": "中置式开关柜", "product_line": "switchgear"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let customer = |name: &str, address: &str, phone: &str, salesperson: Option<i64>| {
        json!({"name": name, "address": address, "salesperson_id": salesperson, "notes": "老客户",
               "contacts": [{"name": "王工", "phone": phone, "email": "wang@example.com"},
                            {"name": "赵工", "phone": "0571-1111 2222"}]})
    };
    let mut made = Vec::new();
    for body in [
        customer(
            "杭州恒达电气",
            "浙江省杭州市西湖区文三路1号",
            "0571-8888 6666",
            Some(li.id.0),
        ),
        customer(
            "宁波港务",
            "浙江省宁波市北仑区明州路8号",
            "0574-8888 1234",
            None,
        ),
    ] {
        let r = app
            .call("POST", "/api/v1/customers", Some(&manager), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        made.push(r.json());
    }
    for (c, serial, commissioned) in [
        (&made[0], "HD-0001", Some("2025-03-15")),
        (&made[1], "NB-0001", None),
        (&made[1], "NB-0002", Some("2024-02-29")),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/units",
                Some(&manager),
                Some(
                    json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": serial,
                            "shipped_on": "2024-01-10", "commissioned_on": commissioned}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    (made[0].clone(), made[1].clone())
}

/// An attribute's text as the browser reads it.
fn unescape(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

fn today(app: &TestApp) -> String {
    sanbao_domain::time::local_date(app.state.now()).to_string()
}

/// A download: 200, its type, and a dated name in ASCII and in UTF-8.
fn assert_download(r: &crate::support::Response, content_type: &str, name: &str, utf8: &str) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers[header::CONTENT_TYPE], content_type);
    let d = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(d.starts_with("attachment;"), "{d}");
    assert!(d.contains(&format!("filename=\"{name}\"")), "{d}");
    assert!(d.contains(&format!("filename*=UTF-8''{utf8}")), "{d}");
}

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

on_both_backends!(
    a_clerk_exports_the_filtered_lists_and_they_import_back,
    a_clerk_exports_the_filtered_lists_and_they_import_back_on_postgres,
    a_clerk_exports_the_filtered_lists_and_they_import_back_on
);

async fn a_clerk_exports_the_filtered_lists_and_they_import_back_on(app: &TestApp) {
    setup(app).await;
    let day = today(app);
    let mut b = signed_in(app, "clerk", "service_clerk").await;

    // The list pages link the export with the filters they show.
    let page = b
        .get("/customers?q=%E5%AE%81%E6%B3%A2&region=zhejiang")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = unescape(&page.text);
    for href in [
        "/customers/export?format=csv&q=%E5%AE%81%E6%B3%A2&region=zhejiang",
        "/customers/export?format=xlsx&q=%E5%AE%81%E6%B3%A2&region=zhejiang",
        "/customers/sites/export?format=xlsx&q=%E5%AE%81%E6%B3%A2&region=zhejiang",
    ] {
        assert!(html.contains(href), "{href} not in the customer list");
    }
    assert!(page.text.contains("导出 CSV") && page.text.contains("导出 Excel"));
    let html = unescape(&b.get("/units?q=NB").await.text);
    assert!(html.contains("href=\"/units/export?format=csv&q=NB\""));
    assert!(html.contains("href=\"/units/export?format=xlsx&q=NB\""));

    // Customers as CSV: a byte-order mark, Chinese headers, every column the import reads.
    let r = b.get("/customers/export?format=csv").await;
    assert_download(
        &r,
        CSV,
        &format!("customers-{day}.csv"),
        &format!("%E5%AE%A2%E6%88%B7-{day}.csv"),
    );
    assert!(r.bytes.starts_with(b"\xEF\xBB\xBF"));
    let first = r
        .text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap();
    assert_eq!(first, "客户名称,地址,联系人,联系电话,电子邮箱,业务员,备注");
    let t = Table::from_bytes(ImportKind::Customers, "c.csv", &r.bytes).unwrap();
    assert!(t.warnings().is_empty());
    assert_eq!(
        t.fields(),
        ImportKind::Customers.fields().collect::<Vec<_>>()
    );
    let rows: Vec<Vec<&str>> = t
        .rows()
        .iter()
        .map(|row| ImportKind::Customers.fields().map(|f| row.get(f)).collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec![
                "杭州恒达电气",
                "浙江省杭州市西湖区文三路1号",
                "王工",
                "0571-8888 6666",
                "wang@example.com",
                "li-name",
                "老客户"
            ],
            vec![
                "宁波港务",
                "浙江省宁波市北仑区明州路8号",
                "王工",
                "0574-8888 1234",
                "wang@example.com",
                "",
                "老客户"
            ],
        ]
    );

    // The same as XLSX, with the list's filters: text and region.
    for (query, names) in [
        ("q=%E5%AE%81%E6%B3%A2", vec!["宁波港务"]),
        ("q=8888+6666", vec!["杭州恒达电气"]),
        ("region=hangzhou_urban", vec!["杭州恒达电气"]),
        ("region=out_of_province", vec![]),
        ("", vec!["杭州恒达电气", "宁波港务"]),
    ] {
        let r = b
            .get(&format!("/customers/export?format=xlsx&{query}"))
            .await;
        assert_download(
            &r,
            XLSX,
            &format!("customers-{day}.xlsx"),
            &format!("%E5%AE%A2%E6%88%B7-{day}.xlsx"),
        );
        assert!(r.bytes.starts_with(b"PK\x03\x04"));
        let t = Table::from_bytes(ImportKind::Customers, "c.xlsx", &r.bytes).unwrap();
        assert_eq!(
            t.fields(),
            ImportKind::Customers.fields().collect::<Vec<_>>()
        );
        let got: Vec<&str> = t.rows().iter().map(|row| row.get(Field::Name)).collect();
        assert_eq!(got, names, "{query}");
    }

    // Sites of the customers the filter matches.
    let r = b
        .get("/customers/sites/export?format=csv&q=%E5%AE%81%E6%B3%A2")
        .await;
    assert_download(
        &r,
        CSV,
        &format!("sites-{day}.csv"),
        &format!("%E7%AB%99%E7%82%B9-{day}.csv"),
    );
    let lines: Vec<&str> = r.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "客户名称,序号,站点名称,安装地址,地区,联系人,联系电话",
            "宁波港务,1,,浙江省宁波市北仑区明州路8号,浙江省内,王工,0574-8888 1234",
        ]
    );
    let r = b.get("/customers/sites/export?format=xlsx").await;
    assert_download(
        &r,
        XLSX,
        &format!("sites-{day}.xlsx"),
        &format!("%E7%AB%99%E7%82%B9-{day}.xlsx"),
    );

    // Units, filtered, as CSV and XLSX, read back by the unit import.
    let r = b.get("/units/export?format=csv&q=nb").await;
    assert_download(
        &r,
        CSV,
        &format!("units-{day}.csv"),
        &format!("%E8%AE%BE%E5%A4%87-{day}.csv"),
    );
    let lines: Vec<&str> = r.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "客户名称,型号,出厂编号,安装地址,发货日期,验收日期,投运日期",
            "宁波港务,KYN28A-12,NB-0001,浙江省宁波市北仑区明州路8号,2024-01-10,,",
            "宁波港务,KYN28A-12,NB-0002,浙江省宁波市北仑区明州路8号,2024-01-10,,2024-02-29",
        ]
    );
    let r = b.get("/units/export?format=xlsx").await;
    assert_download(
        &r,
        XLSX,
        &format!("units-{day}.xlsx"),
        &format!("%E8%AE%BE%E5%A4%87-{day}.xlsx"),
    );
    let t = Table::from_bytes(ImportKind::Units, "u.xlsx", &r.bytes).unwrap();
    assert!(t.warnings().is_empty());
    assert_eq!(t.fields(), ImportKind::Units.fields().collect::<Vec<_>>());
    let got: Vec<Vec<&str>> = t
        .rows()
        .iter()
        .map(|row| ImportKind::Units.fields().map(|f| row.get(f)).collect())
        .collect();
    assert_eq!(
        got,
        [
            vec![
                "杭州恒达电气",
                "KYN28A-12",
                "HD-0001",
                "浙江省杭州市西湖区文三路1号",
                "2024-01-10",
                "",
                "2025-03-15"
            ],
            vec![
                "宁波港务",
                "KYN28A-12",
                "NB-0001",
                "浙江省宁波市北仑区明州路8号",
                "2024-01-10",
                "",
                ""
            ],
            vec![
                "宁波港务",
                "KYN28A-12",
                "NB-0002",
                "浙江省宁波市北仑区明州路8号",
                "2024-01-10",
                "",
                "2024-02-29"
            ],
        ]
    );

    // In English, the file's UTF-8 name is English too; the headers stay Chinese.
    let req = axum::http::Request::builder()
        .uri("/units/export?format=csv")
        .header(
            header::COOKIE,
            format!("{}; sanbao_lang=en", b.cookie_header()),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_download(
        &r,
        CSV,
        &format!("units-{day}.csv"),
        &format!("units-{day}.csv"),
    );
    assert!(r.text.contains("客户名称,型号,出厂编号"));
}

on_both_backends!(
    exports_are_refused_to_a_customer_and_to_a_stranger,
    exports_are_refused_to_a_customer_and_to_a_stranger_on_postgres,
    exports_are_refused_to_a_customer_and_to_a_stranger_on
);

async fn exports_are_refused_to_a_customer_and_to_a_stranger_on(app: &TestApp) {
    setup(app).await;
    let paths = [
        "/customers/export?format=csv",
        "/customers/sites/export?format=xlsx",
        "/units/export?format=xlsx",
    ];
    let mut stranger = Browser::new(app);
    for p in paths {
        let r = stranger.get(p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(
            r.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{p}"
        );
        assert!(r.headers.get(header::CONTENT_DISPOSITION).is_none());
    }
    app.user("cust", "customer").await;
    let mut customer = Browser::new(app);
    let login = customer
        .submit(
            "/login",
            "/login",
            &[
                ("username", "cust"),
                ("password", crate::support::PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text);
    for p in paths {
        let r = customer.get(p).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{p}");
        assert!(r.headers.get(header::CONTENT_DISPOSITION).is_none());
        assert!(!r.text.contains("宁波港务"));
    }
}

on_both_backends!(
    odd_filter_text_does_not_break_an_export,
    odd_filter_text_does_not_break_an_export_on_postgres,
    odd_filter_text_does_not_break_an_export_on
);

async fn odd_filter_text_does_not_break_an_export_on(app: &TestApp) {
    setup(app).await;
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    // A NUL byte is refused, naming the search text; without it the text filters.
    for p in [
        "/customers/export?format=csv&q=%E5%AE%81%00%E6%B3%A2",
        "/customers/sites/export?format=csv&q=%E5%AE%81%00%E6%B3%A2",
        "/units/export?format=csv&q=NB%00",
    ] {
        let r = b.get(p).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{p}: {}",
            r.text
        );
        let r = b.get(&p.replace("%00", "")).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text);
        assert!(r.text.contains("宁波港务"), "{p}");
        assert!(!r.text.contains("杭州恒达电气"), "{p}");
    }
    // 50 kB of search text is refused, naming the field; so is an unknown format.
    let long = "x".repeat(50_000);
    for p in [
        format!("/customers/export?format=csv&q={long}"),
        format!("/customers/sites/export?format=xlsx&q={long}"),
        format!("/units/export?format=xlsx&q={long}"),
        "/units/export?format=pdf".to_string(),
        "/customers/export?format=%00".to_string(),
    ] {
        let r = b.get(&p).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {}",
            &p[..40],
            r.text
        );
        assert!(r.headers.get(header::CONTENT_DISPOSITION).is_none());
    }
    // Ids that are not numbers are no filter; the page's own filters still apply.
    let r = b
        .get("/units/export?format=csv&customer_id=x&site_id=-1&q=HD")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.lines().count(), 2, "{}", r.text);
}
