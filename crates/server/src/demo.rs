//! Data that is not the customers' own: a realistic demo data set, loaded by
//! `serve --demo` on an empty database so a newcomer sees a living service desk, and a
//! bulk data set for load tests (`sanbao bench-seed`, used by `bench/load.sh`).
//!
//! Both go through the same doors as real work: the demo through the use cases (with the
//! role of whoever would have done each step, at the moment it would have been done), the
//! bulk set through the store's `create_ticket`. Deadlines are never computed here: the
//! domain computes them from each ticket's kind, region and time of receipt.

use crate::app;
use crate::app::customers::CorrectionInput;
use crate::state::AppState;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sanbao_domain::customer::{ContactInput, CustomerFields, CustomerInput};
use sanbao_domain::ticket::{Channel, EventInput, EventType, NewTicket, TicketInput, TicketKind};
use sanbao_domain::user::{NewUser, User};
use sanbao_domain::{CustomerId, Error, Region, Role, time};
use sanbao_store::CustomerFilter;
use std::sync::Arc;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sanbao-demo";

/// Load the demo data unless the database already has customers.
pub async fn load_if_empty(state: &AppState) -> Result<(), String> {
    match load(state, Utc::now()).await {
        Ok(Some(summary)) => {
            println!("{summary}");
            Ok(())
        }
        Ok(None) => {
            tracing::info!("database already has customers: demo data not loaded");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Load the demo data as if `now` were the present, unless the database already has
/// customers. Returns what to tell the person who asked for it (the accounts and their
/// password), or `None` when nothing was loaded.
pub async fn load(state: &AppState, now: DateTime<Utc>) -> Result<Option<String>, Error> {
    if has_customers(state).await? {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let staff = Staff::create(state, now).await?;
    let customers = create_customers(state, &staff, now).await?;
    let tickets = create_tickets(state, &staff, &customers, now).await?;
    tracing::info!(
        customers = customers.len(),
        tickets,
        ms = started.elapsed().as_millis(),
        "demo data loaded"
    );
    let mut out = format!(
        "\n  Demo data loaded: {} customers, {tickets} tickets.\n  Demo accounts, each with the password \"{DEMO_PASSWORD}\":\n",
        customers.len()
    );
    for (p, user) in staff.users.iter().enumerate() {
        let name = STAFF.get(p).map_or("", |s| s.2);
        out.push_str(&format!(
            "    {:<14} {:<17} {name}\n",
            user.username,
            user.role.as_str()
        ));
    }
    Ok(Some(out))
}

async fn has_customers(state: &AppState) -> Result<bool, Error> {
    Ok(!state
        .db
        .customers(&CustomerFilter::default(), 1, None)
        .await?
        .is_empty())
}

// ---------------------------------------------------------------------------------------
// Staff

/// A member of the demo staff; the discriminant indexes [`STAFF`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    Manager,
    Clerk1,
    Clerk2,
    Engineer,
    Tech1,
    Tech2,
    Tech3,
    Sales1,
    Sales2,
    Quality,
}

/// (who, user name, name shown, role)
const STAFF: [(P, &str, &str, &str); 10] = [
    (P::Manager, "chen.jianguo", "陈建国", "service_manager"),
    (P::Clerk1, "wang.li", "王丽", "service_clerk"),
    (P::Clerk2, "zhao.min", "赵敏", "service_clerk"),
    (P::Engineer, "liu.zhiqiang", "刘志强", "senior_engineer"),
    (P::Tech1, "zhang.wei", "张伟", "technician"),
    (P::Tech2, "li.qiang", "李强", "technician"),
    (P::Tech3, "sun.hao", "孙浩", "technician"),
    (P::Sales1, "huang.lei", "黄磊", "salesperson"),
    (P::Sales2, "xu.jing", "徐静", "salesperson"),
    (P::Quality, "zheng.hua", "郑华", "quality_engineer"),
];

struct Staff {
    /// In the order of [`STAFF`].
    users: Vec<User>,
}

impl Staff {
    /// Create the accounts (hashing the passwords in parallel: Argon2 is slow on purpose).
    /// An account whose name is already taken is reused as it is.
    async fn create(state: &AppState, now: DateTime<Utc>) -> Result<Staff, Error> {
        let mut jobs = tokio::task::JoinSet::new();
        for (i, (_, username, display_name, role)) in STAFF.iter().enumerate() {
            let state = state.clone();
            jobs.spawn(async move {
                if let Some((user, _)) = state.db.user_for_login(username).await? {
                    return Ok((i, user));
                }
                let new = NewUser::parse(username, display_name, role, DEMO_PASSWORD)?;
                app::users::add_user(&state, &new, DEMO_PASSWORD, now)
                    .await
                    .map(|u| (i, u))
            });
        }
        let mut users: Vec<Option<User>> = vec![None; STAFF.len()];
        while let Some(done) = jobs.join_next().await {
            let (i, user) = done.map_err(|e| Error::Internal(e.to_string()))??;
            if let Some(slot) = users.get_mut(i) {
                *slot = Some(user);
            }
        }
        let users = users
            .into_iter()
            .collect::<Option<Vec<User>>>()
            .ok_or_else(|| Error::Internal("a demo account was not created".into()))?;
        Ok(Staff { users })
    }

    fn get(&self, p: P) -> &User {
        // Every member of `P` has its row in STAFF, and `create` filled every row.
        &self.users[p as usize]
    }

    /// The desk takes calls in turns.
    fn clerk(&self, turn: usize) -> &User {
        self.get(if turn.is_multiple_of(2) {
            P::Clerk1
        } else {
            P::Clerk2
        })
    }
}

// ---------------------------------------------------------------------------------------
// Customers

struct DemoCustomer {
    name: &'static str,
    address: &'static str,
    salesperson: Option<P>,
    notes: Option<&'static str>,
    /// (name, position, phone, e-mail)
    contacts: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// A hand correction of the derived region: (region, reason).
    correction: Option<(&'static str, &'static str)>,
}

const fn c(
    name: &'static str,
    address: &'static str,
    salesperson: Option<P>,
    contacts: &'static [(&'static str, &'static str, &'static str, &'static str)],
) -> DemoCustomer {
    DemoCustomer {
        name,
        address,
        salesperson,
        notes: None,
        contacts,
        correction: None,
    }
}

const fn noted(mut customer: DemoCustomer, notes: &'static str) -> DemoCustomer {
    customer.notes = Some(notes);
    customer
}

/// The archive: Hangzhou's urban districts (0–10, 24), elsewhere in Zhejiang (11–17, 25),
/// other provinces (18–22), an address that does not tell (23), one corrected by hand (24).
const CUSTOMERS: [DemoCustomer; 26] = [
    noted(
        c(
            "钱江新城之江110kV变电站（杭州城投能源有限公司）",
            "浙江省杭州市上城区钱江路1366号",
            Some(P::Sales1),
            &[
                ("周建平", "站长", "0571-8702 3316", ""),
                ("吴海涛", "运维班长", "139 5718 2046", ""),
            ],
        ),
        "2019 年整站 10kV 开关柜由我司供货：KYN28A-12 共 36 面。",
    ),
    noted(
        c(
            "杭州东站枢纽10kV开关站",
            "杭州市江干区天城路1号",
            Some(P::Sales1),
            &[("钱立新", "电气主管", "0571-8683 1120", "")],
        ),
        "档案地址为 2021 年区划调整前的江干区（现属上城区）。",
    ),
    noted(
        c(
            "杭州城北人民医院",
            "杭州市下城区中山北路632号",
            Some(P::Sales2),
            &[
                ("沈国华", "总务科科长", "0571-8580 6601", "shengh@hzcbyy.cn"),
                ("邵敏", "设备科", "137 7718 5520", ""),
                ("值班电工", "配电室", "0571-8580 6699", ""),
            ],
        ),
        "手术室 IT 隔离电源；计划停电须提前三天书面通知总务科。",
    ),
    noted(
        c(
            "杭州濱江雲谷數據中心",
            "浙江省杭州市濱江區長河街道江南大道3850號",
            Some(P::Sales2),
            &[
                (
                    "林志豪",
                    "機電經理",
                    "+86 138 0571 6622",
                    "lin.zhihao@yungu-dc.com",
                ),
                ("陳怡君", "值班主管", "0571-8771 0203", ""),
            ],
        ),
        "客户档案由台资母公司提供，名称与地址为繁体。",
    ),
    c(
        "杭州萧山恒丰纺织有限公司",
        "杭州市萧山区经济技术开发区建设四路1288号",
        Some(P::Sales1),
        &[("陆志刚", "动力车间主任", "135 8816 4402", "")],
    ),
    noted(
        c(
            "杭州未来科技城云枢数据中心",
            "杭州市余杭区五常街道文一西路1818号",
            Some(P::Sales2),
            &[
                ("何俊", "运维经理", "186 5710 3398", "hejun@yunshu-idc.com"),
                ("朱丽", "值班长", "0571-8898 2210", ""),
            ],
        ),
        "A/B 双路 10kV 进线，2N UPS。",
    ),
    c(
        "临平新城万联购物中心",
        "杭州市临平区南苑街道迎宾路366号",
        Some(P::Sales1),
        &[("孔令伟", "工程部经理", "0571-8618 7733", "")],
    ),
    noted(
        c(
            "杭州钱塘华元制药有限公司",
            "杭州市钱塘区下沙街道6号大街452号",
            Some(P::Sales2),
            &[
                ("冯涛", "设备部经理", "0571-8691 5506", ""),
                (
                    "韩雪",
                    "电气工程师",
                    "158 6712 9031",
                    "hanxue@huayuan-pharma.com",
                ),
            ],
        ),
        "GMP 洁净车间，停电窗口须提前与生产部确认。",
    ),
    c(
        "杭州西溪云城购物中心",
        "杭州市西湖区文二西路551号",
        Some(P::Sales1),
        &[("曹明", "物业工程总监", "0571-8526 1188", "")],
    ),
    noted(
        c(
            "杭州水务祥园水厂",
            "杭州市拱墅区祥符街道莫干山路1699号",
            Some(P::Sales2),
            &[
                ("蒋伟", "电气班长", "0571-8812 4470", ""),
                ("杨帆", "厂长助理", "139 0650 1173", ""),
            ],
        ),
        "一级负荷，双电源供电。",
    ),
    c(
        "杭州富春江纸业有限公司",
        "杭州市富阳区东洲街道江滨西大道57号",
        Some(P::Sales1),
        &[("许建华", "动力科科长", "0571-6332 1045", "")],
    ),
    c(
        "宁波北仑港第三集装箱码头有限公司",
        "浙江省宁波市北仑区新碶街道明州路1号",
        Some(P::Sales2),
        &[
            ("郑海波", "机电部主管", "0574-8688 1200", ""),
            ("徐斌", "值班电工", "136 5748 2293", ""),
        ],
    ),
    c(
        "乐清市柳江电器有限公司",
        "浙江省温州市乐清市柳市镇柳青北路88号",
        Some(P::Sales1),
        &[("叶晓东", "厂长", "0577-6278 3350", "")],
    ),
    c(
        "绍兴柯桥华舜印染有限公司",
        "绍兴市柯桥区滨海工业区兴滨路1号",
        Some(P::Sales2),
        &[
            ("谢永强", "设备科", "0575-8412 6678", ""),
            ("潘丽萍", "采购", "133 5751 8802", ""),
        ],
    ),
    c(
        "桐庐县城南人民医院",
        "浙江省杭州市桐庐县城南街道迎春南路228号",
        Some(P::Sales1),
        &[("方国庆", "后勤保障部", "0571-6462 1180", "")],
    ),
    c(
        "建德新安江第二水厂",
        "杭州市建德市新安江街道白沙路9号",
        Some(P::Sales2),
        &[("邱建军", "厂长", "0571-6471 2201", "")],
    ),
    c(
        "海宁皮革城东区商场",
        "浙江省海宁市海州西路201号",
        Some(P::Sales1),
        &[
            ("马骏", "工程部", "0573-8721 9902", ""),
            ("顾佳", "值班室", "0573-8721 9900", ""),
        ],
    ),
    c(
        "长兴天和蓄电池有限公司",
        "浙江省湖州市长兴县雉城街道明珠路1号",
        Some(P::Sales2),
        &[("钟华", "能源管理部", "0572-6023 5501", "")],
    ),
    noted(
        c(
            "苏州工业园区芯源半导体有限公司",
            "江苏省苏州市工业园区星湖街328号",
            Some(P::Sales1),
            &[
                (
                    "陈思远",
                    "厂务经理",
                    "0512-6288 7720",
                    "chensy@xinyuan-semi.com",
                ),
                ("王磊", "厂务工程师", "150 6213 4478", ""),
            ],
        ),
        "洁净厂房，对电压暂降敏感。",
    ),
    c(
        "上海张江云海数据中心",
        "上海市浦东新区张江高科技园区碧波路690号",
        Some(P::Sales2),
        &[(
            "赵晨",
            "基础设施经理",
            "021-5080 3316",
            "zhao.chen@yunhai-dc.com",
        )],
    ),
    c(
        "合肥蜀山康复医院",
        "安徽省合肥市蜀山区长江西路100号",
        Some(P::Sales1),
        &[("李国栋", "总务处", "0551-6528 4401", "")],
    ),
    c(
        "厦门湖滨万象商业广场",
        "福建省厦门市思明区湖滨南路1号",
        Some(P::Sales2),
        &[
            ("黄志明", "工程经理", "0592-533 6218", ""),
            ("蔡晓燕", "物业客服", "0592-533 6200", ""),
        ],
    ),
    c(
        "东莞松湖精密电子有限公司",
        "广东省东莞市松山湖高新区工业北路6号",
        Some(P::Sales1),
        &[("刘伟强", "厂务主管", "0769-2289 3301", "")],
    ),
    noted(
        c(
            "浙江中恒建设集团 城东快速路三标段项目部",
            "开发区纬三路与经五路交叉口施工现场",
            Some(P::Sales2),
            &[("包建军", "项目电气负责人", "138 6800 4471", "")],
        ),
        "工地临时用电。地址只写了路口，区县待业务员补充；到场时限暂按最严的 1 小时计。",
    ),
    DemoCustomer {
        correction: Some((
            "hangzhou_urban",
            "经济技术开发区现属钱塘区（杭州市区）；地址未写区名，已电话与客户核实。",
        )),
        ..c(
            "杭州下沙恒瑞精密机械有限公司",
            "杭州市经济技术开发区12号大街288号",
            Some(P::Sales1),
            &[("程斌", "设备主管", "0571-8672 5519", "")],
        )
    },
    c(
        "台州路桥汇通汽配有限公司",
        "浙江省台州市路桥区路桥大道1号",
        None,
        &[("林海", "电工", "0576-8233 1020", "")],
    ),
];

/// A customer as the tickets need it.
struct Created {
    id: CustomerId,
    salesperson: Option<P>,
}

fn customer_input(d: &DemoCustomer, staff: &Staff) -> CustomerInput {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    CustomerInput {
        name: d.name.into(),
        address: d.address.into(),
        salesperson_id: d.salesperson.map(|p| staff.get(p).id),
        notes: d.notes.map(str::to_string),
        contacts: d
            .contacts
            .iter()
            .map(|(name, position, phone, email)| ContactInput {
                name: (*name).into(),
                phone: opt(phone),
                email: opt(email),
                position: opt(position),
            })
            .collect(),
    }
}

/// The desk recorded the customers over the last two years; the one whose address does
/// not tell its district was corrected by the manager the day after.
async fn create_customers(
    state: &AppState,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Vec<Created>, Error> {
    let mut out = Vec::with_capacity(CUSTOMERS.len());
    let mut at = now - Duration::days(730);
    for (i, d) in CUSTOMERS.iter().enumerate() {
        at += Duration::days(25) + Duration::minutes(97 * i as i64 % 480);
        let input = customer_input(d, staff);
        let clerk = staff.clerk(i);
        let customer =
            app::customers::create_customer(state, clerk, &input, &CorrectionInput::default(), at)
                .await?;
        if let Some((region, reason)) = d.correction {
            let correction = CorrectionInput {
                region: Some(region.into()),
                reason: Some(reason.into()),
            };
            app::customers::update_customer(
                state,
                staff.get(P::Manager),
                customer.id,
                customer.version,
                &input,
                &correction,
                at + Duration::days(1),
            )
            .await?;
        }
        out.push(Created {
            id: customer.id,
            salesperson: d.salesperson,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Tickets

/// When a contact came in.
#[derive(Debug, Clone, Copy)]
enum When {
    /// This many minutes before now: the live part of the desk.
    Ago(i64),
    /// `days` calendar days ago (company time), at `hour:minute`.
    Day(i64, u32, u32),
}

/// One step of a ticket's workflow. Who records it follows the permissions: the desk
/// assigns and dispatches, the manager owns complaints and closes, the senior engineer
/// replies, the technician sent to site checks in.
#[derive(Debug, Clone, Copy)]
enum Step {
    Assign(P),
    Opinion(P, &'static str),
    Reply(&'static str),
    Dispatch(P),
    CheckIn,
    Note(P, &'static str),
    Resolve(P, &'static str),
    Close,
    Reopen(&'static str),
    Cancel(P, &'static str),
}

struct DemoTicket {
    when: When,
    kind: TicketKind,
    channel: Channel,
    customer: usize,
    unit: Option<&'static str>,
    summary: &'static str,
    /// Minutes after the contact was received, and what happened.
    steps: &'static [(i64, Step)],
}

use Channel as Ch;
use Step::{Assign, Cancel, CheckIn, Close, Dispatch, Note, Opinion, Reopen, Reply, Resolve};
use TicketKind as K;
use When::{Ago, Day};

const fn t(
    when: When,
    kind: TicketKind,
    channel: Channel,
    customer: usize,
    unit: Option<&'static str>,
    summary: &'static str,
    steps: &'static [(i64, Step)],
) -> DemoTicket {
    DemoTicket {
        when,
        kind,
        channel,
        customer,
        unit,
        summary,
        steps,
    }
}

/// Ten days of the service desk. The first eleven are live: due within the hour, pending,
/// breached. The rest came in on earlier days and were met on time, met late, closed,
/// reopened or cancelled.
const TICKETS: [DemoTicket; 62] = [
    // --- live: received in the last 30 hours, deadlines running relative to now
    t(
        Ago(25),
        K::Emergency,
        Ch::Phone,
        0,
        Some("KYN28A-12 #2011-0345（Ⅱ段进线柜）"),
        "10kV Ⅱ段进线柜断路器跳闸，Ⅱ段母线失电，现场无法合闸",
        &[
            (3, Dispatch(P::Tech1)),
            (
                6,
                Note(
                    P::Clerk1,
                    "已电话告知值班员先断开Ⅱ段各出线开关，等待技术员到场",
                ),
            ),
        ],
    ),
    t(
        Ago(80),
        K::ComplaintQuality,
        Ch::Phone,
        3,
        Some("KYN28A-12 #2024-1107（3# 出线柜）"),
        "开关柜局放告警：3# 出线柜在线监测局放值持续升高，投运不足三个月，要求查明原因",
        &[(10, Assign(P::Quality))],
    ),
    t(
        Ago(50),
        K::Consultation,
        Ch::Phone,
        8,
        Some("GCS 低压柜（1# 变压器低压侧）"),
        "合同外加装电容柜咨询：商场扩容后功率因数仅 0.82，拟增加约 200kvar 无功补偿",
        &[(6, Assign(P::Engineer))],
    ),
    t(
        Ago(300),
        K::Correspondence,
        Ch::Email,
        19,
        Some("SCB13-1000/10 #2023-0412"),
        "邮件索取 SCB13-1000/10 干式变压器出厂试验报告及型式试验报告，供电局验收需要",
        &[],
    ),
    t(
        Ago(180),
        K::Emergency,
        Ch::Phone,
        18,
        Some("GCS 低压柜 2# 进线（MT25 框架断路器）"),
        "洁净厂房 2# 变压器低压总开关跳闸，两条生产线停机",
        &[
            (8, Dispatch(P::Engineer)),
            (
                40,
                Note(
                    P::Engineer,
                    "已乘高铁出发，预计四小时内到达；已电话指导客户查看脱扣器故障指示",
                ),
            ),
        ],
    ),
    t(
        Ago(1200),
        K::ComplaintOther,
        Ch::Phone,
        13,
        None,
        "上次维修后技术员未清理现场，遗留旧电缆头和包装材料，客户不满",
        &[(30, Assign(P::Manager))],
    ),
    t(
        Ago(540),
        K::Emergency,
        Ch::Phone,
        11,
        Some("XGN15-12 环网柜（3# 岸桥馈线）"),
        "值班电工不会操作环网柜倒闸，3# 岸桥停电",
        &[
            (15, Dispatch(P::Tech2)),
            (
                200,
                Note(
                    P::Tech2,
                    "高速事故拥堵；已电话指导值班电工按操作票倒闸，仍需到场检查",
                ),
            ),
        ],
    ),
    t(
        Ago(960),
        K::Consultation,
        Ch::Phone,
        16,
        Some("S13-M-1250/10 油浸变压器"),
        "变压器能否短时过载 120% 运行？节日促销期间商场负荷增大",
        &[],
    ),
    t(
        Ago(40),
        K::Repair,
        Ch::Phone,
        9,
        Some("WXH-822 微机综保装置（10kV 各回路）"),
        "综保装置通讯中断，后台无法读取 10kV 各回路遥测遥信",
        &[],
    ),
    t(
        Ago(130),
        K::ComplaintQuality,
        Ch::Phone,
        20,
        Some("SCB13-1000/10 #2023-0588"),
        "变压器温升异常：满载时绕组温度达 135℃，温控器频繁超温报警",
        &[
            (20, Assign(P::Quality)),
            (
                100,
                Opinion(
                    P::Quality,
                    "初步判断为风机控制回路故障，强迫风冷未启动；派技术员现场检查温控器与风机，必要时更换温控器，三包期内费用由我方承担",
                ),
            ),
            (105, Dispatch(P::Tech3)),
        ],
    ),
    t(
        Ago(1800),
        K::Correspondence,
        Ch::Letter,
        21,
        Some("KYN28A-12（2022 年供货）"),
        "来函询问保修期：2022 年 6 月投运的 KYN28A-12 开关柜是否仍在三包期内",
        &[(60, Assign(P::Engineer))],
    ),
    t(
        Ago(240),
        K::Emergency,
        Ch::Phone,
        12,
        Some("S13-M-800/10 油浸变压器"),
        "1# 变压器重瓦斯保护动作跳闸，车间停产",
        &[(6, Dispatch(P::Tech3)), (170, CheckIn)],
    ),
    t(
        Ago(420),
        K::Consultation,
        Ch::Phone,
        14,
        None,
        "更换电流互感器后电能表倍率如何设置",
        &[
            (10, Assign(P::Engineer)),
            (
                25,
                Reply(
                    "倍率 = 电流互感器变比 × 电压互感器变比；更换为 200/5 后倍率为 40 × 100 = 4000，需在电能表参数中同步修改",
                ),
            ),
            (30, Resolve(P::Engineer, "客户确认已修改，读数正常")),
        ],
    ),
    t(
        Ago(90),
        K::TechnicalGuidance,
        Ch::Phone,
        17,
        Some("TBB 电容补偿柜"),
        "新投运电容补偿柜自动投切参数设置指导",
        &[],
    ),
    t(
        Ago(200),
        K::Installation,
        Ch::Salesperson,
        22,
        Some("GCS 低压柜 × 12 面"),
        "新厂房 GCS 低压柜 12 面到货，申请安装",
        &[],
    ),
    t(
        Ago(660),
        K::ComplaintQuality,
        Ch::Phone,
        7,
        Some("GCS 低压柜（洁净车间配电）"),
        "洁净车间配电柜接地故障报警，质疑柜内接线工艺",
        &[
            (10, Assign(P::Quality)),
            (
                150,
                Opinion(
                    P::Quality,
                    "派技术员现场排查接线；如确认为我方接线工艺问题，免费整改并纳入月度质量分析",
                ),
            ),
            (160, Dispatch(P::Tech1)),
            (230, CheckIn),
            (
                400,
                Resolve(
                    P::Tech1,
                    "N 线与 PE 线在柜内错接，已改正并做绝缘测试；属我方装配问题",
                ),
            ),
        ],
    ),
    t(
        Ago(45),
        K::ComplaintOther,
        Ch::Phone,
        19,
        None,
        "上次调试遗留的后台通讯报警至今未处理，客户要求书面说明",
        &[],
    ),
    t(
        Ago(100),
        K::Correspondence,
        Ch::Letter,
        23,
        Some("YBM 箱式变电站 630kVA"),
        "来函要求提供箱变产品合格证及三包凭证复印件",
        &[(10, Assign(P::Engineer))],
    ),
    // --- yesterday
    t(
        Day(1, 9, 12),
        K::Emergency,
        Ch::Phone,
        4,
        Some("GCS 低压柜 1# 进线（ME 3200A）"),
        "纺织车间 1# 变压器低压侧总开关跳闸，整条生产线停电",
        &[
            (4, Dispatch(P::Tech1)),
            (42, CheckIn),
            (
                95,
                Note(
                    P::Tech1,
                    "检查为下级馈线短路越级跳闸，已隔离故障回路，先恢复其余回路供电",
                ),
            ),
            (
                130,
                Resolve(
                    P::Tech1,
                    "更换损坏的馈线抽屉单元断路器，校核并调整进线开关短延时定值，恢复全部送电",
                ),
            ),
        ],
    ),
    t(
        Day(1, 14, 30),
        K::Emergency,
        Ch::Phone,
        14,
        Some("KYN28A-12 #2019-0712（门诊楼进线柜）"),
        "门诊楼配电室 10kV 开关柜冒烟，已紧急停运，由发电机临时供电",
        &[
            (6, Dispatch(P::Tech2)),
            (150, CheckIn),
            (
                300,
                Resolve(
                    P::Tech2,
                    "电缆头制作工艺不良引起沿面放电；重做电缆终端头，耐压试验合格后恢复送电",
                ),
            ),
            (330, Close),
        ],
    ),
    t(
        Day(1, 10, 5),
        K::ComplaintQuality,
        Ch::Phone,
        5,
        Some("VS1-12 真空断路器（KYN28A-12 #2022-0233）"),
        "断路器合闸线圈烧毁，同一台断路器半年内第二次发生",
        &[
            (15, Assign(P::Manager)),
            (
                190,
                Opinion(
                    P::Manager,
                    "按产品质量问题处理：免费更换合闸线圈及辅助开关，旧件送质量部做失效分析，三个工作日内给出结论",
                ),
            ),
            (200, Dispatch(P::Tech1)),
            (260, CheckIn),
            (
                330,
                Resolve(
                    P::Tech1,
                    "更换合闸线圈及辅助开关，分合闸操作 20 次正常，旧件已带回",
                ),
            ),
        ],
    ),
    t(
        Day(1, 8, 10),
        K::Emergency,
        Ch::Phone,
        21,
        Some("消防泵控制柜（双电源切换）"),
        "商场消防泵控制柜双电源切换失败，消防验收受影响",
        &[
            (10, Dispatch(P::Tech3)),
            (380, CheckIn),
            (
                600,
                Resolve(
                    P::Tech3,
                    "双电源切换开关控制器损坏，更换控制器并做切换试验 5 次正常",
                ),
            ),
        ],
    ),
    t(
        Day(1, 13, 20),
        K::Repair,
        Ch::Phone,
        2,
        Some("IT 隔离电源柜（3# 手术室）"),
        "手术室 IT 隔离电源柜绝缘监测仪频繁报警",
        &[
            (20, Dispatch(P::Tech1)),
            (100, CheckIn),
            (
                200,
                Resolve(
                    P::Tech1,
                    "绝缘监测仪采样线接触不良，重新压接并校验，报警消除",
                ),
            ),
            (240, Close),
        ],
    ),
    t(
        Day(1, 11, 0),
        K::Training,
        Ch::Visit,
        20,
        None,
        "来厂培训：医院电工班低压柜日常维护培训（6 人）",
        &[
            (5, Assign(P::Engineer)),
            (
                30,
                Note(
                    P::Engineer,
                    "理论部分已完成，实操安排在次日上午，使用 GCS 抽屉单元样机",
                ),
            ),
        ],
    ),
    t(
        Day(1, 16, 0),
        K::Consultation,
        Ch::Email,
        3,
        Some("WXH-822 微机综保装置"),
        "綜保裝置 Modbus 點表及通訊參數諮詢",
        &[
            (20, Assign(P::Engineer)),
            (
                200,
                Reply("已邮件发送 Modbus-RTU 点表；默认 9600bps、8N1，装置地址按柜号设置"),
            ),
        ],
    ),
    t(
        Day(1, 8, 30),
        K::ReturnRequest,
        Ch::Phone,
        12,
        Some("BSMJ 自愈式电容器 × 6"),
        "退回多余的自愈式电容器 6 只",
        &[
            (30, Assign(P::Clerk1)),
            (
                90,
                Note(P::Sales1, "已与客户核对发货单，数量无误后安排退回"),
            ),
        ],
    ),
    // --- two days ago
    t(
        Day(2, 8, 40),
        K::Installation,
        Ch::Salesperson,
        7,
        Some("KYN28A-12 × 8 面（#2025-0301～0308）"),
        "新购 KYN28A-12 开关柜 8 面已到货就位，申请安装调试",
        &[
            (60, Assign(P::Tech2)),
            (120, Dispatch(P::Tech2)),
            (1450, CheckIn),
            (
                1970,
                Note(
                    P::Tech2,
                    "完成 8 面柜体拼装、母线连接及二次接线，次日做交接试验",
                ),
            ),
        ],
    ),
    t(
        Day(2, 13, 45),
        K::Correspondence,
        Ch::Email,
        18,
        Some("GCS 低压柜 2# 进线"),
        "邮件要求说明 3 月份 2# 进线柜跳闸事件的原因分析及整改措施",
        &[
            (20, Assign(P::Engineer)),
            (
                300,
                Reply(
                    "跳闸原因为电网电压暂降引起欠压脱扣器动作；建议将欠压脱扣改为延时型并加装电压暂降监测，详细分析报告见附件",
                ),
            ),
            (310, Resolve(P::Engineer, "分析报告已发送，客户确认收到")),
            (1200, Close),
        ],
    ),
    t(
        Day(2, 20, 30),
        K::Consultation,
        Ch::Phone,
        2,
        Some("SCB13-800/10 干式变压器温控箱"),
        "变压器温控器风机何时自动启动？夜间风机噪声影响病房",
        &[
            (780, Assign(P::Engineer)),
            (
                900,
                Reply(
                    "温控器出厂设定 110℃ 启动风机、90℃ 停止；可在不超过 100℃ 的前提下调整启停温度，另建议加装风机消声罩",
                ),
            ),
        ],
    ),
    t(
        Day(2, 2, 15),
        K::Emergency,
        Ch::Phone,
        1,
        Some("KYN28A-12（2# 进线柜）"),
        "开关站 2# 进线柜保护动作跳闸（夜间雷雨）",
        &[
            (8, Dispatch(P::Tech2)),
            (50, CheckIn),
            (
                140,
                Resolve(
                    P::Tech2,
                    "雷击过电压导致避雷器击穿，更换氧化锌避雷器，绝缘测试合格后恢复送电",
                ),
            ),
            (
                420,
                Note(P::Quality, "击穿的避雷器已送检，结果出来后补入月度质量分析"),
            ),
            (1800, Close),
        ],
    ),
    t(
        Day(2, 10, 0),
        K::ReturnRequest,
        Ch::Phone,
        8,
        Some("GCS 抽屉单元 × 2"),
        "合同外多发 2 台 GCS 抽屉单元，客户要求退回",
        &[
            (45, Assign(P::Clerk2)),
            (60, Note(P::Clerk2, "已联系物流安排上门取件")),
        ],
    ),
    t(
        Day(2, 9, 10),
        K::Repair,
        Ch::Phone,
        16,
        Some("GCS 低压柜（B2 配电室 #7）"),
        "商场 B2 配电室低压柜抽屉单元无法摇出",
        &[
            (40, Dispatch(P::Tech3)),
            (60, Note(P::Clerk2, "客户要求闭店后上门，时间另约")),
        ],
    ),
    t(
        Day(2, 15, 10),
        K::Consultation,
        Ch::Portal,
        24,
        Some("TBB 电容补偿柜"),
        "合同外加装电容柜咨询：询价 TBB 300kvar 电容补偿柜及交货期",
        &[
            (10, Assign(P::Engineer)),
            (
                240,
                Reply(
                    "推荐 TBB 300kvar 带 7% 串联电抗器方案，交货期约 25 天；报价由业务员另行提供",
                ),
            ),
            (250, Note(P::Sales1, "已发送正式报价单")),
            (260, Resolve(P::Engineer, "咨询已答复，转业务跟进")),
            (1200, Close),
        ],
    ),
    // --- three to five days ago
    t(
        Day(3, 11, 0),
        K::Training,
        Ch::Phone,
        0,
        None,
        "变电站值班人员开关柜操作与“五防”联锁培训（12 人）",
        &[
            (20, Assign(P::Engineer)),
            (30, Dispatch(P::Engineer)),
            (1320, CheckIn),
            (
                1560,
                Resolve(
                    P::Engineer,
                    "完成理论与实操培训，签到 12 人，考核合格 11 人；发放操作手册与五防联锁说明",
                ),
            ),
            (2820, Close),
        ],
    ),
    t(
        Day(3, 16, 10),
        K::Correspondence,
        Ch::Letter,
        12,
        Some("GCS 低压柜（2020 年供货）"),
        "来函询问保修期：2020 年投运的 GCS 低压柜更换抽屉单元是否免费",
        &[
            (1000, Assign(P::Engineer)),
            (
                1700,
                Reply(
                    "贵司 GCS 低压柜于 2020 年 9 月调试送电，三包期至 2022 年 9 月，现处于三年免费维修期内：因质量问题更换抽屉单元免费，人为损坏按成本价收取",
                ),
            ),
            (1720, Resolve(P::Engineer, "已书面回复并抄送业务员")),
        ],
    ),
    t(
        Day(3, 7, 50),
        K::Emergency,
        Ch::Phone,
        23,
        Some("YBM 箱式变电站 630kVA（工地临时用电）"),
        "工地临时箱变高压熔断器熔断，塔吊及施工照明停电",
        &[
            (5, Dispatch(P::Tech1)),
            (
                8,
                Note(
                    P::Clerk1,
                    "客户地址未写明所在区县，按最严 1 小时计；请业务员补充地址",
                ),
            ),
            (70, CheckIn),
            (
                120,
                Resolve(
                    P::Tech1,
                    "更换高压熔断器；检查发现低压侧长期过载，建议客户分流负荷或增容",
                ),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(3, 14, 30),
        K::Repair,
        Ch::Salesperson,
        13,
        None,
        "印染车间变频器柜散热风机损坏",
        &[
            (30, Assign(P::Clerk1)),
            (
                120,
                Cancel(
                    P::Manager,
                    "经核实为客户自购变频器，非我司供货产品，已告知业务员",
                ),
            ),
        ],
    ),
    t(
        Day(3, 9, 30),
        K::Emergency,
        Ch::Salesperson,
        16,
        Some("YBM 箱式变电站 800kVA（2# 箱变）"),
        "业务员报：皮革城 2# 箱变低压总开关跳闸，东区商铺停电",
        &[
            (15, Dispatch(P::Tech3)),
            (400, CheckIn),
            (
                480,
                Resolve(P::Tech3, "低压出线电缆接头过热短路，重新制作接头并恢复送电"),
            ),
        ],
    ),
    t(
        Day(4, 15, 20),
        K::TechnicalGuidance,
        Ch::Phone,
        15,
        Some("KYN28A-12（10kV 配电室）"),
        "新员工倒闸操作现场指导：新安江水厂 10kV 配电室停送电操作",
        &[
            (25, Assign(P::Tech3)),
            (30, Dispatch(P::Tech3)),
            (1060, CheckIn),
            (
                1300,
                Resolve(
                    P::Tech3,
                    "现场示范停送电操作 3 次，指导编写典型操作票，客户电工独立操作一次正确",
                ),
            ),
        ],
    ),
    t(
        Day(4, 9, 5),
        K::Consultation,
        Ch::Phone,
        10,
        Some("WXH-822 微机综保装置"),
        "综保装置过流定值如何修改？能否电话远程指导",
        &[
            (3, Assign(P::Engineer)),
            (
                45,
                Reply(
                    "已电话指导：进入“定值—保护定值”菜单，输入口令后修改过流Ⅱ段定值并固化；修改须依据供电局定值单",
                ),
            ),
            (
                50,
                Resolve(P::Engineer, "客户按指导修改完成并核对打印定值单"),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(4, 13, 0),
        K::TechnicalGuidance,
        Ch::Email,
        19,
        Some("GZDW-100AH/220V 直流屏"),
        "直流屏蓄电池核容试验指导",
        &[
            (30, Assign(P::Engineer)),
            (
                90,
                Note(
                    P::Engineer,
                    "已发送核容试验作业指导书，约定下周远程视频指导",
                ),
            ),
        ],
    ),
    t(
        Day(4, 10, 20),
        K::ComplaintOther,
        Ch::Portal,
        3,
        None,
        "客服电话多次无人接听，报修不便",
        &[
            (30, Assign(P::Manager)),
            (
                240,
                Opinion(
                    P::Manager,
                    "已调整值班表，增设 24 小时热线转接值班手机，并回电致歉",
                ),
            ),
            (250, Resolve(P::Manager, "已回电客户说明整改措施")),
        ],
    ),
    t(
        Day(5, 9, 30),
        K::ReturnRequest,
        Ch::Salesperson,
        22,
        Some("SCB13-1000/10 #2025-0117"),
        "到货 SCB13-1000/10 变压器联结组别为 Dyn11，合同要求 Yyn0，申请退货",
        &[
            (40, Assign(P::Manager)),
            (
                120,
                Note(P::Quality, "核对合同、图纸与出厂铭牌，确认为我方发货错误"),
            ),
            (
                240,
                Resolve(
                    P::Manager,
                    "同意退货；按合同重新排产 Yyn0 变压器，往返运费及吊装费由我方承担",
                ),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(5, 15, 0),
        K::Repair,
        Ch::Portal,
        19,
        Some("MNS 低压抽出式开关柜 #5（多功能电表）"),
        "低压柜多功能电表显示缺段，无法读取电量",
        &[
            (30, Assign(P::Clerk1)),
            (
                200,
                Note(
                    P::Engineer,
                    "判断为表计液晶故障；已寄出替换表计，待客户收到后安排更换",
                ),
            ),
        ],
    ),
    t(
        Day(5, 17, 20),
        K::ComplaintQuality,
        Ch::Phone,
        23,
        Some("YBM 箱式变电站 630kVA"),
        "箱变门锁锈蚀无法打开",
        &[
            (10, Assign(P::Manager)),
            (
                40,
                Cancel(P::Clerk1, "与同日另一张工单重复登记，已合并处理"),
            ),
        ],
    ),
    t(
        Day(5, 8, 0),
        K::TechnicalGuidance,
        Ch::Visit,
        7,
        None,
        "来访：变频器谐波对开关柜的影响及治理措施，样机演示",
        &[
            (5, Assign(P::Engineer)),
            (
                90,
                Resolve(P::Engineer, "演示有源滤波装置效果，提供谐波测试方案"),
            ),
            (1500, Close),
        ],
    ),
    // --- six to ten days ago
    t(
        Day(6, 10, 0),
        K::ReturnRequest,
        Ch::Letter,
        17,
        Some("TBB 电容补偿柜 #2024-0233"),
        "来函：电容补偿柜无法满足谐波治理要求，申请退回",
        &[
            (30, Assign(P::Manager)),
            (
                1500,
                Cancel(
                    P::Manager,
                    "客户来电撤回退货申请，改为加装串联电抗器，已另开工单",
                ),
            ),
        ],
    ),
    t(
        Day(6, 8, 20),
        K::Repair,
        Ch::Phone,
        6,
        Some("TBB 电容补偿柜 #2"),
        "电容补偿柜投切接触器频繁烧坏",
        &[
            (10, Dispatch(P::Tech3)),
            (150, CheckIn),
            (
                260,
                Resolve(
                    P::Tech3,
                    "将普通接触器更换为电容投切专用接触器 CJ19-63，并检查放电电阻正常",
                ),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(6, 10, 30),
        K::ComplaintQuality,
        Ch::Phone,
        9,
        Some("KYN28A-12 #2021-0518（3# 出线柜 CT）"),
        "3# 出线柜电流互感器二次开路烧毁，客户质疑产品质量",
        &[
            (10, Assign(P::Quality)),
            (
                80,
                Opinion(
                    P::Quality,
                    "先按质量问题处理，免费更换同型号互感器；同时检查二次回路端子，判定责任后在月度质量分析中归类",
                ),
            ),
            (90, Dispatch(P::Tech1)),
            (140, CheckIn),
            (
                300,
                Resolve(
                    P::Tech1,
                    "更换 LZZBJ9-10 电流互感器；发现端子排压接松动，已全部紧固",
                ),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(6, 15, 40),
        K::Installation,
        Ch::Phone,
        11,
        Some("KYN28A-12 × 2 面（扩建出线柜）"),
        "码头新增 KYN28A-12 出线柜 2 面扩建安装",
        &[
            (30, Assign(P::Tech2)),
            (1000, Dispatch(P::Tech2)),
            (1100, CheckIn),
            (
                1800,
                Resolve(P::Tech2, "两面出线柜拼柜、母线搭接及交接试验完成，已送电"),
            ),
        ],
    ),
    t(
        Day(7, 11, 20),
        K::ComplaintQuality,
        Ch::Email,
        16,
        Some("GCS 低压柜 × 6 面"),
        "新到货 GCS 低压柜柜门变形、面板划伤 3 处",
        &[
            (30, Assign(P::Quality)),
            (
                95,
                Opinion(
                    P::Quality,
                    "属运输包装问题，按质量问题处理：免费更换变形柜门，面板现场补漆，同时要求物流部加固包装",
                ),
            ),
            (100, Dispatch(P::Tech2)),
            (1400, CheckIn),
            (
                1500,
                Resolve(P::Tech2, "更换柜门两扇，面板补漆三处，客户验收签字"),
            ),
            (2900, Close),
        ],
    ),
    t(
        Day(7, 16, 0),
        K::Correspondence,
        Ch::Letter,
        15,
        None,
        "来函：要求提供 2019 年供货开关柜的备品备件清单及报价",
        &[
            (30, Assign(P::Engineer)),
            (
                1300,
                Reply("备品备件清单及报价已随函寄出，报价有效期 30 天"),
            ),
            (1310, Resolve(P::Engineer, "回函已寄出")),
            (2880, Close),
        ],
    ),
    t(
        Day(7, 13, 15),
        K::Repair,
        Ch::Phone,
        0,
        Some("SCB13-1000/10 温控箱（#1 主变）"),
        "#1 主变风冷控制箱风机不启动",
        &[
            (60, Dispatch(P::Tech1)),
            (180, CheckIn),
            (
                240,
                Resolve(
                    P::Tech1,
                    "温控器风机继电器触点烧蚀，更换继电器后风机启停正常",
                ),
            ),
            (1440, Close),
        ],
    ),
    t(
        Day(8, 14, 0),
        K::ComplaintOther,
        Ch::Phone,
        13,
        None,
        "发票迟迟未开具，影响项目结算",
        &[
            (20, Assign(P::Manager)),
            (
                300,
                Opinion(
                    P::Manager,
                    "已协调财务部三个工作日内开具增值税专用发票并快递，业务员跟进",
                ),
            ),
            (
                310,
                Resolve(P::Manager, "发票已开具寄出，快递单号已告知客户"),
            ),
            (4400, Close),
        ],
    ),
    t(
        Day(8, 9, 45),
        K::Consultation,
        Ch::Visit,
        18,
        None,
        "来访：洁净厂房扩建配电方案咨询，询问 2500kVA 干式变压器选型",
        &[
            (5, Assign(P::Engineer)),
            (
                40,
                Reply(
                    "建议选用 SCB13-2500/10 干式变压器配强迫风冷，低压侧采用 MNS 抽出式柜；已提供选型表与参考报价",
                ),
            ),
            (45, Resolve(P::Engineer, "来访登记完毕，问题与答复已归档")),
            (1440, Close),
        ],
    ),
    t(
        Day(8, 20, 10),
        K::Emergency,
        Ch::Phone,
        10,
        Some("KYN28A-12（10kV 进线柜）"),
        "10kV 进线柜真空断路器拒分，无法停电检修",
        &[
            (10, Dispatch(P::Tech2)),
            (55, CheckIn),
            (
                200,
                Resolve(
                    P::Tech2,
                    "分闸脱扣机构卡涩，清洗润滑并更换分闸弹簧，分合闸试验正常",
                ),
            ),
            (2000, Close),
        ],
    ),
    t(
        Day(9, 10, 30),
        K::ComplaintOther,
        Ch::Salesperson,
        11,
        None,
        "送货车辆未按约定时间到达，码头吊车台班费用增加",
        &[
            (60, Assign(P::Manager)),
            (
                900,
                Opinion(
                    P::Manager,
                    "承认物流延误，按合同约定承担一个台班的吊车费用，从尾款中抵扣",
                ),
            ),
            (1000, Resolve(P::Manager, "与客户签订费用抵扣确认单")),
            (1500, Close),
            (4400, Reopen("客户对费用分担金额仍有异议，需重新协商")),
        ],
    ),
    t(
        Day(9, 15, 30),
        K::Training,
        Ch::Salesperson,
        5,
        None,
        "数据中心运维团队中压开关柜操作培训",
        &[
            (60, Assign(P::Engineer)),
            (70, Dispatch(P::Engineer)),
            (1080, CheckIn),
            (
                1320,
                Resolve(
                    P::Engineer,
                    "完成 KYN28A-12 手车操作、接地开关联锁与应急分闸培训，8 人参加",
                ),
            ),
            (2800, Close),
        ],
    ),
    t(
        Day(9, 8, 30),
        K::Correspondence,
        Ch::Email,
        20,
        None,
        "邮件询问开关柜加装温度在线监测的可行性",
        &[(
            30,
            Cancel(
                P::Clerk2,
                "客户同一问题已电话咨询并已答复，此邮件不再单独回复",
            ),
        )],
    ),
    t(
        Day(9, 13, 0),
        K::Repair,
        Ch::Phone,
        21,
        Some("密集型母线槽插接箱（3F）"),
        "商场低压母线槽插接箱发热，红外测温 85℃",
        &[
            (60, Dispatch(P::Tech3)),
            (1440, CheckIn),
            (
                1600,
                Resolve(
                    P::Tech3,
                    "插接箱触头压力不足，更换插接箱并紧固搭接螺栓，复测温度正常",
                ),
            ),
            (2880, Close),
        ],
    ),
    t(
        Day(10, 14, 0),
        K::Emergency,
        Ch::Phone,
        5,
        Some("GCS 低压柜（UPS 输入柜）"),
        "数据中心 UPS 输入柜断路器脱扣，市电中断，UPS 电池供电中",
        &[
            (3, Dispatch(P::Tech3)),
            (48, CheckIn),
            (
                180,
                Resolve(
                    P::Tech3,
                    "脱扣器长延时设定偏低，与 UPS 启动冲击电流不匹配；调整长延时与瞬时定值后恢复",
                ),
            ),
            (1500, Close),
        ],
    ),
    t(
        Day(10, 9, 0),
        K::Installation,
        Ch::Phone,
        24,
        Some("YBM-630/10 箱式变电站"),
        "箱变 YBM-630 已就位，申请送电前调试",
        &[
            (30, Assign(P::Tech1)),
            (40, Dispatch(P::Tech1)),
            (1440, CheckIn),
            (
                1800,
                Resolve(
                    P::Tech1,
                    "完成箱变交接试验及送电，运行正常，客户签署调试报告",
                ),
            ),
            (2900, Close),
        ],
    ),
];

impl When {
    fn at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::Ago(minutes) => now - Duration::minutes(minutes),
            When::Day(days, hour, minute) => {
                let date = time::local_date(now) - Duration::days(days);
                date.and_hms_opt(hour, minute, 0)
                    .and_then(|local| time::company_offset().from_local_datetime(&local).single())
                    .map_or(now - Duration::days(days), |t| t.with_timezone(&Utc))
            }
        }
    }
}

fn event(ty: EventType) -> EventInput {
    EventInput {
        event_type: Some(ty),
        ..EventInput::default()
    }
}

/// Open every ticket at the moment its contact came in (oldest first, so numbers follow
/// time) and replay its steps at the moments they happened. Returns how many were opened.
async fn create_tickets(
    state: &AppState,
    staff: &Staff,
    customers: &[Created],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut order: Vec<(DateTime<Utc>, usize)> = TICKETS
        .iter()
        .enumerate()
        .map(|(i, d)| (d.when.at(now), i))
        .collect();
    order.sort();
    for (received_at, i) in order {
        let (Some(d), Some(customer)) = (
            TICKETS.get(i),
            TICKETS.get(i).and_then(|d| customers.get(d.customer)),
        ) else {
            continue;
        };
        let opener = match d.channel {
            Channel::Visit => staff.get(P::Engineer),
            Channel::Salesperson => staff.get(customer.salesperson.unwrap_or(P::Sales1)),
            _ => staff.clerk(i),
        };
        let input = TicketInput {
            kind: d.kind,
            channel: d.channel,
            customer_id: customer.id,
            unit_text: d.unit.map(str::to_string),
            summary: d.summary.into(),
            received_at,
        };
        let mut last = (received_at + Duration::minutes(1)).min(now);
        let mut ticket = app::tickets::open_ticket(state, opener, input, last).await?;
        for (minutes, step) in d.steps {
            // Never in the future, never before the previous step.
            let at = (received_at + Duration::minutes(*minutes))
                .min(now)
                .max(last);
            last = at;
            let (actor, input) = match *step {
                Step::Assign(p) => {
                    let by = if d.kind.is_complaint() {
                        staff.get(P::Manager)
                    } else {
                        staff.clerk(i)
                    };
                    let mut e = event(EventType::Assign);
                    e.assignee_id = Some(staff.get(p).id);
                    (by, e)
                }
                Step::Opinion(p, text) => {
                    let mut e = event(EventType::GiveOpinion);
                    e.opinion = Some(text.into());
                    (staff.get(p), e)
                }
                Step::Reply(text) => {
                    let mut e = event(EventType::Reply);
                    e.reply = Some(text.into());
                    (staff.get(P::Engineer), e)
                }
                Step::Dispatch(p) => {
                    let mut e = event(EventType::Dispatch);
                    e.technician_id = Some(staff.get(p).id);
                    (staff.clerk(i), e)
                }
                Step::CheckIn => {
                    // A technician checks in from the phone; a senior engineer sent to
                    // site reports by phone and the desk records it.
                    let on_site = staff
                        .users
                        .iter()
                        .find(|u| Some(u.id) == ticket.technician_id)
                        .filter(|u| u.role == Role::Technician);
                    let mut e = event(EventType::CheckIn);
                    e.at = Some(at);
                    (on_site.unwrap_or_else(|| staff.clerk(i)), e)
                }
                Step::Note(p, text) => {
                    let mut e = event(EventType::Note);
                    e.text = Some(text.into());
                    (staff.get(p), e)
                }
                Step::Resolve(p, text) => {
                    let mut e = event(EventType::Resolve);
                    e.resolution = Some(text.into());
                    (staff.get(p), e)
                }
                Step::Close => (staff.get(P::Manager), event(EventType::Close)),
                Step::Reopen(reason) => {
                    let mut e = event(EventType::Reopen);
                    e.reason = Some(reason.into());
                    (staff.get(P::Manager), e)
                }
                Step::Cancel(p, reason) => {
                    let mut e = event(EventType::Cancel);
                    e.reason = Some(reason.into());
                    (staff.get(p), e)
                }
            };
            ticket =
                app::tickets::record_event(state, actor, ticket.id, ticket.version, &input, at)
                    .await
                    .map_err(|e| {
                        Error::Internal(format!(
                            "demo ticket {i} ({}), step at +{minutes} min: {e}",
                            d.summary
                        ))
                    })?;
        }
    }
    Ok(TICKETS.len())
}

// ---------------------------------------------------------------------------------------
// Bulk data for load tests

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
    let now = Utc::now();
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
        let fields = CustomerFields::parse(&input)?;
        let c = state
            .db
            .create_customer(&fields, None, creator.id, now - Duration::days(400))
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
                    unit_text: Some(unit.into()),
                    summary: summary.into(),
                    received_at,
                };
                let created_at = received_at + Duration::minutes(2);
                let new = NewTicket::parse(input, region, creator, created_at.min(now))?;
                state.db.create_ticket(&new).await?;
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
