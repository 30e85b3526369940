//! Bringing a company's archive in (R5.2): product models, customers and units from a file
//! read by [`crate::archive`].
//!
//! Every row is checked by the same domain rules as a record typed on a page; every good
//! row is written, with its audit record, in one transaction — a failure half-way writes
//! nothing — and every bad row is reported with its row number, the field and the reason.
//! Rows are written as they are checked, so what is held in memory besides the file's
//! rows is only what a later row is compared with (names, addresses, serial numbers).
//!
//! An import adds what is missing and changes nothing already recorded, so running the
//! same file twice adds nothing the second time. A row is matched to a record — models by
//! code, customers by exact name, units by model and serial number — and then:
//! - nothing matches: the row is **added**;
//! - the record agrees with the row (a customer at the same address; a unit of the same
//!   customer with the same dates; a model of the same name and line): **unchanged**, the
//!   record stays as it is (contacts, salesperson, notes and site are not compared);
//! - the record disagrees: the row is **rejected**, naming what is recorded, to be changed
//!   on the record's page if the file is right.
//!
//! An earlier row of the same file counts as a record.

use super::require;
use super::state::AppState;
use crate::archive::{Field, ImportKind, Progress, Row, Stage, Table};
use chrono::{DateTime, Utc};
use sanbao_domain::coverage::UnitDates;
use sanbao_domain::customer::{ContactInput, CustomerFields, CustomerInput};
use sanbao_domain::product::{ModelFields, ModelInput, model_code};
use sanbao_domain::time::local_date;
use sanbao_domain::unit::{UnitFields, UnitInput};
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, Permission, Problem, ProductModelId, Role, UserId};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Check only (for a preview: the report says what a write would do) or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    Check,
    Write,
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The row number in the file (the header is usually row 1).
    pub row: u32,
    pub field: Field,
    /// Stable, for pages to translate: the domain's (`required`, `invalid`, `too_long`,
    /// `in_future`, `before_shipment`…) or the import's (`not_found`, `ambiguous`,
    /// `recorded_differently`, `duplicate`).
    pub code: String,
    /// In English, naming the value or the record it disagrees with.
    pub reason: String,
    /// The cell as read.
    pub value: String,
}

/// What an import did (or, checked, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub mode: ImportMode,
    /// Rows of data in the file (blank rows are not counted).
    pub rows: usize,
    pub added: usize,
    pub unchanged: usize,
    /// Every problem, in row order; a row may have several.
    pub rejected: Vec<Rejection>,
    /// Columns the file has that the import ignored.
    pub warnings: Vec<String>,
}

impl ImportReport {
    fn new(table: &Table, mode: ImportMode) -> ImportReport {
        ImportReport {
            kind: table.kind(),
            mode,
            rows: table.len(),
            added: 0,
            unchanged: 0,
            rejected: Vec::new(),
            warnings: table.warnings().iter().map(ToString::to_string).collect(),
        }
    }

    /// How many rows were rejected (each counted once, whatever its number of problems).
    pub fn rejected_rows(&self) -> usize {
        self.rejected
            .iter()
            .map(|r| r.row)
            .collect::<BTreeSet<_>>()
            .len()
    }
}

fn reject(row: &Row, field: Field, code: &str, reason: impl Into<String>) -> Rejection {
    Rejection {
        row: row.number(),
        field,
        code: code.to_string(),
        reason: reason.into(),
        value: row.get(field).to_string(),
    }
}

/// The file column a domain field name (`contacts[0].phone`) stands for.
fn column_of(kind: ImportKind, api_field: &str) -> Field {
    match api_field {
        "name" if kind == ImportKind::Models => Field::ModelName,
        "name" => Field::Name,
        "address" => Field::Address,
        "salesperson_id" => Field::Salesperson,
        "notes" => Field::Notes,
        "customer_id" => Field::CustomerName,
        "model_code" => Field::ModelCode,
        "serial_no" => Field::SerialNo,
        "site_address" | "site_id" => Field::SiteAddress,
        "shipped_on" => Field::ShippedOn,
        "accepted_on" => Field::AcceptedOn,
        "commissioned_on" => Field::CommissionedOn,
        "code" => Field::Code,
        "product_line" => Field::ProductLine,
        f if f.ends_with(".phone") => Field::ContactPhone,
        f if f.ends_with(".email") => Field::ContactEmail,
        f if f.starts_with("contacts") => Field::ContactName,
        _ => kind.required()[0],
    }
}

