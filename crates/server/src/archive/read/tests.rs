use super::*;
use rust_xlsxwriter::{ExcelDateTime as XlDate, Format, Workbook};
use std::sync::Mutex;

fn customers(text: &str) -> Result<Table, ReadError> {
    Table::from_bytes(ImportKind::Customers, "customers.csv", text.as_bytes())
}

fn names(t: &Table) -> Vec<(u32, &str)> {
    t.rows()
        .iter()
        .map(|r| (r.number(), r.get(Field::Name)))
        .collect()
}

#[test]
fn a_utf8_csv_maps_its_chinese_header_and_keeps_row_numbers() {
    let t = customers(
        "客户名称,地址,联系人,联系电话,业务员\n\
         杭州恒达电气有限公司,杭州市西湖区文三路90号,张伟,13812345678,wangli\n\
         \n\
         宁波东海配电设备厂,宁波市鄞州区天童南路8号,,,\n",
    )
    .unwrap();
    assert_eq!(t.format(), SourceFormat::Csv { encoding: "UTF-8" });
    assert_eq!(t.header_row(), 1);
    assert_eq!(
        t.fields(),
        [
            Field::Name,
            Field::Address,
            Field::ContactName,
            Field::ContactPhone,
            Field::Salesperson
        ]
    );
    assert!(t.warnings().is_empty());
    // The blank line is row 3 and is skipped.
    assert_eq!(
        names(&t),
        [(2, "杭州恒达电气有限公司"), (4, "宁波东海配电设备厂")]
    );
    let r = &t.rows()[0];
    assert_eq!(r.get(Field::Address), "杭州市西湖区文三路90号");
    assert_eq!(r.get(Field::ContactName), "张伟");
    assert_eq!(r.get(Field::ContactPhone), "13812345678");
    assert_eq!(r.get(Field::Salesperson), "wangli");
    assert_eq!(r.get(Field::Notes), "", "no such column");
    assert_eq!(t.rows()[1].get(Field::ContactPhone), "");
}

