//! `/ui/inquiries/new` (staff): the transfer-in desk's inquiry to a person's former
//! municipality, with the consent basis recorded (本人同意, or 同意取得困難 with its reason:
//! 番号法 19条). The form is read by the API's own parser (`api::inquiry_input`) and asked
//! through the API's own path (`api::inquiries::ask_checked`: signed consent, the
//! federation, the access log, and the answered doses brought into a resident's history).

use super::error::UiError;
use super::layout::notice;
use super::resident::{product_name, sex_text};
use super::signed_in::SignedIn;
use super::site::municipality_name;
use crate::api::inquiries::ask_checked;
use crate::api::inquiry_input::{self, ConsentBody, InquiryBody};
use crate::api::state::AppState;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default, Clone)]
pub struct InquiryForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    my_number: String,
    #[serde(default)]
    coupon: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    obtained_at: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    bring_in_for: String,
}

/// Now in JST as a `datetime-local` value.
fn now_local() -> String {
    super::format::time(crate::db::now()).replace(' ', "T")
}

/// A `datetime-local` value (JST, no offset) as RFC 3339.
pub fn local_to_rfc3339(v: &str) -> String {
    let v = v.trim();
    match v.len() {
        16 => format!("{v}:00+09:00"),
        19 => format!("{v}+09:00"),
        _ => v.to_owned(),
    }
}

pub async fn page(s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    let f =
        InquiryForm { by: "my_number".into(), basis: "consent".into(), method: "written".into(), ..Default::default() };
    Ok(s.frame.page(s.frame.t().inquiry_title, form(&s, &f, html! {})))
}

pub fn consent_fields(s: &SignedIn, basis: &str, method: &str, obtained_at: &str, reason: &str) -> Markup {
    let t = s.frame.t();
    let obtained = if obtained_at.is_empty() { now_local() } else { obtained_at.to_owned() };
    html! {
        fieldset #consent {
            legend { (t.consent_title) }
            label.choice { input type="radio" name="basis" value="consent" checked[basis != "consent_impracticable"]; (t.basis_consent) }
            label.choice { input type="radio" name="basis" value="consent_impracticable" checked[basis == "consent_impracticable"]; (t.basis_impracticable) }
            label for="method" { (t.consent_method) }
            select #method name="method" {
                @for (v, label) in [("written", t.method_written), ("oral", t.method_oral), ("electronic", t.method_electronic), ("none", t.method_none)] {
                    option value=(v) selected[v == method] { (label) }
                }
            }
            label for="obtained_at" { (t.consent_obtained_at) }
            input #obtained_at type="datetime-local" name="obtained_at" value=(obtained) required;
            label for="reason" { (t.consent_reason) " " small { (t.consent_reason_rule) } }
            textarea #reason name="reason" maxlength="500" { (reason) }
        }
    }
}

