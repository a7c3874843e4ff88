//! The demo world the sandbox starts with: two projects, their environments and providers,
//! instance pools of priced machines, running services and their history. Identifiers are
//! stable from one start to the next.

use serde_json::{Map, Value, json};

use super::ids::demo_uuid;
use super::world::{
    Environment, Event, Instance, InstanceType, Platform, Pool, Provider, Service, World,
};

/// Prices are integers to divide by this factor (the API's `priceFactor`).
const PRICE_FACTOR: u64 = 10_000;

fn machine(seed: u64, name: &str, memory: f64, vcpus: u32, ssd: u32, hourly: u64) -> InstanceType {
    InstanceType {
        uuid: demo_uuid(seed),
        name: name.into(),
        memory,
        vcpus,
        ssd,
        storage: None,
        on_demand_cost: hourly,
        reserved_cost: None,
        price_factor: PRICE_FACTOR,
        monthly_price: hourly * 720,
    }
}

fn platforms() -> Vec<Platform> {
    vec![
        Platform {
            name: "Scaleway".into(),
            icon: "scaleway-icon.svg".into(),
            types: vec![
                machine(101, "DEV1-S", 2.0, 2, 20, 99),
                machine(102, "DEV1-M", 4.0, 3, 40, 198),
                machine(103, "GP1-XS", 16.0, 4, 150, 1100),
            ],
        },
        Platform {
            name: "Amazon Web Services".into(),
            icon: "aws-icon.svg".into(),
            types: vec![
                machine(111, "t3.medium", 4.0, 2, 0, 456),
                machine(112, "m5.large", 8.0, 2, 0, 1070),
            ],
        },
        // The two Azure machines and their prices are those of the API's documented example.
        Platform {
            name: "Azure".into(),
            icon: "azure-icon.svg".into(),
            types: vec![
                machine(121, "B2s", 4.0, 2, 8, 472),
                machine(122, "DS1 v2", 3.5, 1, 7, 877),
            ],
        },
        Platform {
            name: "Google Cloud Platform".into(),
            icon: "gcp-icon.svg".into(),
            types: vec![
                machine(131, "e2-medium", 4.0, 2, 0, 380),
                machine(132, "n2-standard-2", 8.0, 2, 0, 1068),
            ],
        },
    ]
}