#[test]
fn an_english_header_in_any_case_is_read() {
    let t = customers("Name , ADDRESS,Contact,Phone\nA,B,C,D\n").unwrap();
    assert_eq!(
        t.fields(),
        [
            Field::Name,
            Field::Address,
            Field::ContactName,
            Field::ContactPhone
        ]
    );
    assert_eq!(t.rows()[0].get(Field::ContactPhone), "D");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_header() {
    let bytes = [
        b"\xEF\xBB\xBF".as_slice(),
        "客户名称,地址\n甲,乙\n".as_bytes(),
    ]
    .concat();
    let t = Table::from_bytes(ImportKind::Customers, "c.csv", &bytes).unwrap();
    assert_eq!(t.format(), SourceFormat::Csv { encoding: "UTF-8" });
    assert_eq!(t.columns()[0].header, "客户名称");
    assert_eq!(names(&t), [(2, "甲")]);
}

#[test]
fn gb18030_text_is_recognised_and_decoded() {
    let text = "客户名称,地址,联系人\r\n杭州恒达电气有限公司,浙江省杭州市余杭区良渚街道,陈静\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let t = Table::from_bytes(ImportKind::Customers, "c.csv", &bytes).unwrap();
    assert_eq!(
        t.format(),
        SourceFormat::Csv {
            encoding: "GB18030"
        }
    );
    assert_eq!(names(&t), [(2, "杭州恒达电气有限公司")]);
    assert_eq!(
        t.rows()[0].get(Field::Address),
        "浙江省杭州市余杭区良渚街道"
    );
    assert_eq!(t.rows()[0].get(Field::ContactName), "陈静");
}

#[test]
fn utf16_with_a_byte_order_mark_is_read_tab_separated() {
    // What Excel's "Unicode text" saves.
    let text = "客户名称\t地址\r\n甲\t杭州市\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let t = Table::from_bytes(ImportKind::Customers, "c.txt", &bytes).unwrap();
    assert_eq!(
        t.format(),
        SourceFormat::Csv {
            encoding: "UTF-16LE"
        }
    );
    assert_eq!(t.rows()[0].get(Field::Address), "杭州市");
}

#[test]
fn bytes_that_are_no_known_text_are_refused() {
    let bytes = b"name,address\n\xFF\xFF\xFF,x\n";
    let e = Table::from_bytes(ImportKind::Customers, "c.csv", bytes).unwrap_err();
    assert_eq!(e, ReadError::Encoding);
    assert_eq!(e.code(), "encoding");
}

#[test]
fn quoted_cells_keep_commas_and_line_breaks_and_rows_count_as_a_spreadsheet_does() {
    let t = customers(
        "name,address,notes\n\
         \"恒达, 杭州\",\"杭州市\n西湖区\",\"说 \"\"重要\"\"\"\n\
         乙,宁波市,\n",
    )
    .unwrap();
    assert_eq!(names(&t), [(2, "恒达, 杭州"), (3, "乙")]);
    let r = &t.rows()[0];
    assert_eq!(r.get(Field::Address), "杭州市 西湖区");
    assert_eq!(r.get(Field::Notes), "说 \"重要\"");
}

#[test]
fn cells_are_trimmed_and_lose_control_and_invisible_characters() {
    let t = customers("name,address\n \u{3000}甲\u{0}公司\u{200B} ,\t杭州\u{7}市  \n").unwrap();
    assert_eq!(t.rows()[0].get(Field::Name), "甲公司");
    assert_eq!(t.rows()[0].get(Field::Address), "杭州市");
}

#[test]
fn rows_of_empty_cells_and_spaces_are_blank() {
    let t = customers("name,address\n,,\n  ,\u{3000}\n甲,乙\n").unwrap();
    assert_eq!(names(&t), [(4, "甲")]);
}

#[test]
fn unknown_columns_are_ignored_with_a_warning() {
    let t = customers("序号,客户名称,区域,地址,,\n1,甲,杭州,乙,,丙\n").unwrap();
    assert_eq!(
        t.warnings(),
        [
            Warning::UnknownColumn {
                column: 1,
                header: "序号".into()
            },
            Warning::UnknownColumn {
                column: 3,
                header: "区域".into()
            },
            Warning::UnnamedColumn { column: 6 },
        ]
    );
    assert_eq!(t.columns().len(), 4);
    assert_eq!(t.columns()[2].field, None);
    assert_eq!(t.rows()[0].get(Field::Address), "乙");
    assert!(t.warnings()[0].to_string().contains("序号"));
}

#[test]
fn a_missing_required_column_is_named() {
    let e = customers("客户名称,联系人\n甲,张三\n").unwrap_err();
    assert_eq!(
        e,
        ReadError::MissingColumns {
            row: 1,
            missing: vec![Field::Address]
        }
    );
    assert!(e.to_string().contains("地址 (address)"), "{e}");

    let e = Table::from_bytes(ImportKind::Units, "u.csv", "型号\nX\n".as_bytes()).unwrap_err();
    assert_eq!(
        e,
        ReadError::MissingColumns {
            row: 1,
            missing: vec![Field::CustomerName, Field::SerialNo]
        }
    );
}

#[test]
fn a_header_that_never_comes_is_reported_after_a_few_rows() {
    let mut text = String::from("客户名称,备注\n");
    for i in 0..20 {
        text.push_str(&format!("客户{i},x\n"));
    }
    let e = customers(&text).unwrap_err();
    assert_eq!(
        e,
        ReadError::MissingColumns {
            row: 1,
            missing: vec![Field::Address]
        }
    );
}

#[test]
fn two_columns_for_one_field_are_refused() {
    let e = customers("客户名称,地址,电话,手机\n甲,乙,1,2\n").unwrap_err();
    assert_eq!(
        e,
        ReadError::DuplicateColumn {
            field: Field::ContactPhone,
            first: "电话".into(),
            second: "手机".into()
        }
    );
}

#[test]
fn a_title_row_above_the_header_is_passed_over() {
    let t = customers("客户档案表,,\n导出于 2024-01-01,,\n客户名称,地址,\n甲,乙,\n").unwrap();
    assert_eq!(t.header_row(), 3);
    assert_eq!(names(&t), [(4, "甲")]);
}

#[test]
fn an_empty_file_has_no_header_and_a_header_alone_no_rows() {
    assert_eq!(customers("").unwrap_err(), ReadError::NoHeader);
    assert_eq!(customers("\n\n , \n").unwrap_err(), ReadError::NoHeader);
    let t = customers("客户名称,地址\n").unwrap();
    assert!(t.is_empty());
    assert_eq!(t.len(), 0);
}

#[test]
fn size_guards_refuse_large_files_and_too_many_rows() {
    let text = "客户名称,地址\n甲,乙\n丙,丁\n戊,己\n";
    let small = Limits {
        max_bytes: 10,
        max_rows: 100,
    };
    let e = Table::read(ImportKind::Customers, "c.csv", text.as_bytes(), &small, &()).unwrap_err();
    assert_eq!(
        e,
        ReadError::TooLarge {
            bytes: text.len(),
            max_bytes: 10
        }
    );
    let few = Limits {
        max_bytes: 1000,
        max_rows: 2,
    };
    let e = Table::read(ImportKind::Customers, "c.csv", text.as_bytes(), &few, &()).unwrap_err();
    assert_eq!(e, ReadError::TooManyRows { max_rows: 2 });
    assert_eq!(e.code(), "too_many_rows");
    let enough = Limits {
        max_bytes: 1000,
        max_rows: 3,
    };
    let t = Table::read(
        ImportKind::Customers,
        "c.csv",
        text.as_bytes(),
        &enough,
        &(),
    )
    .unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(Limits::default().max_bytes, 50 * 1024 * 1024);
}

#[test]
fn a_file_named_as_a_workbook_must_be_one() {
    let e = Table::from_bytes(ImportKind::Customers, "客户.xlsx", b"name,address\n").unwrap_err();
    assert_eq!(e.code(), "unreadable");
    let e = Table::from_bytes(ImportKind::Customers, "c.csv", b"PK\x03\x04 broken").unwrap_err();
    assert_eq!(e.code(), "unreadable");
}

#[test]
fn dates_written_in_many_ways_come_out_the_same() {
    for (written, read) in [
        ("2023-05-06", "2023-05-06"),
        ("2023-5-6", "2023-05-06"),
        ("2023/5/6", "2023-05-06"),
        ("2023.05.06", "2023-05-06"),
        ("2023年5月6日", "2023-05-06"),
        ("2023年05月06", "2023-05-06"),
        ("２０２３－０５－０６", "2023-05-06"),
        ("20230506", "2023-05-06"),
        ("2023-05-06 00:00:00", "2023-05-06"),
        ("2023/5/6 14:30", "2023-05-06"),
        ("2023-05-06T08:00:00", "2023-05-06"),
        ("45052", "2023-05-06"),
        ("45351", "2024-02-29"),
        // Not dates: left for the import to reject by value.
        ("2023-13-45", "2023-13-45"),
        ("2023", "2023"),
        ("昨天", "昨天"),
        ("5/6/2023", "5/6/2023"),
        ("2023-05-", "2023-05-"),
        ("", ""),
    ] {
        assert_eq!(normalize_date(written), read, "{written}");
    }
}

#[test]
fn date_columns_of_a_csv_are_normalised_and_others_are_not() {
    let t = Table::from_bytes(
        ImportKind::Units,
        "u.csv",
        "客户名称,型号,出厂编号,发货日期,验收日期,投运日期\n\
         甲,KYN28-12,20230506,2023/5/6,2023年6月1日,坏日期\n"
            .as_bytes(),
    )
    .unwrap();
    let r = &t.rows()[0];
    assert_eq!(r.get(Field::SerialNo), "20230506");
    assert_eq!(r.get(Field::ShippedOn), "2023-05-06");
    assert_eq!(r.get(Field::AcceptedOn), "2023-06-01");
    assert_eq!(r.get(Field::CommissionedOn), "坏日期");
}

#[test]
fn numbers_read_as_people_wrote_them() {
    assert_eq!(number_text(13_812_345_678.0), "13812345678");
    assert_eq!(number_text(123.0), "123");
    assert_eq!(number_text(-7.0), "-7");
    assert_eq!(number_text(12.5), "12.5");
    assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(number_text(1e20), "100000000000000000000");
}

#[test]
fn the_apostrophe_that_guards_a_formula_is_dropped() {
    assert_eq!(clean("'=SUM(A1)"), "=SUM(A1)");
    assert_eq!(clean("'-某某"), "-某某");
    assert_eq!(clean("O'Brien"), "O'Brien");
    assert_eq!(clean("'quoted'"), "'quoted'");
}

/// A workbook like a real archive: a title row, a header, dates as Excel dates, as text
/// and as bare serials, codes stored as numbers, a blank row, an error cell.
fn units_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let builtin_date = Format::new().set_num_format_index(14);
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let s = wb.add_worksheet();
    s.write_string(0, 0, "设备档案（2024 年）").unwrap();
    for (c, h) in [
        "序号",
        "客户名称",
        "产品型号",
        "出厂编号",
        "安装地址",
        "发货日期",
        "验收日期",
        "投运日期",
        "备注电话",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(1, c as u16, *h).unwrap();
    }
    // Row 3: dates as dates, the serial and a phone stored as numbers.
    s.write_number(2, 0, 1).unwrap();
    s.write_string(2, 1, "杭州恒达电气有限公司").unwrap();
    s.write_string(2, 2, "KYN28-12").unwrap();
    s.write_number(2, 3, 2_023_000_123.0).unwrap();
    s.write_string(2, 4, "杭州市余杭区良渚街道 18 号").unwrap();
    s.write_datetime_with_format(2, 5, XlDate::from_ymd(2023, 5, 6).unwrap(), &date)
        .unwrap();
    s.write_datetime_with_format(2, 6, XlDate::from_ymd(2024, 2, 29).unwrap(), &builtin_date)
        .unwrap();
    s.write_datetime_with_format(
        2,
        7,
        XlDate::from_ymd(2024, 3, 1)
            .unwrap()
            .and_hms(9, 30, 0)
            .unwrap(),
        &datetime,
    )
    .unwrap();
    s.write_number(2, 8, 13_812_345_678.0).unwrap();
    // Row 4: blank (nothing written).
    // Row 5: dates as text and as a bare serial, the serial a float, an error cell.
    s.write_number(4, 0, 2).unwrap();
    s.write_string(4, 1, "  宁波东海配电设备厂 ").unwrap();
    s.write_string(4, 2, "XGN15-12").unwrap();
    s.write_number(4, 3, 123.0).unwrap();
    s.write_string(4, 5, "2023/5/6").unwrap();
    s.write_number(4, 6, 45052).unwrap();
    s.write_string(4, 7, "not yet").unwrap();
    s.write_formula(4, 8, "=1/0").unwrap();
    // Row 6: a code with leading zeros kept as text.
    s.write_string(5, 1, "温州").unwrap();
    s.write_string(5, 2, "ZW32-12").unwrap();
    s.write_string(5, 3, "000417").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_keeps_codes_as_digits_and_dates_as_dates() {
    let t = Table::from_bytes(ImportKind::Units, "设备.xlsx", &units_workbook()).unwrap();
    assert_eq!(t.format(), SourceFormat::Xlsx);
    assert_eq!(t.header_row(), 2);
    assert_eq!(
        t.warnings(),
        [
            Warning::UnknownColumn {
                column: 1,
                header: "序号".into()
            },
            Warning::UnknownColumn {
                column: 9,
                header: "备注电话".into()
            },
        ]
    );
    let rows = t.rows();
    assert_eq!(rows.iter().map(Row::number).collect::<Vec<_>>(), [3, 5, 6]);
    let r = &rows[0];
    assert_eq!(r.get(Field::CustomerName), "杭州恒达电气有限公司");
    assert_eq!(r.get(Field::ModelCode), "KYN28-12");
    assert_eq!(r.get(Field::SerialNo), "2023000123");
    assert_eq!(r.get(Field::SiteAddress), "杭州市余杭区良渚街道 18 号");
    assert_eq!(r.get(Field::ShippedOn), "2023-05-06");
    assert_eq!(r.get(Field::AcceptedOn), "2024-02-29");
    assert_eq!(r.get(Field::CommissionedOn), "2024-03-01");
    let r = &rows[1];
    assert_eq!(r.get(Field::CustomerName), "宁波东海配电设备厂");
    assert_eq!(r.get(Field::SerialNo), "123");
    assert_eq!(r.get(Field::SiteAddress), "");
    assert_eq!(r.get(Field::ShippedOn), "2023-05-06");
    assert_eq!(r.get(Field::AcceptedOn), "2023-05-06");
    assert_eq!(r.get(Field::CommissionedOn), "not yet");
    assert_eq!(rows[2].get(Field::SerialNo), "000417");
}

#[test]
fn a_phone_stored_as_a_number_reads_as_its_digits() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    for (c, h) in ["客户名称", "地址", "电话"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_string(1, 0, "甲").unwrap();
    s.write_string(1, 1, "杭州市").unwrap();
    s.write_number(1, 2, 13_812_345_678.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let t = Table::from_bytes(ImportKind::Customers, "c.xlsx", &bytes).unwrap();
    assert_eq!(t.rows()[0].get(Field::ContactPhone), "13812345678");
}

#[test]
fn a_workbook_missing_a_column_says_which() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "客户名称").unwrap();
    s.write_string(1, 0, "甲").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let e = Table::from_bytes(ImportKind::Customers, "c.xlsx", &bytes).unwrap_err();
    assert_eq!(
        e,
        ReadError::MissingColumns {
            row: 1,
            missing: vec![Field::Address]
        }
    );
}