/// The rejections a domain validation error stands for; another error is passed on.
fn rejections(kind: ImportKind, row: &Row, e: Error) -> Result<Vec<Rejection>, Error> {
    match e {
        Error::Validation(fields) => Ok(fields
            .0
            .into_iter()
            .map(|(name, p)| reject(row, column_of(kind, &name), p.code, p.message))
            .collect()),
        other => Err(other),
    }
}

fn expect_kind(table: &Table, kind: ImportKind) -> Result<(), Error> {
    if table.kind() == kind {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "a file read as {} given to the import of {kind}",
            table.kind()
        )))
    }
}

/// The stage an import's single pass over the rows is in.
fn stage(mode: ImportMode) -> Stage {
    match mode {
        ImportMode::Check => Stage::Checking,
        ImportMode::Write => Stage::Writing,
    }
}

/// Commit what was written, and say so.
async fn finish(
    tx: Option<sanbao_store::Tx>,
    report: &ImportReport,
    progress: &dyn Progress,
) -> Result<(), Error> {
    if let Some(tx) = tx {
        tx.commit().await?;
        tracing::info!(
            kind = report.kind.as_str(),
            added = report.added,
            unchanged = report.unchanged,
            rejected = report.rejected_rows(),
            "archive imported"
        );
    }
    progress.finish();
    Ok(())
}

/// Tell progress every so many rows.
const EVERY: usize = 1024;

fn tick(progress: &dyn Progress, i: usize, total: usize) {
    if (i + 1).is_multiple_of(EVERY) || i + 1 == total {
        progress.done((i + 1) as u64);
    }
}

/// Addresses compared as the same when they differ only in spaces.
fn address_key(a: &str) -> String {
    a.split_whitespace().collect()
}

/// Where a name or a key was seen first: recorded, or an earlier row of the file.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Recorded,
    Row(u32),
}

// --- Product models ------------------------------------------------------------------------

/// Import product models: matched by code.
pub async fn import_models(
    state: &AppState,
    actor: &User,
    table: &Table,
    mode: ImportMode,
    progress: &dyn Progress,
    now: DateTime<Utc>,
) -> Result<ImportReport, Error> {
    require(actor, Permission::ImportArchive)?;
    expect_kind(table, ImportKind::Models)?;
    let mut report = ImportReport::new(table, mode);
    let mut known: HashMap<String, (ModelFields, Seen)> = state
        .db
        .models()
        .await?
        .into_iter()
        .map(|m| (m.fields.code.clone(), (m.fields, Seen::Recorded)))
        .collect();
    let mut tx = match mode {
        ImportMode::Check => None,
        ImportMode::Write => Some(state.db.begin().await?),
    };
    progress.stage(stage(mode), table.len() as u64);
    for (i, row) in table.rows().iter().enumerate() {
        tick(progress, i, table.len());
        let input = ModelInput {
            code: row.get(Field::Code).to_string(),
            name: row.get(Field::ModelName).to_string(),
            product_line: row.get(Field::ProductLine).to_string(),
        };
        let fields = match ModelFields::parse(&input) {
            Ok(f) => f,
            Err(e) => {
                report
                    .rejected
                    .extend(rejections(ImportKind::Models, row, e)?);
                continue;
            }
        };
        match known.get(&fields.code) {
            Some((k, _)) if k.name == fields.name && k.product_line == fields.product_line => {
                report.unchanged += 1;
            }
            Some((k, seen)) => {
                let whose = match seen {
                    Seen::Recorded => "recorded".to_string(),
                    Seen::Row(r) => format!("in row {r}"),
                };
                let (field, was) = if k.name == fields.name {
                    (Field::ProductLine, &k.product_line)
                } else {
                    (Field::ModelName, &k.name)
                };
                report.rejected.push(reject(
                    row,
                    field,
                    "recorded_differently",
                    format!("model {} is {whose} as '{was}'", fields.code),
                ));
            }
            None => {
                if let Some(tx) = tx.as_mut() {
                    super::units::write_model(tx, actor, &fields, now).await?;
                }
                report.added += 1;
                known.insert(fields.code.clone(), (fields, Seen::Row(row.number())));
            }
        }
    }
    finish(tx, &report, progress).await?;
    Ok(report)
}

// --- Customers -----------------------------------------------------------------------------

/// Active salespeople by username and by display name.
struct Salespeople {
    by_username: HashMap<String, UserId>,
    by_name: HashMap<String, Vec<UserId>>,
}

