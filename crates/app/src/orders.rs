//! Orders: check a proposed order (decision support without saving), create, change (in place before
//! verification, as a new linked version after), renew, move through the state machine, and the pharmacist's
//! verification with overrides of hard stops. Every change is audited in its transaction.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use clinical::checks::{Alert, CheckInput, CheckResult, OtherOrder, PatientContext};
use domain::access_device::AccessDevice;
use domain::audit::AuditAction;
use domain::branch::Branch;
use domain::formulary::{FormularyEntry, Severity, TherapyClass};
use domain::order::{Order, OrderAction, OrderFields, OrderInput, OrderStatus};
use domain::patient::Patient;
use domain::role::Permission;
use domain::{OrderId, PatientId, VerificationId};
use serde::{Deserialize, Serialize};
use store::branch::BranchRepository;
use store::order::{OrderFilter, OrderRepository, QueueCursor, Verification};
use store::patient::PatientRepository;
use store::patient_records::{PatientRecordRepository, PatientRecords};
use store::{DbConn, StoreError, write_tx};

use crate::formulary::Formulary;
use crate::patients::{Page, page_size};
use crate::{App, AppError, AuditEntry, Caller, to_json};

/// The queue counts waiting orders up to this many and shows "1,000+" beyond (a full count scans every row).
pub const QUEUE_COUNT_CAP: i64 = 1_000;

/// LOINC of serum/plasma creatinine, the lab renal dosing reads.
const CREATININE_LOINC: &str = "2160-0";

/// A pharmacist's reason for passing one hard stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The `key` of the alert.
    pub key: String,
    pub reason: String,
}

/// Decision support on a proposed order, and the time zone of the patient's branch.
#[derive(Debug, Clone)]
pub struct OrderCheck {
    pub result: CheckResult,
    pub time_zone: chrono_tz::Tz,
}

/// An order with what a reader needs beside it.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order: Order,
    pub entry: FormularyEntry,
    pub patient: Patient,
    pub verifications: Vec<Verification>,
}

/// Everything the verification page shows side by side.
#[derive(Debug, Clone)]
pub struct VerificationContext {
    pub view: OrderView,
    pub records: PatientRecords,
    pub other_orders: Vec<(Order, String)>,
    pub check: CheckResult,
}

/// One row of the verification queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub order: Order,
    pub patient_name: String,
    pub mrn: String,
    pub drug_name: String,
    pub waiting_minutes: i64,
}

#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub patient_id: Option<PatientId>,
    pub statuses: Vec<OrderStatus>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn encode_cursor(order: &Order) -> String {
    let at = order.submitted_at.map(|t| t.timestamp_micros()).unwrap_or_default();
    let json = serde_json::json!([order.fields.priority.rank(), at, order.id.to_string()]);
    URL_SAFE_NO_PAD.encode(json.to_string())
}

fn decode_cursor(text: &str) -> Result<QueueCursor, AppError> {
    let invalid = || AppError::invalid("cursor", "is not a cursor this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let (priority_rank, micros, id): (i64, i64, String) = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(invalid)?;
    Ok(QueueCursor { priority_rank, submitted_at: store::to_db_time(at), id })
}

/// One page of the queue order (priority, waiting time) with the cursor of the next, if there is one.
fn queue_page(conn: &mut DbConn, filter: OrderFilter) -> Result<Page<Order>, AppError> {
    let limit = filter.limit;
    let mut items = OrderRepository::new(conn).queue(&filter)?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more { items.last().map(encode_cursor) } else { None };
    Ok(Page { items, next_cursor })
}

fn order_entry<'a>(
    action: AuditAction,
    order: &Order,
    before: serde_json::Value,
    reason: Option<&'a str>,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        entity_type: "order",
        entity_id: order.id.to_string(),
        branch_id: Some(order.branch_id),
        patient_id: Some(order.patient_id.to_string()),
        before,
        after: to_json(order),
        reason,
    }
}

