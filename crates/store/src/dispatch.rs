//! Dispatch (issue 8): technicians' profiles (base, product lines) and the travel settings,
//! each written version-checked; the product lines the models name.

use crate::{Db, Tx, at, changed_one, corrupt, db_err, internal, ms, on_tx, read};
use chrono::{DateTime, Utc};
use sanbao_domain::dispatch::TechnicianProfile;
use sanbao_domain::travel::TravelSettings;
use sanbao_domain::{Error, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    user_id: i64,
    base_address: Option<String>,
    product_lines: String,
    updated_by: i64,
    updated_at: i64,
    version: i64,
}

impl TryFrom<ProfileRow> for TechnicianProfile {
    type Error = Error;
    fn try_from(r: ProfileRow) -> Result<Self, Error> {
        let product_lines: Vec<String> = serde_json::from_str(&r.product_lines)
            .map_err(|_| corrupt("product lines", &r.product_lines))?;
        Ok(TechnicianProfile {
            user_id: UserId(r.user_id),
            base_address: r.base_address,
            product_lines,
            updated_by: Some(UserId(r.updated_by)),
            updated_at: Some(at(r.updated_at)),
            version: r.version,
        })
    }
}

const PROFILE_COLS: &str =
    "user_id, base_address, product_lines, updated_by, updated_at, version FROM technicians";

/// The stored travel settings with who wrote them last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFieldSettings {
    pub settings: TravelSettings,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    road_kmh: i64,
    road_factor_pct: i64,
    setup_minutes: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
}

fn whole(what: &str, n: i64) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| corrupt(what, &n.to_string()))
}

impl TryFrom<SettingsRow> for StoredFieldSettings {
    type Error = Error;
    fn try_from(r: SettingsRow) -> Result<Self, Error> {
        Ok(StoredFieldSettings {
            settings: TravelSettings {
                road_kmh: whole("road speed", r.road_kmh)?,
                road_factor_pct: whole("road factor", r.road_factor_pct)?,
                setup_minutes: whole("setup minutes", r.setup_minutes)?,
            },
            updated_by: UserId(r.updated_by),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

const SETTINGS_SQL: &str = "SELECT road_kmh, road_factor_pct, setup_minutes, updated_by, \
     updated_at, version FROM field_settings WHERE id = 1";

fn lines_json(p: &TechnicianProfile) -> Result<String, Error> {
    serde_json::to_string(&p.product_lines).map_err(internal)
}

impl Tx {
    /// A technician's stored profile, as this transaction sees it.
    pub async fn technician_profile(
        &mut self,
        user: UserId,
    ) -> Result<Option<TechnicianProfile>, Error> {
        let row: Option<ProfileRow> = on_tx!(self, c => sqlx::query_as(
            &format!("SELECT {PROFILE_COLS} WHERE user_id = $1"))
            .bind(user.0)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(TechnicianProfile::try_from).transpose()
    }

    /// Write `after` over `before` (version 0: never stored, so inserted). A profile
    /// changed since `before` was read is a conflict.
    #[instrument(skip_all, fields(user = after.user_id.0))]
    pub async fn save_technician_profile(
        &mut self,
        before: &TechnicianProfile,
        after: &TechnicianProfile,
    ) -> Result<(), Error> {
        let lines = lines_json(after)?;
        let by = after.updated_by.map(|u| u.0);
        let when = after.updated_at.map(ms);
        let n = if before.version == 0 {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO technicians (user_id, base_address, product_lines, updated_by,
                   updated_at, version) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (user_id) DO NOTHING")
                .bind(after.user_id.0)
                .bind(&after.base_address)
                .bind(&lines)
                .bind(by)
                .bind(when)
                .bind(after.version)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        } else {
            on_tx!(self, c => sqlx::query(
                "UPDATE technicians SET base_address = $1, product_lines = $2, updated_by = $3,
                   updated_at = $4, version = $5 WHERE user_id = $6 AND version = $7")
                .bind(&after.base_address)
                .bind(&lines)
                .bind(by)
                .bind(when)
                .bind(after.version)
                .bind(after.user_id.0)
                .bind(before.version)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        };
        changed_one(
            n,
            &format!("technician {}", after.user_id.0),
            before.version,
        )
    }

    /// The stored travel settings, as this transaction sees them.
    pub async fn field_settings(&mut self) -> Result<Option<StoredFieldSettings>, Error> {
        let row: Option<SettingsRow> = on_tx!(self, c => sqlx::query_as(SETTINGS_SQL)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(StoredFieldSettings::try_from).transpose()
    }

    /// Write the travel settings over version `before` (0: none stored yet); answers the
    /// new version.
    #[instrument(skip_all)]
    pub async fn save_field_settings(
        &mut self,
        before: i64,
        s: &TravelSettings,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<i64, Error> {
        let version = before + 1;
        let n = if before == 0 {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO field_settings (id, road_kmh, road_factor_pct, setup_minutes,
                   updated_by, updated_at, version) VALUES (1, $1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO NOTHING")
                .bind(i64::from(s.road_kmh))
                .bind(i64::from(s.road_factor_pct))
                .bind(i64::from(s.setup_minutes))
                .bind(by.0)
                .bind(ms(now))
                .bind(version)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        } else {
            on_tx!(self, c => sqlx::query(
                "UPDATE field_settings SET road_kmh = $1, road_factor_pct = $2,
                   setup_minutes = $3, updated_by = $4, updated_at = $5, version = $6
                 WHERE id = 1 AND version = $7")
                .bind(i64::from(s.road_kmh))
                .bind(i64::from(s.road_factor_pct))
                .bind(i64::from(s.setup_minutes))
                .bind(by.0)
                .bind(ms(now))
                .bind(version)
                .bind(before)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        };
        changed_one(n, "the travel settings", before)?;
        Ok(version)
    }
}

impl Db {
    /// Every stored technician profile.
    pub async fn technician_profiles(&self) -> Result<Vec<TechnicianProfile>, Error> {
        let rows: Vec<ProfileRow> = read!(self, c => sqlx::query_as(
            &format!("SELECT {PROFILE_COLS} ORDER BY user_id"))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TechnicianProfile::try_from).collect()
    }

    /// The stored travel settings (None: the defaults apply).
    pub async fn field_settings(&self) -> Result<Option<StoredFieldSettings>, Error> {
        let row: Option<SettingsRow> = read!(self, c => sqlx::query_as(SETTINGS_SQL)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(StoredFieldSettings::try_from).transpose()
    }

    /// The product lines the product models name, sorted.
    pub async fn product_lines(&self) -> Result<Vec<String>, Error> {
        let rows: Vec<(String,)> = read!(self, c => sqlx::query_as(
            "SELECT DISTINCT product_line FROM product_models ORDER BY product_line")
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
