//! The monthly report as files: a self-contained HTML page with inline SVG charts drawn here (no
//! script, no font or asset fetched from anywhere), an XLSX workbook, and a CSV in long form
//! (`section,key,metric,value`) that any spreadsheet or script reads.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::report::{Count, MonthlyReport, Rate, china};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Xlsx,
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The report in `format`.
pub fn render(report: &MonthlyReport, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Html => html(report).into_bytes(),
        Format::Xlsx => xlsx(report)?,
        Format::Csv => csv(report)?,
        Format::Json => serde_json::to_vec_pretty(report).expect("the report serialises"),
    })
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// "85.0%" or "—".
pub fn pct(r: &Rate) -> String {
    r.rate
        .map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&china()).format("%Y-%m-%d").to_string()
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

const PALETTE: [&str; 6] = [
    "#2f6fb3", "#d9822b", "#3c9d5d", "#b83b3b", "#7a5cb0", "#5b6770",
];

/// A horizontal bar chart (at most `max_bars` bars; the rest summed as 其他).
pub fn svg_bars(title: &str, items: &[(String, f64)], max_bars: usize, unit: &str) -> String {
    let mut items: Vec<(String, f64)> = items.to_vec();
    if items.len() > max_bars {
        let rest: f64 = items[max_bars - 1..].iter().map(|i| i.1).sum();
        items.truncate(max_bars - 1);
        items.push(("其他".into(), rest));
    }
    let (label_w, bar_w, row_h, top) = (150.0, 360.0, 24.0, 30.0);
    let height = top + row_h * items.len().max(1) as f64 + 10.0;
    let width = label_w + bar_w + 90.0;
    let max = items.iter().map(|i| i.1).fold(0.0f64, f64::max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{t}"><title>{t}</title><text x="0" y="18" font-size="14" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
    if items.is_empty() {
        let _ = write!(
            s,
            r#"<text x="0" y="{}" font-size="12">无数据</text>"#,
            top + 16.0
        );
    }
    for (i, (label, value)) in items.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = if max > 0.0 { bar_w * value / max } else { 0.0 };
        let shown = if unit == "%" {
            format!("{value:.1}%")
        } else if value.fract() == 0.0 {
            format!("{value:.0}{unit}")
        } else {
            format!("{value:.2}{unit}")
        };
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end">{label}</text><rect x="{label_w}" y="{ry}" width="{w:.1}" height="{bh}" fill="{color}"/><text x="{vx:.1}" y="{ty}" font-size="12">{shown}</text>"#,
            lx = label_w - 6.0,
            ty = y + 16.0,
            label = esc(label),
            ry = y + 4.0,
            bh = row_h - 8.0,
            color = PALETTE[i % PALETTE.len()],
            vx = label_w + w + 6.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn count_items(counts: &[Count]) -> Vec<(String, f64)> {
    counts
        .iter()
        .map(|c| (c.key.clone(), c.count as f64))
        .collect()
}

fn count_table(title: &str, counts: &[Count], total: usize) -> String {
    let mut s = format!(
        "<table><caption>{}</caption><tr><th>项目</th><th>件数</th><th>占比</th></tr>",
        esc(title)
    );
    for c in counts {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.key),
            c.count,
            pct(&Rate::new(c.count, total))
        );
    }
    s.push_str("</table>");
    s
}