fn stale(e: StoreError, current: i64) -> AppError {
    match e {
        StoreError::StaleVersion => AppError::StaleVersion { entity: "order", current },
        other => other.into(),
    }
}

fn require_reason(reason: Option<&str>, field: &str) -> Result<String, AppError> {
    match reason.map(str::trim).filter(|r| r.chars().count() >= 3) {
        Some(r) if r.chars().count() <= 500 => Ok(r.to_owned()),
        Some(_) => Err(AppError::invalid(field, "must be at most 500 characters")),
        None => Err(AppError::invalid(field, "is required (at least 3 characters)")),
    }
}

impl App {
    /// The time zone of a branch (local times in order bodies are read in it).
    pub fn branch_zone(&self, branch: domain::BranchId) -> Result<chrono_tz::Tz, AppError> {
        Ok(self.get_branch(branch)?.time_zone)
    }

    fn entry(formulary: &Formulary, code: &str) -> Result<FormularyEntry, AppError> {
        formulary.get(code).cloned().ok_or_else(|| AppError::invalid("drug_code", "names no formulary entry"))
    }

    /// Validates an order body against the patient, the formulary and the patient's access devices.
    fn validate_order(
        &self,
        branch: &Branch,
        formulary: &Formulary,
        devices: &[AccessDevice],
        input: &OrderInput,
    ) -> Result<(OrderFields, FormularyEntry), AppError> {
        let fields = input.validate(branch.time_zone, self.today_at(branch))?;
        let entry = Self::entry(formulary, &fields.drug_code)?;
        if !entry.routes.contains(&fields.route) {
            let routes: Vec<&str> = entry.routes.iter().map(|r| r.as_str()).collect();
            return Err(AppError::invalid("route", format!("{} is given by {}", entry.name, routes.join(", "))));
        }
        if fields.tpn.is_some() && entry.therapy_class != TherapyClass::ParenteralNutrition {
            return Err(AppError::invalid("tpn", "applies to parenteral nutrition only"));
        }
        if entry.code == "parenteral-nutrition-admixture" && fields.tpn.is_none() {
            return Err(AppError::invalid("tpn", "is required for a parenteral nutrition admixture (its formula)"));
        }
        if let Some(device) = fields.access_device_id {
            match devices.iter().find(|d| d.id == device) {
                None => {
                    return Err(AppError::invalid("access_device_id", "is not one of the patient's access devices"));
                }
                Some(d) if d.fields.removed_on.is_some() => {
                    return Err(AppError::invalid("access_device_id", "names a device that has been removed"));
                }
                Some(_) => {}
            }
        }
        Ok((fields, entry))
    }

    /// Validates an order body for `patient`, reading what validation needs.
    fn validate_for(
        &self,
        conn: &mut DbConn,
        patient: &Patient,
        input: &OrderInput,
    ) -> Result<(OrderFields, FormularyEntry), AppError> {
        let branch = BranchRepository::new(conn).find(patient.branch_id)?;
        let formulary = self.formulary.get(conn)?;
        let devices = PatientRecordRepository::new(conn).access_devices(patient.id)?;
        self.validate_order(&branch, &formulary, &devices, input)
    }

