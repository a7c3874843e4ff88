//! `--confirm-destructive`: before a destructive call goes out, the user (not the model) is
//! asked through MCP elicitation, when the client can ask.

use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{ElicitRequestParams, ElicitationAction, ElicitationSchema, ProtocolVersion};
use rmcp::service::{ElicitationMode, Peer};
use serde_json::Value;

use crate::call::Pending;

/// How long the user has to answer before the call is given up.
const ANSWER_WITHIN: Duration = Duration::from_secs(600);

/// The one field of the confirmation form.
const FIELD: &str = "confirm";

pub enum Confirmation {
    Confirmed,
    /// The client cannot ask its user: the call proceeds as without the option.
    CannotAsk,
    /// Not confirmed, with the reason told to the model.
    Refused(String),
}

pub async fn ask(
    peer: &Peer<RoleServer>,
    protocol: Option<&ProtocolVersion>,
    pending: &Pending<'_>,
) -> Confirmation {
    // From 2026-07-28 on, a server may not send requests to the client mid-call.
    if protocol.is_some_and(|v| *v >= ProtocolVersion::V_2026_07_28)
        || !peer
            .supported_elicitation_modes()
            .contains(&ElicitationMode::Form)
    {
        return Confirmation::CannotAsk;
    }
    let arguments = serde_json::to_string_pretty(&pending.shown_arguments()).unwrap_or_default();
    let message = format!(
        "{tool} is a destructive operation and cannot be undone.\n\n{line}\n\nArguments:\n{arguments}\n\nRun it?",
        tool = pending.tool(),
        line = pending.request_line(),
    );
    let schema = match ElicitationSchema::builder()
        .required_bool_with(FIELD, |b| {
            b.title("Run this destructive call")
                .description("Check to send the request; leave unchecked or decline to cancel it.")
        })
        .build()
    {
        Ok(schema) => schema,
        Err(e) => return Confirmation::Refused(format!("the confirmation form is invalid ({e})")),
    };
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    };
    match peer
        .create_elicitation_with_timeout(params, Some(ANSWER_WITHIN))
        .await
    {
        Ok(answer) => match answer.action {
            ElicitationAction::Accept
                if answer
                    .content
                    .as_ref()
                    .and_then(|c| c.get(FIELD))
                    .and_then(Value::as_bool)
                    == Some(true) =>
            {
                Confirmation::Confirmed
            }
            ElicitationAction::Accept => {
                Confirmation::Refused("the user did not check the confirmation".to_owned())
            }
            ElicitationAction::Decline => {
                Confirmation::Refused("the user declined this call".to_owned())
            }
            ElicitationAction::Cancel => {
                Confirmation::Refused("the user dismissed the confirmation".to_owned())
            }
            _ => Confirmation::Refused("the user did not confirm".to_owned()),
        },
        // Failing closed: a call the user could not confirm is not sent.
        Err(e) => Confirmation::Refused(format!("the user could not be asked to confirm ({e})")),
    }
}