/// The report as one HTML page (UTF-8, no external resources).
pub fn html(r: &MonthlyReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{m} 月报</title><style>body{{font-family:sans-serif;max-width:1000px;margin:1em auto;padding:0 1em;color:#222}}table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}}caption{{text-align:left;font-weight:bold;padding:4px 0}}.figures td:first-child{{color:#555}}.charts{{display:flex;flex-wrap:wrap;gap:1em}}svg.chart{{max-width:100%;height:auto}}.note{{color:#666;font-size:12px}}</style></head><body><h1>网络问政办理情况月报 · {m}</h1><p class="note">统计范围：{from} 至 {to}（北京时间）受理的留言；办理状态截至 {asof}。指标定义见 docs/supervision.md。</p>"#,
        m = esc(&r.month),
        from = day(r.period_start),
        to = day(r.period_end - chrono::Duration::seconds(1)),
        asof = local(r.as_of),
    );
    let h = &r.handling;
    let figures: Vec<(&str, String)> = vec![
        ("受理总量", format!("{} 件", r.total)),
        (
            "按时响应率",
            format!(
                "{}（{}/{}，未到期 {}，无时限 {}）",
                pct(&r.acknowledgement.on_time),
                r.acknowledgement.on_time.numerator,
                r.acknowledgement.on_time.denominator,
                r.acknowledgement.pending,
                r.acknowledgement.no_deadline
            ),
        ),
        (
            "按时答复率",
            format!(
                "{}（{}/{}，未到期 {}，无时限 {}）",
                pct(&r.reply.on_time),
                r.reply.on_time.numerator,
                r.reply.on_time.denominator,
                r.reply.pending,
                r.reply.no_deadline
            ),
        ),
        (
            "平均办理时长",
            format!(
                "{} 个工作日（第90百分位 {}；{} 件中 {} 件可按工作日计）；自然日平均 {}",
                opt(h.mean_working_days),
                opt(h.p90_working_days),
                h.replied,
                h.measured,
                opt(h.mean_calendar_days)
            ),
        ),
        ("超期件数", format!("{} 件", r.overdue.len())),
        (
            "满意率",
            format!(
                "{}（满意 {}，基本满意 {}，不满意 {}，共评价 {}）",
                pct(&r.satisfaction.satisfaction_rate),
                r.satisfaction.satisfied,
                r.satisfaction.basically_satisfied,
                r.satisfaction.unsatisfied,
                r.satisfaction.rated
            ),
        ),
        (
            "重新办理率",
            format!(
                "{}（{}/{}）",
                pct(&r.reopen),
                r.reopen.numerator,
                r.reopen.denominator
            ),
        ),
        ("领导批示", format!("{} 件", r.instructions.len())),
    ];
    s.push_str("<h2>总体情况</h2><table class=\"figures\">");
    for (k, v) in figures {
        let _ = write!(s, "<tr><td>{k}</td><td>{}</td></tr>", esc(&v));
    }
    s.push_str("</table>");
    if !h.uncovered_years.is_empty() {
        let years: Vec<String> = h.uncovered_years.iter().map(i32::to_string).collect();
        let _ = write!(
            s,
            "<p class=\"note\">工作日历缺少 {} 年的数据，这些年份的案件未按工作日计算办理时长（请在 models/holidays.toml 中补充）。</p>",
            years.join("、")
        );
    }

    s.push_str("<h2>分类统计</h2><div class=\"charts\">");
    for (title, counts) in [
        ("按渠道", &r.by_channel),
        ("按类别", &r.by_category),
        ("按承办单位", &r.by_unit),
        ("按诉求类型", &r.by_request_type),
        ("按紧急程度", &r.by_urgency),
        ("按办理状态", &r.by_status),
    ] {
        s.push_str(&svg_bars(title, &count_items(counts), 12, " 件"));
    }
    s.push_str("</div>");
    for (title, counts) in [
        ("按渠道", &r.by_channel),
        ("按类别", &r.by_category),
        ("按承办单位", &r.by_unit),
        ("按诉求类型", &r.by_request_type),
        ("按紧急程度", &r.by_urgency),
    ] {
        s.push_str(&count_table(title, counts, r.total));
    }

    s.push_str("<h2>满意度</h2>");
    let sat = &r.satisfaction;
    s.push_str(&svg_bars(
        "满意度评价",
        &[
            ("满意".to_string(), sat.satisfied as f64),
            ("基本满意".to_string(), sat.basically_satisfied as f64),
            ("不满意".to_string(), sat.unsatisfied as f64),
        ],
        3,
        " 件",
    ));

    let _ = write!(s, "<h2>超期清单（{} 件）</h2>", r.overdue.len());
    s.push_str("<table><tr><th>案件编号</th><th>标题</th><th>承办单位</th><th>状态</th><th>受理时间</th><th>答复期限</th><th>答复时间</th><th>超期工作日</th></tr>");
    for o in &r.overdue {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.case_number),
            esc(&o.title),
            esc(o.unit.as_deref().unwrap_or(super::report::UNASSIGNED)),
            esc(&o.status_name),
            local(o.received_at),
            local(o.reply_due),
            o.replied_at.map_or_else(|| "未答复".into(), local),
            opt(o.working_days_overdue)
        );
    }
    s.push_str("</table>");

    let _ = write!(s, "<h2>领导批示（{} 件）</h2>", r.instructions.len());
    s.push_str("<table><tr><th>案件编号</th><th>标题</th><th>承办单位</th><th>批示领导</th><th>批示内容</th><th>批示时间</th><th>反馈期限</th><th>反馈情况</th><th>案件状态</th></tr>");
    for i in &r.instructions {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.case_number),
            esc(&i.case_title),
            esc(i.unit.as_deref().unwrap_or(super::report::UNASSIGNED)),
            esc(&i.leader),
            esc(&i.text),
            local(i.created_at),
            local(i.due_at),
            esc(&i.state),
            esc(&i.case_status_name)
        );
    }
    s.push_str("</table>");

    let a = &r.assessment;
    let p = &a.policy;
    s.push_str("<h2>部门考核</h2>");
    let _ = write!(
        s,
        "<p class=\"note\">得分 = 100 × (响应率×{} + 解决率×{} + 满意率×{}) ÷ 有数据的权重之和 − 每件超期 {} 分 − 每次退单 {} 分（不低于 0）；当月案件少于 {} 件的单位为“样本不足”，不参加排名。</p>",
        p.weight_response,
        p.weight_resolution,
        p.weight_satisfaction,
        p.overdue_penalty,
        p.return_penalty,
        p.min_cases
    );
    let ranked: Vec<(String, f64)> = a
        .units
        .iter()
        .filter_map(|u| u.score.map(|sc| (u.unit.clone(), sc)))
        .collect();
    s.push_str(&svg_bars("考核得分", &ranked, 20, " 分"));
    s.push_str("<table><tr><th>排名</th><th>单位</th><th>案件数</th><th>响应率</th><th>解决率</th><th>满意率</th><th>超期</th><th>退单</th><th>得分</th></tr>");
    for u in &a.units {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            u.rank.map_or_else(|| esc(&u.note), |r| r.to_string()),
            esc(&u.unit),
            u.cases,
            pct(&u.response),
            pct(&u.resolution),
            pct(&u.satisfaction),
            u.overdue,
            u.returned,
            u.score.map_or_else(|| "—".into(), |s| format!("{s:.2}"))
        );
    }
    s.push_str("</table></body></html>\n");
    s
}

