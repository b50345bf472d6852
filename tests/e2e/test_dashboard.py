"""The dashboard in a real headless Chromium over the demo data, on both backends: every page
loads without an error or a request off the server, and shows the numbers the API answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from perfledger.api.auth import ADMIN, mint_token
from tests.conftest import SECRET
from tests.e2e.dashboard_support import (
    ORG,
    VIEWPORT,
    DemoServer,
    PageWatch,
    screenshot,
    signed_in_context,
)
from tests.waiting import wait_for

Page = Any


@pytest.fixture
def signed_in(dashboard_browser: Any, dashboard_server: DemoServer
              ) -> Iterator[tuple[Page, PageWatch]]:
    context = signed_in_context(dashboard_browser, dashboard_server)
    page = context.new_page()
    yield page, PageWatch(page, dashboard_server.url)
    context.close()


@pytest.fixture
def signed_out(dashboard_browser: Any, dashboard_server: DemoServer
               ) -> Iterator[tuple[Page, PageWatch]]:
    context = dashboard_browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page, PageWatch(page, dashboard_server.url)
    context.close()


def last_measured(points: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    return [p for p in points if p["metrics"] and p["metrics"][metric] is not None][-1]


def as_percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_a_page_reached_without_a_token_asks_for_one(
        signed_out: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    page, watch = signed_out
    page.goto(f"{dashboard_server.url}/ui/models/{dashboard_server.models['churn-classifier']}")

    page.wait_for_selector("#credential")
    assert page.inner_text("#signin-notice") == "Sign in to see this page."
    assert page.evaluate("document.activeElement.id") == "credential"
    screenshot(page, "sign-in")
    watch.assert_clean()


def test_the_token_form_rejects_a_bad_token_with_a_message_and_accepts_a_good_one(
        signed_out: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    page, watch = signed_out
    watch.expected_statuses = {401}  # the refused credentials' answers, and only those
    page.goto(f"{dashboard_server.url}/")
    assert page.url == f"{dashboard_server.url}/ui/"

    # Step: an empty form, a key the service never minted, and a token it did not sign.
    page.click("button[type=submit]")
    assert page.inner_text("#signin-error") == "Paste a bearer token or an API key first."
    for refused, reason in [("not-a-key", "Unknown or revoked API key."),
                            ("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", "Invalid bearer token")]:
        page.fill("#credential", refused)
        page.click("button[type=submit]")
        page.wait_for_selector("#signin-error:text-matches('^That credential')")
        message = page.inner_text("#signin-error")
        assert message.startswith("That credential was not accepted: ") and reason in message
        assert page.get_attribute("#credential", "aria-invalid") == "true"
    assert page.evaluate("sessionStorage.getItem('perfledger.credential')") is None

    # Step: the real token signs in and shows the page that was asked for.
    page.fill("#credential", dashboard_server.token)
    page.click("button[type=submit]")
    page.wait_for_selector("#models-table")
    assert "analyst" in page.inner_text("#account")
    watch.assert_clean()


def test_an_expired_or_refused_token_shows_the_signed_out_state(
        dashboard_browser: Any, dashboard_server: DemoServer) -> None:
    model = dashboard_server.models["churn-classifier"]
    expired = mint_token(SECRET, ORG, [ADMIN], ttl_seconds=-60)
    foreign = mint_token("another-secret-" + "y" * 32, ORG, [ADMIN])
    for token, notice in [(expired, "You are signed out: your token has expired."),
                          (foreign, "You are signed out: invalid bearer token")]:
        context = dashboard_browser.new_context(viewport=VIEWPORT)
        context.add_init_script(
            "window.sessionStorage.setItem('perfledger.credential',"
            f" JSON.stringify({{value: '{token}', scopes: []}}));")
        page = context.new_page()
        watch = PageWatch(page, dashboard_server.url)
        watch.expected_statuses = {401}
        page.goto(f"{dashboard_server.url}/ui/models/{model}")
        page.wait_for_selector("#signin-notice")
        assert page.inner_text("#signin-notice").startswith(notice)
        assert page.evaluate("sessionStorage.getItem('perfledger.credential')") is None
        assert page.inner_text("#account") == "Signed out"
        watch.assert_clean()
        context.close()


def test_the_models_page_shows_each_models_latest_value_coverage_and_open_alerts(
        signed_in: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    page, watch = signed_in
    page.goto(f"{dashboard_server.url}/ui/")
    wait_for(lambda: page.locator("#models-table [data-critical]").count() == 3,
             "every model's open alerts")
    page.wait_for_selector("#jobs-table")

    with dashboard_server.api() as api:
        for name, model_id in dashboard_server.models.items():
            metric = "rmse" if name == "price-estimator" else "accuracy"
            points = api.get(f"/api/v1/models/{model_id}/performance/timeseries",
                             params={"metrics": metric}).json()["points"]
            open_alerts = api.get(f"/api/v1/models/{model_id}/alerts",
                                  params={"state": "open"}).json()
            row = page.locator(f"tr[data-model-id='{model_id}']")
            latest = row.locator(f"td[data-metric='{metric}'] .metric-value")
            assert float(latest.get_attribute("data-value")) == \
                last_measured(points, metric)["metrics"][metric]
            coverage = row.locator("td:nth-child(6) .metric-value").get_attribute("data-value")
            samples = sum(p["sample_count"] for p in points)
            assert float(coverage) == sum(p["labeled_count"] for p in points) / samples
            counts = row.locator("[data-critical]")
            assert int(counts.get_attribute("data-critical")) == \
                sum(a["severity"] == "critical" for a in open_alerts)
            assert int(counts.get_attribute("data-warning")) == \
                sum(a["severity"] == "warning" for a in open_alerts)
    screenshot(page, "models")

    # Step: sorting by open alerts puts the drifting model first; search narrows the table.
    page.click("button[data-sort='alerts']")
    assert page.locator("#models-table tbody tr").first.get_attribute(
        "data-model-name") == "churn-classifier"
    page.fill("#model-search", "regress")
    assert page.locator("#models-table tbody tr").count() == 1
    assert page.locator("#jobs-table tbody tr").count() == 1
    watch.assert_clean()


def test_the_model_page_shows_the_numbers_the_api_answers_for_its_split_and_slice(
        signed_in: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    """Opened on a slice (region = apac, the demo's drifting one), every number on the page
    is the API's answer for that slice; on "All traffic", for all traffic."""
    page, watch = signed_in
    # The demo tags production rows only: the summary's test column of the apac slice is the
    # API's 422 (no labeled rows of that slice), which the panel shows as a dash with its reason.
    watch.expected_statuses = {422}
    churn = dashboard_server.models["churn-classifier"]
    page.goto(f"{dashboard_server.url}/ui/models/{churn}?tag.region=apac")
    page.wait_for_selector("#kpi-headline [data-value]")
    page.wait_for_selector("#confusion .heatmap-cell")
    page.wait_for_selector("#over-time .u-legend >> text=v2 (challenger)")
    page.wait_for_selector("#monitors-table")
    page.wait_for_selector("#timeline [data-type='VersionPromoted']")
    page.wait_for_selector("#segments-table")
    page.wait_for_selector("#samples-table")
    # the drift panel follows the slice: its baseline (the test set) has no apac rows
    page.wait_for_selector('#drift >> text=holds no rows of region = apac')
    page.wait_for_load_state("networkidle")

    base = f"/api/v1/models/{churn}"
    apac = {"dataset_split": "production", "tag.region": "apac"}
    with dashboard_server.api() as api:
        summary = api.get(f"{base}/performance/summary", params=apac).json()
        whole = api.get(f"{base}/performance/summary",
                        params={"dataset_split": "production"}).json()
        assert page.get_attribute("#confusion", "data-split") == "production"
        confusion = api.get(f"{base}/performance/confusion-matrix", params=apac).json()
        series = api.get(f"{base}/performance/timeseries", params=apac).json()
        every_open_alert = api.get(f"{base}/alerts", params={"state": "open"}).json()
        watching_apac = {m["monitor_id"] for m in api.get(f"{base}/monitors").json()
                         if m["tags"] == {"region": "apac"}}
        segments = api.get(f"{base}/performance/segments",
                           params={"by": "plan", **apac}).json()
        catalogue = api.get("/api/v1/metrics",
                            params={"task": "binary_classification"}).json()["metrics"]
    open_alerts = [a for a in every_open_alert if a["monitor_id"] in watching_apac]
    assert summary["sample_count"] < whole["sample_count"]

    # Step: a row of the summary table for every metric the catalogue gives the task, named
    # as the catalogue names it, with the production summary's value.
    page.wait_for_selector("#summary-table td[data-split='production'][data-metric]")
    shown_metrics = page.locator("#summary-table tr[data-metric]")
    assert [shown_metrics.nth(i).get_attribute("data-metric")
            for i in range(shown_metrics.count())] == [entry["name"] for entry in catalogue]
    for entry in catalogue:
        row = page.locator(f"#summary-table tr[data-metric='{entry['name']}']")
        assert row.locator("th").inner_text() == entry["display_name"]
        value = row.locator("td[data-split='production']").get_attribute("data-value")
        expected = summary["metrics"][entry["name"]]
        assert (value == "") if expected is None else (float(value) == expected)

    # Step: the headline metric, in production on apac, as the sliced summary has it.
    headline = page.locator("#kpi-headline [data-value]")
    assert float(headline.get_attribute("data-value")) == summary["metrics"]["accuracy"]
    assert headline.inner_text() == as_percent(summary["metrics"]["accuracy"])

    # Step: every cell of the confusion matrix, rows true labels and columns predictions.
    for i, truth in enumerate(confusion["labels"]):
        for j, predicted in enumerate(confusion["labels"]):
            cell = page.locator(f"#confusion td[data-row='{truth}'][data-column='{predicted}']")
            assert int(cell.get_attribute("data-count")) == confusion["matrix"][i][j]
            assert cell.locator(".heatmap-count").inner_text() == f"{confusion['matrix'][i][j]:,}"

    # Step: the last measured point of apac's daily accuracy, the drift the demo plants, and
    # a ring on each point measured on few labeled rows.
    latest = last_measured(series["points"], "accuracy")
    shown = page.locator("#over-time-latest")
    assert shown.get_attribute("data-start") == latest["start"]
    assert float(shown.get_attribute("data-value")) == latest["metrics"]["accuracy"]
    assert as_percent(latest["metrics"]["accuracy"]) in shown.inner_text()
    assert shown.get_attribute("data-slice") == "region = apac"
    few = [p for p in series["points"] if p["metrics"] and p["labeled_count"] < 30]
    assert int(shown.get_attribute("data-few-labeled")) == len(few)

    # Step: the open alerts of the monitors watching apac, in all and by monitor; the
    # monitors panel lists every monitor's.
    alerts = page.locator("#kpi-alerts [data-value]")
    assert open_alerts and int(alerts.get_attribute("data-value")) == len(open_alerts)
    assert int(alerts.get_attribute("data-critical")) == \
        sum(a["severity"] == "critical" for a in open_alerts)
    assert page.locator("#alert-list li").count() == len(every_open_alert)
    for monitor_id in {a["monitor_id"] for a in every_open_alert}:
        cell = page.locator(f"tr[data-monitor-id='{monitor_id}'] [data-critical]")
        mine = [a for a in every_open_alert if a["monitor_id"] == monitor_id]
        critical = sum(a["severity"] == "critical" for a in mine)
        assert int(cell.get_attribute("data-critical")) == critical
        assert int(cell.get_attribute("data-warning")) == len(mine) - critical

    # Step: the segments of apac's rows, worst first.
    first = page.locator("#segments-table tbody tr").first
    page.wait_for_function("document.querySelector('#segments-table caption')"
                           ".textContent.includes('region = apac')")
    by = page.locator("#segments select[id^='select-by-']")
    if by.input_value() != "tag:plan":
        by.select_option("tag:plan")
        page.wait_for_selector("#segments-table caption >> text=by plan")
    assert first.get_attribute("data-segment") == segments["segments"][0]["value"]

    # Step: the first chart is drawn, and measured, in the browser.
    assert page.evaluate(
        "performance.getEntriesByName('perfledger:first-chart').length") >= 1
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "model")

    # Step: back to all traffic: the headline, the summary and the chart are all traffic's.
    page.locator("#view-bar label:has-text('Slice') select").select_option("")
    page.wait_for_selector("#over-time-latest[data-slice='all traffic']")
    page.wait_for_selector(f"#kpi-headline [data-value='{whole['metrics']['accuracy']}']")
    production = page.locator("#summary-table tr[data-field='sample_count'] "
                              "td[data-split='production']")
    wait_for(lambda: production.get_attribute("data-value") == str(whole["sample_count"]),
             "the summary of all traffic")
    assert "tag." not in page.url

    # Step: another split: the confusion matrix and the headline follow it.
    page.locator("#view-bar label:has-text('Split') select").select_option("test")
    page.wait_for_selector("#confusion[data-split='test']")
    assert page.locator("#kpi-headline .kpi-title").text_content() == "Accuracy in test"
    assert "split=test" in page.url
    watch.assert_clean()


