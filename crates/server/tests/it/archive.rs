//! Archive import: models, customers and units from files, every bad row reported, all
//! good rows in one transaction, and the same file twice adding nothing the second time.

use crate::support::{PASSWORD, TestApp, on_both_backends};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use sanbao_domain::user::{NewUser, User};
use sanbao_domain::{Error, UserId};
use sanbao_server::app::archive::{ImportMode, ImportReport, import};
use sanbao_server::app::users::add_user;
use sanbao_server::archive::{Field, ImportKind, Table};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const MODELS: &str = "型号,名称,产品线\n\
    KYN28A-12,铠装移开式交流金属封闭开关设备,中压开关柜\n\
    xgn15-12,箱型固定式环网开关柜,中压开关柜\n\
    SCB13-1000/10,干式电力变压器,变压器\n";

/// Customers as a Chinese Excel saves CSV: GB18030. Rows 4, 6, 7 and 9 are bad.
fn customers_gb18030() -> Vec<u8> {
    let text = "客户名称,地址,联系人,联系电话,业务员,备注\r\n\
        杭州恒达电气有限公司,浙江省杭州市西湖区文三路90号,张伟,13812345678,huang.lei,老客户\r\n\
        宁波东海配电设备厂,宁波市鄞州区天童南路8号,陈静,0574-88776655,黄磊,\r\n\
        ,杭州市上城区解放路1号,王五,13900001111,,\r\n\
        温州瑞丰电力有限公司,温州市鹿城区人民路5号,,,,\r\n\
        绍兴博远机电有限公司,绍兴市越城区中山路7号,赵六,电话待补,,\r\n\
        嘉兴天和能源有限公司,嘉兴市南湖区建设路9号,钱七,13700002222,nobody.here,\r\n\
        \r\n\
        杭州恒达电气有限公司,浙江省杭州市萧山区机场路2号,孙八,13600003333,,\r\n\
        杭州恒达电气有限公司,浙江省杭州市西湖区文三路 90 号,张伟,13812345678,,\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Units in a workbook: a title row, dates as Excel dates and as text, a serial number
/// stored as a number. Rows 6 to 10 are bad.
fn units_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let s = wb.add_worksheet();
    s.write_string(0, 0, "设备档案").unwrap();
    let headers = [
        "客户名称",
        "产品型号",
        "出厂编号",
        "安装地址",
        "发货日期",
        "验收日期",
        "投运日期",
    ];
    for (c, h) in headers.iter().enumerate() {
        s.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [[&str; 7]; 9] = [
        // Row 3: at the customer's own address.
        [
            "杭州恒达电气有限公司",
            "KYN28A-12",
            "sb2024-0001",
            "",
            "d2024-03-01",
            "d2024-03-10",
            "d2024-03-15",
        ],
        // Row 4: at a new site in Ningbo; accepted, not commissioned yet.
        [
            "杭州恒达电气有限公司",
            "xgn15-12",
            "#2024000123",
            "宁波市北仑区明州路100号",
            "2025/5/6",
            "2025年5月20日",
            "",
        ],
        // Row 5.
        [
            "宁波东海配电设备厂",
            "SCB13-1000/10",
            "T-0001",
            "",
            "d2023-11-01",
            "",
            "",
        ],
        // Row 6: unknown model.
        ["宁波东海配电设备厂", "XYZ-99", "X-1", "", "", "", ""],
        // Row 7: the same unit as row 3 for another customer.
        [
            "宁波东海配电设备厂",
            "KYN28A-12",
            "SB2024-0001",
            "",
            "",
            "",
            "",
        ],
        // Row 8: unknown customer.
        [
            "不存在的客户有限公司",
            "KYN28A-12",
            "SB2024-0002",
            "",
            "",
            "",
            "",
        ],
        // Row 9: accepted before shipment.
        [
            "宁波东海配电设备厂",
            "KYN28A-12",
            "SB2024-0003",
            "",
            "2024-06-10",
            "2024-06-01",
            "",
        ],
        // Row 10: commissioned in the future, and a bad date.
        [
            "宁波东海配电设备厂",
            "KYN28A-12",
            "SB2024-0004",
            "",
            "去年",
            "",
            "2027-01-01",
        ],
        // Row 11: row 3 again, the same in every way: unchanged.
        [
            "杭州恒达电气有限公司",
            "KYN28A-12",
            "SB2024-0001",
            "",
            "2024-03-01",
            "2024/3/10",
            "2024-03-15",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            if let Some(d) = v.strip_prefix('d') {
                let (y, m, day) = (&d[..4], &d[5..7], &d[8..]);
                let d = ExcelDateTime::from_ymd(
                    y.parse().unwrap(),
                    m.parse().unwrap(),
                    day.parse().unwrap(),
                )
                .unwrap();
                s.write_datetime_with_format(r, c, d, &date).unwrap();
            } else if let Some(n) = v.strip_prefix('#') {
                s.write_number(r, c, n.parse::<f64>().unwrap()).unwrap();
            } else if !v.is_empty() {
                s.write_string(r, c, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The salesperson the customer file names, by username and by name.
async fn salesperson(app: &TestApp) -> User {
    let u = NewUser::parse("huang.lei", "黄磊", "salesperson", PASSWORD).unwrap();
    add_user(&app.state, &u, PASSWORD, app.state.now())
        .await
        .unwrap()
}

async fn run(
    app: &TestApp,
    actor: &User,
    kind: ImportKind,
    file: &str,
    bytes: &[u8],
    mode: ImportMode,
) -> Result<ImportReport, Error> {
    let table = Table::from_bytes(kind, file, bytes).unwrap();
    import(&app.state, actor, &table, mode, &(), app.state.now()).await
}

/// (row, field, code) of every rejection.
fn rejected(r: &ImportReport) -> Vec<(u32, Field, &str)> {
    r.rejected
        .iter()
        .map(|x| (x.row, x.field, x.code.as_str()))
        .collect()
}

/// How many rows each table holds.
async fn counts(app: &TestApp) -> Vec<i64> {
    let tables = [
        "product_models",
        "customers",
        "customer_contacts",
        "sites",
        "units",
        "audit_log",
    ];
    let mut out = Vec::new();
    if app.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push(n);
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push(n);
        }
        pool.close().await;
    }
    out
}

on_both_backends!(
    an_archive_goes_in_once_with_every_bad_row_reported,
    an_archive_goes_in_once_with_every_bad_row_reported_on_postgres,
    an_archive_goes_in_once_with_every_bad_row_reported_on
);
async fn an_archive_goes_in_once_with_every_bad_row_reported_on(app: &TestApp) {
    app.clock.set(at("2026-06-01T04:00:00Z"));
    let manager = app.user("manager", "service_manager").await;
    let huang = salesperson(app).await;
    let w = ImportMode::Write;

    let models = run(
        app,
        &manager,
        ImportKind::Models,
        "型号.csv",
        MODELS.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!((models.added, models.unchanged), (3, 0));
    assert!(models.rejected.is_empty());

    let customers = run(
        app,
        &manager,
        ImportKind::Customers,
        "客户.csv",
        &customers_gb18030(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(customers.rows, 8, "the blank row is not a row");
    assert_eq!(
        rejected(&customers),
        [
            (4, Field::Name, "required"),
            (6, Field::ContactPhone, "invalid"),
            (7, Field::Salesperson, "not_found"),
            (9, Field::Address, "recorded_differently"),
        ]
    );
    assert!(
        customers.rejected[3].reason.contains("row 2"),
        "{:?}",
        customers.rejected[3]
    );
    // Row 10 is row 2 again with the address spaced differently.
    assert_eq!((customers.added, customers.unchanged), (3, 1));

    let units = run(
        app,
        &manager,
        ImportKind::Units,
        "设备.xlsx",
        &units_xlsx(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(
        rejected(&units),
        [
            (6, Field::ModelCode, "not_found"),
            (7, Field::CustomerName, "recorded_differently"),
            (8, Field::CustomerName, "not_found"),
            (9, Field::AcceptedOn, "before_shipment"),
            (10, Field::ShippedOn, "invalid"),
            (10, Field::CommissionedOn, "in_future"),
        ]
    );
    assert_eq!(units.rejected_rows(), 5);
    assert_eq!((units.added, units.unchanged), (3, 1));
    assert_eq!(units.rejected[0].value, "XYZ-99");

    // What was written: the customer with its contact and salesperson, the units with
    // their dates, model and site.
    let hengda = app
        .db
        .customers(
            &sanbao_domain::customer::CustomerFilter {
                q: Some("恒达".into()),
                ..Default::default()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(hengda.len(), 1);
    assert_eq!(hengda[0].salesperson_id, Some(huang.id));
    assert_eq!(hengda[0].contact_phone.as_deref(), Some("13812345678"));
    let list = app.db.units(&Default::default(), 10, None).await.unwrap();
    let mut found: Vec<(String, String, String, Option<String>)> = list
        .iter()
        .map(|u| {
            (
                u.model_code.clone(),
                u.serial_no.clone(),
                u.site_address.clone(),
                u.dates.accepted_on.map(|d| d.to_string()),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "KYN28A-12".to_string(),
                "SB2024-0001".to_string(),
                "浙江省杭州市西湖区文三路90号".to_string(),
                Some("2024-03-10".to_string())
            ),
            (
                "SCB13-1000/10".to_string(),
                "T-0001".to_string(),
                "宁波市鄞州区天童南路8号".to_string(),
                None
            ),
            (
                "XGN15-12".to_string(),
                "2024000123".to_string(),
                "宁波市北仑区明州路100号".to_string(),
                Some("2025-05-20".to_string())
            ),
        ]
    );
    let ningbo = list.iter().find(|u| u.serial_no == "2024000123").unwrap();
    assert_eq!(ningbo.site_region, sanbao_domain::Region::Zhejiang);

    // The same files again: nothing added, nothing written, the same rows rejected.
    let before = counts(app).await;
    let again = run(
        app,
        &manager,
        ImportKind::Models,
        "m.csv",
        MODELS.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!((again.added, again.unchanged), (0, 3));
    let again = run(
        app,
        &manager,
        ImportKind::Customers,
        "c.csv",
        &customers_gb18030(),
        w,
    )
    .await
    .unwrap();
    assert_eq!((again.added, again.unchanged), (0, 4));
    assert_eq!(rejected(&again), rejected(&customers));
    let again = run(app, &manager, ImportKind::Units, "u.xlsx", &units_xlsx(), w)
        .await
        .unwrap();
    assert_eq!((again.added, again.unchanged), (0, 4));
    assert_eq!(rejected(&again), rejected(&units));
    assert_eq!(counts(app).await, before);
}

on_both_backends!(
    a_row_that_disagrees_with_the_record_is_rejected_and_the_record_kept,
    a_row_that_disagrees_with_the_record_is_rejected_and_the_record_kept_on_postgres,
    a_row_that_disagrees_with_the_record_is_rejected_and_the_record_kept_on
);
async fn a_row_that_disagrees_with_the_record_is_rejected_and_the_record_kept_on(app: &TestApp) {
    app.clock.set(at("2026-06-01T04:00:00Z"));
    let manager = app.user("manager", "service_manager").await;
    let w = ImportMode::Write;
    run(
        app,
        &manager,
        ImportKind::Models,
        "m.csv",
        MODELS.as_bytes(),
        w,
    )
    .await
    .unwrap();
    let customers = "name,address\n杭州恒达电气有限公司,杭州市西湖区文三路90号\n";
    run(
        app,
        &manager,
        ImportKind::Customers,
        "c.csv",
        customers.as_bytes(),
        w,
    )
    .await
    .unwrap();
    let units = "customer,model,serial_no,shipped_on,commissioned_on\n\
                 杭州恒达电气有限公司,KYN28A-12,A-1,2024-03-01,\n";
    let first = run(
        app,
        &manager,
        ImportKind::Units,
        "u.csv",
        units.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(first.added, 1);
    // The archive now says it was energized, and the customer moved.
    let changed = "customer,model,serial_no,shipped_on,commissioned_on\n\
                   杭州恒达电气有限公司,KYN28A-12,A-1,2024-03-01,2024-04-01\n";
    let before = counts(app).await;
    let r = run(
        app,
        &manager,
        ImportKind::Units,
        "u.csv",
        changed.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(
        rejected(&r),
        [(2, Field::CommissionedOn, "recorded_differently")]
    );
    assert!(r.rejected[0].reason.contains("none"), "{:?}", r.rejected);
    let moved = "name,address\n杭州恒达电气有限公司,宁波市鄞州区天童南路8号\n";
    let r = run(
        app,
        &manager,
        ImportKind::Customers,
        "c.csv",
        moved.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(rejected(&r), [(2, Field::Address, "recorded_differently")]);
    assert!(
        r.rejected[0].reason.contains("文三路90号"),
        "{:?}",
        r.rejected
    );
    let models = "型号,名称,产品线\nKYN28A-12,铠装移开式交流金属封闭开关设备,变压器\n";
    let r = run(
        app,
        &manager,
        ImportKind::Models,
        "m.csv",
        models.as_bytes(),
        w,
    )
    .await
    .unwrap();
    assert_eq!(
        rejected(&r),
        [(2, Field::ProductLine, "recorded_differently")]
    );
    assert_eq!(counts(app).await, before);
}

on_both_backends!(
    an_import_that_fails_half_way_writes_nothing,
    an_import_that_fails_half_way_writes_nothing_on_postgres,
    an_import_that_fails_half_way_writes_nothing_on
);
async fn an_import_that_fails_half_way_writes_nothing_on(app: &TestApp) {
    let manager = app.user("manager", "service_manager").await;
    let before = counts(app).await;
    // An account the database does not know: the first customer is written, its audit
    // record is refused, and the transaction takes the customer back with it.
    let ghost = User {
        id: UserId(999_999),
        ..manager
    };
    let customers = "name,address\n甲公司,杭州市西湖区\n乙公司,宁波市鄞州区\n";
    let e = run(
        app,
        &ghost,
        ImportKind::Customers,
        "c.csv",
        customers.as_bytes(),
        ImportMode::Write,
    )
    .await
    .unwrap_err();
    assert_ne!(e, Error::Forbidden);
    assert_eq!(counts(app).await, before);
}

on_both_backends!(
    a_checked_import_says_what_it_would_do_and_writes_nothing,
    a_checked_import_says_what_it_would_do_and_writes_nothing_on_postgres,
    a_checked_import_says_what_it_would_do_and_writes_nothing_on
);
async fn a_checked_import_says_what_it_would_do_and_writes_nothing_on(app: &TestApp) {
    let manager = app.user("manager", "service_manager").await;
    salesperson(app).await;
    let before = counts(app).await;
    let r = run(
        app,
        &manager,
        ImportKind::Customers,
        "c.csv",
        &customers_gb18030(),
        ImportMode::Check,
    )
    .await
    .unwrap();
    assert_eq!(r.mode, ImportMode::Check);
    assert_eq!((r.added, r.unchanged, r.rejected_rows()), (3, 1, 4));
    assert_eq!(counts(app).await, before);
}

on_both_backends!(
    only_admins_and_service_managers_import,
    only_admins_and_service_managers_import_on_postgres,
    only_admins_and_service_managers_import_on
);
async fn only_admins_and_service_managers_import_on(app: &TestApp) {
    for role in [
        "service_clerk",
        "salesperson",
        "technician",
        "senior_engineer",
    ] {
        let u = app.user(role, role).await;
        for (kind, bytes) in [
            (ImportKind::Models, MODELS.as_bytes().to_vec()),
            (ImportKind::Customers, customers_gb18030()),
            (ImportKind::Units, units_xlsx()),
        ] {
            let e = run(app, &u, kind, "f", &bytes, ImportMode::Check)
                .await
                .unwrap_err();
            assert_eq!(e, Error::Forbidden, "{role} {kind}");
        }
    }
    let admin = app.user("boss", "admin").await;
    let r = run(
        app,
        &admin,
        ImportKind::Models,
        "m.csv",
        MODELS.as_bytes(),
        ImportMode::Write,
    )
    .await
    .unwrap();
    assert_eq!(r.added, 3);
}