fn rate_value(r: &Rate) -> String {
    r.rate.map_or_else(String::new, |x| format!("{x:.4}"))
}

/// The report in long form: one row per figure, `section,key,metric,value`.
pub fn csv(r: &MonthlyReport) -> Result<Vec<u8>, RenderError> {
    // A UTF-8 byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(["section", "key", "metric", "value"])?;
        let mut row = |section: &str, key: &str, metric: &str, value: String| {
            w.write_record([section, key, metric, value.as_str()])
        };
        row("summary", &r.month, "total", r.total.to_string())?;
        row("summary", &r.month, "as_of", r.as_of.to_rfc3339())?;
        for (name, t) in [("acknowledgement", &r.acknowledgement), ("reply", &r.reply)] {
            row("summary", name, "on_time", t.on_time.numerator.to_string())?;
            row(
                "summary",
                name,
                "decided",
                t.on_time.denominator.to_string(),
            )?;
            row("summary", name, "on_time_rate", rate_value(&t.on_time))?;
            row("summary", name, "pending", t.pending.to_string())?;
            row("summary", name, "no_deadline", t.no_deadline.to_string())?;
        }
        let h = &r.handling;
        row("summary", "handling", "replied", h.replied.to_string())?;
        row("summary", "handling", "measured", h.measured.to_string())?;
        row(
            "summary",
            "handling",
            "mean_working_days",
            h.mean_working_days
                .map_or_else(String::new, |v| v.to_string()),
        )?;
        row(
            "summary",
            "handling",
            "p90_working_days",
            h.p90_working_days
                .map_or_else(String::new, |v| v.to_string()),
        )?;
        row(
            "summary",
            "handling",
            "mean_calendar_days",
            h.mean_calendar_days
                .map_or_else(String::new, |v| v.to_string()),
        )?;
        row("summary", "overdue", "count", r.overdue.len().to_string())?;
        let s = &r.satisfaction;
        row("summary", "satisfaction", "rated", s.rated.to_string())?;
        row("summary", "satisfaction", "满意", s.satisfied.to_string())?;
        row(
            "summary",
            "satisfaction",
            "基本满意",
            s.basically_satisfied.to_string(),
        )?;
        row(
            "summary",
            "satisfaction",
            "不满意",
            s.unsatisfied.to_string(),
        )?;
        row(
            "summary",
            "satisfaction",
            "satisfaction_rate",
            rate_value(&s.satisfaction_rate),
        )?;
        row(
            "summary",
            "reopen",
            "reopened",
            r.reopen.numerator.to_string(),
        )?;
        row(
            "summary",
            "reopen",
            "replied",
            r.reopen.denominator.to_string(),
        )?;
        row("summary", "reopen", "reopen_rate", rate_value(&r.reopen))?;
        for (section, counts) in [
            ("by_channel", &r.by_channel),
            ("by_category", &r.by_category),
            ("by_unit", &r.by_unit),
            ("by_request_type", &r.by_request_type),
            ("by_urgency", &r.by_urgency),
            ("by_status", &r.by_status),
        ] {
            for c in counts {
                row(section, &c.key, "count", c.count.to_string())?;
            }
        }
        for o in &r.overdue {
            row(
                "overdue",
                &o.case_number,
                "unit",
                o.unit.clone().unwrap_or_default(),
            )?;
            row("overdue", &o.case_number, "status", o.status.clone())?;
            row(
                "overdue",
                &o.case_number,
                "reply_due",
                o.reply_due.to_rfc3339(),
            )?;
            row(
                "overdue",
                &o.case_number,
                "replied_at",
                o.replied_at.map_or_else(String::new, |t| t.to_rfc3339()),
            )?;
            row(
                "overdue",
                &o.case_number,
                "working_days_overdue",
                o.working_days_overdue
                    .map_or_else(String::new, |v| v.to_string()),
            )?;
        }
        for i in &r.instructions {
            row("instruction", &i.case_number, "leader", i.leader.clone())?;
            row("instruction", &i.case_number, "state", i.state.clone())?;
            row(
                "instruction",
                &i.case_number,
                "due_at",
                i.due_at.to_rfc3339(),
            )?;
        }
        for u in &r.assessment.units {
            row("assessment", &u.unit, "cases", u.cases.to_string())?;
            row(
                "assessment",
                &u.unit,
                "response_rate",
                rate_value(&u.response),
            )?;
            row(
                "assessment",
                &u.unit,
                "resolution_rate",
                rate_value(&u.resolution),
            )?;
            row(
                "assessment",
                &u.unit,
                "satisfaction_rate",
                rate_value(&u.satisfaction),
            )?;
            row("assessment", &u.unit, "overdue", u.overdue.to_string())?;
            row("assessment", &u.unit, "returned", u.returned.to_string())?;
            row(
                "assessment",
                &u.unit,
                "score",
                u.score.map_or_else(String::new, |v| v.to_string()),
            )?;
            row(
                "assessment",
                &u.unit,
                "rank",
                u.rank.map_or_else(|| u.note.clone(), |v| v.to_string()),
            )?;
        }
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// The report as a workbook: 概览, 分类统计, 超期清单, 领导批示, 部门考核.
pub fn xlsx(r: &MonthlyReport) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format as Cell, Workbook};
    let mut wb = Workbook::new();
    let bold = Cell::new().set_bold();
    let percent = Cell::new().set_num_format("0.0%");

    let ws = wb.add_worksheet().set_name("概览")?;
    ws.write_with_format(0, 0, format!("网络问政办理情况月报 {}", r.month), &bold)?;
    ws.write(1, 0, format!("状态截至 {}（北京时间）", local(r.as_of)))?;
    let mut line = 3u32;
    let mut put = |ws: &mut rust_xlsxwriter::Worksheet,
                   k: &str,
                   v: Option<f64>,
                   is_rate: bool|
     -> Result<(), RenderError> {
        ws.write(line, 0, k)?;
        match v {
            Some(v) if is_rate => {
                ws.write_with_format(line, 1, v, &percent)?;
            }
            Some(v) => {
                ws.write(line, 1, v)?;
            }
            None => {
                ws.write(line, 1, "—")?;
            }
        }
        line += 1;
        Ok(())
    };
    put(ws, "受理总量", Some(r.total as f64), false)?;
    put(ws, "按时响应率", r.acknowledgement.on_time.rate, true)?;
    put(ws, "按时答复率", r.reply.on_time.rate, true)?;
    put(
        ws,
        "平均办理时长（工作日）",
        r.handling.mean_working_days,
        false,
    )?;
    put(
        ws,
        "第90百分位办理时长（工作日）",
        r.handling.p90_working_days.map(f64::from),
        false,
    )?;
    put(
        ws,
        "平均办理时长（自然日）",
        r.handling.mean_calendar_days,
        false,
    )?;
    put(ws, "超期件数", Some(r.overdue.len() as f64), false)?;
    put(ws, "满意率", r.satisfaction.satisfaction_rate.rate, true)?;
    put(ws, "不满意率", r.satisfaction.unsatisfied_rate.rate, true)?;
    put(ws, "重新办理率", r.reopen.rate, true)?;
    put(ws, "领导批示件数", Some(r.instructions.len() as f64), false)?;
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 14)?;

    let ws = wb.add_worksheet().set_name("分类统计")?;
    let mut col = 0u16;
    for (title, counts) in [
        ("渠道", &r.by_channel),
        ("类别", &r.by_category),
        ("承办单位", &r.by_unit),
        ("诉求类型", &r.by_request_type),
        ("紧急程度", &r.by_urgency),
        ("办理状态", &r.by_status),
    ] {
        ws.write_with_format(0, col, title, &bold)?;
        ws.write_with_format(0, col + 1, "件数", &bold)?;
        for (i, c) in counts.iter().enumerate() {
            ws.write(i as u32 + 1, col, c.key.as_str())?;
            ws.write(i as u32 + 1, col + 1, c.count as f64)?;
        }
        ws.set_column_width(col, 18)?;
        col += 3;
    }

    let ws = wb.add_worksheet().set_name("超期清单")?;
    write_header(
        ws,
        &[
            "案件编号",
            "标题",
            "承办单位",
            "状态",
            "受理时间",
            "答复期限",
            "答复时间",
            "超期工作日",
        ],
        &bold,
    )?;
    for (i, o) in r.overdue.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write(row, 0, o.case_number.as_str())?;
        ws.write(row, 1, o.title.as_str())?;
        ws.write(
            row,
            2,
            o.unit.as_deref().unwrap_or(super::report::UNASSIGNED),
        )?;
        ws.write(row, 3, o.status_name.as_str())?;
        ws.write(row, 4, local(o.received_at))?;
        ws.write(row, 5, local(o.reply_due))?;
        ws.write(row, 6, o.replied_at.map_or_else(|| "未答复".into(), local))?;
        match o.working_days_overdue {
            Some(d) => ws.write(row, 7, f64::from(d))?,
            None => ws.write(row, 7, "—")?,
        };
    }
    ws.set_column_width(1, 40)?;

    let ws = wb.add_worksheet().set_name("领导批示")?;
    write_header(
        ws,
        &[
            "案件编号",
            "标题",
            "承办单位",
            "批示领导",
            "批示内容",
            "批示时间",
            "反馈期限",
            "反馈情况",
            "案件状态",
        ],
        &bold,
    )?;
    for (i, x) in r.instructions.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write(row, 0, x.case_number.as_str())?;
        ws.write(row, 1, x.case_title.as_str())?;
        ws.write(
            row,
            2,
            x.unit.as_deref().unwrap_or(super::report::UNASSIGNED),
        )?;
        ws.write(row, 3, x.leader.as_str())?;
        ws.write(row, 4, x.text.as_str())?;
        ws.write(row, 5, local(x.created_at))?;
        ws.write(row, 6, local(x.due_at))?;
        ws.write(row, 7, x.state.as_str())?;
        ws.write(row, 8, x.case_status_name.as_str())?;
    }

    let ws = wb.add_worksheet().set_name("部门考核")?;
    write_header(
        ws,
        &[
            "排名",
            "单位",
            "案件数",
            "响应率",
            "解决率",
            "满意率",
            "超期",
            "退单",
            "得分",
        ],
        &bold,
    )?;
    for (i, u) in r.assessment.units.iter().enumerate() {
        let row = i as u32 + 1;
        match u.rank {
            Some(rank) => ws.write(row, 0, rank as f64)?,
            None => ws.write(row, 0, u.note.as_str())?,
        };
        ws.write(row, 1, u.unit.as_str())?;
        ws.write(row, 2, u.cases as f64)?;
        for (c, rate) in [
            (3u16, &u.response),
            (4, &u.resolution),
            (5, &u.satisfaction),
        ] {
            match rate.rate {
                Some(v) => ws.write_with_format(row, c, v, &percent)?,
                None => ws.write(row, c, "—")?,
            };
        }
        ws.write(row, 6, u.overdue as f64)?;
        ws.write(row, 7, u.returned as f64)?;
        match u.score {
            Some(v) => ws.write(row, 8, v)?,
            None => ws.write(row, 8, "—")?,
        };
    }
    ws.set_column_width(1, 24)?;
    Ok(wb.save_to_buffer()?)
}

