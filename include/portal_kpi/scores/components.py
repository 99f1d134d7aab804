"""The Decision 766 groups and components: maxima, thresholds, the portal's metric codes.

Local component codes follow the method text (``2.1``, ``3.3`` …); ``portal_code`` is the code
the reporting API uses (shape A metrics) or our name for a counter pair of a tree endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal_kpi.scores.formulas import Empty, Rule


@dataclass(frozen=True)
class Component:
    code: str
    group: str
    portal_code: str
    rule: Rule
    local: bool  # our export carries what it needs
    name: str


@dataclass(frozen=True)
class Group:
    code: str
    endpoint: str
    max_points: Decimal
    name: str


GROUPS: tuple[Group, ...] = (
    Group("CKMB", "transparency", Decimal(18), "Công khai, minh bạch"),
    Group("TDGQ", "dvc-progress-tree", Decimal(20), "Tiến độ giải quyết"),
    Group("CLGQ", "provide-online-tree", Decimal(12), "Cung cấp dịch vụ công trực tuyến"),
    Group("TTTT", "formality-online-payment-tree", Decimal(10), "Thanh toán trực tuyến"),
    Group("MDSH", "dossier-digitized", Decimal(22), "Mức độ số hoá hồ sơ"),
    Group("MDHL", "handling-satisfaction", Decimal(18), "Mức độ hài lòng"),
)
GROUP_BY_CODE = {g.code: g for g in GROUPS}
GROUP_BY_ENDPOINT = {g.endpoint: g for g in GROUPS}
TOTAL_MAX = sum((g.max_points for g in GROUPS), Decimal(0))


def _r(
    max_points: int,
    threshold: str | None = None,
    empty: Empty = Empty.NULL,
    *,
    from_ratio: bool = False,
) -> Rule:
    return Rule(Decimal(max_points), Decimal(threshold) if threshold else None, empty, from_ratio)


COMPONENTS: tuple[Component, ...] = (
    Component("1.1", "CKMB", "PUBLISH_ON_TIME", _r(6), False, "Công bố TTHC đúng hạn"),
    Component("1.2", "CKMB", "PUBLIC_UPDATE_ON_TIME", _r(4), False, "Công khai TTHC đúng hạn"),
    Component("1.3", "CKMB", "PUBLIC_CONTENT_FULL", _r(2), False, "Công khai đầy đủ nội dung"),
    Component("1.4", "CKMB", "DOSSIER_SYNC", _r(6), False, "Đồng bộ hồ sơ lên Cổng quốc gia"),
    Component(
        "2.1", "TDGQ", "ON_TIME", _r(20, empty=Empty.ZERO), True, "Hồ sơ giải quyết đúng hạn"
    ),
    Component(
        "3.1",
        "CLGQ",
        "ONLINE_SERVICE_PROVIDED",
        _r(2, "0.8"),
        True,
        "TTHC cung cấp dịch vụ công trực tuyến",
    ),
    Component(
        "3.2", "CLGQ", "ONLINE_SERVICE_USED", _r(4), True, "DVCTT có phát sinh hồ sơ trực tuyến"
    ),
    Component("3.3", "CLGQ", "ONLINE_RECEIVED", _r(6, "0.5"), True, "Hồ sơ tiếp nhận trực tuyến"),
    Component(
        "3.4",
        "TTTT",
        "FEE_FORMALITY_WITH_DOSSIER",
        _r(2, "0.8", Empty.ZERO),
        False,
        "TTHC có phí tích hợp thanh toán trực tuyến",
    ),
    Component(
        "3.5",
        "TTTT",
        "FEE_FORMALITY_PAID_ONLINE",
        _r(2, "0.8", Empty.ZERO),
        False,
        "TTHC có phát sinh thanh toán trực tuyến",
    ),
    Component(
        "3.6",
        "TTTT",
        "DOSSIER_PAID_ONLINE",
        _r(6, empty=Empty.ZERO, from_ratio=True),
        True,
        "Hồ sơ thanh toán trực tuyến",
    ),
    Component("4.1", "MDSH", "ORIGINAL_RESULT_AVAILABLE", _r(6), False, "Kết quả điện tử"),
    Component("4.2", "MDSH", "SO_HOA_GIAY_TO_GIAI_QUYET", _r(4), False, "Số hoá hồ sơ"),
    Component(
        "4.3", "MDSH", "REUSED_DIGITIZED_DATA", _r(2, "0.8"), True, "Tái sử dụng dữ liệu số hoá"
    ),
    Component(
        "4.4",
        "MDSH",
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
        _r(4),
        False,
        "Đồng bộ kho dữ liệu cá nhân",
    ),
    Component(
        "4.5a",
        "MDSH",
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        _r(2),
        False,
        "Hồ sơ kết nối dữ liệu dân cư",
    ),
    Component(
        "4.5b",
        "MDSH",
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        _r(2),
        False,
        "TTHC kết nối dữ liệu dân cư",
    ),
    Component(
        "4.6", "MDSH", "ELECTRONIC_CERTIFIED_COPY", _r(2), False, "Chứng thực bản sao điện tử"
    ),
    Component(
        "6.1",
        "MDHL",
        "DOSSIER_RECEIVING_SATISFACTION",
        _r(6, "0.9", Empty.ZERO),
        False,
        "Hài lòng trong tiếp nhận, giải quyết TTHC",
    ),
    Component(
        "6.2",
        "MDHL",
        "PETITION_PROCESSING_ON_TIME",
        _r(6, empty=Empty.FULL),
        False,
        "PAKN xử lý đúng hạn",
    ),
    Component(
        "6.3",
        "MDHL",
        "PETITION_HANDLING_SATISFACTION",
        _r(6, empty=Empty.FULL),
        False,
        "Hài lòng trong xử lý PAKN",
    ),
)
BY_CODE = {c.code: c for c in COMPONENTS}
BY_PORTAL_CODE = {c.portal_code: c for c in COMPONENTS}
LOCAL_CODES = tuple(c.code for c in COMPONENTS if c.local)
UNSCORED_METRICS = frozenset({"PETITION_CLASSIFICATION_TTHC", "PETITION_CLASSIFICATION_STAFF"})
"""Published with ``maxScore`` 0 and a null score: counted, never scored."""
