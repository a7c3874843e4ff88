//! The sandbox's state: projects (workspaces), environments with providers, instance pools,
//! services and events, and the operations the API offers on them. Every operation returns
//! the JSON the API answers with, or an `ApiError`.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::ids::{new_uuid, now, timestamp};
use super::validate;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub uuid: String,
    pub name: String,
    pub created_at: String,
    pub limit_environment_number: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub uuid: String,
    pub platform_name: String,
    pub platform_icon: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub uuid: String,
    #[serde(skip)]
    pub workspace_uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub deleted_at: Option<String>,
    pub providers: Vec<Provider>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceType {
    pub uuid: String,
    pub name: String,
    pub memory: f64,
    #[serde(rename = "vCPUs")]
    pub vcpus: u32,
    pub ssd: u32,
    pub storage: Option<u32>,
    pub on_demand_cost: u64,
    pub reserved_cost: Option<u64>,
    pub price_factor: u64,
    pub monthly_price: u64,
}

impl InstanceType {
    pub fn hourly_price(&self) -> f64 {
        self.on_demand_cost as f64 / self.price_factor as f64
    }
}

/// The machine types each platform offers.
#[derive(Debug, Clone)]
pub struct Platform {
    pub name: String,
    pub icon: String,
    pub types: Vec<InstanceType>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub uuid: String,
    pub name: String,
    pub status: String,
    pub private_ip: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    pub uuid: String,
    pub name: String,
    pub environment_uuid: String,
    pub provider_uuid: String,
    pub instance_type_uuid: String,
    pub count_min: u32,
    pub count_max: u32,
    pub autoscaling: bool,
    pub tags: Vec<String>,
    pub instances: Vec<Instance>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub uuid: String,
    pub environment_uuid: String,
    pub created_at: String,
    pub updated_at: String,
    pub running_count: u32,
    /// The service definition as given (name, dockerConfiguration, ports, ...).
    pub definition: Map<String, Value>,
}

