//! The translation catalogue: every string people read, in Simplified Chinese and English.
//!
//! Keys are in the domain's words (`kind.emergency`, `deadline.arrival`, `status.on_site`,
//! `err.required`), the same names the code, the database and the API use. A key missing
//! from the catalogue shows as itself (and a test makes sure none is missing).

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

/// The language a page is shown in. Simplified Chinese unless the person chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `zh` or `en`, as the language switch and its cookie carry it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == s.trim())
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The text for `key`; the key itself when the catalogue lacks it.
    pub fn t(self, key: &str) -> &str {
        match CATALOGUE_INDEX.get(key) {
            Some((zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key,
        }
    }

    /// Whether the catalogue has `key`.
    pub fn has(key: &str) -> bool {
        CATALOGUE_INDEX.contains_key(key)
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn f(self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }

    /// A span of time in words, to the minute: "35 分钟", "1 小时 5 分", "2 天 3 小时".
    pub fn duration(self, minutes: i64) -> String {
        let m = minutes.max(0);
        let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
        if d > 0 {
            self.f("dur.d_h", &[("d", &d), ("h", &h)])
        } else if h > 0 && min > 0 {
            self.f("dur.h_min", &[("h", &h), ("m", &min)])
        } else if h > 0 {
            self.f("dur.h", &[("h", &h)])
        } else {
            self.f("dur.min", &[("n", &min)])
        }
    }

    /// A validation problem's words: `err.CODE.FIELD` when the field has its own, else
    /// `err.CODE`. `field` is the API's name (`contacts[2].phone` reads as `phone`).
    pub fn problem(self, code: &str, field: &str) -> String {
        let base = field.rsplit('.').next().unwrap_or(field);
        let specific = format!("err.{code}.{base}");
        if Lang::has(&specific) {
            return self.t(&specific).to_string();
        }
        let general = format!("err.{code}");
        if Lang::has(&general) {
            self.t(&general).to_string()
        } else {
            self.t("err.invalid").to_string()
        }
    }
}

static CATALOGUE_INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| {
        CATALOGUE
            .iter()
            .map(|(k, zh, en)| (*k, (*zh, *en)))
            .collect()
    });

/// Key, Simplified Chinese, English.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    // The application and its frame.
    ("app.name", "三包售后服务", "Sanbao After-sales"),
    ("app.brand", "三包", "Sanbao"),
    ("app.tagline", "售后服务", "After-sales service"),
    ("app.skip", "跳到正文", "Skip to content"),
    ("nav.dashboard", "服务台", "Service desk"),
    ("nav.customers", "客户", "Customers"),
    ("nav.tickets", "工单", "Tickets"),
    ("nav.new_ticket", "+ 登记来电", "+ Record a contact"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.main", "主导航", "Main navigation"),
    ("lang.label", "语言", "Language"),
    ("lang.zh", "中文", "中文"),
    ("lang.en", "English", "English"),
    ("common.none", "—", "—"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.search", "搜索", "Search"),
    ("common.filter", "筛选", "Filter"),
    ("common.clear", "清除", "Clear"),
    ("common.next_page", "下一页 →", "Next page →"),
    ("common.first_page", "← 第一页", "← First page"),
    ("common.optional", "选填", "optional"),
    ("common.choose", "— 请选择 —", "— choose —"),
    ("common.colon", "：", ": "),
    (
        "common.form_has_errors",
        "表单有误，请按红色提示修改后再提交。",
        "Please correct the fields marked in red and submit again.",
    ),
    // Roles.
    ("role.admin", "系统管理员", "Administrator"),
    ("role.service_manager", "服务部经理", "Service manager"),
    ("role.service_clerk", "服务部文员", "Service clerk"),
    ("role.senior_engineer", "高级工程师", "Senior engineer"),
    ("role.technician", "技术员", "Technician"),
    ("role.salesperson", "业务员", "Salesperson"),
    ("role.quality_engineer", "质量工程师", "Quality engineer"),
    ("role.customer", "客户", "Customer"),
    // Regions (R3.4).
    ("region.hangzhou_urban", "杭州市区", "Hangzhou urban"),
    ("region.zhejiang", "浙江省内", "Zhejiang"),
    ("region.out_of_province", "浙江省外", "Outside Zhejiang"),
    ("region.unknown", "区域未知", "Region unknown"),
    ("region.corrected", "人工修正", "corrected"),
    (
        "region.corrected_title",
        "区域已人工修正",
        "The region was corrected by hand",
    ),
    // Ticket kinds.
    ("kind.consultation", "技术咨询", "Consultation"),
    ("kind.correspondence", "来函来信", "Correspondence"),
    ("kind.complaint_quality", "质量投诉", "Quality complaint"),
    ("kind.complaint_other", "其他投诉", "Other complaint"),
    ("kind.emergency", "紧急抢修", "Emergency"),
    ("kind.repair", "维修", "Repair"),
    ("kind.installation", "安装调试", "Installation"),
    ("kind.technical_guidance", "技术指导", "Technical guidance"),
    ("kind.training", "客户培训", "Training"),
    ("kind.return_request", "退货申请", "Return request"),
    // Channels.
    ("channel.phone", "电话", "Phone"),
    ("channel.email", "电子邮件", "E-mail"),
    ("channel.letter", "信函", "Letter"),
    ("channel.visit", "来访", "Visit"),
    ("channel.portal", "客户门户", "Customer portal"),
    ("channel.salesperson", "业务员转达", "Via salesperson"),
    // Ticket statuses.
    ("status.open", "待处理", "Open"),
    ("status.in_progress", "处理中", "In progress"),
    ("status.dispatched", "已派工", "Dispatched"),
    ("status.on_site", "已到场", "On site"),
    ("status.resolved", "已解决", "Resolved"),
    ("status.closed", "已关闭", "Closed"),
    ("status.cancelled", "已取消", "Cancelled"),
    (
        "status.all_open",
        "未结（全部进行中）",
        "Open (all still being worked on)",
    ),
    // Deadlines (R3.3–R3.7) and their states.
    (
        "deadline.handling_opinion",
        "处理意见时限",
        "Handling opinion",
    ),
    ("deadline.arrival", "到场时限", "Arrival on site"),
    ("deadline.reply", "答复时限", "Reply"),
    ("deadline_state.pending", "未到期", "Pending"),
    ("deadline_state.due_soon", "即将到期", "Due soon"),
    ("deadline_state.breached", "已超时", "Breached"),
    ("deadline_state.met", "按时完成", "Met"),
    ("deadline_state.met_late", "超时完成", "Met late"),
    ("deadline_state.void", "已作废", "Void"),
    ("deadline.left", "还剩 {d}", "{d} left"),
    ("deadline.overdue", "超时 {d}", "{d} overdue"),
    ("deadline.due_at", "{t} 到期", "due {t}"),
    ("deadline.met_at", "{t} 完成", "met {t}"),
    ("deadline.met_late_by", "晚了 {d}", "{d} late"),
    ("deadline.met_early_by", "提前 {d}", "{d} early"),
    ("deadline.due_label", "截止时间", "Due"),
    ("deadline.met_label", "完成时间", "Met at"),
    ("dur.min", "{n} 分钟", "{n} min"),
    ("dur.h", "{h} 小时", "{h} h"),
    ("dur.h_min", "{h} 小时 {m} 分", "{h} h {m} min"),
    ("dur.d_h", "{d} 天 {h} 小时", "{d} d {h} h"),
    // Sign in.
    ("login.title", "登录", "Sign in"),
    (
        "login.intro",
        "售后服务部工作系统",
        "For the after-sales service department",
    ),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.failed",
        "用户名或密码不正确。",
        "The user name or password is not correct.",
    ),
    (
        "login.too_many",
        "登录失败次数过多，请 {n} 秒后再试。",
        "Too many failed sign-ins. Please wait {n} seconds and try again.",
    ),
    (
        "login.expired",
        "登录页面已过期，请重新输入后登录。",
        "The sign-in page had expired. Please sign in again.",
    ),
    ("login.signed_out", "您已退出。", "You have signed out."),
    // The service desk (R6.1).
    ("dashboard.title", "服务台", "Service desk"),
    ("dashboard.breached", "已超时", "Breached"),
    (
        "dashboard.breached_hint",
        "时限已过仍未完成",
        "Past the deadline, not done",
    ),
    ("dashboard.due_soon", "1 小时内到期", "Due within the hour"),
    (
        "dashboard.due_soon_hint",
        "请优先处理",
        "Deal with these first",
    ),
    ("dashboard.open", "未结工单", "Open tickets"),
    (
        "dashboard.open_hint",
        "全部进行中的工作",
        "All work still going on",
    ),
    (
        "dashboard.by_deadline",
        "按时限排列的待办",
        "Open work by nearest deadline",
    ),
    (
        "dashboard.without_deadline",
        "无承诺时限的待办",
        "Open work without a deadline",
    ),
    (
        "dashboard.deadlines_met",
        "时限已达成、仍在处理",
        "Deadline met, still open",
    ),
    (
        "dashboard.empty_met",
        "没有已达成时限仍在处理的工单。",
        "No open work whose deadlines were all met.",
    ),
    ("dashboard.scope", "范围", "Showing"),
    ("dashboard.mine_only", "只看我的", "Mine only"),
    ("dashboard.everyone", "全部门", "Whole department"),
    (
        "dashboard.empty",
        "没有需要盯时限的工单。",
        "No open work with a deadline.",
    ),
    (
        "dashboard.empty_without",
        "没有其他待办工作。",
        "No other open work.",
    ),
    ("dashboard.as_of", "数据时间：{t}", "As of {t}"),
    // Columns.
    ("col.deadline", "时限", "Deadline"),
    ("col.ticket", "工单", "Ticket"),
    ("col.customer", "客户", "Customer"),
    ("col.kind", "类型", "Kind"),
    ("col.region", "区域", "Region"),
    ("col.people", "负责人 / 技术员", "Owner / technician"),
    ("col.status", "状态", "Status"),
    ("col.received", "接收时间", "Received"),
    ("col.summary", "内容", "Summary"),
    ("col.name", "客户名称", "Name"),
    ("col.contact", "主要联系人", "Main contact"),
    ("col.salesperson", "业务员", "Salesperson"),
    ("col.open_tickets", "未结工单", "Open tickets"),
    ("col.address", "地址", "Address"),
    // Customers (R5.2).
    ("customers.title", "客户档案", "Customers"),
    ("customers.q", "搜索客户", "Find a customer"),
    (
        "customers.q_placeholder",
        "名称、电话、地址或联系人",
        "Name, phone, address or contact",
    ),
    ("customers.region_any", "全部区域", "All regions"),
    ("customers.new", "新建客户", "New customer"),
    (
        "customers.none",
        "没有找到符合条件的客户。",
        "No customers match.",
    ),
    (
        "customers.count_page",
        "本页 {n} 位客户",
        "{n} customers on this page",
    ),
    ("customer.new_title", "新建客户档案", "New customer"),
    ("customer.edit_title", "修改客户档案", "Edit customer"),
    ("customer.section_basic", "基本信息", "Customer"),
    ("customer.name", "客户名称", "Customer name"),
    ("customer.address", "现场地址", "Site address"),
    (
        "customer.address_hint",
        "区域由地址自动判定（杭州市区 / 浙江省内 / 浙江省外），决定紧急抢修的到场时限。",
        "The region is derived from the address (Hangzhou urban / Zhejiang / outside Zhejiang); it sets an emergency's arrival deadline.",
    ),
    ("customer.salesperson", "业务员", "Salesperson"),
    ("customer.salesperson_none", "— 未指定 —", "— none —"),
    ("customer.notes", "备注", "Notes"),
    ("customer.contacts", "联系人", "Contacts"),
    (
        "customer.contacts_hint",
        "第一位为主要联系人；空行不会保存。",
        "The first is the main contact; empty rows are not saved.",
    ),
    ("customer.region_section", "区域修正", "Region correction"),
    ("customer.region_choice", "区域", "Region"),
    (
        "customer.region_derived_default",
        "按地址自动判定（默认）",
        "Derived from the address (default)",
    ),
    (
        "customer.region_reason",
        "修正原因",
        "Reason for the correction",
    ),
    (
        "customer.region_hint",
        "仅在地址无法正确判定时修正，并写明原因。",
        "Correct it only when the address misleads, and say why.",
    ),
    (
        "customer.conflict",
        "这份客户档案刚被其他人修改过，您的修改尚未保存。",
        "Someone else changed this customer meanwhile; your changes were not saved.",
    ),
    (
        "customer.conflict_hint",
        "请重新加载最新内容，再做修改。",
        "Reload the latest version, then make your change again.",
    ),
    ("customer.reload", "重新加载", "Reload"),
    ("customer.region", "区域", "Region"),
    (
        "customer.derived_from",
        "由地址中的“{place}”判定",
        "Derived from “{place}” in the address",
    ),
    (
        "customer.derived_none",
        "地址中没有可识别的地名，请核实或人工修正。",
        "The address names no place we recognise; check it or correct the region.",
    ),
    (
        "customer.derived_would_be",
        "按地址判定为：{region}",
        "The address alone gives: {region}",
    ),
    (
        "customer.correction_reason",
        "修正原因：{reason}",
        "Reason: {reason}",
    ),
    (
        "customer.arrival_promise",
        "紧急抢修到场时限：{h} 小时",
        "Emergency arrival deadline: {h} h",
    ),
    (
        "customer.tickets",
        "该客户的工单",
        "This customer's tickets",
    ),
    (
        "customer.record_contact",
        "为该客户登记来电",
        "Record a contact for this customer",
    ),
    ("customer.edit", "修改档案", "Edit"),
    ("customer.history", "档案变更记录", "Change history"),
    ("customer.history_action.create", "建档", "Created"),
    ("customer.history_action.update", "修改档案", "Edited"),
    (
        "customer.history_action.update_region",
        "修正区域",
        "Region corrected",
    ),
    ("customer.history_changed", "已更新", "changed"),
    ("customer.history_field.name", "客户名称", "Name"),
    ("customer.history_field.address", "现场地址", "Site address"),
    ("customer.history_field.region", "区域", "Region"),
    (
        "customer.history_field.region_correction",
        "区域修正",
        "Region correction",
    ),
    (
        "customer.history_field.salesperson_id",
        "业务员",
        "Salesperson",
    ),
    ("customer.history_field.notes", "备注", "Notes"),
    ("customer.history_field.contacts", "联系人", "Contacts"),
    ("customer.no_contacts", "暂无联系人。", "No contacts yet."),
    ("customer.no_tickets", "暂无工单。", "No tickets yet."),
    ("customer.saved", "客户档案已保存。", "Customer saved."),
    ("customer.updated_at", "最后修改：{t}", "Last changed {t}"),
    ("contact.row", "联系人 {n}", "Contact {n}"),
    ("contact.name", "姓名", "Name"),
    ("contact.phone", "电话", "Phone"),
    ("contact.email", "电子邮箱", "E-mail"),
    ("contact.position", "职务", "Position"),
    // Tickets.
    ("tickets.title", "工单", "Tickets"),
    ("tickets.q", "搜索", "Search"),
    (
        "tickets.q_placeholder",
        "工单号、客户或内容",
        "Number, customer or summary",
    ),
    ("tickets.kind_any", "全部类型", "All kinds"),
    ("tickets.status_any", "全部状态", "All statuses"),
    ("tickets.region_any", "全部区域", "All regions"),
    ("tickets.overdue", "只看已超时", "Overdue only"),
    ("tickets.none", "没有符合条件的工单。", "No tickets match."),
    ("ticket.new_title", "登记来电", "Record a contact"),
    ("ticket.step_customer", "1. 客户", "1. Customer"),
    ("ticket.step_details", "2. 来电内容", "2. The contact"),
    ("ticket.customer", "客户", "Customer"),
    (
        "ticket.find_customer",
        "查找客户（名称、电话、地址）",
        "Find the customer (name, phone, address)",
    ),
    ("ticket.pick", "选择", "Select"),
    ("ticket.change_customer", "更换客户", "Change customer"),
    ("ticket.no_match", "没有找到客户。", "No customer found."),
    (
        "ticket.new_customer_hint",
        "新客户？先建立客户档案。",
        "A new customer? Add them first.",
    ),
    (
        "ticket.pick_first",
        "请先选择客户。",
        "Select the customer first.",
    ),
    ("ticket.kind", "类型", "Kind"),
    ("ticket.channel", "来源渠道", "Channel"),
    ("ticket.received_at", "接收时间", "Received at"),
    (
        "ticket.received_hint",
        "北京时间；时限从此刻起算。",
        "China Standard Time; deadlines run from this moment.",
    ),
    (
        "ticket.unit_text",
        "设备（型号、出厂编号、柜号）",
        "Unit (model, serial number, cabinet)",
    ),
    ("ticket.summary", "内容摘要", "Summary"),
    (
        "ticket.summary_hint",
        "客户说了什么、现场情况、是否停电。",
        "What the customer said, the situation on site, whether power is lost.",
    ),
    ("ticket.submit", "登记", "Record"),
    (
        "ticket.promise_hint",
        "时限：质量投诉 2 小时内给处理意见，其他投诉 12 小时；技术咨询 12 小时内答复，来函 24 小时；紧急抢修到场 杭州市区 1 小时、浙江省内 6 小时、省外 12 小时。",
        "Deadlines: a quality complaint's handling opinion within 2 h, other complaints 12 h; consultations answered within 12 h, letters 24 h; emergencies on site within 1 h in Hangzhou's urban districts, 6 h elsewhere in Zhejiang, 12 h outside the province.",
    ),
    ("ticket.number", "工单号", "Ticket number"),
    ("ticket.deadlines", "承诺时限", "Deadlines"),
    (
        "ticket.no_deadlines",
        "此类工单没有承诺时限。",
        "This kind of ticket has no promised deadline.",
    ),
    ("ticket.details", "详情", "Details"),
    ("ticket.unit", "设备", "Unit"),
    ("ticket.opinion", "处理意见", "Handling opinion"),
    ("ticket.reply", "答复", "Reply"),
    ("ticket.resolution", "处理结果", "Resolution"),
    ("ticket.assignee", "负责人", "Owner"),
    ("ticket.technician", "技术员", "Technician"),
    ("ticket.site_region", "现场区域", "Site region"),
    ("ticket.created_by", "登记人", "Recorded by"),
    ("ticket.actions", "办理", "Next steps"),
    (
        "ticket.no_actions",
        "您的角色在此状态下没有可办理的步骤。",
        "There is nothing your role can do at this stage.",
    ),
    ("ticket.timeline", "处理记录", "Timeline"),
    ("ticket.done", "已记录：{event}", "Recorded: {event}"),
    (
        "ticket.created",
        "来电已登记为工单 {number}。",
        "The contact was recorded as ticket {number}.",
    ),
    ("ticket.print", "打印", "Print"),
    // Workflow steps: the timeline's words and the forms' buttons.
    ("event.create", "登记来电", "Contact recorded"),
    ("event.assign", "指派负责人", "Owner assigned"),
    (
        "event.give_opinion",
        "给出处理意见",
        "Handling opinion given",
    ),
    ("event.reply", "答复客户", "Reply sent"),
    ("event.dispatch", "派工", "Technician dispatched"),
    ("event.check_in", "到场签到", "Checked in on site"),
    ("event.note", "备注", "Note"),
    ("event.resolve", "解决", "Resolved"),
    ("event.close", "关闭", "Closed"),
    ("event.reopen", "重新打开", "Reopened"),
    ("event.cancel", "取消工单", "Cancelled"),
    ("event.update", "修改", "Changed"),
    ("action.assign", "指派负责人", "Assign an owner"),
    ("action.assign.submit", "指派", "Assign"),
    ("action.give_opinion", "处理意见", "Handling opinion"),
    (
        "action.give_opinion.submit",
        "提交处理意见",
        "Give the opinion",
    ),
    ("action.reply", "答复客户", "Reply to the customer"),
    ("action.reply.submit", "提交答复", "Send the reply"),
    ("action.dispatch", "派工", "Dispatch a technician"),
    ("action.dispatch.submit", "派工", "Dispatch"),
    ("action.check_in", "到场签到", "Check in on site"),
    (
        "action.check_in.submit",
        "技术员已到场",
        "Technician is on site",
    ),
    (
        "action.check_in.at",
        "到场时间（不填为现在）",
        "Arrived at (blank: now)",
    ),
    ("action.note", "添加备注", "Add a note"),
    ("action.note.submit", "保存备注", "Save the note"),
    ("action.resolve", "解决", "Resolve"),
    ("action.resolve.submit", "标记为已解决", "Mark as resolved"),
    ("action.close", "关闭工单", "Close the ticket"),
    ("action.close.submit", "关闭", "Close"),
    ("action.reopen", "重新打开", "Reopen"),
    ("action.reopen.submit", "重新打开", "Reopen"),
    ("action.cancel", "取消工单", "Cancel the ticket"),
    ("action.cancel.submit", "取消工单", "Cancel the ticket"),
    (
        "action.cancel.hint",
        "仅用于误登记或重复登记。",
        "Only for a contact recorded by mistake or twice.",
    ),
    ("action.pick_person", "— 请选择 —", "— choose —"),
    ("action.reason", "原因", "Reason"),
    ("action.text", "内容", "Text"),
    // Fields, as the timeline names what changed.
    ("field.status", "状态", "Status"),
    ("field.assignee_id", "负责人", "Owner"),
    ("field.technician_id", "技术员", "Technician"),
    ("field.opinion", "处理意见", "Handling opinion"),
    ("field.reply", "答复", "Reply"),
    ("field.resolution", "处理结果", "Resolution"),
    ("field.summary", "内容摘要", "Summary"),
    ("field.unit_text", "设备", "Unit"),
    ("field.kind", "类型", "Kind"),
    ("field.channel", "来源渠道", "Channel"),
    ("field.received_at", "接收时间", "Received at"),
    ("field.site_region", "现场区域", "Site region"),
    ("field.customer_id", "客户", "Customer"),
    ("field.deadlines", "时限", "Deadlines"),
    // Validation problems, by the domain's codes.
    ("err.required", "必填", "Required"),
    ("err.too_long", "内容太长", "Too long"),
    ("err.too_short", "太短", "Too short"),
    ("err.invalid", "格式不正确", "Not valid"),
    (
        "err.in_future",
        "不能晚于当前时间",
        "Must not be in the future",
    ),
    ("err.taken", "已被占用", "Already taken"),
    ("err.not_found", "找不到", "Not found"),
    ("err.not_allowed", "此处不适用", "Not allowed here"),
    (
        "err.invalid.phone",
        "电话号码应为 5–20 位数字",
        "A phone number has 5 to 20 digits",
    ),
    (
        "err.invalid.email",
        "不是有效的电子邮箱",
        "Not an e-mail address",
    ),
    (
        "err.invalid.received_at",
        "请填写有效的日期和时间",
        "Enter a valid date and time",
    ),
    (
        "err.invalid.at",
        "请填写有效的日期和时间",
        "Enter a valid date and time",
    ),
    (
        "err.invalid.region",
        "请选择杭州市区、浙江省内或浙江省外",
        "Choose Hangzhou urban, Zhejiang or outside Zhejiang",
    ),
    (
        "err.invalid.salesperson_id",
        "不是在职的业务员",
        "Not an active salesperson",
    ),
    (
        "err.invalid.technician_id",
        "此人不能被派往现场",
        "This person cannot be sent on site",
    ),
    (
        "err.invalid.assignee_id",
        "此人不能负责工单",
        "This person cannot own tickets",
    ),
    (
        "err.invalid.contacts",
        "联系人太多（最多 20 位）",
        "Too many contacts (at most 20)",
    ),
    (
        "err.not_found.customer_id",
        "请先选择客户",
        "Select the customer first",
    ),
    (
        "err.required.customer_id",
        "请先选择客户",
        "Select the customer first",
    ),
    (
        "err.too_long.summary",
        "内容太长（最多 4000 字）",
        "Too long (at most 4000 characters)",
    ),
    ("err.invalid.kind", "请选择类型", "Choose a kind"),
    ("err.invalid.channel", "请选择来源渠道", "Choose a channel"),
    // Error pages.
    ("error.not_found.title", "找不到", "Not found"),
    (
        "error.not_found.body",
        "您要找的记录不存在，或地址有误。",
        "What you are looking for does not exist, or the address is wrong.",
    ),
    ("error.forbidden.title", "无权访问", "Not allowed"),
    (
        "error.forbidden.body",
        "您的角色不能查看或办理此项。如需权限，请联系服务部经理。",
        "Your role may not see or do this. Ask the service manager if you need it.",
    ),
    ("error.csrf.title", "表单已过期", "This form has expired"),
    (
        "error.csrf.body",
        "为了安全，这次提交没有被接受，也没有保存任何内容。请返回，刷新页面后重新提交。",
        "For your safety this submission was refused and nothing was saved. Go back, reload the page and submit again.",
    ),
    (
        "error.conflict.title",
        "记录已被他人修改",
        "Changed by someone else",
    ),
    (
        "error.conflict.body",
        "这一步与记录的当前状态不符，可能刚被其他人办理过。请重新加载，查看最新内容后再操作。",
        "This step does not fit the record as it is now; someone may have just changed it. Reload to see the latest, then try again.",
    ),
    ("error.validation.title", "输入有误", "Invalid input"),
    (
        "error.validation.body",
        "请求中的以下内容无效：",
        "These parts of the request are not valid:",
    ),
    ("error.bad_request.title", "请求无效", "Bad request"),
    (
        "error.bad_request.body",
        "无法读取这次提交的内容。",
        "The submitted data could not be read.",
    ),
    ("error.internal.title", "系统出错", "Something went wrong"),
    (
        "error.internal.body",
        "出错了，原因已记录在系统日志中。请稍后再试；如仍出错，请联系管理员并告知时间。",
        "Something went wrong on our side; the cause has been logged. Please try again later, and tell the administrator the time if it happens again.",
    ),
    ("error.back_home", "返回服务台", "Back to the service desk"),
    ("error.back", "返回", "Go back"),
    ("error.reload", "重新加载", "Reload"),
    ("error.reference", "请求编号：{id}", "Request id: {id}"),
    // --- intake and live desk ---
    (
        "ticket.new.search_hint",
        "输入客户名称、电话、地址或联系人，边输入边查找；用 ↑ ↓ 选择，回车确定。",
        "Type the customer's name, phone, address or contact; matches show as you type. Use ↑ ↓ to choose and Enter to pick.",
    ),
    ("ticket.new.matches", "找到的客户", "Matching customers"),
    ("ticket.new.customer_add", "+ 新客户", "+ New customer"),
    ("ticket.new.customer_title", "新客户", "New customer"),
    (
        "ticket.new.customer_hint",
        "客户与工单一起保存。联系人不填时，以客户名称作为联系人。",
        "The customer is saved together with the ticket. Without a contact name, the customer's name is used.",
    ),
    ("ticket.new.customer_name", "客户名称", "Customer name"),
    ("ticket.new.customer_address", "现场地址", "Site address"),
    ("ticket.new.contact_name", "联系人", "Contact name"),
    ("ticket.new.contact_phone", "联系电话", "Contact phone"),
    (
        "ticket.new.customer_existing",
        "改为查找已有客户",
        "Find an existing customer instead",
    ),
    (
        "dashboard.live_hint",
        "服务台每隔几秒自动更新。",
        "The desk updates itself every few seconds.",
    ),
    ("dashboard.refresh", "立即刷新", "Refresh now"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use sanbao_domain::ticket::{Channel, DeadlineKind, EventType, TicketKind, TicketStatus};
    use sanbao_domain::{Region, Role};

    #[test]
    fn keys_are_unique_and_every_text_is_given() {
        assert_eq!(
            CATALOGUE_INDEX.len(),
            CATALOGUE.len(),
            "a key appears twice"
        );
        for (k, zh, en) in CATALOGUE {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    #[test]
    fn every_domain_name_is_translated() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Region::ALL.iter().map(|r| format!("region.{}", r.as_str())));
        keys.extend(Role::ALL.iter().map(|r| format!("role.{}", r.as_str())));
        keys.extend(TicketKind::ALL.iter().map(|k| format!("kind.{k}")));
        keys.extend(Channel::ALL.iter().map(|k| format!("channel.{k}")));
        keys.extend(TicketStatus::ALL.iter().map(|k| format!("status.{k}")));
        keys.extend(DeadlineKind::ALL.iter().map(|k| format!("deadline.{k}")));
        for e in EventType::ALL {
            keys.push(format!("event.{e}"));
            keys.push(format!("action.{e}"));
            keys.push(format!("action.{e}.submit"));
        }
        for s in ["pending", "due_soon", "breached", "met", "met_late", "void"] {
            keys.push(format!("deadline_state.{s}"));
        }
        for code in [
            "required",
            "too_long",
            "invalid",
            "in_future",
            "taken",
            "not_found",
            "not_allowed",
            "too_short",
        ] {
            keys.push(format!("err.{code}"));
        }
        let missing: Vec<&String> = keys.iter().filter(|k| !Lang::has(k)).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    /// Every literal key the templates and the page code ask for is in the catalogue.
    #[test]
    fn every_key_used_in_templates_and_pages_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src/http/web"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            files.extend(entries.flatten().map(|e| e.path()));
        }
        let mut missing = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for marker in ["t(\"", "f(\"", "page(\"", "title(\""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    let key = rest.split('"').next().unwrap_or_default();
                    let looks_like_key = key.contains('.')
                        && key.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)
                        });
                    if looks_like_key && !Lang::has(key) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing keys:\n{}", missing.join("\n"));
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(Lang::Zh.duration(35), "35 分钟");
        assert_eq!(Lang::Zh.duration(65), "1 小时 5 分");
        assert_eq!(Lang::Zh.duration(120), "2 小时");
        assert_eq!(Lang::Zh.duration(60 * 27), "1 天 3 小时");
        assert_eq!(Lang::En.duration(65), "1 h 5 min");
        assert_eq!(Lang::En.duration(-5), "0 min");
    }

    #[test]
    fn problems_prefer_the_field_own_words() {
        assert_eq!(
            Lang::Zh.problem("invalid", "contacts[2].phone"),
            "电话号码应为 5–20 位数字"
        );
        assert_eq!(Lang::En.problem("required", "name"), "Required");
        assert_eq!(Lang::En.problem("weird", "name"), "Not valid");
        assert_eq!(Lang::Zh.t("no.such.key"), "no.such.key");
        assert_eq!(
            Lang::En.f("login.too_many", &[("n", &30)]),
            "Too many failed sign-ins. Please wait 30 seconds and try again."
        );
    }
}