    /// Runs decision support on `fields` for `patient`, leaving out the versions of `lineage` (the order itself).
    /// Reads only what the rules weigh: the patient's clinical records, current orders and the orders of drugs
    /// sharing an ingredient (cumulative doses).
    #[allow(clippy::too_many_arguments)]
    fn run_checks(
        &self,
        conn: &mut DbConn,
        patient: &Patient,
        branch: &Branch,
        formulary: &Formulary,
        records: &PatientRecords,
        fields: &OrderFields,
        entry: &FormularyEntry,
        lineage: Option<OrderId>,
    ) -> Result<CheckResult, AppError> {
        let related: Vec<String> = formulary
            .values()
            .filter(|e| e.ingredients.iter().any(|i| entry.ingredients.contains(i)))
            .map(|e| e.code.clone())
            .collect();
        let current: Vec<OrderStatus> = OrderStatus::ALL.iter().copied().filter(|s| s.is_current()).collect();
        let others: Vec<Order> = OrderRepository::new(conn)
            .relevant_for(patient.id, &current, &related)?
            .into_iter()
            .filter(|o| Some(o.lineage_id) != lineage)
            .collect();
        Ok(self.decide(patient, records, &others, formulary, fields, entry, self.today_at(branch)))
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        patient: &Patient,
        records: &PatientRecords,
        others: &[Order],
        formulary: &Formulary,
        fields: &OrderFields,
        entry: &FormularyEntry,
        today: chrono::NaiveDate,
    ) -> CheckResult {
        let context = patient_context(patient, records, self.now(), today);
        let other_orders: Vec<OtherOrder<'_>> = others
            .iter()
            .filter_map(|o| {
                let entry = formulary.get(&o.fields.drug_code)?;
                Some(OtherOrder { rx_number: o.rx_number(), status: o.status, fields: &o.fields, entry })
            })
            .collect();
        let access_device = fields
            .access_device_id
            .and_then(|id| records.access_devices.iter().find(|d| d.id == id))
            .map(|d| d.fields.kind);
        clinical::checks::check_order(&CheckInput {
            patient: &context,
            order: fields,
            entry,
            access_device,
            others: &other_orders,
            interactions: crate::formulary::interactions(),
        })
    }