impl Salespeople {
    async fn load(state: &AppState) -> Result<Salespeople, Error> {
        let mut s = Salespeople {
            by_username: HashMap::new(),
            by_name: HashMap::new(),
        };
        for u in state.db.users(Some(Role::Salesperson)).await? {
            if u.active {
                s.by_username.insert(u.username.to_lowercase(), u.id);
                s.by_name.entry(u.display_name).or_default().push(u.id);
            }
        }
        Ok(s)
    }

    fn find(&self, written: &str) -> Result<UserId, Problem> {
        if let Some(id) = self.by_username.get(&written.to_lowercase()) {
            return Ok(*id);
        }
        match self.by_name.get(written).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(_) => Err(Problem::new(
                "ambiguous",
                "several salespeople have this name: give the username",
            )),
            None => Err(Problem::new(
                "not_found",
                "no active salesperson with this username or name",
            )),
        }
    }
}

/// A customer row checked: its fields, or every problem with it.
fn check_customer(row: &Row, salespeople: &Salespeople) -> Result<CustomerFields, Vec<Rejection>> {
    let mut problems = Vec::new();
    let salesperson = match row.get(Field::Salesperson) {
        "" => None,
        s => match salespeople.find(s) {
            Ok(id) => Some(id),
            Err(p) => {
                problems.push(reject(row, Field::Salesperson, p.code, p.message));
                None
            }
        },
    };
    let some = |f: Field| Some(row.get(f).to_string()).filter(|s| !s.is_empty());
    let contact_name = row.get(Field::ContactName);
    let (phone, email) = (some(Field::ContactPhone), some(Field::ContactEmail));
    let contacts = if contact_name.is_empty() {
        if phone.is_some() || email.is_some() {
            problems.push(reject(
                row,
                Field::ContactName,
                "required",
                "a phone or e-mail needs the name of the contact",
            ));
        }
        Vec::new()
    } else {
        vec![ContactInput {
            name: contact_name.to_string(),
            phone,
            email,
            position: None,
        }]
    };
    let input = CustomerInput {
        name: row.get(Field::Name).to_string(),
        address: row.get(Field::Address).to_string(),
        salesperson_id: salesperson,
        notes: some(Field::Notes),
        contacts,
    };
    match CustomerFields::parse(&input) {
        Ok(f) if problems.is_empty() => Ok(f),
        Ok(_) => Err(problems),
        Err(e) => {
            // Only validation errors come from parsing.
            problems.extend(rejections(ImportKind::Customers, row, e).unwrap_or_default());
            problems.sort_by_key(|r| r.field);
            Err(problems)
        }
    }
}

/// Import customers: matched by exact name; the same name at another address is
/// rejected.
pub async fn import_customers(
    state: &AppState,
    actor: &User,
    table: &Table,
    mode: ImportMode,
    progress: &dyn Progress,
    now: DateTime<Utc>,
) -> Result<ImportReport, Error> {
    require(actor, Permission::ImportArchive)?;
    expect_kind(table, ImportKind::Customers)?;
    let salespeople = Salespeople::load(state).await?;
    let mut report = ImportReport::new(table, mode);
    let mut tx = state.db.begin().await?;
    // Name → (address, where seen).
    let mut known: HashMap<String, (String, Seen)> = HashMap::new();
    for (_, name, address) in tx.customer_names().await? {
        known.entry(name).or_insert((address, Seen::Recorded));
    }
    progress.stage(stage(mode), table.len() as u64);
    for (i, row) in table.rows().iter().enumerate() {
        tick(progress, i, table.len());
        let fields = match check_customer(row, &salespeople) {
            Ok(f) => f,
            Err(problems) => {
                report.rejected.extend(problems);
                continue;
            }
        };
        match known.get(&fields.name) {
            Some((a, _)) if address_key(a) == address_key(&fields.address) => {
                report.unchanged += 1;
            }
            Some((address, seen)) => {
                let whose = match seen {
                    Seen::Recorded => "a customer of this name is recorded".to_string(),
                    Seen::Row(r) => format!("row {r} has a customer of this name"),
                };
                report.rejected.push(reject(
                    row,
                    Field::Address,
                    "recorded_differently",
                    format!("{whose} at {address}"),
                ));
            }
            None => {
                if mode == ImportMode::Write {
                    super::customers::write_new(&mut tx, actor, &fields, None, now).await?;
                }
                report.added += 1;
                known.insert(fields.name, (fields.address, Seen::Row(row.number())));
            }
        }
    }
    finish(
        Some(tx).filter(|_| mode == ImportMode::Write),
        &report,
        progress,
    )
    .await?;
    Ok(report)
}