fn form(s: &SignedIn, f: &InquiryForm, result: Markup) -> Markup {
    let t = s.frame.t();
    html! {
        (result)
        form.card method="post" action="/ui/inquiries" #inquiry-form {
            (s.frame.csrf_field())
            label for="municipality" { (t.former_municipality) " " small { (t.municipality_code_rule) } }
            input #municipality type="text" name="municipality" inputmode="numeric" maxlength="6" value=(f.municipality) required autocomplete="off";
            fieldset {
                legend { (t.inquiry_key) }
                label.choice { input type="radio" name="by" value="my_number" checked[f.by != "coupon"]; (t.my_number) }
                label.choice { input type="radio" name="by" value="coupon" checked[f.by == "coupon"]; (t.by_old_coupon) }
                label for="my_number" { (t.my_number) }
                // Shown as dots: the desk's screen is often in view of others.
                input #my_number type="password" name="my_number" inputmode="numeric" maxlength="12" autocomplete="off";
                label for="coupon" { (t.coupon) }
                input #coupon type="text" name="coupon" inputmode="numeric" maxlength="10" value=(f.coupon) autocomplete="off";
                label for="birth_date" { (t.birth_date) }
                input #birth_date type="date" name="birth_date" value=(f.birth_date);
            }
            (consent_fields(s, &f.basis, &f.method, &f.obtained_at, &f.reason))
            label for="bring_in_for" { (t.bring_in_for) " " small { (t.optional) } }
            input #bring_in_for type="text" name="bring_in_for" inputmode="numeric" maxlength="15" value=(f.bring_in_for) autocomplete="off";
            button type="submit" { (t.inquiry_send) }
        }
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    s: SignedIn,
    f: web::Form<InquiryForm>,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    s.check_csrf(&f._csrf)?;
    let t = s.frame.t();
    let f = f.into_inner();
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let by_coupon = f.by == "coupon";
    let body = InquiryBody {
        municipality: some(&f.municipality),
        my_number: if by_coupon { None } else { some(&f.my_number) },
        coupon: if by_coupon { some(&f.coupon) } else { None },
        birth_date: if by_coupon { some(&f.birth_date) } else { None },
        consent: Some(ConsentBody {
            basis: some(&f.basis),
            method: some(&f.method),
            obtained_at: some(&local_to_rfc3339(&f.obtained_at)),
            reason: some(&f.reason),
        }),
        bring_in_for: some(&f.bring_in_for),
    };
    let asked = match inquiry_input::parse(body, vrs_protocol::now_ms()) {
        Err(e) => Err(e),
        Ok(inquiry) => ask_checked(&state, user, inquiry).await,
    };
    // The My Number is never written back into the page.
    let kept = InquiryForm { my_number: String::new(), ..f };
    let (status, result) = match asked {
        Ok(answer) => (actix_web::http::StatusCode::OK, answer_view(&s, &kept.municipality, &answer)),
        Err(e) => (e.status, notice("error", t.code_or(e.code, &e.message))),
    };
    Ok(s.frame.page_with(status, t.inquiry_title, form(&s, &kept, result)))
}

fn answer_view(s: &SignedIn, municipality: &str, a: &Value) -> Markup {
    let t = s.frame.t();
    let muni = municipality_name(municipality.trim());
    html! {
        section.card #inquiry-result data-status=(a["status"].as_str().unwrap_or_default()) {
            h2 { (t.inquiry_answer) " — " (muni) }
            @match a["status"].as_str() {
                Some("found") => {
                    @let p = &a["person"];
                    dl.facts {
                        dt { (t.kana) } dd { (p["family_kana"].as_str().unwrap_or_default()) " " (p["given_kana"].as_str().unwrap_or_default()) }
                        dt { (t.birth_date) } dd { (p["birth_date"].as_str().unwrap_or_default()) }
                        dt { (t.sex) } dd { (sex_text(t, p["sex"].as_str().unwrap_or_default())) }
                    }
                    table #inquiry-doses {
                        thead { tr { th.num { (t.dose_col) } th { (t.vaccinated_on) } th { (t.product) } th { (t.lot) } th { (t.given_in) } } }
                        tbody { @for d in a["vaccinations"].as_array().into_iter().flatten() {
                            tr { td.num { (d["dose"]) } td { (d["vaccinated_on"].as_str().unwrap_or_default()) }
                                 td { (product_name(d["product"].as_str().unwrap_or_default())) } td { (d["lot"].as_str().unwrap_or_default()) }
                                 td { (municipality_name(d["municipality"].as_str().unwrap_or_default())) } }
                        } }
                    }
                    @if let Some(n) = a["brought_in"].as_u64() { (notice("ok", &super::catalogue::fill(t.brought_in, &[&n]))) }
                }
                Some("withheld") => (notice("warn", t.inquiry_withheld)),
                _ => (notice("warn", t.inquiry_not_found)),
            }
            p.muted { (t.inquiry_id) ": " code { (a["inquiry_id"].as_str().unwrap_or_default()) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_jst() {
        assert_eq!(local_to_rfc3339("2024-04-01T10:30"), "2024-04-01T10:30:00+09:00");
        assert_eq!(local_to_rfc3339("2024-04-01T10:30:15"), "2024-04-01T10:30:15+09:00");
        assert_eq!(local_to_rfc3339("junk"), "junk");
    }
}