#[test]
fn the_first_worksheet_is_the_one_read() {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "客户名称").unwrap();
    s.write_string(0, 1, "地址").unwrap();
    s.write_string(1, 0, "第一张").unwrap();
    s.write_string(1, 1, "杭州").unwrap();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "客户名称").unwrap();
    s.write_string(0, 1, "地址").unwrap();
    s.write_string(1, 0, "第二张").unwrap();
    s.write_string(1, 1, "宁波").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let t = Table::from_bytes(ImportKind::Customers, "c.xlsx", &bytes).unwrap();
    assert_eq!(names(&t), [(2, "第一张")]);
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(Option<Stage>, u64)>>);

impl Progress for Recorder {
    fn stage(&self, stage: Stage, total: u64) {
        self.0.lock().unwrap().push((Some(stage), total));
    }
    fn done(&self, done: u64) {
        self.0.lock().unwrap().push((None, done));
    }
}

#[test]
fn reading_reports_progress_up_to_the_end() {
    let mut text = String::from("客户名称,地址\n");
    for i in 0..5000 {
        text.push_str(&format!("客户{i},杭州\n"));
    }
    let p = Recorder::default();
    let t = Table::read(
        ImportKind::Customers,
        "c.csv",
        text.as_bytes(),
        &Limits::default(),
        &p,
    )
    .unwrap();
    assert_eq!(t.len(), 5000);
    assert_eq!(t.rows()[4999].number(), 5001);
    let seen = p.0.into_inner().unwrap();
    assert_eq!(seen[0], (Some(Stage::Reading), text.len() as u64));
    assert!(seen.len() >= 3, "{seen:?}");
    assert_eq!(seen.last(), Some(&(None, text.len() as u64)));
}

#[test]
fn a_row_built_by_hand_gives_its_cells() {
    let r = Row::from_cells(7, &[(Field::Name, "甲"), (Field::Notes, "备注")]);
    assert_eq!(r.number(), 7);
    assert_eq!(r.get(Field::Name), "甲");
    assert_eq!(r.get(Field::Address), "");
    assert_eq!(r.get(Field::Notes), "备注");
    assert_eq!(r.get(Field::CommissionedOn), "");
}