// --- Units ---------------------------------------------------------------------------------

/// The dates that differ between a row and a record, with what is recorded.
fn differing_dates(row: &UnitDates, recorded: &UnitDates) -> Vec<(Field, String)> {
    let text =
        |d: Option<chrono::NaiveDate>| d.map_or_else(|| "none".to_string(), |d| d.to_string());
    [
        (Field::ShippedOn, row.shipped_on, recorded.shipped_on),
        (Field::AcceptedOn, row.accepted_on, recorded.accepted_on),
        (
            Field::CommissionedOn,
            row.commissioned_on,
            recorded.commissioned_on,
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(f, _, b)| (f, text(b)))
    .collect()
}

/// A unit row checked: its fields and model, or every problem with it.
fn check_unit(
    row: &Row,
    customers: &HashMap<String, Vec<CustomerId>>,
    models: &HashMap<String, ProductModelId>,
    today: chrono::NaiveDate,
) -> Result<(UnitFields, ProductModelId), Vec<Rejection>> {
    let mut problems = Vec::new();
    let name = row.get(Field::CustomerName);
    let customer = match customers.get(name).map(Vec::as_slice) {
        _ if name.is_empty() => {
            problems.push(reject(
                row,
                Field::CustomerName,
                "required",
                "must not be empty",
            ));
            None
        }
        Some([id]) => Some(*id),
        Some(_) => {
            problems.push(reject(
                row,
                Field::CustomerName,
                "ambiguous",
                "several customers have this name",
            ));
            None
        }
        None => {
            problems.push(reject(
                row,
                Field::CustomerName,
                "not_found",
                "no customer of this name: import the customers first",
            ));
            None
        }
    };
    let model = match model_code(row.get(Field::ModelCode)) {
        Ok(code) => match models.get(&code) {
            Some(id) => Some(*id),
            None => {
                problems.push(reject(
                    row,
                    Field::ModelCode,
                    "not_found",
                    "no product model with this code",
                ));
                None
            }
        },
        // Reported by the unit's own check below.
        Err(_) => None,
    };
    let some = |f: Field| Some(row.get(f).to_string()).filter(|s| !s.is_empty());
    let input = UnitInput {
        // A stand-in while the customer is unknown, so every other problem is named too.
        customer_id: Some(customer.unwrap_or(CustomerId(0))),
        model_code: row.get(Field::ModelCode).to_string(),
        serial_no: row.get(Field::SerialNo).to_string(),
        site_id: None,
        site_address: some(Field::SiteAddress),
        shipped_on: some(Field::ShippedOn),
        accepted_on: some(Field::AcceptedOn),
        commissioned_on: some(Field::CommissionedOn),
        notes: None,
    };
    match (UnitFields::parse(&input, today), model) {
        (Ok(f), Some(model)) if problems.is_empty() => Ok((f, model)),
        (Ok(_), _) => Err(problems),
        (Err(e), _) => {
            problems.extend(rejections(ImportKind::Units, row, e).unwrap_or_default());
            problems.sort_by_key(|r| r.field);
            Err(problems)
        }
    }
}

/// Import units: matched by model and serial number. A unit's customer is named by its
/// exact name; its site is the one at the site address (added to the customer if new),
/// else the customer's own address.
pub async fn import_units(
    state: &AppState,
    actor: &User,
    table: &Table,
    mode: ImportMode,
    progress: &dyn Progress,
    now: DateTime<Utc>,
) -> Result<ImportReport, Error> {
    require(actor, Permission::ImportArchive)?;
    expect_kind(table, ImportKind::Units)?;
    let models: HashMap<String, ProductModelId> = state
        .db
        .models()
        .await?
        .into_iter()
        .map(|m| (m.fields.code, m.id))
        .collect();
    let today = local_date(now);
    let mut report = ImportReport::new(table, mode);
    let mut tx = state.db.begin().await?;
    let mut customers: HashMap<String, Vec<CustomerId>> = HashMap::new();
    for (id, name, _) in tx.customer_names().await? {
        customers.entry(name).or_default().push(id);
    }
    // (model, serial number) → the customer and dates seen first, and where.
    let mut seen: HashMap<(ProductModelId, String), (CustomerId, UnitDates, Seen)> = HashMap::new();
    progress.stage(stage(mode), table.len() as u64);
    for (i, row) in table.rows().iter().enumerate() {
        tick(progress, i, table.len());
        let (fields, model) = match check_unit(row, &customers, &models, today) {
            Ok(v) => v,
            Err(problems) => {
                report.rejected.extend(problems);
                continue;
            }
        };
        let key = (model, fields.serial_no.clone());
        let first = match seen.get(&key) {
            Some(v) => Some(*v),
            None => tx
                .unit_by_serial(model, &fields.serial_no)
                .await?
                .map(|u| (u.customer_id, u.dates, Seen::Recorded)),
        };
        let Some((customer, dates, whence)) = first else {
            if mode == ImportMode::Write {
                super::units::write_unit(&mut tx, actor, &fields, model, None, now).await?;
            }
            report.added += 1;
            seen.insert(
                key,
                (fields.customer_id, fields.dates, Seen::Row(row.number())),
            );
            continue;
        };
        seen.entry(key).or_insert((customer, dates, whence));
        let whose = match whence {
            Seen::Recorded => "this unit is recorded".to_string(),
            Seen::Row(r) => format!("row {r} has this unit"),
        };
        if customer != fields.customer_id {
            let other = tx
                .customer(customer)
                .await?
                .map(|c| c.fields.name)
                .unwrap_or_default();
            report.rejected.push(reject(
                row,
                Field::CustomerName,
                "recorded_differently",
                format!("{whose} for {other}"),
            ));
            continue;
        }
        let differing = differing_dates(&fields.dates, &dates);
        if differing.is_empty() {
            report.unchanged += 1;
        }
        for (field, was) in differing {
            report.rejected.push(reject(
                row,
                field,
                "recorded_differently",
                format!("{whose} with {field} {was}"),
            ));
        }
    }
    finish(
        Some(tx).filter(|_| mode == ImportMode::Write),
        &report,
        progress,
    )
    .await?;
    Ok(report)
}

/// Import a file read as any kind.
pub async fn import(
    state: &AppState,
    actor: &User,
    table: &Table,
    mode: ImportMode,
    progress: &dyn Progress,
    now: DateTime<Utc>,
) -> Result<ImportReport, Error> {
    match table.kind() {
        ImportKind::Models => import_models(state, actor, table, mode, progress, now).await,
        ImportKind::Customers => import_customers(state, actor, table, mode, progress, now).await,
        ImportKind::Units => import_units(state, actor, table, mode, progress, now).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_field_names_become_file_columns() {
        use ImportKind::{Customers, Models, Units};
        for (kind, api, column) in [
            (Customers, "name", Field::Name),
            (Models, "name", Field::ModelName),
            (Customers, "contacts[0].name", Field::ContactName),
            (Customers, "contacts[0].phone", Field::ContactPhone),
            (Customers, "contacts[0].email", Field::ContactEmail),
            (Customers, "salesperson_id", Field::Salesperson),
            (Units, "customer_id", Field::CustomerName),
            (Units, "serial_no", Field::SerialNo),
            (Units, "commissioned_on", Field::CommissionedOn),
            (Models, "product_line", Field::ProductLine),
            (Units, "something_else", Field::CustomerName),
        ] {
            assert_eq!(column_of(kind, api), column, "{api}");
        }
    }

    #[test]
    fn addresses_differing_only_in_spaces_are_the_same() {
        assert_eq!(
            address_key(" 杭州市 西湖区  文三路 1 号"),
            address_key("杭州市西湖区文三路1号")
        );
    }

    #[test]
    fn a_salesperson_is_found_by_username_or_by_a_name_held_once() {
        let s = Salespeople {
            by_username: HashMap::from([
                ("huang.lei".to_string(), UserId(1)),
                ("xu.jing".to_string(), UserId(2)),
                ("xu.jing2".to_string(), UserId(3)),
            ]),
            by_name: HashMap::from([
                ("黄磊".to_string(), vec![UserId(1)]),
                ("徐静".to_string(), vec![UserId(2), UserId(3)]),
            ]),
        };
        assert_eq!(s.find("Huang.Lei"), Ok(UserId(1)));
        assert_eq!(s.find("黄磊"), Ok(UserId(1)));
        assert_eq!(s.find("徐静").unwrap_err().code, "ambiguous");
        assert_eq!(s.find("nobody").unwrap_err().code, "not_found");
    }
}