def test_the_job_page_shows_the_numbers_the_api_answers(
        signed_in: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    page, watch = signed_in
    job_id = dashboard_server.job_id
    page.goto(f"{dashboard_server.url}/ui/jobs/{job_id}")
    page.wait_for_selector("#job-latest[data-value]")
    page.wait_for_selector("#job-confusion .heatmap-cell")
    page.wait_for_load_state("networkidle")

    with dashboard_server.api() as api:
        job = api.get(f"/api/v2/jobs/{job_id}").json()
        metrics = api.post("/api/v2/metrics/job", params={"job_id": job_id}, json={}).json()
        day = page.get_attribute("#job-latest", "data-start")
        next_day = f"{day[:10]}T23:59:59.999Z"
        daily = api.post("/api/v2/metrics/job", json={}, params={
            "job_id": job_id, "start_datetime": day, "end_datetime": next_day}).json()

    accuracy = page.locator("#kpi-job-accuracy [data-value]")
    assert float(accuracy.get_attribute("data-value")) == metrics["overall_accuracy"]
    assert int(page.locator("#kpi-job-events [data-value]").get_attribute("data-value")) == \
        metrics["total_events"]
    for i, consensus in enumerate(job["decisions"]):
        for j, decision in enumerate(job["decisions"]):
            cell = page.locator(
                f"#job-confusion td[data-row='{consensus}'][data-column='{decision}']")
            assert int(cell.get_attribute("data-count")) == metrics["confusion_matrix"][i][j]
    assert daily["total_events_with_consensus"] > 0
    assert float(page.get_attribute("#job-latest", "data-value")) == \
        pytest.approx(daily["overall_accuracy"], abs=0.05)
    screenshot(page, "job")
    watch.assert_clean()


def test_the_open_model_page_follows_new_events_without_a_reload(
        signed_in: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    page, watch = signed_in
    churn = dashboard_server.models["churn-classifier"]
    page.goto(f"{dashboard_server.url}/ui/models/{churn}?refresh=1")
    rows = "#summary-table tr[data-field='sample_count'] td[data-split='test']"
    page.wait_for_selector(f"{rows}[data-value]")
    page.wait_for_selector("#live-status[data-position]")
    before = int(page.get_attribute(rows, "data-value"))
    page.evaluate("window.stillTheSamePage = true")

    # Step: a client sends a labeled batch; the page shows it within a few polls.
    records = [{"row_id": f"live-{i}", "predicted_label": "churn", "score": 0.9,
                "true_label": "churn"} for i in range(25)]
    with dashboard_server.api() as api:
        sent = api.post(f"/api/v1/models/{churn}/versions/v1/predictions",
                        json={"dataset_split": "test", "records": records})
        assert sent.status_code == 202, sent.text
    page.wait_for_selector(f"{rows}[data-value='{before + 25}']", timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.get_attribute("#live-status", "data-position") == str(sent.json()["position"])
    watch.assert_clean()


def test_the_drift_heat_map_shows_the_shifted_columns_worst_first(
        signed_in: tuple[Page, PageWatch], dashboard_server: DemoServer) -> None:
    """The demo's churn-classifier spends more and comes on android in its last week, and a
    third of those rows lack their support tickets: the heat map ranks those columns first,
    a cell opens both distributions, and the integrity table counts the missing values."""
    page, watch = signed_in
    churn = dashboard_server.models["churn-classifier"]
    page.goto(f"{dashboard_server.url}/ui/models/{churn}")
    page.wait_for_selector("#drift-heatmap tbody tr")
    start = (datetime.now(UTC) - timedelta(days=29)).date().isoformat()
    range_ = {"dataset_split": "production", "version_id": "v1", "start": start}
    base = f"/api/v1/models/{churn}"
    with dashboard_server.api() as api:
        drift = api.get(f"{base}/inputs/drift", params={**range_, "metrics": "jsd"}).json()
        integrity = api.get(f"{base}/inputs/integrity", params=range_).json()

    ranked = [entry["column"] for entry in drift["ranking"]]
    rows = page.locator("#drift-heatmap tbody tr")
    assert [rows.nth(i).get_attribute("data-column") for i in range(rows.count())] == ranked
    assert set(ranked[:2]) == {"monthly_spend", "device"}
    tenure = next(e["jsd"] for e in drift["ranking"] if e["column"] == "tenure")
    shown = float(page.get_attribute("#drift-heatmap tr[data-column='monthly_spend'] td.num",
                                     "data-jsd"))
    assert shown == drift["ranking"][ranked.index("monthly_spend")]["jsd"] > 3 * tenure

    # Step: a day of monthly_spend opens its two distributions.
    page.locator("#drift-heatmap tr[data-column='monthly_spend'] .drift-cell-button").last.click()
    figure = page.wait_for_selector("#drift-detail figure[data-column='monthly_spend']")
    assert len(figure.query_selector_all("tbody tr")) == 10

    # Step: the missing support tickets, as the integrity answer counts them.
    missing = sum(p["columns"]["support_tickets"]["missing_count"] for p in integrity["points"])
    cell = page.locator("#integrity-table tr[data-column='support_tickets']"
                        " td[data-field='missing_count']")
    assert missing > 0 and int(cell.get_attribute("data-value")) == missing
    page.locator("#drift").scroll_into_view_if_needed()
    assert screenshot(page, "drift").stat().st_size > 20_000  # a drawn page, not a blank one
    watch.assert_clean()