impl Service {
    pub fn name(&self) -> &str {
        self.definition
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn count(&self, field: &str) -> u32 {
        self.definition
            .get(field)
            .and_then(Value::as_u64)
            .map(|v| v.min(u32::MAX as u64) as u32)
            .unwrap_or(1)
    }

    /// The service as the API shows it: sensitive variable values are never sent back.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("uuid".into(), json!(self.uuid));
        out.insert("environmentUuid".into(), json!(self.environment_uuid));
        for (k, v) in &self.definition {
            out.insert(k.clone(), v.clone());
        }
        if let Some(Value::Array(vars)) = out.get_mut("environmentVariables") {
            for var in vars.iter_mut() {
                if var.get("isSensitive").and_then(Value::as_bool) == Some(true) {
                    var["value"] = json!("********");
                }
            }
        }
        let paused = self.definition.get("isPaused").and_then(Value::as_bool) == Some(true);
        out.insert(
            "status".into(),
            json!(if paused {
                "paused"
            } else if self.running_count > 0 {
                "running"
            } else {
                "stopped"
            }),
        );
        out.insert(
            "runningCount".into(),
            json!(if paused { 0 } else { self.running_count }),
        );
        out.insert("createdAt".into(), json!(self.created_at));
        out.insert("updatedAt".into(), json!(self.updated_at));
        Value::Object(out)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub uuid: String,
    pub created_at: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub resource_type: String,
    pub resource_uuid: String,
    pub environment_uuid: String,
}

#[derive(Debug, Clone, Default)]
pub struct World {
    pub global_limit: u32,
    pub platforms: Vec<Platform>,
    pub workspaces: Vec<Workspace>,
    pub environments: Vec<Environment>,
    pub pools: Vec<Pool>,
    pub services: Vec<Service>,
    pub events: Vec<Event>,
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl World {
    // ---- lookups

    pub fn workspace(&self, uuid: &str) -> Result<&Workspace, ApiError> {
        self.workspaces
            .iter()
            .find(|w| w.uuid == uuid)
            .ok_or_else(|| ApiError::not_found("Workspace", uuid))
    }

    /// An environment that is not deleted: the only kind that can hold or receive anything.
    pub fn environment(&self, uuid: &str) -> Result<&Environment, ApiError> {
        self.environments
            .iter()
            .find(|e| e.uuid == uuid && e.deleted_at.is_none())
            .ok_or_else(|| ApiError::not_found("Environment", uuid))
    }

    pub fn provider(&self, uuid: &str) -> Result<(&Environment, &Provider), ApiError> {
        self.environments
            .iter()
            .find_map(|e| e.providers.iter().find(|p| p.uuid == uuid).map(|p| (e, p)))
            .ok_or_else(|| ApiError::not_found("Provider", uuid))
    }

    pub fn platform(&self, name: &str) -> Option<&Platform> {
        self.platforms
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn instance_type(&self, uuid: &str) -> Option<&InstanceType> {
        self.platforms
            .iter()
            .flat_map(|p| &p.types)
            .find(|t| t.uuid == uuid)
    }

    pub fn pool(&self, uuid: &str) -> Result<&Pool, ApiError> {
        self.pools
            .iter()
            .find(|p| p.uuid == uuid)
            .ok_or_else(|| ApiError::not_found("Instance pool", uuid))
    }

    pub fn service(&self, uuid: &str) -> Result<&Service, ApiError> {
        self.services
            .iter()
            .find(|s| s.uuid == uuid)
            .ok_or_else(|| ApiError::not_found("Service", uuid))
    }

    fn event(
        &mut self,
        kind: &str,
        message: String,
        resource_type: &str,
        resource_uuid: &str,
        environment_uuid: &str,
    ) {
        self.events.push(Event {
            uuid: new_uuid(),
            created_at: timestamp(now()),
            kind: kind.into(),
            message,
            resource_type: resource_type.into(),
            resource_uuid: resource_uuid.into(),
            environment_uuid: environment_uuid.into(),
        });
    }

    // ---- projects (workspaces)

    pub fn list_workspaces(&self, with_environments: bool) -> Value {
        let live = |e: &&Environment| e.deleted_at.is_none();
        let workspaces: Vec<Value> = self
            .workspaces
            .iter()
            .map(|w| {
                let mut v = to_value(w);
                if with_environments {
                    let envs: Vec<Value> = self
                        .environments
                        .iter()
                        .filter(live)
                        .filter(|e| e.workspace_uuid == w.uuid)
                        .map(|e| json!({"uuid": e.uuid, "name": e.name, "deletedAt": e.deleted_at, "providers": e.providers}))
                        .collect();
                    v["environments"] = Value::Array(envs);
                }
                v
            })
            .collect();
        json!({
            "globalLimitEnvironmentNumber": self.global_limit,
            "totalAssociatedEnvironments": self.environments.iter().filter(live).count(),
            "workspaces": workspaces,
        })
    }

    pub fn create_workspace(&mut self, body: &Map<String, Value>) -> Result<Value, ApiError> {
        validate::only_fields(body, &["name"])?;
        let name = validate::required_name(body, "name")?;
        let workspace = Workspace {
            uuid: new_uuid(),
            name,
            created_at: timestamp(now()),
            limit_environment_number: 4,
        };
        let v = to_value(&workspace);
        self.workspaces.push(workspace);
        Ok(v)
    }

    pub fn delete_workspace(&mut self, uuid: &str) -> Result<Value, ApiError> {
        let workspace = self.workspace(uuid)?.clone();
        let envs: Vec<String> = self
            .environments
            .iter()
            .filter(|e| e.workspace_uuid == uuid)
            .map(|e| e.uuid.clone())
            .collect();
        for env in &envs {
            self.remove_environment_contents(env);
        }
        self.environments.retain(|e| e.workspace_uuid != uuid);
        self.workspaces.retain(|w| w.uuid != uuid);
        Ok(
            json!({"uuid": workspace.uuid, "name": workspace.name, "deleted": true, "deletedEnvironments": envs.len()}),
        )
    }

    // ---- environments

    pub fn list_environments(&self, workspace: &str) -> Result<Value, ApiError> {
        self.workspace(workspace)?;
        Ok(Value::Array(
            self.environments
                .iter()
                .filter(|e| e.workspace_uuid == workspace && e.deleted_at.is_none())
                .map(to_value)
                .collect(),
        ))
    }

    /// Deleted environments still read, with their `deletedAt` (the documented soft delete).
    pub fn get_environment(&self, uuid: &str) -> Result<Value, ApiError> {
        let env = self
            .environments
            .iter()
            .find(|e| e.uuid == uuid)
            .ok_or_else(|| ApiError::not_found("Environment", uuid))?;
        let mut v = to_value(env);
        v["workspaceUuid"] = json!(env.workspace_uuid);
        v["instancePoolCount"] = json!(
            self.pools
                .iter()
                .filter(|p| p.environment_uuid == uuid)
                .count()
        );
        v["serviceCount"] = json!(
            self.services
                .iter()
                .filter(|s| s.environment_uuid == uuid)
                .count()
        );
        Ok(v)
    }

    pub fn create_environment(
        &mut self,
        workspace: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let ws = self.workspace(workspace)?.clone();
        validate::only_fields(body, &["name", "type", "providers"])?;
        let name = validate::required_name(body, "name")?;
        let kind = match body.get("type") {
            None | Some(Value::Null) => "standard".to_owned(),
            Some(Value::String(t)) if t == "standard" || t == "premium" => t.clone(),
            Some(_) => {
                return Err(ApiError::bad_request(vec![
                    "type must be one of the following values: standard, premium".into(),
                ]));
            }
        };
        let platforms: Vec<String> = match body.get("providers") {
            None | Some(Value::Null) => vec!["Scaleway".into()],
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut names = Vec::new();
                for item in items {
                    match item.as_str().and_then(|n| self.platform(n)) {
                        Some(p) => names.push(p.name.clone()),
                        None => {
                            let known: Vec<&str> =
                                self.platforms.iter().map(|p| p.name.as_str()).collect();
                            return Err(ApiError::bad_request(vec![format!(
                                "each value in providers must be one of the following values: {}",
                                known.join(", ")
                            )]));
                        }
                    }
                }
                names
            }
            Some(_) => {
                return Err(ApiError::bad_request(vec![
                    "providers must be a non-empty array of platform names".into(),
                ]));
            }
        };
        if self
            .environments
            .iter()
            .any(|e| e.workspace_uuid == workspace && e.name == name && e.deleted_at.is_none())
        {
            return Err(ApiError::conflict(format!(
                "An environment named {name} already exists in this project"
            )));
        }
        let in_workspace = self
            .environments
            .iter()
            .filter(|e| e.workspace_uuid == workspace && e.deleted_at.is_none())
            .count() as u32;
        if in_workspace >= ws.limit_environment_number {
            return Err(ApiError::bad_request_one(format!(
                "Environment limit reached for this project ({in_workspace} of {})",
                ws.limit_environment_number
            )));
        }
        let total = self
            .environments
            .iter()
            .filter(|e| e.deleted_at.is_none())
            .count() as u32;
        if total >= self.global_limit {
            return Err(ApiError::bad_request_one(format!(
                "Environment limit reached for this account ({total} of {})",
                self.global_limit
            )));
        }
        let providers = platforms
            .iter()
            .filter_map(|n| self.platform(n))
            .map(|p| Provider {
                uuid: new_uuid(),
                platform_name: p.name.clone(),
                platform_icon: p.icon.clone(),
            })
            .collect();
        let env = Environment {
            uuid: new_uuid(),
            workspace_uuid: workspace.into(),
            name: name.clone(),
            kind,
            created_at: timestamp(now()),
            deleted_at: None,
            providers,
        };
        let v = to_value(&env);
        let uuid = env.uuid.clone();
        self.environments.push(env);
        self.event(
            "environment.created",
            format!("Environment {name} created"),
            "environment",
            &uuid,
            &uuid,
        );
        Ok(v)
    }

    pub fn delete_environment(&mut self, uuid: &str) -> Result<Value, ApiError> {
        let env = self.environment(uuid)?.clone();
        self.remove_environment_contents(uuid);
        let deleted_at = timestamp(now());
        if let Some(e) = self.environments.iter_mut().find(|e| e.uuid == uuid) {
            e.deleted_at = Some(deleted_at.clone());
        }
        Ok(json!({"uuid": env.uuid, "name": env.name, "deletedAt": deleted_at}))
    }

    fn remove_environment_contents(&mut self, env: &str) {
        self.pools.retain(|p| p.environment_uuid != env);
        self.services.retain(|s| s.environment_uuid != env);
        self.events.retain(|e| e.environment_uuid != env);
    }

    // ---- providers and instance pools

    pub fn instance_types(&self, provider: &str) -> Result<Value, ApiError> {
        let (_, p) = self.provider(provider)?;
        Ok(self
            .platform(&p.platform_name)
            .map(|pl| to_value(&pl.types))
            .unwrap_or_else(|| json!([])))
    }

    pub fn pool_json(&self, pool: &Pool) -> Value {
        let mut v = to_value(pool);
        if let Some(t) = self.instance_type(&pool.instance_type_uuid) {
            v["instanceTypeName"] = json!(t.name);
        }
        v
    }

    pub fn list_pools(&self, env: &str) -> Result<Value, ApiError> {
        self.environment(env)?;
        Ok(Value::Array(
            self.pools
                .iter()
                .filter(|p| p.environment_uuid == env)
                .map(|p| self.pool_json(p))
                .collect(),
        ))
    }

    pub fn get_pool(&self, uuid: &str) -> Result<Value, ApiError> {
        Ok(self.pool_json(self.pool(uuid)?))
    }

    pub fn create_pool(
        &mut self,
        provider: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let (env, p) = self.provider(provider)?;
        let (env_uuid, platform) = (env.uuid.clone(), p.platform_name.clone());
        // The pool body's field names are guesses: other fields are ignored, not refused, so
        // that the sandbox does not harden the guess (docs/sandbox.md).
        let mut errors = Vec::new();
        let name = validate::required_name(body, "name")
            .map_err(|e| errors.push(e))
            .ok();
        let type_uuid = match body.get("instanceTypeUuid").and_then(Value::as_str) {
            Some(t)
                if self
                    .platform(&platform)
                    .is_some_and(|pl| pl.types.iter().any(|it| it.uuid == t)) =>
            {
                Some(t.to_owned())
            }
            Some(_) => {
                errors.push(ApiError::bad_request_one(format!("instanceTypeUuid must be one of the machine types of this {platform} provider (GET /v1/providers/{provider}/instancesTypes)")));
                None
            }
            None => {
                errors.push(ApiError::bad_request_one("instanceTypeUuid must be a UUID"));
                None
            }
        };
        let (min, max) = validate::bounds(body, None)
            .map_err(|e| errors.push(e))
            .ok()
            .unwrap_or((1, 1));
        if !errors.is_empty() {
            return Err(validate::merge(errors));
        }
        let (name, type_uuid) = (name.unwrap_or_default(), type_uuid.unwrap_or_default());
        if self
            .pools
            .iter()
            .any(|p| p.environment_uuid == env_uuid && p.name == name)
        {
            return Err(ApiError::conflict(format!(
                "An instance pool named {name} already exists in this environment"
            )));
        }
        let at = timestamp(now());
        let mut pool = Pool {
            uuid: new_uuid(),
            name: name.clone(),
            environment_uuid: env_uuid.clone(),
            provider_uuid: provider.into(),
            instance_type_uuid: type_uuid,
            count_min: min,
            count_max: max,
            autoscaling: body
                .get("autoscaling")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            tags: validate::strings(body, "tags")?,
            instances: Vec::new(),
            created_at: at.clone(),
            updated_at: at,
        };
        resize(&mut pool, min);
        let v = self.pool_json(&pool);
        let uuid = pool.uuid.clone();
        self.pools.push(pool);
        self.event(
            "instancePool.created",
            format!("Instance pool {name} created with {min} instance(s)"),
            "instancePool",
            &uuid,
            &env_uuid,
        );
        Ok(v)
    }

    pub fn update_pool(
        &mut self,
        uuid: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let current = self.pool(uuid)?.clone();
        // The pool body's field names are guesses: other fields are ignored, not refused, so
        // that the sandbox does not harden the guess (docs/sandbox.md).
        let mut pool = current.clone();
        if body.contains_key("name") {
            pool.name = validate::required_name(body, "name")?;
        }
        if let Some(t) = body.get("instanceTypeUuid") {
            let (_, provider) = self.provider(&pool.provider_uuid)?;
            let ok = t.as_str().is_some_and(|t| {
                self.platform(&provider.platform_name)
                    .is_some_and(|pl| pl.types.iter().any(|it| it.uuid == t))
            });
            if !ok {
                return Err(ApiError::bad_request(vec![
                    "instanceTypeUuid must be one of the machine types of the pool's provider"
                        .into(),
                ]));
            }
            pool.instance_type_uuid = t.as_str().unwrap_or_default().to_owned();
        }
        let (min, max) = validate::bounds(body, Some((pool.count_min, pool.count_max)))?;
        pool.count_min = min;
        pool.count_max = max;
        if let Some(a) = body.get("autoscaling") {
            pool.autoscaling = a.as_bool().ok_or_else(|| {
                ApiError::bad_request(vec!["autoscaling must be a boolean value".into()])
            })?;
        }
        if body.contains_key("tags") {
            pool.tags = validate::strings(body, "tags")?;
        }
        let target = (pool.instances.len() as u32).clamp(min, max);
        resize(&mut pool, target);
        pool.updated_at = timestamp(now());
        let v = self.pool_json(&pool);
        let message = if (current.count_min, current.count_max) != (min, max) {
            format!(
                "Instance pool {} bounds set to {min}..{max} ({} instance(s) running)",
                pool.name,
                pool.instances.len()
            )
        } else {
            format!("Instance pool {} updated", pool.name)
        };
        let env = pool.environment_uuid.clone();
        if let Some(slot) = self.pools.iter_mut().find(|p| p.uuid == uuid) {
            *slot = pool;
        }
        self.event("instancePool.updated", message, "instancePool", uuid, &env);
        Ok(v)
    }

    pub fn delete_pool(&mut self, uuid: &str) -> Result<Value, ApiError> {
        let pool = self.pool(uuid)?.clone();
        self.pools.retain(|p| p.uuid != uuid);
        self.event(
            "instancePool.deleted",
            format!("Instance pool {} deleted", pool.name),
            "instancePool",
            uuid,
            &pool.environment_uuid,
        );
        Ok(json!({"uuid": pool.uuid, "name": pool.name, "deleted": true}))
    }

    // ---- services

    pub fn list_services(&self, env: &str) -> Result<Value, ApiError> {
        self.environment(env)?;
        Ok(Value::Array(
            self.services
                .iter()
                .filter(|s| s.environment_uuid == env)
                .map(Service::to_json)
                .collect(),
        ))
    }

    pub fn get_service(&self, uuid: &str) -> Result<Value, ApiError> {
        Ok(self.service(uuid)?.to_json())
    }

    pub fn create_service(
        &mut self,
        env: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        self.environment(env)?;
        let mut definition = validate::service(body, None)?;
        let name = definition
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if self
            .services
            .iter()
            .any(|s| s.environment_uuid == env && s.name() == name)
        {
            return Err(ApiError::conflict(format!(
                "A service named {name} already exists in this environment"
            )));
        }
        definition.entry("type").or_insert(json!("classic"));
        definition.entry("countMin").or_insert(json!(1));
        let min = definition.get("countMin").cloned().unwrap_or(json!(1));
        definition.entry("countMax").or_insert(min);
        if let Some(Value::Object(docker)) = definition.get_mut("dockerConfiguration") {
            docker.entry("imageVersion").or_insert(json!("latest"));
            docker.entry("isPrivateRegistry").or_insert(json!(false));
        }
        let at = timestamp(now());
        let mut service = Service {
            uuid: new_uuid(),
            environment_uuid: env.into(),
            created_at: at.clone(),
            updated_at: at,
            running_count: 0,
            definition,
        };
        service.running_count = service.count("countMin");
        let v = service.to_json();
        let uuid = service.uuid.clone();
        let image = image_of(&service);
        self.services.push(service);
        self.event(
            "service.created",
            format!("Service {name} created from {image}"),
            "service",
            &uuid,
            env,
        );
        Ok(v)
    }

    pub fn update_service(
        &mut self,
        uuid: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let current = self.service(uuid)?.clone();
        let definition = validate::service(body, Some(&current.definition))?;
        let name = definition
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if name != current.name()
            && self
                .services
                .iter()
                .any(|s| s.environment_uuid == current.environment_uuid && s.name() == name)
        {
            return Err(ApiError::conflict(format!(
                "A service named {name} already exists in this environment"
            )));
        }
        let mut service = current.clone();
        service.definition = definition;
        service.running_count = service
            .running_count
            .clamp(service.count("countMin"), service.count("countMax"));
        service.updated_at = timestamp(now());
        let scaled = (current.count("countMin"), current.count("countMax"))
            != (service.count("countMin"), service.count("countMax"));
        let (kind, message) = if scaled {
            (
                "service.scaled",
                format!(
                    "Service {name} scaled to {}..{} replicas ({} running)",
                    service.count("countMin"),
                    service.count("countMax"),
                    service.running_count
                ),
            )
        } else {
            (
                "service.updated",
                format!(
                    "Service {name} updated ({})",
                    body.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        };
        let v = service.to_json();
        let env = service.environment_uuid.clone();
        if let Some(slot) = self.services.iter_mut().find(|s| s.uuid == uuid) {
            *slot = service;
        }
        self.event(kind, message, "service", uuid, &env);
        Ok(v)
    }

    pub fn delete_service(&mut self, uuid: &str) -> Result<Value, ApiError> {
        let service = self.service(uuid)?.clone();
        self.services.retain(|s| s.uuid != uuid);
        self.event(
            "service.deleted",
            format!("Service {} deleted", service.name()),
            "service",
            uuid,
            &service.environment_uuid,
        );
        Ok(json!({"uuid": service.uuid, "name": service.name(), "deleted": true}))
    }

    // ---- events

    /// Events of an environment, a service or a pool, newest first.
    pub fn events(&self, matches: impl Fn(&Event) -> bool) -> Value {
        Value::Array(
            self.events
                .iter()
                .rev()
                .filter(|e| matches(e))
                .map(to_value)
                .collect(),
        )
    }
}

fn image_of(service: &Service) -> String {
    let docker = service.definition.get("dockerConfiguration");
    let image = docker
        .and_then(|d| d.get("image"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    let tag = docker
        .and_then(|d| d.get("imageVersion"))
        .and_then(Value::as_str)
        .unwrap_or("latest");
    format!("{image}:{tag}")
}

/// Adds or removes instances until the pool has `target`.
pub fn resize(pool: &mut Pool, target: u32) {
    let target = target as usize;
    pool.instances.truncate(target);
    while pool.instances.len() < target {
        let n = pool.instances.len() + 1;
        let uuid = new_uuid();
        let seed = super::ids::hash(&uuid);
        pool.instances.push(Instance {
            uuid,
            name: format!("{}-{n}", pool.name),
            status: "running".into(),
            private_ip: format!("10.{}.{}.{}", seed % 200, (seed >> 8) % 250, 10 + n),
            created_at: timestamp(now()),
        });
    }
}