/// Writes a sheet's header row in `bold`.
fn write_header(
    ws: &mut rust_xlsxwriter::Worksheet,
    headers: &[&str],
    bold: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, bold)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::assessment::AssessmentPolicy;
    use crate::supervise::report::tests::{at, case, rules};
    use crate::supervise::report::{Month, ReportInput, monthly_report};

    fn sample() -> MonthlyReport {
        let mut a = case(1, Some("教育局"));
        a.title = "<script>电话13812345678</script>".into();
        let input = ReportInput {
            cases: vec![a, case(2, None)],
            ..Default::default()
        };
        monthly_report(
            Month::parse("2026-03").unwrap(),
            &input,
            &rules(),
            &AssessmentPolicy::default(),
            at(20, 12),
        )
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let page = html(&sample());
        assert!(page.contains("<svg"));
        assert!(!page.contains("<script"), "titles are escaped");
        assert!(!page.contains("13812345678"), "titles are masked");
        assert!(
            !page.contains("http://") || !page.contains("src=\"http"),
            "nothing fetched"
        );
        assert!(!page.contains("src="));
        assert!(page.contains("超期清单（2 件）"));
    }

    #[test]
    fn csv_reads_back() {
        let bytes = csv(&sample()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut rd = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert!(
            rows.iter()
                .any(|r| &r[0] == "summary" && &r[2] == "total" && &r[3] == "2")
        );
        assert!(
            rows.iter()
                .any(|r| &r[0] == "overdue" && &r[1] == "2026-000001")
        );
    }

    #[test]
    fn xlsx_is_a_workbook() {
        let bytes = xlsx(&sample()).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = svg_bars("t", &[("a".into(), 10.0), ("b".into(), 5.0)], 12, " 件");
        assert!(
            svg.contains(r#"width="360.0""#) && svg.contains(r#"width="180.0""#),
            "{svg}"
        );
        let many: Vec<(String, f64)> = (0..20).map(|i| (format!("u{i}"), 1.0)).collect();
        assert!(svg_bars("t", &many, 5, "").contains("其他"));
    }
}
