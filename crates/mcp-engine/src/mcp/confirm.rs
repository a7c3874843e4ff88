//! `--confirm-destructive`: before a destructive call goes out, the user (not the model) is
//! asked through MCP elicitation, when the client can ask. Up to protocol 2025-11-25 the
//! server sends `elicitation/create` mid-call; from 2026-07-28 on it answers
//! `input_required` and the client calls again with the user's answer (SEP-2322).

use super::confirm_state::ConfirmationStates;
use super::used_states::StateError;
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{
    ClientCapabilities, ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequests, InputRequiredResult, InputResponses,
    ProtocolVersion,
};
use rmcp::service::{ElicitationMode, Peer};
use serde_json::Value;

use crate::call::Pending;

/// How long the user has to answer before the call is given up.
pub(crate) const ANSWER_WITHIN: Duration = Duration::from_secs(600);

/// The one field of the confirmation form, and the key of the input request.
const FIELD: &str = "confirm";

/// `--confirm-destructive`: whether destructive calls are confirmed by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmMode {
    /// Ask when the client can; clients that cannot ask proceed.
    #[default]
    Ask,
    /// Ask when the client can; refuse the call when it cannot.
    Require,
    /// Never ask.
    Off,
}

impl std::str::FromStr for ConfirmMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "true" | "ask" | "yes" | "on" => Ok(Self::Ask),
            "require" | "required" => Ok(Self::Require),
            "false" | "off" | "no" => Ok(Self::Off),
            _ => Err(format!(
                "`{s}` is not a confirmation mode: use `ask` (the default: ask when the client can), `require` (refuse destructive calls the user cannot be asked about) or `false`"
            )),
        }
    }
}

/// Told to the model when a destructive call cannot be confirmed under `require`.
/// What a client must declare for a required confirmation to be asked: form elicitation.
pub(crate) fn needed_capabilities() -> rmcp::model::ClientCapabilities {
    rmcp::model::ClientCapabilities::builder()
        .enable_elicitation_with(
            rmcp::model::ElicitationCapability::new()
                .with_form(rmcp::model::FormElicitationCapability::default()),
        )
        .build()
}

pub(crate) const CANNOT_ASK_REQUIRED: &str = "this server requires the user's confirmation for destructive calls (--confirm-destructive require), and this client cannot show the user a confirmation form (it does not declare form elicitation). Ask the user to run it from a client that supports MCP elicitation, or to do it another way";

pub(crate) enum Confirmation {
    Confirmed,
    /// The client cannot ask its user: the call proceeds as without the option.
    CannotAsk,
    /// Not confirmed, with the reason told to the model.
    Refused(String),
    /// Protocol 2026-07-28: the client is to ask and call again.
    InputRequired(InputRequiredResult),
    /// Protocol 2026-07-28: the `requestState` sent back cannot be used (forged, altered,
    /// expired, for another call or caller, used already): a request error, not a result.
    InvalidState(String),
    /// Protocol 2026-07-28: whether the state was used is unknown (the shared store did not
    /// answer); nothing is sent.
    StateUnknown(String),
}

/// What the client said of itself and sent back with this call.
pub(crate) struct Asking<'a> {
    pub peer: &'a Peer<RoleServer>,
    pub protocol: Option<ProtocolVersion>,
    pub capabilities: Option<ClientCapabilities>,
    pub input_responses: Option<&'a InputResponses>,
    pub request_state: Option<&'a str>,
}

pub(crate) async fn ask(
    asking: Asking<'_>,
    questions: &ConfirmationStates,
    pending: &Pending<'_>,
) -> Confirmation {
    let form = asking
        .capabilities
        .as_ref()
        .and_then(|c| c.elicitation.as_ref())
        // No mode named means form, for clients of 2025-06-18.
        .is_some_and(|e| e.form.is_some() || e.url.is_none());
    if asking
        .protocol
        .as_ref()
        .is_some_and(|v| *v >= ProtocolVersion::V_2026_07_28)
    {
        return ask_in_rounds(asking, questions, pending, form).await;
    }
    if !asking
        .peer
        .supported_elicitation_modes()
        .contains(&ElicitationMode::Form)
    {
        return Confirmation::CannotAsk;
    }
    let params = match form_for(pending) {
        Ok(params) => params,
        Err(why) => return Confirmation::Refused(why),
    };
    match asking
        .peer
        .create_elicitation_with_timeout(params, Some(ANSWER_WITHIN))
        .await
    {
        Ok(answer) => decide(&answer),
        // Failing closed: a call the user could not confirm is not sent.
        Err(e) => Confirmation::Refused(format!("the user could not be asked to confirm ({e})")),
    }
}

async fn ask_in_rounds(
    asking: Asking<'_>,
    questions: &ConfirmationStates,
    pending: &Pending<'_>,
    form: bool,
) -> Confirmation {
    let call = pending.fingerprint();
    let answer = asking.input_responses.and_then(|r| r.get(FIELD));
    match (answer, asking.request_state) {
        (Some(answer), Some(token)) => {
            match questions.redeem(token, &call, pending.caller()).await {
                Ok(()) => {}
                Err(StateError::Invalid(why)) => {
                    return Confirmation::InvalidState(format!(
                        "the requestState sent back is refused: {why}; call the tool again without it to ask the user anew"
                    ));
                }
                Err(StateError::Unavailable(why)) => {
                    return Confirmation::StateUnknown(format!(
                        "the confirmation cannot be checked now: {why}"
                    ));
                }
            }
            match serde_json::from_value::<ElicitResult>(answer.clone()) {
                Ok(answer) => decide(&answer),
                Err(e) => {
                    Confirmation::Refused(format!("the confirmation sent back is malformed ({e})"))
                }
            }
        }
        (Some(_), None) => Confirmation::Refused(
            "a confirmation came back without the requestState it was asked with".to_owned(),
        ),
        (None, _) if !form => Confirmation::CannotAsk,
        (None, _) => {
            let params = match form_for(pending) {
                Ok(params) => params,
                Err(why) => return Confirmation::Refused(why),
            };
            let mut requests = InputRequests::new();
            requests.insert(
                FIELD.to_owned(),
                InputRequest::Elicitation(ElicitRequest::new(params)),
            );
            Confirmation::InputRequired(InputRequiredResult::new(
                Some(requests),
                Some(questions.issue(&call, pending.caller())),
            ))
        }
    }
}

fn form_for(pending: &Pending<'_>) -> Result<ElicitRequestParams, String> {
    let arguments = serde_json::to_string_pretty(&pending.shown_arguments()).unwrap_or_default();
    let message = format!(
        "{tool} is a destructive operation and cannot be undone.\n\n{line}\n\nArguments:\n{arguments}\n\nRun it?",
        tool = pending.tool(),
        line = pending.request_line(),
    );
    let schema = ElicitationSchema::builder()
        .required_bool_with(FIELD, |b| {
            b.title("Run this destructive call")
                .description("Check to send the request; leave unchecked or decline to cancel it.")
        })
        .build()
        .map_err(|e| format!("the confirmation form is invalid ({e})"))?;
    Ok(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    })
}

fn decide(answer: &ElicitResult) -> Confirmation {
    match answer.action {
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
    }
}
