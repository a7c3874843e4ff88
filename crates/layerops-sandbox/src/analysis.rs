//! `/analyze` (costs from what runs and the machine prices) and monitoring time series.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::ids::{hash, now, parse_time, timestamp};
use super::world::World;

/// Reads `startTime`/`endTime` (ISO 8601), defaulting to the `default` span ending now.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    default: Duration,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let parse = |field: &str, v: Option<&str>| -> Result<Option<DateTime<Utc>>, ApiError> {
        match v {
            None | Some("") => Ok(None),
            Some(s) => parse_time(s).map(Some).ok_or_else(|| {
                ApiError::bad_request(vec![format!(
                    "{field} must be a valid ISO 8601 date string"
                )])
            }),
        }
    };
    let end = parse("endTime", end)?.unwrap_or_else(now);
    let start = parse("startTime", start)?.unwrap_or(end - default);
    if start >= end {
        return Err(ApiError::bad_request(vec![
            "startTime must be before endTime".into(),
        ]));
    }
    if end - start > Duration::days(366) {
        return Err(ApiError::bad_request(vec![
            "the window between startTime and endTime must not exceed 366 days".into(),
        ]));
    }
    Ok((start, end))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The cost of an environment over a window: every instance of every pool at its machine's
/// on-demand price, shared among the services by their CPU reservations.
pub fn analyze(
    world: &World,
    env: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let environment = world.environment(env)?;
    let hours = (end - start).num_seconds() as f64 / 3600.0;
    let mut total = 0.0;
    let mut pools = Vec::new();
    let mut vcpus = 0u32;
    let mut memory_gb = 0.0;
    for pool in world.pools.iter().filter(|p| p.environment_uuid == env) {
        let Some(machine) = world.instance_type(&pool.instance_type_uuid) else {
            continue;
        };
        let instances = pool.instances.len() as f64;
        let cost = machine.hourly_price() * instances * hours;
        total += cost;
        vcpus += machine.vcpus * pool.instances.len() as u32;
        memory_gb += machine.memory * instances;
        pools.push(json!({
            "uuid": pool.uuid,
            "name": pool.name,
            "instanceType": machine.name,
            "instances": pool.instances.len(),
            "hourlyPricePerInstance": machine.hourly_price(),
            "cost": round2(cost),
        }));
    }
    let services: Vec<_> = world
        .services
        .iter()
        .filter(|s| s.environment_uuid == env)
        .collect();
    let reserved: Vec<f64> = services
        .iter()
        .map(|s| {
            s.definition
                .get("cpuLimit")
                .and_then(Value::as_u64)
                .unwrap_or(100) as f64
                * s.running_count as f64
        })
        .collect();
    let reserved_total: f64 = reserved.iter().sum();
    let service_costs: Vec<Value> = services
        .iter()
        .zip(&reserved)
        .map(|(s, r)| {
            let share = if reserved_total > 0.0 {
                r / reserved_total
            } else {
                0.0
            };
            json!({
                "uuid": s.uuid,
                "name": s.name(),
                "runningCount": s.running_count,
                "cpuLimit": s.definition.get("cpuLimit"),
                "memoryLimitMiB": s.definition.get("memoryLimitMiB"),
                "costShare": round2(share),
                "estimatedCost": round2(total * share),
            })
        })
        .collect();
    let reserved_vcpus = reserved_total / 100.0;
    Ok(json!({
        "environmentUuid": environment.uuid,
        "environmentName": environment.name,
        "startTime": timestamp(start),
        "endTime": timestamp(end),
        "hours": round2(hours),
        "currency": "EUR",
        "totalCost": round2(total),
        "instancePools": pools,
        "services": service_costs,
        "usage": {
            "vCPUs": vcpus,
            "memoryGB": memory_gb,
            "reservedVCPUs": round2(reserved_vcpus),
            "cpuReservationPercent": if vcpus > 0 { round2(100.0 * reserved_vcpus / vcpus as f64) } else { 0.0 },
        },
    }))
}

const MAX_POINTS: i64 = 500;

/// Plausible, repeatable series for a service, a pool or an instance of `env`.
pub fn monitoring(
    world: &World,
    env: &str,
    kind: &str,
    id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    step: Option<&str>,
) -> Result<Value, ApiError> {
    world.environment(env)?;
    let (resource_type, metrics): (&str, &[(&str, &str, f64, f64)]) = match kind {
        "services" => {
            let s = world.service(id)?;
            if s.environment_uuid != env {
                return Err(ApiError::not_found("Service", id));
            }
            (
                "service",
                &[
                    ("cpu_percent", "%", 35.0, 20.0),
                    ("memory_mib", "MiB", 180.0, 60.0),
                    ("requests_per_second", "req/s", 40.0, 30.0),
                ],
            )
        }
        "instancePools" => {
            let p = world.pool(id)?;
            if p.environment_uuid != env {
                return Err(ApiError::not_found("Instance pool", id));
            }
            (
                "instancePool",
                &[
                    ("cpu_percent", "%", 45.0, 20.0),
                    ("memory_percent", "%", 55.0, 15.0),
                    ("instances", "count", p.instances.len() as f64, 0.0),
                ],
            )
        }
        "instances" => {
            let found = world
                .pools
                .iter()
                .filter(|p| p.environment_uuid == env)
                .any(|p| p.instances.iter().any(|i| i.uuid == id));
            if !found {
                return Err(ApiError::not_found("Instance", id));
            }
            (
                "instance",
                &[
                    ("cpu_percent", "%", 40.0, 25.0),
                    ("memory_percent", "%", 60.0, 10.0),
                    ("network_in_kbps", "kbit/s", 800.0, 500.0),
                ],
            )
        }
        _ => {
            return Err(ApiError::bad_request(vec![
                "the monitored kind must be one of: services, instancePools, instances".into(),
            ]));
        }
    };
    let span = (end - start).num_seconds().max(1);
    let requested = match step {
        None | Some("") => 60,
        Some(s) => s.parse::<i64>().ok().filter(|s| *s > 0).ok_or_else(|| {
            ApiError::bad_request(vec!["step must be a positive number of seconds".into()])
        })?,
    };
    let step = requested.max(span / MAX_POINTS).max(1);
    let seed = hash(id);
    let series: Vec<Value> = metrics
        .iter()
        .enumerate()
        .map(|(m, (name, unit, base, amplitude))| {
            let points: Vec<Value> = (0..=span / step)
                .map(|i| {
                    let t = start + Duration::seconds(i * step);
                    let x = t.timestamp() as f64;
                    let phase = ((seed >> (m * 8)) & 0xff) as f64 / 40.0;
                    let noise = ((hash(&format!("{seed}{m}{}", t.timestamp())) % 1000) as f64
                        / 1000.0
                        - 0.5)
                        * amplitude
                        * 0.3;
                    let value = (base + amplitude * (x / 5400.0 + phase).sin() + noise).max(0.0);
                    let value = if *unit == "%" {
                        value.min(100.0)
                    } else {
                        value
                    };
                    json!([timestamp(t), round2(value)])
                })
                .collect();
            json!({"metric": name, "unit": unit, "points": points})
        })
        .collect();
    Ok(json!({
        "resourceType": resource_type,
        "resourceUuid": id,
        "environmentUuid": env,
        "startTime": timestamp(start),
        "endTime": timestamp(end),
        "stepSeconds": step,
        "series": series,
    }))
}
