"""Rendered outputs people open: the PDF pack (rendered to PNG and read back), charts, CSV."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pytest.importorskip("matplotlib", reason="pip install -r requirements-dev.txt (reports layer)")
pytest.importorskip("fpdf", reason="pip install -r requirements-dev.txt (reports layer)")
pypdf = pytest.importorskip("pypdf", reason="pip install -r requirements-dev.txt")
pdfium = pytest.importorskip("pypdfium2", reason="pip install -r requirements-dev.txt")

from syncbridge.domain.insights.analytics import RiskInputs, seasonal, site_risk  # noqa: E402
from syncbridge.domain.insights.compliance import DeviceChange, build_pack  # noqa: E402
from syncbridge.domain.insights.models import SensorEvent, Visit  # noqa: E402
from syncbridge.domain.insights.reports import SiteReport  # noqa: E402
from syncbridge.render.charts import report_chart, risk_chart, seasonal_chart  # noqa: E402
from syncbridge.render.pack_pdf import pack_pdf  # noqa: E402
from syncbridge.render.tables import to_csv  # noqa: E402

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def a_pack():
    changes = [
        DeviceChange(
            at=datetime(2026, 11, d, tzinfo=UTC),
            point_ref="ERP024_025_01",
            action="confirm_deveui",
            field="deveui",
            old=None,
            new=f"58-A0-CB-00-00-10-2F-0{d}",
            actor="alice",
            audit_ref=f"audit#{d}",
        )
        for d in range(1, 4)
    ]
    return build_pack(
        tenant="golden-crust",
        site="Golden Crust Manchester",
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=NOW,
        now=NOW,
        site_points={"ERP024_025_01": True, "ERP024_025_02": False},
        device_changes=changes,
        incidents=[],
        visits=[
            Visit(
                id="41",
                at=datetime(2026, 11, 5, tzinfo=UTC),
                technician="Ann",
                point_refs=["ERP024_025_01"],
            )
        ],
        events=[],
    )


def test_pack_pdf_has_every_section_and_renders_to_an_image(tmp_path):
    pdf = pack_pdf(a_pack())
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    for title in (
        "Device deployments",
        "DevEUI changes",
        "Incidents and corrective actions",
        "Service visits",
        "Sensor coverage gaps",
    ):
        assert title in text
    assert "audit#2" in text and "58-A0-CB-00-00-10-2F-03" in text
    page = pdfium.PdfDocument(str(path))[0]
    image = page.render(scale=1).to_pil()
    assert image.size[0] > 500 and image.size[1] > 700
    # a rendered page is not blank: some pixels are dark (text)
    assert image.convert("L").getextrema()[0] < 80
    image.save(tmp_path / "pack-page-1.png")


def test_charts_render_png_and_svg():
    events = [
        SensorEvent(
            id=str(i),
            at=datetime(2026, 1 + i % 11, 3, tzinfo=UTC),
            point_ref="P1",
            site="M",
            event="rodent_present",
        )
        for i in range(30)
    ]
    png = seasonal_chart(seasonal(events))
    assert png.startswith(b"\x89PNG")
    svg = risk_chart(
        [site_risk(RiskInputs(site="M", points=4, covered_points=3), events, NOW)], fmt="svg"
    )
    assert b"<svg" in svg and b"coverage gaps" in svg
    row = SiteReport(
        month="2026-11",
        site="M",
        customer=None,
        points=4,
        covered_points=3,
        coverage_pct=75.0,
        alerts=2,
        incidents_opened=1,
        incidents_closed=1,
        median_response_hours=5.0,
        p90_response_hours=9.0,
        quiet_after_visit_rate=1.0,
        never_visited=0,
        deployed_devices=3,
        revenue=300.0,
        currency="GBP",
        revenue_per_device=100.0,
    )
    assert report_chart([row]).startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        report_chart([row], fmt="gif")


def test_csv_has_header_and_rows_in_field_order():
    text = to_csv(seasonal([SensorEvent(id="1", at=NOW, point_ref="P", site="M", event="x")]))
    assert text.splitlines() == ["site,pest_type,period,alerts", "M,rodent,2026-11,1"]
    assert to_csv([]) == "\n"