fn provider(seed: u64, platform: &Platform) -> Provider {
    Provider {
        uuid: demo_uuid(seed),
        platform_name: platform.name.clone(),
        platform_icon: platform.icon.clone(),
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn world() -> World {
    let platforms = platforms();
    let (scw, aws, azure, gcp) = (&platforms[0], &platforms[1], &platforms[2], &platforms[3]);
    let shop = demo_uuid(1);
    let lab = demo_uuid(2);
    let (prod, staging, analytics) = (demo_uuid(11), demo_uuid(12), demo_uuid(13));
    let environments = vec![
        Environment {
            uuid: prod.clone(),
            workspace_uuid: shop.clone(),
            name: "production".into(),
            kind: "premium".into(),
            created_at: "2026-03-02T09:14:07.000Z".into(),
            deleted_at: None,
            providers: vec![provider(21, scw), provider(22, aws)],
        },
        Environment {
            uuid: staging.clone(),
            workspace_uuid: shop.clone(),
            name: "staging".into(),
            kind: "standard".into(),
            created_at: "2026-03-02T09:20:41.000Z".into(),
            deleted_at: None,
            providers: vec![provider(23, scw)],
        },
        Environment {
            uuid: analytics.clone(),
            workspace_uuid: lab.clone(),
            name: "analytics".into(),
            kind: "standard".into(),
            created_at: "2026-06-18T14:02:55.000Z".into(),
            deleted_at: None,
            providers: vec![provider(24, azure), provider(25, gcp)],
        },
    ];

    let pool = |seed: u64,
                name: &str,
                env: &str,
                provider: u64,
                machine: &InstanceType,
                min: u32,
                max: u32,
                running: u32,
                at: &str| Pool {
        uuid: demo_uuid(seed),
        name: name.into(),
        environment_uuid: env.into(),
        provider_uuid: demo_uuid(provider),
        instance_type_uuid: machine.uuid.clone(),
        count_min: min,
        count_max: max,
        autoscaling: min != max,
        tags: vec![],
        instances: (1..=running)
            .map(|n| Instance {
                uuid: demo_uuid(seed * 100 + u64::from(n)),
                name: format!("{name}-{n}"),
                status: "running".into(),
                private_ip: format!("10.{}.0.{}", seed % 200, 10 + n),
                created_at: at.into(),
            })
            .collect(),
        created_at: at.into(),
        updated_at: at.into(),
    };
    let pools = vec![
        pool(
            31,
            "web-pool",
            &prod,
            21,
            &scw.types[1],
            2,
            6,
            3,
            "2026-03-02T09:31:12.000Z",
        ),
        pool(
            32,
            "db-pool",
            &prod,
            22,
            &aws.types[1],
            1,
            1,
            1,
            "2026-03-02T09:33:40.000Z",
        ),
        pool(
            33,
            "staging-pool",
            &staging,
            23,
            &scw.types[0],
            1,
            2,
            1,
            "2026-03-02T09:40:03.000Z",
        ),
        pool(
            34,
            "notebooks",
            &analytics,
            24,
            &azure.types[0],
            1,
            3,
            2,
            "2026-06-18T14:10:21.000Z",
        ),
    ];

    let service = |seed: u64, env: &str, running: u32, at: &str, definition: Value| Service {
        uuid: demo_uuid(seed),
        environment_uuid: env.into(),
        created_at: at.into(),
        updated_at: at.into(),
        running_count: running,
        definition: object(definition),
    };
    let http_check = |path: &str| json!({"healthCheckEnabled": true, "healthCheckType": "HTTP", "healthCheckPath": path, "healthCheckMethod": "GET", "healthCheckTimeoutSeconds": 5, "healthCheckIntervalSeconds": 30});
    let services = vec![
        service(
            41,
            &prod,
            3,
            "2026-03-02T10:02:11.000Z",
            json!({
                "name": "web", "type": "classic",
                "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27", "isPrivateRegistry": false},
                "countMin": 2, "countMax": 6, "cpuLimit": 50, "memoryLimitMiB": 256, "cpuLimitHigh": 80, "cpuLimitLow": 30, "cooldownMinutes": 5,
                "ports": [{"listeningPort": 80, "protocol": "tcp", "healthCheck": http_check("/"), "loadBalancerRules": [{"publicPort": 443, "customDomains": ["shop.acme.example"]}]}],
                "environmentVariables": [{"key": "API_URL", "value": "http://api:8080", "isSensitive": false}],
                "links": [{"toServiceId": demo_uuid(42), "toServiceProtocol": "tcp", "toServicePort": 8080, "localExposedPort": 8080, "variableHost": "API_HOST", "variablePort": "API_PORT", "variableAddress": "API_ADDRESS"}],
                "constraints": {"instancePoolUuids": [demo_uuid(31)], "providerUuids": [], "tags": []},
            }),
        ),
        service(
            42,
            &prod,
            2,
            "2026-03-02T10:05:48.000Z",
            json!({
                "name": "api", "type": "classic",
                "dockerConfiguration": {"image": "ghcr.io/acme/shop-api", "imageVersion": "2.4.1", "isPrivateRegistry": true, "secretUuid": demo_uuid(51)},
                "countMin": 2, "countMax": 4, "cpuLimit": 100, "memoryLimitMiB": 512,
                "ports": [{"listeningPort": 8080, "protocol": "tcp", "healthCheck": http_check("/health"), "loadBalancerRules": []}],
                "environmentVariables": [
                    {"key": "DATABASE_HOST", "value": "postgres", "isSensitive": false},
                    {"key": "DATABASE_PASSWORD", "value": "demo-password", "isSensitive": true},
                ],
            }),
        ),
        service(
            43,
            &prod,
            1,
            "2026-03-02T10:01:02.000Z",
            json!({
                "name": "postgres", "type": "classic",
                "dockerConfiguration": {"image": "postgres", "imageVersion": "16", "isPrivateRegistry": false},
                "countMin": 1, "countMax": 1, "cpuLimit": 200, "memoryLimitMiB": 2048,
                "ports": [{"listeningPort": 5432, "protocol": "tcp", "healthCheck": {"healthCheckEnabled": true, "healthCheckType": "TCP", "healthCheckTimeoutSeconds": 5, "healthCheckIntervalSeconds": 15}, "loadBalancerRules": []}],
                "environmentVariables": [{"key": "POSTGRES_PASSWORD", "value": "demo-password", "isSensitive": true}],
                "constraints": {"instancePoolUuids": [demo_uuid(32)], "providerUuids": [], "tags": []},
            }),
        ),
        service(
            44,
            &staging,
            1,
            "2026-03-02T10:12:30.000Z",
            json!({
                "name": "web", "type": "classic",
                "dockerConfiguration": {"image": "nginx", "imageVersion": "1.27", "isPrivateRegistry": false},
                "countMin": 1, "countMax": 1, "cpuLimit": 50, "memoryLimitMiB": 256,
                "ports": [{"listeningPort": 80, "protocol": "tcp", "healthCheck": http_check("/"), "loadBalancerRules": [{"publicPort": 443, "customDomains": ["staging.acme.example"]}]}],
            }),
        ),
        service(
            45,
            &analytics,
            1,
            "2026-06-18T14:20:16.000Z",
            json!({
                "name": "jupyter", "type": "classic",
                "dockerConfiguration": {"image": "jupyter/base-notebook", "imageVersion": "2024-05-13", "isPrivateRegistry": false},
                "countMin": 1, "countMax": 1, "cpuLimit": 150, "memoryLimitMiB": 3072,
                "ports": [{"listeningPort": 8888, "protocol": "tcp", "healthCheck": http_check("/api"), "loadBalancerRules": [{"publicPort": 443, "customDomains": []}]}],
                "environmentVariables": [{"key": "JUPYTER_TOKEN", "value": "demo-token", "isSensitive": true}],
            }),
        ),
        service(
            46,
            &analytics,
            0,
            "2026-06-20T08:45:00.000Z",
            json!({
                "name": "nightly-report", "type": "classic",
                "dockerConfiguration": {"image": "python", "imageVersion": "3.12-slim", "isPrivateRegistry": false, "command": ["python", "-m", "report"]},
                "countMin": 0, "countMax": 1, "cpuLimit": 100, "memoryLimitMiB": 512,
                "cronExpression": "0 3 * * *", "cronAllowOverlap": false,
            }),
        ),
    ];

    let event = |seed: u64,
                 at: &str,
                 kind: &str,
                 message: &str,
                 resource_type: &str,
                 resource: u64,
                 env: &str| Event {
        uuid: demo_uuid(seed),
        created_at: at.into(),
        kind: kind.into(),
        message: message.into(),
        resource_type: resource_type.into(),
        resource_uuid: demo_uuid(resource),
        environment_uuid: env.into(),
    };
    let events = vec![
        event(
            61,
            "2026-03-02T09:14:07.000Z",
            "environment.created",
            "Environment production created",
            "environment",
            11,
            &prod,
        ),
        event(
            62,
            "2026-03-02T09:31:12.000Z",
            "instancePool.created",
            "Instance pool web-pool created with 2 instance(s)",
            "instancePool",
            31,
            &prod,
        ),
        event(
            63,
            "2026-03-02T09:33:40.000Z",
            "instancePool.created",
            "Instance pool db-pool created with 1 instance(s)",
            "instancePool",
            32,
            &prod,
        ),
        event(
            64,
            "2026-03-02T10:01:02.000Z",
            "service.created",
            "Service postgres created from postgres:16",
            "service",
            43,
            &prod,
        ),
        event(
            65,
            "2026-03-02T10:02:11.000Z",
            "service.created",
            "Service web created from nginx:1.27",
            "service",
            41,
            &prod,
        ),
        event(
            66,
            "2026-03-02T10:05:48.000Z",
            "service.created",
            "Service api created from ghcr.io/acme/shop-api:2.4.1",
            "service",
            42,
            &prod,
        ),
        event(
            67,
            "2026-10-14T16:22:09.000Z",
            "service.scaled",
            "Service web scaled to 2..6 replicas (3 running)",
            "service",
            41,
            &prod,
        ),
        event(
            68,
            "2026-10-14T16:25:31.000Z",
            "instancePool.updated",
            "Instance pool web-pool bounds set to 2..6 (3 instance(s) running)",
            "instancePool",
            31,
            &prod,
        ),
        event(
            69,
            "2026-11-03T02:11:45.000Z",
            "service.healthCheckFailed",
            "Service api: health check /health failed on 1 replica; it was restarted",
            "service",
            42,
            &prod,
        ),
        event(
            70,
            "2026-03-02T09:20:41.000Z",
            "environment.created",
            "Environment staging created",
            "environment",
            12,
            &staging,
        ),
        event(
            71,
            "2026-03-02T10:12:30.000Z",
            "service.created",
            "Service web created from nginx:1.27",
            "service",
            44,
            &staging,
        ),
        event(
            72,
            "2026-06-18T14:02:55.000Z",
            "environment.created",
            "Environment analytics created",
            "environment",
            13,
            &analytics,
        ),
        event(
            73,
            "2026-06-18T14:20:16.000Z",
            "service.created",
            "Service jupyter created from jupyter/base-notebook:2024-05-13",
            "service",
            45,
            &analytics,
        ),
        event(
            74,
            "2026-06-20T08:45:00.000Z",
            "service.created",
            "Service nightly-report created from python:3.12-slim",
            "service",
            46,
            &analytics,
        ),
    ];

    World {
        global_limit: 8,
        platforms,
        workspaces: vec![
            super::world::Workspace {
                uuid: shop,
                name: "Acme Shop".into(),
                created_at: "2026-03-02T09:10:00.000Z".into(),
                limit_environment_number: 4,
            },
            super::world::Workspace {
                uuid: lab,
                name: "Data Lab".into(),
                created_at: "2026-06-18T13:58:12.000Z".into(),
                limit_environment_number: 2,
            },
        ],
        environments,
        pools,
        services,
        events,
    }
}