    /// The patient an order body names, with their branch and the formulary's stamp, if the caller may read the
    /// patient's orders.
    fn order_patient(
        &self,
        conn: &mut DbConn,
        caller: &Caller,
        input: &OrderInput,
    ) -> Result<(Patient, Branch, store::formulary::Stamp), AppError> {
        let id = input
            .patient_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::invalid("patient_id", "is required"))?;
        let id = PatientId::parse(id).ok_or_else(|| AppError::invalid("patient_id", "is not a patient id"))?;
        let (patient, branch, stamp) = match PatientRepository::new(conn).find_for_checks(id) {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Err(AppError::invalid("patient_id", "names no patient")),
            Err(e) => return Err(e.into()),
        };
        caller.require_at(Permission::OrderRead, patient.branch_id)?;
        Ok((patient, branch, stamp))
    }

    /// Decision support on a proposed order, without saving anything; with the patient's branch time zone, in which
    /// the calculations' times (weight, creatinine) are shown.
    pub fn check_order(&self, caller: &Caller, input: &OrderInput) -> Result<OrderCheck, AppError> {
        caller.require(Permission::OrderRead)?;
        let mut conn = self.conn()?;
        let (patient, branch, stamp) = self.order_patient(&mut conn, caller, input)?;
        let formulary = self.formulary.get_at(&mut conn, stamp)?;
        let records = PatientRecordRepository::new(&mut conn).clinical(patient.id)?;
        let (fields, entry) = self.validate_order(&branch, &formulary, &records.access_devices, input)?;
        let result = self.run_checks(&mut conn, &patient, &branch, &formulary, &records, &fields, &entry, None)?;
        Ok(OrderCheck { result, time_zone: branch.time_zone })
    }

    /// Stores a new order as a draft, or submitted for verification when `submit` is set.
    pub fn create_order(&self, caller: &Caller, input: &OrderInput, submit: bool) -> Result<Order, AppError> {
        caller.require(Permission::OrderWrite)?;
        let mut conn = self.conn()?;
        let (patient, branch, stamp) = self.order_patient(&mut conn, caller, input)?;
        caller.require_at(Permission::OrderWrite, patient.branch_id)?;
        let formulary = self.formulary.get_at(&mut conn, stamp)?;
        let devices = PatientRecordRepository::new(&mut conn).access_devices(patient.id)?;
        let (fields, _) = self.validate_order(&branch, &formulary, &devices, input)?;
        let now = self.now();
        let id = OrderId::new();
        let order = Order {
            id,
            version: 1,
            patient_id: patient.id,
            branch_id: patient.branch_id,
            lineage_id: id,
            previous_id: None,
            change_reason: None,
            status: if submit { OrderStatus::PendingVerification } else { OrderStatus::Draft },
            status_reason: None,
            fields,
            created_by: caller.user.as_ref().map(|u| u.id),
            created_at: now,
            updated_at: now,
            submitted_at: submit.then_some(now),
            verified_by: None,
            verified_at: None,
        };
        write_tx(&mut conn, |c| {
            OrderRepository::new(c).insert(&order)?;
            self.audit(c, caller, order_entry(AuditAction::Create, &order, serde_json::Value::Null, None))?;
            Ok(order)
        })
    }

    pub fn get_order(&self, caller: &Caller, id: OrderId) -> Result<OrderView, AppError> {
        caller.require(Permission::OrderRead)?;
        let mut conn = self.conn()?;
        let order = OrderRepository::new(&mut conn).find(id).map_err(AppError::not_found_as("order"))?;
        caller.require_at(Permission::OrderRead, order.branch_id)?;
        let formulary = self.formulary.get(&mut conn)?;
        let entry = Self::entry(&formulary, &order.fields.drug_code)?;
        let patient = PatientRepository::new(&mut conn).find(order.patient_id)?;
        let verifications = OrderRepository::new(&mut conn).verifications(id)?;
        Ok(OrderView { order, entry, patient, verifications })
    }

    /// Orders of a patient (newest first) or, without a patient, the orders in the given states at the caller's
    /// branches in queue order.
    pub fn list_orders(&self, caller: &Caller, query: &OrderQuery) -> Result<Page<Order>, AppError> {
        caller.require(Permission::OrderRead)?;
        let limit = page_size(query.limit)?;
        let mut conn = self.conn()?;
        if let Some(patient_id) = query.patient_id {
            let patient =
                PatientRepository::new(&mut conn).find(patient_id).map_err(AppError::not_found_as("patient"))?;
            caller.require_at(Permission::OrderRead, patient.branch_id)?;
            let items: Vec<Order> = OrderRepository::new(&mut conn)
                .for_patient(patient_id)?
                .into_iter()
                .filter(|o| query.statuses.is_empty() || query.statuses.contains(&o.status))
                .collect();
            return Ok(Page { items, next_cursor: None });
        }
        let statuses = if query.statuses.is_empty() { OrderStatus::ALL.to_vec() } else { query.statuses.clone() };
        let branch_ids = self.branches_for(&mut conn, caller, Permission::OrderRead)?;
        let after = query.cursor.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;
        queue_page(&mut conn, OrderFilter { branch_ids, statuses, patient_id: None, after, limit })
    }

    /// The pharmacist's queue: orders waiting for verification at the branches where the caller verifies, stat
    /// first, then by waiting time; with the total waiting.
    pub fn verification_queue(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<(Page<QueueItem>, i64), AppError> {
        caller.require(Permission::OrderVerify)?;
        let limit = page_size(limit)?;
        let mut conn = self.conn()?;
        let branch_ids = self.branches_for(&mut conn, caller, Permission::OrderVerify)?;
        let after = cursor.filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;
        let statuses = vec![OrderStatus::PendingVerification];
        let total = OrderRepository::new(&mut conn).count_up_to(
            &branch_ids,
            OrderStatus::PendingVerification,
            QUEUE_COUNT_CAP + 1,
        )?;
        let Page { items: orders, next_cursor } =
            queue_page(&mut conn, OrderFilter { branch_ids, statuses, patient_id: None, after, limit })?;
        let mut patient_ids: Vec<PatientId> = orders.iter().map(|o| o.patient_id).collect();
        patient_ids.sort_unstable_by_key(|id| id.to_string());
        patient_ids.dedup();
        let patients = PatientRepository::new(&mut conn).find_many(&patient_ids)?;
        let formulary = self.formulary.get(&mut conn)?;
        let now = self.now();
        let items = orders
            .into_iter()
            .map(|order| {
                let patient = patients.iter().find(|p| p.id == order.patient_id);
                QueueItem {
                    patient_name: patient.map(Patient::display_name).unwrap_or_default(),
                    mrn: patient.map(|p| p.fields.mrn.to_string()).unwrap_or_default(),
                    drug_name: formulary
                        .get(&order.fields.drug_code)
                        .map_or_else(|| order.fields.drug_code.clone(), |e| e.name.clone()),
                    waiting_minutes: order.submitted_at.map_or(0, |at| (now - at).num_minutes()),
                    order,
                }
            })
            .collect();
        Ok((Page { items, next_cursor }, total))
    }

    /// The order, the patient's context, the other orders and every alert, for the pharmacist.
    pub fn verification_context(&self, caller: &Caller, id: OrderId) -> Result<VerificationContext, AppError> {
        let view = self.get_order(caller, id)?;
        let mut conn = self.conn()?;
        let records = PatientRecordRepository::new(&mut conn).all(view.patient.id)?;
        let all = OrderRepository::new(&mut conn).for_patient(view.patient.id)?;
        let entries = self.formulary.get(&mut conn)?;
        let others: Vec<Order> = all.into_iter().filter(|o| o.lineage_id != view.order.lineage_id).collect();
        let branch = BranchRepository::new(&mut conn).find(view.patient.branch_id)?;
        let check = self.decide(
            &view.patient,
            &records,
            &others,
            &entries,
            &view.order.fields,
            &view.entry,
            self.today_at(&branch),
        );
        let other_orders = others
            .into_iter()
            .filter(|o| o.status.is_current())
            .map(|o| {
                let name =
                    entries.get(&o.fields.drug_code).map_or_else(|| o.fields.drug_code.clone(), |e| e.name.clone());
                (o, name)
            })
            .collect();
        Ok(VerificationContext { view, records, other_orders, check })
    }

    /// Changes an order. Before verification the order is edited in place; a verified, active or held order gets
    /// a new version (pending verification) linked to it, and the old one is superseded. `reason` is required for
    /// the latter.
    pub fn change_order(
        &self,
        caller: &Caller,
        id: OrderId,
        expected_version: i64,
        input: &OrderInput,
        reason: Option<&str>,
    ) -> Result<Order, AppError> {
        caller.require(Permission::OrderWrite)?;
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| self.change_in(c, caller, id, expected_version, input, reason))
    }

    /// `change_order` inside the caller's transaction.
    pub(crate) fn change_in(
        &self,
        c: &mut DbConn,
        caller: &Caller,
        id: OrderId,
        expected_version: i64,
        input: &OrderInput,
        reason: Option<&str>,
    ) -> Result<Order, AppError> {
        let now = self.now();
        {
            let current = OrderRepository::new(c).find(id).map_err(AppError::not_found_as("order"))?;
            caller.require_at(Permission::OrderWrite, current.branch_id)?;
            if current.version != expected_version {
                return Err(AppError::StaleVersion { entity: "order", current: current.version });
            }
            let patient = PatientRepository::new(c).find(current.patient_id)?;
            if input.patient_id.as_deref().is_some_and(|p| p.trim() != patient.id.to_string()) {
                return Err(AppError::invalid("patient_id", "an order cannot move to another patient"));
            }
            let (fields, _) = self.validate_for(c, &patient, input)?;
            if current.status.is_editable() {
                let updated = Order {
                    version: current.version + 1,
                    fields,
                    updated_at: now,
                    change_reason: reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned),
                    ..current.clone()
                };
                OrderRepository::new(c).update(&updated).map_err(|e| stale(e, current.version + 1))?;
                self.audit(c, caller, order_entry(AuditAction::Update, &updated, to_json(&current), reason))?;
                return Ok(updated);
            }
            if !matches!(current.status, OrderStatus::Verified | OrderStatus::Active | OrderStatus::OnHold) {
                return Err(AppError::Conflict(format!(
                    "the order is {}; a {} order cannot be changed",
                    current.status,
                    current.status.label().to_lowercase()
                )));
            }
            let reason = require_reason(reason, "change_reason")?;
            let superseded = Order {
                version: current.version + 1,
                status: OrderStatus::Superseded,
                status_reason: Some(format!("changed: {reason}")),
                updated_at: now,
                ..current.clone()
            };
            OrderRepository::new(c).update(&superseded).map_err(|e| stale(e, current.version + 1))?;
            self.audit(c, caller, order_entry(AuditAction::Supersede, &superseded, to_json(&current), Some(&reason)))?;
            let next = self.new_version(caller, &current, fields, &reason, now);
            OrderRepository::new(c).insert(&next)?;
            self.audit(c, caller, order_entry(AuditAction::Create, &next, serde_json::Value::Null, Some(&reason)))?;
            Ok(next)
        }
    }

    fn new_version(
        &self,
        caller: &Caller,
        from: &Order,
        fields: OrderFields,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Order {
        Order {
            id: OrderId::new(),
            version: 1,
            patient_id: from.patient_id,
            branch_id: from.branch_id,
            lineage_id: from.lineage_id,
            previous_id: Some(from.id),
            change_reason: Some(reason.to_owned()),
            status: OrderStatus::PendingVerification,
            status_reason: None,
            fields,
            created_by: caller.user.as_ref().map(|u| u.id),
            created_at: now,
            updated_at: now,
            submitted_at: Some(now),
            verified_by: None,
            verified_at: None,
        }
    }

    /// Renews an order: a new version with the same content starting when the old one ends (or now), submitted
    /// for verification. The old order runs on to its end.
    pub fn renew_order(&self, caller: &Caller, id: OrderId, duration_days: Option<u32>) -> Result<Order, AppError> {
        caller.require(Permission::OrderWrite)?;
        let mut conn = self.conn()?;
        let now = self.now();
        write_tx(&mut conn, |c| {
            let current = OrderRepository::new(c).find(id).map_err(AppError::not_found_as("order"))?;
            caller.require_at(Permission::OrderWrite, current.branch_id)?;
            if !matches!(current.status, OrderStatus::Verified | OrderStatus::Active | OrderStatus::Completed) {
                return Err(AppError::Conflict(format!(
                    "the order is {}; only verified, active or completed orders are renewed",
                    current.status
                )));
            }
            let mut fields = current.fields.clone();
            fields.start_at = current.fields.end().map_or(now, |end| end.max(now));
            if let Some(days) = duration_days {
                if !(1..=366).contains(&days) {
                    return Err(AppError::invalid("duration_days", "must be a whole number from 1 to 366"));
                }
                fields.duration_days = Some(days);
            }
            if fields.duration_days.is_none() && fields.stop_date.is_some() {
                fields.stop_date = None;
                fields.duration_days = current
                    .fields
                    .end()
                    .map(|end| u32::try_from((end - current.fields.start_at).num_days().max(1)).unwrap_or(1));
            }
            let renewal = self.new_version(caller, &current, fields, "renewal", now);
            OrderRepository::new(c).insert(&renewal)?;
            self.audit(c, caller, order_entry(AuditAction::Renew, &renewal, serde_json::Value::Null, Some("renewal")))?;
            Ok(renewal)
        })
    }

    /// Moves an order through the state machine. Verifying has its own function (it needs the overrides).
    pub fn transition_order(
        &self,
        caller: &Caller,
        id: OrderId,
        expected_version: i64,
        action: OrderAction,
        reason: Option<&str>,
    ) -> Result<Order, AppError> {
        if action == OrderAction::Verify {
            return self.verify_order(caller, id, expected_version, &[]);
        }
        let permission = match action {
            OrderAction::Reject | OrderAction::RequestClarification => Permission::OrderVerify,
            _ => Permission::OrderWrite,
        };
        caller.require(permission)?;
        let reason = if action.needs_reason() { Some(require_reason(reason, "reason")?) } else { None };
        let mut conn = self.conn()?;
        let now = self.now();
        write_tx(&mut conn, |c| {
            let current = OrderRepository::new(c).find(id).map_err(AppError::not_found_as("order"))?;
            caller.require_at(permission, current.branch_id)?;
            let next = action.next(current.status).ok_or_else(|| {
                AppError::Conflict(format!("the order is {}; it cannot be given the action {action}", current.status))
            })?;
            if current.version != expected_version {
                return Err(AppError::StaleVersion { entity: "order", current: current.version });
            }
            let updated = Order {
                version: current.version + 1,
                status: next,
                status_reason: reason
                    .clone()
                    .or_else(|| current.status_reason.clone().filter(|_| next == OrderStatus::OnHold)),
                updated_at: now,
                submitted_at: if action == OrderAction::Submit { Some(now) } else { current.submitted_at },
                ..current.clone()
            };
            OrderRepository::new(c).update(&updated).map_err(|e| stale(e, current.version + 1))?;
            if matches!(action, OrderAction::Reject | OrderAction::RequestClarification) {
                self.record_verification(c, caller, &updated, next.as_str(), reason.as_deref(), &[], &[])?;
            }
            let audit_action = match action {
                OrderAction::Submit => AuditAction::Submit,
                OrderAction::Verify => AuditAction::Verify,
                OrderAction::Reject => AuditAction::Reject,
                OrderAction::RequestClarification => AuditAction::RequestClarification,
                OrderAction::Activate => AuditAction::Activate,
                OrderAction::Hold => AuditAction::Hold,
                OrderAction::Resume => AuditAction::Resume,
                OrderAction::Complete => AuditAction::Complete,
                OrderAction::Discontinue => AuditAction::Discontinue,
            };
            self.audit(c, caller, order_entry(audit_action, &updated, to_json(&current), reason.as_deref()))?;
            Ok(updated)
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn record_verification(
        &self,
        conn: &mut DbConn,
        caller: &Caller,
        order: &Order,
        outcome: &str,
        reason: Option<&str>,
        alerts: &[Alert],
        overrides: &[Override],
    ) -> Result<(), AppError> {
        OrderRepository::new(conn).insert_verification(&Verification {
            id: VerificationId::new().to_string(),
            order_id: order.id,
            order_version: order.version,
            outcome: outcome.to_owned(),
            pharmacist_id: caller.user.as_ref().map(|u| u.id),
            pharmacist_name: caller.actor_name(),
            occurred_at: self.now(),
            reason: reason.map(str::to_owned),
            alerts: serde_json::to_string(alerts).unwrap_or_else(|_| "[]".into()),
            overrides: serde_json::to_string(overrides).unwrap_or_else(|_| "[]".into()),
        })?;
        Ok(())
    }

    /// A pharmacist verifies an order. Decision support runs again on the stored order; every hard stop needs an
    /// override naming its key with a reason, else nothing is written (422 naming the alert). Each override is
    /// audited on its own. Two pharmacists at once: the second finds the order verified (409) or changed (412).
    pub fn verify_order(
        &self,
        caller: &Caller,
        id: OrderId,
        expected_version: i64,
        overrides: &[Override],
    ) -> Result<Order, AppError> {
        caller.require(Permission::OrderVerify)?;
        for (i, o) in overrides.iter().enumerate() {
            if o.reason.trim().chars().count() < 5 {
                return Err(AppError::invalid(
                    &format!("overrides[{i}].reason"),
                    "say why the alert is passed (at least 5 characters)",
                ));
            }
            if o.reason.chars().count() > 500 {
                return Err(AppError::invalid(&format!("overrides[{i}].reason"), "must be at most 500 characters"));
            }
        }
        let mut conn = self.conn()?;
        let now = self.now();
        write_tx(&mut conn, |c| {
            let current = OrderRepository::new(c).find(id).map_err(AppError::not_found_as("order"))?;
            caller.require_at(Permission::OrderVerify, current.branch_id)?;
            let next = OrderAction::Verify.next(current.status).ok_or_else(|| {
                AppError::Conflict(format!(
                    "the order is {}; only an order pending verification can be verified",
                    current.status
                ))
            })?;
            if current.version != expected_version {
                return Err(AppError::StaleVersion { entity: "order", current: current.version });
            }
            let patient = PatientRepository::new(c).find(current.patient_id)?;
            let branch = BranchRepository::new(c).find(patient.branch_id)?;
            let formulary = self.formulary.get(c)?;
            let records = PatientRecordRepository::new(c).clinical(patient.id)?;
            let entry = Self::entry(&formulary, &current.fields.drug_code)?;
            let check = self.run_checks(
                c,
                &patient,
                &branch,
                &formulary,
                &records,
                &current.fields,
                &entry,
                Some(current.lineage_id),
            )?;
            let mut missing = Vec::new();
            for alert in check.hard_stops() {
                if !overrides.iter().any(|o| o.key == alert.key) {
                    missing.push(domain::FieldError {
                        field: "overrides".into(),
                        message: format!(
                            "hard stop {} ({}) needs an override with a reason: {}",
                            alert.key, alert.code, alert.message
                        ),
                    });
                }
            }
            if !missing.is_empty() {
                return Err(AppError::Invalid(domain::ValidationErrors(missing)));
            }
            let used: Vec<Override> = overrides
                .iter()
                .filter(|o| check.alerts.iter().any(|a| a.key == o.key && a.severity == Severity::HardStop))
                .cloned()
                .collect();
            let updated = Order {
                version: current.version + 1,
                status: next,
                status_reason: None,
                updated_at: now,
                verified_by: caller.user.as_ref().map(|u| u.id),
                verified_at: Some(now),
                ..current.clone()
            };
            OrderRepository::new(c).update(&updated).map_err(|e| stale(e, current.version + 1))?;
            self.record_verification(c, caller, &updated, "verified", None, &check.alerts, &used)?;
            for o in &used {
                let alert = check.alerts.iter().find(|a| a.key == o.key);
                let mut entry = order_entry(AuditAction::Override, &updated, serde_json::Value::Null, Some(&o.reason));
                entry.after = serde_json::json!({
                    "alert": o.key,
                    "code": alert.map(|a| a.code),
                    "message": alert.map(|a| a.message.clone()),
                });
                self.audit(c, caller, entry)?;
            }
            self.audit(c, caller, order_entry(AuditAction::Verify, &updated, to_json(&current), None))?;
            Ok(updated)
        })
    }
}

/// The patient as decision support sees them: age on the branch's today, body size, latest creatinine in mg/dL,
/// active allergies.
pub fn patient_context(
    patient: &Patient,
    records: &PatientRecords,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> PatientContext {
    let age = patient.age_on(today);
    let creatinine = records
        .labs
        .iter()
        .filter(|l| l.fields.loinc.as_str() == CREATININE_LOINC)
        .max_by_key(|l| l.fields.collected_at)
        .and_then(|l| {
            clinical::renal::scr_mg_dl_from(l.fields.value, &l.fields.unit).map(|v| (v, l.fields.collected_at))
        });
    PatientContext {
        age_years: age,
        sex: patient.fields.sex,
        body: clinical::body::BodySize::from_measurements(&records.measurements, patient.fields.sex, age, now),
        creatinine,
        allergies: records
            .allergies
            .iter()
            .filter(|a| a.fields.status == domain::allergy::AllergyStatus::Active)
            .map(|a| a.fields.clone())
            .collect(),
        now,
    }
}
