//! A bulk data set for load tests (`sanbao bench-seed`, used by `bench/load.sh`):
//! generated, not read from the demo file, and written through the store's
//! `create_ticket` (with each ticket's deadlines and audit record) for speed.

use super::has_customers;
use crate::app::AppState;
use chrono::Duration;
use sanbao_domain::customer::{ContactInput, CustomerInput};
use sanbao_domain::ticket::{Channel, NewTicket, TicketInput, TicketKind};
use sanbao_domain::unit::TicketPlace;
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, Region};
use sanbao_store::PlaceOf;
use std::sync::Arc;

/// Places for generated customers: every region, in proportions like the real archive's.
const BULK_PLACES: [&str; 16] = [
    "浙江省杭州市上城区钱江路",
    "杭州市拱墅区莫干山路",
    "杭州市西湖区文三路",
    "杭州市滨江区江南大道",
    "杭州市萧山区建设一路",
    "杭州市余杭区文一西路",
    "杭州市钱塘区6号大街",
    "浙江省宁波市北仑区明州路",
    "浙江省温州市乐清市柳市镇柳青路",
    "绍兴市柯桥区兴滨路",
    "浙江省杭州市桐庐县迎春南路",
    "浙江省湖州市长兴县明珠路",
    "江苏省苏州市工业园区星湖街",
    "上海市浦东新区碧波路",
    "安徽省合肥市蜀山区长江西路",
    "开发区纬三路",
];

const BULK_TRADES: [&str; 6] = [
    "变电站",
    "纺织有限公司",
    "水厂",
    "人民医院",
    "购物中心",
    "数据中心",
];

const BULK_SUMMARIES: [(&str, &str); 6] = [
    ("10kV 进线柜断路器跳闸，全厂停电", "KYN28A-12 #2011-0345"),
    ("开关柜局放告警", "KYN28A-12 #2024-1107"),
    ("变压器温升异常", "SCB13-1000/10 #2023-0588"),
    ("综保装置通讯中断", "WXH-822 微机综保装置"),
    ("合同外加装电容柜咨询", "GCS 低压柜"),
    ("来函询问保修期", "GCS 低压柜 #3"),
];

/// What `bench-seed` wrote.
#[derive(Debug, Clone, Copy)]
pub struct BenchSeeded {
    pub customers: usize,
    pub tickets: u64,
    pub seconds: f64,
}

/// Fill an empty database with `customers` customers and `tickets` tickets received over
/// the past year, each written by the store's `create_ticket` with its deadlines and its
/// audit record, as `creator` would have opened it. `tasks` writers run at once (SQLite
/// serialises them on its one writer connection; the others prepare meanwhile).
pub async fn bench_seed(
    state: &AppState,
    creator: &User,
    customers: u32,
    tickets: u64,
    tasks: u32,
) -> Result<BenchSeeded, Error> {
    if has_customers(state).await? {
        return Err(Error::Conflict(
            "bench-seed fills an empty database only, and this one has customers".into(),
        ));
    }
    let started = std::time::Instant::now();
    let now = state.now();
    let mut made: Vec<(CustomerId, Region)> = Vec::with_capacity(customers as usize);
    for i in 0..customers as usize {
        let place = BULK_PLACES[i % BULK_PLACES.len()];
        let trade = BULK_TRADES[i % BULK_TRADES.len()];
        let input = CustomerInput {
            name: format!("客户{:04}{trade}", i + 1),
            address: format!("{place}{}号", i % 997 + 1),
            contacts: vec![ContactInput {
                name: "设备科".into(),
                phone: Some(format!("0571-8{:07}", i)),
                ..ContactInput::default()
            }],
            ..CustomerInput::default()
        };
        let c = crate::app::customers::create_customer(
            state,
            creator,
            &input,
            &crate::app::customers::CorrectionInput::default(),
            now - Duration::days(400),
        )
        .await?;
        made.push((c.id, c.region));
    }
    let made = Arc::new(made);
    let span_ms = Duration::days(365).num_milliseconds();
    let tasks = u64::from(tasks.max(1));
    let mut jobs = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let state = state.clone();
        let made = Arc::clone(&made);
        let creator = creator.id;
        jobs.spawn(async move {
            let mut i = task;
            while i < tickets {
                let kind = TicketKind::ALL[(i % TicketKind::ALL.len() as u64) as usize];
                let channel = Channel::ALL[(i % Channel::ALL.len() as u64) as usize];
                let (customer_id, region) =
                    made[(i.wrapping_mul(7919) % made.len().max(1) as u64) as usize];
                let (summary, unit) = BULK_SUMMARIES[(i % BULK_SUMMARIES.len() as u64) as usize];
                // Oldest first, evenly over the past year.
                let ago = span_ms - span_ms * i as i64 / tickets.max(1) as i64;
                let received_at = now - Duration::milliseconds(ago);
                let input = TicketInput {
                    kind,
                    channel,
                    customer_id,
                    unit_id: None,
                    site_id: None,
                    unit_text: Some(unit.into()),
                    summary: summary.into(),
                    received_at,
                };
                let created_at = received_at + Duration::minutes(2);
                let place = TicketPlace::region_only(region);
                // Checked here, so a bad row fails before it reaches the writer.
                NewTicket::parse(
                    input.clone(),
                    &place,
                    &sanbao_domain::deadline::DeadlinePolicy::company(),
                    creator,
                    created_at.min(now),
                )?;
                let at = created_at.min(now);
                state
                    .db
                    .create_ticket(
                        PlaceOf {
                            customer: customer_id,
                            unit: None,
                            site: None,
                        },
                        Box::new(move |place, policy| {
                            NewTicket::parse(input, place, policy, creator, at)
                        }),
                    )
                    .await?;
                i += tasks;
            }
            Ok::<(), Error>(())
        });
    }
    while let Some(done) = jobs.join_next().await {
        done.map_err(|e| Error::Internal(e.to_string()))??;
    }
    Ok(BenchSeeded {
        customers: made.len(),
        tickets,
        seconds: started.elapsed().as_secs_f64(),
    })
}
