//! UI pages over HTTP: the registration form's inline errors, the search page and its htmx fragment, the chart.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use testkit::spawn::TestApp;

testkit::on_both_backends! {
    registration_form_shows_inline_errors_and_keeps_input => registration_form_shows_inline_errors_and_keeps_input;
    search_page_and_fragment => search_page_and_fragment;
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("valid selector");
    doc.select(&selector).collect()
}

async fn registration_form_shows_inline_errors_and_keeps_input(app: TestApp) -> Result<()> {
    app.sign_in_as(Role::Intake).await?;
    let csrf = app.session_csrf().await?;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("mrn", "UI-1"),
        ("given_name", "Ivy"),
        ("family_name", "Formfield"),
        ("birth_date", "2999-01-01"),
        ("sex", "female"),
        ("email", "nope"),
    ];
    let response = app.client.post(app.url("/patients")).form(&form).send().await?;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = Html::parse_document(&response.text().await?);
    let invalid: Vec<_> =
        select(&doc, "[aria-invalid=true]").iter().filter_map(|e| e.value().attr("name").map(str::to_owned)).collect();
    assert_eq!(invalid, ["birth_date", "email"]);
    let error = select(&doc, "#birth_date-error");
    assert!(error[0].text().collect::<String>().contains("future"));
    assert_eq!(select(&doc, "#birth_date")[0].value().attr("aria-describedby"), Some("birth_date-error"));
    assert_eq!(select(&doc, "#mrn")[0].value().attr("value"), Some("UI-1"), "typed values are kept");
    assert_eq!(select(&doc, "#sex option[selected]")[0].value().attr("value"), Some("female"));
    for label in select(&doc, "label[for]") {
        let target = label.value().attr("for").unwrap_or_default();
        assert_eq!(select(&doc, &format!("#{target}")).len(), 1, "label for {target} points at an input");
    }
    Ok(())
}

async fn search_page_and_fragment(app: TestApp) -> Result<()> {
    app.sign_in_as(Role::Intake).await?;
    let token = app.token_for(Role::Intake).await?;
    crate::helpers::create_patient(&app, &token, "Findable").await?;
    let page = app.client.get(app.url("/patients?q=findab")).send().await?;
    assert_eq!(page.status(), StatusCode::OK);
    let doc = Html::parse_document(&page.text().await?);
    assert_eq!(select(&doc, "form[role=search] input[name=q]").len(), 1);
    let rows = select(&doc, "table tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().collect::<String>().contains("Findable"));
    let href = select(&doc, "table tbody tr a")[0].value().attr("href").unwrap_or_default().to_owned();
    let fragment =
        app.client.get(app.url("/patients?q=findab")).header("HX-Request", "true").send().await?.text().await?;
    assert!(!fragment.contains("<html"), "htmx gets the results only");
    assert!(fragment.contains("Findable"));
    let chart = app.client.get(app.url(&href)).send().await?;
    assert_eq!(chart.status(), StatusCode::OK);
    let doc = Html::parse_document(&chart.text().await?);
    assert!(select(&doc, "h1")[0].text().collect::<String>().contains("Findable"));
    Ok(())
}
